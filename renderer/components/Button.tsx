/** The app's buttons: one look per intent, an optional keyboard hint shown beside the label. */
import { forwardRef, type ButtonHTMLAttributes, type ReactNode } from 'react';

export type ButtonVariant = 'primary' | 'secondary' | 'danger' | 'ghost';

export interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  variant?: ButtonVariant;
  size?: 'normal' | 'small';
  /** A shortcut shown in the button, e.g. "Ctrl+Enter" (also announced through aria-keyshortcuts). */
  shortcut?: string;
  icon?: ReactNode;
}

export const Button = forwardRef<HTMLButtonElement, ButtonProps>(function Button(props, ref) {
  const { variant = 'secondary', size = 'normal', shortcut, icon, className, children, type = 'button', ...rest } = props;
  return (
    <button
      ref={ref}
      type={type}
      className={`button button--${variant}${size === 'small' ? ' button--small' : ''}${className ? ` ${className}` : ''}`}
      aria-keyshortcuts={shortcut ? shortcut.replace('Ctrl', 'Control').replace('Cmd', 'Meta').replace('Esc', 'Escape') : undefined}
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
