// Past one machine: jobs on a BullMQ queue in Redis (issue #35). Producers (`serve --queue`, `stylize DIR|CLIP
// --queue`) put a job's inputs into the payload store and the job on the queue; `depthstyle worker --queue` runs
// them anywhere the models are, through the same JobRunner as the server's own thread. BullMQ gives durability,
// many workers, stalled-job recovery (a killed worker's job goes back to the queue) and progress; this file only
// says what a job carries. Inputs and results travel as payloads: in Redis up to a size, with a TTL, else in a
// shared folder; the producer deletes them when the job ends. Nothing of a user's data is logged.
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Queue, QueueEvents, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { writeFileAtomic } from '../io/atomic.js';
import { decodeImage, toInterleaved8 } from '../io/image.js';
import type { RgbImage } from '../io/rgb.js';
import { resolveModel } from '../models/model-spec.js';
import type { ModelStore } from '../models/resolver.js';
import { ARBITRARY_NETWORKS, resolvePainting, type ArbitraryNetwork } from '../stylize/arbitrary.node.js';
import type { StylizeSettingsGiven } from '../stylize/options.js';
import type { Stabilization } from '../stylize/video.js';
import { readFrames, writeVideo } from '../io/video.js';
import { JobRunner, type JobSpec } from './runner.js';

/** Every default of the queue, stated once (the CLI's help reads them). */
export const QUEUE_DEFAULTS = {
  /** The BullMQ queue's name: producers and workers must agree. */
  name: 'depthstyle',
  /** Payloads up to this many bytes travel through Redis; larger ones need a shared folder (--payload-dir). */
  maxPayloadBytes: 32e6,
  /** A payload nobody deleted (its producer died) expires after this. */
  payloadTtlSeconds: 3600,
  /** A worker that stops renewing its job's lock this long (killed, frozen) loses it: another worker runs the job. */
  lockMs: 30_000,
  /** Finished jobs are kept this long for `GET /api/jobs/ID`, then removed. */
  keepSeconds: 3600,
};

/** Where a payload is: a Redis key or a file in the shared folder (its name there); raw images carry their size. */
export interface PayloadRef {
  key?: string;
  file?: string;
  bytes: number;
  /** How its bytes read: planar float32 RGB (a decoded photo), interleaved 8-bit RGB (a result), or a file's bytes. */
  encoding: 'f32' | 'u8' | 'file';
  width?: number;
  height?: number;
  /** A file's name, for errors that name it (no path). */
  name?: string;
}

/** What a queued job carries: its payloads by reference, models by name and hash (each machine has its own paths). */
export interface QueueJobData {
  kind: 'stylize' | 'depth' | 'clip-segment';
  /** The photo; for a clip segment, the clip's first frame (what sets a painting's strength for the whole clip). */
  photo: PayloadRef;
  /** A clip segment: its frames, and the segment before it, whose last `overlap` frames warm the stabilizer up. */
  clip?: ClipSegmentJob;
  /** The photo's longest side when it is a file decoded by the worker (the CLI's --max-size). */
  maxSide?: number;
  /** A zoo model by name and the sha256 of its file, or a baseline (`baseline:NAME`, no hash). */
  model?: { name: string; sha256?: string };
  paintings?: { names?: string[]; uploads?: PayloadRef[]; weights?: number[]; network?: ArbitraryNetwork };
  settings: StylizeSettingsGiven;
  /** How the producer will encode the result (a job submitted to poll: the server reads it back from here). */
  format?: 'png' | 'jpeg';
}

export interface ClipSegmentJob {
  segment: PayloadRef;
  previous?: PayloadRef;
  overlap: number;
  /** The frames' size (even sides) and the clip's frame rate. */
  size: [number, number];
  rate: string;
  stabilize: Stabilization;
  /** Frames in this segment (for progress). */
  frames: number;
}

/** What a finished job returns: its picture as interleaved 8-bit RGB, what the encoders take. */
export interface QueueJobResult {
  /** The picture (interleaved 8-bit), or a clip segment's stylized frames (an MP4 file). */
  image: PayloadRef;
}

/** A queue URL checked: redis:// or rediss:// (TLS), with password and database as other Redis clients take them. */
export function checkQueueUrl(url: string, what = '--queue'): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`${what} ${url}: not a URL (redis://HOST:PORT, rediss:// for TLS, redis://:PASSWORD@HOST:PORT/DB)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new Error(`${what} ${url}: not a Redis URL (redis://HOST:PORT or rediss://…)`);
  return u;
}

