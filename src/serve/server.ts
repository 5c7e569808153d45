// `depthstyle serve`: the page (web/, which stylizes in the browser; assets.ts) and an HTTP API over the
// library for scripts. The HTTP thread only admits, reads, decodes (in libvips's threads) and answers; every
// network runs in the inference thread (worker.ts), so the server stays responsive while it works. Work is
// refused before it is spent: a request takes its queue place on arrival (503 when full), uploads are capped
// per request and all together (from Content-Length, before reading), only raster photos are decoded, and the
// deadline counts from arrival. A request whose client left, or that timed out, stops its job. Only this
// server's own host names and origin are answered (no CORS), and error bodies carry no paths or internals.
import http from 'node:http';
import path from 'node:path';
import sharp from 'sharp';
import type * as G from '../graph/index.js';
import { decodeImage, toInterleaved8, MIN_IMAGE_SIDE, type RgbImage } from '../io/image.js';
import { BUILTIN_DEPTH_MODELS } from '../models/depth.js';
import { BASELINE_STYLES } from '../models/johnson.js';
import { ARBITRARY } from '../models/magenta.js';
import { ModelStore } from '../models/resolver.js';
import { paintingNames, paintingSquare } from '../stylize/arbitrary.node.js';
import { parseStylizeSettings, type StylizeSettingsGiven } from '../stylize/options.js';
import { normalizeStyleWeights } from '../stylize/arbitrary.js';
import { zooDir, zooModels } from '../stylize/models.js';
import { BASELINE_LICENCE, ISOLATION_HEADERS, pageAssets, type Assets } from './assets.js';
import { ByteBudget, HttpError, allowedHosts, checkOrigin, publicMessage, readBody, readForm, sendJson } from './http.js';
import { resolveModel } from '../models/model-spec.js';
import { InferenceThread } from './inference.js';
import { WorkQueue, type Place } from './queue.js';
import type { Job } from './worker.js';
import { QueueClient, deleteInputs, imageBytes, payloadImage, queuedModel, type QueueJobData, type QueueJobResult } from './redis-queue.js';
import type { ModelInfo, ModelList } from './api-types.js';

export type { ModelInfo, ModelList } from './api-types.js';
export { WorkQueue } from './queue.js';

export interface ServeOptions {
  port?: number;
  /** Loopback by default: binding elsewhere exposes the API (and the machine's CPU) to the network. */
  host?: string;
  /** Further host names to answer to (a deployment behind a name); loopback names and `host` always are. */
  allowHosts?: string[];
  /** Folder of the model zoo (`NAME.onnx`, default the repository's models/). */
  zoo?: string;
  store?: ModelStore;
  /** ONNX Runtime threads of the inference thread (default: all cores). */
  threads?: number;
  /** @deprecated pass `threads`: only its thread count is used (inference runs in its own thread). */
  runtime?: G.Runtime;
  /** Largest upload in bytes [30 MB]. */
  maxBodyBytes?: number;
  /** All uploads being read at once, in bytes [256 MB]: beyond it requests get 503. */
  uploadBudgetBytes?: number;
  /** Largest image, from its header [SERVER_MAX_PIXELS: 40 MP]. */
  maxPixels?: number;
  /** Photos are shrunk to this long side before stylizing [1024]. */
  maxSide?: number;
  /** Jobs that may wait behind the running one before new requests get 503 [4]. */
  maxQueue?: number;
  /** A request that has not finished this long after it arrived gets 504 and its job is stopped [120 s]. */
  timeoutMs?: number;
  /** An upload must arrive whole within this [30 s]: 408 otherwise. */
  uploadTimeoutMs?: number;
  /** Open connections at most (idle ones included) [256]. */
  maxConnections?: number;
  /** Connections at most from one client address that have not yet sent a request head [64]: a slowloris flood from one client leaves room for the others. */
  maxConnectionsPerClient?: number;
  /** Serve the page and the files it needs besides the API [true]. */
  page?: boolean;
  /** Where details of internal errors go (never to clients) [stderr]. */
  log?: (line: string) => void;
  /**
   * A Redis job queue (redis://HOST:PORT): jobs go to `depthstyle worker`s anywhere instead of this process's
   * inference thread, and `POST /api/jobs` takes jobs to poll. Several servers may share one queue.
   */
  queueUrl?: string;
  /** A folder every worker mounts, for payloads over the queue's Redis limit. */
  payloadDir?: string;
}

