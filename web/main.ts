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
import { Stylizer, finishStylization, type StylizeOptions, type TransformModel } from '../src/stylize/stylizer.js';

/** One entry of GET /api/models. */
interface ModelEntry {
  name: string;
  kind: 'zoo' | 'baseline';
  metadata: Record<string, string>;
  onnx: string;
  thumbnail: string | null;
  licence: string;
}
interface ModelList {
  models: ModelEntry[];
  depth: { name: 'pydnet-v2'; onnx: string; licence: string };
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  photo: $<HTMLInputElement>('photo'),
  drop: $<HTMLLabelElement>('drop'),
  gallery: $<HTMLDivElement>('gallery'),
  strength: $<HTMLInputElement>('strength'),
  strengthValue: $<HTMLOutputElement>('strength-value'),
  depthGuided: $<HTMLInputElement>('depth-guided'),
  near: $<HTMLInputElement>('near'),
  far: $<HTMLInputElement>('far'),
  preserveColor: $<HTMLSelectElement>('preserve-color'),
  maxSide: $<HTMLSelectElement>('max-side'),
  run: $<HTMLButtonElement>('run'),
  progress: $<HTMLProgressElement>('progress'),
  message: $<HTMLSpanElement>('message'),
  backend: $<HTMLParagraphElement>('backend'),
  result: $<HTMLElement>('result'),
  before: $<HTMLCanvasElement>('before'),
  after: $<HTMLCanvasElement>('after'),
  split: $<HTMLInputElement>('split'),
  png: $<HTMLAnchorElement>('download-png'),
  jpeg: $<HTMLAnchorElement>('download-jpeg'),
  depthPhoto: $<HTMLCanvasElement>('depth-photo'),
  depthResult: $<HTMLCanvasElement>('depth-result'),
  scores: $<HTMLTableSectionElement>('scores').querySelector('tbody')!,
  licences: $<HTMLElement>('licences'),
};

const state: {
  models: ModelEntry[];
  chosen?: ModelEntry;
  photo?: RgbImage;
  /** The network's output before strength and colour: sliders only redo what follows it. */
  stylized?: RgbImage;
  runtime?: G.Runtime;
  depthModel?: Promise<DepthModel>;
  loaded: Map<string, Promise<TransformModel>>;
  /** Finished renders, for scripts and tests: each slider change that completes adds one. */
  renders: number;
} = { models: [], loaded: new Map(), renders: 0 };

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

/** WebGPU when the browser has an adapter (and the page was not asked for ?backend=wasm), else WASM with threads. */
async function chooseRuntime(): Promise<G.Runtime> {
  ort.env.wasm.wasmPaths = '/ort/';
  ort.env.wasm.numThreads = self.crossOriginIsolated ? Math.max(1, Math.min(navigator.hardwareConcurrency || 1, 8)) : 1;
  const asked = new URLSearchParams(location.search).get('backend');
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  let webgpu = false;
  if (asked !== 'wasm' && gpu) webgpu = !!(await gpu.requestAdapter().catch(() => null));
  ui.backend.textContent = webgpu ? 'Backend: WebGPU (WASM for what it lacks)' : `Backend: WebAssembly, ${ort.env.wasm.numThreads} thread${ort.env.wasm.numThreads === 1 ? '' : 's'}`;
  document.body.dataset.backend = webgpu ? 'webgpu' : 'wasm';
  return new G.Runtime({ executionProviders: webgpu ? ['webgpu', 'wasm'] : ['wasm'] });
}

function draw(canvas: HTMLCanvasElement, img: RgbImage): void {
  canvas.width = img.width;
  canvas.height = img.height;
  canvas.getContext('2d')!.putImageData(new ImageData(toRgba8(img), img.width, img.height), 0, 0);
}

/** Decodes a photo (EXIF orientation applied by the browser), shrunk to the chosen long side. */
async function readPhoto(file: Blob): Promise<RgbImage> {
  const bitmap = await createImageBitmap(file).catch(() => {
    throw new Error(`${(file as File).name ?? 'the file'}: not an image this browser can read`);
  });
  const side = Number(ui.maxSide.value);
  const k = Math.min(1, side / Math.max(bitmap.width, bitmap.height));
  const [w, h] = [Math.max(1, Math.round(bitmap.width * k)), Math.max(1, Math.round(bitmap.height * k))];
  if (Math.min(w, h) < 16) throw new Error(`the photo is ${w}×${h}; depthstyle needs at least 16 px per side`);
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

function finishOptions(): Pick<StylizeOptions, 'strength' | 'depthStrength' | 'preserveColor'> {
  const near = Number(ui.near.value);
  const far = Number(ui.far.value);
  if (ui.depthGuided.checked && !(near >= 0 && near <= 1 && far >= 0 && far <= 1)) throw new Error('depth-guided strength: near and far must be from 0 to 1');
  return {
    strength: Number(ui.strength.value),
    depthStrength: ui.depthGuided.checked ? { near, far } : undefined,
    preserveColor: ui.preserveColor.value as StylizeOptions['preserveColor'],
  };
}

const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '—');

