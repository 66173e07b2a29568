/**
 * Render mode's body signals: an empty mount point or a <noscript> asking for JavaScript, looked for in a page's
 * first bytes when its head holds a script; and the page reader that keeps those bytes only then.
 */
import { describe, expect, it } from 'vitest';
import { parseContentType } from '../../src/titles/charset.js';
import { PageReader } from '../../src/titles/page.js';
import { bodySignalBytes, findBodySignal } from '../../src/titles/render/body-signals.js';

const utf8 = (text: string): Uint8Array => Buffer.from(text, 'utf8');
const signal = (text: string, encoding = 'UTF-8'): string | null => findBodySignal(utf8(text), encoding);

const craNoscript = '<noscript>You need to enable JavaScript to run this app.</noscript>';

describe('findBodySignal', () => {
  it('finds an empty #root, #app or #__next, in any quoting, with whitespace or comments inside', () => {
    for (const body of [
      '<div id="root"></div>',
      "<div id='app'></div>",
      '<div id=__next></div>',
      '<DIV ID="root">\n  </DIV>',
      '<main class="shell" data-x="1" id="app" role="main"><!-- the app mounts here --></main>',
      '<div\nid="root"\n></div >',
    ])
      expect(signal(`<body>${body}<script src="/main.js"></script></body>`), body).toBe('mount-point');
  });

  it('does not take a mount point with content, another id, or markup that only looks like one', () => {
    for (const body of [
      '<div id="root"><h1>Welcome</h1></div>',
      '<div id="root">Hello</div>',
      '<div id="rooted"></div>',
      '<div data-id="root"></div>',
      '<div class="app"></div>',
      '<div id="root"></span></div>',
      '<p>set id="root" on a div</p>',
      '<div id="root"/><p>content</p>',
    ])
      expect(signal(`<body>${body}</body>`), body).toBeNull();
  });

  it('finds a <noscript> asking for JavaScript, in English and Chinese, and not one that holds a tracking pixel', () => {
    expect(signal(craNoscript)).toBe('noscript');
    expect(signal('<noscript><strong>We\'re sorry but this site doesn\'t work properly without JavaScript enabled.</strong></noscript>')).toBe('noscript');
    expect(signal('<noscript>您需要启用 JavaScript 才能运行此应用。</noscript>')).toBe('noscript');
    expect(signal('<noscript>请开启浏览器的脚本支持</noscript>')).toBe('noscript');
    expect(signal('<noscript>請啟用 JS 以使用本網站</noscript>')).toBe('noscript');
    expect(signal('<noscript><img height="1" width="1" style="display:none" src="https://www.facebook.com/tr?id=1&ev=PageView&noscript=1&js=javascript"/></noscript>')).toBeNull();
    expect(signal('<noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-X" height="0" width="0"></iframe></noscript>')).toBeNull();
    expect(signal('<noscript><style>.js-only { display: none } /* javascript off */</style></noscript><p>JavaScript tutorial</p>')).toBeNull();
  });

  it('reads a GBK page\'s <noscript> in its own encoding', () => {
    const gbk = Buffer.from([...Buffer.from('<noscript>'), 0xc7, 0xeb, 0xc6, 0xf4, 0xd3, 0xc3, 0xbd, 0xc5, 0xb1, 0xbe, ...Buffer.from('</noscript>')]); // 请启用脚本
    expect(findBodySignal(gbk, 'GBK')).toBe('noscript');
  });

  it('gives nothing for UTF-16 pages and empty input', () => {
    expect(findBodySignal(Buffer.from('<div id="root"></div>', 'utf16le'), 'UTF-16LE')).toBeNull();
    expect(findBodySignal(new Uint8Array(0), 'UTF-8')).toBeNull();
  });

  it('gets through hostile markup: would-be mount tags that never close, noscripts that never end', () => {
    // Each is looked at a bounded number of times (a quadratic scan would not end within the test's timeout).
    const hostile = utf8(('<a id=root ' + 'x'.repeat(20)).repeat(3000) + '<div id=root' + ' x'.repeat(60_000) + '>' + '<noscript>'.repeat(5000));
    expect(findBodySignal(hostile, 'UTF-8')).toBeNull();
  });
});

