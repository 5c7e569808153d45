// The page's webcam on a thread of its own: camera frames come in as ImageBitmaps (transferred, no copy), are
// stylized through the one recipe (pipeline.ts) with the norm statistics carried across frames and the previous
// output carried where the camera saw no change, and go back as ImageBitmaps the page shows as they are. The
// page's thread stays free: it grabs the next frame while this one runs (the worker asks for it as it starts).
// One worker serves the page's webcam sessions one after another (ending a worker that ran ONNX Runtime left
// its threads busy: the next session ran at half speed).
import { ort } from '../src/graph/engine.browser.js';
import * as G from '../src/graph/index.js';
import { fromRgba8, toRgba8, type RgbImage } from '../src/io/rgb.js';
import { arbitraryTransformModel } from '../src/stylize/arbitrary.js';
import { transformModelFromOnnx } from '../src/stylize/onnx-model.js';
import { StylizePipeline } from '../src/stylize/pipeline.js';
import { CARRY_BLEND, CarryBlender, NORM_MOMENTUM } from '../src/stylize/stabilize.js';

/** What the page sends. */
export type WebcamRequest =
  | {
      type: 'start';
      providers: string[];
      numThreads: number;
      network: { kind: 'model'; name: string; onnx: Uint8Array } | { kind: 'painting'; name: string; transfer: Uint8Array; style: Float32Array };
    }
  | { type: 'frame'; bitmap: ImageBitmap }
  | { type: 'stop' };
/** What the worker sends: a frame wanted (it started on the last one), a stylized frame, or what went wrong. */
export type WebcamReply =
  | { type: 'want' }
  | { type: 'frame'; bitmap: ImageBitmap; width: number; height: number; stageSums: Record<string, number> }
  | { type: 'error'; message: string };

interface WorkerScope {
  onmessage: ((e: MessageEvent<WebcamRequest>) => void) | null;
  postMessage(m: WebcamReply, transfer?: Transferable[]): void;
}
const scope = self as unknown as WorkerScope;
const post = (m: WebcamReply, transfer: Transferable[] = []) => scope.postMessage(m, transfer);

let runtime: G.Runtime | undefined;
/** The carry's blend, a graph on the same runtime (compiled for the camera's size). */
let blender: CarryBlender | undefined;
let pipeline: StylizePipeline | undefined;
/** Earlier sessions' pipelines, freed once no frame runs on them. */
const retired: StylizePipeline[] = [];
let waiting: ImageBitmap | undefined;
let busy = false;
let prev: { source: RgbImage; out: RgbImage } | undefined;
// Milliseconds per stage, summed over frames (the page adds its own and the bench takes differences).
const stageSums: Record<string, number> = {};
const timed = async <T>(stage: string, f: () => T | Promise<T>): Promise<T> => {
  const t0 = performance.now();
  try {
    return await f();
  } finally {
    stageSums[stage] = (stageSums[stage] ?? 0) + performance.now() - t0;
  }
};
let reader: OffscreenCanvasRenderingContext2D | undefined;
let writer: OffscreenCanvasRenderingContext2D | undefined;

scope.onmessage = (e) => {
  const m = e.data;
  if (m.type === 'start') {
    if (!runtime) {
      ort.env.wasm.wasmPaths = '/ort/';
      ort.env.wasm.numThreads = m.numThreads;
      runtime = new G.Runtime({ executionProviders: m.providers });
      blender = new CarryBlender(runtime);
    }
    const n = m.network;
    const model = n.kind === 'model' ? transformModelFromOnnx(n.onnx, n.name).model : arbitraryTransformModel(n.transfer, n.style, n.name);
    if (pipeline) retired.push(pipeline);
    pipeline = new StylizePipeline({ kind: 'model', model }, { runtime, stylizer: { normMomentum: NORM_MOMENTUM } });
    prev = undefined;
    if (!busy) void retire();
    post({ type: 'want' });
    return;
  }
  waiting?.close();
  waiting = undefined;
  if (m.type === 'stop') {
    if (pipeline) retired.push(pipeline);
    pipeline = undefined;
    if (!busy) void retire();
    return;
  }
  // The newest frame only: one that waited is dropped.
  waiting = m.bitmap;
  if (!busy) void work();
};

/** Frees the previous session's sessions (not while a frame runs on them). */
async function retire(): Promise<void> {
  for (const r of retired.splice(0)) await r.dispose();
}

async function work(): Promise<void> {
  busy = true;
  try {
    while (waiting && pipeline) {
      const bitmap = waiting;
      waiting = undefined;
      post({ type: 'want' });
      const frame = await timed('capture', () => read(bitmap));
      if (!pipeline) break;
      const running = pipeline;
      let out = await timed('network', () => running.run(frame));
      // Stopped or restarted meanwhile: this frame belongs to no session.
      if (running !== pipeline) continue;
      const p = prev;
      if (p && blender && p.source.width === frame.width && p.source.height === frame.height) {
        const [b, o] = [blender, out];
        out = await timed('carry', () => b.run(frame, o, p.source, p.out, CARRY_BLEND));
      }
      prev = { source: frame, out };
      const shown = await timed('draw', () => show(out));
      post({ type: 'frame', bitmap: shown, width: out.width, height: out.height, stageSums }, [shown]);
    }
  } catch (err) {
    post({ type: 'error', message: (err as Error).message });
  } finally {
    busy = false;
    await retire();
  }
}

/** The bitmap's pixels (through a canvas kept between frames; the bitmap is closed). */
function read(bitmap: ImageBitmap): RgbImage {
  const { width: w, height: h } = bitmap;
  if (!reader || reader.canvas.width !== w || reader.canvas.height !== h) reader = new OffscreenCanvas(w, h).getContext('2d', { willReadFrequently: true })!;
  reader.drawImage(bitmap, 0, 0);
  bitmap.close();
  return fromRgba8(reader.getImageData(0, 0, w, h).data, w, h);
}

/** The result as a bitmap to hand to the page. */
function show(img: RgbImage): ImageBitmap {
  if (!writer || writer.canvas.width !== img.width || writer.canvas.height !== img.height)
    writer = new OffscreenCanvas(img.width, img.height).getContext('2d')!;
  writer.putImageData(new ImageData(toRgba8(img), img.width, img.height), 0, 0);
  return (writer.canvas as OffscreenCanvas).transferToImageBitmap();
}
