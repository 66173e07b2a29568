/**
 * "Run on: this computer / a Redis queue", in the New run panel: the Redis URL (typed once, then only ever shown
 * without its password), and a connection test that says what is wrong in a line (unreachable, password, eviction
 * policy, another Titlewave version) and how many workers are connected.
 */
import { memo, useId, useState, type FormEvent } from 'react';
import type { ClusterTestResult, RunTarget } from '../../src/contract.js';
import { useFailureText } from '../cluster/failure.js';
import type { ClusterSettingsState } from '../cluster/use-cluster-settings.js';
import { Button } from '../components/Button.js';
import { useHostOnline } from '../connection.js';
import { clusterMessages } from '../i18n/cluster.js';
import { useFormatters, useT } from '../i18n/index.js';

function TestResult(props: { result: ClusterTestResult }) {
  const t = useT(clusterMessages);
  const format = useFormatters();
  const failure = useFailureText();
  const { result } = props;
  if (!result.ok) {
    const text = failure.ofCode(result.code, result.message);
    return (
      <div className="runon__status runon__status--error" role="alert">
        <strong className="runon__headline">{text.headline}</strong>
        <span className="runon__detail">{text.detail}</span>
      </div>
    );
  }
  const count = result.workers.length;
  const incompatible = result.workers.filter((worker) => !worker.compatible).length;
  return (
    <div className="runon__status runon__status--ok" role="status">
      <strong className="runon__headline">{t('testOk', { version: result.redisVersion, count, formatted: format.number(count) })}</strong>
      {incompatible > 0 ? <span className="runon__detail runon__detail--warning">{t('incompatibleWorkers', { count: incompatible, formatted: format.number(incompatible) })}</span> : null}
    </div>
  );
}

export const RunOnSetting = memo(function RunOnSetting(props: { state: ClusterSettingsState }) {
  const t = useT(clusterMessages);
  const failure = useFailureText();
  const { settings, test, testing } = props.state;
  const online = useHostOnline();
  const legendId = useId();
  const inputId = useId();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState('');
  const [draftError, setDraftError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  if (!settings) return null;

  const queue = settings.runOn === 'queue';
  const showInput = queue && (editing || settings.url === null);

  const choose = (runOn: RunTarget) => void props.state.setRunOn(runOn);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (!draft.trim() || saving) return;
    setSaving(true);
    setDraftError(null);
    try {
      await props.state.saveUrl(draft.trim());
      // The typed URL (and its password) leaves the page: from now on it is shown as the services give it back.
      setDraft('');
      setEditing(false);
    } catch (error) {
      setDraftError(failure.ofError(error));
    } finally {
      setSaving(false);
    }
  };

  return (
    <div className="runon" role="group" aria-labelledby={legendId}>
      <div className="runon__head">
        <span className="runon__legend" id={legendId}>
          {t('runOnLegend')}
        </span>
        <div className="segmented runon__choice">
          {(['local', 'queue'] as const).map((target) => (
            <label key={target} className={`segmented__item runon__option${settings.runOn === target ? ' runon__option--checked' : ''}`}>
              <input
                type="radio"
                className="visually-hidden"
                name={legendId}
                value={target}
                checked={settings.runOn === target}
                disabled={!online}
                onChange={() => choose(target)}
              />
              {target === 'local' ? t('runOnLocal') : t('runOnQueue')}
            </label>
          ))}
        </div>
      </div>
      {queue ? (
        <div className="runon__queue">
          {showInput ? (
            <form className="runon__form" onSubmit={(event) => void save(event)}>
              <label className="field__label" htmlFor={inputId}>
                {t('redisUrl')}
              </label>
              <div className="runon__row">
                <input
                  id={inputId}
                  className="input runon__url"
                  type="text"
                  autoComplete="off"
                  autoCapitalize="off"
                  autoCorrect="off"
                  spellCheck={false}
                  value={draft}
                  placeholder={t('redisUrlPlaceholder')}
                  aria-invalid={draftError ? true : undefined}
                  aria-describedby={`${inputId}-note`}
                  onChange={(event) => {
                    setDraft(event.target.value);
                    setDraftError(null);
                  }}
                />
                <div className="runon__buttons">
                  <Button type="submit" size="small" variant="primary" disabled={!draft.trim() || saving}>
                    {saving ? t('testing') : t('saveAndTest')}
                  </Button>
                  {settings.url !== null ? (
                    <Button
                      size="small"
                      variant="ghost"
                      onClick={() => {
                        setEditing(false);
                        setDraft('');
                        setDraftError(null);
                      }}
                    >
                      {t('cancelChange')}
                    </Button>
                  ) : null}
                </div>
              </div>
              {draftError ? (
                <div className="field__error" id={`${inputId}-note`} role="alert">
                  {draftError}
                </div>
              ) : (
                <div className="field__hint" id={`${inputId}-note`}>
                  {t('redisUrlHint')}
                </div>
              )}
            </form>
          ) : (
            <div className="runon__saved">
              <span className="field__label">{t('redisUrl')}</span>
              <div className="runon__row">
                <code className="runon__display" title={settings.url ?? undefined}>
                  {settings.url}
                </code>
                <div className="runon__buttons">
                  <button type="button" className="link-button" onClick={() => setEditing(true)}>
                    {t('change')}
                  </button>
                  <button
                    type="button"
                    className="link-button link-button--danger"
                    title={t('forgetHint')}
                    disabled={!online}
                    onClick={() => void props.state.forgetUrl()}
                  >
                    {t('forget')}
                  </button>
                  <Button size="small" disabled={testing} onClick={() => void props.state.runTest()}>
                    {testing ? t('testing') : t('testConnection')}
                  </Button>
                </div>
              </div>
            </div>
          )}
          {test && !saving && !testing ? <TestResult result={test} /> : null}
          <p className="runon__note">{t('queueNote')}</p>
        </div>
      ) : null}
    </div>
  );
});
