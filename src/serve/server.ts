// `depthstyle serve`: the page (web/, which stylizes in the browser; assets.ts) and an HTTP API over the
// library for scripts — stylize an uploaded photo with a model, its depth map, the models on offer — with the
// limits a server needs: body size, pixel count read from the header before
// decoding, a request timeout, and a bounded queue (one job at a time, since
// ONNX Runtime already uses every core) that answers 503 when full.
import http from 'node:http';
import path from 'node:path';
import sharp from 'sharp';
import * as G from '../graph/index.js';
import { colorizeDepth, normalizeDepth } from '../io/colormap.js';
import { decodeImage, toInterleaved8, type RgbImage } from '../io/image.js';
import { BUILTIN_DEPTH_MODELS, DepthEstimator, loadDepthModel, type DepthModel } from '../models/depth.js';
import { BASELINE_STYLES } from '../models/johnson.js';
import { ModelStore } from '../models/resolver.js';
import { parseDepthStrength } from '../stylize/depth-strength.js';
import { loadTransformModel, zooDir, zooModels } from '../stylize/models.js';
import { Stylizer, finishStylization, type TransformModel } from '../stylize/stylize.js';
import { BASELINE_LICENCE, ISOLATION_HEADERS, pageAssets, type Assets } from './assets.js';
import { ArbitraryStylist, paintingNames, paintingSquare, resolvePainting } from '../stylize/arbitrary.node.js';
import { mixStyles, styleAtStrength } from '../stylize/arbitrary.js';
import { ARBITRARY } from '../models/magenta.js';

export interface ServeOptions {
  port?: number;
  /** Loopback by default: binding elsewhere exposes the API (and the machine's CPU) to the network. */
  host?: string;
  /** Folder of the model zoo (`NAME.onnx`, default the repository's models/). */
  zoo?: string;
  store?: ModelStore;
  runtime?: G.Runtime;
  /** Largest upload in bytes [30 MB]. */
  maxBodyBytes?: number;
  /** Largest image, from its header [40 MP]. */
  maxPixels?: number;
  /** Photos are shrunk to this long side before stylizing [1024]. */
  maxSide?: number;
  /** Jobs that may wait behind the running one before new requests get 503 [4]. */
  maxQueue?: number;
  /** A request that has not finished by then gets 504 [120 s]. */
  timeoutMs?: number;
  /** Serve the page and the files it needs besides the API [true]. */
  page?: boolean;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** One job at a time; at most `maxWaiting` behind it; the rest are refused at once. */
export class WorkQueue {
  private busy = false;
  private readonly waiting: (() => void)[] = [];
  private lastJobMs = 2000;
  constructor(private readonly maxWaiting: number) {}

  get length(): number {
    return this.waiting.length + (this.busy ? 1 : 0);
  }

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.busy) {
      if (this.waiting.length >= this.maxWaiting) {
        const retry = Math.max(1, Math.ceil(((this.waiting.length + 1) * this.lastJobMs) / 1000));
        throw new HttpError(503, `busy: ${this.waiting.length + 1} jobs ahead; retry in about ${retry} s`, { 'Retry-After': String(retry) });
      }
      // The finishing job hands its slot over directly, so no newcomer can slip in between.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else this.busy = true;
    const t0 = performance.now();
    try {
      return await job();
    } finally {
      this.lastJobMs = 0.7 * this.lastJobMs + 0.3 * (performance.now() - t0);
      const next = this.waiting.shift();
      if (next) next();
      else this.busy = false;
    }
  }
}

export interface ModelInfo {
  name: string;
  kind: 'zoo' | 'baseline';
  metadata: Record<string, string>;
  licence: string;
  /** Where the page fetches it as ONNX (when the page is served). */
  onnx?: string;
  /** A thumbnail of its painting, when the painting is on disk. */
  thumbnail?: string | null;
}

/** The models on offer: the zoo's .onnx files (with their metadata) and the baselines. */
export async function listModels(zoo: string, assets?: Assets): Promise<ModelInfo[]> {
  const out: ModelInfo[] = [];
  for (const m of await zooModels(zoo)) out.push({ name: m.name, kind: 'zoo', metadata: m.metadata, licence: m.licence });
  for (const b of BASELINE_STYLES) out.push({ name: `baseline:${b}`, kind: 'baseline', metadata: { style: b }, licence: BASELINE_LICENCE });
  if (assets) for (const m of out) Object.assign(m, { onnx: assets.onnxUrl(m.name, m.kind), thumbnail: assets.thumbnail(m.metadata.style) });
  return out;
}

