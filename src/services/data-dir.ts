/** Where Titlewave keeps its data when no host says otherwise (browser mode, CLI): the platform's per-user data folder. */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const home = homedir();
  if (platform === 'win32') return join(env.APPDATA || join(home, 'AppData', 'Roaming'), 'titlewave');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'titlewave');
  // XDG base directories: only an absolute XDG_DATA_HOME counts (the spec says to ignore relative ones).
  const xdg = env.XDG_DATA_HOME;
  return join(xdg && xdg.startsWith('/') ? xdg : join(home, '.local', 'share'), 'titlewave');
}

/** Where Titlewave keeps what it can make again (the CLI's compiled code): the platform's per-user cache folder. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const home = homedir();
  if (platform === 'win32') return join(env.LOCALAPPDATA || join(home, 'AppData', 'Local'), 'titlewave', 'Cache');
  if (platform === 'darwin') return join(home, 'Library', 'Caches', 'titlewave');
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && xdg.startsWith('/') ? xdg : join(home, '.cache'), 'titlewave');
}