/** The server's pixel limit (a photo is shrunk to --max-side anyway; 40 MP decodes within ~1.5 GB): serve --help states it. */
export const SERVER_MAX_PIXELS = 40e6;

/** Every default of `serve`, stated once: the CLI's help and parser read them from here. */
export const SERVE_DEFAULTS = {
  port: 8080,
  host: '127.0.0.1',
  maxSide: 1024,
  maxQueue: 4,
  timeoutMs: 120_000,
  maxBodyBytes: 30e6,
  uploadBudgetBytes: 256e6,
  uploadTimeoutMs: 30_000,
  maxConnections: 256,
  maxConnectionsPerClient: 64,
} as const;

/** A refused upload up to this size is read and discarded rather than cut off mid-send (its client then sees the answer). */
const DRAIN_LIMIT = 2e6;

/** Raster formats the server decodes; SVG (whose filters can cost minutes of CPU) and PDF are refused. */
export const SERVER_FORMATS = ['jpeg', 'png', 'webp', 'tiff', 'gif', 'heif'] as const;

/** The metadata of a model that users may see: no training paths or settings. */
const PUBLIC_METADATA = ['style', 'steps', 'depth_weight', 'depth_loss', 'branch_of', 'branch_steps', 'size_multiple', 'architecture'];
function publicMetadata(meta: Record<string, string>): Record<string, string> {
  return Object.fromEntries(PUBLIC_METADATA.filter((k) => meta[k] !== undefined).map((k) => [k, k === 'branch_of' ? path.basename(meta[k]) : meta[k]]));
}

/** The models on offer, read once: the zoo's .onnx files (regular files only) and the baselines. */
export async function listModels(zoo: string, assets?: Assets): Promise<(ModelInfo & { spec: string })[]> {
  const out: (ModelInfo & { spec: string })[] = [];
  for (const m of await zooModels(zoo)) out.push({ name: m.name, kind: 'zoo', metadata: publicMetadata(m.metadata), licence: m.licence, spec: m.file });
  for (const b of BASELINE_STYLES)
    out.push({ name: `baseline:${b}`, kind: 'baseline', metadata: { style: b }, licence: BASELINE_LICENCE, spec: `baseline:${b}` });
  if (assets) for (const m of out) Object.assign(m, { onnx: assets.onnxUrl(m.name, m.kind), thumbnail: assets.thumbnail(m.metadata.style) });
  return out;
}

/** The HTTP status of an image-decoding error (the messages of decodeImage). */
function decodeStatus(message: string): number {
  if (/above the limit/.test(message)) return 413;
  if (/not an image|not accepted here/.test(message)) return 415;
  return 400;
}

async function encode(img: RgbImage, format: 'png' | 'jpeg'): Promise<Buffer> {
  const s = sharp(toInterleaved8(img), { raw: { width: img.width, height: img.height, channels: 3 } });
  return format === 'png' ? s.png().toBuffer() : s.jpeg({ quality: 92 }).toBuffer();
}

/** styleWeights: one finite weight ≥ 0 per painting, not all 0 (the same rule as --style-weights), or 400. */
function checkWeights(w: number[], count: number): void {
  try {
    normalizeStyleWeights(w, count, 'styleWeights');
  } catch (err) {
    throw new HttpError(400, `bad parameter ${(err as Error).message} (one finite weight ≥ 0 per painting, named ones first, then uploads)`);
  }
}

export interface Server {
  url: string;
  close(): Promise<void>;
  queue: WorkQueue;
  /** Jobs started in the inference thread (jobs of requests already gone never start). */
  stats: { ran: number };
}

/** What a POST asks for, checked before its upload is read. */
interface Request {
  kind: 'stylize' | 'depth';
  format: 'png' | 'jpeg';
  /** The stylize settings asked for (options.ts: the same table as the CLI's flags), unset ones left to the defaults. */
  settings: StylizeSettingsGiven;
  modelSpec?: string;
  paintingNames?: string[];
  styleWeights?: number[];
  multipart: boolean;
}