async function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) throw new HttpError(413, `upload of ${declared} bytes is above the limit of ${limit}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw new HttpError(413, `upload is above the limit of ${limit} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The HTTP status of an image-decoding error (the messages of decodeImage). */
function decodeStatus(message: string): number {
  if (/above the limit/.test(message)) return 413;
  if (/not an image/.test(message)) return 415;
  return 400;
}

async function encode(img: RgbImage, format: 'png' | 'jpeg'): Promise<Buffer> {
  const s = sharp(toInterleaved8(img), { raw: { width: img.width, height: img.height, channels: 3 } });
  return format === 'png' ? s.png().toBuffer() : s.jpeg({ quality: 92 }).toBuffer();
}

function param(url: URL, name: string, parse: (v: string) => number | undefined, dflt?: number): number | undefined {
  const v = url.searchParams.get(name);
  if (v === null) return dflt;
  const n = parse(v);
  if (n === undefined) throw new HttpError(400, `bad parameter ${name}="${v}"`);
  return n;
}

export interface Server {
  url: string;
  close(): Promise<void>;
  queue: WorkQueue;
}

export async function serve(o: ServeOptions = {}): Promise<Server> {
  const zoo = o.zoo ?? zooDir();
  const store = o.store ?? new ModelStore();
  const runtime = o.runtime ?? new G.Runtime();
  const maxBody = o.maxBodyBytes ?? 30e6;
  const maxPixels = o.maxPixels ?? 40e6;
  const maxSide = o.maxSide ?? 1024;
  const timeoutMs = o.timeoutMs ?? 120_000;
  const queue = new WorkQueue(o.maxQueue ?? 4);
  const models = new Map<string, Promise<TransformModel>>();
  const assets = (o.page ?? true) ? await pageAssets(zoo, store) : undefined;
  let depthModel: Promise<DepthModel> | undefined;
  const modelFor = async (name: string): Promise<TransformModel> => {
    const known = (await listModels(zoo)).find((m) => m.name === name);
    if (!known) throw new HttpError(404, `unknown model "${name}" (GET /api/models lists them)`);
    const spec = known.kind === 'zoo' ? path.join(zoo, `${name}.onnx`) : name;
    if (!models.has(name)) models.set(name, loadTransformModel(spec, store));
    return models.get(name)!;
  };

  let arbitrary: Promise<ArbitraryStylist> | undefined;
  const decodeOrRefuse = async (body: Buffer, what: string): Promise<RgbImage> => {
    try {
      return await decodeImage(body, what, { maxPixels, maxSide });
    } catch (err) {
      const message = (err as Error).message;
      throw new HttpError(decodeStatus(message), message);
    }
  };
  const photoOf = async (req: http.IncomingMessage): Promise<RgbImage> => decodeOrRefuse(await readBody(req, maxBody), 'upload');

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (assets && !url.pathname.startsWith('/api/') && (await assets.serve(req, res, url.pathname))) return;
    if (req.method === 'GET' && url.pathname === '/api/models') {
      const depth = { name: 'pydnet-v2', onnx: '/models/depth/pydnet-v2.onnx', licence: BUILTIN_DEPTH_MODELS['pydnet-v2'].licence };
      const arbitrary = {
        licence: ARBITRARY.licence,
        predictor: assets ? '/models/arbitrary/predictor.onnx' : undefined,
        transfer: assets ? '/models/arbitrary/transfer.onnx' : undefined,
        paintings: paintingNames(store).map((name) => ({ name, thumbnail: assets?.thumbnail(name) ?? null, square: assets ? `/paintings/${name}.png` : undefined })),
      };
      res.writeHead(200, { ...ISOLATION_HEADERS, 'Content-Type': 'application/json' }).end(JSON.stringify({ models: await listModels(zoo, assets), depth, arbitrary }));
      return;
    }
    if (req.method === 'GET' && url.pathname === '/api/health') {
      res.writeHead(200, { ...ISOLATION_HEADERS, 'Content-Type': 'application/json' }).end(JSON.stringify({ ok: true, queue: queue.length }));
      return;
    }
    const isStylize = url.pathname === '/api/stylize';
    if (!isStylize && url.pathname !== '/api/depth') throw new HttpError(404, `no such endpoint: ${req.method} ${url.pathname} (the page at /, GET /api/models, POST /api/stylize, POST /api/depth)`);
    if (req.method !== 'POST') throw new HttpError(405, `${url.pathname} takes POST with an image body`);
    const format = (url.searchParams.get('format') ?? 'png') as 'png' | 'jpeg';
    if (format !== 'png' && format !== 'jpeg') throw new HttpError(400, `bad parameter format="${format}" (png or jpeg)`);
    // Parameters are checked before the upload is read or any work is queued.
    const strength = param(url, 'strength', (v) => (Number(v) >= 0 && Number(v) <= 1 ? Number(v) : undefined), 1);
    const ds = url.searchParams.get('depthStrength');
    let depthStrength;
    try {
      depthStrength = ds === null ? undefined : parseDepthStrength(ds, 'depthStrength');
    } catch (err) {
      throw new HttpError(400, (err as Error).message);
    }
    const preserveColor = url.searchParams.get('preserveColor') ?? 'none';
    if (!['none', 'luminance', 'histogram'].includes(preserveColor)) throw new HttpError(400, `bad parameter preserveColor="${preserveColor}" (none, luminance or histogram)`);
    const modelName = isStylize ? url.searchParams.get('model') : null;
    const multipart = /^multipart\/form-data/i.test(req.headers['content-type'] ?? '');
    // A painting: by name (?style=wave[,udnie]&styleWeights=…) or uploaded (multipart field "painting").
    const styleNames = isStylize ? url.searchParams.get('style') : null;
    if (isStylize && modelName && (styleNames || multipart)) throw new HttpError(400, 'give model or a painting (style=NAME or a multipart "painting"), not both');
    if (isStylize && !modelName && !styleNames && !multipart) throw new HttpError(400, 'model is required (GET /api/models lists them), or a painting: style=NAME, or multipart/form-data with "photo" and "painting"');
    const names = styleNames?.split(',') ?? [];
    for (const n of names) if (!paintingNames(store).includes(n)) throw new HttpError(404, `unknown painting "${n}" (GET /api/models lists them under arbitrary.paintings)`);
    const weights = url.searchParams.get('styleWeights')?.split(',').map(Number);
    if (weights && (weights.length !== Math.max(1, names.length) || weights.some((w) => !(w >= 0)) || !(weights.reduce((a, b) => a + b, 0) > 0)))
      throw new HttpError(400, `bad parameter styleWeights: one non-negative weight per painting, not all 0`);
    const model = modelName ? await modelFor(modelName) : undefined;
    let photo: RgbImage;
    let uploadedPainting: Buffer | undefined;
    if (multipart) {
      if (!isStylize) throw new HttpError(415, `${url.pathname} takes the image itself as the body, not a form`);
      const form = await new Response(new Uint8Array(await readBody(req, maxBody)), { headers: { 'content-type': req.headers['content-type']! } }).formData().catch(() => {
        throw new HttpError(400, 'malformed multipart/form-data body');
      });
      const field = async (name: string): Promise<Buffer | undefined> => {
        const f = form.get(name);
        return f && typeof f !== 'string' ? Buffer.from(await f.arrayBuffer()) : undefined;
      };
      const p = await field('photo');
      if (!p) throw new HttpError(400, 'the form needs a file field "photo" (curl -F photo=@photo.jpg -F painting=@painting.jpg)');
      uploadedPainting = await field('painting');
      if (!uploadedPainting && !names.length) throw new HttpError(400, 'the form needs a file field "painting", or give style=NAME');
      if (uploadedPainting && names.length) throw new HttpError(400, 'give an uploaded painting or style=NAME, not both');
      photo = await decodeOrRefuse(p, 'photo');
    } else photo = await photoOf(req);
    let paintingModel: TransformModel | undefined;
    if (names.length || uploadedPainting) {
      const stylist = await (arbitrary ??= ArbitraryStylist.load(store, runtime));
      const vectors = uploadedPainting
        ? [await stylist.predictor.predict(await paintingSquare(uploadedPainting, 'painting', maxPixels).catch((err: Error) => {
            throw new HttpError(decodeStatus(err.message), err.message);
          }))]
        : await Promise.all(names.map((n) => stylist.styleOfFile(resolvePainting(n, store))));
      let style = mixStyles(vectors, weights);
      if (strength! < 1) style = styleAtStrength(style, await stylist.styleOf(photo), strength!);
      paintingModel = stylist.model(style, uploadedPainting ? 'uploaded painting' : names.join('+'));
    }

    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new HttpError(504, `not done within ${timeoutMs / 1000} s`)), timeoutMs)));
    const work = queue.run(async () => {
      const net = model ?? paintingModel;
      if (net) {
        // A stylizer per request: its sessions (one per image size) are freed when it is done.
        const stylizer = new Stylizer(net, runtime);
        try {
          const out = await stylizer.stylizeLarge(photo);
          const dm = depthStrength ? await (depthModel ??= loadDepthModel('pydnet-v2', { store })) : undefined;
          // A painting's strength already acted on its style vector.
          return await finishStylization(out, photo, { strength: paintingModel ? 1 : strength, depthStrength, depthModel: dm, preserveColor: preserveColor as 'none', runtime });
        } finally {
          await stylizer.release();
        }
      }
      const dm = await (depthModel ??= loadDepthModel('pydnet-v2', { store }));
      const est = new DepthEstimator(dm, runtime);
      try {
        return colorizeDepth(normalizeDepth(await est.estimate(photo), dm.polarity), photo.width, photo.height);
      } finally {
        await est.release();
      }
    });
    work.catch(() => undefined); // a timed-out job still finishes; its result is dropped
    try {
      const img = await Promise.race([work, timeout]);
      res.writeHead(200, { ...ISOLATION_HEADERS, 'Content-Type': `image/${format}` }).end(await encode(img, format));
    } finally {
      clearTimeout(timer);
    }
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const e = err instanceof HttpError ? err : new HttpError(500, (err as Error).message ?? String(err));
      if (res.headersSent) return void res.destroy();
      // An upload refused before it was read is drained so the client sees the answer, not a reset.
      req.resume();
      res.writeHead(e.status, { ...ISOLATION_HEADERS, 'Content-Type': 'application/json', ...e.headers }).end(JSON.stringify({ error: e.message }));
    });
  });
  server.requestTimeout = timeoutMs + 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 8080, o.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as { address: string; port: number };
  const host = addr.address.includes(':') ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    queue,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
