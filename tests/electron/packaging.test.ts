/**
 * Packaging: electron-builder.yml loaded and validated the way electron-builder itself does it (app-builder-lib's
 * getConfig and validateConfiguration); what it makes electron-builder pack (its own file matchers applied to the
 * real tree) and unpack from the asar; the afterPack hook flipping the fuses of an Electron-like binary; and the
 * icons the targets need.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, type Stats } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/package-info.js';

const require = createRequire(import.meta.url);

interface BuilderConfig {
  appId?: string;
  productName?: string;
  electronVersion?: string;
  asar?: boolean;
  asarUnpack?: string[];
  afterPack?: string;
  files?: { filter: string[] }[];
  linux?: { target?: string[]; icon?: string };
  win?: { target?: string[]; icon?: string };
  mac?: { target?: string[]; icon?: string };
  [key: string]: unknown;
}

const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
  getConfig(projectDir: string, configPath: string | null, configFromOptions: null): Promise<BuilderConfig>;
  validateConfiguration(config: BuilderConfig, debugLogger: unknown): Promise<void>;
};
const { getMainFileMatchers, getFileMatchers } = require('app-builder-lib/out/fileMatcher.js') as {
  getMainFileMatchers(appDir: string, destination: string, macroExpander: (pattern: string) => string, platformOptions: unknown, packager: unknown, outDir: string, isElectronCompile: boolean): { createFilter(): Filter }[];
  getFileMatchers(config: BuilderConfig, name: 'asarUnpack', destination: string, options: { macroExpander: (pattern: string) => string; customBuildOptions: unknown; globalOutDir: string; defaultSrc: string }): { createFilter(): Filter }[] | null;
};
const { resolveFunction } = require('app-builder-lib/out/util/resolve.js') as {
  resolveFunction<T>(type: string | undefined, executor: string, name: string, rootSearchDir: string): Promise<T>;
};
const { DebugLogger, Arch, walk } = require('builder-util') as {
  DebugLogger: new (enabled: boolean) => unknown;
  Arch: Record<string, number>;
  walk(dir: string, filter: Filter): Promise<string[]>;
};
type Filter = (file: string, stat: Stats) => boolean;
const { getCurrentFuseWire, FuseV1Options } = require('@electron/fuses') as {
  getCurrentFuseWire(path: string): Promise<Record<string, unknown>>;
  FuseV1Options: Record<string, number>;
};

const scratch = mkdtempSync(join(tmpdir(), 'titlewave-packaging-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const config = await getConfig(packageRoot, null, null);
const outDir = join(packageRoot, (config.directories as { output: string }).output);

/**
 * The project's files electron-builder copies into the app (node_modules aside, which it adds from the production
 * dependencies): its own matchers (our `files` plus its default exclusions) over the real tree, as its copier walks it.
 */
async function appFiles(): Promise<string[]> {
  const packager = { info: { projectDir: packageRoot, buildResourcesDir: 'build', isPrepackedAppAsar: false, config, debugLogger: { isEnabled: false } } };
  const matchers = getMainFileMatchers(packageRoot, '/out/resources/app', (pattern) => pattern, config.linux ?? {}, packager, outDir, false);
  const files = await Promise.all(matchers.map((matcher) => walk(packageRoot, matcher.createFilter())));
  return files.flat().map((file) => relative(packageRoot, file).split(sep).join('/'));
}

const packageJson = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { main: string; devDependencies: Record<string, string> };

