import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LockedError, acquireLock, lockHolder, lockPathFor, processAlive } from '../../src/fs/lock.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'titlewave-lock-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A pid that is not running: a child that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.once('exit', resolve));
  expect(processAlive(child.pid!)).toBe(false);
  return child.pid!;
}

/** Other processes load the built module (npm test builds first): Node 20 cannot run the TypeScript source. */
const builtLock = new URL('../../dist/src/fs/lock.js', import.meta.url).pathname;

function childAcquire(target: string, holdMs: number): Promise<{ code: number | null; out: string }> {
  const script = `
    import { acquireLock } from ${JSON.stringify(builtLock)};
    try {
      const lock = await acquireLock(${JSON.stringify(target)}, 'child');
      process.stdout.write('got\\n');
      await new Promise((r) => setTimeout(r, ${holdMs}));
      await lock.release();
    } catch (error) {
      process.stdout.write(error.code === 'LOCKED' ? 'locked\\n' : 'error ' + error.message + '\\n');
    }`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out })));
}

describe('acquireLock', () => {
  it('refuses a second holder in this process and hands the lock on after release', async () => {
    const target = join(dir, 'out.csv');
    const lock = await acquireLock(target, 'titlewave titles');
    expect(lock.path).toBe(lockPathFor(target));
    const refusal = await acquireLock(target, 'titlewave titles').catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(LockedError);
    expect((refusal as LockedError).message).toContain(`process ${process.pid}`);
    expect((refusal as LockedError).message).toContain('titlewave titles');
    await lock.release();
    await lock.release();
    const again = await acquireLock(target, 'titlewave titles');
    await again.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses while another live process holds it', async () => {
    const target = join(dir, 'run');
    const lock = await acquireLock(target, 'titlewave serve');
    const result = await childAcquire(target, 0);
    expect(result.out).toBe('locked\n');
    await lock.release();
    expect((await childAcquire(target, 0)).out).toBe('got\n');
  });

  it("takes over the lock of a process that died, and never one held from another machine", async () => {
    const target = join(dir, 'out.jsonl');
    const pid = await deadPid();
    await writeFile(lockPathFor(target), JSON.stringify({ pid, host: hostname(), purpose: 'titlewave titles', startedAt: 'x', nonce: 'dead' }));
    const lock = await acquireLock(target, 'titlewave titles');
    expect(lock.owner.pid).toBe(process.pid);
    await lock.release();

    await writeFile(lockPathFor(target), JSON.stringify({ pid, host: 'other-machine', purpose: 'titlewave titles', startedAt: 'x', nonce: 'far' }));
    const refusal = await acquireLock(target, 'titlewave titles').catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(LockedError);
    expect((refusal as LockedError).message).toContain('on other-machine');
    expect((refusal as LockedError).message).toContain(lockPathFor(target));
  });

  it('takes over a torn lock file (a crash between create and write)', async () => {
    const target = join(dir, 'out.jsonl');
    await writeFile(lockPathFor(target), '{"pid":');
    const lock = await acquireLock(target, 'titlewave titles');
    lock.releaseSync();
    expect(await readdir(dir)).toEqual([]);
  });

  it('gives a dead process\'s lock to exactly one of many processes taking it over at once', async () => {
    const target = join(dir, 'out.csv');
    const pid = await deadPid();
    await writeFile(lockPathFor(target), JSON.stringify({ pid, host: hostname(), purpose: 'x', startedAt: 'x', nonce: 'dead' }));
    const results = await Promise.all(Array.from({ length: 6 }, () => childAcquire(target, 1500)));
    expect(results.map((r) => r.out).sort()).toEqual(['got\n', 'locked\n', 'locked\n', 'locked\n', 'locked\n', 'locked\n']);
    expect((await readdir(dir)).filter((name) => name.endsWith('.stale'))).toEqual([]);
  });
});

describe('lockHolder', () => {
  it('names the live holder without taking the lock, and nobody for a free or dead one', async () => {
    const target = join(dir, 'run');
    expect(await lockHolder(target)).toBeNull();
    const lock = await acquireLock(target, 'titlewave serve');
    expect(await lockHolder(target)).toEqual(lock.owner);
    // Looking did not take it: still held, still refused.
    await expect(acquireLock(target, 'other')).rejects.toBeInstanceOf(LockedError);
    await lock.release();
    expect(await lockHolder(target)).toBeNull();

    await writeFile(lockPathFor(target), JSON.stringify({ pid: await deadPid(), host: hostname(), purpose: 'gone', startedAt: 'x', nonce: 'dead' }));
    expect(await lockHolder(target)).toBeNull();
    await writeFile(lockPathFor(target), JSON.stringify({ pid: 1, host: 'other-machine', purpose: 'far', startedAt: 'x', nonce: 'far' }));
    expect(await lockHolder(target)).toMatchObject({ host: 'other-machine', purpose: 'far' });
    await writeFile(lockPathFor(target), '{"pid":');
    expect(await lockHolder(target)).toBeNull();
  });
});