/** What every handler reads: the server's settings, its catalogue and its queue (built once, in `serve`). */
interface Context {
  zoo: string;
  maxBody: number;
  budget: ByteBudget;
  maxPixels: number;
  maxSide: number;
  timeoutMs: number;
  uploadMs: number;
  log: (line: string) => void;
  queue: WorkQueue;
  inference: InferenceThread;
  /** Jobs that may wait (for the thread, or for a worker) before new requests get 503. */
  maxQueue: number;
  /** The Redis job queue, when jobs run on workers elsewhere (serve --queue). */
  remote?: QueueClient;
  assets?: Assets;
  byName: Map<string, ModelInfo & { spec: string }>;
  paintings: string[];
  modelList: ModelList;
  stats: { ran: number };
  /** Set once the server listens (port 0 picks one). */
  hosts: Set<string>;
  port: number;
}

/** What a POST asks for, from its URL and headers, checked before its upload is read. */
function parseRequest(ctx: Context, req: http.IncomingMessage, url: URL): Request {
  const { zoo, byName, paintings } = ctx;
  const asked = url.pathname === '/api/jobs' ? (url.searchParams.get('kind') ?? 'stylize') : url.pathname === '/api/stylize' ? 'stylize' : 'depth';
  if (asked !== 'stylize' && asked !== 'depth') throw new HttpError(400, `bad parameter kind="${asked.slice(0, 20)}" (stylize or depth)`);
  const kind: 'stylize' | 'depth' = asked;
  const format = url.searchParams.get('format') ?? 'png';
  if (format !== 'png' && format !== 'jpeg') throw new HttpError(400, `bad parameter format="${format.slice(0, 20)}" (png or jpeg)`);
  let settings: StylizeSettingsGiven;
  try {
    settings = parseStylizeSettings(
      (x) => url.searchParams.get(x.key) ?? undefined,
      (x) => `parameter ${x.key}`,
      (x) => x.api,
    );
  } catch (err) {
    throw new HttpError(400, (err as Error).message);
  }
  const multipart = /^multipart\/form-data/i.test(req.headers['content-type'] ?? '');
  const r: Request = { kind, format, settings, multipart };
  if (kind === 'depth') {
    if (multipart) throw new HttpError(415, '/api/depth takes the image itself as the body, not a form');
    return r;
  }
  const modelName = url.searchParams.get('model');
  const styleNames = url.searchParams.get('style');
  if (modelName && (styleNames || multipart)) throw new HttpError(400, 'give model or a painting (style=NAME or a multipart "painting"), not both');
  if (!modelName && !styleNames && !multipart)
    throw new HttpError(400, 'model is required (GET /api/models lists them), or a painting: style=NAME, or multipart/form-data with "photo" and "painting"');
  if (modelName) {
    // Names mean what they mean on the command line (model-spec.ts: `scream` is the depth twin), but only zoo
    // models and baselines are served: a file path is never a model name here.
    let resolved: string | undefined;
    try {
      const ref = /^([\w-]+|baseline:[\w-]+)$/.test(modelName) ? resolveModel(modelName, zoo) : undefined;
      resolved = ref?.kind === 'zoo' ? ref.name : ref?.kind === 'baseline' ? ref.spec : undefined;
    } catch {
      resolved = undefined;
    }
    const known = byName.get(resolved ?? modelName);
    if (!known) throw new HttpError(404, `unknown model "${modelName.slice(0, 100)}" (GET /api/models lists them)`);
    r.modelSpec = known.spec;
  }
  if (styleNames) {
    r.paintingNames = styleNames.split(',');
    for (const n of r.paintingNames)
      if (!paintings.includes(n)) throw new HttpError(404, `unknown painting "${n.slice(0, 100)}" (GET /api/models lists them under arbitrary.paintings)`);
  }
  const w = url.searchParams
    .get('styleWeights')
    ?.split(',')
    .map((x) => (x.trim() ? Number(x) : NaN));
  // Without uploads the count is known now; with a form it is checked again once the uploads are counted.
  if (w) checkWeights(w, multipart ? w.length : Math.max(1, r.paintingNames?.length ?? 1));
  r.styleWeights = w;
  return r;
}