/** The depth maps of photo and result, side by side, and the judges `eval` reports, robust ones first. */
async function showDepth(photo: RgbImage, result: RgbImage, runtime: G.Runtime): Promise<void> {
  const model = await state.depthModel!;
  const est = new DepthEstimator(model, runtime);
  try {
    const [dp, dr] = [await est.estimate(photo), await est.estimate(result)];
    draw(ui.depthPhoto, colorizeDepth(normalizeDepth(dp, model.polarity), photo.width, photo.height));
    draw(ui.depthResult, colorizeDepth(normalizeDepth(dr, model.polarity), result.width, result.height));
    // The page's robust judges need no resize: the 3 px shift (eval's shift3) and the network-free edge cue.
    const noResize = () => Promise.reject(new Error('not used by shift3'));
    const shifted = await resampledAgreement(est, photo, result, 'shift3', noResize);
    const edges = depthEdgeCue(dp, photo, result);
    const plain = depthAgreement(dp, dr);
    const rows: [string, string, string, string][] = [
      ['shift3', 'depth Spearman, both shifted 3 px (robust)', fmt(shifted.spearman), 'PyDNet v2 on photo and result after the same 3-pixel shift; invisible patterns that fool the net rarely survive it'],
      ['edges', 'depth-edge contrast ratio (network-free)', fmt(edges.contrastRatio), 'how strongly the result keeps luminance edges where the photo’s depth jumps, relative to the photo (1 = as strongly)'],
      ['plain', 'depth Spearman, plain (gameable)', fmt(plain.spearman), 'PyDNet v2 on the images as they are: a depth loss on this very net can raise it without visible change'],
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

let finishing: Promise<void> = Promise.resolve();
/** Strength, depth-guided strength and colour over the network's output, then the result, downloads and depth panel. */
function refinish(): Promise<void> {
  finishing = finishing.then(async () => {
    const { photo, stylized, runtime } = state;
    if (!photo || !stylized || !runtime) return;
    try {
      const o = finishOptions();
      say('Blending…', 0.75);
      const depthModel = o.depthStrength ? await state.depthModel : undefined;
      const result = await finishStylization(stylized, photo, { ...o, depthModel, runtime });
      draw(ui.after, result);
      for (const [a, type] of [[ui.png, 'image/png'], [ui.jpeg, 'image/jpeg']] as const)
        ui.after.toBlob((b) => {
          if (!b) return;
          if (a.href) URL.revokeObjectURL(a.href);
          a.href = URL.createObjectURL(b);
        }, type, 0.92);
      say('Measuring depth…', 0.85);
      await showDepth(photo, result, runtime);
      state.renders++;
      document.body.dataset.renders = String(state.renders);
      say('Done', 1);
    } catch (err) {
      say((err as Error).message, undefined, true);
    }
  });
  return finishing;
}

async function stylizeNow(): Promise<void> {
  const file = ui.photo.files?.[0];
  if (!file || !state.chosen || !state.runtime) return;
  ui.run.disabled = true;
  try {
    say('Reading the photo…', 0.02);
    const photo = await readPhoto(file);
    say(`Loading ${state.chosen.name}…`, 0.05);
    const model = await modelFor(state.chosen);
    say('Stylizing…', 0.1);
    const stylizer = new Stylizer(model, state.runtime);
    try {
      state.stylized = await stylizer.stylizeLarge(photo, {}, (done, total) => say(`Stylizing tile ${done} of ${total}…`, 0.1 + (0.6 * done) / total));
    } finally {
      await stylizer.release();
    }
    state.photo = photo;
    draw(ui.before, photo);
    ui.result.hidden = false;
    await refinish();
  } catch (err) {
    say((err as Error).message, undefined, true);
  } finally {
    ui.run.disabled = false;
  }
}

function renderGallery(): void {
  ui.gallery.replaceChildren(
    ...state.models.map((m) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.setAttribute('role', 'radio');
      b.dataset.model = m.name;
      b.title = `${m.name}\n${m.licence}`;
      const pic = m.thumbnail ? Object.assign(document.createElement('img'), { src: m.thumbnail, alt: m.metadata.style ?? m.name }) : Object.assign(document.createElement('span'), { className: 'none' });
      b.append(pic, document.createTextNode(m.name));
      b.onclick = () => {
        state.chosen = m;
        for (const o of ui.gallery.children) o.setAttribute('aria-checked', String(o === b));
        ui.run.disabled = !ui.photo.files?.length;
      };
      return b;
    }),
  );
  (ui.gallery.firstElementChild as HTMLButtonElement | null)?.click();
}

async function main(): Promise<void> {
  try {
    const list = (await (await fetch('/api/models')).json()) as ModelList;
    state.models = list.models;
    renderGallery();
    state.runtime = await chooseRuntime();
    state.depthModel = fetchBytes(list.depth.onnx).then((b) => builtinDepthModelFromOnnx('pydnet-v2', b));
    ui.licences.textContent = `Models: ${[...new Set(list.models.map((m) => m.licence))].join(' · ')} · Depth: ${list.depth.licence}`;
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
  for (const el of [ui.strength, ui.depthGuided, ui.near, ui.far, ui.preserveColor]) el.addEventListener('change', () => void refinish());
  ui.split.oninput = () => (ui.after.style.clipPath = `inset(0 0 0 ${ui.split.value}%)`);
  ui.split.dispatchEvent(new Event('input'));
}

void main();
