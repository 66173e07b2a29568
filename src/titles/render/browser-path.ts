/**
 * Where render mode finds a Chromium or Chrome to drive (CLI and browser mode): `--browser PATH`, then the
 * TITLEWAVE_BROWSER environment variable, then the usual install paths of Linux, macOS and Windows, first found wins.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface FoundBrowser {
  path: string;
  /** How it was chosen. */
  source: 'flag' | 'env' | 'default';
}

/** The install paths looked at, in order, on each platform (Chromium first: it is what the project tests against). */
export function browserCandidates(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string[] {
  if (platform === 'darwin') {
    const apps = [
      'Chromium.app/Contents/MacOS/Chromium',
      'Google Chrome.app/Contents/MacOS/Google Chrome',
      'Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing',
      'Microsoft Edge.app/Contents/MacOS/Microsoft Edge',
      'Brave Browser.app/Contents/MacOS/Brave Browser',
    ];
    return [...apps.map((app) => join('/Applications', app)), ...apps.map((app) => join(home, 'Applications', app))];
  }
  if (platform === 'win32') {
    const roots = [env.LOCALAPPDATA, env.PROGRAMFILES, env['PROGRAMFILES(X86)'], env.ProgramW6432].filter((root): root is string => typeof root === 'string' && root !== '');
    const apps = ['Chromium\\Application\\chrome.exe', 'Google\\Chrome\\Application\\chrome.exe', 'Microsoft\\Edge\\Application\\msedge.exe', 'BraveSoftware\\Brave-Browser\\Application\\brave.exe'];
    return apps.flatMap((app) => roots.map((root) => `${root}\\${app}`));
  }
  return [
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/snap/bin/chromium',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
    '/opt/google/chrome/chrome',
    '/usr/bin/microsoft-edge',
    '/usr/bin/brave-browser',
  ];
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, process.platform === 'win32' ? constants.F_OK : constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export class BrowserNotFoundError extends Error {
  override name = 'BrowserNotFoundError';
}

/** What to install when no browser is found, per platform. */
export function installHint(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'darwin') return 'install Google Chrome or Chromium (e.g. brew install --cask chromium)';
  if (platform === 'win32') return 'install Google Chrome, Chromium or Microsoft Edge';
  return 'install Chromium (e.g. apt-get install chromium) or Google Chrome';
}

/**
 * The browser to render with, or null when none is installed at the usual paths. A path given by `--browser` or
 * TITLEWAVE_BROWSER that is not an executable file is an error (BrowserNotFoundError), not a fallback: the user asked
 * for that one.
 */
export function findBrowser(flag: string | undefined, env: NodeJS.ProcessEnv = process.env, candidates: readonly string[] = browserCandidates(process.platform, env)): FoundBrowser | null {
  for (const [given, source] of [
    [flag, 'flag'],
    [env.TITLEWAVE_BROWSER, 'env'],
  ] as const) {
    if (given === undefined || given.trim() === '') continue;
    if (!isExecutableFile(given)) throw new BrowserNotFoundError(`${source === 'flag' ? '--browser' : 'TITLEWAVE_BROWSER'} names ${given}, which is not an executable file`);
    return { path: given, source };
  }
  const path = candidates.find(isExecutableFile);
  return path === undefined ? null : { path, source: 'default' };
}
