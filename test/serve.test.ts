// The HTTP API on loopback: good and bad uploads, unknown models and parameters, a bounded load.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { packageRoot } from '../src/models/resolver.js';
import { serve, type Server } from '../src/serve/server.js';
import { bombPng } from './support/bad-inputs.js';
import { photo, runtime, store } from './support/fixtures.js';

let server: Server;
let small: Buffer;
before(async () => {
  server = await serve({ port: 0, zoo: path.join(packageRoot(), 'models'), store, runtime, maxBodyBytes: 2e6, maxQueue: 2, timeoutMs: 120_000 });
  small = await sharp(photo('tubingen.jpg')).resize(64, 48).png().toBuffer();
});
after(() => server.close());

const asBody = (b: Buffer | string) => (typeof b === 'string' ? b : new Blob([new Uint8Array(b)]));
const post = (url: string, body: Buffer | string) => fetch(`${server.url}${url}`, { method: 'POST', body: asBody(body) });

test('GET /api/models lists the zoo with its metadata and the baselines', async () => {
  const r = await fetch(`${server.url}/api/models`);
  assert.equal(r.status, 200);
  const { models } = (await r.json()) as { models: { name: string; kind: string; metadata: Record<string, string> }[] };
  const names = models.map((m) => m.name);
  assert.ok(names.includes('scream-nodepth') && names.includes('baseline:wave'), names.join(', '));
  assert.equal(models.find((m) => m.name === 'scream-nodepth')?.metadata.style, 'the_scream');
});

test('POST /api/stylize and /api/depth answer images of the upload size', async () => {
  const r = await post('/api/stylize?model=baseline:wave&strength=0.8&format=jpeg', small);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'image/jpeg');
  const m = await sharp(Buffer.from(await r.arrayBuffer())).metadata();
  assert.deepEqual([m.format, m.width, m.height], ['jpeg', 64, 48]);
  const d = await post('/api/depth', small);
  assert.equal(d.status, 200);
  const dm = await sharp(Buffer.from(await d.arrayBuffer())).metadata();
  assert.deepEqual([dm.format, dm.width, dm.height], ['png', 64, 48]);
  const guided = await post('/api/stylize?model=baseline:wave&depthStrength=0.4,1', small);
  assert.equal(guided.status, 200);
});

test('bad uploads, unknown models and bad parameters get a JSON error with the right status', async () => {
  const jpg = await readFile(photo('chicago.jpg'));
  const cases: [string, string, Buffer | string, number, RegExp][] = [
    ['POST', '/api/stylize?model=baseline:wave', Buffer.alloc(0), 400, /empty/],
    ['POST', '/api/stylize?model=baseline:wave', 'this is not an image', 415, /not an image/],
    ['POST', '/api/stylize?model=baseline:wave', jpg.subarray(0, jpg.length >> 1), 400, /upload: the file is truncated or damaged/],
    ['POST', '/api/stylize?model=baseline:wave', Buffer.alloc(3e6, 1), 413, /above the limit of 2000000/],
    ['POST', '/api/depth', bombPng(60000, 60000), 413, /declares 60000×60000/],
    ['POST', '/api/stylize?model=nope', small, 404, /unknown model "nope"/],
    ['POST', '/api/stylize', small, 400, /model is required/],
    ['POST', '/api/stylize?model=baseline:wave&strength=2', small, 400, /parameter strength must be from 0 to 1, got "2"/],
    ['POST', '/api/stylize?model=baseline:wave&format=gif', small, 400, /bad parameter format="gif"/],
    ['POST', '/api/stylize?model=baseline:wave&depthStrength=1', small, 400, /depthStrength must be NEAR,FAR/],
    ['GET', '/api/stylize', '', 405, /takes POST/],
    ['GET', '/nope', '', 404, /no such endpoint/],
  ];
  for (const [method, url, body, status, expect] of cases) {
    const r = await fetch(`${server.url}${url}`, method === 'POST' ? { method, body: asBody(body) } : { method });
    assert.equal(r.status, status, `${method} ${url}`);
    assert.equal(r.headers.get('content-type'), 'application/json');
    const { error } = (await r.json()) as { error: string };
    assert.match(error, expect, `${method} ${url}`);
  }
});

test('a bounded load: 40 concurrent requests each get 200 or 503 with Retry-After, none lost; the server answers after', async () => {
  const rssBefore = process.memoryUsage().rss;
  const results = await Promise.all(
    Array.from({ length: 40 }, async () => {
      const r = await post('/api/stylize?model=baseline:wave', small);
      await r.arrayBuffer();
      return { status: r.status, retry: r.headers.get('retry-after') };
    }),
  );
  const ok = results.filter((r) => r.status === 200).length;
  const busy = results.filter((r) => r.status === 503);
  console.log(`  40 concurrent: ${ok} × 200, ${busy.length} × 503`);
  assert.equal(ok + busy.length, 40, JSON.stringify(results));
  assert.ok(ok >= 3, 'the running job and the queued ones are served');
  assert.ok(busy.every((r) => Number(r.retry) >= 1));
  const grown = (process.memoryUsage().rss - rssBefore) / 1e6;
  console.log(`  resident memory grew by ${grown.toFixed(0)} MB`);
  assert.ok(grown < 1000, `memory stays bounded: +${grown} MB`);
  const h = await fetch(`${server.url}/api/health`);
  assert.equal(h.status, 200);
  assert.equal(((await h.json()) as { queue: number }).queue, 0);
});

test('one pixel limit for the server: the code, serve --help and docs/serve.md state the same', async () => {
  const { SERVER_MAX_PIXELS } = await import('../src/serve/server.js');
  const { cli } = await import('./support/cli.js');
  const help = await cli('serve', '--help');
  assert.match(help.stdout + help.stderr, new RegExp(`--max-pixels N +refuse uploads .*\\[${SERVER_MAX_PIXELS.toExponential().replace('+', '')}\\]`));
  const doc = await readFile(path.join(packageRoot(), 'docs', 'serve.md'), 'utf8');
  assert.match(doc, new RegExp(`--max-pixels\` \\(${SERVER_MAX_PIXELS / 1e6} MP\\)`));
});
