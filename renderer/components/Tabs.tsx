/**
 * Accessible tabs (WAI-ARIA tabs pattern, automatic activation): a tablist of role="tab" buttons with a roving
 * tabindex (arrows, Home, End move and select) and one role="tabpanel" each. Every panel stays mounted, hidden when
 * not selected, so a running job's view keeps its state and its event subscriptions.
 */
import { useRef, type KeyboardEvent, type ReactNode } from 'react';

export interface TabItem<Id extends string> {
  id: Id;
  label: string;
  content: ReactNode;
}

export function Tabs<Id extends string>(props: {
  items: readonly TabItem<Id>[];
  selected: Id;
  onSelect: (id: Id) => void;
  label: string;
  /** Shown at the end of the tab strip (e.g. the language selector). */
  trailing?: ReactNode;
  /** Shown at the start of the tab strip (e.g. the product name). */
  leading?: ReactNode;
  /** Shown between the tab strip and the panels (e.g. the connection banner). */
  banner?: ReactNode;
}) {
  const { items, selected, onSelect } = props;
  const tabRefs = useRef(new Map<Id, HTMLButtonElement>());

  const move = (event: KeyboardEvent<HTMLDivElement>) => {
    const index = items.findIndex((item) => item.id === selected);
    let next = index;
    if (event.key === 'ArrowRight') next = (index + 1) % items.length;
    else if (event.key === 'ArrowLeft') next = (index - 1 + items.length) % items.length;
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = items.length - 1;
    else return;
    event.preventDefault();
    const item = items[next];
    if (!item) return;
    onSelect(item.id);
    tabRefs.current.get(item.id)?.focus();
  };

  return (
    <div className="tabs">
      <header className="tabs__bar">
        {props.leading}
        <div className="tabs__list" role="tablist" aria-label={props.label} onKeyDown={move}>
          {items.map((item) => {
            const isSelected = item.id === selected;
            return (
              <button
                key={item.id}
                ref={(element) => {
                  if (element) tabRefs.current.set(item.id, element);
                  else tabRefs.current.delete(item.id);
                }}
                type="button"
                role="tab"
                id={`tab-${item.id}`}
                aria-selected={isSelected}
                aria-controls={`panel-${item.id}`}
                tabIndex={isSelected ? 0 : -1}
                className="tabs__tab"
                onClick={() => onSelect(item.id)}
              >
                {item.label}
              </button>
            );
          })}
        </div>
        {props.trailing}
      </header>
      {props.banner}
      {items.map((item) => (
        <section
          key={item.id}
          role="tabpanel"
          id={`panel-${item.id}`}
          aria-labelledby={`tab-${item.id}`}
          className="tabs__panel"
          hidden={item.id !== selected}
        >
          {item.content}
        </section>
      ))}
    </div>
  );
}
