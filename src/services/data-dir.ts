/** Where Titlewave keeps its data when no host says otherwise (browser mode, CLI): the platform's per-user data folder. */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const home = homedir();
  if (platform === 'win32') return join(env.APPDATA || join(home, 'AppData', 'Roaming'), 'titlewave');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'titlewave');
  return join(xdgBase(env.XDG_DATA_HOME, join(home, '.local', 'share')), 'titlewave');
}

/** Where Titlewave keeps what it can make again (the CLI's compiled code): the platform's per-user cache folder. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const home = homedir();
  if (platform === 'win32') return join(env.LOCALAPPDATA || join(home, 'AppData', 'Local'), 'titlewave', 'Cache');
  if (platform === 'darwin') return join(home, 'Library', 'Caches', 'titlewave');
  return join(xdgBase(env.XDG_CACHE_HOME, join(home, '.cache')), 'titlewave');
}

/** An XDG base directory: only an absolute value counts (the spec says to ignore relative ones). */
function xdgBase(value: string | undefined, fallback: string): string {
  return value && value.startsWith('/') ? value : fallback;
}
