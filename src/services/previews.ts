/**
 * Preview tokens: opaque, unguessable names for thumbnails the services wrote, so a host can show them to its
 * renderer without ever putting a path in a URL or serving anything else from the disk. Bounded: the oldest tokens
 * are forgotten first.
 */
import { randomBytes } from 'node:crypto';

export class PreviewRegistry {
  private readonly paths = new Map<string, string>();

  constructor(private readonly capacity = 20_000) {}

  issue(path: string): string {
    const token = randomBytes(16).toString('base64url');
    this.paths.set(token, path);
    if (this.paths.size > this.capacity) {
      const oldest = this.paths.keys().next();
      if (!oldest.done) this.paths.delete(oldest.value);
    }
    return token;
  }

  resolve(token: string): string | null {
    return (typeof token === 'string' && this.paths.get(token)) || null;
  }

  clear(): void {
    this.paths.clear();
  }
}
