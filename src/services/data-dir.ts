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
