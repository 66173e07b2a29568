/**
 * A run's name being edited in place: Enter or leaving the field saves, Esc cancels. The name is checked as the
 * services check it (src/titles/run-name.ts) before it is sent.
 */
import { useEffect, useId, useRef, useState } from 'react';
import { RUN_NAME_MAX, runNameProblem } from '../../src/titles/run-name.js';
import { useT } from '../i18n/index.js';
import { titlesMessages } from '../i18n/titles.js';

const problemKey = { empty: 'renameEmpty', tooLong: 'renameTooLong', control: 'renameControl' } as const;

export function RenameInput(props: { name: string; className?: string; onDone: (name: string | null) => void | Promise<void> }) {
  const t = useT(titlesMessages);
  const [value, setValue] = useState(props.name);
  const ref = useRef<HTMLInputElement>(null);
  const errorId = useId();
  const settled = useRef(false);
  const problem = runNameProblem(value);

  useEffect(() => {
    ref.current?.focus();
    ref.current?.select();
  }, []);

  const finish = (save: boolean) => {
    if (settled.current) return;
    if (!save || value.trim() === props.name) {
      settled.current = true;
      void props.onDone(null);
      return;
    }
    if (problem !== null) return;
    settled.current = true;
    void Promise.resolve(props.onDone(value.trim())).finally(() => {
      settled.current = false;
    });
  };

  return (
    <span className={`rename${props.className ? ` ${props.className}` : ''}`}>
      <input
        ref={ref}
        className="input rename__input"
        value={value}
        aria-label={t('renameLabel')}
        aria-invalid={problem !== null}
        aria-describedby={problem !== null ? errorId : undefined}
        maxLength={RUN_NAME_MAX * 2}
        spellCheck={false}
        onChange={(event) => setValue(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter') {
            event.preventDefault();
            finish(true);
          } else if (event.key === 'Escape') {
            // Esc here cancels the rename, not the run.
            event.preventDefault();
            event.stopPropagation();
            finish(false);
          }
        }}
        onBlur={() => finish(problem === null)}
      />
      {problem !== null ? (
        <span className="rename__error" id={errorId} role="alert">
          {t(problemKey[problem], { max: RUN_NAME_MAX })}
        </span>
      ) : null}
    </span>
  );
}
