/**
 * Loopback hosts that log when each request arrives, in a process of their own (so the client's busy event loop
 * cannot delay the timestamps): `node arrival-server.mjs HOSTS [robots]`. Prints one JSON line
 * `{ "ports": [...], "control": PORT }`; `GET /arrivals` on the control port answers every host's arrival times
 * (ms, one clock for all hosts) and `/robots.txt` hits. Every path answers a small page titled by its path, except
 * /redirect/X (302 to /page/X) and /robots.txt, which answers the text given in the ROBOTS_TXT environment variable (404 when unset).
 */
import { createServer } from 'node:http';

const hosts = Number(process.argv[2] ?? 1);
const robotsTxt = process.env.ROBOTS_TXT;
const arrivals = [];
const servers = [];
for (let i = 0; i < hosts; i += 1) {
  const log = [];
  arrivals.push(log);
  const server = createServer((request, response) => {
    log.push({ at: performance.now(), path: request.url });
    if (request.url === '/robots.txt') {
      if (robotsTxt === undefined) {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      } else {
        response.writeHead(200, { 'content-type': 'text/plain' }).end(robotsTxt);
      }
      return;
    }
    if (request.url.startsWith('/redirect/')) {
      response.writeHead(302, { location: `/page/${request.url.slice('/redirect/'.length)}`, 'content-length': '0' }).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(`<!doctype html><title>${request.url}</title>`);
  });
  servers.push(server);
}
const control = createServer((request, response) => {
  response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(arrivals));
});
await Promise.all([...servers, control].map((server) => new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))));
process.stdout.write(`${JSON.stringify({ ports: servers.map((server) => server.address().port), control: control.address().port })}\n`);
// Ends with its parent.
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