async function decodePhoto(ctx: Context, body: Buffer, what: string): Promise<RgbImage> {
  const { maxPixels, maxSide } = ctx;
  let img: RgbImage;
  try {
    img = await decodeImage(body, what, { maxPixels, maxSide, formats: SERVER_FORMATS });
  } catch (err) {
    const message = (err as Error).message;
    throw new HttpError(decodeStatus(message), message);
  }
  // A very thin image (16×10000) shrinks below what the networks can pad.
  if (Math.min(img.width, img.height) < MIN_IMAGE_SIDE)
    throw new HttpError(400, `${what}: ${img.width}×${img.height} after shrinking to ${maxSide} px; each side must keep at least ${MIN_IMAGE_SIDE} px`);
  return img;
}

/** The job of a read request: its photo decoded, its paintings (named, uploaded) and settings. */
async function buildJob(ctx: Context, r: Request, body: Buffer | undefined, files: Map<string, Buffer[]> | undefined): Promise<Omit<Job, 'id'>> {
  const base = { kind: r.kind, settings: r.settings };
  if (files) {
    const photos = files.get('photo') ?? [];
    if (photos.length !== 1)
      throw new HttpError(400, `the form needs one file field "photo", got ${photos.length} (curl -F photo=@photo.jpg -F painting=@painting.jpg)`);
    const uploads = files.get('painting') ?? [];
    if (!uploads.length && !r.paintingNames) throw new HttpError(400, 'the form needs a file field "painting", or give style=NAME');
    // Named paintings and uploaded ones mix, like --style A,B: weights name the named ones first.
    const count = (r.paintingNames?.length ?? 0) + uploads.length;
    if (r.styleWeights) checkWeights(r.styleWeights, count);
    const squares: RgbImage[] = [];
    for (const [k, u] of uploads.entries())
      squares.push(
        await paintingSquare(u, uploads.length > 1 ? `painting ${k + 1}` : 'painting', ctx.maxPixels, SERVER_FORMATS).catch((err: Error) => {
          throw new HttpError(decodeStatus(err.message), err.message);
        }),
      );
    return { ...base, photo: await decodePhoto(ctx, photos[0], 'photo'), paintings: { names: r.paintingNames, uploads: squares, weights: r.styleWeights } };
  }
  return {
    ...base,
    photo: await decodePhoto(ctx, body!, 'upload'),
    modelSpec: r.modelSpec,
    paintings: r.paintingNames ? { names: r.paintingNames, weights: r.styleWeights } : undefined,
  };
}

/** A POST: admitted, read, decoded, queued, run in the inference thread, answered — or stopped when its request is gone. */
async function work(ctx: Context, req: http.IncomingMessage, res: http.ServerResponse, url: URL, arrived: number): Promise<void> {
  const { queue, timeoutMs, maxBody, budget, uploadMs, stats, inference } = ctx;
  if (ctx.remote) return workRemote(ctx, ctx.remote, req, res, url, arrived);
  const r = parseRequest(ctx, req, url);
  queue.admit();
  let place: Place | undefined;
  const cancel = new AbortController();
  let finished = false;
  const gone = (why: 'closed' | 'timeout') => {
    if (finished) return;
    finished = true;
    if (place) queue.cancel(place);
    cancel.abort(); // its job never starts, or stops at its next step: not finished for nobody
    if (why === 'timeout' && !res.headersSent) sendJson(res, 504, { error: `not done within ${timeoutMs / 1000} s of arrival` }, { Connection: 'close' });
  };
  const timer = setTimeout(() => gone('timeout'), Math.max(0, timeoutMs - (performance.now() - arrived)));
  res.once('close', () => gone('closed'));
  try {
    const { body, files, release } = r.multipart
      ? { body: undefined, ...(await readForm(req, maxBody, budget, uploadMs)) }
      : { files: undefined, ...(await readBody(req, maxBody, budget, uploadMs)) };
    let job: Omit<Job, 'id'>;
    if (finished) return release();
    try {
      place = queue.take();
    } catch (err) {
      release();
      throw err;
    }
    const myPlace = place;
    try {
      job = await buildJob(ctx, r, body, files);
    } finally {
      release();
    }
    if (finished) return;
    const img = await queue.run(myPlace, async () => {
      if (finished) throw new HttpError(499, 'gone');
      stats.ran++;
      return inference.run(job, cancel.signal);
    });
    if (finished) return;
    const bytes = await encode(img, r.format);
    if (finished) return;
    finished = true;
    res
      .writeHead(200, { ...ISOLATION_HEADERS, 'Content-Type': `image/${r.format}`, 'Cache-Control': 'no-store', 'X-Queue-Ticket': String(myPlace.ticket) })
      .end(bytes);
  } catch (err) {
    if (finished) return; // already answered (504) or the client is gone
    throw err;
  } finally {
    clearTimeout(timer);
    if (!finished && place) queue.cancel(place);
  }
}