/**
 * A Redis connection. `failFast`: commands fail within seconds while Redis is away (a producer answers 503 rather
 * than hang); otherwise they wait for it to come back (workers and event listeners, as BullMQ asks).
 */
export function redisConnection(url: string, failFast: boolean): Redis {
  checkQueueUrl(url);
  const r = new Redis(url, {
    maxRetriesPerRequest: failFast ? 1 : null,
    // Commands wait while the connection is being made (a client used at once), but a producer's fail within
    // seconds while Redis is away.
    ...(failFast ? { commandTimeout: 3000 } : {}),
    retryStrategy: (times) => Math.min(200 * times, 2000),
    lazyConnect: false,
  });
  // ioredis reports every failed reconnect as an error event; without a listener each would crash the process.
  r.on('error', () => {});
  return r;
}

/** Payloads in Redis (≤ maxBytes, with a TTL) or in a shared folder; keys and file names are random. */
export class PayloadStore {
  constructor(
    private readonly redis: Redis,
    readonly o: { dir?: string; maxBytes?: number; ttlSeconds?: number } = {},
  ) {}

  async put(data: Uint8Array, ref: Omit<PayloadRef, 'key' | 'file' | 'bytes'>): Promise<PayloadRef> {
    const name = `${randomUUID()}.bin`;
    const max = this.o.maxBytes ?? QUEUE_DEFAULTS.maxPayloadBytes;
    if (data.byteLength <= max) {
      const key = `depthstyle:payload:${name}`;
      await this.redis.set(key, Buffer.from(data.buffer, data.byteOffset, data.byteLength), 'EX', this.o.ttlSeconds ?? QUEUE_DEFAULTS.payloadTtlSeconds);
      return { ...ref, key, bytes: data.byteLength };
    }
    if (!this.o.dir)
      throw new Error(
        `a payload of ${(data.byteLength / 1e6).toFixed(1)} MB is over the queue's ${(max / 1e6).toFixed(0)} MB limit for Redis; give --payload-dir DIR (a folder every worker mounts)`,
      );
    await mkdir(this.o.dir, { recursive: true });
    await writeFileAtomic(path.join(this.o.dir, name), data);
    return { ...ref, file: name, bytes: data.byteLength };
  }

  async get(ref: PayloadRef): Promise<Buffer> {
    if (ref.key) {
      const b = await this.redis.getBuffer(ref.key);
      if (!b) throw new Error('the job input expired or was deleted from the queue (its producer gave up?)');
      return b;
    }
    if (!this.o.dir || !ref.file || !/^[0-9a-f-]{36}\.bin$/.test(ref.file))
      throw new Error('the job input is in a shared folder this worker was not given (start it with --payload-dir DIR)');
    return readFile(path.join(this.o.dir, ref.file)).catch(() => {
      throw new Error('the job input is missing from the shared folder (--payload-dir: is it the same folder on every machine?)');
    });
  }

  async delete(...refs: (PayloadRef | undefined)[]): Promise<void> {
    for (const ref of refs) {
      if (ref?.key) await this.redis.del(ref.key).catch(() => {});
      else if (ref?.file && this.o.dir && /^[0-9a-f-]{36}\.bin$/.test(ref.file)) await rm(path.join(this.o.dir, ref.file), { force: true });
    }
  }
}

/** An image as a payload's bytes: planar float32 (exact, what the networks take) or interleaved 8-bit (a result). */
export function imageBytes(img: RgbImage, encoding: 'f32' | 'u8'): Uint8Array {
  return encoding === 'u8' ? toInterleaved8(img) : new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength);
}

/** A payload back as an image. */
export async function payloadImage(store: PayloadStore, ref: PayloadRef, what: string, maxSide?: number): Promise<RgbImage> {
  const b = await store.get(ref);
  if (ref.encoding === 'file') return decodeImage(b, ref.name ?? what, { maxSide });
  const { width = 0, height = 0 } = ref;
  const n = width * height;
  if (!(n > 0) || b.byteLength !== n * (ref.encoding === 'f32' ? 12 : 3)) throw new Error(`${what}: the payload does not hold a ${width}×${height} image`);
  if (ref.encoding === 'f32') return { width, height, data: new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)) };
  const data = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) data[c * n + i] = b[3 * i + c];
  return { width, height, data };
}

/** The sha256 of a model file, kept per path and mtime: how producers and workers check they mean the same model. */
const hashes = new Map<string, { mtime: number; sha: string }>();
export function modelFileHash(file: string): string {
  const mtime = statSync(file).mtimeMs;
  const hit = hashes.get(file);
  if (hit?.mtime === mtime) return hit.sha;
  const sha = createHash('sha256').update(readFileSync(file)).digest('hex');
  hashes.set(file, { mtime, sha });
  return sha;
}

