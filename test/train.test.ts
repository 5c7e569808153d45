// Training on tiny nets and crops: the loss falls, resuming is exact, the
// exported ONNX model runs unchanged in ORT and matches the training graph,
// and broken training images are skipped, not fatal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import * as G from '../src/graph/index.js';
import { loadImage } from '../src/io/image.js';
import { loadDepthModel } from '../src/models/depth.js';
import { loadVgg19 } from '../src/models/vgg.js';
import { transformNet } from '../src/nn/transform.js';
import { exportTransformNet } from '../src/nn/export.js';
import { train, type TrainOptions } from '../src/train/train.js';
import { SHARED, loadPhoto, maxAbsDiff, runtime, store } from './support/fixtures.js';

const tmp = await mkdtemp(path.join(os.tmpdir(), 'depthstyle-train-'));
const data = path.join(tmp, 'data');
await mkdir(path.join(data, 'sub'), { recursive: true });
for (const f of ['chicago.jpg', 'tubingen.jpg', 'stata.jpg']) await copyFile(path.join(SHARED, 'images', 'content', f), path.join(data, f));
await copyFile(path.join(SHARED, 'images', 'content', 'golden_gate.jpg'), path.join(data, 'sub', 'golden_gate.jpg'));
// Only the first test reads the folder with a broken file (its warning is asserted there); the others use a clean copy.
const clean = path.join(tmp, 'clean');
await mkdir(clean);
for (const f of ['chicago.jpg', 'tubingen.jpg', 'stata.jpg', 'golden_gate.jpg']) await copyFile(path.join(SHARED, 'images', 'content', f), path.join(clean, f));
await writeFile(path.join(data, 'sub', 'broken.jpg'), 'not a jpeg');
const style = await loadImage(path.join(SHARED, 'images', 'styles', 'starry_night.jpg'));
const vgg = await loadVgg19({ store });
const tiny: Omit<TrainOptions, 'checkpoint'> = {
  style,
  styleName: 'starry',
  data: clean,
  size: 32,
  batch: 2,
  width: 4,
  blocks: 1,
  lr: 1e-2,
  depthWeight: 0,
  vgg,
  runtime,
  seed: 3,
};

test('a tiny network lowers its loss, skipping an unreadable image with one warning', async () => {
  const totals: number[] = [];
  const warnings: string[] = [];
  const origWrite = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((s: string) => (warnings.push(String(s)), true)) as typeof process.stderr.write;
  try {
    await train({ ...tiny, data, steps: 40, checkpoint: path.join(tmp, 'a.ckpt'), onStep: (s) => void totals.push(s.losses.total) });
  } finally {
    process.stderr.write = origWrite;
  }
  const first = totals.slice(0, 5).reduce((a, b) => a + b) / 5;
  const last = totals.slice(-5).reduce((a, b) => a + b) / 5;
  console.log(`  mean total loss, steps 1–5: ${first.toExponential(3)}, steps 36–40: ${last.toExponential(3)}`);
  assert.ok(last < 0.6 * first, `loss ${first} → ${last}`);
  assert.equal(warnings.filter((w) => w.includes('broken.jpg')).length, 1, warnings.join(''));
});

test('resume continues bit for bit: 3 + 3 steps equal 6 uninterrupted steps', async () => {
  const straight = await train({ ...tiny, steps: 6, checkpoint: path.join(tmp, 's.ckpt') });
  await train({ ...tiny, steps: 3, checkpoint: path.join(tmp, 'r.ckpt') });
  const resumed = await train({ ...tiny, steps: 6, checkpoint: path.join(tmp, 'r.ckpt'), resume: path.join(tmp, 'r.ckpt') });
  assert.equal(resumed.step, 6);
  for (const [name, v] of straight.params.values) assert.deepEqual([...resumed.params.get(name)], [...v], name);
  await assert.rejects(
    train({ ...tiny, width: 8, steps: 7, checkpoint: path.join(tmp, 'x.ckpt'), resume: path.join(tmp, 'r.ckpt') }),
    /checkpoint has width 4, this run 8/,
  );
});

