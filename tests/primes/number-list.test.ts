import { describe, expect, it } from 'vitest';
import { countNumbers, isHardSeparator, parseNumberList } from '../../src/primes/number-list.js';

const tokens = (text: string) => parseNumberList(text).map((entry) => entry.token);

describe('cutting a list into numbers', () => {
  it('separates numbers by white space, new lines, semicolons, 、 and commas followed by a space', () => {
    expect(tokens(' 1, 2\n3\t\t4;5 \r\n6、7；8')).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
    expect(tokens('97, 101, 103')).toEqual(['97', '101', '103']);
    expect(tokens('')).toEqual([]);
    expect(parseNumberList('7 11')).toEqual([
      { index: 0, token: '7' },
      { index: 1, token: '11' },
    ]);
  });

  it('keeps a number written in thousands whole (1,000,003), and reads other bare commas as separators', () => {
    expect(tokens('1,000,003')).toEqual(['1,000,003']);
    expect(tokens('1，000，003 and 12,345')).toEqual(['1，000，003', 'and', '12,345']);
    expect(tokens('-1,000 +2,000,000')).toEqual(['-1,000', '+2,000,000']);
    expect(tokens('1,2,3')).toEqual(['1', '2', '3']);
    expect(tokens('10,20,,30,')).toEqual(['10', '20', '30']);
    expect(tokens('1,0000')).toEqual(['1', '0000']);
    expect(tokens('1234,567')).toEqual(['1234', '567']);
    // The rule's one surprise, said in the help text: bare commas between three-digit numbers group them.
    expect(tokens('97,101,103')).toEqual(['97,101,103']);
  });

  it('takes underscores, apostrophes, no-break and thin spaces between digits as grouping, elsewhere as separators', () => {
    expect(tokens("1_000_003 1'000'003")).toEqual(['1_000_003', "1'000'003"]);
    expect(tokens('1\u00a0000\u00a0003 5\u202f000')).toEqual(['1\u00a0000\u00a0003', '5\u202f000']);
    expect(tokens('7\u00a0 11\u00a0x \u00a013')).toEqual(['7', '11', 'x', '13']);
  });

  it('counts what it would cut', () => {
    for (const text of ['1,000,003', '1,2,3', ' 97, 101\n1_000 x;y', '']) expect(countNumbers(text), text).toBe(parseNumberList(text).length);
  });

  it('knows which characters separate wherever they stand (where a stream may be cut)', () => {
    for (const char of [' ', '\n', '\t', ';', '\u3000', '、', '；']) expect(isHardSeparator(char.charCodeAt(0)), JSON.stringify(char)).toBe(true);
    for (const char of [',', '，', '_', "'", '\u00a0', '\u202f', '\u2009', '1', 'e']) expect(isHardSeparator(char.charCodeAt(0)), JSON.stringify(char)).toBe(false);
  });
});
