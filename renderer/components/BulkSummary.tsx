/**
 * What a text box shows in place of a list too long to edit comfortably (Chromium takes seconds to lay out a few MB of
 * text): how much there is, its first lines, and a button that brings the whole text back. The box around it (its
 * role, paste and key handling) belongs to the panel.
 */
import { useFormatters } from '../i18n/index.js';
import { Button } from './Button.js';

export function BulkSummary(props: { countLabel: string; bytes: number; preview: string; note: string; editLabel: string; onEdit: () => void }) {
  const format = useFormatters();
  return (
    <div className="bulk">
      <div className="bulk__summary">
        <strong>{props.countLabel}</strong>
        <span className="bulk__size">{format.bytes(props.bytes)}</span>
      </div>
      <pre className="bulk__preview">{props.preview}</pre>
      <div className="bulk__footer">
        <span className="bulk__note">{props.note}</span>
        <Button size="small" onClick={props.onEdit}>
          {props.editLabel}
        </Button>
      </div>
    </div>
  );
}