test('training with the depth loss runs and reports a finite depth term', async () => {
  const depthModel = await loadDepthModel('pydnet-v2', { store });
  const seen: number[] = [];
  const previews: number[] = [];
  await train({
    ...tiny,
    steps: 2,
    depthWeight: 1e4,
    depthModel,
    checkpoint: path.join(tmp, 'd.ckpt'),
    onStep: (s) => void seen.push(s.losses.depth),
    previewEvery: 2,
    onPreview: (step, imgs) => void previews.push(step, imgs.length, imgs[imgs.length - 1].width),
  });
  assert.equal(seen.length, 2);
  assert.deepEqual(previews, [2, 8, 32], 'one preview at step 2: four photos and their stylizations');
  assert.ok(seen.every((v) => Number.isFinite(v) && v > 0));
  // The seed paper's feature-level form trains too.
  const feat = await train({ ...tiny, steps: 1, depthWeight: 1e4, depthLoss: 'features', depthModel, checkpoint: path.join(tmp, 'f.ckpt') });
  assert.ok(Number.isFinite(feat.losses.depth) && feat.losses.depth > 0);
});

test('the stability loss: the perturbed batch is the photo moved by a pixel, and the term is 0 for a shift-equivariant output', async () => {
  const { perturbBatch, stabilityTerm } = await import('../src/losses/stability.js');
  const { Rng } = await import('../src/optim/random.js');
  const S = 32;
  const x = Float32Array.from({ length: 3 * S * S }, (_, i) => (i * 37) % 251);
  const moved = perturbBatch(x, 1, S, new Rng(1), { shift: 1, gain: 0, noise: 0 });
  for (const [yy, xx] of [
    [5, 5],
    [20, 9],
    [31, 31],
  ])
    assert.equal(moved[yy * S + xx], x[(yy - 1) * S + xx - 1]);
  const noisy = perturbBatch(x, 1, S, new Rng(1));
  const d = noisy.reduce((a, v, i) => a + Math.abs(v - moved[i]), 0) / x.length;
  assert.ok(d > 1 && d < 15, `exposure and noise change the copy a little: ${d}`);
  // The term compares outputs aligned by the shift: a network that only moves its input with it scores 0.
  const value = async (y: Float32Array, yp: Float32Array) => {
    const g = new G.Graph();
    const [a, b] = [g.input('y', [1, 3, S, S]), g.input('yp', [1, 3, S, S])];
    const [t] = await (await runtime.compile([stabilityTerm(a, b, S)])).run(
      new Map([
        [a, { data: y, shape: [1, 3, S, S] }],
        [b, { data: yp, shape: [1, 3, S, S] }],
      ]),
    );
    return t.data[0];
  };
  assert.equal(await value(x, moved), 0);
  assert.ok((await value(x, x)) > 100, 'unaligned outputs are penalized');
});

test('training with the stability loss runs the network on photo and perturbed copy and reports a finite stability term', async () => {
  const seen: number[] = [];
  const r = await train({ ...tiny, steps: 2, stabilityWeight: 10, checkpoint: path.join(tmp, 'st.ckpt'), onStep: (s) => void seen.push(s.losses.stability) });
  assert.equal(seen.length, 2);
  assert.ok(
    seen.every((v) => Number.isFinite(v) && v > 0),
    `${seen}`,
  );
  assert.equal(r.settings.stabilityWeight, 10);
  // Resumes exactly like any run (the perturbation is drawn from the step number).
  const straight = await train({ ...tiny, steps: 4, stabilityWeight: 10, checkpoint: path.join(tmp, 'st1.ckpt') });
  await train({ ...tiny, steps: 2, stabilityWeight: 10, checkpoint: path.join(tmp, 'st2.ckpt') });
  const resumed = await train({ ...tiny, steps: 4, stabilityWeight: 10, checkpoint: path.join(tmp, 'st2.ckpt'), resume: path.join(tmp, 'st2.ckpt') });
  for (const [name, v] of straight.params.values) assert.deepEqual([...resumed.params.get(name)], [...v], name);
});

