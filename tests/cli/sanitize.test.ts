import { describe, expect, it } from 'vitest';
import { terminalSafe, terminalSafeLines } from '../../src/cli/sanitize.js';

describe('terminal-safe text', () => {
  it('replaces C0, DEL, C1 controls and bidi overrides and isolates, and keeps everything else', () => {
    expect(terminalSafe('a\u001b[31mb\u0007c\u009bd\u007fe\u202ef\u2067g\nh\ti')).toBe('a\uFFFD[31mb\uFFFDc\uFFFDd\uFFFDe\uFFFDf\uFFFDg\uFFFDh\uFFFDi');
    expect(terminalSafe('中文 titles, émigré – fine ✓')).toBe('中文 titles, émigré – fine ✓');
  });

  it('keeps line feeds in a message of several lines', () => {
    expect(terminalSafeLines('error: x\u001b]0;t\u0007\r\n\nUsage: y\n')).toBe('error: x\uFFFD]0;t\uFFFD\uFFFD\n\nUsage: y\n');
  });
});
