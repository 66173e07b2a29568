/** Options, validation and output paths: pure, browser-safe code shared by the engine and the renderer's preview. */
import { describe, expect, it } from 'vitest';
import {
  defaultThumbsOptions,
  outputFolderFor,
  outputPathFor,
  outputRootFor,
  patternProblem,
  stemOf,
  thumbDimensions,
  thumbsOptionsProblem,
} from '../../src/thumbs/options.js';
import type { ThumbsOptions } from '../../src/thumbs/types.js';

const options = (overrides: Partial<ThumbsOptions> = {}): ThumbsOptions => ({ ...defaultThumbsOptions, ...overrides });

describe('defaults', () => {
  it('are the documented ones', () => {
    expect(defaultThumbsOptions).toEqual({
      sizes: [32, 64, 128],
      format: 'png',
      quality: 80,
      outDir: null,
      pattern: '{name}_{size}.{ext}',
      mirrorFolders: true,
      existing: 'skip',
      keepMetadata: false,
    });
    expect(thumbsOptionsProblem(defaultThumbsOptions)).toBeNull();
  });

  it('cannot be changed by accident', () => {
    expect(Object.isFrozen(defaultThumbsOptions)).toBe(true);
    expect(Object.isFrozen(defaultThumbsOptions.sizes)).toBe(true);
  });
});

describe('thumbDimensions', () => {
  it('fits inside the box, keeps the aspect ratio and never enlarges', () => {
    expect(thumbDimensions(3000, 2000, 128)).toEqual({ width: 128, height: 85 });
    expect(thumbDimensions(2000, 3000, 128)).toEqual({ width: 85, height: 128 });
    expect(thumbDimensions(500, 500, 64)).toEqual({ width: 64, height: 64 });
    expect(thumbDimensions(10000, 10, 32)).toEqual({ width: 32, height: 1 });
    expect(thumbDimensions(100, 60, 128)).toEqual({ width: 100, height: 60 });
    expect(thumbDimensions(128, 20, 128)).toEqual({ width: 128, height: 20 });
  });
});

describe('output paths', () => {
  it('default: a folder of its own in a thumbnails folder beside the given folder, subfolders mirrored', () => {
    const root = '/home/me/photos';
    expect(outputRootFor('/home/me/photos/trip/a.jpg', root, options())).toBe('/home/me/thumbnails/photos');
    expect(outputPathFor('/home/me/photos/trip/day 1/a.jpg', root, 64, options())).toBe('/home/me/thumbnails/photos/trip/day 1/a_64.png');
    expect(outputPathFor('/home/me/photos/b.jpeg', root, 32, options())).toBe('/home/me/thumbnails/photos/b_32.png');
    // A trailing separator on the root changes nothing.
    expect(outputPathFor('/home/me/photos/trip/a.jpg', '/home/me/photos/', 64, options())).toBe('/home/me/thumbnails/photos/trip/a_64.png');
  });

  it('default: sibling folders never share outputs, however alike their files are named', () => {
    const a = outputPathFor('/home/me/2023/a.jpg', '/home/me/2023', 64, options());
    const b = outputPathFor('/home/me/2024/a.jpg', '/home/me/2024', 64, options());
    expect(a).toBe('/home/me/thumbnails/2023/a_64.png');
    expect(b).toBe('/home/me/thumbnails/2024/a_64.png');
    // Nor with a file given beside them: its outputs sit beside the folders', named after it.
    expect(outputPathFor('/home/me/a.jpg', null, 64, options())).toBe('/home/me/thumbnails/a_64.png');
  });

  it('default for a file given directly: a thumbnails folder beside the file', () => {
    expect(outputPathFor('/home/me/a.png', null, 128, options())).toBe('/home/me/thumbnails/a_128.png');
    expect(outputRootFor('/a.png', null, options())).toBe('/thumbnails');
  });

  it('a chosen output folder, mirrored or flat', () => {
    const input = '/data/in/x/y/pic.tif';
    expect(outputPathFor(input, '/data/in', 64, options({ outDir: '/out/' }))).toBe('/out/x/y/pic_64.png');
    expect(outputPathFor(input, '/data/in', 64, options({ outDir: '/out', mirrorFolders: false }))).toBe('/out/pic_64.png');
    expect(outputFolderFor(input, '/data/in', options({ outDir: '/out' }))).toBe('/out/x/y');
    expect(outputPathFor(input, null, 64, options({ outDir: '/out' }))).toBe('/out/pic_64.png');
  });

  it('the extension follows the format; the name is the input name without its last extension', () => {
    expect(outputPathFor('/p/a.b.jpg', null, 64, options({ format: 'jpeg' }))).toBe('/p/thumbnails/a.b_64.jpg');
    expect(outputPathFor('/p/a.png', null, 64, options({ format: 'webp' }))).toBe('/p/thumbnails/a_64.webp');
    expect(outputPathFor('/p/a.png', null, 64, options({ format: 'avif' }))).toBe('/p/thumbnails/a_64.avif');
    expect(stemOf('/p/.hidden')).toBe('.hidden');
    expect(stemOf('/p/noext')).toBe('noext');
  });

  it('fills {width} and {height} when the size is known, and keeps them for a preview', () => {
    const pattern = '{name}-{width}x{height}.{ext}';
    expect(outputPathFor('/p/a.jpg', null, 64, options({ pattern }), { width: 64, height: 43 })).toBe('/p/thumbnails/a-64x43.png');
    expect(outputPathFor('/p/a.jpg', null, 64, options({ pattern }))).toBe('/p/thumbnails/a-{width}x{height}.png');
  });

  it('a pattern may name subfolders', () => {
    expect(outputPathFor('/p/a.jpg', null, 64, options({ pattern: '{size}/{name}.{ext}' }))).toBe('/p/thumbnails/64/a.png');
  });

  it('Windows paths keep backslashes, drive roots and case-insensitive mirroring', () => {
    const root = 'C:\\Users\\Me\\Pictures';
    expect(outputPathFor('C:\\Users\\Me\\Pictures\\Trip\\a.jpg', root, 64, options())).toBe('C:\\Users\\Me\\thumbnails\\Pictures\\Trip\\a_64.png');
    expect(outputPathFor('C:\\Users\\Me\\Pictures\\Trip\\a.jpg', 'c:\\users\\me\\pictures\\', 64, options({ outDir: 'D:\\thumbs' }))).toBe('D:\\thumbs\\Trip\\a_64.png');
    expect(outputPathFor('C:\\a.jpg', null, 32, options())).toBe('C:\\thumbnails\\a_32.png');
    expect(outputPathFor('\\\\server\\share\\pics\\a.jpg', '\\\\server\\share\\pics', 32, options())).toBe('\\\\server\\share\\thumbnails\\pics\\a_32.png');
    expect(outputPathFor('C:\\p\\a.jpg', null, 64, options({ pattern: '{size}/{name}.{ext}' }))).toBe('C:\\p\\thumbnails\\64\\a.png');
  });

  it('on POSIX a backslash is part of a name, not a separator', () => {
    expect(outputPathFor('/p/odd\\name.jpg', null, 32, options())).toBe('/p/thumbnails/odd\\name_32.png');
  });

  it('a root that is not a folder of the input mirrors nothing', () => {
    expect(outputPathFor('/elsewhere/a.jpg', '/p', 32, options({ outDir: '/out' }))).toBe('/out/a_32.png');
  });
});

