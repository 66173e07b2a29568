import { describe, expect, it } from 'vitest';
import { analyzeInput, parseInputLine } from '../../src/titles/input.js';

describe('parseInputLine', () => {
  it.each([
    ['https://example.com', 'https://example.com/'],
    ['  http://Example.COM/Path?q=1#frag  ', 'http://example.com/Path?q=1'],
    ['example.com/path', 'https://example.com/path'],
    ['www.jd.com', 'https://www.jd.com/'],
    ['localhost:3000/x', 'https://localhost:3000/x'],
    ['127.0.0.1:8080', 'https://127.0.0.1:8080/'],
    ['[::1]:8080/a', 'https://[::1]:8080/a'],
    ['//cdn.example.org/lib.html', 'https://cdn.example.org/lib.html'],
    ['例子.中国/路径', 'https://xn--fsqu00a.xn--fiqs8s/%E8%B7%AF%E5%BE%84'],
    ['my_host.example.com', 'https://my_host.example.com/'],
    ['example.com/a b', 'https://example.com/a%20b'],
    ['HTTPS://douban.com', 'https://douban.com/'],
  ])('%s is fetched as %s', (line, url) => {
    expect(parseInputLine(line)).toEqual({ kind: 'url', line: line.trim(), url, host: new URL(url).host });
  });

  it.each([
    ['javascript:alert(1)', /unsupported scheme "javascript:"/],
    ['file:///etc/passwd', /unsupported scheme "file:"/],
    ['ftp://ftp.example.com/file', /unsupported scheme "ftp:"/],
    ['data:text/html,<title>x</title>', /unsupported scheme "data:"/],
    ['mailto:someone@example.com', /unsupported scheme "mailto:"/],
    ['http://', /no host/],
    ['https://', /no host/],
    ['hello world', /free text/],
    ['Note: these are my links', /free text/],
    ['justaword', /does not look like a host/],
    ['user@example.com', /user info/],
    ['http://exa mple.com/', /malformed/],
    ['https://example.com:99999/', /malformed/],
    ['http://[::1/', /malformed/],
  ])('%s is invalid (%s)', (line, reason) => {
    const parsed = parseInputLine(line);
    expect(parsed.kind).toBe('invalid');
    if (parsed.kind === 'invalid') {
      expect(parsed.line).toBe(line.trim());
      expect(parsed.reason).toMatch(reason);
    }
  });

  it('treats empty and whitespace-only lines as blank', () => {
    expect(parseInputLine('')).toEqual({ kind: 'blank' });
    expect(parseInputLine(' \t\r')).toEqual({ kind: 'blank' });
  });
});

describe('analyzeInput', () => {
  it('counts distinct valid URLs, duplicate lines and distinct invalid lines with their line numbers', () => {
    const text = [
      'https://a.example/',
      '',
      'a.example', // same URL as line 1 once normalised
      'https://b.example/x#one',
      'https://b.example/x#two', // fragments do not make a different page
      'javascript:void(0)',
      'javascript:void(0)', // a repeated invalid line is a duplicate too
      '  ',
      'not a url',
      'HTTPS://A.EXAMPLE',
    ].join('\r\n');
    expect(analyzeInput(text)).toEqual({
      valid: 2,
      duplicates: 4,
      invalid: [
        { lineNumber: 6, line: 'javascript:void(0)', reason: expect.stringMatching(/scheme/) as string },
        { lineNumber: 9, line: 'not a url', reason: expect.stringMatching(/free text/) as string },
      ],
    });
  });

  it('is cheap enough for 100,000 pasted lines', () => {
    const text = Array.from({ length: 100_000 }, (_, i) => `https://host${i % 50}.example/page/${i}`).join('\n');
    const result = analyzeInput(text);
    expect(result).toEqual({ valid: 100_000, duplicates: 0, invalid: [] });
  });
});
