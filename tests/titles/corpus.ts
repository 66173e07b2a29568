/**
 * The correctness corpus: response bytes and headers, and what a browser shows for them — `document.title`,
 * `document.characterSet` — plus where our engine must say the encoding came from. Every expectation is checked
 * against Debian's Chromium by tests/titles/chromium-oracle.test.ts, and every case is run through the engine by
 * tests/titles/corpus.test.ts; the benchmark scores other approaches on the same cases.
 *
 * Bytes in legacy encodings are made with iconv-lite, so no case hand-codes a charset table.
 */
import iconv from 'iconv-lite';
import type { EncodingSource } from '../../src/titles/types.js';

export interface TitleCase {
  id: string;
  /** The rule of issue 2, item 4, that this case proves. */
  rule: string;
  /** Response headers (Content-Type and friends). */
  headers: Record<string, string>;
  body: Uint8Array;
  expected: { title: string | null; encoding: string; source: EncodingSource };
}

const html = (contentType: string | null): Record<string, string> => (contentType === null ? {} : { 'content-type': contentType });
const bytes = (...parts: (string | Uint8Array)[]): Uint8Array => Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : Buffer.from(part))));
const encode = (text: string, encoding: string): Uint8Array => iconv.encode(text, encoding);
const utf16be = (text: string): Uint8Array => {
  const le = Buffer.from(text, 'utf16le');
  return Buffer.from(le).swap16();
};
/** Bytes that push what follows past the first 1024 bytes. */
const padding = (size: number): string => `<script>var pad = "${'x'.repeat(size)}";</script>`;
const doc = (head: string, body = ''): string => `<!DOCTYPE html><html><head>${head}</head><body>${body}</body></html>`;

const utf8Html = html('text/html; charset=utf-8');

