/**
 * The app's buttons: one look per intent, an optional keyboard hint shown beside the label, and (`needsHost`)
 * disabled while the connection to the host is down.
 */
import { forwardRef, type ButtonHTMLAttributes, type ReactNode } from 'react';
import { useHostOnline } from '../connection.js';
import { commonMessages } from '../i18n/common.js';
import { useT } from '../i18n/index.js';

export type ButtonVariant = 'primary' | 'secondary' | 'danger' | 'ghost';

export interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  variant?: ButtonVariant;
  size?: 'normal' | 'small';
  /** A shortcut shown in the button, e.g. "Ctrl+Enter" (also announced through aria-keyshortcuts). */
  shortcut?: string;
  icon?: ReactNode;
  /** The action needs the host (browser mode's server): disabled while the connection is down. */
  needsHost?: boolean;
}

export const Button = forwardRef<HTMLButtonElement, ButtonProps>(function Button(props, ref) {
  const { variant = 'secondary', size = 'normal', shortcut, icon, className, children, type = 'button', needsHost = false, disabled, title, ...rest } = props;
  const online = useHostOnline();
  const t = useT(commonMessages);
  const offline = needsHost && !online;
  return (
    <button
      ref={ref}
      type={type}
      className={`button button--${variant}${size === 'small' ? ' button--small' : ''}${className ? ` ${className}` : ''}`}
      aria-keyshortcuts={shortcut ? shortcut.replace('Ctrl', 'Control').replace('Cmd', 'Meta').replace('Esc', 'Escape') : undefined}
      disabled={disabled || offline}
      title={offline ? t('needsConnection') : title}
      {...rest}
    >
      {icon ? (
        <span className="button__icon" aria-hidden="true">
          {icon}
        </span>
      ) : null}
      <span className="button__label">{children}</span>
      {shortcut ? (
        <kbd className="button__shortcut" aria-hidden="true">
          {shortcut}
        </kbd>
      ) : null}
    </button>
  );
});

/** True on macOS, where shortcuts use ⌘ instead of Ctrl. */
export const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
/** The platform's name for the primary modifier key. */
export const modKey = isMac ? '⌘' : 'Ctrl';
