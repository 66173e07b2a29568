// Primes benchmark: whole processes, side by side, in rotating order; the best wall time of each counts (the machine
// is shared: the best run is the one least disturbed), the median is shown in the note.
// 1. The tutorial's list (13 numbers x 5, up to 1.1e15): `titlewave primes check N...` against the tutorial's
//    ProcessPoolExecutor trial division (bench/peers/primes_pool.py, Debian's /usr/bin/python3). Target <= 0.05x.
// 2. pi(1e10) and 3. the count of [1e15, 1e15 + 1e9]: `titlewave primes count FROM TO --workers 2` against Debian's
//    `primesieve FROM TO -t2`. Targets (issue 14): <= 3x and <= 4x. Every run's answer is checked (455052511 and
//    28946421).
// Environment: PRIMES_ROUNDS (default 5 for the list, 3 for the counts).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', 'dist', 'titlewave.cjs'); // the installed command (package.json "bin")
const python = '/usr/bin/python3';
const primesieve = '/usr/bin/primesieve';
const tutorialList = [1116281, 1297337, 104395303, 472882027, 533000389, 817504243, 982451653, 112272535095293, 112582705942171, 112272535095293, 115280095190773, 115797848077099, 1099726899285419];

/** Runs a command to completion; resolves with its wall time (ms), stdout, and exit code. */
function timed(command, args) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, stdout, code }));
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Runs each contender `rounds` times, alternating; checks each answer; returns best and median wall ms of each. */
async function sideBySide(log, label, contenders, rounds) {
  const times = contenders.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < contenders.length; i++) {
      const index = (i + round) % contenders.length;
      const contender = contenders[index];
      const result = await timed(contender.command, contender.args);
      if (result.code !== 0) throw new Error(`${contender.name} exited with ${result.code}`);
      const problem = contender.check(result.stdout);
      if (problem) throw new Error(`${contender.name}: ${problem}`);
      times[index].push(result.ms);
      log(`${label} ${contender.name}: ${result.ms.toFixed(0)} ms`);
    }
  }
  return times.map((list) => ({ best: Math.min(...list), median: median(list) }));
}

export default async function run(log) {
  const rows = [];
  const missing = [python, primesieve].filter((path) => !existsSync(path));
  if (missing.length) throw new Error(`bench primes needs ${missing.join(' and ')} (Debian packages python3, primesieve)`);

  // 1. The tutorial's list.
  const listRounds = Number(process.env.PRIMES_ROUNDS ?? 5);
  const numbers = Array.from({ length: 5 }, () => tutorialList).flat().map(String);
  const [check, pool] = await sideBySide(
    log,
    'tutorial list',
    [
      {
        name: 'titlewave primes check',
        command: process.execPath,
        args: [cli, 'primes', 'check', ...numbers],
        check: (stdout) => {
          const records = stdout.trim().split('\n').map((line) => JSON.parse(line));
          const composites = records.filter((r) => r.prime === false).map((r) => r.n);
          return records.length === 65 && composites.length === 5 && composites.every((n) => n === '1099726899285419') ? null : 'wrong records';
        },
      },
      {
        name: 'python ProcessPoolExecutor',
        command: python,
        args: [join(here, 'peers', 'primes_pool.py')],
        check: (stdout) => (stdout.trim().split('\n').filter((line) => line.endsWith('is prime: True')).length === 60 ? null : 'wrong answers'),
      },
    ],
    listRounds,
  );
  rows.push({
    name: 'tutorial list (65 numbers), whole process',
    ours: check.best,
    peer: pool.best,
    unit: 'ms',
    ratio: check.best / pool.best,
    target: '<= 0.05x',
    pass: check.best / pool.best <= 0.05,
    note: `medians ${check.median.toFixed(0)} / ${pool.median.toFixed(0)} ms; peer: tutorial's trial division in a Python process pool`,
  });

  // 2 and 3. Prime counting.
  const countRounds = Number(process.env.PRIMES_ROUNDS ?? 3);
  for (const { name, from, to, expected, target } of [
    { name: 'pi(1e10), 2 workers', from: '0', to: '10000000000', expected: 455052511, target: 3 },
    { name: 'count [1e15, 1e15+1e9], 2 workers', from: '1000000000000000', to: '1000001000000000', expected: 28946421, target: 4 },
  ]) {
    const [ours, peer] = await sideBySide(
      log,
      name,
      [
        {
          name: 'titlewave primes count',
          command: process.execPath,
          args: [cli, 'primes', 'count', from, to, '--workers', '2'],
          check: (stdout) => (JSON.parse(stdout).count === expected ? null : `count ${stdout.trim()} != ${expected}`),
        },
        {
          name: 'primesieve -t2',
          command: primesieve,
          args: [from, to, '-t2', '-q'],
          check: (stdout) => (Number(stdout.trim()) === expected ? null : `count ${stdout.trim()} != ${expected}`),
        },
      ],
      countRounds,
    );
    rows.push({
      name,
      ours: ours.best,
      peer: peer.best,
      unit: 'ms',
      ratio: ours.best / peer.best,
      target: `<= ${target}x`,
      pass: ours.best / peer.best <= target,
      note: `medians ${ours.median.toFixed(0)} / ${peer.median.toFixed(0)} ms; = ${expected}`,
    });
  }
  return rows;
}
