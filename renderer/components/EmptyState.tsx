/** A centred message for a view with nothing in it yet: what it is and what to do next. */
import type { ReactNode } from 'react';

export function EmptyState(props: { title: string; children?: ReactNode; icon?: ReactNode; className?: string }) {
  return (
    <div className={`empty${props.className ? ` ${props.className}` : ''}`}>
      {props.icon ? (
        <div className="empty__icon" aria-hidden="true">
          {props.icon}
        </div>
      ) : null}
      <p className="empty__title">{props.title}</p>
      {props.children ? <div className="empty__body">{props.children}</div> : null}
    </div>
  );
}