test('the exported model runs unchanged in onnxruntime-node, at any size, and matches the training graph', async () => {
  const r = await train({ ...tiny, steps: 2, checkpoint: path.join(tmp, 'e.ckpt') });
  const bytes = exportTransformNet(r.params, 4, 1, { style: 'starry' });
  const file = path.join(tmp, 'm.onnx');
  await writeFile(file, bytes);
  const session = await ort.InferenceSession.create(file);
  for (const [w, h] of [
    [37, 29],
    [64, 48],
  ]) {
    const img = await loadPhoto('tubingen.jpg', [w, h]);
    const out = await session.run({ image: new ort.Tensor('float32', img.data, [1, 3, h, w]) });
    const y = out.stylized;
    assert.deepEqual([...y.dims], [1, 3, h, w]);
    // The same weights through the IR graph the trainer differentiates.
    const g = new G.Graph();
    const x = g.input('content', [1, 3, h, w]);
    const ref = transformNet(x, { width: 4, residualBlocks: 1 });
    const [o] = await (await runtime.compile([ref])).run(new Map([[x, img.data]]), r.params);
    const clamped = o.data.map((v) => Math.min(255, Math.max(0, v)));
    assert.ok(maxAbsDiff(y.data as Float32Array, clamped) < 1e-3, `max difference ${maxAbsDiff(y.data as Float32Array, clamped)}`);
  }
  const meta = await readFile(file);
  assert.ok(meta.includes(Buffer.from('starry')), 'metadata is stored in the model');
  // The same file in onnxruntime-web (its WebAssembly backend runs in Node too).
  const ortWeb = await import('onnxruntime-web');
  ortWeb.env.wasm.numThreads = 1;
  const web = await ortWeb.InferenceSession.create(new Uint8Array(bytes), { executionProviders: ['wasm'] });
  const img = await loadPhoto('stata.jpg', [33, 21]);
  const a = (await web.run({ image: new ortWeb.Tensor('float32', img.data, [1, 3, 21, 33]) })).stylized.data as Float32Array;
  const b = (await session.run({ image: new ort.Tensor('float32', img.data, [1, 3, 21, 33]) })).stylized.data as Float32Array;
  assert.ok(maxAbsDiff(a, b) < 1e-2, `onnxruntime-web vs onnxruntime-node: ${maxAbsDiff(a, b)}`);
});

test('tiled processing blends tiles back exactly (identity model) and keeps sizes', async () => {
  const { stylizeTiled } = await import('../src/stylize/tiles.js');
  const img = await loadPhoto('tubingen.jpg', [301, 203]);
  let calls = 0;
  const same = await stylizeTiled(img, async (t) => (calls++, t), { tile: 128, overlap: 32 });
  assert.ok(calls > 4);
  assert.equal(same.width, 301);
  assert.ok(maxAbsDiff(same.data, img.data) < 1e-3, 'feathered weights must sum to one everywhere');
});

