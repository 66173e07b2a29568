/** A determinate progress bar: role="progressbar" with aria-valuenow = done and aria-valuemax = total. */
export function ProgressBar(props: {
  value: number;
  max: number;
  label: string;
  /** Spoken instead of the bare number, e.g. "1,234 of 5,000". */
  valueText?: string;
  tone?: 'active' | 'paused' | 'done' | 'stopped';
  /** Part of the bar shown as failed (0..max), drawn at the end of the filled part. */
  failed?: number;
  className?: string;
}) {
  const max = Math.max(0, props.max);
  const value = Math.min(Math.max(0, props.value), max);
  const fraction = max > 0 ? value / max : 0;
  const failedFraction = max > 0 ? Math.min(props.failed ?? 0, value) / max : 0;
  return (
    <div
      className={`progress progress--${props.tone ?? 'active'}${props.className ? ` ${props.className}` : ''}`}
      role="progressbar"
      aria-label={props.label}
      aria-valuemin={0}
      aria-valuemax={max}
      aria-valuenow={value}
      aria-valuetext={props.valueText}
    >
      {/* Scaled, not resized: a moving bar costs the compositor, not a layout per frame. */}
      <div className="progress__fill" style={{ transform: `scaleX(${fraction.toFixed(5)})` }}>
        {failedFraction > 0 ? <div className="progress__failed" style={{ width: `${((failedFraction / fraction) * 100).toFixed(3)}%` }} /> : null}
      </div>
    </div>
  );
}
