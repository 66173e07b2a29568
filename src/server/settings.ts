/** Browser mode's saved preferences: `<dataDir>/settings.json` (the language the user chose). */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { languageSchema, type Language } from '../contract.js';
import { writeFileAtomic } from '../services/atomic.js';

export interface BrowserSettings {
  language: Language | null;
}

export class SettingsFile {
  readonly path: string;

  constructor(private readonly dataDir: string) {
    this.path = join(dataDir, 'settings.json');
  }

  /** The saved settings; defaults when the file is missing or damaged (it is never worth failing the app for). */
  async read(): Promise<BrowserSettings> {
    try {
      const value = JSON.parse(await readFile(this.path, 'utf8')) as { language?: unknown };
      const language = languageSchema.safeParse(value.language);
      return { language: language.success ? language.data : null };
    } catch {
      return { language: null };
    }
  }

  async write(settings: BrowserSettings): Promise<void> {
    await mkdir(this.dataDir, { recursive: true });
    // Keep fields other versions may have written.
    let previous: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(await readFile(this.path, 'utf8'));
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) previous = parsed as Record<string, unknown>;
    } catch {
      // none yet
    }
    await writeFileAtomic(this.path, `${JSON.stringify({ ...previous, ...settings }, null, 2)}\n`, { durable: true });
  }
}
