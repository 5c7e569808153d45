// int8 against fp32 stylization (issue: ship int8 only if ≥ 1.5× faster with PSNR ≥ 35 dB): speed at 512 and
// 1024 px (median of 5 after 2 warm-ups, one ORT session per model and size, the models' ONNX files run as
// they are), and quality on 10 photos no model was tuned on (the seed report's): PSNR of the int8 output
// against the fp32 output, and the depth Spearman (PyDNet v2) of each output against its photo.
//   node --import tsx bench/int8.ts [MODEL...] > bench/results/int8.json   (default: baseline:wave and the zoo)
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { ort } from '../src/graph/engine.js';
import { Runtime } from '../src/graph/index.js';
import { loadImage, type RgbImage } from '../src/io/image.js';
import { depthAgreement } from '../src/eval/metrics.js';
import { DepthEstimator, loadDepthModel } from '../src/models/depth.js';
import { packageRoot } from '../src/models/resolver.js';
import { transformOnnxBytes } from '../src/stylize/models.js';
import { quantizeModel, type QuantizedForm } from '../src/stylize/quantize.js';

const shared = path.join(packageRoot(), '..', 'shared', 'images');
const threads = Number(process.env.THREADS ?? 2);
const zoo = readdirSync(path.join(packageRoot(), 'models'))
  .filter((f) => /-depth\.onnx$/.test(f))
  .map((f) => path.join('models', f));
const specs = process.argv.slice(2).length ? process.argv.slice(2) : ['baseline:wave', ...zoo];

/** Width and height at long side `side`, multiples of 4 (the Engstrom architecture needs them). */
const fit = (img: { width: number; height: number }, side: number): [number, number] => {
  const k = side / Math.max(img.width, img.height);
  return [4 * Math.round((img.width * k) / 4), 4 * Math.round((img.height * k) / 4)];
};
async function photoAt(file: string, side: number): Promise<RgbImage> {
  const meta = await loadImage(file, { maxSide: 64 });
  return loadImage(file, { size: fit(meta, side) });
}

const calibration = await Promise.all(
  readdirSync(path.join(shared, 'train'))
    .filter((f) => /\.jpe?g$/i.test(f))
    .sort()
    .slice(0, 4)
    .map((f) => photoAt(path.join(shared, 'train', f), 384)),
);
const testPhotos = await Promise.all(
  readdirSync(path.join(shared, 'seed-report'))
    .filter((f) => /_input\./.test(f))
    .sort()
    .slice(0, 10)
    .map((f) => photoAt(path.join(shared, 'seed-report', f), 512)),
);

async function session(bytes: Uint8Array) {
  return ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionProviders: ['cpu'] });
}
async function run(s: ort.InferenceSession, img: RgbImage): Promise<RgbImage> {
  const out = await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', img.data, [1, 3, img.height, img.width]) });
  return { ...img, data: out[s.outputNames[0]].data as Float32Array };
}
async function time(s: ort.InferenceSession, img: RgbImage): Promise<number> {
  for (let i = 0; i < 2; i++) await run(s, img);
  const t: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await run(s, img);
    t.push((performance.now() - t0) / 1000);
  }
  return t.sort((a, b) => a - b)[2];
}
function psnr(a: RgbImage, b: RgbImage): number {
  let se = 0;
  const clamp = (v: number) => Math.min(255, Math.max(0, v));
  for (let i = 0; i < a.data.length; i++) se += (clamp(a.data[i]) - clamp(b.data[i])) ** 2;
  return 10 * Math.log10((255 * 255) / (se / a.data.length));
}

const depth = new DepthEstimator(await loadDepthModel(), new Runtime({ threads }));
const rows = [];
for (const spec of specs) {
  const fp32 = await transformOnnxBytes(spec);
  const sFp32 = await session(fp32);
  const outFp32 = await Promise.all(testPhotos.map((p) => run(sFp32, p)));
  const photoDepth = await Promise.all(testPhotos.map((p) => depth.estimate(p)));
  const spearman = async (outs: RgbImage[]) => {
    let sum = 0;
    for (let i = 0; i < outs.length; i++) sum += depthAgreement(photoDepth[i], await depth.estimate(outs[i])).spearman;
    return sum / outs.length;
  };
  const big = await photoAt(path.join(shared, 'content', 'golden_gate.jpg'), 1024);
  const small = await photoAt(path.join(shared, 'content', 'golden_gate.jpg'), 512);
  const fp32Times = { 512: await time(sFp32, small), 1024: await time(sFp32, big) };
  const row: Record<string, unknown> = { model: spec, fp32_s: fp32Times, fp32_depth_spearman: await spearman(outFp32) };
  const variants: [string, QuantizedForm, boolean][] = [
    ['qlinear', 'qlinear', true],
    ['qlinear-all', 'qlinear', false],
    ['integer', 'integer', true],
  ];
  for (const [name, form, keepEnds] of variants) {
    const s = await session(await quantizeModel(fp32, spec, { photos: calibration, form, keepEnds, threads }));
    const outs = await Promise.all(testPhotos.map((p) => run(s, p)));
    const t = { 512: await time(s, small), 1024: await time(s, big) };
    row[name] = {
      s: t,
      speedup: { 512: fp32Times[512] / t[512], 1024: fp32Times[1024] / t[1024] },
      psnr_db: outs.map((o, i) => psnr(o, outFp32[i])).reduce((a, b) => a + b, 0) / outs.length,
      psnr_min_db: Math.min(...outs.map((o, i) => psnr(o, outFp32[i]))),
      depth_spearman: await spearman(outs),
    };
    await s.release();
  }
  await sFp32.release();
  rows.push(row);
  console.error(JSON.stringify(row));
}
console.log(JSON.stringify({ threads, calibration_photos: calibration.length, test_photos: testPhotos.length, rows }, null, 2));