export const titleCases: TitleCase[] = [
  // --- Encoding: BOM first ---------------------------------------------------------------------------------------
  {
    id: 'bom-utf8-beats-http',
    rule: 'a UTF-8 BOM wins over the HTTP charset',
    headers: html('text/html; charset=windows-1252'),
    body: bytes(new Uint8Array([0xef, 0xbb, 0xbf]), doc('<title>Ünïcödé — ok</title>')),
    expected: { title: 'Ünïcödé — ok', encoding: 'UTF-8', source: 'bom' },
  },
  {
    id: 'bom-utf16le',
    rule: 'a UTF-16LE BOM decodes the page as UTF-16LE',
    headers: html('text/html'),
    body: bytes(new Uint8Array([0xff, 0xfe]), Buffer.from(doc('<title>UTF-16 小端</title>'), 'utf16le')),
    expected: { title: 'UTF-16 小端', encoding: 'UTF-16LE', source: 'bom' },
  },
  {
    id: 'bom-utf16be',
    rule: 'a UTF-16BE BOM decodes the page as UTF-16BE',
    headers: html('text/html; charset=utf-8'),
    body: bytes(new Uint8Array([0xfe, 0xff]), utf16be(doc('<title>UTF-16 大端</title>'))),
    expected: { title: 'UTF-16 大端', encoding: 'UTF-16BE', source: 'bom' },
  },
  {
    id: 'bom-beats-meta',
    rule: 'a BOM wins over <meta charset>',
    headers: html('text/html'),
    body: bytes(new Uint8Array([0xef, 0xbb, 0xbf]), doc('<meta charset="gbk"><title>标题 BOM</title>')),
    expected: { title: '标题 BOM', encoding: 'UTF-8', source: 'bom' },
  },
  // --- Encoding: the HTTP charset --------------------------------------------------------------------------------
  {
    id: 'http-gbk',
    rule: 'the HTTP charset: GBK',
    headers: html('text/html; charset=GBK'),
    body: encode(doc('<title>京东(JD.COM)-正品低价、品质保障</title>'), 'gbk'),
    expected: { title: '京东(JD.COM)-正品低价、品质保障', encoding: 'GBK', source: 'http' },
  },
  {
    id: 'http-gb2312-is-gbk',
    rule: 'the label gb2312 means GBK',
    headers: html('text/html;charset=gb2312'),
    body: encode(doc('<title>淘宝网 - 淘！我喜欢</title>'), 'gbk'),
    expected: { title: '淘宝网 - 淘！我喜欢', encoding: 'GBK', source: 'http' },
  },
  {
    id: 'http-gb18030',
    rule: 'the HTTP charset: gb18030 (four-byte sequences)',
    headers: html('text/html; charset="gb18030"'),
    body: encode(doc('<title>豆瓣 𠀀 㐀</title>'), 'gb18030'),
    expected: { title: '豆瓣 𠀀 㐀', encoding: 'gb18030', source: 'http' },
  },
  {
    id: 'http-big5',
    rule: 'the HTTP charset: Big5',
    headers: html('text/html; charset=big5'),
    body: encode(doc('<title>繁體中文標題</title>'), 'big5'),
    expected: { title: '繁體中文標題', encoding: 'Big5', source: 'http' },
  },
  {
    id: 'http-shift-jis',
    rule: 'the HTTP charset: Shift_JIS',
    headers: html('text/html; charset=Shift_JIS'),
    body: encode(doc('<title>日本語のタイトル</title>'), 'shift_jis'),
    expected: { title: '日本語のタイトル', encoding: 'Shift_JIS', source: 'http' },
  },
  {
    id: 'http-euc-kr',
    rule: 'the HTTP charset: EUC-KR',
    headers: html('text/html; charset=euc-kr'),
    body: encode(doc('<title>한국어 제목</title>'), 'euc-kr'),
    expected: { title: '한국어 제목', encoding: 'EUC-KR', source: 'http' },
  },
  {
    id: 'http-koi8-r',
    rule: 'the HTTP charset: KOI8-R',
    headers: html('text/html; charset=koi8-r'),
    body: encode(doc('<title>Русский заголовок</title>'), 'koi8-r'),
    expected: { title: 'Русский заголовок', encoding: 'KOI8-R', source: 'http' },
  },
  {
    id: 'http-windows-1251',
    rule: 'the HTTP charset: windows-1251',
    headers: html('text/html; charset=windows-1251'),
    body: encode(doc('<title>Новости — главная</title>'), 'win1251'),
    expected: { title: 'Новости — главная', encoding: 'windows-1251', source: 'http' },
  },
  {
    id: 'http-windows-1250',
    rule: 'the HTTP charset: windows-1250',
    headers: html('text/html; charset=windows-1250'),
    body: encode(doc('<title>Zażółć gęślą jaźń</title>'), 'win1250'),
    expected: { title: 'Zażółć gęślą jaźń', encoding: 'windows-1250', source: 'http' },
  },
  {
    id: 'http-iso-8859-1-is-windows-1252',
    rule: 'iso-8859-1 means windows-1252 (bytes 0x80-0x9F are € “ ” …)',
    headers: html('text/html; charset=iso-8859-1'),
    body: bytes('<title>', new Uint8Array([0x93]), 'Quoted', new Uint8Array([0x94]), ' ', new Uint8Array([0x80]), '5 ', new Uint8Array([0x85]), '</title>'),
    expected: { title: '“Quoted” €5 …', encoding: 'windows-1252', source: 'http' },
  },
  {
    id: 'http-ascii-is-windows-1252',
    rule: 'us-ascii means windows-1252 too',
    headers: html('text/html; charset=us-ascii'),
    body: bytes('<title>Caf', new Uint8Array([0xe9]), '</title>'),
    expected: { title: 'Café', encoding: 'windows-1252', source: 'http' },
  },
  {
    id: 'http-iso-8859-2',
    rule: 'the HTTP charset: ISO-8859-2',
    headers: html('text/html; charset=iso-8859-2'),
    body: encode(doc('<title>Žluťoučký kůň</title>'), 'iso-8859-2'),
    expected: { title: 'Žluťoučký kůň', encoding: 'ISO-8859-2', source: 'http' },
  },
  {
    id: 'http-beats-meta',
    rule: 'the HTTP charset wins over <meta charset>',
    headers: html('text/html; charset=utf-8'),
    body: bytes(doc('<meta charset="gbk"><title>中文 UTF-8</title>')),
    expected: { title: '中文 UTF-8', encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'http-bad-label-then-meta',
    rule: 'an unknown HTTP label is ignored: <meta charset> decides',
    headers: html('text/html; charset=no-such-charset'),
    body: encode(doc('<meta charset="gbk"><title>坏标签之后</title>'), 'gbk'),
    expected: { title: '坏标签之后', encoding: 'GBK', source: 'meta' },
  },
  {
    id: 'http-bad-label-default',
    rule: 'unknown labels everywhere: the default, windows-1252',
    headers: html('text/html; charset=utf-9'),
    body: bytes('<meta charset="latin-42"><title>Caf', new Uint8Array([0xe9]), ' cr', new Uint8Array([0xe8]), 'me</title>'),
    expected: { title: 'Café crème', encoding: 'windows-1252', source: 'default' },
  },
  {
    id: 'http-charset-case-and-quotes',
    rule: 'the HTTP charset parameter is case-insensitive and may be quoted',
    headers: html('TEXT/HTML; CHARSET="EUC-JP"'),
    body: encode(doc('<title>日本語 EUC</title>'), 'euc-jp'),
    expected: { title: '日本語 EUC', encoding: 'EUC-JP', source: 'http' },
  },
  // --- Encoding: <meta> in the head ------------------------------------------------------------------------------
  {
    id: 'meta-charset',
    rule: '<meta charset> when HTTP says nothing',
    headers: html('text/html'),
    body: encode(doc('<meta charset="gbk"><title>元字符集</title>'), 'gbk'),
    expected: { title: '元字符集', encoding: 'GBK', source: 'meta' },
  },
  {
    id: 'meta-http-equiv',
    rule: '<meta http-equiv="Content-Type" content="...; charset=...">',
    headers: html('text/html'),
    body: encode(doc('<meta http-equiv="Content-Type" content="text/html; charset=big5"><title>繁體 http-equiv</title>'), 'big5'),
    expected: { title: '繁體 http-equiv', encoding: 'Big5', source: 'meta' },
  },
  {
    id: 'meta-http-equiv-quoted-charset',
    rule: 'a quoted charset inside content=',
    headers: html('text/html'),
    body: encode(doc(`<meta http-equiv="content-type" content='text/html; charset="windows-1251"'><title>Кавычки</title>`), 'win1251'),
    expected: { title: 'Кавычки', encoding: 'windows-1251', source: 'meta' },
  },
  {
    id: 'meta-content-without-http-equiv',
    rule: 'content="...charset=..." without http-equiv declares nothing',
    headers: html('text/html'),
    body: bytes('<!DOCTYPE html><html><head><meta content="text/html; charset=koi8-r"><title>Caf', new Uint8Array([0xe9]), '</title></head></html>'),
    expected: { title: 'Café', encoding: 'windows-1252', source: 'default' },
  },
  {
    id: 'meta-past-1024-bytes-in-head',
    rule: '<meta charset> still counts past the first 1024 bytes while in the head',
    headers: html('text/html'),
    body: encode(doc(`${padding(3000)}<meta charset="shift_jis"><title>遅いメタ</title>`), 'shift_jis'),
    expected: { title: '遅いメタ', encoding: 'Shift_JIS', source: 'meta' },
  },
  {
    id: 'meta-http-equiv-past-1024-bytes',
    rule: 'http-equiv past the first 1024 bytes while in the head',
    headers: html('text/html'),
    body: encode(doc(`<title>Поздний http-equiv</title><style>${'p{color:red}'.repeat(200)}</style><meta http-equiv="Content-Type" content="text/html; charset=koi8-r">`), 'koi8-r'),
    expected: { title: 'Поздний http-equiv', encoding: 'KOI8-R', source: 'meta' },
  },
  {
    id: 'meta-after-body-past-1024-ignored',
    rule: 'a <meta charset> after the head and past 1024 bytes is too late',
    headers: html('text/html'),
    body: bytes('<!DOCTYPE html><html><head><title>Caf', new Uint8Array([0xe9]), '</title></head><body>', `<p>${'text '.repeat(400)}</p>`, '<meta charset="utf-8"></body></html>'),
    expected: { title: 'Café', encoding: 'windows-1252', source: 'default' },
  },
  {
    id: 'meta-bad-label-then-good',
    rule: 'an unknown <meta> label is skipped and scanning goes on',
    headers: html('text/html'),
    body: encode(doc('<meta charset="no-such-thing"><meta charset="euc-kr"><title>두 번째 메타</title>'), 'euc-kr'),
    expected: { title: '두 번째 메타', encoding: 'EUC-KR', source: 'meta' },
  },
  {
    id: 'meta-utf16-means-utf8',
    rule: '<meta charset="utf-16"> means UTF-8',
    headers: html('text/html'),
    body: bytes(doc('<meta charset="utf-16"><title>UTF-16 声明</title>')),
    expected: { title: 'UTF-16 声明', encoding: 'UTF-8', source: 'meta' },
  },
  {
    id: 'meta-x-user-defined-means-windows-1252',
    rule: '<meta charset="x-user-defined"> means windows-1252',
    headers: html('text/html'),
    body: bytes('<meta charset="x-user-defined"><title>', new Uint8Array([0x80]), ' ', new Uint8Array([0xe9]), '</title>'),
    expected: { title: '€ é', encoding: 'windows-1252', source: 'meta' },
  },
  {
    id: 'meta-in-comment-ignored',
    rule: 'a <meta charset> inside a comment declares nothing',
    headers: html('text/html'),
    body: bytes('<!DOCTYPE html><html><head><!-- <meta charset="gbk"> --><title>Caf', new Uint8Array([0xe9]), ' comment</title></head></html>'),
    expected: { title: 'Café comment', encoding: 'windows-1252', source: 'default' },
  },
  {
    id: 'meta-iso-8859-1-label',
    rule: '<meta charset="ISO-8859-1"> is windows-1252 as well',
    headers: html('text/html'),
    body: bytes('<meta charset="ISO-8859-1"><title>', new Uint8Array([0x99]), ' Trade', '</title>'),
    expected: { title: '™ Trade', encoding: 'windows-1252', source: 'meta' },
  },
  {
    id: 'no-declaration-default',
    rule: 'no BOM, no HTTP charset, no <meta>: windows-1252',
    headers: html('text/html'),
    body: bytes('<!DOCTYPE html><title>R', new Uint8Array([0xe9]), 'sum', new Uint8Array([0xe9]), ' d', new Uint8Array([0xe9]), 'tails</title>'),
    expected: { title: 'Résumé détails', encoding: 'windows-1252', source: 'default' },
  },
  // --- Which element is the title -------------------------------------------------------------------------------
  {
    id: 'title-basic',
    rule: 'the <title> element of the head',
    headers: utf8Html,
    body: bytes(doc('<title>Example Domain</title>')),
    expected: { title: 'Example Domain', encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'title-uppercase-with-attributes',
    rule: 'tag names are case-insensitive; attributes do not matter',
    headers: utf8Html,
    body: bytes('<HTML><HEAD><TITLE id="t" class=\'x\' data-title="no">Upper Case</TITLE></HEAD></HTML>'),
    expected: { title: 'Upper Case', encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'title-first-of-many',
    rule: 'the first <title> counts, even when it is empty',
    headers: utf8Html,
    body: bytes(doc('<title></title><title>Second</title>')),
    expected: { title: '', encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'title-first-of-two',
    rule: 'the first of two titles',
    headers: utf8Html,
    body: bytes(doc('<title>First</title><title>Second</title>')),
    expected: { title: 'First', encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'title-in-body',
    rule: 'a <title> in the body is the title when the head has none',
    headers: utf8Html,
    body: bytes(doc('', '<h1>Heading</h1><p>Some text</p><title>Body Title</title>')),
    expected: { title: 'Body Title', encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'title-after-html-end',
    rule: 'a <title> after </html> still becomes the title',
    headers: utf8Html,
    body: bytes('<!DOCTYPE html><html><head></head><body><p>x</p></body></html><title>After the end</title>'),
    expected: { title: 'After the end', encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'no-title',
    rule: 'no <title> element: no title (null)',
    headers: utf8Html,
    body: bytes(doc('<meta name="description" content="none">', '<h1>No title here</h1>')),
    expected: { title: null, encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'title-in-svg-skipped',
    rule: 'a <title> inside <svg> is SVG, not the document title',
    headers: utf8Html,
    body: bytes(doc('', '<svg width="10" height="10"><title>SVG tooltip</title><rect width="5" height="5"/></svg><title>HTML title</title>')),
    expected: { title: 'HTML title', encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'title-only-in-svg',
    rule: 'only an SVG <title>: no document title',
    headers: utf8Html,
    body: bytes(doc('', '<svg><title>Only SVG</title></svg>')),
    expected: { title: null, encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'title-in-template-skipped',
    rule: 'a <title> inside <template> is not in the document',
    headers: utf8Html,
    body: bytes(doc('<template><title>Template title</title></template><title>Real title</title>')),
    expected: { title: 'Real title', encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'title-in-script-skipped',
    rule: '"<title>" inside a script is script text',
    headers: utf8Html,
    body: bytes(doc('<script>var markup = "<title>Script title</title>";</script><title>After script</title>')),
    expected: { title: 'After script', encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'title-in-comment-skipped',
    rule: 'a <title> inside a comment does not count',
    headers: utf8Html,
    body: bytes(doc('<!-- <title>Commented out</title> --><title>Visible</title>')),
    expected: { title: 'Visible', encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'title-in-conditional-comment-skipped',
    rule: 'IE conditional comments are comments',
    headers: utf8Html,
    body: bytes(doc('<!--[if lt IE 9]><title>Old IE</title><![endif]--><title>Modern</title>')),
    expected: { title: 'Modern', encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'abrupt-empty-comment',
    rule: '"<!-->" is a whole (empty) comment, so the title after it counts',
    headers: utf8Html,
    body: bytes('<!DOCTYPE html><html><head><!--><title>After abrupt comment</title><!-- --></head></html>'),
    expected: { title: 'After abrupt comment', encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'comment-closed-by-bang',
    rule: '"--!>" closes a comment',
    headers: utf8Html,
    body: bytes('<!DOCTYPE html><html><head><!-- a --!><title>Bang closed</title></head></html>'),
    expected: { title: 'Bang closed', encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'title-in-noscript-skipped',
    rule: 'with scripting on, <noscript> content in the head is text',
    headers: utf8Html,
    body: bytes(doc('<noscript><title>NoScript title</title></noscript><title>Scripted</title>')),
    expected: { title: 'Scripted', encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'title-in-textarea-and-iframe-skipped',
    rule: '<textarea> and <iframe> content is text, not elements',
    headers: utf8Html,
    body: bytes(doc('', '<textarea><title>In textarea</title></textarea><iframe><title>In iframe</title></iframe><title>Outside</title>')),
    expected: { title: 'Outside', encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'title-in-mathml-text-integration-point',
    rule: 'inside MathML <mi> (an HTML integration point) a <title> is HTML again',
    headers: utf8Html,
    body: bytes(doc('', '<math><mi><title>Math title</title></mi></math>')),
    expected: { title: 'Math title', encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'title-foster-parented-before-table',
    rule: 'tree order, not source order: a title foster-parented out of a table comes first',
    headers: utf8Html,
    body: bytes(doc('', '<table><tr><td><title>In cell</title></td></tr><title>Fostered</title></table>')),
    expected: { title: 'Fostered', encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'cdata-in-title-is-text',
    rule: 'CDATA inside a title is plain text',
    headers: utf8Html,
    body: bytes(doc('<title><![CDATA[Not CDATA]]></title>')),
    expected: { title: '<![CDATA[Not CDATA]]>', encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'cdata-in-svg-hides-markup',
    rule: 'CDATA inside SVG is foreign content: the markup in it is text',
    headers: utf8Html,
    body: bytes(doc('', '<svg><![CDATA[<title>hidden</title>]]></svg><title>After CDATA</title>')),
    expected: { title: 'After CDATA', encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'tags-in-title-are-text',
    rule: 'markup inside <title> is text (RCDATA), and a title is never HTML',
    headers: utf8Html,
    body: bytes(doc('<title><b>Bold</b> <img src=x onerror=alert(1)> </titlex> done</title>')),
    expected: { title: '<b>Bold</b> <img src=x onerror=alert(1)> </titlex> done', encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'unclosed-title',
    rule: 'a title left open runs to the end of the file',
    headers: utf8Html,
    body: bytes('<!DOCTYPE html><html><head><title>Never closed <p>still title'),
    expected: { title: 'Never closed <p>still title', encoding: 'UTF-8', source: 'http' },
  },
  // --- A title after the head: read on through the body (in a bounded amount of memory) -------------------------------
  {
    id: 'title-after-long-body',
    rule: 'a <title> after 100 KB of body text with no space or tag is still the title',
    headers: utf8Html,
    body: bytes(doc('', `<p>${'没有空格也没有标签的正文'.repeat(3000)}</p><title>After a long body</title>`)),
    expected: { title: 'After a long body', encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'title-after-long-attribute-and-comment',
    rule: 'a 100 KB attribute value and a 100 KB comment before the title change nothing',
    headers: utf8Html,
    body: bytes(doc('', `<img alt="" src="data:image/png;base64,${'QUJDREVGR0g'.repeat(9000)}"><!-- ${'a comment '.repeat(10000)} --><title>After a long attribute</title>`)),
    expected: { title: 'After a long attribute', encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'title-after-many-elements',
    rule: 'a <title> after thousands of elements (void, closed, and nested 300 deep) in the body',
    headers: utf8Html,
    body: bytes(doc('', `${'<br><img alt=x><div><span>x</span></div>'.repeat(3000)}${'<div>'.repeat(300)}<title>After many elements</title>`)),
    expected: { title: 'After many elements', encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'title-in-svg-foreign-object',
    rule: 'inside <svg><foreignObject> markup is HTML again: a <title> there is the document title',
    headers: utf8Html,
    body: bytes(doc('', '<p>Text first</p><svg><title>SVG tooltip</title><foreignObject><title>In foreignObject</title></foreignObject></svg><title>After svg</title>')),
    expected: { title: 'In foreignObject', encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'title-in-template-in-body-skipped',
    rule: 'a <title> inside a <template> in the body is not in the document',
    headers: utf8Html,
    body: bytes(doc('', `<p>${'Body text. '.repeat(500)}</p><template><div><title>In a template</title></div></template><title>After the template</title>`)),
    expected: { title: 'After the template', encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'title-in-raw-text-elements-skipped',
    rule: '<xmp>, <noembed>, <noframes> and <style> in the body hold text, not elements',
    headers: utf8Html,
    body: bytes(doc('', '<xmp><title>In xmp</title></xmp><noembed><title>In noembed</title></noembed><noframes><title>In noframes</title></noframes><style><title>In style</title></style><title>Outside raw text</title>')),
    expected: { title: 'Outside raw text', encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'title-after-plaintext-is-text',
    rule: 'after <plaintext> everything is text: a <title> there is no element',
    headers: utf8Html,
    body: bytes(doc('', '<p>Before</p><plaintext><title>Only text</title></plaintext>')),
    expected: { title: null, encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'title-in-body-replaced-by-frameset',
    rule: 'a <frameset> replaces a body that holds only elements: the <title> in it leaves the document',
    headers: utf8Html,
    body: bytes('<!DOCTYPE html><html><head></head><div><title>Gone with the body</title></div><frameset><frame src="about:blank"></frameset></html>'),
    expected: { title: null, encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'title-in-body-kept-after-text',
    rule: 'once the body has text, a <frameset> is ignored and the title in the body stays',
    headers: utf8Html,
    body: bytes('<!DOCTYPE html><html><head></head><div>Text<title>Stays in the body</title></div><frameset><frame src="about:blank"></frameset></html>'),
    expected: { title: 'Stays in the body', encoding: 'UTF-8', source: 'http' },
  },
  // --- The title's text -------------------------------------------------------------------------------------------
  {
    id: 'whitespace-stripped-and-collapsed',
    rule: 'ASCII whitespace stripped at both ends and collapsed inside',
    headers: utf8Html,
    body: bytes(doc('<title> \n\t  Hello \r\n\f   World \t\n </title>')),
    expected: { title: 'Hello World', encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'nbsp-is-not-ascii-whitespace',
    rule: 'no-break spaces are kept (only ASCII whitespace is collapsed)',
    headers: utf8Html,
    body: bytes(doc('<title>&nbsp;Hi&nbsp;&nbsp;there\u3000</title>')),
    expected: { title: '\u00a0Hi\u00a0\u00a0there\u3000', encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'whitespace-only-title',
    rule: 'a title of whitespace only is the empty string',
    headers: utf8Html,
    body: bytes(doc('<title>   \n\t </title>')),
    expected: { title: '', encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'numeric-references-c1-and-nul',
    rule: '&#x80; is €, &#150; is –, &#0; is U+FFFD (as HTML decodes them)',
    headers: utf8Html,
    body: bytes(doc('<title>&#x80;&#150;&#0;&#x41;&#66;</title>')),
    expected: { title: '€–\uFFFDAB', encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'numeric-references-out-of-range',
    rule: 'surrogates and code points past U+10FFFF become U+FFFD; astral ones decode',
    headers: utf8Html,
    body: bytes(doc('<title>&#xD800;|&#x110000;|&#x1F600;|&#128512</title>')),
    expected: { title: '\uFFFD|\uFFFD|😀|😀', encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'named-references-without-semicolon',
    rule: 'legacy named references work without a semicolon, as browsers do',
    headers: utf8Html,
    body: bytes(doc('<title>Tom &amp Jerry &copy2024 &lt;3 &notit; &ampx</title>')),
    expected: { title: 'Tom & Jerry ©2024 <3 ¬it; &x', encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'unknown-references-stay',
    rule: 'unknown or incomplete references stay as written',
    headers: utf8Html,
    body: bytes(doc('<title>&foo; &#; &# & &amp;amp; &#x;</title>')),
    expected: { title: '&foo; &#; &# & &amp; &#x;', encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'nul-byte-in-title',
    rule: 'a NUL byte in a title becomes U+FFFD',
    headers: utf8Html,
    body: bytes('<title>a', new Uint8Array([0]), 'b</title>'),
    expected: { title: 'a\uFFFDb', encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'invalid-utf8-replaced',
    rule: 'bytes that are not UTF-8 become U+FFFD',
    headers: utf8Html,
    body: bytes('<title>bad ', new Uint8Array([0xff, 0xc3]), ' bytes</title>'),
    expected: { title: 'bad \uFFFD\uFFFD bytes', encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'long-title-kept-whole',
    rule: 'a long title is kept whole (no truncation)',
    headers: utf8Html,
    body: bytes(doc(`<title>${'Long title segment. '.repeat(200)}</title>`)),
    expected: { title: 'Long title segment. '.repeat(200).trim(), encoding: 'UTF-8', source: 'http' },
  },
  {
    id: 'no-content-type-sniffed-html',
    rule: 'no Content-Type: HTML recognised by its first bytes',
    headers: html(null),
    body: bytes('  \n<!DOCTYPE html><html><head><title>Sniffed</title></head></html>'),
    expected: { title: 'Sniffed', encoding: 'windows-1252', source: 'default' },
  },
  {
    id: 'xhtml-content-type',
    rule: 'application/xhtml+xml is read for its title too',
    headers: html('application/xhtml+xml; charset=utf-8'),
    body: bytes('<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>XHTML page</title></head><body/></html>'),
    expected: { title: 'XHTML page', encoding: 'UTF-8', source: 'http' },
  },
];
