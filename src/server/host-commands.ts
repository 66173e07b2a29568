/**
 * The contract's host commands in browser mode, the server's share of them: app info, the language choice (saved in
 * the data folder, announced to every page) and showing a folder in the system file manager. The rest need the page
 * (file pickers, downloads, new tabs) and run in the bridge (protocol.ts `pageCommands`). Arguments arrive validated.
 */
import { stat } from 'node:fs/promises';
import { availableParallelism, homedir } from 'node:os';
import type { AppInfo, CommandArgs, EventName, Events, HostCommandName } from '../contract.js';
import { RefusalError } from '../errors.js';
import { packageInfo } from '../package-info.js';
import type { SettingsFile } from './settings.js';

export interface ServerHostOptions {
  settings: SettingsFile;
  /** How `shell.openFolder` shows a folder (the OS file manager). */
  openFolder(path: string): Promise<void>;
  /** Tell every connected page. */
  broadcast<E extends EventName>(event: E, payload: Events[E]): void;
}

export type ServerHostCommands = (command: HostCommandName, args: unknown[]) => Promise<unknown>;

export function createServerHostCommands(options: ServerHostOptions): ServerHostCommands {
  const { settings } = options;
  return async (command, args) => {
    switch (command) {
      case 'app.info': {
        const { language } = await settings.read();
        const info: AppInfo = {
          version: packageInfo.version,
          platform: process.platform,
          // The bridge replaces this with the browser's language when the user has not chosen one.
          language: language ?? 'en',
          nativeDialogs: false,
          cpus: availableParallelism(),
          homeDir: homedir(),
        };
        return info;
      }
      case 'app.setLanguage': {
        const [language] = args as CommandArgs<'app.setLanguage'>;
        await settings.write({ language });
        options.broadcast('app.languageChanged', { language });
        return undefined;
      }
      case 'shell.openFolder': {
        const [path] = args as CommandArgs<'shell.openFolder'>;
        let isFolder = false;
        try {
          isFolder = (await stat(path)).isDirectory();
        } catch {
          // missing: reported below
        }
        if (!isFolder) throw new RefusalError('NOT_A_FOLDER', `Not an existing folder: ${path}`);
        await options.openFolder(path);
        return undefined;
      }
      default:
        throw new RefusalError('NOT_AVAILABLE', `${command} runs in the page, not on the server`);
    }
  };
}
