// How the flow stabilization blends, measured (docs/video.md, "Choosing the blend"): the frames of one shared clip
// (first 1.2 s, 480 px) are stylized once per frame ('none') and with averaged norm statistics ('norm'), the
// stabilizer's flow is computed once, and then each variant of the carry is applied offline: blend weight,
// bilinear or bicubic carry, carrying the previous output or the previous raw frame, a low-pass-only blend, and
// the local-contrast match at fraction f (1 = as in src/stylize/stabilize.ts). Each is judged like
// scripts/video-stabilization.ts: flicker above the floor (the judge's own flow), style loss on every 10th frame.
// This re-implements the blend to try variants; the shipped one is blendCarried (src/stylize/stabilize.ts).
//   node --import tsx scripts/video-carry-grid.ts CLIP.mp4 scream-depth|arbitrary   (ONLY=grid: the f × blend grid)
import path from 'node:path';
import { Runtime } from '../src/graph/index.js';
import { loadImage, type RgbImage } from '../src/io/image.js';
import { resizeRgb } from '../src/io/rgb.js';
import { probeVideo, readFrames, videoFrameSize } from '../src/io/video.js';
import { DialJudge } from '../src/eval/evaluate.js';
import { evaluateClip } from '../src/eval/video.js';
import { loadDepthModel, secondJudgeFor } from '../src/models/depth.js';
import { ModelStore } from '../src/models/resolver.js';
import { loadVgg19 } from '../src/models/vgg.js';
import { resolvePainting } from '../src/stylize/arbitrary.node.js';
import { loadTransformModel } from '../src/stylize/models.js';
import { stylizeFrames } from '../src/stylize/video.js';
import * as F from '../src/video/flow.js';
import { boxMean } from '../src/stylize/depth-strength.js';

