// What the page needs from the server, all from the repository, node_modules and the models folder (no CDN):
// the page and its script, onnxruntime-web's WebAssembly files, the models as ONNX (the zoo as they are, the
// baselines and PyDNet converted once through the cache) and a thumbnail of each painting. Every answer is
// cross-origin isolated (so WASM threads work) and carries an ETag.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { builtinDepthOnnx, BUILTIN_DEPTH_MODELS } from '../models/depth.js';
import { BASELINE_STYLES, type BaselineStyle } from '../models/johnson.js';
import { packageRoot, type ModelStore } from '../models/resolver.js';
import { baselineOnnx } from '../stylize/models.js';
import { arbitraryOnnx } from '../models/magenta.js';
import { DEFAULT_ARBITRARY_NETWORK, paintingNames, paintingsDir, paintingSquare, resolvePainting, transferOnnx } from '../stylize/arbitrary.node.js';
import { toInterleaved8 } from '../io/image.js';
import { buildWebApp } from './web-app.js';

/** Headers for every answer: cross-origin isolation (SharedArrayBuffer, so WASM threads) and no MIME sniffing. */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
};

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.jpg': 'image/jpeg',
  '.png': 'image/png',
};

/** The painting of each baseline, as named in ../shared/images/styles (La Muse is not there). */
const BASELINE_PAINTINGS: Partial<Record<BaselineStyle, string>> = { wave: 'wave', scream: 'the_scream', udnie: 'udnie' };
export const BASELINE_LICENCE = 'Johnson/Engstrom baseline: research use only';

/** Sends bytes with their MIME type and an ETag; answers 304 when the browser already has them. */
function send(req: http.IncomingMessage, res: http.ServerResponse, body: Uint8Array, file: string): void {
  const etag = `"${createHash('sha1').update(body).digest('base64url')}"`;
  const headers = { ...ISOLATION_HEADERS, ETag: etag, 'Cache-Control': 'no-cache', 'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream' };
  if (req.headers['if-none-match'] === etag) return void res.writeHead(304, headers).end();
  res.writeHead(200, { ...headers, 'Content-Length': String(body.length) }).end(req.method === 'HEAD' ? undefined : body);
}

export interface Assets {
  /** Answers a GET for a page asset; false when the path is not one. */
  serve(req: http.IncomingMessage, res: http.ServerResponse, pathname: string): Promise<boolean>;
  /** URL of a style's thumbnail, when its painting is on disk. */
  thumbnail(style: string | undefined): string | null;
  /** URL of a model's ONNX file. */
  onnxUrl(name: string, kind: 'zoo' | 'baseline'): string;
}

export async function pageAssets(zoo: string, store: ModelStore): Promise<Assets> {
  const root = packageRoot();
  const app = await buildWebApp();
  const ortDir = path.dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
  const paintings = paintingsDir(store);
  const thumbs = new Map<string, Promise<Uint8Array>>();
  const fixed: Record<string, () => Promise<Uint8Array>> = {
    '/': () => readFile(path.join(root, 'web', 'index.html')),
    '/style.css': () => readFile(path.join(root, 'web', 'style.css')),
    '/app.js': async () => app.js,
    '/webcam-worker.js': async () => app.webcamWorker,
  };
  const routes: [RegExp, (m: RegExpExecArray) => Promise<Uint8Array | undefined>][] = [
    [/^\/ort\/(ort-wasm[\w.-]*\.(?:wasm|mjs))$/, (m) => readFile(path.join(ortDir, m[1]))],
    [/^\/models\/([\w.-]+)\.onnx$/, (m) => readFile(path.join(zoo, `${m[1]}.onnx`))],
    [
      /^\/models\/baseline\/([\w]+)\.onnx$/,
      async (m) => ((BASELINE_STYLES as readonly string[]).includes(m[1]) ? baselineOnnx(m[1] as BaselineStyle, store) : undefined),
    ],
    // The page runs the same transfer network as the CLI and the API: the default one.
    [
      /^\/models\/arbitrary\/(predictor|transfer)\.onnx$/,
      (m) => (m[1] === 'predictor' ? arbitraryOnnx('predictor', store) : transferOnnx(DEFAULT_ARBITRARY_NETWORK, store)),
    ],
    // A bundled painting as the style predictor sees it (256-px square, lossless), so the page predicts what Node does.
    [
      /^\/paintings\/([\w-]+)\.png$/,
      async (m) => {
        if (!paintingNames(store).includes(m[1])) return undefined;
        const sq = await paintingSquare(resolvePainting(m[1], store));
        return sharp(toInterleaved8(sq), { raw: { width: sq.width, height: sq.height, channels: 3 } })
          .png()
          .toBuffer();
      },
    ],
    [
      /^\/models\/depth\/([\w-]+)\.onnx$/,
      async (m) => (m[1] in BUILTIN_DEPTH_MODELS ? builtinDepthOnnx(m[1] as keyof typeof BUILTIN_DEPTH_MODELS, { store }) : undefined),
    ],
    [
      /^\/styles\/([\w-]+)\.jpg$/,
      (m) => {
        let t = thumbs.get(m[1]);
        if (!t) {
          t = sharp(path.join(paintings, `${m[1]}.jpg`))
            .resize(200, 200, { fit: 'cover' })
            .jpeg({ quality: 85 })
            .toBuffer();
          t.catch(() => thumbs.delete(m[1]));
          thumbs.set(m[1], t);
        }
        return t;
      },
    ],
  ];
  const painting = (style: string | undefined) => {
    if (!style) return undefined;
    const base = BASELINE_PAINTINGS[style as BaselineStyle] ?? style;
    return /^[\w-]+$/.test(base) ? base : undefined;
  };
  return {
    async serve(req, res, pathname) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      const p = pathname === '/index.html' ? '/' : pathname;
      let body: Uint8Array | undefined;
      let matched = false;
      const exact = fixed[p];
      try {
        if (exact) [matched, body] = [true, await exact()];
        else
          for (const [re, get] of routes) {
            const m = re.exec(p);
            if (m) {
              matched = true;
              body = await get(m);
              break;
            }
          }
      } catch {
        body = undefined;
      }
      if (!matched) return false;
      if (!body) {
        res.writeHead(404, { ...ISOLATION_HEADERS, 'Content-Type': 'application/json' }).end(JSON.stringify({ error: 'no such file on this server' }));
        return true;
      }
      send(req, res, body, p === '/' ? 'index.html' : p);
      return true;
    },
    thumbnail(style) {
      const name = painting(style);
      return name && existsSync(path.join(paintings, `${name}.jpg`)) ? `/styles/${name}.jpg` : null;
    },
    onnxUrl(name, kind) {
      return kind === 'baseline' ? `/models/baseline/${name.replace(/^baseline:/, '')}.onnx` : `/models/${encodeURIComponent(name)}.onnx`;
    },
  };
}