/** The queue's answer while Redis is away: 503, never a hang. */
const QUEUE_AWAY = () => new HttpError(503, 'the job queue is unreachable; retry shortly', { 'Retry-After': '5' });

/** Refuses with 503 before the upload is read: Redis away, or `maxQueue` jobs already waiting for a worker. */
async function admitRemote(ctx: Context, remote: QueueClient): Promise<void> {
  const waiting = await remote.waiting().catch(() => {
    throw QUEUE_AWAY();
  });
  if (waiting >= ctx.maxQueue) throw new HttpError(503, `busy: ${waiting} jobs wait for a worker; retry shortly`, { 'Retry-After': '10' });
}

/** A job for the queue: its images as payloads (exact float32), its model by name and hash. */
async function queuedJob(remote: QueueClient, job: Omit<Job, 'id'>): Promise<QueueJobData> {
  const put = (img: RgbImage) => remote.payloads.put(imageBytes(img, 'f32'), { encoding: 'f32', width: img.width, height: img.height });
  const photo = await put(job.photo);
  const uploads = job.paintings?.uploads ? await Promise.all(job.paintings.uploads.map(put)) : undefined;
  return {
    kind: job.kind,
    photo,
    model: job.modelSpec ? queuedModel(job.modelSpec) : undefined,
    paintings: job.paintings ? { names: job.paintings.names, uploads, weights: job.paintings.weights } : undefined,
    settings: job.settings,
  };
}

/** A request's upload read and decoded into a job, like the in-process path (the same checks, the same errors). */
async function readJob(ctx: Context, r: Request, req: http.IncomingMessage): Promise<Omit<Job, 'id'>> {
  const { maxBody, budget, uploadMs } = ctx;
  const { body, files, release } = r.multipart
    ? { body: undefined, ...(await readForm(req, maxBody, budget, uploadMs)) }
    : { files: undefined, ...(await readBody(req, maxBody, budget, uploadMs)) };
  try {
    return await buildJob(ctx, r, body, files);
  } finally {
    release();
  }
}

