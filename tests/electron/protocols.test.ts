/**
 * The app:// and titlewave-preview:// schemes (electron/protocols.ts): what they serve and what they refuse, links
 * that lead out of the build or swap a preview included, through the handlers installed on a mocked Electron protocol.
 */
import { lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { PreviewFile } from '../../src/services/previews.js';
import { PreviewRegistry } from '../../src/services/previews.js';

vi.mock('electron', async () => (await import('./electron-mock.js')).electronModule);

const { protocol } = await import('electron');
const { CONTENT_SECURITY_POLICY, appFilePath, handleAppRequest, handlePreviewRequest, handleProtocols, previewToken } = await import('../../electron/protocols.js');

const root = mkdtempSync(join(tmpdir(), 'titlewave-protocols-'));
const rendererDir = join(root, 'renderer');
mkdirSync(join(rendererDir, 'assets'), { recursive: true });
writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Titlewave</title>');
writeFileSync(join(rendererDir, 'assets', 'index-abc.js'), 'console.log(1)');
writeFileSync(join(rendererDir, '.env'), 'SECRET=1');
writeFileSync(join(root, 'secret.txt'), 'outside the build');
const thumb = join(root, 'cat_64.png');
writeFileSync(thumb, Buffer.from([0x89, 0x50, 0x4e, 0x47]));
const notAnImage = join(root, 'notes.txt');
writeFileSync(notAnImage, 'text');
// Links in the build: to a file outside it, to a folder outside it, and to a file inside it.
mkdirSync(join(root, 'elsewhere'));
writeFileSync(join(root, 'elsewhere', 'private.js'), 'outside the build');
symlinkSync(join(root, 'secret.txt'), join(rendererDir, 'linked.js'));
symlinkSync(join(root, 'elsewhere'), join(rendererDir, 'linked-folder'));
symlinkSync(join(rendererDir, 'assets', 'index-abc.js'), join(rendererDir, 'alias.js'));

/** The handlers as Electron calls them: installed on the (mocked) protocol module. */
function installed(previewFile: (token: string) => PreviewFile | null = () => null) {
  handleProtocols(protocol, rendererDir, previewFile);
  const handlers = (protocol as unknown as { handlers: Map<string, (request: Request) => Promise<Response>> }).handlers;
  return { app: handlers.get('app') as (request: Request) => Promise<Response>, preview: handlers.get('titlewave-preview') as (request: Request) => Promise<Response> };
}

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('app://titlewave', () => {
  it('serves the page with the CSP, nosniff and the right types', async () => {
    const page = await handleAppRequest(rendererDir, new Request('app://titlewave/'));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Titlewave</title>');
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const script = await handleAppRequest(rendererDir, new Request('app://titlewave/assets/index-abc.js'));
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toBe('console.log(1)');
  });

  it('has a CSP without inline script, eval or remote sources', () => {
    const directives = Object.fromEntries(CONTENT_SECURITY_POLICY.split('; ').map((directive) => [directive.split(' ')[0], directive]));
    expect(directives['script-src']).toBe("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    expect(directives['default-src']).toBe("default-src 'none'");
    expect(directives['object-src']).toBe("object-src 'none'");
    expect(directives['img-src']).toContain('titlewave-preview:');
  });

  it.each([
    'app://titlewave/../secret.txt',
    'app://titlewave/%2e%2e/secret.txt',
    'app://titlewave/assets/%2e%2e%2f..%2fsecret.txt',
    'app://titlewave/..%5csecret.txt',
    'app://titlewave/.env',
    'app://titlewave/index.html%00.js',
    'app://titlewave/missing.js',
    'app://other-host/index.html',
    'titlewave-preview://thumb/index.html',
  ])('refuses %s', async (url) => {
    const response = await handleAppRequest(rendererDir, new Request(url));
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('outside the build');
  });

  it('serves no file a link in the build leads to outside it, and a link inside it as the file it names', async () => {
    const { app } = installed();
    for (const url of ['app://titlewave/linked.js', 'app://titlewave/linked-folder/private.js']) {
      const response = await app(new Request(url));
      expect(response.status, url).toBe(404);
      expect(await response.text()).not.toContain('outside the build');
    }
    const alias = await app(new Request('app://titlewave/alias.js'));
    expect(alias.status).toBe(200);
    expect(await alias.text()).toBe('console.log(1)');
    expect((await app(new Request('app://titlewave/'))).status).toBe(200);
  });

  it('answers only reads', async () => {
    const response = await handleAppRequest(rendererDir, new Request('app://titlewave/index.html', { method: 'POST', body: 'x' }));
    expect(response.status).toBe(405);
  });

  it('maps URLs to files inside the build only', () => {
    expect(appFilePath(rendererDir, 'app://titlewave/assets/index-abc.js')).toBe(join(rendererDir, 'assets', 'index-abc.js'));
    expect(appFilePath(rendererDir, 'app://titlewave')).toBe(join(rendererDir, 'index.html'));
    expect(appFilePath(rendererDir, 'app://titlewave/C:%5cWindows')).toBeNull();
    expect(appFilePath(rendererDir, 'app://titlewave/%E0%A4%A')).toBeNull();
  });
});

describe('titlewave-preview://thumb/<token>', () => {
  const registry = new PreviewRegistry();
  const issued = new Map([
    ['tok_123-abc', registry.file(registry.issue(thumb) as string) as PreviewFile],
    ['tok-text', registry.file(registry.issue(notAnImage) as string) as PreviewFile],
  ]);
  const resolvePreview = (token: string) => issued.get(token) ?? null;

  it('serves an output the services issued a token for, as an image, under a closed CSP', async () => {
    const response = await handlePreviewRequest(resolvePreview, new Request('titlewave-preview://thumb/tok_123-abc'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('content-security-policy')).toBe("default-src 'none'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(new Uint8Array([0x89, 0x50, 0x4e, 0x47]));
  });

  it.each([
    'titlewave-preview://thumb/unknown-token',
    'titlewave-preview://thumb/tok-text',
    'titlewave-preview://thumb/..%2Fsecret.txt',
    'titlewave-preview://other/tok_123-abc',
    'titlewave-preview://thumb/tok_123-abc/extra',
    'app://thumb/tok_123-abc',
  ])('refuses %s', async (url) => {
    expect((await handlePreviewRequest(resolvePreview, new Request(url))).status).toBe(404);
  });

  it('serves nothing once the path names another file than the one written, a link to a file outside included', async () => {
    const written = join(root, 'dog_64.png');
    writeFileSync(written, Buffer.from([0x89, 0x50, 0x4e, 0x47, 1]));
    const info = lstatSync(written, { bigint: true });
    // The services' lookup said yes just before the swap: the handler checks the file it opens again.
    const { preview } = installed(() => ({ path: written, dev: info.dev, ino: info.ino }));
    expect((await preview(new Request('titlewave-preview://thumb/tok-dog'))).status).toBe(200);
    writeFileSync(join(root, 'elsewhere', 'photo.png'), 'outside the outputs');
    unlinkSync(written);
    symlinkSync(join(root, 'elsewhere', 'photo.png'), written);
    const swapped = await preview(new Request('titlewave-preview://thumb/tok-dog'));
    expect(swapped.status).toBe(404);
    expect(await swapped.text()).not.toContain('outside the outputs');
  });

  it('takes a token, never a path', () => {
    expect(previewToken('titlewave-preview://thumb/abc_DEF-123')).toBe('abc_DEF-123');
    expect(previewToken('titlewave-preview://thumb//etc/passwd')).toBeNull();
    expect(previewToken('titlewave-preview://thumb/')).toBeNull();
  });
});
