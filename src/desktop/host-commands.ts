/**
 * The contract's host commands in the desktop app: app info and language, native open/save dialogs, and handing
 * links and folders to the OS. Arguments arrive already validated against the contract (ipc.ts); the Electron
 * modules come in as small interfaces so this runs against fakes in tests.
 */
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { MAX_SITEMAP_UPLOAD_BYTES, type AppInfo, type CommandArgs, type CommandResult, type HostCommandName, type Language } from '../contract.js';
import type { ExternalOpener } from './external.js';
import { checkTotalSize, MAX_OPEN_BYTES, readFileCapped, readTextFile, writeTextFileAtomic } from './files.js';
import { shellText } from './i18n.js';
import { RefusalError } from '../errors.js';

export type HostHandlers = { [C in HostCommandName]: (...args: CommandArgs<C>) => Promise<CommandResult<C>> };

/** The part of Electron's dialog options this host uses (src/ never imports electron; these are a structural subset). */
export interface DialogFilter {
  name: string;
  extensions: string[];
}
export interface OpenDialogOptions {
  title?: string;
  defaultPath?: string;
  filters?: DialogFilter[];
  properties?: ('openFile' | 'openDirectory' | 'multiSelections' | 'createDirectory' | 'promptToCreate')[];
}
export interface SaveDialogOptions {
  title?: string;
  defaultPath?: string;
  filters?: DialogFilter[];
  properties?: ('createDirectory' | 'showOverwriteConfirmation')[];
}

/** Native dialogs, already attached to the main window when there is one. */
export interface NativeDialogs {
  showOpen(options: OpenDialogOptions): Promise<{ canceled: boolean; filePaths: string[] }>;
  showSave(options: SaveDialogOptions): Promise<{ canceled: boolean; filePath?: string }>;
}

export interface HostDependencies {
  dialogs: NativeDialogs;
  externalOpener: ExternalOpener;
  /** Electron's shell.openPath: resolves with an error message, or '' on success. */
  openPath(path: string): Promise<string>;
  /** The language in use now; the UI's and the menus'. */
  getLanguage(): Language;
  /** Persist the user's choice, rebuild the menus, tell the window. */
  setLanguage(language: Language): Promise<void>;
  appInfo(): Omit<AppInfo, 'language'>;
  /** Where save dialogs open first (the user's Documents folder). */
  documentsDir: string;
}

/** The thumbnail inputs sharp reads (the engine skips anything else, but the dialog need not offer it). */
export const IMAGE_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp', 'gif', 'tif', 'tiff', 'avif', 'svg'];

/** A file name the renderer suggests, reduced to a plain name: no folders, no control characters. */
export function safeFileName(suggested: string): string {
  const name = basename(suggested.replaceAll('\\', '/')).replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_').trim();
  return name === '' || name === '.' || name === '..' ? 'export.txt' : name;
}

function extensionOf(name: string): string | null {
  const match = /\.([A-Za-z0-9]{1,8})$/.exec(name);
  return match ? (match[1] as string).toLowerCase() : null;
}

export function createHostHandlers(deps: HostDependencies): HostHandlers {
  const t = (key: Parameters<typeof shellText>[1]) => shellText(deps.getLanguage(), key);
  /** The save dialog, in the documents folder, filtered by the name's extension; false when the user cancels. */
  const saveAs = async (suggestedName: string, data: string | Buffer): Promise<boolean> => {
    const name = safeFileName(suggestedName);
    const extension = extensionOf(name);
    const result = await deps.dialogs.showSave({
      title: t('exportTitle'),
      defaultPath: join(deps.documentsDir, name),
      filters: extension ? [{ name: extension.toUpperCase(), extensions: [extension] }, { name: t('allFiles'), extensions: ['*'] }] : [],
      properties: ['createDirectory', 'showOverwriteConfirmation'],
    });
    if (result.canceled || !result.filePath) return false;
    await writeTextFileAtomic(result.filePath, data);
    return true;
  };

  return {
    async 'app.info'() {
      return { ...deps.appInfo(), language: deps.getLanguage() };
    },

    async 'app.setLanguage'(language) {
      await deps.setLanguage(language);
    },

    async 'dialog.openTextFiles'() {
      const result = await deps.dialogs.showOpen({
        title: t('openTitle'),
        properties: ['openFile', 'multiSelections'],
        filters: [
          { name: t('urlLists'), extensions: ['txt', 'csv'] },
          { name: t('allFiles'), extensions: ['*'] },
        ],
      });
      if (result.canceled || result.filePaths.length === 0) return null;
      await checkTotalSize(result.filePaths, MAX_OPEN_BYTES);
      const files: { name: string; text: string }[] = [];
      let budget = MAX_OPEN_BYTES;
      for (const path of result.filePaths) {
        // The cap holds for all files together; the size of each is known before it is read.
        const { text, bytes } = await readTextFile(path, budget);
        budget -= bytes;
        files.push({ name: basename(path), text });
      }
      return files;
    },

    async 'dialog.saveText'({ suggestedName, text }) {
      return saveAs(suggestedName, text);
    },

    async 'dialog.openSitemapFile'() {
      const result = await deps.dialogs.showOpen({
        title: t('openSitemapTitle'),
        properties: ['openFile'],
        filters: [
          { name: t('sitemapFiles'), extensions: ['xml', 'gz', 'txt'] },
          { name: t('allFiles'), extensions: ['*'] },
        ],
      });
      const path = result.filePaths[0];
      if (result.canceled || path === undefined) return null;
      const bytes = await readFileCapped(path, MAX_SITEMAP_UPLOAD_BYTES);
      return { name: basename(path), base64: bytes.toString('base64') };
    },

    async 'dialog.saveBytes'({ suggestedName, base64 }) {
      return saveAs(suggestedName, Buffer.from(base64, 'base64'));
    },

    async 'dialog.choosePaths'({ folders }) {
      const result = await deps.dialogs.showOpen(
        folders
          ? { title: t('chooseFoldersTitle'), properties: ['openDirectory', 'multiSelections'] }
          : {
              title: t('chooseImagesTitle'),
              properties: ['openFile', 'multiSelections'],
              filters: [
                { name: t('images'), extensions: IMAGE_EXTENSIONS },
                { name: t('allFiles'), extensions: ['*'] },
              ],
            },
      );
      return result.canceled || result.filePaths.length === 0 ? null : result.filePaths;
    },

    async 'dialog.chooseFolder'() {
      const result = await deps.dialogs.showOpen({ title: t('chooseFolderTitle'), properties: ['openDirectory', 'createDirectory', 'promptToCreate'] });
      return result.canceled ? null : (result.filePaths[0] ?? null);
    },

    async 'dialog.chooseSaveFile'({ suggestedName }) {
      const result = await deps.dialogs.showSave({
        title: t('chooseSaveFileTitle'),
        defaultPath: join(deps.documentsDir, safeFileName(suggestedName)),
        properties: ['createDirectory', 'showOverwriteConfirmation'],
      });
      return result.canceled || !result.filePath ? null : result.filePath;
    },

    async 'shell.openExternal'(url) {
      await deps.externalOpener.open(url);
    },

    async 'shell.openFolder'(path) {
      let isFolder = false;
      try {
        isFolder = (await stat(path)).isDirectory();
      } catch {
        // missing: reported below
      }
      if (!isFolder) throw new RefusalError('NOT_A_FOLDER', `Not an existing folder: ${path}`);
      const failure = await deps.openPath(path);
      if (failure) throw new Error(`Could not open ${path}: ${failure}`);
    },
  };
}