function read(html: string, signalBytes: number, chunk = 1000): ReturnType<PageReader['end']> {
  const reader = new PageReader('http://example.test/', parseContentType('text/html; charset=utf-8'), 4 * 1024 * 1024, signalBytes);
  const bytes = utf8(html);
  for (let at = 0; at < bytes.length && reader.wantsMore; at += chunk) reader.push(bytes.subarray(at, at + chunk));
  return reader.end();
}

const shell = (title: string, head: string, body: string): string => `<!doctype html><html><head><title>${title}</title>${head}</head><body>${body}</body></html>`;

describe('the page reader and body signals', () => {
  const script = '<script defer src="/static/js/main.js"></script>';

  it('looks past the title only for a page whose head holds a script', () => {
    expect(read(shell('My Shop', script, `${craNoscript}<div id="root"></div>`), bodySignalBytes).bodySignal).toBe('mount-point');
    expect(read(shell('My Shop', script, craNoscript), bodySignalBytes).bodySignal).toBe('noscript');
    expect(read(shell('My Shop', '', `<div id="root"></div>${script}`), bodySignalBytes).bodySignal).toBeNull();
    expect(read(shell('My Shop', script, '<div id="root"><h1>My Shop</h1><p>Welcome.</p></div>'), bodySignalBytes).bodySignal).toBeNull();
  });

  it('never looks when asked not to, and stops reading at the title then', () => {
    const reader = new PageReader('http://example.test/', parseContentType('text/html; charset=utf-8'), 4 * 1024 * 1024, 0);
    reader.push(utf8(shell('My Shop', script, '<p>' + 'x'.repeat(5000))));
    expect(reader.wantsMore).toBe(false);
    expect(reader.end()).toMatchObject({ title: 'My Shop', bodySignal: null });
  });

  it('reads on past the head up to the budget, no further, and finds nothing beyond it', () => {
    const filler = '<p>' + 'Lorem ipsum dolor sit amet. '.repeat(40) + '</p>\n';
    const near = shell('My Shop', script, filler.repeat(Math.floor((bodySignalBytes / 2) / filler.length)) + '<div id="app"></div>');
    expect(read(near, bodySignalBytes).bodySignal).toBe('mount-point');
    const far = shell('My Shop', script, filler.repeat(Math.ceil(bodySignalBytes / filler.length) + 1) + '<div id="app"></div>');
    const reader = new PageReader('http://example.test/', parseContentType('text/html; charset=utf-8'), 4 * 1024 * 1024, bodySignalBytes);
    const bytes = utf8(far);
    let at = 0;
    for (; at < bytes.length && reader.wantsMore; at += 4096) reader.push(bytes.subarray(at, at + 4096));
    expect(reader.bytes).toBe(bodySignalBytes);
    expect(reader.end()).toMatchObject({ title: 'My Shop', bodySignal: null, cappedBy: null });
  });

  it('reads no further than the page cap, however many bytes body signals would look at', () => {
    const reader = new PageReader('http://example.test/', parseContentType('text/html; charset=utf-8'), 2048, bodySignalBytes);
    const bytes = utf8(shell('My Shop', script, '<p>' + 'x'.repeat(10_000) + '</p><div id="root"></div>'));
    for (let at = 0; at < bytes.length && reader.wantsMore; at += 512) reader.push(bytes.subarray(at, at + 512));
    expect(reader.bytes).toBe(2048);
    expect(reader.end()).toMatchObject({ title: 'My Shop', bodySignal: null, cappedBy: null });
  });

  it('keeps the title, whatever it finds', () => {
    expect(read(shell('Acme &amp; Co', script, '<div id="root"></div>'), bodySignalBytes, 7)).toMatchObject({ title: 'Acme & Co', bodySignal: 'mount-point', titleRead: true });
  });
});
