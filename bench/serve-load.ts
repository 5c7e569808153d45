// The server under load, on loopback only, bounded in count and time (bench suite `serve`): 100 clients for a
// minute, each posting a small photo again as soon as it has an answer; then a slowloris (200 connections that
// never finish their headers) and an upload flood (200 connections trickling 20 MB uploads) while a
// well-behaved client asks for its health and a stylization. Prints one JSON object and writes
// bench/results/serve.json: answers by status, 503 latency, lost requests, FIFO order of the 200s, memory.
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { packageRoot } from '../src/models/resolver.js';
import { serve } from '../src/serve/server.js';
import { median, quantile } from './served.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const seconds = Number(process.env.LOAD_SECONDS ?? 60);
const clients = Number(process.env.LOAD_CLIENTS ?? 100);

const rssMb = () => process.memoryUsage().rss / 1e6;
const photo = await sharp(path.join(packageRoot(), '..', 'shared', 'images', 'content', 'tubingen.jpg'))
  .resize(256, 192)
  .jpeg()
  .toBuffer();
const server = await serve({ port: 0, maxQueue: 4, timeoutMs: 120_000, log: () => undefined });
const port = Number(new URL(server.url).port);
// Warm: the first job loads the model in the inference thread.
await (await fetch(`${server.url}/api/stylize?model=baseline:wave`, { method: 'POST', body: new Uint8Array(photo) })).arrayBuffer();
const rssStart = rssMb();

type Answer = { status: number; ms: number; sent: number; done: number; ticket: number };
const answers: Answer[] = [];
let lost = 0;
const end = performance.now() + seconds * 1000;
await Promise.all(
  Array.from({ length: clients }, async () => {
    while (performance.now() < end) {
      const sent = performance.now();
      try {
        const r = await fetch(`${server.url}/api/stylize?model=baseline:wave`, {
          method: 'POST',
          body: new Uint8Array(photo),
          signal: AbortSignal.timeout(150_000),
        });
        await r.arrayBuffer();
        const done = performance.now();
        answers.push({ status: r.status, ms: done - sent, sent, done, ticket: Number(r.headers.get('x-queue-ticket') ?? 0) });
        if (r.status === 503) await new Promise((res) => setTimeout(res, 200 + Math.random() * 800));
      } catch {
        lost++;
      }
    }
  }),
);
// FIFO: among the 200s, one that took its queue place earlier (its ticket) was answered no later.
const ok = answers.filter((a) => a.status === 200).sort((a, b) => a.ticket - b.ticket);
let outOfOrder = 0;
for (let i = 1; i < ok.length; i++) if (ok[i].done < ok[i - 1].done) outOfOrder++;
const busy = answers.filter((a) => a.status === 503).map((a) => a.ms);
const other = answers.filter((a) => a.status !== 200 && a.status !== 503).length;

// Slowloris and an upload flood, with a well-behaved client beside them.
const sockets: net.Socket[] = [];
for (let i = 0; i < 200; i++) {
  const s = net.connect(port, '127.0.0.1');
  s.on('error', () => undefined);
  s.write(`GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: `);
  sockets.push(s);
}
const flood = setInterval(() => {
  for (const s of sockets.slice(200)) if (s.writable) s.write(Buffer.alloc(16384));
}, 50);
for (let i = 0; i < 200; i++) {
  const s = net.connect(port, '127.0.0.1');
  s.on('error', () => undefined);
  s.write(`POST /api/stylize?model=baseline:wave HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 20000000\r\n\r\n`);
  sockets.push(s);
}
await new Promise((r) => setTimeout(r, 2000));
const t0 = performance.now();
const health = await fetch(`${server.url}/api/health`);
const healthMs = performance.now() - t0;
const t1 = performance.now();
const good = await fetch(`${server.url}/api/stylize?model=baseline:wave`, { method: 'POST', body: new Uint8Array(photo) });
await good.arrayBuffer();
const goodMs = performance.now() - t1;
clearInterval(flood);
for (const s of sockets) s.destroy();
await new Promise((r) => setTimeout(r, 3000));
global.gc?.();
const rssEnd = rssMb();
await server.close();

const result = {
  date: new Date().toISOString().slice(0, 10),
  clients,
  seconds,
  answers: answers.length,
  ok: ok.length,
  busy_503: busy.length,
  other_status: other,
  lost,
  busy_ms_median: busy.length ? +median(busy).toFixed(1) : null,
  busy_ms_p99: busy.length ? +quantile(busy, 0.99).toFixed(1) : null,
  busy_ms_max: busy.length ? +Math.max(...busy).toFixed(1) : null,
  ok_ms_median: ok.length ? +median(ok.map((a) => a.ms)).toFixed(0) : null,
  fifo_out_of_order: outOfOrder,
  slowloris_and_flood: { health_status: health.status, health_ms: +healthMs.toFixed(1), stylize_status: good.status, stylize_ms: +goodMs.toFixed(0) },
  rss_mb: { start: +rssStart.toFixed(0), end: +rssEnd.toFixed(0), grew: +(rssEnd - rssStart).toFixed(0) },
};
console.log(JSON.stringify(result, null, 2));
if (seconds >= 60) writeFileSync(path.join(here, 'results', 'serve.json'), `${JSON.stringify(result, null, 2)}\n`);