test('stylize runs a trained .onnx model on a folder: strength and colour preservation move it toward the photo, depth maps beside', async () => {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const sharp = (await import('sharp')).default;
  const r = await train({ ...tiny, steps: 1, checkpoint: path.join(tmp, 'c.ckpt') });
  const model = path.join(tmp, 'tiny.onnx');
  await writeFile(model, exportTransformNet(r.params, 4, 1, { style: 'starry', depth_weight: '0' }));
  const inDir = path.join(tmp, 'in');
  await mkdir(inDir, { recursive: true });
  await sharp(path.join(SHARED, 'images', 'content', 'stata.jpg'))
    .resize(90, 70)
    .toFile(path.join(inDir, 'a.jpg'));
  await sharp(path.join(SHARED, 'images', 'content', 'chicago.jpg'))
    .resize(77, 51)
    .toFile(path.join(inDir, 'b.png'));
  const out = path.join(tmp, 'styl-out');
  const bin = path.join(path.dirname(path.dirname(new URL(import.meta.url).pathname)), 'bin', 'depthstyle.js');
  await promisify(execFile)(process.execPath, [
    bin,
    'stylize',
    inDir,
    '--model',
    model,
    '-o',
    out,
    '--strength',
    '0.5',
    '--preserve-color',
    'luminance',
    '--depth-map',
    '--tile',
    '64',
  ]);
  const a = await sharp(path.join(out, 'a-tiny.jpg')).metadata();
  const b = await sharp(path.join(out, 'b-tiny.jpg')).metadata();
  const d = await sharp(path.join(out, 'a-tiny.depth.jpg')).metadata();
  // photo | its depth | result | its depth, under a header of labels (28 px)
  assert.deepEqual([a.width, a.height, b.width, b.height, d.width, d.height], [90, 70, 77, 51, 4 * 90, 70 + 28]);
  // The same model without --strength and --preserve-color: further from the photo than the blended, recoloured one.
  const plainOut = path.join(tmp, 'styl-plain');
  await promisify(execFile)(process.execPath, [bin, 'stylize', inDir, '--model', model, '-o', plainOut, '--tile', '64']);
  const raw = async (f: string) => sharp(f).removeAlpha().raw().toBuffer();
  const photoPx = await raw(path.join(inDir, 'a.jpg'));
  const dist = (x: Buffer) => x.reduce((t, v, i) => t + Math.abs(v - photoPx[i]), 0) / x.length;
  const [blended, plain] = [dist(await raw(path.join(out, 'a-tiny.jpg'))), dist(await raw(path.join(plainOut, 'a-tiny.jpg')))];
  assert.ok(blended < 0.75 * plain, `mean |result − photo|: ${blended.toFixed(1)} with strength 0.5 and luminance, ${plain.toFixed(1)} without`);
  // The depth figure's first panel is the photo itself.
  const panel = await sharp(path.join(out, 'a-tiny.depth.jpg')).extract({ left: 0, top: 28, width: 90, height: 70 }).removeAlpha().raw().toBuffer();
  assert.ok(dist(panel) < 6, `the depth figure's photo panel is the photo (mean difference ${dist(panel).toFixed(1)})`);
});

test('tiled stylization with whole-image instance-norm statistics agrees with untiled, without seams', async () => {
  const { Stylizer } = await import('../src/stylize/stylize.js');
  const { baselineNet, baselineParams } = await import('../src/models/johnson.js');
  const ckpt = await baselineParams('wave', store);
  const s = new Stylizer({ id: 'wave', licence: '', build: (x) => baselineNet(x, ckpt, 'b') }, runtime);
  const [W, H] = [400, 300];
  const img = await loadPhoto('tubingen.jpg', [W, H]);
  const whole = await s.stylize(img);
  const tiled = await s.stylizeLarge(img, { tile: 200, overlap: 64 });
  const n = W * H;
  let mean = 0;
  for (let i = 0; i < 3 * n; i++) mean += Math.abs(whole.data[i] - tiled.data[i]);
  mean /= 3 * n;
  // Tile edges: x = 136 and 200 (tile starts), y = 100 (last row tile start).
  const jump = (im: typeof img, x: number, y: number, c: number, dx: number, dy: number) => im.data[c * n + (y + dy) * W + x + dx] - im.data[c * n + y * W + x];
  let seam = 0;
  let seamCount = 0;
  for (const x of [135, 199])
    for (let y = 0; y < H; y++) for (let c = 0; c < 3; c++) (seam += Math.abs(jump(tiled, x, y, c, 1, 0) - jump(whole, x, y, c, 1, 0))), seamCount++;
  for (let x = 0; x < W; x++) for (let c = 0; c < 3; c++) (seam += Math.abs(jump(tiled, x, 99, c, 0, 1) - jump(whole, x, 99, c, 0, 1))), seamCount++;
  seam /= seamCount;
  console.log(`  mean |tiled − whole| ${mean.toFixed(2)} (0–255); mean change of the step across tile edges ${seam.toFixed(3)}`);
  assert.ok(mean < 2, `tiled differs from whole by ${mean} on average`);
  assert.ok(seam < 1, `tile edges change neighbouring-pixel steps by ${seam} on average`);
});