describe('validation', () => {
  it('accepts good options and names the problem with bad ones', () => {
    expect(thumbsOptionsProblem(options({ sizes: [16, 4096], format: 'avif', quality: 1 }))).toBeNull();
    expect(thumbsOptionsProblem(options({ sizes: [] }))).toMatch(/at least one size/);
    expect(thumbsOptionsProblem(options({ sizes: [0] }))).toMatch(/size 0/);
    expect(thumbsOptionsProblem(options({ sizes: [4097] }))).toMatch(/size 4097/);
    expect(thumbsOptionsProblem(options({ sizes: [1.5] }))).toMatch(/size 1.5/);
    expect(thumbsOptionsProblem(options({ sizes: [64, 64] }))).toMatch(/twice/);
    expect(thumbsOptionsProblem(options({ sizes: Array.from({ length: 17 }, (_, i) => i + 1) }))).toMatch(/at most 16/);
    expect(thumbsOptionsProblem(options({ format: 'gif' as never }))).toMatch(/format gif/);
    expect(thumbsOptionsProblem(options({ quality: 0 }))).toMatch(/quality/);
    expect(thumbsOptionsProblem(options({ quality: 101 }))).toMatch(/quality/);
    expect(thumbsOptionsProblem(options({ outDir: '' }))).toMatch(/output folder/);
    expect(thumbsOptionsProblem(options({ existing: 'replace' as never }))).toMatch(/existing/);
  });

  it('checks the name pattern', () => {
    expect(patternProblem('{name}_{size}.{ext}', 3)).toBeNull();
    expect(patternProblem('{name}_{width}x{height}.{ext}', 3)).toBeNull();
    expect(patternProblem('{name}.{ext}', 1)).toBeNull();
    expect(patternProblem('', 1)).toMatch(/empty/);
    expect(patternProblem('thumb_{size}.png', 1)).toMatch(/\{name\}/);
    expect(patternProblem('{name}.{ext}', 2)).toMatch(/\{size\}/);
    expect(patternProblem('{name}_{colour}.{ext}', 1)).toMatch(/unknown placeholder \{colour\}/);
    expect(patternProblem('../{name}_{size}', 1)).toMatch(/"\.\."/);
    expect(patternProblem('/abs/{name}_{size}', 1)).toMatch(/absolute/);
    expect(patternProblem('{name}:{size}', 1)).toMatch(/character/);
    expect(patternProblem('x'.repeat(201) + '{name}', 1)).toMatch(/longer than 200/);
  });
});
