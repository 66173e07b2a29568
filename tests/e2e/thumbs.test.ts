/**
 * The Thumbnails tab end to end, in Chromium, through browser mode (`titlewave serve`): a folder of real images made
 * here with sharp (JPEG, PNG with alpha, one in a subfolder, a non-image, a hidden file, a corrupt JPEG), typed in as a
 * path; what was found; start; thumbnails appear in the live grid and load; outputs are on disk at the sizes asked
 * for; the corrupt file is listed with its reason; "Open output folder" appears.
 */
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultThumbsOptions, outputPathFor } from '../../src/thumbs/options.js';
import { launchChromium, makeTempDir, openApp, removeDir, startServe, type AppPage, type ServeProcess } from './helpers.js';

let serve: ServeProcess;
let browser: Browser;
let app: AppPage;
let page: Page;
let dataDir: string;
let workDir: string;
let photos: string;

/** The images made for the test: path below `photos`, and pixel size. */
const images = [
  { file: 'beach.jpg', width: 300, height: 200 },
  { file: 'logo.png', width: 90, height: 160 },
  { file: join('trip', 'hill.jpg'), width: 240, height: 240 },
];

async function makePhotos(root: string): Promise<void> {
  await mkdir(join(root, 'trip'), { recursive: true });
  const noise = (width: number, height: number, channels: 3 | 4) =>
    sharp({ create: { width, height, channels, background: { r: 200, g: 80, b: 40, alpha: 0.6 }, noise: { type: 'gaussian', mean: 128, sigma: 40 } } });
  await noise(300, 200, 3).jpeg().toFile(join(root, 'beach.jpg'));
  await noise(90, 160, 4).png().toFile(join(root, 'logo.png'));
  await noise(240, 240, 3).jpeg().toFile(join(root, 'trip', 'hill.jpg'));
  await writeFile(join(root, 'notes.txt'), 'not an image\n');
  await noise(40, 40, 3).jpeg().toFile(join(root, '.hidden.jpg'));
  // A JPEG cut short: its header promises an image its body does not hold.
  const whole = await noise(200, 200, 3).jpeg().toBuffer();
  await writeFile(join(root, 'broken.jpg'), whole.subarray(0, Math.floor(whole.length / 3)));
}

const inputsCard = () => page.getByRole('region', { name: 'Images', exact: true });
const runRegion = () => page.getByRole('region', { name: 'Thumbnails', exact: true });

beforeAll(async () => {
  [dataDir, workDir] = await Promise.all([makeTempDir(), makeTempDir('titlewave-thumbs-')]);
  photos = join(workDir, 'Photos');
  await makePhotos(photos);
  // The folder the Thumbnails tab browses is the server's home folder: here, the test's own folder.
  [serve, browser] = await Promise.all([startServe(dataDir, [], { HOME: workDir }), launchChromium()]);
  app = await openApp(browser, serve.url);
  page = app.page;
  await page.getByRole('tab', { name: 'Thumbnails' }).click();
});

afterAll(async () => {
  await app?.context.close();
  await browser?.close();
  await serve?.stop();
  await removeDir(dataDir);
  await removeDir(workDir);
});

