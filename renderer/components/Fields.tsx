/** Labelled form fields: a number field that only reports valid whole numbers, a text field and a select. */
import { useEffect, useId, useState, type ReactNode } from 'react';

function FieldFrame(props: { id: string; label: string; hint?: ReactNode; error?: string | null; children: ReactNode; className?: string }) {
  return (
    <div className={`field${props.error ? ' field--invalid' : ''}${props.className ? ` ${props.className}` : ''}`}>
      <label className="field__label" htmlFor={props.id}>
        {props.label}
      </label>
      {props.children}
      {props.error ? (
        <div className="field__error" id={`${props.id}-error`} role="alert">
          {props.error}
        </div>
      ) : props.hint ? (
        <div className="field__hint" id={`${props.id}-hint`}>
          {props.hint}
        </div>
      ) : null}
    </div>
  );
}

/**
 * A whole-number field. The user may type freely; `onChange` only fires with values inside [min, max], and an
 * out-of-range or empty entry shows `rangeError` until fixed (the last valid value stays in effect).
 */
export function NumberField(props: {
  label: string;
  value: number;
  min: number;
  max: number;
  onChange: (value: number) => void;
  /** Shown when the entry is not a whole number in range, e.g. "1 to 1000". */
  rangeError: string;
  unit?: string;
  hint?: ReactNode;
  disabled?: boolean;
  className?: string;
}) {
  const id = useId();
  const [draft, setDraft] = useState(String(props.value));
  const parsed = /^\d+$/.test(draft.trim()) ? Number(draft.trim()) : Number.NaN;
  const valid = Number.isInteger(parsed) && parsed >= props.min && parsed <= props.max;

  // Follow outside changes (e.g. settings restored) unless the user is mid-edit on the same value.
  useEffect(() => {
    setDraft((current) => (Number(current) === props.value ? current : String(props.value)));
  }, [props.value]);

  return (
    <FieldFrame id={id} label={props.label} hint={props.hint} error={valid ? null : props.rangeError} className={props.className}>
      <div className="field__control">
        <input
          id={id}
          className="input input--number"
          inputMode="numeric"
          value={draft}
          disabled={props.disabled}
          aria-invalid={!valid}
          aria-describedby={valid ? (props.hint ? `${id}-hint` : undefined) : `${id}-error`}
          onChange={(event) => {
            const text = event.target.value;
            setDraft(text);
            const value = /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
            if (Number.isInteger(value) && value >= props.min && value <= props.max) props.onChange(value);
          }}
          onBlur={() => {
            if (!valid) setDraft(String(props.value));
          }}
        />
        {props.unit ? <span className="field__unit">{props.unit}</span> : null}
      </div>
    </FieldFrame>
  );
}

export function TextField(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  placeholder?: string;
  hint?: ReactNode;
  error?: string | null;
  maxLength?: number;
  disabled?: boolean;
  className?: string;
  type?: 'text' | 'search';
}) {
  const id = useId();
  return (
    <FieldFrame id={id} label={props.label} hint={props.hint} error={props.error} className={props.className}>
      <input
        id={id}
        className="input"
        type={props.type ?? 'text'}
        value={props.value}
        placeholder={props.placeholder}
        maxLength={props.maxLength}
        disabled={props.disabled}
        spellCheck={false}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error ? `${id}-error` : props.hint ? `${id}-hint` : undefined}
        onChange={(event) => props.onChange(event.target.value)}
      />
    </FieldFrame>
  );
}

export function SelectField<V extends string>(props: {
  label: string;
  value: V;
  options: readonly { value: V; label: string }[];
  onChange: (value: V) => void;
  className?: string;
  /** Hide the visible label (it stays the accessible name). */
  compact?: boolean;
  disabled?: boolean;
}) {
  const id = useId();
  return (
    <div className={`select${props.compact ? ' select--compact' : ''}${props.className ? ` ${props.className}` : ''}`}>
      <label className={props.compact ? 'visually-hidden' : 'field__label'} htmlFor={id}>
        {props.label}
      </label>
      <select id={id} className="input select__input" value={props.value} disabled={props.disabled} onChange={(event) => props.onChange(event.target.value as V)}>
        {props.options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  );
}
