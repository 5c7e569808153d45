// The job queue on a real Redis (BullMQ): the API, submitted jobs and faults — a worker killed mid-job, Redis
// restarted, a bad input, a worker with other models — against the in-process server's answers.
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { Runtime } from '../src/graph/index.js';
import { packageRoot } from '../src/models/resolver.js';
import { QueueClient } from '../src/serve/redis-queue.js';
import { serve, type Server } from '../src/serve/server.js';
import { photo, store } from './support/fixtures.js';
import { RedisServer, startWorker, stopWorker } from './support/redis.js';

const zoo = path.join(packageRoot(), 'models');
let redis: RedisServer;
let local: Server;
let queued: Server;
let small: Buffer;
let big: Buffer;

before(async () => {
  redis = await RedisServer.start();
  // One thread everywhere: the in-process answers and the workers' must be the same bytes.
  local = await serve({ port: 0, zoo, store, runtime: new Runtime({ threads: 1 }), page: false });
  queued = await serve({ port: 0, zoo, store, queueUrl: redis.url, page: false, maxQueue: 8 });
  small = await sharp(photo('tubingen.jpg')).resize(96, 64).png().toBuffer();
  big = await sharp(photo('tubingen.jpg')).resize(640, 480).png().toBuffer();
});
after(async () => {
  await queued?.close();
  await local?.close();
  await redis?.down();
});

const post = (s: Server, url: string, body: Buffer) => fetch(`${s.url}${url}`, { method: 'POST', body: new Blob([new Uint8Array(body)]) });
const bytes = async (r: Response) => Buffer.from(await r.arrayBuffer());

test('with two workers, the queued API answers the same bytes as the in-process one', { timeout: 120_000 }, async () => {
  const workers = await Promise.all([startWorker(redis.url), startWorker(redis.url)]);
  try {
    for (const url of ['/api/stylize?model=scream', '/api/stylize?style=starry_night&format=jpeg', '/api/depth']) {
      const [a, b] = await Promise.all([post(local, url, small), post(queued, url, small)]);
      assert.equal(b.status, 200, `${url}: ${b.status} ${b.status === 200 ? '' : await b.text()}`);
      assert.equal(a.status, 200);
      assert.ok((await bytes(a)).equals(await bytes(b)), `${url}: the queued answer differs from the in-process one`);
    }
    const h = (await (await fetch(`${queued.url}/api/health`)).json()) as { workers: number };
    assert.equal(h.workers, 2);
  } finally {
    await Promise.all(workers.map((w) => stopWorker(w)));
  }
});

/** Polls GET /api/jobs/ID until `until` holds (or the time is up). */
async function pollJob(id: string, until: (s: { state: string }) => boolean, ms = 60_000): Promise<{ state: string; error?: string; progress: number }> {
  const t0 = Date.now();
  for (;;) {
    const r = await fetch(`${queued.url}/api/jobs/${id}`);
    const s = (await r.json()) as { state: string; error?: string; progress: number };
    if (until(s) || Date.now() - t0 > ms) return s;
    await new Promise((res) => setTimeout(res, 100));
  }
}

test('POST /api/jobs queues a job to poll; a worker killed mid-job loses it to another, and it completes once', { timeout: 180_000 }, async () => {
  const first = await startWorker(redis.url, '--lock-seconds', '2');
  const sub = await post(queued, '/api/jobs?kind=stylize&model=scream', big);
  assert.equal(sub.status, 202, await sub.clone().text());
  const { id, status } = (await sub.json()) as { id: string; status: string };
  assert.match(id, /^[0-9a-f-]{36}$/);
  assert.equal(status, `/api/jobs/${id}`);
  assert.equal((await pollJob(id, (s) => s.state !== 'waiting')).state, 'active');
  await stopWorker(first, 'SIGKILL');
  const second = await startWorker(redis.url);
  try {
    const s = await pollJob(id, (x) => x.state === 'completed' || x.state === 'failed', 120_000);
    assert.equal(s.state, 'completed', s.error);
    assert.equal(s.progress, 1);
    const r = await fetch(`${queued.url}/api/jobs/${id}/result`);
    assert.equal(r.status, 200);
    const expected = await post(local, '/api/stylize?model=scream', big);
    assert.ok((await bytes(r)).equals(await bytes(expected)), 'the retried job answers what the in-process server does');
    // Run to the end once, by the second worker; the first never finished it.
    for (let i = 0; i < 50 && !second.log.some((l) => l.includes(`job ${id}`)); i++) await new Promise((res) => setTimeout(res, 100));
    assert.equal(second.log.filter((l) => l.includes(`job ${id}`) && /done/.test(l)).length, 1, second.log.join('\n'));
    assert.equal(first.log.filter((l) => l.includes(`job ${id}`)).length, 0);
  } finally {
    await stopWorker(second);
  }
});

