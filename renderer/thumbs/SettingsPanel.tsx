/** Thumbnail settings: sizes as chips, format and quality, output folder, name pattern with a live preview, rules. */
import { Fragment, useId, useMemo, useState, type ReactNode } from 'react';
import type { ThumbsScanResult } from '../../src/contract.js';
import { outputPathFor } from '../../src/thumbs/options.js';
import type { ThumbFormat } from '../../src/thumbs/types.js';
import { errorMessage, invoke } from '../api.js';
import { Button } from '../components/Button.js';
import { TextField } from '../components/Fields.js';
import { useToast } from '../components/Toasts.js';
import { useT } from '../i18n/index.js';
import { thumbsMessages } from '../i18n/thumbs.js';
import { formats, maxSize, maxSizes, patternProblem, toOptions, type ThumbsSettings } from './settings.js';

const formatLabels: Record<ThumbFormat, string> = { png: 'PNG', webp: 'WebP', jpeg: 'JPEG', avif: 'AVIF' };

/** A row of mutually exclusive choices drawn as a segmented control (native radios underneath). */
function Segmented<V extends string>(props: {
  label: string;
  value: V;
  options: readonly { value: V; label: string }[];
  onChange: (value: V) => void;
  disabled?: boolean;
}) {
  const name = useId();
  return (
    <fieldset className="choice-group" disabled={props.disabled}>
      <legend className="field__label">{props.label}</legend>
      <div className="choice-group__options">
        {props.options.map((option) => (
          <label key={option.value} className="choice-group__option">
            <input type="radio" name={name} value={option.value} checked={props.value === option.value} onChange={() => props.onChange(option.value)} />
            <span>{option.label}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

function SizeChips(props: { sizes: number[]; onChange: (sizes: number[]) => void; disabled: boolean }) {
  const t = useT(thumbsMessages);
  const id = useId();
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | null>(null);

  const add = () => {
    const text = draft.trim();
    if (text === '') return;
    const size = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isInteger(size) || size < 1 || size > maxSize) return setError(t('sizeInvalid'));
    if (props.sizes.includes(size)) return setError(t('sizeDuplicate', { size }));
    if (props.sizes.length >= maxSizes) return setError(t('sizesFull'));
    props.onChange([...props.sizes, size].sort((a, b) => a - b));
    setDraft('');
    setError(null);
  };

  return (
    <div className={`field size-chips${error ? ' field--invalid' : ''}`}>
      <span className="field__label" id={`${id}-label`}>
        {t('sizes')}
      </span>
      <div className="size-chips__row" role="group" aria-labelledby={`${id}-label`}>
        {props.sizes.map((size) => (
          <span key={size} className="chip">
            <span className="chip__label">{size}</span>
            <button
              type="button"
              className="chip__remove"
              aria-label={t('removeSize', { size })}
              disabled={props.disabled}
              onClick={() => props.onChange(props.sizes.filter((s) => s !== size))}
            >
              ×
            </button>
          </span>
        ))}
        <input
          id={id}
          className="input size-chips__input"
          inputMode="numeric"
          value={draft}
          placeholder={t('addSizePlaceholder')}
          aria-label={t('addSize')}
          aria-invalid={error ? true : undefined}
          aria-describedby={`${id}-note`}
          disabled={props.disabled || props.sizes.length >= maxSizes}
          onChange={(event) => {
            setDraft(event.target.value);
            setError(null);
          }}
          onKeyDown={(event) => {
            if (event.key === 'Enter' || event.key === ',') {
              event.preventDefault();
              add();
            } else if (event.key === 'Backspace' && draft === '' && props.sizes.length > 0) {
              props.onChange(props.sizes.slice(0, -1));
            }
          }}
          onBlur={add}
        />
      </div>
      <div className={error || props.sizes.length === 0 ? 'field__error' : 'field__hint'} id={`${id}-note`} role={error ? 'alert' : undefined}>
        {error ?? (props.sizes.length === 0 ? t('sizesNeeded') : t('sizesHint'))}
      </div>
    </div>
  );
}

/** A path that wraps after its separators rather than inside a name. */
function breakablePath(path: string): ReactNode[] {
  return path.split(/(?<=[\\/])/).map((part, index) => (
    <Fragment key={index}>
      {part}
      <wbr />
    </Fragment>
  ));
}

function Row(props: { children: ReactNode }) {
  return <div className="thumbs-settings__row">{props.children}</div>;
}

export function SettingsPanel(props: {
  settings: ThumbsSettings;
  onChange: (settings: ThumbsSettings) => void;
  scan: ThumbsScanResult | null;
  nativeDialogs: boolean;
  disabled: boolean;
}) {
  const t = useT(thumbsMessages);
  const toast = useToast();
  const titleId = useId();
  const { settings, disabled } = props;
  const set = <K extends keyof ThumbsSettings>(key: K, value: ThumbsSettings[K]) => props.onChange({ ...settings, [key]: value });
  const lossy = settings.format !== 'png';
  const problem = patternProblem(settings.pattern, settings.sizes);

  const preview = useMemo(() => {
    const image = props.scan?.images[0];
    const size = settings.sizes.at(-1);
    if (!image || size === undefined || problem) return null;
    try {
      return outputPathFor(image, props.scan?.roots[0] ?? null, size, toOptions(settings));
    } catch {
      return null;
    }
  }, [props.scan, settings, problem]);

  const chooseOutDir = async () => {
    try {
      const folder = await invoke('dialog.chooseFolder');
      if (folder) set('outDir', folder);
    } catch (error) {
      toast.show(t('commandFailed', { what: t('choose'), message: errorMessage(error) }), 'error');
    }
  };

  return (
    <section className="thumbs-card thumbs-settings" aria-labelledby={titleId}>
      <h2 className="thumbs-card__title" id={titleId}>
        {t('settingsTitle')}
      </h2>

      <SizeChips sizes={settings.sizes} onChange={(sizes) => set('sizes', sizes)} disabled={disabled} />

      <Row>
        <Segmented
          label={t('format')}
          value={settings.format}
          options={formats.map((value) => ({ value, label: formatLabels[value] }))}
          onChange={(value) => set('format', value)}
          disabled={disabled}
        />
        <div className="field thumbs-quality">
          <label className="field__label" htmlFor={`${titleId}-quality`}>
            {t('quality')}
            {lossy ? <output className="thumbs-quality__value">{settings.quality}</output> : null}
          </label>
          <input
            id={`${titleId}-quality`}
            type="range"
            min={1}
            max={100}
            value={settings.quality}
            disabled={disabled || !lossy}
            aria-describedby={lossy ? undefined : `${titleId}-quality-note`}
            onChange={(event) => set('quality', Number(event.target.value))}
          />
          {lossy ? null : (
            <div className="field__hint" id={`${titleId}-quality-note`}>
              {t('qualityLossless')}
            </div>
          )}
        </div>
      </Row>

      <div className="path-row">
        <TextField
          label={t('outDir')}
          value={settings.outDir ?? ''}
          onChange={(value) => set('outDir', value.trim() === '' ? null : value)}
          placeholder={t('outDirPlaceholder')}
          hint={t('outDirHint')}
          maxLength={4096}
          disabled={disabled}
        />
        {props.nativeDialogs ? (
          <Button needsHost onClick={() => void chooseOutDir()} disabled={disabled}>
            {t('choose')}
          </Button>
        ) : null}
      </div>

      <TextField
        label={t('pattern')}
        value={settings.pattern}
        onChange={(value) => set('pattern', value)}
        hint={t('patternHint')}
        error={problem ? ('key' in problem ? t(problem.key) : problem.text) : null}
        maxLength={200}
        disabled={disabled}
      />
      <div className="thumbs-preview" aria-live="polite">
        <span className="thumbs-preview__label">{t('preview')}</span>
        {preview ? (
          <code className="thumbs-preview__path" data-testid="thumbs-output-preview" title={preview}>
            {breakablePath(preview)}
          </code>
        ) : (
          <span className="thumbs-preview__none">{t('previewNone')}</span>
        )}
      </div>

      <label className="checkbox">
        <input type="checkbox" checked={settings.mirrorFolders} disabled={disabled} onChange={(event) => set('mirrorFolders', event.target.checked)} />
        <span>{t('mirrorFolders')}</span>
      </label>

      <Row>
        <Segmented
          label={t('existing')}
          value={settings.existing}
          options={[
            { value: 'skip', label: t('existingSkip') },
            { value: 'overwrite', label: t('existingOverwrite') },
          ]}
          onChange={(value) => set('existing', value)}
          disabled={disabled}
        />
        <Segmented
          label={t('metadata')}
          value={settings.keepMetadata ? 'keep' : 'strip'}
          options={[
            { value: 'strip', label: t('metadataStrip') },
            { value: 'keep', label: t('metadataKeep') },
          ]}
          onChange={(value) => set('keepMetadata', value === 'keep')}
          disabled={disabled}
        />
      </Row>
    </section>
  );
}
