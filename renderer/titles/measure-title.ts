/** Titles measured as a search result shows them: the page's canvas, in the result-title font (filters.ts). */
import { TITLE_FONT } from './filters.js';

/** A title's width in pixels in TITLE_FONT; null where the page has no 2D canvas. */
export function canvasTitleMeasurer(): ((title: string) => number) | null {
  const context = document.createElement('canvas').getContext('2d');
  if (!context) return null;
  context.font = TITLE_FONT;
  return (title) => context.measureText(title).width;
}
