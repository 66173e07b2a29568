/** URL list files: decoded by their byte order mark, UTF-16 without one and binary refused by name (issue 11). */
import { describe, expect, it } from 'vitest';
import { decodeTextFile, sniffTextEncoding, TextEncodingError, textDecoderFor } from '../../src/titles/text-encoding.js';

const text = 'https://例子.测试/路径\r\nexample.com\n';
const le = Buffer.from(text, 'utf16le');
const be = Buffer.from(le).swap16();

describe('text encoding of URL lists', () => {
  it('reads UTF-8, UTF-16LE and UTF-16BE by their byte order mark, and UTF-8 without one', () => {
    expect(decodeTextFile(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]), 'a')).toBe(text);
    expect(decodeTextFile(Buffer.concat([Buffer.from([0xff, 0xfe]), le]), 'a')).toBe(text);
    expect(decodeTextFile(Buffer.concat([Buffer.from([0xfe, 0xff]), be]), 'a')).toBe(text);
    expect(decodeTextFile(Buffer.from(text), 'a')).toBe(text);
    expect(decodeTextFile(Buffer.from([0x61, 0xff, 0x62]), 'a')).toBe('a\uFFFDb');
  });

  it('decodes in pieces, a character split between two pieces kept whole', () => {
    const bytes = Buffer.concat([Buffer.from([0xfe, 0xff]), be]);
    const decoder = textDecoderFor(sniffTextEncoding(bytes, 'a'));
    let out = '';
    for (let i = 0; i < bytes.length; i += 3) out += decoder.decode(bytes.subarray(i, i + 3));
    expect(out + decoder.decode(new Uint8Array(0), true)).toBe(text);
  });

  it('refuses UTF-16 without a byte order mark, naming the byte order, and binary data', () => {
    expect(() => sniffTextEncoding(le, 'list.txt')).toThrow(new TextEncodingError('list.txt looks like UTF-16LE text without a byte order mark; save it as UTF-8 (or as UTF-16 with a byte order mark) and try again'));
    expect(() => sniffTextEncoding(be, 'list.txt')).toThrow(/list\.txt looks like UTF-16BE text without a byte order mark/);
    expect(() => sniffTextEncoding(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]), 'photo.png')).toThrow(/photo\.png is not a text file/);
  });
});
