/** src/fs/paths.ts: the checks every command and the services make on the paths they are given (issue 11). */
import { linkSync, mkdirSync, mkdtempSync, openSync, closeSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertNotAnInput, checkInputFile, checkOutputFile, checkOutputFolder, fileIdentity, PathProblem, sameFile } from '../../src/fs/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'titlewave-paths-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, text = 'x\n'): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

async function problemOf(promise: Promise<unknown>): Promise<PathProblem> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(PathProblem);
  return error as PathProblem;
}

describe('input files', () => {
  it('accepts a readable file and a pipe; refuses a missing file, a folder and an empty name', async () => {
    expect((await checkInputFile(file('in.txt'))).isFile()).toBe(true);
    expect(await problemOf(checkInputFile(join(dir, 'missing.txt')))).toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/cannot read .*missing\.txt: no such file/) });
    expect(await problemOf(checkInputFile(dir))).toMatchObject({ code: 'IS_FOLDER', message: expect.stringMatching(/is a folder/) });
    expect((await problemOf(checkInputFile(''))).code).toBe('EMPTY_PATH');
    expect((await checkInputFile('/dev/null')).isCharacterDevice()).toBe(true);
  });
});

describe('output files and folders', () => {
  it('accepts a new file in an existing folder and an existing file; refuses a folder, a missing folder, a file as the parent', async () => {
    expect(await checkOutputFile(join(dir, 'new.jsonl'))).toBeNull();
    expect((await checkOutputFile(file('old.jsonl')))?.isFile()).toBe(true);
    expect((await problemOf(checkOutputFile(dir))).code).toBe('IS_FOLDER');
    expect(await problemOf(checkOutputFile(join(dir, 'nope', 'out.jsonl')))).toMatchObject({ code: 'NO_FOLDER', message: expect.stringMatching(/the folder .*nope does not exist/) });
    expect(await problemOf(checkOutputFile(join(file('plain.txt'), 'out.jsonl')))).toMatchObject({ code: 'NO_FOLDER' });
    expect((await problemOf(checkOutputFile(''))).code).toBe('EMPTY_PATH');
  });

  it('an output folder may be new or a folder, never a file', async () => {
    await checkOutputFolder(join(dir, 'thumbs-new'));
    await checkOutputFolder(dir);
    expect(await problemOf(checkOutputFolder(file('photo.jpg'), '--out'))).toMatchObject({ code: 'NOT_A_FOLDER', message: expect.stringMatching(/photo\.jpg is a file, not a folder; give a folder for --out/) });
    expect(await problemOf(checkOutputFolder('', '--out'))).toMatchObject({ code: 'EMPTY_PATH', message: '--out needs a folder name' });
  });
});

describe('an output that is an input', () => {
  it('is the same file by device and inode: through a symlink, a hard link, another spelling of the path', async () => {
    const input = file('urls.txt');
    const symlink = join(dir, 'urls-symlink.txt');
    symlinkSync(input, symlink);
    const hardLink = join(dir, 'urls-hardlink.txt');
    linkSync(input, hardLink);
    mkdirSync(join(dir, 'sub'));
    for (const output of [input, symlink, hardLink, join(dir, 'sub', '..', 'urls.txt')]) {
      expect(sameFile(await fileIdentity(output), await fileIdentity(input)), output).toBe(true);
      expect(await problemOf(assertNotAnInput([output], [input], '--output'))).toMatchObject({ code: 'IS_INPUT', message: expect.stringMatching(/--output .* is an input of this run/) });
    }
    // A copy is another file; a file that does not exist yet is no input.
    await assertNotAnInput([file('copy.txt')], [input]);
    await assertNotAnInput([join(dir, 'fresh.jsonl')], [input]);
  });

  it('standard input open on the output file counts (by its descriptor)', async () => {
    const input = file('stdin-list.txt');
    const fd = openSync(input, 'r');
    try {
      expect(await problemOf(assertNotAnInput([input], [{ fd, name: 'standard input' }]))).toMatchObject({ message: expect.stringMatching(/the same file as standard input/) });
      await assertNotAnInput([file('other-output.jsonl')], [{ fd, name: 'standard input' }]);
    } finally {
      closeSync(fd);
    }
  });
});