describe('Thumbnails tab in browser mode', () => {
  it('takes a typed folder path and says what it found and skipped', async () => {
    const card = inputsCard();
    // Browser mode has no native dialogs: the path field is the way in.
    expect(await card.getByRole('button', { name: 'Choose folder…' }).count()).toBe(0);
    await card.getByLabel('Folder or image path').fill(photos);
    await card.getByRole('button', { name: 'Add' }).click();
    await expect.poll(() => card.getByText('4 images found').count(), { timeout: 20_000 }).toBe(1);
    await card.getByRole('button', { name: '1 file skipped' }).click();
    const skipped = card.getByRole('list', { name: '1 file skipped' });
    await expect(skipped.getByText('notes.txt').count()).resolves.toBe(1);
    // Hidden files are left out without a word.
    await expect(card.getByText('.hidden.jpg').count()).resolves.toBe(0);
    // The live preview shows where the first image's largest thumbnail goes, as the engine computes it.
    const preview = page.getByTestId('thumbs-output-preview');
    const first = join(photos, 'beach.jpg');
    await expect(preview.textContent()).resolves.toBe(outputPathFor(first, photos, 128, defaultThumbsOptions));
  });

  it('makes the thumbnails: they appear in the grid and load, and the files are on disk', async () => {
    const run = runRegion();
    await run.getByRole('button', { name: /^Make thumbnails/ }).click();
    await expect.poll(() => run.getByRole('status').textContent(), { timeout: 30_000 }).toMatch(/^Finished: 3 images/);
    await expect(run.getByTestId('thumbs-done').textContent()).resolves.toBe('3');
    await expect(run.getByTestId('thumbs-failed').textContent()).resolves.toBe('1');

    const grid = run.getByRole('list', { name: 'Thumbnails made' });
    const pictures = grid.getByRole('img');
    await expect.poll(() => pictures.count()).toBe(3);
    // Every preview really loaded (through the host's preview channel, not file://).
    const naturalWidths = () => pictures.evaluateAll((elements) => elements.map((element) => (element as unknown as { naturalWidth: number }).naturalWidth));
    await expect.poll(async () => (await naturalWidths()).every((width) => width > 0)).toBe(true);
    for (const src of await pictures.evaluateAll((elements) => elements.map((element) => (element as unknown as { src: string }).src))) {
      expect(src).not.toMatch(/^file:/);
      expect(src).not.toContain(encodeURIComponent(photos));
    }

    // Outputs on disk at every size, fitted inside the box with the aspect ratio kept, never enlarged.
    for (const image of images) {
      for (const size of defaultThumbsOptions.sizes) {
        const output = outputPathFor(join(photos, image.file), photos, size, defaultThumbsOptions);
        const meta = await sharp(output).metadata();
        const scale = Math.min(1, size / Math.max(image.width, image.height));
        expect(meta.format, output).toBe('png');
        expect(meta.width, output).toBe(Math.max(1, Math.round(image.width * scale)));
        expect(meta.height, output).toBe(Math.max(1, Math.round(image.height * scale)));
      }
    }
    // Subfolders are mirrored.
    expect((await stat(outputPathFor(join(photos, 'trip', 'hill.jpg'), photos, 64, defaultThumbsOptions))).isFile()).toBe(true);
    expect(outputPathFor(join(photos, 'trip', 'hill.jpg'), photos, 64, defaultThumbsOptions)).toBe(join(workDir, 'thumbnails', 'Photos', 'trip', 'hill_64.png'));
  });

  it('lists the corrupt file with its reason, and offers the output folder', async () => {
    const run = runRegion();
    const failures = run.getByRole('region', { name: '1 file failed' });
    await expect(failures.getByText('broken.jpg').count()).resolves.toBe(1);
    // The error code as a label in the user's language, then the engine's message.
    await expect(failures.locator('.thumbs-failures__code').textContent()).resolves.toBe('Corrupt');
    const message = await failures.locator('.thumbs-failures__message').textContent();
    expect(message?.length).toBeGreaterThan(8);
    await expect(run.getByRole('button', { name: 'Open output folder' }).isVisible()).resolves.toBe(true);
    expect(app.errors).toEqual([]);
  });

  it('leaves existing thumbnails as they are on a second run (the default)', async () => {
    const run = runRegion();
    const output = outputPathFor(join(photos, 'beach.jpg'), photos, 64, defaultThumbsOptions);
    const before = (await stat(output)).mtimeMs;
    await run.getByRole('button', { name: /^Make thumbnails/ }).click();
    await expect.poll(() => run.getByTestId('thumbs-skipped').textContent(), { timeout: 30_000 }).toBe('3');
    await expect.poll(() => run.getByRole('status').textContent()).toMatch(/^Finished/);
    await expect(run.getByTestId('thumbs-done').textContent()).resolves.toBe('0');
    expect((await stat(output)).mtimeMs).toBe(before);
    // They are Titlewave's thumbnails of these same images: shown as they are, each tile saying it was there already.
    const grid = run.getByRole('list', { name: 'Thumbnails made' });
    await expect(grid.getByText('Already there').count()).resolves.toBe(3);
    const pictures = grid.getByRole('img');
    await expect.poll(() => pictures.evaluateAll((elements) => elements.map((element) => (element as unknown as { naturalWidth: number }).naturalWidth))).toEqual([
      expect.any(Number),
      expect.any(Number),
      expect.any(Number),
    ]);
    await expect
      .poll(async () => (await pictures.evaluateAll((elements) => elements.map((element) => (element as unknown as { naturalWidth: number }).naturalWidth))).every((width) => width > 0))
      .toBe(true);
  });

  it('gives a sibling folder with alike file names thumbnails of its own: nothing of the other counts as already there', async () => {
    // Photos2 beside Photos, with a beach.jpg of its own (another picture, another size).
    const sibling = join(workDir, 'Photos2');
    await mkdir(sibling);
    await sharp({ create: { width: 120, height: 240, channels: 3, background: '#2a6' } }).jpeg().toFile(join(sibling, 'beach.jpg'));
    const card = inputsCard();
    const run = runRegion();
    await card.getByRole('button', { name: 'Clear' }).click();
    await card.getByLabel('Folder or image path').fill(sibling);
    await card.getByRole('button', { name: 'Add' }).click();
    await expect.poll(() => card.getByText('1 image found').count(), { timeout: 20_000 }).toBe(1);
    await run.getByRole('button', { name: /^Make thumbnails/ }).click();
    await expect.poll(() => run.getByRole('status').textContent(), { timeout: 30_000 }).toMatch(/^Finished: 1 images?/);
    await expect(run.getByTestId('thumbs-done').textContent()).resolves.toBe('1');
    await expect(run.getByTestId('thumbs-skipped').textContent()).resolves.toBe('0');
    const output = join(workDir, 'thumbnails', 'Photos2', 'beach_64.png');
    expect(await sharp(output).metadata()).toMatchObject({ width: 32, height: 64 });
    // Photos' own thumbnail of its beach.jpg is as it was.
    expect(await sharp(join(workDir, 'thumbnails', 'Photos', 'beach_64.png')).metadata()).toMatchObject({ width: 64, height: 43 });
  });

  it('says plainly that a drop cannot work in a browser, naming what was dropped', async () => {
    const card = inputsCard();
    await expect(card.getByText('Dropping files here cannot work: a browser never tells a page where a dropped file is on the disk.', { exact: false }).count()).resolves.toBe(1);
    // A page expression as a string: this file type-checks without the DOM library.
    const dataTransfer = await page.evaluateHandle(`(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['x'], 'dropped.jpg', { type: 'image/jpeg' }));
      return transfer;
    })()`);
    // The whole tab takes drops, not only the drop area; here it refuses them as they are dragged over.
    const zone = page.getByRole('region', { name: 'Settings', exact: true });
    await zone.dispatchEvent('dragenter', { dataTransfer });
    await expect.poll(() => card.getByText('Dropping cannot add files here').count()).toBe(1);
    // Dragged over, the tab answers "no drop" (the pointer shows it), where the desktop app answers "copy".
    const effect = await zone.evaluate((element, transfer) => {
      const page = globalThis as unknown as { DragEvent: new (type: string, init: object) => unknown };
      const drag = transfer as { dropEffect: string };
      drag.dropEffect = 'copy';
      (element as unknown as { dispatchEvent(event: unknown): boolean }).dispatchEvent(new page.DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }));
      return drag.dropEffect;
    }, dataTransfer);
    expect(effect).toBe('none');
    await zone.dispatchEvent('drop', { dataTransfer });
    await expect.poll(() => card.getByRole('alert').textContent()).toMatch(/^The browser did not say where “dropped\.jpg” is on the disk, so nothing was added/);
  });

  it('browses the folders of the home folder with their images counted, and adds the one chosen', async () => {
    const card = inputsCard();
    await card.getByRole('button', { name: 'Clear' }).click();
    await card.getByRole('button', { name: 'Browse folders…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Choose a folder' });
    const folders = dialog.getByRole('list', { name: 'Folders' });
    // The home folder is the test's folder: Photos (3 images, and a subfolder) among the others.
    await expect.poll(() => folders.getByRole('button', { name: /^Photos \(/ }).getAttribute('aria-label')).toBe('Photos (3 images · 1 folder)');
    await folders.getByRole('button', { name: /^Photos \(/ }).click();
    await expect.poll(() => dialog.locator('.folder-picker__path').textContent()).toBe('~/Photos');
    await expect.poll(() => folders.getByRole('button').evaluateAll((buttons) => buttons.map((button) => (button as unknown as { ariaLabel: string }).ariaLabel))).toEqual(['trip (1 image)']);
    await dialog.getByRole('button', { name: 'Up one folder' }).click();
    await expect.poll(() => dialog.locator('.folder-picker__path').textContent()).toBe('~');
    await expect(dialog.getByRole('button', { name: 'Up one folder' }).isDisabled()).resolves.toBe(true);
    await folders.getByRole('button', { name: /^Photos \(/ }).click();
    await expect.poll(() => dialog.locator('.folder-picker__path').textContent()).toBe('~/Photos');
    await dialog.getByRole('button', { name: 'Add “Photos”' }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    await expect.poll(() => card.getByText('4 images found').count(), { timeout: 20_000 }).toBe(1);
    await expect(card.getByTestId('thumbs-path-status').allTextContents()).resolves.toEqual(['4 images']);
  });

  it('says in the page’s words why a folder cannot be browsed (gone since it was listed), keeping the listing', async () => {
    const gone = join(workDir, 'Gone soon');
    await mkdir(gone);
    const card = inputsCard();
    await card.getByRole('button', { name: 'Browse folders…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Choose a folder' });
    const folders = dialog.getByRole('list', { name: 'Folders' });
    await expect.poll(() => folders.getByRole('button', { name: /^Gone soon \(/ }).count()).toBe(1);
    await rm(gone, { recursive: true });
    await folders.getByRole('button', { name: /^Gone soon \(/ }).click();
    await expect.poll(() => dialog.getByRole('alert').textContent()).toBe('That folder is no longer there.');
    await expect(dialog.locator('.folder-picker__path').textContent()).resolves.toBe('~');
    await expect(folders.getByRole('button', { name: /^Photos \(/ }).count()).resolves.toBe(1);
    // Read again: the folder that is gone is no longer offered.
    await expect.poll(() => folders.getByRole('button', { name: /^Gone soon \(/ }).count()).toBe(0);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
  });

  it('checks each typed path at once: not found, no images, and ~ as the home folder', async () => {
    const card = inputsCard();
    await mkdir(join(workDir, 'Nothing here'), { recursive: true });
    await card.getByRole('button', { name: 'Clear' }).click();
    const field = card.getByLabel('Folder or image path');
    await field.fill('~/Photos');
    await field.press('Enter');
    await field.fill(join(workDir, 'No such folder'));
    await field.press('Enter');
    await field.fill(join(workDir, 'Nothing here'));
    await field.press('Enter');
    await expect.poll(() => card.getByTestId('thumbs-path-status').allTextContents(), { timeout: 20_000 }).toEqual(['4 images', 'Not found', 'No images']);
    await expect(card.locator('.thumbs-inputs__name').first().getAttribute('title')).resolves.toBe(photos);
    for (const name of ['No such folder', 'Nothing here']) await card.getByRole('button', { name: `Remove ${name}` }).click();
  });

  it('updates the output-path preview live as the settings change', async () => {
    const settings = page.getByRole('region', { name: 'Settings', exact: true });
    await settings.getByRole('radio', { name: 'WebP' }).check();
    await expect(settings.getByLabel('Quality').isEnabled()).resolves.toBe(true);
    await settings.getByLabel('Add a size').fill('256');
    await settings.getByLabel('Add a size').press('Enter');
    await settings.getByRole('button', { name: 'Remove size 32' }).click();
    await settings.getByLabel('File names').fill('{name}-{size}px.{ext}');
    const options = { ...defaultThumbsOptions, sizes: [64, 128, 256], format: 'webp' as const, pattern: '{name}-{size}px.{ext}' };
    await expect
      .poll(() => page.getByTestId('thumbs-output-preview').textContent())
      .toBe(outputPathFor(join(photos, 'beach.jpg'), photos, 256, options));
    // A pattern that would make outputs collide is refused before anything starts.
    await settings.getByLabel('File names').fill('thumb.{ext}');
    await expect.poll(() => settings.getByRole('alert').textContent()).toMatch(/Use \{name\}/);
    await expect(runRegion().getByRole('button', { name: /^Make thumbnails/ }).isDisabled()).resolves.toBe(true);
    await settings.getByLabel('File names').fill('{name}_{size}.{ext}');
  });

  it('never walks an output folder set inside the input folder, nor takes its thumbnails for images', async () => {
    const inside = join(workDir, 'Inside');
    await mkdir(inside);
    await sharp({ create: { width: 120, height: 80, channels: 3, background: '#3a7' } }).jpeg().toFile(join(inside, 'one.jpg'));
    await sharp({ create: { width: 80, height: 120, channels: 3, background: '#a37' } }).png().toFile(join(inside, 'two.png'));
    // A name written on a Latin-1 system ("café.jpg", é as the byte 0xE9): shown with the byte escaped, and why.
    await writeFile(Buffer.concat([Buffer.from(join(inside, 'caf')), Buffer.from([0xe9]), Buffer.from('.jpg')]), 'x');
    const out = join(inside, 'thumbs');
    const card = inputsCard();
    const settings = page.getByRole('region', { name: 'Settings', exact: true });
    const run = runRegion();
    await settings.getByRole('textbox', { name: 'Output folder', exact: true }).fill(out);
    await card.getByRole('button', { name: 'Clear' }).click();
    await card.getByLabel('Folder or image path').fill(inside);
    await card.getByRole('button', { name: 'Add' }).click();
    await expect.poll(() => card.getByText('2 images found').count(), { timeout: 20_000 }).toBe(1);
    await run.getByRole('button', { name: /^Make thumbnails/ }).click();
    await expect.poll(() => run.getByRole('status').textContent(), { timeout: 30_000 }).toMatch(/^Finished: 2 images/);
    const made = (await readdir(out)).filter((name) => !name.startsWith('.')).sort();
    expect(made).toHaveLength(6);

    // Looked at again: the thumbnails just made are not images to thumbnail, and the folder says why.
    await card.getByRole('button', { name: 'Clear' }).click();
    await card.getByLabel('Folder or image path').fill(inside);
    await card.getByRole('button', { name: 'Add' }).click();
    await expect.poll(() => card.getByText('2 images found').count(), { timeout: 20_000 }).toBe(1);
    const skipped = card.getByRole('list', { name: '2 files skipped' });
    // The list stays open once opened (an earlier test did). Its button says so once the scan has both skipped files;
    // asked before that (the list then named "1 file skipped"), a click would close an open list.
    const toggle = card.getByRole('button', { name: '2 files skipped' });
    await expect.poll(() => toggle.count(), { timeout: 20_000 }).toBe(1);
    if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
    await expect.poll(() => skipped.getByRole('listitem').allTextContents(), { timeout: 10_000 }).toEqual([
      'caf\\xe9.jpgName is not valid UTF-8 (rename it to include it)',
      'thumbsThe output folder of these thumbnails',
    ]);
    await run.getByRole('button', { name: /^Make thumbnails/ }).click();
    await expect.poll(() => run.getByTestId('thumbs-skipped').textContent(), { timeout: 30_000 }).toBe('2');
    await expect.poll(() => run.getByRole('status').textContent()).toMatch(/^Finished/);
    expect((await readdir(out)).filter((name) => !name.startsWith('.')).sort()).toEqual(made);
    await settings.getByRole('textbox', { name: 'Output folder', exact: true }).fill('');
  });

  it('cancels a running job', async () => {
    const many = join(workDir, 'Many');
    await mkdir(many);
    // One big noisy photo (slow to encode on a busy machine), copied: 160 images that each take a while to thumbnail,
    // so the job is still running when Cancel is clicked.
    const photo = await sharp({ create: { width: 2400, height: 1600, channels: 3, background: { r: 90, g: 120, b: 200 }, noise: { type: 'gaussian', mean: 128, sigma: 30 } } })
      .jpeg()
      .toBuffer();
    await Promise.all(Array.from({ length: 160 }, (_, i) => writeFile(join(many, `shot-${i}.jpg`), photo)));
    const card = inputsCard();
    await card.getByRole('button', { name: 'Clear' }).click();
    await card.getByLabel('Folder or image path').fill(many);
    await card.getByRole('button', { name: 'Add' }).click();
    await expect.poll(() => card.getByText('160 images found').count(), { timeout: 20_000 }).toBe(1);
    const run = runRegion();
    await run.getByRole('button', { name: /^Make thumbnails/ }).click();
    const bar = run.getByRole('progressbar');
    await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow')), { timeout: 20_000 }).toBeGreaterThan(0);
    await run.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => run.getByRole('status').textContent(), { timeout: 10_000 }).toMatch(/^Cancelled after \d+ of 160 images/);
    const done = Number(await bar.getAttribute('aria-valuenow'));
    expect(done).toBeLessThan(160);
    // The images being made when it was cancelled are cancelled, not failed: no red count, no failure listed.
    await expect(run.getByTestId('thumbs-failed').textContent()).resolves.toBe('0');
    await expect(run.getByRole('region', { name: /files? failed/ }).count()).resolves.toBe(0);
    const cancelled = run.getByTestId('thumbs-cancelled');
    if ((await cancelled.count()) > 0) expect(Number(await cancelled.textContent())).toBeGreaterThan(0);
    await expect(run.getByRole('button', { name: /^Make thumbnails/ }).isEnabled()).resolves.toBe(true);
  });
});
