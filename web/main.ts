// The depthstyle page: the library's own stylizer, depth network and judges, run by onnxruntime-web in the
// browser (src/graph/engine.browser.ts replaces onnxruntime-node in this bundle). The photo never leaves the page;
// the server only hands out the page, the models and ORT's WebAssembly files.
import { ort } from '../src/graph/engine.browser.js';
import * as G from '../src/graph/index.js';
import { colorizeDepth, normalizeDepth } from '../src/io/colormap.js';
import { fromRgba8, toRgba8, type RgbImage } from '../src/io/rgb.js';
import { builtinDepthModelFromOnnx, DepthEstimator, type DepthModel } from '../src/models/depth-model.js';
import { depthAgreement } from '../src/eval/metrics.js';
import { depthEdgeCue, resampledAgreement } from '../src/eval/robust.js';
import { transformModelFromOnnx } from '../src/stylize/onnx-model.js';
import type { TransformModel } from '../src/stylize/stylizer.js';
import { parseDepthStrokes } from '../src/stylize/strokes.js';
import { DEFAULT_DEPTH_STRENGTH } from '../src/stylize/depth-strength.js';
import { StylePredictor, type StyleVector } from '../src/stylize/arbitrary.js';
import type { WebcamReply, WebcamRequest } from './webcam-worker.js';
import type { ModelInfo, ModelList as ApiModelList, PaintingInfo } from '../src/serve/api-types.js';
import { ARBITRARY } from '../src/models/magenta-spec.js';
import { PIPELINE_DEFAULTS, PhotoCache, StylizePipeline, type PipelineNetwork, type PipelineSettings } from '../src/stylize/pipeline.js';

/** One entry of GET /api/models (the server's own types: src/serve/api-types.ts). */
type ModelEntry = ModelInfo & { onnx: string; thumbnail: string | null };
/** A painting for the arbitrary-style network: bundled (its 256-px square from the server) or the user's own file. */
type PaintingEntry = PaintingInfo & { file?: Blob };
type ModelList = Omit<ApiModelList, 'models'> & { models: ModelEntry[] };

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  photo: $<HTMLInputElement>('photo'),
  drop: $<HTMLLabelElement>('drop'),
  gallery: $<HTMLDivElement>('gallery'),
  painting: $<HTMLInputElement>('painting'),
  mix: $<HTMLSelectElement>('mix'),
  mixWeight: $<HTMLInputElement>('mix-weight'),
  mixValue: $<HTMLOutputElement>('mix-value'),
  arbitraryLicence: $<HTMLElement>('arbitrary-licence'),
  strength: $<HTMLInputElement>('strength'),
  strengthValue: $<HTMLOutputElement>('strength-value'),
  depthGuided: $<HTMLInputElement>('depth-guided'),
  near: $<HTMLInputElement>('near'),
  nearValue: $<HTMLOutputElement>('near-value'),
  far: $<HTMLInputElement>('far'),
  farValue: $<HTMLOutputElement>('far-value'),
  preserveColor: $<HTMLSelectElement>('preserve-color'),
  maxSide: $<HTMLSelectElement>('max-side'),
  strokeScale: $<HTMLInputElement>('stroke-scale'),
  strokeValue: $<HTMLOutputElement>('stroke-value'),
  depthStrokes: $<HTMLInputElement>('depth-strokes'),
  strokesNear: $<HTMLInputElement>('strokes-near'),
  strokesFar: $<HTMLInputElement>('strokes-far'),
  strokesNearValue: $<HTMLOutputElement>('strokes-near-value'),
  strokesFarValue: $<HTMLOutputElement>('strokes-far-value'),
  run: $<HTMLButtonElement>('run'),
  webcamStart: $<HTMLButtonElement>('webcam-start'),
  webcamStop: $<HTMLButtonElement>('webcam-stop'),
  webcamSide: $<HTMLSelectElement>('webcam-side'),
  webcamFps: $<HTMLOutputElement>('webcam-fps'),
  webcamSnapshot: $<HTMLAnchorElement>('webcam-snapshot'),
  webcamVideo: $<HTMLVideoElement>('webcam-video'),
  webcamOut: $<HTMLCanvasElement>('webcam-out'),
  progress: $<HTMLProgressElement>('progress'),
  message: $<HTMLSpanElement>('message'),
  backend: $<HTMLParagraphElement>('backend'),
  result: $<HTMLElement>('result'),
  before: $<HTMLCanvasElement>('before'),
  after: $<HTMLCanvasElement>('after'),
  split: $<HTMLInputElement>('split'),
  png: $<HTMLAnchorElement>('download-png'),
  jpeg: $<HTMLAnchorElement>('download-jpeg'),
  twins: $<HTMLDivElement>('twins'),
  twinChosen: $<HTMLCanvasElement>('twin-chosen'),
  twinOther: $<HTMLCanvasElement>('twin-other'),
  twinChosenName: $<HTMLElement>('twin-chosen-name'),
  twinOtherName: $<HTMLElement>('twin-other-name'),
  depthPhoto: $<HTMLCanvasElement>('depth-photo'),
  depthResult: $<HTMLCanvasElement>('depth-result'),
  scores: $<HTMLTableSectionElement>('scores').querySelector('tbody')!,
  licences: $<HTMLElement>('licences'),
};

