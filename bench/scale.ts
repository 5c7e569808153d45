// The job queue's scaling (bench suite `scale`, issue #35), on this machine, idle: a folder of photos and a 540p
// clip stylized in-process (the default, 2 threads) and through a real Redis with 1 and 2 `depthstyle worker`
// processes (--threads 1 each), wall time of the command a user runs; and the overhead per job of the queued API
// against the in-process one for a small image (enqueue → result). Prints one JSON object and writes
// bench/results/scale.json. Env: SCALE_PHOTOS (16), SCALE_CLIP_SECONDS (6.08: two of room_pan's 3-s GOPs).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { splitPaths } from '../src/eval/splits.js';
import { splitSample } from '../src/eval/protocol.js';
import { ModelStore, packageRoot } from '../src/models/resolver.js';
import { serve } from '../src/serve/server.js';
import { RedisServer, startWorker, stopWorker } from '../test/support/redis.js';
import { median } from './served.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const BIN = path.join(packageRoot(), 'bin', 'depthstyle.js');
const nPhotos = Number(process.env.SCALE_PHOTOS ?? 16);
const clipSeconds = Number(process.env.SCALE_CLIP_SECONDS ?? 6.08);
const store = new ModelStore();
const dir = await mkdtemp(path.join(os.tmpdir(), 'depthstyle-scale-'));
const photos = path.join(dir, 'photos');
await mkdir(photos);
for (const f of splitSample(splitPaths(store.sharedDir, 'photos', 'dev'), nPhotos))
  await writeFile(path.join(photos, path.basename(f)), await sharp(f).toBuffer());
const clip = path.join(dir, 'clip.mp4');
execFileSync('ffmpeg', [
  '-v',
  'error',
  '-i',
  path.join(store.sharedDir, 'images', '..', 'videos', 'room_pan.mp4'),
  '-t',
  String(clipSeconds),
  '-c',
  'copy',
  clip,
]);
const frames = Number(
  execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-count_packets', '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', clip])
    .toString()
    .trim(),
);

/** Wall seconds of one command as a user runs it. */
function timed(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  return (performance.now() - t0) / 1000;
}

const style = ['--style', 'starry_night'];
const out = (name: string) => path.join(dir, name);
const rows: Record<string, unknown>[] = [];
const record = (row: Record<string, unknown>) => {
  rows.push(row);
  process.stderr.write(`${JSON.stringify(row)}\n`);
};

// In-process, the default: one process, 2 threads.
const photoS = timed(['stylize', photos, ...style, '--threads', '2', '-o', out('local')]);
record({ case: 'folder-in-process', workers: 0, photos: nPhotos, seconds: +photoS.toFixed(2), photos_per_s: +(nPhotos / photoS).toFixed(3) });
const clipS = timed(['stylize', clip, ...style, '--threads', '2', '-o', out('local.mp4')]);
record({ case: 'clip-540p-in-process', workers: 0, frames, seconds: +clipS.toFixed(1), fps: +(frames / clipS).toFixed(3) });

const redis = await RedisServer.start();
try {
  for (const n of [1, 2]) {
    const workers = await Promise.all(Array.from({ length: n }, () => startWorker(redis.url)));
    try {
      // Warm each worker's networks (first job loads them) with a small folder of n photos.
      timed(['stylize', photos, ...style, '--max-size', '64', '--queue', redis.url, '-o', out(`warm${n}`)]);
      const s = timed(['stylize', photos, ...style, '--queue', redis.url, '-o', out(`q${n}`)]);
      record({ case: `folder-queue-${n}-worker`, workers: n, photos: nPhotos, seconds: +s.toFixed(2), photos_per_s: +(nPhotos / s).toFixed(3) });
      const c = timed(['stylize', clip, ...style, '--queue', redis.url, '-o', out(`q${n}.mp4`)]);
      record({ case: `clip-540p-queue-${n}-worker`, workers: n, frames, seconds: +c.toFixed(1), fps: +(frames / c).toFixed(3) });
    } finally {
      await Promise.all(workers.map((w) => stopWorker(w)));
    }
  }
  // Overhead per job: a 64×48 photo through the API, in-process and queued (one worker), 20 requests each, warmed.
  const small = await sharp(path.join(store.sharedDir, 'images', 'content', 'tubingen.jpg'))
    .resize(64, 48)
    .png()
    .toBuffer();
  const worker = await startWorker(redis.url);
  const local = await serve({ port: 0, threads: 1, page: false });
  const queued = await serve({ port: 0, queueUrl: redis.url, page: false });
  try {
    for (const [name, s] of [
      ['api-small-in-process', local],
      ['api-small-queue', queued],
    ] as const) {
      const ms: number[] = [];
      for (let i = 0; i < 25; i++) {
        const t0 = performance.now();
        const r = await fetch(`${s.url}/api/stylize?style=starry_night`, { method: 'POST', body: new Uint8Array(small) });
        await r.arrayBuffer();
        if (r.status !== 200) throw new Error(`${name}: ${r.status}`);
        if (i >= 5) ms.push(performance.now() - t0);
      }
      record({ case: name, requests: ms.length, median_ms: +median(ms).toFixed(1) });
    }
  } finally {
    await local.close();
    await queued.close();
    await stopWorker(worker);
  }
} finally {
  await redis.down();
  await rm(dir, { recursive: true, force: true });
}
const result = {
  date: new Date().toISOString(),
  machine: `${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`,
  painting: 'starry_night',
  rows,
};
await writeFile(path.join(here, 'results', 'scale.json'), `${JSON.stringify(result, null, 1)}\n`);
console.log(JSON.stringify(result));