test('stylize margin: the model runs on the reflect-padded image and the border is cropped away', async () => {
  const { Stylizer } = await import('../src/stylize/stylize.js');
  const { baselineNet, baselineParams } = await import('../src/models/johnson.js');
  const ckpt = await baselineParams('wave', store);
  const model = { id: 'wave', licence: '', build: (x: G.Tensor) => baselineNet(x, ckpt, 'b') };
  const [W, H, m] = [40, 30, 8];
  const img = await loadPhoto('stata.jpg', [W, H]);
  // Reflect padding by hand (edge pixel not repeated, as ONNX 'reflect').
  const [PW, PH] = [W + 2 * m, H + 2 * m];
  const padded = new Float32Array(3 * PW * PH);
  const reflect = (i: number, n: number) => (i < 0 ? -i : i >= n ? 2 * n - 2 - i : i);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < PH; y++) for (let x = 0; x < PW; x++) padded[(c * PH + y) * PW + x] = img.data[(c * H + reflect(y - m, H)) * W + reflect(x - m, W)];
  const big = await new Stylizer(model, runtime, { margin: 0 }).stylize({ width: PW, height: PH, data: padded });
  const withMargin = await new Stylizer(model, runtime, { margin: m }).stylize(img);
  const cropped = new Float32Array(3 * W * H);
  for (let c = 0; c < 3; c++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) cropped[(c * H + y) * W + x] = big.data[(c * PH + y + m) * PW + x + m];
  assert.equal(withMargin.width, W);
  assert.ok(maxAbsDiff(withMargin.data, cropped) < 1e-3);
  const none = await new Stylizer(model, runtime, { margin: 0 }).stylize(img);
  assert.ok(maxAbsDiff(none.data, withMargin.data) > 1, 'the margin changes the border');
});

test('library stylize() with loadTransformModel: a baseline by name, blended by strength', async () => {
  const { stylize } = await import('../src/stylize/stylize.js');
  const { loadTransformModel } = await import('../src/stylize/models.js');
  const model = await loadTransformModel('baseline:udnie', store);
  const img = await loadPhoto('stata.jpg', [48, 40]);
  const full = await stylize(img, model, { runtime });
  const half = await stylize(img, model, { runtime, strength: 0.5 });
  assert.equal(full.width, 48);
  assert.ok(
    maxAbsDiff(
      half.data,
      full.data.map((v, i) => 0.5 * v + 0.5 * img.data[i]),
    ) < 1e-3,
  );
  await assert.rejects(loadTransformModel('monet'), /unknown model "monet"/);
});