const state: {
  models: ModelEntry[];
  paintings: PaintingEntry[];
  chosen?: ModelEntry;
  /** When a painting is chosen instead of a model: the arbitrary-style network paints with it. */
  chosenPainting?: PaintingEntry;
  arbitrary?: { predictor: string; transfer: string };
  networks?: Promise<{ predictor: StylePredictor; transfer: Uint8Array }>;
  /** Style vectors by painting: the predictor runs once each (the photo's own is in photoCache). */
  vectors: Map<PaintingEntry, Promise<StyleVector>>;
  photo?: RgbImage;
  /** The network's output before strength and colour: sliders only redo what follows it. */
  stylized?: RgbImage;
  /** The network that made `stylized` (one with strength in its features has applied depth-guided strength). */
  stylizedBy?: TransformModel;
  runtime?: G.Runtime;
  depthModel?: Promise<DepthModel>;
  loaded: Map<string, Promise<TransformModel>>;
  /** The zoo twin of the chosen model (NAME-depth ↔ NAME-nodepth), stylized beside it. */
  twin?: { entry: ModelEntry; stylized: RgbImage; model: TransformModel; pipeline: StylizePipeline };
  /** The pipeline that made `stylized` (its finish step follows the sliders), and the photo's depth and vector. */
  pipeline?: StylizePipeline;
  photoCache: PhotoCache;
  /** The photo's depth map, measured once per photo. */
  photoDepth?: { photo: RgbImage; depth: Promise<Float32Array> };
  /** Finished renders, for scripts and tests: each slider change that completes adds one. */
  renders: number;
} = { models: [], paintings: [], vectors: new Map(), loaded: new Map(), renders: 0, photoCache: new PhotoCache() };

/** The zoo twin of a model: scream-depth ↔ scream-nodepth, when both are in the zoo. */
function twinOf(m: ModelEntry | undefined): ModelEntry | undefined {
  const k = m?.kind === 'zoo' ? /^(.*)-(depth|nodepth)$/.exec(m.name) : null;
  return k ? state.models.find((x) => x.kind === 'zoo' && x.name === `${k[1]}-${k[2] === 'depth' ? 'nodepth' : 'depth'}`) : undefined;
}