/** A model spec of this machine (a zoo file or baseline:NAME) as a queued job names it. */
export function queuedModel(spec: string): { name: string; sha256?: string } {
  if (spec.startsWith('baseline:')) return { name: spec };
  return { name: path.basename(spec).replace(/\.onnx$/, ''), sha256: modelFileHash(spec) };
}

/** The producers' side: submit jobs, follow them, collect their results. */
export class QueueClient {
  readonly queue: Queue<QueueJobData, QueueJobResult>;
  readonly payloads: PayloadStore;
  private readonly redis: Redis;
  private events?: QueueEvents;
  private eventsRedis?: Redis;
  private readonly listeners = new Map<string, (e: { done?: QueueJobResult; failed?: string; progress?: number }) => void>();

  constructor(
    readonly url: string,
    o: { payloadDir?: string; maxPayloadBytes?: number; name?: string } = {},
  ) {
    this.redis = redisConnection(url, true);
    this.queue = new Queue(o.name ?? QUEUE_DEFAULTS.name, { connection: this.redis });
    this.queue.on('error', () => {});
    this.payloads = new PayloadStore(this.redis, { dir: o.payloadDir, maxBytes: o.maxPayloadBytes });
  }

  /** Event listening, started on first use (its own connection, waiting for Redis when it is away). */
  private listen(): QueueEvents {
    if (this.events) return this.events;
    this.eventsRedis = redisConnection(this.url, false);
    const ev = new QueueEvents(this.queue.name, { connection: this.eventsRedis });
    ev.on('error', () => {});
    ev.on('completed', ({ jobId, returnvalue }) => this.listeners.get(jobId)?.({ done: returnvalue as unknown as QueueJobResult }));
    ev.on('failed', ({ jobId, failedReason }) => this.listeners.get(jobId)?.({ failed: failedReason }));
    ev.on('progress', ({ jobId, data }) => this.listeners.get(jobId)?.({ progress: typeof data === 'number' ? data : undefined }));
    this.events = ev;
    return ev;
  }

  /** Throws when Redis is unreachable (for a 503), else the jobs waiting for a worker. */
  async waiting(): Promise<number> {
    return this.queue.getWaitingCount();
  }

  /** Puts a job on the queue; its id is random (a client that polls cannot guess another's). */
  async submit(data: QueueJobData, meta: Record<string, string> = {}): Promise<string> {
    this.listen();
    const id = randomUUID();
    await this.queue.add(data.kind, data, {
      jobId: id,
      attempts: 1,
      removeOnComplete: { age: QUEUE_DEFAULTS.keepSeconds },
      removeOnFail: { age: QUEUE_DEFAULTS.keepSeconds },
      ...meta,
    });
    return id;
  }

  /**
   * The job's result, once: from its completion event, or from its state (checked every `pollMs`, so a result is
   * not missed while the events connection was away). Rejects with the job's own error when it failed.
   */
  async wait(id: string, o: { signal?: AbortSignal; onProgress?: (fraction: number) => void; pollMs?: number } = {}): Promise<QueueJobResult> {
    await this.listen()
      .waitUntilReady()
      .catch(() => {});
    return new Promise<QueueJobResult>((resolve, reject) => {
      let settled = false;
      let failedLooks = 0;
      const finish = (err?: Error, r?: QueueJobResult) => {
        if (settled) return;
        settled = true;
        clearInterval(timer);
        this.listeners.delete(id);
        if (err) reject(err);
        else resolve(r!);
      };
      this.listeners.set(id, (e) => {
        if (e.done) finish(undefined, e.done);
        else if (e.failed !== undefined) finish(new Error(e.failed));
        else if (e.progress !== undefined) o.onProgress?.(e.progress);
      });
      const poll = async () => {
        const s = await this.status(id).catch(() => undefined);
        if (s?.state === 'completed' && s.result) finish(undefined, s.result);
        // (its reason can lag its state by a moment: the event or the next look has it)
        else if (s?.state === 'failed' && (s.error || ++failedLooks > 3)) finish(new Error(s.error ?? 'failed'));
        else if (s?.state === 'unknown') finish(new Error('the job is gone from the queue'));
      };
      const timer = setInterval(() => void poll(), o.pollMs ?? 1000);
      o.signal?.addEventListener('abort', () => finish(new Error('aborted')), { once: true });
      void poll();
    });
  }

