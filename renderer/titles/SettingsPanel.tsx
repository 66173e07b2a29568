/**
 * The settings of a new run, one field per entry of `fields` below (add a setting there): limits from
 * src/titles/limits.ts, help text and errors in the user's language.
 */
import { memo, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import type { TitlesSettings } from '../../src/contract.js';
import { isValidRate, titlesLimits, type Limit, type UserAgentProblem } from '../../src/titles/limits.js';
import { DIRECT, ENVIRONMENT, proxySettingProblem } from '../../src/titles/list-settings.js';
import { NumberField, SelectField, TextField } from '../components/Fields.js';
import { useFormatters, useT, type Translator } from '../i18n/index.js';
import { titlesMessages } from '../i18n/titles.js';
import { defaultTitlesSettings, userAgentFieldProblem } from './settings.js';

type T = Translator<(typeof titlesMessages)['en']>;
type Set = <K extends keyof TitlesSettings>(key: K, value: TitlesSettings[K]) => void;
interface FieldContext {
  settings: TitlesSettings;
  set: Set;
  t: T;
  /** The error of a number out of its limit. */
  range: (limit: Limit) => string;
}

const userAgentErrorKey: Record<UserAgentProblem, 'userAgentTooLong' | 'userAgentControl' | 'userAgentNotLatin1'> = {
  tooLong: 'userAgentTooLong',
  control: 'userAgentControl',
  notLatin1: 'userAgentNotLatin1',
};

/** Whole seconds shown for a limit in milliseconds: the field counts whole seconds. */
const inSeconds = (limit: Limit): Limit => ({ min: Math.max(1, Math.ceil(limit.min / 1000)), max: Math.floor(limit.max / 1000) });
const secondsLimit = inSeconds(titlesLimits.timeoutMs);
const renderSecondsLimit = inSeconds(titlesLimits.renderTimeoutMs);

/** A rate as typed: null for empty (no limit), the number when valid, undefined when not. */
function parseRate(text: string): number | null | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const value = Number(trimmed);
  return /^\d*\.?\d+$/.test(trimmed) && isValidRate(value) ? value : undefined;
}

/** Requests per second per host: empty for no limit. Only valid values reach `onChange`, as with the number fields. */
function RateField(props: { value: number | null; onChange: (value: number | null) => void }) {
  const t = useT(titlesMessages);
  const [draft, setDraft] = useState(props.value === null ? '' : String(props.value));
  useEffect(() => {
    setDraft((current) => (parseRate(current) === props.value ? current : props.value === null ? '' : String(props.value)));
  }, [props.value]);
  const valid = parseRate(draft) !== undefined;
  return (
    <TextField
      className="settings__rate"
      label={t('rate')}
      value={draft}
      placeholder={t('ratePlaceholder')}
      hint={t('rateHint')}
      error={valid ? null : t('rateError', { max: titlesLimits.rateMax })}
      maxLength={12}
      onChange={(text) => {
        setDraft(text);
        const rate = parseRate(text);
        if (rate !== undefined) props.onChange(rate);
      }}
    />
  );
}

type ProxyMode = 'environment' | 'direct' | 'custom';

function proxyModeOf(proxy: string): ProxyMode {
  return proxy === ENVIRONMENT ? 'environment' : proxy === DIRECT ? 'direct' : 'custom';
}

/**
 * Where requests go: the environment's proxy variables, directly, or a proxy URL. The URL is the setting as typed
 * (Start waits while it is not a proxy URL: a run must never go direct when the user meant a proxy).
 */
function ProxyFields(props: { value: string; onChange: (value: string) => void }) {
  const t = useT(titlesMessages);
  const mode = proxyModeOf(props.value);
  // The URL last typed, restored when "Proxy URL…" is chosen again.
  const lastUrl = useRef(mode === 'custom' ? props.value : '');
  if (mode === 'custom') lastUrl.current = props.value;
  const problem = mode === 'custom' && props.value.trim() !== '' && proxySettingProblem(props.value.trim()) !== null ? t('proxyUrlError') : null;
  return (
    <>
      <SelectField<ProxyMode>
        className="settings__proxy"
        label={t('proxy')}
        value={mode}
        options={[
          { value: 'environment', label: t('proxyEnvironment') },
          { value: 'direct', label: t('proxyDirect') },
          { value: 'custom', label: t('proxyCustom') },
        ]}
        onChange={(next) => props.onChange(next === 'direct' ? DIRECT : next === 'environment' ? ENVIRONMENT : lastUrl.current)}
      />
      {mode === 'custom' ? (
        <TextField
          className="settings__proxyurl"
          label={t('proxyUrl')}
          value={props.value}
          placeholder={t('proxyUrlPlaceholder')}
          hint={t('proxyUrlHint')}
          error={problem}
          maxLength={2048}
          onChange={props.onChange}
        />
      ) : null}
    </>
  );
}

function RobotsField(props: { value: TitlesSettings['robots']; onChange: (value: TitlesSettings['robots']) => void }) {
  const t = useT(titlesMessages);
  const hintId = useId();
  return (
    <div className="settings__check">
      <label className="checkbox">
        <input type="checkbox" checked={props.value === 'respect'} aria-describedby={hintId} onChange={(event) => props.onChange(event.target.checked ? 'respect' : 'ignore')} />
        <span>{t('robots')}</span>
      </label>
      <div className="field__hint" id={hintId}>
        {t('robotsHint')}
      </div>
    </div>
  );
}

