/**
 * Render mode's `auto` rule: which pages are worth loading in a browser engine. Only a page whose static answer is a
 * 2xx HTML page, read without error, whose static title may not be the real one: no title at all, an empty or
 * whitespace title, the placeholder an app-shell template ships with, or, whatever the title, a body signal of an
 * app shell (an empty mount point or a `<noscript>` asking for JavaScript; render/body-signals.ts finds them). A page
 * with any other static title and no body signal is never rendered in `auto` (docs/titles.md, "Render mode").
 * Browser-safe: imports nothing but types.
 */
import type { BodySignal } from './body-signals.js';
import type { RenderMode } from './renderer.js';

/**
 * The titles the index.html of common SPA starters and shells ship with, compared case-insensitively after
 * whitespace is collapsed and a trailing ellipsis ("Loading…", "Loading...") dropped. Each is the literal text of a
 * template: create-react-app, Vite's templates, Vue CLI, Angular CLI, Ionic, Expo, Svelte, Preact, Ember, Nuxt's SPA
 * fallback, and the "Loading" a shell shows until its script runs.
 */
const placeholderTitles: ReadonlySet<string> = new Set([
  'react app',
  'vite app',
  'vite + react',
  'vite + react + ts',
  'vite + vue',
  'vite + vue + ts',
  'vite + svelte',
  'vite + svelte + ts',
  'vite + preact',
  'vite + preact + ts',
  'vite + lit',
  'vite + lit + ts',
  'vite + solid',
  'vite + solid + ts',
  'vite + qwik',
  'vite + ts',
  'vue app',
  'my app',
  'myapp',
  'app',
  'ionic app',
  'svelte app',
  'preact app',
  'ember app',
  'angular app',
  'nuxt app',
  'loading',
  'untitled',
  'document',
]);

/** A title shows as a placeholder once case, surrounding whitespace and a trailing ellipsis are set aside. */
export function isPlaceholderTitle(title: string): boolean {
  const key = title
    .replace(/[\t\n\f\r ]+/g, ' ')
    .trim()
    .replace(/\s*(\.\.\.|…)$/u, '')
    .toLowerCase();
  return placeholderTitles.has(key);
}

/** What the rule looks at: the static answer of one URL. */
export interface StaticAnswer {
  status: number | null;
  /** The body was HTML (by its Content-Type, or sniffed). */
  html: boolean;
  /** The static fetch failed (its record carries an error). */
  failed: boolean;
  title: string | null;
  /** The page's body signal, when one was looked for and found. */
  bodySignal?: BodySignal | null;
}

/** Why a page is rendered, or null when it is not: the `auto` rule, `always`, or `never`. */
export function renderReason(mode: RenderMode, answer: StaticAnswer): 'always' | 'no-title' | 'empty-title' | 'placeholder' | BodySignal | null {
  if (mode === 'never' || answer.failed || !answer.html || answer.status === null || answer.status < 200 || answer.status > 299) return null;
  if (mode === 'always') return 'always';
  if (answer.title === null) return 'no-title';
  if (answer.title.trim() === '') return 'empty-title';
  if (isPlaceholderTitle(answer.title)) return 'placeholder';
  return answer.bodySignal ?? null;
}