test('train CLI: a resumed run continues its log and loss chart, dropping steps logged after the checkpoint', async () => {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const bin = path.join(path.dirname(path.dirname(new URL(import.meta.url).pathname)), 'bin', 'depthstyle.js');
  const out = path.join(tmp, 'cli-model.onnx');
  const args = [
    'train',
    '--style',
    path.join(SHARED, 'images', 'styles', 'starry_night.jpg'),
    '--data',
    data,
    '-o',
    out,
    '--size',
    '32',
    '--batch',
    '1',
    '--width',
    '4',
    '--blocks',
    '1',
    '--depth-weight',
    '0',
    '--seed',
    '5',
  ];
  await promisify(execFile)(process.execPath, [bin, ...args, '--steps', '3']);
  const log = path.join(tmp, 'cli-model.log.jsonl');
  const resume = async (steps: number) =>
    promisify(execFile)(process.execPath, [bin, ...args, '--steps', String(steps), '--resume', path.join(tmp, 'cli-model.ckpt')]);
  const entries = async () =>
    (await readFile(log, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { step: number; seconds: number; total: number });
  // A run killed after its last checkpoint has logged steps the checkpoint does not hold…
  await writeFile(log, `${await readFile(log, 'utf8')}{"step":4,"seconds":99,"total":1}\n`);
  await resume(4);
  const first = await entries();
  assert.deepEqual(
    first.map((e) => e.step),
    [1, 2, 3, 4],
  );
  assert.ok(first[3].total !== 1, 'the stale step-4 line is replaced by the resumed run');
  // … or died in the middle of writing a line.
  await writeFile(log, `${await readFile(log, 'utf8')}{"step":5,"sec`);
  await resume(5);
  const second = await entries();
  assert.deepEqual(
    second.map((e) => e.step),
    [1, 2, 3, 4, 5],
  );
  assert.ok(
    second.every((e, i) => i === 0 || e.seconds >= second[i - 1].seconds),
    'seconds keep counting across resumes',
  );

  // The checkpoint itself stylizes like the model exported beside it (a long run can be looked at while it goes on).
  const { stylize } = await import('../src/stylize/stylize.js');
  const { loadTransformModel } = await import('../src/stylize/models.js');
  const img = await loadPhoto('stata.jpg', [40, 30]);
  const fromOnnx = await stylize(img, await loadTransformModel(out), { runtime });
  const ckptModel = await loadTransformModel(path.join(tmp, 'cli-model.ckpt'));
  assert.match(ckptModel.licence, /VGG-19 \(CC BY 4\.0\) and PyDNet v2/);
  const fromCkpt = await stylize(img, ckptModel, { runtime });
  assert.ok(maxAbsDiff(fromOnnx.data, img.data) > 1, 'the model changes the photo');
  assert.ok(maxAbsDiff(fromCkpt.data, fromOnnx.data) < 1e-3);
  await assert.rejects(loadTransformModel(path.join(tmp, 'none.ckpt')), /none\.ckpt: checkpoint not found/);
});

test('every depth loss trains: eot, weighted-content and depth-edges give finite, positive depth terms', async () => {
  const depthModel = await loadDepthModel('pydnet-v2', { store });
  for (const depthLoss of ['eot', 'weighted-content', 'depth-edges'] as const) {
    const seen: number[] = [];
    await train({
      ...tiny,
      steps: 2,
      depthWeight: 1e3,
      depthLoss,
      depthModel,
      checkpoint: path.join(tmp, `${depthLoss}.ckpt`),
      onStep: (s) => void seen.push(s.losses.depth),
    });
    assert.ok(
      seen.every((v) => Number.isFinite(v) && v > 0),
      `${depthLoss}: ${seen}`,
    );
  }
});

test('branch training: --init starts from a trained model (.onnx or .ckpt) with a fresh optimizer and records its base', async () => {
  const { readInitialWeights } = await import('../src/train/init.js');
  const { loadState } = await import('../src/io/state.js');
  const base = await train({ ...tiny, steps: 3, checkpoint: path.join(tmp, 'base.ckpt') });
  const baseOnnx = path.join(tmp, 'base.onnx');
  await writeFile(baseOnnx, exportTransformNet(base.params, 4, 1, { steps: '3' }));
  for (const source of [baseOnnx, path.join(tmp, 'base.ckpt')]) {
    const init = await readInitialWeights(source);
    assert.deepEqual([init.width, init.blocks, init.steps], [4, 1, 3]);
    // lr 0: the branch's weights are the base's exactly.
    const still = await train({ ...tiny, width: undefined, blocks: undefined, lr: 0, steps: 1, init, checkpoint: path.join(tmp, 'still.ckpt') });
    for (const [name, v] of base.params.values) assert.deepEqual([...still.params.get(name)], [...v], `${source}: ${name}`);
    assert.equal(still.branchOf?.source, source);
  }
  // A branch resumes exactly and keeps its base in the checkpoint.
  const init = await readInitialWeights(baseOnnx);
  const straight = await train({ ...tiny, steps: 4, init, checkpoint: path.join(tmp, 'b1.ckpt') });
  await train({ ...tiny, steps: 2, init, checkpoint: path.join(tmp, 'b2.ckpt') });
  const resumed = await train({ ...tiny, steps: 4, checkpoint: path.join(tmp, 'b2.ckpt'), resume: path.join(tmp, 'b2.ckpt') });
  for (const [name, v] of straight.params.values) assert.deepEqual([...resumed.params.get(name)], [...v], name);
  assert.deepEqual(resumed.branchOf, { source: baseOnnx, steps: 3 });
  assert.equal((await loadState(path.join(tmp, 'b2.ckpt'))).notes?.branch_of, baseOnnx);
  await assert.rejects(train({ ...tiny, width: 8, steps: 1, init, checkpoint: path.join(tmp, 'w.ckpt') }), /the base has width 4, this run asks for 8/);
});

test('the baselines branch as trainable Engstrom networks: start as the released net, export to one ONNX for any size', async () => {
  const { readInitialWeights } = await import('../src/train/init.js');
  const { baselineNet, baselineParams } = await import('../src/models/johnson.js');
  const { engstromNet } = await import('../src/nn/engstrom.js');
  const { stylize } = await import('../src/stylize/stylize.js');
  const { loadTransformModel } = await import('../src/stylize/models.js');
  const init = await readInitialWeights('baseline:wave', store);
  assert.deepEqual([init.arch, init.width, init.blocks], ['engstrom', 32, 5]);
  const img = await loadPhoto('tubingen.jpg', [96, 72]);
  const ckpt = await baselineParams('wave', store);
  const run = async (build: (x: G.Tensor) => G.Tensor) => {
    const g = new G.Graph();
    const x = g.input('image', [1, 3, img.height, img.width]);
    const y = build(x);
    const params = G.ParamStore.fromGraph(g);
    for (const [k, v] of Object.entries(init.arrays)) if (params.values.has(k)) params.get(k).set(v);
    const [out] = await (await runtime.compile([y])).run(new Map([[x, img.data]]), params);
    await runtime.releaseGraph(g);
    return out.data;
  };
  const released = await run((x) => baselineNet(x, ckpt, 'b'));
  const branch = await run((x) => engstromNet(x));
  let diff = 0;
  for (let i = 0; i < released.length; i++) diff += Math.abs(Math.min(255, Math.max(0, branch[i])) - Math.min(255, Math.max(0, released[i])));
  diff /= released.length;
  console.log(`  trainable Engstrom net vs the released baseline (wave, 96×72): mean |difference| ${diff.toFixed(2)}/255`);
  assert.ok(diff < 0.01, `the branch starts as the released network: ${diff}`);
  // One training step from it, then the exported ONNX (any size) matches the network at an odd size.
  const r = await train({ ...tiny, width: undefined, blocks: undefined, batch: 1, steps: 1, lr: 1e-4, init, checkpoint: path.join(tmp, 'eng.ckpt') });
  assert.equal(r.net.arch, 'engstrom');
  const onnxFile = path.join(tmp, 'eng.onnx');
  await writeFile(onnxFile, exportTransformNet(r.params, 32, 5, {}, 'engstrom'));
  const odd = await loadPhoto('stata.jpg', [37, 29]);
  const fromOnnx = await stylize(odd, await loadTransformModel(onnxFile), { runtime, margin: 0 });
  const fromCkpt = await stylize(odd, await loadTransformModel(path.join(tmp, 'eng.ckpt')), { runtime, margin: 0 });
  assert.deepEqual([fromOnnx.width, fromOnnx.height], [37, 29]);
  assert.ok(maxAbsDiff(fromOnnx.data, fromCkpt.data) < 1e-3);
  assert.ok(maxAbsDiff(fromOnnx.data, odd.data) > 10, 'it stylizes');
});