const clip = process.argv[2] ?? 'room_pan.mp4';
const modelName = process.argv[3] ?? 'scream-depth';
const store = new ModelStore();
const runtime = new Runtime({ threads: 1 });
const depthModel = await loadDepthModel('pydnet-v2', { store });
const [vgg, second] = [await loadVgg19({ store }), await loadDepthModel(secondJudgeFor('pydnet-v2'), { store })];
const judge = new DialJudge({ depthModel, secondDepthModel: second, vgg, style: await loadImage(resolvePainting('the_scream', store)), runtime });
const file = path.join(store.dir, '..', 'videos', clip);
const size = videoFrameSize(probeVideo(file), 480);
const source: RgbImage[] = [];
for await (const f of readFrames(file, size, { duration: 1.2 })) source.push(f);
import { ArbitraryStylist } from '../src/stylize/arbitrary.node.js';
let model: import('../src/stylize/stylizer.js').TransformModel;
if (modelName === 'arbitrary') {
  const st = await ArbitraryStylist.load(store, runtime);
  model = st.model(await st.styleOfFile(resolvePainting('the_scream', store)), 'the_scream');
} else model = await loadTransformModel(modelName, store);
const run = async (mode: 'none' | 'norm') => {
  const out: RgbImage[] = [];
  async function* fr() {
    yield* source;
  }
  for await (const f of stylizeFrames(fr(), model, { runtime, stabilize: mode })) out.push(f);
  return out;
};
const [none, norm] = [await run('none'), await run('norm')];
const SF = { pyrScale: 0.5, levels: 3, window: 21, iterations: 3, polyN: 7, polySigma: 1.5 };
const half = (img: RgbImage) => resizeRgb(img, Math.round(img.width / 2), Math.round(img.height / 2));
const flows: { back: F.Flow; ok: Uint8Array }[] = [];
for (let t = 1; t < source.length; t++) {
  const [a, b] = [half(source[t]), half(source[t - 1])];
  const back = F.resizeFlow(await F.opticalFlow(a, b, SF), size[0], size[1]);
  const fwd = F.resizeFlow(await F.opticalFlow(b, a, SF), size[0], size[1]);
  const mask = F.consistentMask(back, fwd);
  const sc = F.warp(source[t - 1], back);
  const n = size[0] * size[1];
  const ok = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const d =
      (Math.abs(source[t].data[i] - sc.data[i]) + Math.abs(source[t].data[n + i] - sc.data[n + i]) + Math.abs(source[t].data[2 * n + i] - sc.data[2 * n + i])) /
      3;
    ok[i] = mask[i] && d <= 12 ? 1 : 0;
  }
  flows.push({ back, ok });
}
/** Two box passes per channel (≈ a Gaussian), as matchLocalContrast smooths. */
function blur(img: RgbImage, r: number): RgbImage {
  const { width: w, height: h } = img;
  const n = w * h;
  const data = new Float32Array(img.data.length);
  for (let c = 0; c < 3; c++) data.set(boxMean(boxMean(Float64Array.from(img.data.subarray(c * n, (c + 1) * n)), w, h, r), w, h, r), c * n);
  return { width: w, height: h, data };
}
type V = {
  name: string;
  raw: RgbImage[];
  alpha: number;
  interp: 'bilinear' | 'cubic';
  carry: 'out' | 'raw';
  lowpass?: number;
  contrast?: number;
  frac?: number;
};
const variants: V[] = (
  [
    { name: 'both a0.6 bilinear (current)', raw: norm, alpha: 0.6, interp: 'bilinear', carry: 'out' },
    { name: 'both a0.6 cubic', raw: norm, alpha: 0.6, interp: 'cubic', carry: 'out' },
    { name: 'both a0.45 cubic', raw: norm, alpha: 0.45, interp: 'cubic', carry: 'out' },
    { name: 'both a0.35 cubic', raw: norm, alpha: 0.35, interp: 'cubic', carry: 'out' },
    { name: 'both raw-carry a0.5 cubic', raw: norm, alpha: 0.5, interp: 'cubic', carry: 'raw' },
    { name: 'flow a0.45 cubic', raw: none, alpha: 0.45, interp: 'cubic', carry: 'out' },
    { name: 'both lowpass r2 a0.8 cubic', raw: norm, alpha: 0.8, interp: 'cubic', carry: 'out', lowpass: 2 },
    { name: 'both a0.6 cubic contrast r3', raw: norm, alpha: 0.6, interp: 'cubic', carry: 'out', contrast: 3 },
    { name: 'both a0.5 cubic contrast r3', raw: norm, alpha: 0.5, interp: 'cubic', carry: 'out', contrast: 3 },
    { name: 'both a0.7 cubic contrast r3', raw: norm, alpha: 0.7, interp: 'cubic', carry: 'out', contrast: 3 },
    ...[0.6, 0.7].flatMap((a) =>
      [0, 0.5, 1].map((f) => ({
        name: `grid a${a} f${f}`,
        raw: norm,
        alpha: a,
        interp: 'cubic' as const,
        carry: 'out' as const,
        contrast: f ? 3 : undefined,
        frac: f,
      })),
    ),
  ] as V[]
).filter((v) => !process.env.ONLY || v.name.includes(process.env.ONLY));
const score = async (name: string, out: RgbImage[]) => {
  async function* pairs() {
    for (const [i, s] of source.entries()) yield { source: s, stylized: out[i] };
  }
  const c = await evaluateClip(pairs(), { depthModel, runtime });
  const st: number[] = [];
  for (let i = 0; i < out.length; i += 10) st.push((await judge.judge(source[i], out[i])).style);
  const style = st.reduce((a, b) => a + b, 0) / st.length;
  console.log(
    JSON.stringify({ name, excess: +c.warping.excess.toFixed(3), floor: +c.warping.source.toFixed(3), style: +style.toExponential(4), edge: c.depth }),
  );
  return { excess: c.warping.excess, style };
};
const base = await score('none', none);
if (!process.env.ONLY) await score('norm', norm);
for (const v of variants) {
  const out: RgbImage[] = [v.raw[0]];
  for (let t = 1; t < source.length; t++) {
    const prev = v.carry === 'out' ? out[t - 1] : v.raw[t - 1];
    const carried = F.warp(prev, flows[t - 1].back, v.interp);
    const raw = v.raw[t];
    const n = raw.width * raw.height;
    let delta: RgbImage = { width: raw.width, height: raw.height, data: carried.data.map((c, i) => c - raw.data[i]) };
    if (v.lowpass) delta = blur(delta, v.lowpass);
    const data = Float32Array.from(raw.data);
    for (let i = 0; i < n; i++) if (flows[t - 1].ok[i]) for (let c = 0; c < 3; c++) data[c * n + i] += v.alpha * delta.data[c * n + i];
    let res: RgbImage = { width: raw.width, height: raw.height, data };
    if (v.contrast) {
      // local contrast of the blend matched to the raw frame's (variance-preserving blending)
      const sq = (im: RgbImage): RgbImage => ({ ...im, data: im.data.map((x) => x * x) });
      const [mb, mb2, mr, mr2] = [blur(res, v.contrast), blur(sq(res), v.contrast), blur(raw, v.contrast), blur(sq(raw), v.contrast)];
      const d2 = Float32Array.from(res.data);
      for (let i = 0; i < n; i++)
        if (flows[t - 1].ok[i])
          for (let c = 0; c < 3; c++) {
            const j = c * n + i;
            const vb = Math.max(0, mb2.data[j] - mb.data[j] ** 2),
              vr = Math.max(0, mr2.data[j] - mr.data[j] ** 2);
            const k = 1 + (v.frac ?? 1) * (Math.min(2, Math.max(1, Math.sqrt((vr + 4) / (vb + 4)))) - 1);
            d2[j] = mb.data[j] + k * (res.data[j] - mb.data[j]);
          }
      res = { ...res, data: d2 };
    }
    out.push(res);
  }
  const s = await score(v.name, out);
  console.log(
    `  -> ${clip} ${modelName} ${v.name}: flicker ${(100 * (s.excess / base.excess - 1)).toFixed(0)} %, style ${(100 * (s.style / base.style - 1)).toFixed(1)} %`,
  );
}
