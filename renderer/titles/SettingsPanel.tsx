/**
 * The settings of a new run, one field per entry of `fields` below (add a setting there): limits from
 * src/titles/limits.ts, help text and errors in the user's language.
 */
import { memo, type ReactNode } from 'react';
import type { TitlesSettings } from '../../src/contract.js';
import { titlesLimits, type Limit, type UserAgentProblem } from '../../src/titles/limits.js';
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
const secondsLimit = { min: Math.max(1, Math.ceil(titlesLimits.timeoutMs.min / 1000)), max: Math.floor(titlesLimits.timeoutMs.max / 1000) };

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
];

/** Whether the settings can start a run (every field valid; number fields only ever report valid values). */
export function settingsValid(settings: TitlesSettings): boolean {
  return userAgentFieldProblem(settings.userAgent) === null;
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
