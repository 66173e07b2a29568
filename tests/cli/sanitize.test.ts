import { describe, expect, it } from 'vitest';
import { sanitizeForTerminal, terminalSafe, terminalSafeLines } from '../../src/cli/sanitize.js';

describe('terminal-safe text', () => {
  it('replaces C0, DEL, C1 controls and bidi overrides and isolates, and keeps everything else', () => {
    expect(terminalSafe('a\u001b[31mb\u0007c\u009bd\u007fe\u202ef\u2067g\nh\ti')).toBe('a\uFFFD[31mb\uFFFDc\uFFFDd\uFFFDe\uFFFDf\uFFFDg\uFFFDh\uFFFDi');
    expect(terminalSafe('中文 titles, émigré – fine ✓')).toBe('中文 titles, émigré – fine ✓');
  });

  it('keeps line feeds in a message of several lines', () => {
    expect(terminalSafeLines('error: x\u001b]0;t\u0007\r\n\nUsage: y\n')).toBe('error: x\uFFFD]0;t\uFFFD\uFFFD\n\nUsage: y\n');
  });
});

describe('sanitizeForTerminal', () => {
  it('escapes C0 and C1 controls and DEL, bidi controls and line separators', () => {
    expect(sanitizeForTerminal('a\u001b]0;pwned\u0007b\u001b[2Jc\rd\ne\tf\u007fg\u009b31mh')).toBe('a\\x1b]0;pwned\\x07b\\x1b[2Jc\\x0dd\\x0ae\\x09f\\x7fg\\x9b31mh');
    expect(sanitizeForTerminal('file\u202egpj.exe\u2066x\u2028y')).toBe('file\\u202egpj.exe\\u2066x\\u2028y');
    expect(sanitizeForTerminal('\u0000')).toBe('\\x00');
  });

  it('keeps printable Unicode as it is', () => {
    const text = 'café naïve 東京 😀 C:\\Users\\me ½ ß \u00a0nbsp';
    expect(sanitizeForTerminal(text)).toBe(text);
  });
});