/** A POST with the queue: admitted, read, decoded, queued for any worker, waited for, answered; withdrawn if its client goes. */
async function workRemote(ctx: Context, remote: QueueClient, req: http.IncomingMessage, res: http.ServerResponse, url: URL, arrived: number): Promise<void> {
  const r = parseRequest(ctx, req, url);
  await admitRemote(ctx, remote);
  const cancel = new AbortController();
  let finished = false;
  const gone = (why: 'closed' | 'timeout') => {
    if (finished) return;
    finished = true;
    cancel.abort();
    if (why === 'timeout' && !res.headersSent) sendJson(res, 504, { error: `not done within ${ctx.timeoutMs / 1000} s of arrival` }, { Connection: 'close' });
  };
  const timer = setTimeout(() => gone('timeout'), Math.max(0, ctx.timeoutMs - (performance.now() - arrived)));
  res.once('close', () => gone('closed'));
  let data: QueueJobData | undefined;
  let id: string | undefined;
  let result: QueueJobResult | undefined;
  try {
    const job = await readJob(ctx, r, req);
    if (finished) return;
    try {
      data = await queuedJob(remote, job);
      id = await remote.submit(data);
    } catch (err) {
      if (err instanceof HttpError) throw err;
      ctx.log(`depthstyle serve: the queue refused a job: ${(err as Error).message}`);
      throw QUEUE_AWAY();
    }
    ctx.stats.ran++;
    try {
      result = await remote.wait(id, { signal: cancel.signal });
    } catch (err) {
      if (finished) return;
      // The job's own error (a bad photo, a worker without the model) is the client's to read, as in-process.
      throw new HttpError(422, (err as Error).message);
    }
    const img = await payloadImage(remote.payloads, result.image, 'result');
    const bytes = await encode(img, r.format);
    if (finished) return;
    finished = true;
    res.writeHead(200, { ...ISOLATION_HEADERS, 'Content-Type': `image/${r.format}`, 'Cache-Control': 'no-store', 'X-Job-Id': id }).end(bytes);
  } catch (err) {
    if (finished) return;
    throw err;
  } finally {
    clearTimeout(timer);
    if (cancel.signal.aborted && id) await remote.withdraw(id);
    await remote.payloads.delete(data?.photo, ...(data?.paintings?.uploads ?? []), result?.image);
  }
}

/** POST /api/jobs?kind=stylize|depth&…: queued for any worker; answered at once with its id (202) to poll. */
async function submitJob(ctx: Context, req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
  const remote = needQueue(ctx);
  const r = parseRequest(ctx, req, url);
  await admitRemote(ctx, remote);
  const data = await queuedJob(remote, await readJob(ctx, r, req)).catch((err: Error) => {
    if (err instanceof HttpError) throw err;
    throw QUEUE_AWAY();
  });
  const id = await remote.submit({ ...data, format: r.format }).catch(() => {
    void remote.payloads.delete(data.photo, ...(data.paintings?.uploads ?? []));
    throw QUEUE_AWAY();
  });
  sendJson(res, 202, { id, status: `/api/jobs/${id}`, result: `/api/jobs/${id}/result` }, { Location: `/api/jobs/${id}` });
}

const JOB_PATH = /^\/api\/jobs\/([0-9a-f-]{36})(\/result)?$/;

/** GET /api/jobs/ID: state, progress and error; GET /api/jobs/ID/result: the picture once done. */
async function jobStatus(ctx: Context, _req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
  const remote = needQueue(ctx);
  const [, id, wantsResult] = JOB_PATH.exec(url.pathname) ?? [];
  const s = await remote.status(id).catch(() => {
    throw QUEUE_AWAY();
  });
  if (s.state === 'unknown') throw new HttpError(404, 'no such job (finished jobs are kept for an hour)');
  // A job that ended no longer needs its inputs.
  if (s.state === 'completed' || s.state === 'failed') await deleteInputs(remote.payloads, s.data);
  if (!wantsResult)
    return sendJson(res, 200, {
      id,
      state: s.state,
      progress: s.progress,
      ...(s.error ? { error: s.error } : {}),
      ...(s.result ? { result: `/api/jobs/${id}/result` } : {}),
    });
  if (s.state === 'failed') throw new HttpError(422, s.error ?? 'failed');
  if (!s.result) throw new HttpError(409, `not done yet (${s.state}); GET /api/jobs/${id} says when`);
  const img = await payloadImage(remote.payloads, s.result.image, 'result').catch(() => {
    throw new HttpError(410, 'the result has expired');
  });
  const format = s.data?.format ?? 'png';
  res.writeHead(200, { ...ISOLATION_HEADERS, 'Content-Type': `image/${format}`, 'Cache-Control': 'no-store' }).end(await encode(img, format));
}

function needQueue(ctx: Context): QueueClient {
  if (!ctx.remote)
    throw new HttpError(404, 'jobs to poll need a job queue: start the server with --queue redis://HOST:PORT (POST /api/stylize answers in-process)');
  return ctx.remote;
}

