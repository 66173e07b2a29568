/**
 * Browser mode's folder picker: a browser shows a page no paths (not of a chosen folder, not of a dropped file), so the
 * Thumbnails tab browses the folders of the machine Titlewave runs on through the services (`thumbs.browse`), inside
 * the user's home folder, each folder with its images counted. The desktop app uses the system's own dialogs instead.
 */
import { useEffect, useId, useRef, useState } from 'react';
import { browseErrorOf, type FolderListing } from '../../src/contract.js';
import { errorMessage, invoke } from '../api.js';
import { Button } from '../components/Button.js';
import { useFormatters, useT } from '../i18n/index.js';
import { thumbsMessages } from '../i18n/thumbs.js';
import { baseName } from './paths.js';

type Listing = { status: 'loading' } | { status: 'shown'; listing: FolderListing } | { status: 'failed'; message: string; listing: FolderListing | null };

/** A path shown from the home folder on ("~/Pictures/Trip"): shorter, and it says where the user is. */
function fromHome(path: string, home: string): string {
  if (path === home) return '~';
  return path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path;
}

export function FolderPicker(props: { open: boolean; onChoose: (path: string) => void; onClose: () => void }) {
  const t = useT(thumbsMessages);
  const format = useFormatters();
  const titleId = useId();
  const dialog = useRef<HTMLDialogElement>(null);
  const [state, setState] = useState<Listing>({ status: 'loading' });
  const shown = state.status === 'loading' ? null : state.listing;
  // Newer requests win: clicking through folders quickly must not show an older answer last.
  const request = useRef(0);

  const go = async (path: string | null) => {
    const mine = ++request.current;
    setState((current) => (current.status === 'shown' ? current : { status: 'loading' }));
    try {
      const listing = await invoke('thumbs.browse', { path });
      if (mine === request.current) setState({ status: 'shown', listing });
    } catch (error) {
      // The services' refusals say why in a code: said here in the page's language (the services' words are English).
      const refusal = browseErrorOf(error);
      const message = refusal ? t(`browseErr${refusal.code}`) : errorMessage(error);
      if (mine !== request.current) return;
      setState((current) => ({ status: 'failed', message, listing: current.status === 'loading' ? null : current.listing }));
      // A folder gone since it was listed: the folder shown is read again, so it no longer offers it.
      const here = shown?.path;
      if (refusal?.code !== 'NOT_FOUND' || here === undefined || here === path) return;
      try {
        const listing = await invoke('thumbs.browse', { path: here });
        if (mine === request.current) setState({ status: 'failed', message, listing });
      } catch {
        // The message above stands; the list stays as it was.
      }
    }
  };

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (props.open && !element.open) {
      element.showModal();
      setState({ status: 'loading' });
      void go(null);
    } else if (!props.open && element.open) {
      element.close();
    }
  }, [props.open]);

  const countText = (images: number | null, folders: number | null, more: boolean) => {
    if (images === null || folders === null) return t('browseNotCounted');
    const parts: string[] = [];
    const plus = more ? '+' : '';
    parts.push(t('browseImages', { count: `${format.number(images)}${plus}` }));
    if (folders > 0) parts.push(t('browseSubfolders', { count: `${format.number(folders)}${plus}` }));
    return parts.join(' · ');
  };

  return (
    <dialog
      ref={dialog}
      className="dialog folder-picker"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        props.onClose();
      }}
    >
      <h2 id={titleId} className="dialog__title">
        {t('browseTitle')}
      </h2>
      <p className="folder-picker__where">{shown ? t('browseWhere', { home: shown.home }) : '\u00a0'}</p>
      <div className="folder-picker__bar">
        <Button size="small" onClick={() => shown?.parent && void go(shown.parent)} disabled={!shown?.parent} aria-label={t('browseUpLabel')}>
          {t('browseUp')}
        </Button>
        <span className="folder-picker__path" title={shown?.path}>
          {shown ? fromHome(shown.path, shown.home) : ''}
        </span>
      </div>
      {state.status === 'failed' ? (
        <p className="folder-picker__error" role="alert">
          {state.message}
        </p>
      ) : null}
      <ul className="folder-picker__list boxed-list" aria-label={t('browseListLabel')} aria-busy={state.status === 'loading'}>
        {state.status === 'loading' ? <li className="folder-picker__empty">{t('browseLoading')}</li> : null}
        {shown && state.status !== 'loading' && shown.folders.length === 0 ? <li className="folder-picker__empty">{t('browseNoFolders')}</li> : null}
        {shown && state.status !== 'loading'
          ? shown.folders.map((folder) => (
              <li key={folder.path}>
                <button
                  type="button"
                  className="folder-picker__folder"
                  aria-label={`${folder.name} (${countText(folder.images, folder.folders, folder.more)})`}
                  onClick={() => void go(folder.path)}
                >
                  <svg className="folder-picker__icon" viewBox="0 0 24 24" aria-hidden="true">
                    <path d="M4 5.5A1.5 1.5 0 0 1 5.5 4h4l2 2h7A1.5 1.5 0 0 1 20 7.5v11a1.5 1.5 0 0 1-1.5 1.5h-13A1.5 1.5 0 0 1 4 18.5z" />
                  </svg>
                  <span className="folder-picker__name">{folder.name}</span>
                  <span className="folder-picker__count">{countText(folder.images, folder.folders, folder.more)}</span>
                </button>
              </li>
            ))
          : null}
        {shown?.truncated ? <li className="folder-picker__empty">{t('browseTruncated', { count: format.number(shown.folders.length) })}</li> : null}
      </ul>
      <div className="dialog__actions folder-picker__actions">
        <span className="folder-picker__here">{shown ? t('browseHere', { count: format.number(shown.images) }) : ''}</span>
        <Button onClick={props.onClose}>{t('cancel')}</Button>
        <Button
          variant="primary"
          disabled={!shown || state.status === 'loading'}
          onClick={() => {
            if (shown) props.onChoose(shown.path);
          }}
        >
          {shown ? t('browseAdd', { name: shown.path === shown.home ? '~' : baseName(shown.path) }) : t('browseAddNone')}
        </Button>
      </div>
    </dialog>
  );
}
