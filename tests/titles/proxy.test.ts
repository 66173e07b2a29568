/** Proxies: http (forwarded and CONNECT), SOCKS5 (local and remote names), credentials, the environment, PROXY errors. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTitlesJob } from '../../src/titles/engine.js';
import { createDispatcher, describeProxy, environmentProxyProblem, parseProxyUrl, proxySettingProblem } from '../../src/titles/proxy.js';
import type { TitleRecord, TitlesOptions } from '../../src/titles/types.js';
import { refusedUrl, startFixtureWeb, type FixtureWeb } from '../helpers/fixture-web.js';
import { startHttpProxy, startSocksProxy, type TestProxy } from '../helpers/proxies.js';

let web: FixtureWeb;
const proxies: TestProxy[] = [];
beforeAll(async () => {
  web = await startFixtureWeb({ hosts: 1 });
});
afterAll(async () => {
  await web.close();
});
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
});

async function titles(urls: string[], options: Partial<TitlesOptions>): Promise<TitleRecord[]> {
  const records: TitleRecord[] = [];
  const job = startTitlesJob({ lines: urls, onRecord: (record) => records.push(record), options: { retries: 0, timeoutMs: 5000, ...options } });
  await job.done;
  return records.sort((a, b) => a.index - b.index);
}

/** A name no resolver knows, which the test proxies send to the fixture web. */
const port = (): number => web.ports[0] as number;
const siteUrl = (path: string): string => `http://site.test:${port()}${path}`;

describe('proxy settings', () => {
  it('accepts http, https, socks5 and socks5h URLs and says what is wrong with others, never repeating a password', () => {
    expect(parseProxyUrl('socks5h://u:p@127.0.0.1:1080').protocol).toBe('socks5h:');
    expect(proxySettingProblem('direct')).toBeNull();
    expect(proxySettingProblem('environment')).toBeNull();
    expect(proxySettingProblem('https://proxy.example:8443')).toBeNull();
    for (const bad of ['ftp://user:s3cret@proxy:21', 'http://user:s3cret@proxy:3128/path', 'not a url s3cret', 'http://:s3cret@/']) {
      const problem = proxySettingProblem(bad);
      expect(problem).not.toBeNull();
      expect(problem).not.toContain('s3cret');
    }
    expect(describeProxy(new URL('http://user:s3cret@proxy.example:3128'))).toBe('http://proxy.example:3128');
    expect(environmentProxyProblem({ HTTPS_PROXY: 'gopher://user:s3cret@x' })).toMatch(/^HTTPS_PROXY: /);
    expect(environmentProxyProblem({ HTTPS_PROXY: 'gopher://user:s3cret@x' })).not.toContain('s3cret');
    expect(environmentProxyProblem({ http_proxy: 'proxy.example:3128' })).toBeNull();
  });
});

describe('through an http proxy', () => {
  it('forwards plain http (the proxy resolves the name) and sends its credentials', async () => {
    const proxy = await startHttpProxy({ credentials: 'alice:s3cret', hostMap: { 'site.test': port() } });
    proxies.push(proxy);
    const [record] = await titles([siteUrl('/page/through')], { proxy: proxy.url });
    expect(record).toMatchObject({ status: 200, title: web.titleFor('/page/through'), error: null });
    expect(proxy.carried).toEqual([`site.test:${port()}`]);
  });

  it('records PROXY when the proxy wants other credentials, plain http and CONNECT alike, without the password', async () => {
    const proxy = await startHttpProxy({ credentials: 'alice:right', hostMap: { 'site.test': port() } });
    proxies.push(proxy);
    const wrong = proxy.url.replace('alice:right', 'alice:wr0ng');
    const records = await titles([siteUrl('/page/a'), `https://site.test:${port()}/page/b`], { proxy: wrong });
    expect(records.map((record) => record.error?.code)).toEqual(['PROXY', 'PROXY']);
    for (const record of records) {
      expect(record.error?.message).toMatch(/407/);
      expect(JSON.stringify(record)).not.toContain('wr0ng');
    }
    expect(proxy.refusedAuth).toBe(2);
  });

  it('tunnels https with CONNECT: what fails beyond the tunnel is the site’s, not the proxy’s', async () => {
    const proxy = await startHttpProxy({ hostMap: { 'site.test': port() } });
    proxies.push(proxy);
    // The fixture speaks plain http, so the TLS handshake through the tunnel fails: a TLS error, and the tunnel was made.
    const [record] = await titles([`https://site.test:${port()}/page/tls`], { proxy: proxy.url });
    expect(record?.error?.code).toBe('TLS');
    expect(proxy.carried).toEqual([`site.test:${port()}`]);
  });

  it('records PROXY, retried, when the proxy refuses the connection', async () => {
    const closed = new URL(await refusedUrl());
    const records: TitleRecord[] = [];
    const job = startTitlesJob({ lines: [web.url('/page/x').replace('127.0.0.1', 'site.test')], onRecord: (record) => records.push(record), options: { proxy: `http://bob:hunter2@127.0.0.1:${closed.port}`, retries: 1, retryBaseMs: 1 } });
    await job.done;
    expect(records[0]?.error?.code).toBe('PROXY');
    expect(records[0]?.error?.message).toContain(`127.0.0.1:${closed.port}`);
    expect(records[0]?.error?.message).not.toContain('hunter2');
    expect(records[0]?.attempts).toBe(2);
  });
});