/** Every setting's field, in the order shown. */
const fields: readonly ((context: FieldContext) => ReactNode)[] = [
  ({ settings, set, t, range }) => (
    <NumberField
      key="concurrency"
      label={t('concurrency')}
      hint={t('concurrencyHint')}
      value={settings.concurrency}
      {...titlesLimits.concurrency}
      rangeError={range(titlesLimits.concurrency)}
      onChange={(value) => set('concurrency', value)}
    />
  ),
  ({ settings, set, t, range }) => (
    <NumberField
      key="perHost"
      label={t('perHost')}
      hint={t('perHostHint')}
      value={settings.perHost}
      {...titlesLimits.perHost}
      rangeError={range(titlesLimits.perHost)}
      onChange={(value) => set('perHost', value)}
    />
  ),
  ({ settings, set, t, range }) => (
    <NumberField
      key="timeout"
      label={t('timeout')}
      hint={t('timeoutHint')}
      unit={t('seconds')}
      value={Math.round(settings.timeoutMs / 1000)}
      {...secondsLimit}
      rangeError={range(secondsLimit)}
      onChange={(value) => set('timeoutMs', value * 1000)}
    />
  ),
  ({ settings, set, t, range }) => (
    <NumberField
      key="retries"
      label={t('retries')}
      hint={t('retriesHint')}
      value={settings.retries}
      {...titlesLimits.retries}
      rangeError={range(titlesLimits.retries)}
      onChange={(value) => set('retries', value)}
    />
  ),
  ({ settings, set, t }) => (
    <SelectField
      key="render"
      className="settings__wide"
      label={t('render')}
      value={settings.render}
      options={[
        { value: 'auto', label: t('renderAuto') },
        { value: 'never', label: t('renderNever') },
        { value: 'always', label: t('renderAlways') },
      ]}
      onChange={(value) => set('render', value)}
    />
  ),
  // Render mode's two limits; they have nothing to limit when no page is rendered.
  ({ settings, set, t, range }) => (
    <NumberField
      key="renderers"
      label={t('renderers')}
      hint={t('renderersHint')}
      value={settings.renderers}
      {...titlesLimits.renderers}
      rangeError={range(titlesLimits.renderers)}
      disabled={settings.render === 'never'}
      onChange={(value) => set('renderers', value)}
    />
  ),
  ({ settings, set, t, range }) => (
    <NumberField
      key="renderTimeout"
      label={t('renderTimeout')}
      hint={t('renderTimeoutHint')}
      unit={t('seconds')}
      value={Math.round(settings.renderTimeoutMs / 1000)}
      {...renderSecondsLimit}
      rangeError={range(renderSecondsLimit)}
      disabled={settings.render === 'never'}
      onChange={(value) => set('renderTimeoutMs', value * 1000)}
    />
  ),
  ({ settings, set, t }) => {
    const problem = userAgentFieldProblem(settings.userAgent);
    return (
      <TextField
        key="userAgent"
        className="settings__wide"
        label={t('userAgent')}
        value={settings.userAgent}
        placeholder={t('userAgentPlaceholder')}
        error={problem ? t(userAgentErrorKey[problem], { max: titlesLimits.userAgentLength }) : null}
        onChange={(value) => set('userAgent', value)}
      />
    );
  },
  // List mode (issue 13).
  ({ settings, set }) => <RateField key="rate" value={settings.rate} onChange={(value) => set('rate', value)} />,
  ({ settings, set }) => <ProxyFields key="proxy" value={settings.proxy} onChange={(value) => set('proxy', value)} />,
  ({ settings, set }) => <RobotsField key="robots" value={settings.robots} onChange={(value) => set('robots', value)} />,
];

/** Whether the settings can start a run (every field valid; number fields only ever report valid values). */
export function settingsValid(settings: TitlesSettings): boolean {
  return userAgentFieldProblem(settings.userAgent) === null && proxySettingProblem(settings.proxy) === null;
}

export const SettingsPanel = memo(function SettingsPanel(props: {
  settings: TitlesSettings;
  onChange: (settings: TitlesSettings) => void;
  /** Shown under the fields (where the run goes: this computer or a Redis queue). */
  children?: ReactNode;
}) {
  const t = useT(titlesMessages);
  const format = useFormatters();
  const { settings, onChange } = props;
  const range = (limit: Limit) => t('rangeError', { min: format.number(limit.min), max: format.number(limit.max) });
  const set: Set = (key, value) => onChange({ ...settings, [key]: value });
  const isDefault = JSON.stringify(settings) === JSON.stringify(defaultTitlesSettings);
  return (
    <fieldset className="settings">
      <legend className="settings__legend">
        <span>{t('settingsHeading')}</span>
        <button type="button" className="link-button" disabled={isDefault} onClick={() => onChange(defaultTitlesSettings)}>
          {t('resetSettings')}
        </button>
      </legend>
      <div className="settings__grid">{fields.map((field) => field({ settings, set, t, range }))}</div>
      {props.children}
    </fieldset>
  );
});