  /** A job's state, progress (0–1), error or result; `unknown` for no such job (or one removed after it ended). */
  async status(id: string): Promise<{ state: string; progress: number; error?: string; result?: QueueJobResult; data?: QueueJobData }> {
    const job = await this.queue.getJob(id);
    if (!job) return { state: 'unknown', progress: 0 };
    const state = await job.getState();
    const progress = typeof job.progress === 'number' ? job.progress : 0;
    return {
      state,
      progress: state === 'completed' ? 1 : progress,
      error: job.failedReason || undefined,
      result: job.returnvalue ?? undefined,
      data: job.data,
    };
  }

  /** Takes a job off the queue if no worker has started it (its client is gone); its inputs are deleted. */
  async withdraw(id: string): Promise<void> {
    const job = await this.queue.getJob(id).catch(() => undefined);
    if (!job) return;
    if ((await job.getState().catch(() => 'unknown')) === 'waiting') await job.remove().catch(() => {});
  }

  async workers(): Promise<number> {
    return (await this.queue.getWorkers()).length;
  }

  async close(): Promise<void> {
    await this.events?.close().catch(() => {});
    await this.queue.close().catch(() => {});
    this.eventsRedis?.disconnect();
    this.redis.disconnect();
  }
}

/** Deletes a finished job's input payloads (its result is the collector's to delete once read). */
export async function deleteInputs(store: PayloadStore, data: QueueJobData | undefined): Promise<void> {
  if (data) await store.delete(data.photo, ...(data.paintings?.uploads ?? []));
}

export interface QueueWorkerOptions {
  url: string;
  store: ModelStore;
  /** Folder of the zoo on this machine (model names resolve here). */
  zoo?: string;
  threads?: number;
  /** Jobs at once [1]: ONNX Runtime already uses every thread it is given. */
  concurrency?: number;
  payloadDir?: string;
  maxPayloadBytes?: number;
  lockMs?: number;
  name?: string;
  /** One line per job: its id, kind, seconds and outcome (no user data). */
  log?: (line: string) => void;
}