test('Redis restarted mid-run: the server answers 503 while it is away, and queued jobs survive it', { timeout: 180_000 }, async () => {
  const ids: string[] = [];
  for (const url of ['/api/jobs?kind=depth', '/api/jobs?model=scream&format=jpeg']) {
    const r = await post(queued, url, small);
    assert.equal(r.status, 202);
    ids.push(((await r.json()) as { id: string }).id);
  }
  await redis.down();
  for (const r of [
    () => fetch(`${queued.url}/api/health`),
    () => post(queued, '/api/stylize?model=scream', small),
    () => fetch(`${queued.url}/api/jobs/${ids[0]}`),
  ]) {
    const t0 = Date.now();
    const res = await r();
    assert.equal(res.status, 503, await res.clone().text());
    assert.match(((await res.json()) as { error: string }).error, /queue is unreachable/);
    assert.ok(Date.now() - t0 < 10_000, 'answered, not hung');
  }
  await redis.up();
  let states = ['?'];
  for (let i = 0; i < 100 && !states.every((s) => s === 'waiting'); i++) {
    await new Promise((res) => setTimeout(res, 200));
    states = await Promise.all(ids.map(async (id) => ((await (await fetch(`${queued.url}/api/jobs/${id}`)).json()) as { state: string }).state));
  }
  assert.deepEqual(states, ['waiting', 'waiting'], 'both jobs survived the restart');
  const w = await startWorker(redis.url);
  try {
    for (const id of ids) assert.equal((await pollJob(id, (s) => s.state === 'completed' || s.state === 'failed')).state, 'completed');
    const r = await fetch(`${queued.url}/api/jobs/${ids[1]}/result`);
    assert.equal(r.headers.get('content-type'), 'image/jpeg');
    const m = await sharp(await bytes(r)).metadata();
    assert.deepEqual([m.width, m.height], [96, 64]);
  } finally {
    await stopWorker(w);
  }
});

test('a bad input fails once with the one-line error a local run gives; a worker without the model refuses it clearly', { timeout: 120_000 }, async () => {
  const other = await mkdtemp(path.join(os.tmpdir(), 'depthstyle-zoo-'));
  // Another machine's zoo: "scream-photos-depth" there is a different network; no composition model at all.
  await copyFile(path.join(zoo, 'starry-photos-depth.onnx'), path.join(other, 'scream-photos-depth.onnx'));
  const w = await startWorker(redis.url, '--zoo', other);
  const client = new QueueClient(redis.url);
  try {
    const jpg = await readFile(photo('chicago.jpg'));
    const photoRef = await client.payloads.put(jpg.subarray(0, jpg.length >> 1), { encoding: 'file', name: 'chicago.jpg' });
    const id = await client.submit({ kind: 'depth', photo: photoRef, settings: {} });
    await assert.rejects(client.wait(id), /^Error: chicago\.jpg: the file is truncated or damaged/);
    assert.equal((await client.queue.getJob(id))?.attemptsMade, 1, 'not retried');
    const differs = await post(queued, '/api/stylize?model=scream', small);
    assert.equal(differs.status, 422);
    assert.match(((await differs.json()) as { error: string }).error, /model "scream-photos-depth" differs from the one the job was submitted with/);
    const missing = await post(queued, '/api/stylize?model=composition', small);
    assert.match(((await missing.json()) as { error: string }).error, /this worker has no model "composition-photos-depth"/);
  } finally {
    await client.close();
    await stopWorker(w);
  }
});
