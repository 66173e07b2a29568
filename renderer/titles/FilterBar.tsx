/**
 * The filters beyond the text box (filters.ts), as toggle buttons with how many rows each keeps: status classes, then
 * title checks. Within a group the chosen filters add up; the two groups narrow each other.
 */
import { memo, useId } from 'react';
import { useFormatters, useT } from '../i18n/index.js';
import { titlesMessages } from '../i18n/titles.js';
import { filterDefinitions, TITLE_MAX_CHARS, TITLE_MAX_PX, type FilterId } from './filters.js';

const labelKey = {
  '2xx': 'filter2xx',
  '3xx': 'filter3xx',
  '4xx': 'filter4xx',
  '5xx': 'filter5xx',
  network: 'filterNetwork',
  invalid: 'filterInvalid',
  missingTitle: 'filterMissingTitle',
  duplicateTitle: 'filterDuplicateTitle',
  longTitle: 'filterLongTitle',
  wideTitle: 'filterWideTitle',
} as const satisfies Record<FilterId, string>;

const hintKey = {
  '2xx': 'filter2xxHint',
  '3xx': 'filter3xxHint',
  '4xx': 'filter4xxHint',
  '5xx': 'filter5xxHint',
  network: 'filterNetworkHint',
  invalid: 'filterInvalidHint',
  missingTitle: 'filterMissingTitleHint',
  duplicateTitle: 'filterDuplicateTitleHint',
  longTitle: 'filterLongTitleHint',
  wideTitle: 'filterWideTitleHint',
} as const satisfies Record<FilterId, string>;

export const FilterBar = memo(function FilterBar(props: {
  chosen: ReadonlySet<FilterId>;
  count: (filter: FilterId) => number;
  onToggle: (filter: FilterId) => void;
  onClear: () => void;
  /** Redraw when the counts change. */
  version: number;
}) {
  const t = useT(titlesMessages);
  const format = useFormatters();
  const statusId = useId();
  const titleId = useId();
  const params = { chars: TITLE_MAX_CHARS, px: TITLE_MAX_PX };
  const group = (name: 'status' | 'title', labelId: string) => (
    <div className="filters__group" role="group" aria-labelledby={labelId}>
      <span className="filters__label" id={labelId}>
        {name === 'status' ? t('filtersStatus') : t('filtersTitle')}
      </span>
      {filterDefinitions
        .filter((filter) => filter.group === name)
        .map((filter) => {
          const count = props.count(filter.id);
          const on = props.chosen.has(filter.id);
          const label = t(labelKey[filter.id], params);
          return (
            <button
              key={filter.id}
              type="button"
              className={`filter-chip${on ? ' filter-chip--on' : ''}`}
              aria-pressed={on}
              aria-label={`${label} ${format.number(count)}`}
              disabled={count === 0 && !on}
              title={t(hintKey[filter.id], params)}
              onClick={() => props.onToggle(filter.id)}
            >
              <span className="filter-chip__label">{label}</span>
              <span className="filter-chip__count">{format.number(count)}</span>
            </button>
          );
        })}
    </div>
  );
  return (
    <div className="filters">
      {group('status', statusId)}
      {group('title', titleId)}
      {props.chosen.size > 0 ? (
        <button type="button" className="link-button filters__clear" onClick={props.onClear}>
          {t('filtersClear')}
        </button>
      ) : null}
    </div>
  );
});
