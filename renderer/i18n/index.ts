/**
 * The renderer's i18n: English and Simplified Chinese, one dictionary per area (common.ts, titles.ts, primes.ts,
 * thumbs.ts), each made with `defineMessages` so every language has exactly the same keys (checked by the compiler).
 * A component takes the translator of its area with `useT(areaMessages)`; the language lives in `LanguageProvider`.
 */
import { createContext, createElement, useCallback, useContext, useMemo, type ReactNode } from 'react';
import type { Language } from '../../src/contract.js';

export type { Language };
export const languages: readonly Language[] = ['en', 'zh-CN'];

export type MessageParams = Record<string, string | number>;
/** A message is a template with `{name}` placeholders, or a function of its parameters (for plurals). */
export type Message = string | ((params: MessageParams) => string);
export type Messages = Record<string, Message>;

export interface Dictionary<M extends Messages> {
  en: M;
  'zh-CN': { [K in keyof M]: Message };
}

/** Declare an area's messages; the compiler rejects a language that misses or adds a key. */
export function defineMessages<M extends Messages>(dictionary: Dictionary<M>): Dictionary<M> {
  return dictionary;
}

interface LanguageState {
  language: Language;
  setLanguage: (language: Language) => void;
}

const LanguageContext = createContext<LanguageState>({ language: 'en', setLanguage: () => undefined });

export function LanguageProvider(props: { language: Language; setLanguage: (language: Language) => void; children: ReactNode }) {
  const { language, setLanguage } = props;
  const value = useMemo(() => ({ language, setLanguage }), [language, setLanguage]);
  return createElement(LanguageContext.Provider, { value }, props.children);
}

export function useLanguage(): LanguageState {
  return useContext(LanguageContext);
}

function fill(template: string, params: MessageParams | undefined): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(params, name) ? String(params[name]) : whole));
}

export function translate<M extends Messages>(dictionary: Dictionary<M>, language: Language, key: keyof M & string, params?: MessageParams): string {
  const message = dictionary[language][key] ?? dictionary.en[key];
  if (message === undefined) return key;
  return typeof message === 'function' ? message(params ?? {}) : fill(message, params);
}

export type Translator<M extends Messages> = (key: keyof M & string, params?: MessageParams) => string;

/** The translator of one area's dictionary in the current language. */
export function useT<M extends Messages>(dictionary: Dictionary<M>): Translator<M> {
  const { language } = useLanguage();
  return useCallback((key: keyof M & string, params?: MessageParams) => translate(dictionary, language, key, params), [dictionary, language]);
}

/** Number, duration and date formatting in the current language. */
export interface Formatters {
  number: (value: number, maximumFractionDigits?: number) => string;
  /** A duration in milliseconds, compact: "850 ms", "12.4 s", "3 min 05 s", "1 h 02 min". */
  duration: (ms: number) => string;
  bytes: (value: number) => string;
  dateTime: (iso: string) => string;
}

const numberFormats = new Map<string, Intl.NumberFormat>();
function numberFormat(language: Language, maximumFractionDigits: number): Intl.NumberFormat {
  const key = `${language}|${maximumFractionDigits}`;
  let format = numberFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(language, { maximumFractionDigits });
    numberFormats.set(key, format);
  }
  return format;
}

export function formatters(language: Language): Formatters {
  const zh = language === 'zh-CN';
  const number = (value: number, maximumFractionDigits = 0) => numberFormat(language, maximumFractionDigits).format(value);
  const dateFormat = new Intl.DateTimeFormat(language, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  return {
    number,
    duration(ms) {
      if (!Number.isFinite(ms) || ms < 0) return '–';
      if (ms < 1000) return `${Math.round(ms)} ms`;
      const seconds = ms / 1000;
      if (seconds < 60) return zh ? `${number(seconds, 1)} 秒` : `${number(seconds, 1)} s`;
      const totalSeconds = Math.round(seconds);
      const minutes = Math.floor(totalSeconds / 60);
      if (minutes < 60) {
        const rest = String(totalSeconds % 60).padStart(2, '0');
        return zh ? `${minutes} 分 ${rest} 秒` : `${minutes} min ${rest} s`;
      }
      const hours = Math.floor(minutes / 60);
      const restMinutes = String(minutes % 60).padStart(2, '0');
      return zh ? `${hours} 小时 ${restMinutes} 分` : `${hours} h ${restMinutes} min`;
    },
    bytes(value) {
      if (value < 1024) return `${number(value)} B`;
      const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
      let scaled = value / 1024;
      let unit = 0;
      while (scaled >= 1024 && unit < units.length - 1) {
        scaled /= 1024;
        unit++;
      }
      return `${number(scaled, 1)} ${units[unit] as string}`;
    },
    dateTime(iso) {
      const date = new Date(iso);
      return Number.isNaN(date.getTime()) ? iso : dateFormat.format(date);
    },
  };
}

export function useFormatters(): Formatters {
  const { language } = useLanguage();
  return useMemo(() => formatters(language), [language]);
}

/** The language to use for a browser/OS language tag when the host did not say (any Chinese tag means zh-CN). */
export function languageFromTag(tag: string | undefined): Language {
  return tag && /^zh\b/i.test(tag) ? 'zh-CN' : 'en';
}