describe('electron-builder configuration', () => {
  it('passes electron-builder’s own schema validation', async () => {
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('names the app and pins Electron 45.5.0 exactly', () => {
    expect(config.appId).toBe('com.titlewave.app');
    expect(config.productName).toBe('Titlewave');
    expect(packageJson.devDependencies.electron).toBe('45.5.0');
    expect(config.electronVersion).toBe('45.5.0');
  });

  it('builds AppImage and deb, NSIS, dmg, each with its icon', () => {
    expect(config.linux?.target).toEqual(['AppImage', 'deb']);
    expect(config.win?.target).toEqual(['nsis']);
    expect(config.mac?.target).toEqual(['dmg']);
    for (const icon of [config.linux?.icon, config.win?.icon, config.mac?.icon]) expect(existsSync(join(packageRoot, icon as string))).toBe(true);
  });

  it('packs into an asar, with the files sharp loads through the OS loader (its addon, libvips) left unpacked', async () => {
    expect(config.asar).toBe(true);
    // The filter electron-builder's asar packer asks, file by file, whether to unpack.
    const unpack = getFileMatchers(config, 'asarUnpack', '/out/resources/app', { macroExpander: (pattern) => pattern, customBuildOptions: {}, globalOutDir: outDir, defaultSrc: packageRoot })?.[0]?.createFilter();
    expect(unpack).toBeDefined();
    const unpacked = async (relative: string) => (unpack as Filter)(join(packageRoot, relative), await lstat(join(packageRoot, relative)));
    const img = join(packageRoot, 'node_modules', '@img');
    const nativeFiles = readdirSync(img, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.node') || /\blibvips[^/]*\.(so|dylib|dll)\b/.test(name));
    expect(nativeFiles.some((name) => name.endsWith('.node'))).toBe(true);
    expect(nativeFiles.some((name) => name.includes('libvips'))).toBe(true);
    for (const name of nativeFiles) expect(await unpacked(join('node_modules', '@img', name)), name).toBe(true);
    expect(await unpacked('node_modules/sharp/package.json')).toBe(true);
    // Everything else stays inside the archive.
    expect(await unpacked('node_modules/zod/package.json')).toBe(false);
    expect(await unpacked('dist/electron/main.js')).toBe(false);
    expect(await unpacked('dist/src/workers/worker.js')).toBe(false);
  });

  it('packs the built main, preload, worker entry and renderer, and nothing else of the project', async () => {
    const packed = (await appFiles()).sort();
    for (const built of ['package.json', 'dist/electron/main.js', 'dist/electron/preload.cjs', 'dist/src/workers/worker.js', 'dist/src/services/index.js', 'dist/renderer/index.html']) {
      expect(packed, built).toContain(built);
    }
    expect(packageJson.main).toBe('dist/electron/main.js');
    // Only the build: no sources, tests, benchmarks, docs, build scripts, browser-mode bridge or CLI launcher.
    const outside = packed.filter((file) => file !== 'package.json' && !/^dist\/(electron|src|renderer)\//.test(file));
    expect(outside).toEqual([]);
    for (const file of ['src/contract.ts', 'tests/electron/packaging.test.ts', 'bench/run.mjs', 'dist/web/bridge.js', 'dist/titlewave.cjs']) {
      expect(existsSync(join(packageRoot, file)), file).toBe(true);
      expect(packed, file).not.toContain(file);
    }
    // No source maps, no page-side code compiled by tsc, no test-only worker tasks.
    expect(packed.filter((file) => file.endsWith('.map'))).toEqual([]);
    expect(packed.filter((file) => file.startsWith('dist/src/server/client/'))).toEqual([]);
    expect(packed).not.toContain('dist/src/workers/test-tasks.js');
  });
});

/** A file laid out like an Electron binary's fuse wire: sentinel, wire version 1, length, then one byte per fuse. */
function fakeElectronBinary(path: string, fuses: string): void {
  writeFileSync(path, Buffer.concat([Buffer.alloc(4096, 0x90), Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'), Buffer.from([1, fuses.length]), Buffer.from(fuses, 'latin1'), Buffer.alloc(4096, 0x90)]));
}

describe('the afterPack hook', () => {
  it('is loaded by electron-builder’s own hook resolver and flips the fuses of the packed Linux binary', async () => {
    const afterPack = await resolveFunction<(context: unknown) => Promise<void>>(undefined, config.afterPack as string, 'afterPack', packageRoot);
    expect(typeof afterPack).toBe('function');
    const appOutDir = join(scratch, 'linux-unpacked');
    mkdirSync(appOutDir);
    // Electron's defaults: RunAsNode on, cookie encryption off, NODE_OPTIONS on, --inspect on, asar integrity off,
    // only-asar off, browser snapshot off, file:// privileges on; plus one fuse newer than @electron/fuses knows.
    fakeElectronBinary(join(appOutDir, 'titlewave'), '101100011');
    await afterPack({ appOutDir, electronPlatformName: 'linux', arch: Arch.x64, packager: { executableName: 'titlewave', appInfo: { productFilename: 'Titlewave' } } });
    const wire = await getCurrentFuseWire(join(appOutDir, 'titlewave'));
    const state = (name: string) => String.fromCharCode(wire[FuseV1Options[name] as number] as number);
    expect(state('RunAsNode')).toBe('0');
    expect(state('EnableCookieEncryption')).toBe('1');
    expect(state('EnableNodeOptionsEnvironmentVariable')).toBe('0');
    expect(state('EnableNodeCliInspectArguments')).toBe('0');
    expect(state('EnableEmbeddedAsarIntegrityValidation')).toBe('1');
    expect(state('OnlyLoadAppFromAsar')).toBe('1');
    expect(state('GrantFileProtocolExtraPrivileges')).toBe('0');
    // Fuses it does not set keep Electron's default.
    expect(state('LoadBrowserProcessSpecificV8Snapshot')).toBe('0');
    expect(String.fromCharCode(wire[8] as number)).toBe('1');
  });

  it('finds the executable on every platform and resets the ad-hoc signature only for Apple Silicon builds', async () => {
    const { electronBinaryPath, fuseConfig } = await import('../../build/after-pack.mjs');
    const packager = { executableName: 'titlewave', appInfo: { productFilename: 'Titlewave' } };
    expect(electronBinaryPath({ appOutDir: '/o', electronPlatformName: 'darwin', packager })).toBe('/o/Titlewave.app');
    expect(electronBinaryPath({ appOutDir: '/o', electronPlatformName: 'win32', packager })).toBe('/o/Titlewave.exe');
    expect(electronBinaryPath({ appOutDir: '/o', electronPlatformName: 'linux', packager })).toBe('/o/titlewave');
    expect(fuseConfig('darwin', Arch.arm64 as number).resetAdHocDarwinSignature).toBe(true);
    expect(fuseConfig('darwin', Arch.universal as number).resetAdHocDarwinSignature).toBe(true);
    expect(fuseConfig('darwin', Arch.x64 as number).resetAdHocDarwinSignature).toBe(false);
    expect(fuseConfig('linux', Arch.arm64 as number).resetAdHocDarwinSignature).toBe(false);
    expect(fuseConfig('win32', Arch.x64 as number)).toMatchObject({ version: '1', [FuseV1Options.RunAsNode as number]: false, [FuseV1Options.OnlyLoadAppFromAsar as number]: true });
  });
});

describe('icons', () => {
  it('has a 1024 px app icon and a Linux set whose sizes match their names', async () => {
    expect(await sharp(join(packageRoot, 'build', 'icon.png')).metadata()).toMatchObject({ width: 1024, height: 1024, format: 'png', hasAlpha: true });
    const set = readdirSync(join(packageRoot, 'build', 'icons'));
    expect(set).toEqual(expect.arrayContaining(['16x16.png', '32x32.png', '48x48.png', '256x256.png', '512x512.png']));
    for (const name of set) {
      const size = Number(name.split('x')[0]);
      expect(await sharp(join(packageRoot, 'build', 'icons', name)).metadata(), name).toMatchObject({ width: size, height: size });
    }
  });

  it('has a Windows .ico whose entries are real PNGs of the sizes it declares, up to 256', async () => {
    const ico = readFileSync(join(packageRoot, 'build', 'icon.ico'));
    expect(ico.readUInt16LE(2)).toBe(1);
    const count = ico.readUInt16LE(4);
    const sizes: number[] = [];
    for (let i = 0; i < count; i++) {
      const entry = 6 + 16 * i;
      const declared = ico.readUInt8(entry) || 256;
      const image = ico.subarray(ico.readUInt32LE(entry + 12), ico.readUInt32LE(entry + 12) + ico.readUInt32LE(entry + 8));
      expect((await sharp(image).metadata()).width).toBe(declared);
      sizes.push(declared);
    }
    expect(sizes).toEqual(expect.arrayContaining([16, 32, 48, 256]));
  });

  it('has a macOS .icns of PNG entries up to 1024', async () => {
    const icns = readFileSync(join(packageRoot, 'build', 'icon.icns'));
    expect(icns.subarray(0, 4).toString('latin1')).toBe('icns');
    expect(icns.readUInt32BE(4)).toBe(icns.length);
    const types = new Map<string, number>();
    for (let offset = 8; offset < icns.length; offset += icns.readUInt32BE(offset + 4)) {
      const png = icns.subarray(offset + 8, offset + icns.readUInt32BE(offset + 4));
      types.set(icns.subarray(offset, offset + 4).toString('latin1'), (await sharp(png).metadata()).width as number);
    }
    expect(types.get('ic10')).toBe(1024);
    expect(types.get('ic09')).toBe(512);
    expect(types.get('ic07')).toBe(128);
  });
});