/** A clip segment on this worker: the overlap frames run and are dropped, the rest encoded as an MP4 payload. */
async function runSegment(runner: JobRunner, spec: JobSpec, clip: ClipSegmentJob, payloads: PayloadStore, onFrame: (n: number) => void): Promise<PayloadRef> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'depthstyle-segment-'));
  try {
    const files: string[] = [];
    for (const [k, ref] of [clip.previous, clip.segment].entries()) {
      if (!ref) continue;
      files.push(path.join(dir, `${k}.mp4`));
      await writeFileAtomic(files.at(-1)!, await payloads.get(ref));
    }
    let warm = 0;
    async function* frames(): AsyncGenerator<RgbImage> {
      if (clip.previous) {
        const tail: RgbImage[] = [];
        for await (const f of readFrames(files[0], clip.size)) {
          tail.push(f);
          if (tail.length > clip.overlap) tail.shift();
        }
        warm = tail.length;
        yield* tail;
      }
      yield* readFrames(files.at(-1)!, clip.size);
    }
    let n = 0;
    async function* kept(): AsyncGenerator<RgbImage> {
      for await (const f of runner.runFrames(spec, frames(), clip.stabilize))
        if (n++ >= warm) {
          onFrame(n - warm);
          yield f;
        }
    }
    const out = path.join(dir, 'out.mp4');
    await writeVideo(out, kept(), { rate: clip.rate });
    return await payloads.put(await readFile(out), { encoding: 'file', name: 'segment.mp4' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface QueueWorker {
  /** Stops taking jobs, lets the running ones finish, then disconnects (SIGTERM). */
  close(): Promise<void>;
  worker: Worker<QueueJobData, QueueJobResult>;
}

/** The job as the runner takes it, from this machine's models: refused (for good) when this machine cannot run it. */
async function localJob(data: QueueJobData, payloads: PayloadStore, zoo: string | undefined, store: ModelStore): Promise<JobSpec> {
  let modelSpec: string | undefined;
  if (data.model) {
    if (data.model.name.startsWith('baseline:')) modelSpec = data.model.name;
    else {
      let file: string;
      try {
        const ref = resolveModel(data.model.name, zoo);
        if (ref.kind !== 'zoo') throw new Error('not a zoo model');
        file = ref.file;
      } catch {
        throw new UnrecoverableError(`this worker has no model "${data.model.name}" in its zoo; give it the same models/ folder as the server`);
      }
      if (data.model.sha256 && modelFileHash(file) !== data.model.sha256)
        throw new UnrecoverableError(
          `this worker's model "${data.model.name}" differs from the one the job was submitted with (another version); give it the same models/ folder`,
        );
      modelSpec = file;
    }
  }
  const network = data.paintings?.network;
  if (network !== undefined && !ARBITRARY_NETWORKS.includes(network))
    throw new UnrecoverableError(`this worker has no arbitrary-style network "${network}" (it has ${ARBITRARY_NETWORKS.join(', ')}): update it`);
  for (const n of data.paintings?.names ?? [])
    try {
      resolvePainting(n, store);
    } catch {
      throw new UnrecoverableError(`this worker has no painting "${n}"; give it the same shared folder as the server`);
    }
  const photo = await payloadImage(payloads, data.photo, 'photo', data.maxSide);
  const uploads = data.paintings?.uploads ? await Promise.all(data.paintings.uploads.map((u, i) => payloadImage(payloads, u, `painting ${i + 1}`))) : undefined;
  return {
    kind: data.kind === 'depth' ? 'depth' : 'stylize',
    photo,
    modelSpec,
    paintings: data.paintings ? { names: data.paintings.names, uploads, weights: data.paintings.weights, network: data.paintings.network } : undefined,
    settings: data.settings,
  };
}

/** `depthstyle worker --queue URL`: takes jobs and runs them until closed. */
export function startQueueWorker(o: QueueWorkerOptions): QueueWorker {
  const runner = new JobRunner(o.store, o.threads);
  const redis = redisConnection(o.url, false);
  const payloads = new PayloadStore(redis, { dir: o.payloadDir, maxBytes: o.maxPayloadBytes });
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const seconds = new Map<string, number>();
  const worker = new Worker<QueueJobData, QueueJobResult>(
    o.name ?? QUEUE_DEFAULTS.name,
    async (job: Job<QueueJobData, QueueJobResult>) => {
      const t0 = performance.now();
      try {
        const spec = await localJob(job.data, payloads, o.zoo, o.store);
        let last = 0;
        const clip = job.data.clip;
        if (clip) {
          const image = await runSegment(runner, spec, clip, payloads, (n) => {
            const now = performance.now();
            if (now - last > 500) {
              last = now;
              void job.updateProgress(Math.min(0.95, n / Math.max(1, clip.frames))).catch(() => {});
            }
          });
          seconds.set(job.id!, (performance.now() - t0) / 1000);
          return { image };
        }
        const img = await runner.run(spec, (done, total) => {
          // Progress by tiles, at most every half second (each is a Redis write).
          const now = performance.now();
          if (done !== undefined && total && now - last > 500) {
            last = now;
            void job.updateProgress(Math.min(0.95, done / total)).catch(() => {});
          }
        });
        // A result under a fresh key: an attempt that lost its job (its lock expired) cannot complete it, and its
        // payload expires with the TTL; the producer reads the one result of the attempt that completed.
        const image = await payloads.put(imageBytes(img, 'u8'), { encoding: 'u8', width: img.width, height: img.height });
        seconds.set(job.id!, (performance.now() - t0) / 1000);
        return { image };
      } catch (err) {
        // A job fails the same way on every worker (a bad photo, a missing model): never retried.
        throw err instanceof UnrecoverableError ? err : new UnrecoverableError((err as Error).message);
      }
    },
    {
      connection: redis,
      concurrency: o.concurrency ?? 1,
      lockDuration: o.lockMs ?? QUEUE_DEFAULTS.lockMs,
      // Other workers' dead jobs are looked for every few seconds, whatever this worker's own lock.
      stalledInterval: Math.min(o.lockMs ?? QUEUE_DEFAULTS.lockMs, 5000),
      maxStalledCount: 2,
    },
  );
  // Logged once BullMQ has taken the outcome: an attempt that lost its lock is not "done". No user data.
  worker.on('completed', (job) => {
    log(`job ${job.id} ${job.data.kind}: done in ${(seconds.get(job.id!) ?? 0).toFixed(2)} s`);
    seconds.delete(job.id!);
  });
  // No user data in the log: a file's name (the CLI sends photos under their names) is left out of the message.
  worker.on('failed', (job, err) => {
    const name = job?.data.photo.name;
    log(`job ${job?.id} ${job?.data.kind}: failed (${name ? err.message.replaceAll(name, '<photo>') : err.message})`);
  });
  worker.on('error', (err) => log(`worker error: ${err.message}`));
  return {
    worker,
    close: async () => {
      await worker.close();
      redis.disconnect();
    },
  };
}