describe('through a SOCKS5 proxy', () => {
  it('socks5h lets the proxy resolve names; socks5 resolves them here', async () => {
    const proxy = await startSocksProxy({ hostMap: { 'site.test': port() } });
    proxies.push(proxy);
    const [remote] = await titles([siteUrl('/page/socks')], { proxy: proxy.url.replace('socks5:', 'socks5h:') });
    expect(remote).toMatchObject({ status: 200, title: web.titleFor('/page/socks'), error: null });
    const [local] = await titles([web.url('/page/local')], { proxy: proxy.url });
    expect(local).toMatchObject({ status: 200, title: web.titleFor('/page/local'), error: null });
    expect(proxy.carried).toEqual([`site.test:${port()}`, `127.0.0.1:${port()}`]);
  });

  it('authenticates with user and password, and records PROXY when they are wrong', async () => {
    const proxy = await startSocksProxy({ credentials: 'carol:s3cret', hostMap: { 'site.test': port() } });
    proxies.push(proxy);
    const [good] = await titles([siteUrl('/page/auth')], { proxy: proxy.url.replace('socks5:', 'socks5h:') });
    expect(good?.error).toBeNull();
    const [bad] = await titles([siteUrl('/page/auth')], { proxy: proxy.url.replace('socks5:', 'socks5h:').replace('s3cret', 'nope!') });
    expect(bad?.error?.code).toBe('PROXY');
    expect(bad?.error?.message).toMatch(/rejected the user name or password/);
    expect(bad?.error?.message).not.toContain('nope!');
    const [none] = await titles([siteUrl('/page/auth')], { proxy: `socks5h://127.0.0.1:${proxy.port}` });
    expect(none?.error?.code).toBe('PROXY');
  });

  it('a site that refuses the proxy’s connection is the site’s CONNECT error', async () => {
    const closed = new URL(await refusedUrl());
    const proxy = await startSocksProxy();
    proxies.push(proxy);
    const [record] = await titles([`http://127.0.0.1:${closed.port}/`], { proxy: proxy.url });
    expect(record?.error?.code).toBe('CONNECT');
  });
});

describe('proxies from the environment', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const name of ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy']) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  it('uses HTTP_PROXY, skips NO_PROXY hosts and loopback, and goes direct with the setting "direct"', async () => {
    const proxy = await startHttpProxy({ hostMap: { 'site.test': port(), 'other.test': port() } });
    proxies.push(proxy);
    process.env.HTTP_PROXY = proxy.url;
    process.env.NO_PROXY = 'example.invalid, .other.test';
    const records = await titles([siteUrl('/page/env'), web.url('/page/loopback'), `http://www.other.test:${port()}/page/bypassed`], { proxy: 'environment' });
    expect(records[0]).toMatchObject({ title: web.titleFor('/page/env'), error: null });
    expect(records[1]).toMatchObject({ title: web.titleFor('/page/loopback'), error: null });
    // Bypassed: resolved here, where the name does not exist.
    expect(records[2]?.error?.code).toBe('DNS');
    expect(proxy.carried).toEqual([`site.test:${port()}`]);
    const [direct] = await titles([siteUrl('/page/direct')], { proxy: 'direct' });
    expect(direct?.error?.code).toBe('DNS');
    expect(proxy.carried).toHaveLength(1);
  });

  it('routes https by HTTPS_PROXY and everything by ALL_PROXY when nothing more specific is set', async () => {
    const socks = await startSocksProxy({ hostMap: { 'site.test': port() } });
    proxies.push(socks);
    const { dispatcher, proxied } = createDispatcher('environment', { connections: 2, connectTimeoutMs: 5000 }, { ALL_PROXY: socks.url.replace('socks5:', 'socks5h:') });
    expect(proxied).toBe(true);
    await dispatcher.destroy();
    process.env.ALL_PROXY = socks.url.replace('socks5:', 'socks5h:');
    const [record] = await titles([siteUrl('/page/all')], { proxy: 'environment' });
    expect(record).toMatchObject({ title: web.titleFor('/page/all'), error: null });
    const none = createDispatcher('environment', { connections: 2, connectTimeoutMs: 5000 }, {});
    expect(none.proxied).toBe(false);
    await none.dispatcher.destroy();
  });
});