/** The API's routes: method, path, handler. The page's files are served before them. */
const ROUTES: {
  method: string;
  path: string | RegExp;
  run: (ctx: Context, req: http.IncomingMessage, res: http.ServerResponse, url: URL, arrived: number) => Promise<void> | void;
}[] = [
  { method: 'GET', path: '/api/models', run: (ctx, _req, res) => sendJson(res, 200, ctx.modelList) },
  { method: 'GET', path: '/api/health', run: health },
  { method: 'POST', path: '/api/stylize', run: work },
  { method: 'POST', path: '/api/depth', run: work },
  { method: 'POST', path: '/api/jobs', run: submitJob },
  { method: 'GET', path: JOB_PATH, run: jobStatus },
];

/** GET /api/health: the queue's length; with Redis, the jobs waiting and the workers connected (503 while Redis is away). */
async function health(ctx: Context, _req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (!ctx.remote) return sendJson(res, 200, { ok: true, queue: ctx.queue.length });
  const [waiting, workers] = await Promise.all([ctx.remote.waiting(), ctx.remote.workers()]).catch(() => {
    throw QUEUE_AWAY();
  });
  sendJson(res, 200, { ok: true, queue: waiting, workers });
}

async function handle(ctx: Context, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const arrived = performance.now();
  const url = new URL(req.url ?? '/', 'http://localhost');
  const api = url.pathname.startsWith('/api/');
  checkOrigin(req, ctx.hosts, ctx.port, api);
  if (!api && ctx.assets && (await ctx.assets.serve(req, res, url.pathname))) return;
  const routes = ROUTES.filter((r) => (typeof r.path === 'string' ? r.path === url.pathname : r.path.test(url.pathname)));
  const route = routes.find((r) => r.method === req.method);
  if (route) return route.run(ctx, req, res, url, arrived);
  if (routes.length)
    throw new HttpError(405, `${url.pathname} takes ${routes.map((r) => r.method).join(' or ')}${routes[0].method === 'POST' ? ' with an image body' : ''}`);
  throw new HttpError(
    404,
    `no such endpoint: ${req.method} ${url.pathname.slice(0, 100)} (the page at /, ${ROUTES.map((r) => `${r.method} ${typeof r.path === 'string' ? r.path : '/api/jobs/ID'}`).join(', ')})`,
  );
}

/** An error as its JSON answer; an internal one is logged and answered without its details. */
function answerError(ctx: Context, req: http.IncomingMessage, res: http.ServerResponse, err: unknown): void {
  const internal = !(err instanceof HttpError);
  const e = internal ? new HttpError(500, 'internal error (the details are in the server log)') : err;
  if (internal) ctx.log(`depthstyle serve: ${req.method} ${req.url}: ${(err as Error).stack ?? String(err)}`);
  if (res.headersSent || res.destroyed) return;
  // An upload refused before it was read whole is not drained (a declared terabyte would be): the connection
  // ends. A small one (a photo refused by a full queue) is read and discarded instead, so that its client reads
  // the answer rather than a reset while it is still sending.
  const drain = !e.close && (req.complete || Number(req.headers['content-length'] ?? Infinity) <= DRAIN_LIMIT);
  sendJson(res, e.status, { error: publicMessage(e.message) }, { ...e.headers, ...(drain ? {} : { Connection: 'close' }) });
  if (drain) req.resume();
  else res.once('finish', () => req.destroy());
}

/**
 * Connections that have not yet sent a whole request head, per client address: a slowloris flood from one
 * client fills only its own share; clients that send their requests (a busy proxy too) are not counted.
 */
function limitWaitingConnections(server: http.Server, perClient: number): void {
  const waiting = new Map<string, number>();
  const settle = (who: string) => {
    const left = (waiting.get(who) ?? 1) - 1;
    if (left > 0) waiting.set(who, left);
    else waiting.delete(who);
  };
  const pending = new WeakSet<object>();
  server.on('connection', (socket) => {
    const who = socket.remoteAddress ?? '?';
    const n = (waiting.get(who) ?? 0) + 1;
    if (n > perClient) return void socket.destroy();
    waiting.set(who, n);
    pending.add(socket);
    socket.once('close', () => pending.delete(socket) && settle(who));
  });
  server.on('request', (req: http.IncomingMessage) => {
    if (pending.delete(req.socket)) settle(req.socket.remoteAddress ?? '?');
  });
}

