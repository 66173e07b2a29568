/** Hand a URL or a folder to the operating system (default browser, file manager), without a shell in between. */
import { spawn } from 'node:child_process';

export function openerCommand(target: string, platform: NodeJS.Platform = process.platform): { command: string; args: string[] } {
  if (platform === 'darwin') return { command: 'open', args: [target] };
  // `start` is a cmd built-in; explorer.exe takes a folder or URL as one argument with no shell parsing.
  if (platform === 'win32') return { command: 'explorer.exe', args: [target] };
  return { command: 'xdg-open', args: [target] };
}

/** Start the system opener detached; resolves once it started, rejects when it could not be run at all. */
export function openWithSystem(target: string): Promise<void> {
  const { command, args } = openerCommand(target);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { detached: true, stdio: 'ignore', windowsHide: true });
    child.once('error', (error) => reject(new Error(`Could not run ${command}: ${error.message}`)));
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}
