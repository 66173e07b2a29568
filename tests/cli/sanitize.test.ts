import { describe, expect, it } from 'vitest';
import { sanitizeForTerminal, sanitizeLinesForTerminal } from '../../src/cli/sanitize.js';

describe('sanitizeForTerminal', () => {
  it('escapes C0 and C1 controls and DEL, bidi controls and line separators', () => {
    expect(sanitizeForTerminal('a\u001b]0;pwned\u0007b\u001b[2Jc\rd\ne\tf\u007fg\u009b31mh')).toBe('a\\x1b]0;pwned\\x07b\\x1b[2Jc\\x0dd\\x0ae\\x09f\\x7fg\\x9b31mh');
    expect(sanitizeForTerminal('file\u202egpj.exe\u2066x\u2028y\u200fz\u061c')).toBe('file\\u202egpj.exe\\u2066x\\u2028y\\u200fz\\u061c');
    expect(sanitizeForTerminal('\u0000')).toBe('\\x00');
  });

  it('tells different control characters apart (a replacement character would show them the same)', () => {
    expect(sanitizeForTerminal('a\u0007.png')).not.toBe(sanitizeForTerminal('a\u001b.png'));
  });

  it('keeps printable Unicode as it is', () => {
    const text = 'café naïve 東京 😀 C:\\Users\\me ½ ß \u00a0nbsp 中文 titles, émigré – fine ✓';
    expect(sanitizeForTerminal(text)).toBe(text);
  });
});

describe('sanitizeLinesForTerminal', () => {
  it('escapes as sanitizeForTerminal does but keeps line feeds, for messages of several lines', () => {
    expect(sanitizeLinesForTerminal('error: x\u001b]0;t\u0007\r\n\nUsage: y\u202e\n')).toBe('error: x\\x1b]0;t\\x07\\x0d\n\nUsage: y\\u202e\n');
  });
});