export async function serve(o: ServeOptions = {}): Promise<Server> {
  const zoo = o.zoo ?? zooDir();
  const store = o.store ?? new ModelStore();
  const timeoutMs = o.timeoutMs ?? SERVE_DEFAULTS.timeoutMs;
  const assets = (o.page ?? true) ? await pageAssets(zoo, store) : undefined;
  // The catalogue is built once: a request reads no model file it does not run.
  const catalogue = await listModels(zoo, assets);
  const paintings = paintingNames(store);
  const ctx: Context = {
    zoo,
    maxBody: o.maxBodyBytes ?? SERVE_DEFAULTS.maxBodyBytes,
    budget: new ByteBudget(o.uploadBudgetBytes ?? SERVE_DEFAULTS.uploadBudgetBytes),
    maxPixels: o.maxPixels ?? SERVER_MAX_PIXELS,
    maxSide: o.maxSide ?? SERVE_DEFAULTS.maxSide,
    timeoutMs,
    // An upload must be in within this (a trickling client holds upload budget, so it gets a bound of its own).
    uploadMs: Math.min(timeoutMs, o.uploadTimeoutMs ?? SERVE_DEFAULTS.uploadTimeoutMs),
    log: o.log ?? ((line: string) => process.stderr.write(`${line}\n`)),
    queue: new WorkQueue(o.maxQueue ?? SERVE_DEFAULTS.maxQueue),
    maxQueue: o.maxQueue ?? SERVE_DEFAULTS.maxQueue,
    inference: new InferenceThread({ storeDir: store.dir, threads: o.threads ?? o.runtime?.threads }),
    remote: o.queueUrl ? new QueueClient(o.queueUrl, { payloadDir: o.payloadDir }) : undefined,
    assets,
    byName: new Map(catalogue.map((m) => [m.name, m])),
    paintings,
    modelList: {
      models: catalogue.map(({ spec: _spec, ...m }) => m),
      depth: { name: 'pydnet-v2', onnx: '/models/depth/pydnet-v2.onnx', licence: BUILTIN_DEPTH_MODELS['pydnet-v2'].licence },
      arbitrary: {
        licence: ARBITRARY.licence,
        predictor: '/models/arbitrary/predictor.onnx',
        transfer: '/models/arbitrary/transfer.onnx',
        paintings: paintings.map((name) => ({ name, thumbnail: assets?.thumbnail(name) ?? null, square: `/paintings/${name}.png` })),
      },
    },
    stats: { ran: 0 },
    hosts: allowedHosts(o.host ?? SERVE_DEFAULTS.host, o.allowHosts),
    port: o.port ?? SERVE_DEFAULTS.port,
  };
  // Slow or idle clients cannot hold the server: headers within 5 s (checked every half second, not Node's
  // default 30 s), a whole request within the deadline, idle keep-alive connections closed after 5 s, at most
  // `maxConnectionsPerClient` waiting connections from one address and `maxConnections` in all. No idle timeout
  // cuts a request while its job is queued or running: the deadline answers it with 504.
  const server = http.createServer(
    { headersTimeout: 5_000, requestTimeout: timeoutMs + 10_000, connectionsCheckingInterval: 500, keepAliveTimeout: 5_000 },
    (req, res) => void handle(ctx, req, res).catch((err: unknown) => answerError(ctx, req, res, err)),
  );
  server.maxConnections = o.maxConnections ?? SERVE_DEFAULTS.maxConnections;
  limitWaitingConnections(server, o.maxConnectionsPerClient ?? SERVE_DEFAULTS.maxConnectionsPerClient);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(ctx.port, o.host ?? SERVE_DEFAULTS.host, () => resolve());
  });
  const addr = server.address() as { address: string; port: number };
  ctx.port = addr.port;
  const host = addr.address.includes(':') ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    queue: ctx.queue,
    stats: ctx.stats,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await ctx.inference.close();
      await ctx.remote?.close();
    },
  };
}
