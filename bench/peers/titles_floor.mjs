#!/usr/bin/env node
// The floor of the latency-bound run, for any client: no HTTP library, no parsing, no titles. Keep-alive sockets, a
// request written the moment a slot frees (at most CONCURRENCY in flight, PER_HOST per host, hosts taken in turn), and
// an answer counted as done once its Content-Length bytes are in. What the fixture web and the machine allow; no
// titles client can be faster. Only for the fixture web's plain /page answers (Content-Length, no chunking).
//
// Usage: node titles_floor.mjs URLS_FILE CONCURRENCY PER_HOST   (prints the number of answers read)
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';

const [path, concurrencyArg, perHostArg] = process.argv.slice(2);
const concurrency = Number(concurrencyArg);
const perHost = Number(perHostArg);
const hosts = new Map();
for (const line of readFileSync(path, 'utf8').split('\n')) {
  if (line.trim() === '') continue;
  const url = new URL(line.trim());
  let host = hosts.get(url.host);
  if (host === undefined) hosts.set(url.host, (host = { url, paths: [], busy: 0, idle: [] }));
  host.paths.push(url.pathname + url.search);
}
const ring = [...hosts.values()];
let turn = 0;
let inFlight = 0;
let done = 0;
let remaining = ring.reduce((sum, host) => sum + host.paths.length, 0);

const finished = new Promise((resolve) => {
  const send = (host) => {
    const socket = host.idle.pop() ?? connect(Number(host.url.port), host.url.hostname);
    let head = '';
    let bodyLeft = -1;
    const onData = (chunk) => {
      if (bodyLeft < 0) {
        head += chunk.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        bodyLeft = Number(/\r\ncontent-length: *(\d+)/i.exec(head.slice(0, end))?.[1] ?? 0) - (head.length - end - 4);
      } else bodyLeft -= chunk.length;
      if (bodyLeft > 0) return;
      socket.off('data', onData);
      host.idle.push(socket);
      host.busy -= 1;
      inFlight -= 1;
      done += 1;
      if (remaining === 0 && inFlight === 0) resolve();
      else pump();
    };
    socket.on('data', onData);
    socket.write(`GET ${host.paths.pop()} HTTP/1.1\r\nHost: ${host.url.host}\r\n\r\n`);
  };
  const pump = () => {
    for (let looked = 0; inFlight < concurrency && remaining > 0 && looked < ring.length; ) {
      const host = ring[turn];
      turn = (turn + 1) % ring.length;
      if (host.paths.length === 0 || host.busy >= perHost) {
        looked += 1;
        continue;
      }
      looked = 0;
      host.busy += 1;
      inFlight += 1;
      remaining -= 1;
      send(host);
    }
  };
  pump();
});
await finished;
for (const host of ring) for (const socket of host.idle) socket.destroy();
process.stdout.write(`${done}\n`);
