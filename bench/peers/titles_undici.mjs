#!/usr/bin/env node
// The least a Node titles client does: one keep-alive undici Agent (PER_HOST connections per host), a slot per host
// then a global slot, `request()`, the whole body as text, a regex for the title. No charset sniffing, no parser, no
// caps, no retries, no deadline but undici's own: the floor Titlewave's CPU time is measured against.
//
// Usage: node titles_undici.mjs URLS_FILE CONCURRENCY PER_HOST > records.jsonl
// Prints one JSON line per URL ({"url", "title", "error"}).
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';

const [path, concurrencyArg, perHostArg] = process.argv.slice(2);
const concurrency = Number(concurrencyArg);
const perHost = Number(perHostArg);
const urls = readFileSync(path, 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '');
const dispatcher = new Agent({ connections: perHost, pipelining: 1 });
const pattern = /<title>(.*)<\/title>/;

/** A counting semaphore: take() resolves when a unit is free, give() frees one. */
function semaphore(units) {
  const waiting = [];
  return {
    take: () => (units > 0 ? (units -= 1, Promise.resolve()) : new Promise((resolve) => waiting.push(resolve))),
    give: () => {
      const next = waiting.shift();
      if (next) next();
      else units += 1;
    },
  };
}

const global = semaphore(concurrency);
const hosts = new Map();
const out = [];
let buffered = 0;
const write = (line) => {
  out.push(line);
  if ((buffered += line.length) > 64 * 1024) flush();
};
const flush = () => {
  process.stdout.write(out.join(''));
  out.length = 0;
  buffered = 0;
};

async function show(url) {
  const origin = new URL(url).host;
  let host = hosts.get(origin);
  if (!host) hosts.set(origin, (host = semaphore(perHost)));
  await host.take();
  await global.take();
  let title = null;
  let error = null;
  try {
    const { body } = await request(url, { dispatcher });
    title = pattern.exec(await body.text())?.[1] ?? null;
  } catch (e) {
    error = e.name;
  } finally {
    global.give();
    host.give();
  }
  write(JSON.stringify({ url, title, error }) + '\n');
}

await Promise.all(urls.map(show));
flush();
await dispatcher.close();
