/**
 * The note a resumed or retried run gets when some of its saved settings are outside today's limits (saved by a
 * Titlewave with looser ones): which, and the value used instead. The services bring them within; this says so.
 */
import type { SettingAdjustment } from '../../src/contract.js';
import { DIRECT, ENVIRONMENT } from '../../src/titles/list-settings.js';
import type { Formatters, Translator } from '../i18n/index.js';
import type { titlesMessages } from '../i18n/titles.js';

type TitlesTranslator = Translator<(typeof titlesMessages)['en']>;

const labels: Record<SettingAdjustment['setting'], keyof (typeof titlesMessages)['en'] & string> = {
  concurrency: 'concurrency',
  perHost: 'perHost',
  timeoutMs: 'timeout',
  retries: 'retries',
  userAgent: 'userAgent',
  proxy: 'proxy',
  robots: 'robots',
  rate: 'rate',
  render: 'render',
  renderers: 'renderers',
  renderTimeoutMs: 'renderTimeout',
};

function valueText(setting: SettingAdjustment['setting'], value: unknown, t: TitlesTranslator, format: Formatters): string {
  if (setting === 'rate' && value === null) return t('ratePlaceholder');
  // A proxy URL may hold a password: named by what it is, never shown.
  if (setting === 'proxy') return value === DIRECT ? t('proxyDirect') : value === ENVIRONMENT ? t('proxyEnvironment') : t('proxyUrl');
  if (typeof value !== 'number') return String(value);
  return setting === 'timeoutMs' || setting === 'renderTimeoutMs' ? format.duration(value) : format.number(value);
}

/** The toast for a run that was started again with `adjusted` settings; null when none were. */
export function adjustedSettingsNote(adjusted: readonly SettingAdjustment[], t: TitlesTranslator, format: Formatters): string | null {
  if (adjusted.length === 0) return null;
  const changes = adjusted.map(({ setting, stored, used }) => {
    const label = t(labels[setting]);
    if (setting !== 'proxy' && typeof used === 'string' && typeof stored === 'string') return t('settingShortened', { label, count: used.length, formatted: format.number(used.length) });
    return t('settingChanged', { label, stored: valueText(setting, stored, t, format), used: valueText(setting, used, t, format) });
  });
  return t('settingsAdjusted', { changes: changes.join(t('listSeparator')) });
}