function say(message: string, progress?: number, error = false): void {
  ui.message.textContent = message;
  ui.message.className = error ? 'error' : '';
  if (progress !== undefined) ui.progress.value = progress;
  document.body.dataset.status = error ? 'error' : message;
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: ${r.status} ${(await r.text()).slice(0, 200)}`);
  return new Uint8Array(await r.arrayBuffer());
}

/**
 * WebGPU when the browser has an adapter, else WASM with threads; `?backend=webgpu|wasm` forces either (webgpu
 * without an adapter is an error, not a silent fallback). `?log=verbose` has ORT list which nodes run where.
 */
async function chooseRuntime(): Promise<G.Runtime> {
  ort.env.wasm.wasmPaths = '/ort/';
  ort.env.wasm.numThreads = self.crossOriginIsolated ? Math.max(1, Math.min(navigator.hardwareConcurrency || 1, 8)) : 1;
  const params = new URLSearchParams(location.search);
  const asked = params.get('backend');
  if (asked !== null && asked !== 'webgpu' && asked !== 'wasm') throw new Error(`?backend=${asked.slice(0, 20)}: use webgpu or wasm`);
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  let webgpu = false;
  if (asked !== 'wasm' && gpu) webgpu = !!(await gpu.requestAdapter().catch(() => null));
  if (asked === 'webgpu' && !webgpu) throw new Error('?backend=webgpu: this browser has no WebGPU adapter');
  ui.backend.textContent = webgpu
    ? 'Backend: WebGPU (WASM for what it lacks)'
    : `Backend: WebAssembly, ${ort.env.wasm.numThreads} thread${ort.env.wasm.numThreads === 1 ? '' : 's'}`;
  document.body.dataset.backend = webgpu ? 'webgpu' : 'wasm';
  const verbose = params.get('log') === 'verbose';
  if (verbose) ort.env.logLevel = 'verbose';
  return new G.Runtime({ executionProviders: webgpu ? ['webgpu', 'wasm'] : ['wasm'], ...(verbose ? { logSeverityLevel: 0 as const } : {}) });
}

function draw(canvas: HTMLCanvasElement, img: RgbImage): void {
  canvas.width = img.width;
  canvas.height = img.height;
  canvas.getContext('2d')!.putImageData(new ImageData(toRgba8(img), img.width, img.height), 0, 0);
}

/** Decodes a photo (EXIF orientation applied by the browser), shrunk to the chosen long side. */
function readPhoto(file: Blob): Promise<RgbImage> {
  return decodeBlob(file, Number(ui.maxSide.value), 'the photo');
}

async function decodeBlob(file: Blob, side: number, what: string): Promise<RgbImage> {
  const bitmap = await createImageBitmap(file).catch(() => {
    throw new Error(`${(file as File).name ?? what}: not an image this browser can read`);
  });
  const k = Math.min(1, side / Math.max(bitmap.width, bitmap.height));
  const [w, h] = [Math.max(1, Math.round(bitmap.width * k)), Math.max(1, Math.round(bitmap.height * k))];
  if (Math.min(w, h) < 16) throw new Error(`${what} is ${w}×${h}; depthstyle needs at least 16 px per side`);
  const canvas = new OffscreenCanvas(w, h);
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, 0, 0, w, h);
  bitmap.close();
  return fromRgba8(ctx.getImageData(0, 0, w, h).data, w, h);
}

function modelFor(entry: ModelEntry): Promise<TransformModel> {
  let m = state.loaded.get(entry.name);
  if (!m) {
    m = fetchBytes(entry.onnx).then((bytes) => transformModelFromOnnx(bytes, entry.name).model);
    m.catch(() => state.loaded.delete(entry.name));
    state.loaded.set(entry.name, m);
  }
  return m;
}

function networks(): Promise<{ predictor: StylePredictor; transfer: Uint8Array }> {
  state.networks ??= (async () => {
    const [p, t] = await Promise.all([fetchBytes(state.arbitrary!.predictor), fetchBytes(state.arbitrary!.transfer)]);
    return { predictor: new StylePredictor(p, state.runtime!), transfer: t };
  })();
  state.networks.catch(() => (state.networks = undefined));
  return state.networks;
}

function vectorOf(p: PaintingEntry): Promise<StyleVector> {
  let v = state.vectors.get(p);
  if (!v) {
    v = (async () => {
      const img = p.file
        ? await decodeBlob(p.file, ARBITRARY.paintingSide, 'the painting')
        : await decodeBlob(new Blob([Uint8Array.from(await fetchBytes(p.square!))]), 256, p.name);
      return (await networks()).predictor.predict(img);
    })();
    v.catch(() => state.vectors.delete(p));
    state.vectors.set(p, v);
  }
  return v;
}

/** The page's controls as pipeline settings (as the CLI's --strength, --depth-strength, --stroke-scale, --depth-strokes). */
function pageSettings(): PipelineSettings {
  const near = Number(ui.near.value);
  const far = Number(ui.far.value);
  if (ui.depthGuided.checked && !(near >= 0 && near <= 1 && far >= 0 && far <= 1)) throw new Error('depth-guided strength: near and far must be from 0 to 1');
  return {
    ...PIPELINE_DEFAULTS,
    // For a painting the strength acts on its style vector (the network re-runs); for a model it is a blend after it.
    strength: Number(ui.strength.value),
    depthStrength: ui.depthGuided.checked ? { near, far } : undefined,
    strokeScale: Number(ui.strokeScale.value),
    depthStrokes: ui.depthStrokes.checked ? parseDepthStrokes(`${ui.strokesNear.value},${ui.strokesFar.value}`, 'depth strokes') : undefined,
    preserveColor: ui.preserveColor.value as PipelineSettings['preserveColor'],
  };
}

/** The chosen network as a pipeline over the photo cache the page keeps (its depth and own vector, once per photo). */
async function pipelineFor(model?: ModelEntry): Promise<StylizePipeline> {
  let network: PipelineNetwork;
  const p = state.chosenPainting;
  if (p && !model) {
    const n = await networks();
    const other = state.paintings.find((q) => q.name === ui.mix.value);
    const mixed = other && other !== p;
    const w = Number(ui.mixWeight.value);
    const styles = [await vectorOf(p), ...(mixed ? [await vectorOf(other)] : [])];
    network = { kind: 'painting', name: p.name, transfer: n.transfer, predictor: n.predictor, styles, weights: mixed ? [1 - w, w] : undefined, licence: '' };
  } else network = { kind: 'model', model: await modelFor(model ?? state.chosen!) };
  return new StylizePipeline(network, { runtime: state.runtime!, depthModel: () => state.depthModel!, cache: state.photoCache }, pageSettings());
}

const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '—');

/** The depth maps of photo and result, side by side, and the judges `eval` reports, robust ones first. */
async function showDepth(photo: RgbImage, result: RgbImage, runtime: G.Runtime): Promise<void> {
  const model = await state.depthModel!;
  const est = new DepthEstimator(model, runtime);
  try {
    if (state.photoDepth?.photo !== photo) state.photoDepth = { photo, depth: est.estimate(photo) };
    const [dp, dr] = [await state.photoDepth.depth, await est.estimate(result)];
    draw(ui.depthPhoto, colorizeDepth(normalizeDepth(dp, model.polarity), photo.width, photo.height));
    draw(ui.depthResult, colorizeDepth(normalizeDepth(dr, model.polarity), result.width, result.height));
    // The page's robust judges need no resize: the 3 px shift (eval's shift3) and the network-free edge cue.
    const noResize = () => Promise.reject(new Error('not used by shift3'));
    const shifted = await resampledAgreement(est, photo, result, 'shift3', noResize);
    const edges = depthEdgeCue(dp, photo, result);
    const plain = depthAgreement(dp, dr);
    const rows: [string, string, string, string][] = [
      [
        'shift3',
        'depth Spearman, both shifted 3 px (robust)',
        fmt(shifted.spearman),
        'PyDNet v2 on photo and result after the same 3-pixel shift; invisible patterns that fool the net rarely survive it',
      ],
      [
        'edges',
        'depth-edge contrast ratio (network-free)',
        fmt(edges.contrastRatio),
        'how strongly the result keeps luminance edges where the photo’s depth jumps, relative to the photo (1 = as strongly)',
      ],
      [
        'plain',
        'depth Spearman, plain (gameable)',
        fmt(plain.spearman),
        'PyDNet v2 on the images as they are: a depth loss on this very net can raise it without visible change',
      ],
    ];
    ui.scores.replaceChildren(
      ...rows.map(([key, name, value, help]) => {
        const tr = document.createElement('tr');
        tr.dataset.judge = key;
        for (const text of [name, value, help]) tr.appendChild(document.createElement('td')).textContent = text;
        return tr;
      }),
    );
  } finally {
    await est.release();
  }
}

/**
 * The depth panel, measured once per result: after a slider settles (not for every step of a drag), for the
 * latest render only; the photo's own depth is kept per photo.
 */
let depthTimer: ReturnType<typeof setTimeout> | undefined;
let depthRun: Promise<void> = Promise.resolve();
function scheduleDepth(render: number, photo: RgbImage, result: RgbImage, runtime: G.Runtime): void {
  clearTimeout(depthTimer);
  depthTimer = setTimeout(() => {
    depthRun = depthRun.then(async () => {
      if (render !== state.renders) return; // a newer result is on its way
      // The depth panel's progress never hides an error shown meanwhile (a bad painting, say).
      const quiet = () => ui.message.className === 'error';
      if (!quiet()) say('Measuring depth…', 0.9);
      try {
        document.body.dataset.depthRuns = String(Number(document.body.dataset.depthRuns ?? 0) + 1);
        await showDepth(photo, result, runtime);
        if (render !== state.renders) return;
        document.body.dataset.depthFor = String(render);
        if (!quiet()) say('Done', 1);
      } catch (err) {
        say((err as Error).message, undefined, true);
      }
    });
  }, 400);
}

let finishing: Promise<void> = Promise.resolve();
/** Strength, depth-guided strength and colour over the network's output, then the result, downloads and depth panel. */
function refinish(): Promise<void> {
  finishing = finishing.then(async () => {
    const { photo, stylized, runtime } = state;
    if (!photo || !stylized || !runtime) return;
    try {
      say('Blending…', 0.75);
      const settings = pageSettings();
      const result = await state.pipeline!.finish(stylized, photo, state.stylizedBy!, settings);
      draw(ui.after, result);
      for (const [a, type] of [
        [ui.png, 'image/png'],
        [ui.jpeg, 'image/jpeg'],
      ] as const)
        ui.after.toBlob(
          (b) => {
            if (!b) return;
            if (a.href) URL.revokeObjectURL(a.href);
            a.href = URL.createObjectURL(b);
          },
          type,
          0.92,
        );
      if (state.twin && state.chosen) {
        draw(ui.twinChosen, result);
        draw(ui.twinOther, await state.twin.pipeline.finish(state.twin.stylized, photo, state.twin.model, settings));
        ui.twinChosenName.textContent = state.chosen.name;
        ui.twinOtherName.textContent = state.twin.entry.name;
      }
      ui.twins.hidden = !state.twin;
      state.renders++;
      const render = state.renders;
      document.body.dataset.renders = String(render);
      say('Done', 1);
      scheduleDepth(render, photo, result, runtime);
    } catch (err) {
      say((err as Error).message, undefined, true);
    }
  });
  return finishing;
}

async function stylizeNow(): Promise<void> {
  const file = ui.photo.files?.[0];
  if (!file || !(state.chosen || state.chosenPainting) || !state.runtime) return;
  ui.run.disabled = true;
  try {
    say('Reading the photo…', 0.02);
    const photo = await readPhoto(file);
    await runNetwork(photo);
  } catch (err) {
    say((err as Error).message, undefined, true);
  } finally {
    ui.run.disabled = false;
  }
}

/** The network on the photo (for a painting: its style vector first), then what follows it. */
let networkRun: Promise<void> = Promise.resolve();
function runNetwork(photo: RgbImage): Promise<void> {
  networkRun = networkRun.then(() => runNetworkNow(photo));
  return networkRun;
}

async function runNetworkNow(photo: RgbImage): Promise<void> {
  if (!state.runtime) return;
  try {
    // The one recipe (src/stylize/pipeline.ts): the network stage here, what follows it in refinish.
    say(state.chosenPainting ? `Reading the style of ${state.chosenPainting.name}…` : `Loading ${state.chosen!.name}…`, 0.05);
    const pipeline = await pipelineFor();
    say('Stylizing…', 0.1);
    try {
      const t0 = performance.now();
      const { raw, model } = await pipeline.stylizeRaw(photo, {}, (done, total) => say(`Stylizing tile ${done} of ${total}…`, 0.1 + (0.6 * done) / total));
      [state.stylized, state.stylizedBy, state.pipeline] = [raw, model, pipeline];
      // The network's time (graph build, session and run), for the benchmark (bench/page.ts).
      document.body.dataset.networkMs = (performance.now() - t0).toFixed(1);
    } finally {
      await pipeline.dispose();
    }
    // The zoo twin, through the same stylizer settings, for the side-by-side view.
    const twin = state.chosenPainting ? undefined : twinOf(state.chosen);
    state.twin = undefined;
    if (twin) {
      say(`Stylizing with its twin ${twin.name}…`, 0.6);
      const tp = await pipelineFor(twin);
      try {
        const { raw, model } = await tp.stylizeRaw(photo);
        state.twin = { entry: twin, stylized: raw, model, pipeline: tp };
      } finally {
        await tp.dispose();
      }
    }
    state.photo = photo;
    draw(ui.before, photo);
    ui.result.hidden = false;
    const stem = (s: string) => s.replace(/\.[^.]*$/, '').replace(/[^\w-]+/g, '_');
    const base = `${stem((ui.photo.files?.[0] as File | undefined)?.name ?? 'photo')}-${stem(state.chosenPainting?.name ?? state.chosen!.name)}`;
    ui.png.download = `${base}.png`;
    ui.jpeg.download = `${base}.jpg`;
    await refinish();
  } catch (err) {
    say((err as Error).message, undefined, true);
  }
}

/** Whether the user has set depth-guided strength themselves (then a new style keeps their setting). */
let depthStrengthTouched = false;

/** The recommended depth-guided strength of the kind of network chosen (DEFAULT_DEPTH_STRENGTH), until the user sets one. */
function applyDepthStrengthDefault(): void {
  if (depthStrengthTouched) return;
  const d = DEFAULT_DEPTH_STRENGTH[state.chosenPainting ? 'painting' : 'model'];
  ui.depthGuided.checked = !!d;
  if (!d) return;
  ui.near.value = String(d.near);
  ui.far.value = String(d.far);
  ui.nearValue.textContent = d.near.toFixed(2);
  ui.farValue.textContent = d.far.toFixed(2);
}

function choose(button: HTMLElement, model?: ModelEntry, painting?: PaintingEntry): void {
  const changed = state.chosen !== model || state.chosenPainting !== painting;
  state.chosen = model;
  state.chosenPainting = painting;
  applyDepthStrengthDefault();
  for (const o of ui.gallery.children) o.setAttribute('aria-checked', String(o === button));
  ui.run.disabled = !ui.photo.files?.length;
  // A style chosen after the photo: stylize again at once.
  if (changed && state.photo) void runNetwork(state.photo);
}

function paintingButton(p: PaintingEntry): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.setAttribute('role', 'radio');
  b.dataset.painting = p.name;
  b.title = `${p.name} — any painting, through the arbitrary-style network`;
  const pic = p.thumbnail
    ? Object.assign(document.createElement('img'), { src: p.thumbnail, alt: p.name })
    : Object.assign(document.createElement('span'), { className: 'none' });
  b.append(pic, document.createTextNode(`${p.name} (any painting)`));
  b.onclick = () => choose(b, undefined, p);
  return b;
}

function renderMixOptions(): void {
  const keep = ui.mix.value;
  ui.mix.replaceChildren(
    Object.assign(document.createElement('option'), { value: '', textContent: 'nothing' }),
    ...state.paintings.map((p) => Object.assign(document.createElement('option'), { value: p.name, textContent: p.name })),
  );
  ui.mix.value = keep;
}

function renderGallery(): void {
  ui.gallery.replaceChildren(
    ...state.paintings.map(paintingButton),
    ...state.models.map((m) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.setAttribute('role', 'radio');
      b.dataset.model = m.name;
      b.title = `${m.name}\n${m.licence}`;
      const pic = m.thumbnail
        ? Object.assign(document.createElement('img'), { src: m.thumbnail, alt: m.metadata.style ?? m.name })
        : Object.assign(document.createElement('span'), { className: 'none' });
      b.append(pic, document.createTextNode(m.name));
      b.onclick = () => choose(b, m);
      return b;
    }),
  );
  renderMixOptions();
  (ui.gallery.querySelector('button[data-model]') as HTMLButtonElement | null)?.click();
}

/**
 * The webcam, stylized live with the chosen style on a worker of its own (web/webcam-worker.ts): frames grabbed
 * from the camera at the chosen long side as ImageBitmaps (the browser resizes them), each through one stylizer
 * whose norm statistics are averaged across frames (the 'norm' stabilization of `stylize CLIP.mp4`) with the
 * previous output carried where the camera saw no change, shown as the bitmap the worker drew. The next frame is
 * grabbed while the network runs on this one. Frames per second shown (a moving average), a snapshot to download.
 */
let webcam: { stream: MediaStream } | undefined;
/** The webcam's worker, one for the page's sessions (see webcam-worker.ts). */
let webcamWorker: Worker | undefined;
async function startWebcam(): Promise<void> {
  if (webcam || !state.runtime) return;
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
  } catch (err) {
    say(`the webcam is not available: ${(err as Error).message}`, undefined, true);
    return;
  }
  const session = { stream };
  webcam = session;
  ui.webcamStart.disabled = true;
  ui.webcamStop.disabled = false;
  const video = ui.webcamVideo;
  const fail = (err: unknown) => {
    say(err instanceof Error ? err.message : String(err), undefined, true);
    if (webcam === session) stopWebcam();
  };
  try {
    video.srcObject = stream;
    await video.play();
    // The chosen style, or the first painting: a painting at full strength (its vector), or the zoo model.
    const painting = state.chosenPainting ?? (state.chosen ? undefined : state.paintings[0]);
    const network = painting
      ? { kind: 'painting' as const, name: painting.name, transfer: (await networks()).transfer.slice(), style: Float32Array.from(await vectorOf(painting)) }
      : { kind: 'model' as const, name: state.chosen!.name, onnx: await fetchBytes(state.chosen!.onnx) };
    if (webcam !== session) return;
    webcamWorker ??= new Worker('/webcam-worker.js', { type: 'module' });
    const worker = webcamWorker;
    const side = Number(ui.webcamSide.value);
    const shown = ui.webcamOut.getContext('bitmaprenderer')!;
    // Milliseconds per stage, summed over frames: the page's (grab, show) and the worker's (the bench takes differences).
    const pageSums: Record<string, number> = {};
    let fps = 0;
    let last = performance.now();
    ui.webcamOut.hidden = false;
    ui.webcamSnapshot.hidden = false;
    const grab = async () => {
      const k = side / Math.max(video.videoWidth, video.videoHeight);
      const [w, h] = [Math.max(16, 4 * Math.round((video.videoWidth * k) / 4)), Math.max(16, 4 * Math.round((video.videoHeight * k) / 4))];
      const t0 = performance.now();
      const bitmap = await createImageBitmap(video, { resizeWidth: w, resizeHeight: h, resizeQuality: 'medium' });
      pageSums.grab = (pageSums.grab ?? 0) + performance.now() - t0;
      if (webcam !== session) return bitmap.close();
      worker.postMessage({ type: 'frame', bitmap } satisfies WebcamRequest, [bitmap]);
    };
    worker.onerror = (e) => fail(new Error(`the webcam's worker failed: ${e.message}`));
    worker.onmessage = (e: MessageEvent<WebcamReply>) => {
      const m = e.data;
      if (webcam !== session) return;
      if (m.type === 'error') return fail(new Error(m.message));
      if (m.type === 'want') return void grab().catch(fail);
      const t0 = performance.now();
      ui.webcamOut.width = m.width;
      ui.webcamOut.height = m.height;
      shown.transferFromImageBitmap(m.bitmap);
      pageSums.show = (pageSums.show ?? 0) + performance.now() - t0;
      const now = performance.now();
      fps = fps ? 0.8 * fps + 0.2 * (1000 / (now - last)) : 1000 / (now - last);
      last = now;
      ui.webcamFps.textContent = `${fps.toFixed(1)} frames per second at ${m.width}×${m.height}`;
      document.body.dataset.webcamFrames = String(Number(document.body.dataset.webcamFrames ?? 0) + 1);
      document.body.dataset.webcamFps = fps.toFixed(2);
      document.body.dataset.webcamStageSums = JSON.stringify({ ...m.stageSums, ...pageSums });
    };
    const providers = document.body.dataset.backend === 'webgpu' ? ['webgpu', 'wasm'] : ['wasm'];
    worker.postMessage({ type: 'start', providers, numThreads: ort.env.wasm.numThreads ?? 1, network } satisfies WebcamRequest);
  } catch (err) {
    fail(err);
  }
}

function stopWebcam(): void {
  if (!webcam) return;
  webcamWorker?.postMessage({ type: 'stop' } satisfies WebcamRequest);
  for (const t of webcam.stream.getTracks()) t.stop();
  webcam = undefined;
  ui.webcamStart.disabled = false;
  ui.webcamStop.disabled = true;
}

async function main(): Promise<void> {
  try {
    const list = (await (await fetch('/api/models')).json()) as ModelList;
    state.models = list.models;
    state.paintings = list.arbitrary.paintings;
    state.arbitrary = list.arbitrary;
    ui.arbitraryLicence.textContent = `Any painting: ${list.arbitrary.licence}`;
    renderGallery();
    state.runtime = await chooseRuntime();
    state.depthModel = fetchBytes(list.depth.onnx).then((b) => builtinDepthModelFromOnnx('pydnet-v2', b));
    ui.licences.textContent = `Models: ${[...new Set(list.models.map((m) => m.licence))].join(' · ')} · Any painting: ${list.arbitrary.licence} · Depth: ${list.depth.licence}`;
    say('Choose a photo', 0);
  } catch (err) {
    say(`cannot start: ${(err as Error).message}`, undefined, true);
    return;
  }
  ui.photo.onchange = () => {
    ui.run.disabled = !state.chosen || !ui.photo.files?.length;
    void stylizeNow();
  };
  ui.run.onclick = () => void stylizeNow();
  ui.webcamStart.onclick = () => void startWebcam();
  ui.webcamStop.onclick = () => stopWebcam();
  ui.webcamSnapshot.onclick = () => {
    if (ui.webcamSnapshot.href) URL.revokeObjectURL(ui.webcamSnapshot.href);
    ui.webcamSnapshot.href = ui.webcamOut.toDataURL('image/png');
  };
  // Another size: the photo is read again at it and stylized.
  ui.maxSide.addEventListener('change', () => ui.photo.files?.length && void stylizeNow());
  for (const ev of ['dragover', 'dragenter'] as const)
    ui.drop.addEventListener(ev, (e) => {
      e.preventDefault();
      ui.drop.classList.add('over');
    });
  ui.drop.addEventListener('dragleave', () => ui.drop.classList.remove('over'));
  ui.drop.addEventListener('drop', (e) => {
    e.preventDefault();
    ui.drop.classList.remove('over');
    if (e.dataTransfer?.files.length) {
      ui.photo.files = e.dataTransfer.files;
      ui.photo.dispatchEvent(new Event('change'));
    }
  });
  ui.strength.oninput = () => (ui.strengthValue.textContent = Number(ui.strength.value).toFixed(2));
  ui.mixWeight.oninput = () => (ui.mixValue.textContent = Number(ui.mixWeight.value).toFixed(2));
  ui.strokeScale.oninput = () => (ui.strokeValue.textContent = Number(ui.strokeScale.value).toFixed(2));
  for (const [input, shown] of [
    [ui.near, ui.nearValue],
    [ui.far, ui.farValue],
    [ui.strokesNear, ui.strokesNearValue],
    [ui.strokesFar, ui.strokesFarValue],
  ] as const)
    input.oninput = () => (shown.textContent = Number(input.value).toFixed(2));
  // Stroke size changes what the network paints: it runs again.
  for (const el of [ui.strokeScale, ui.depthStrokes, ui.strokesNear, ui.strokesFar])
    el.addEventListener('change', () => state.photo && void runNetwork(state.photo));
  // With a painting, strength and mixing change its style vector: only the transfer network runs again.
  const again = () => (state.chosenPainting && state.photo ? void runNetwork(state.photo) : void refinish());
  ui.strength.addEventListener('change', again);
  for (const el of [ui.mix, ui.mixWeight]) el.addEventListener('change', () => state.chosenPainting && state.photo && void runNetwork(state.photo));
  ui.preserveColor.addEventListener('change', () => void refinish());
  // Depth-guided strength: in a painting's features (its network runs again), else the blend after the network.
  for (const el of [ui.depthGuided, ui.near, ui.far])
    el.addEventListener('change', () => {
      depthStrengthTouched = true;
      again();
    });
  ui.painting.onchange = () => {
    const file = ui.painting.files?.[0];
    if (!file) return;
    const own: PaintingEntry = { name: file.name, thumbnail: URL.createObjectURL(file), file };
    // Checked now (decoded, style predicted), so a bad file is one line in the page and the gallery stays as it was.
    say(`Reading the style of ${file.name}…`, 0.02);
    vectorOf(own).then(
      () => {
        state.paintings.push(own);
        const b = paintingButton(own);
        ui.gallery.prepend(b);
        renderMixOptions();
        choose(b, undefined, own); // stylizes again when a photo is there
        if (!state.photo) say('Choose a photo', 0);
      },
      (err: Error) => say(err.message, undefined, true),
    );
  };
  ui.split.oninput = () => (ui.after.style.clipPath = `inset(0 0 0 ${ui.split.value}%)`);
  ui.split.dispatchEvent(new Event('input'));
}

void main();
