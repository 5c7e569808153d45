// The pretrained networks against independent references: VGG-19 against
// TensorFlow.js running the same TF.js files, PyDNet against Google's TFLite
// interpreter, the Johnson/Engstrom baseline against a TF.js implementation,
// depth against RGB-D ground truth, and gradients through both networks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as G from '../src/graph/index.js';
import { loadVgg19 } from '../src/models/vgg.js';
import { DepthEstimator, loadDepthModel } from '../src/models/depth.js';
import { readTflite } from '../src/models/tflite.js';
import { buildTfliteGraph } from '../src/models/tflite-graph.js';
import { baselineNet, baselineParams, loadBaseline } from '../src/models/johnson.js';
import { readDepthTruth } from '../src/io/depth-truth.js';
import { loadImage } from '../src/io/image.js';
import { pearson, spearman } from '../src/eval/stats.js';
import { Rng } from '../src/optim/random.js';
import { runTfliteReference } from './support/tflite-reference.js';
import { johnsonTfjs } from './support/johnson-tfjs.js';
import { SHARED, loadPhoto, maxAbs, maxAbsDiff, runtime, store, toNhwc } from './support/fixtures.js';

// PROD: no "install our node backend" banner in the test output (these are reference computations).
tf.env().set('PROD', true);
await tf.setBackend('cpu');

async function vggTaps(exact: boolean, img: { width: number; height: number; data: Float32Array }, taps: string[]) {
  const vgg = await loadVgg19({ store, exactBlocks13: exact });
  const g = new G.Graph();
  const x = g.input('x', [1, 3, img.height, img.width]);
  const f = vgg.features(x, taps);
  return (await runtime.compile(taps.map((t) => f.get(t)!))).run(new Map([[x, img.data]]));
}

test('VGG-19 uint8 activations match the exact fp32 model within the documented 2–5 % (relu1_1 … relu3_4)', async () => {
  const img = await loadPhoto('tubingen.jpg', [96, 64]);
  const taps = ['relu1_1', 'relu1_2', 'relu2_1', 'relu2_2', 'relu3_1', 'relu3_4'];
  const [exact, quant] = [await vggTaps(true, img, taps), await vggTaps(false, img, taps)];
  taps.forEach((t, i) => {
    let e = 0;
    let s = 0;
    exact[i].data.forEach((v, k) => {
      e += (v - quant[i].data[k]) ** 2;
      s += v * v;
    });
    const rel = Math.sqrt(e / s);
    console.log(`  ${t}: uint8 vs fp32 relative RMS ${(100 * rel).toFixed(2)} %`);
    assert.ok(rel > 1e-4 && rel < 0.05, `${t}: relative RMS ${rel}`);
  });
});

test('VGG-19 activations match TensorFlow.js running the same TF.js model (uint8 weights) within 1e-3', async () => {
  const dir = path.join(SHARED, 'models', 'vgg19');
  const mj = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8'));
  const group = mj.weightsManifest[0];
  const shards = await Promise.all(group.paths.map((p: string) => readFile(path.join(dir, p))));
  const weightData = new Uint8Array(Buffer.concat(shards)).buffer;
  const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: mj.modelTopology, weightSpecs: group.weights, weightData }));
  const sub = tf.model({ inputs: model.inputs, outputs: model.getLayer('block2_conv1').output as tf.SymbolicTensor });
  const img = await loadPhoto('stata.jpg', [40, 32]);
  const [ours] = await vggTaps(false, img, ['relu2_1']);
  // TF.js sees the same preprocessing our graph does: BGR, minus the mean, NHWC.
  const n = 32 * 40;
  const pre = new Float32Array(3 * n);
  const mean = [103.939, 116.779, 123.68];
  for (let c = 0; c < 3; c++) for (let i = 0; i < n; i++) pre[i * 3 + c] = img.data[(2 - c) * n + i] - mean[c];
  const ref = (sub.predict(tf.tensor4d(pre, [1, 32, 40, 3])) as tf.Tensor).dataSync() as Float32Array;
  const oursNhwc = toNhwc(ours.data, 128, 16, 20);
  const rel = maxAbsDiff(oursNhwc, ref) / maxAbs(ref);
  assert.ok(rel < 1e-3, `relu2_1 vs TF.js: max relative error ${rel}`);
});

test('PyDNet v2 conversion matches the TFLite reference interpreter within 1e-3 on a real photo', async () => {
  const bytes = await readFile(path.join(SHARED, 'models', 'pydnet-v2', 'pydnet_v2_wild_fp16.tflite'));
  const m = readTflite(bytes);
  const img = await loadPhoto('golden_gate.jpg', [640, 384]);
  const input = img.data.map((v) => v / 255);
  const [ref] = await runTfliteReference(bytes, [toNhwc(input, 3, 384, 640)]);
  const g = new G.Graph();
  const x = g.input('x', [1, 3, 384, 640]);
  const [out] = await (await runtime.compile(buildTfliteGraph(m, x, 'w'))).run(new Map([[x, input]]));
  const rel = maxAbsDiff(out.data, ref.data) / maxAbs(ref.data);
  assert.ok(rel < 1e-3, `max relative error ${rel}`);
});

test('PyDNet++ v1 conversion agrees with the TFLite reference (which quantizes activations of its int8 convs)', async () => {
  const bytes = await readFile(path.join(SHARED, 'models', 'pydnet', 'pydnet++_v1.tflite'));
  const m = readTflite(bytes);
  const img = await loadPhoto('golden_gate.jpg', [640, 448]);
  const input = img.data.map((v) => v / 255);
  const [ref] = await runTfliteReference(bytes, [toNhwc(input, 3, 448, 640)]);
  const g = new G.Graph();
  const x = g.input('x', [1, 3, 448, 640]);
  const [out] = await (await runtime.compile([buildTfliteGraph(m, x, 'w')[0]])).run(new Map([[x, input]]));
  // 35 of its convs are hybrid int8: TFLite quantizes their inputs to 8 bits on
  // the fly, we compute in float32, so agreement is by correlation, not 1e-3.
  const r = pearson(out.data, ref.data);
  assert.ok(r > 0.95, `Pearson ${r}`);
});

test('depth correlates with RGB-D ground truth (Spearman, polarity-corrected)', async () => {
  const frames = [
    ['open3d/color/00000.jpg', 'open3d/depth/00000.png'],
    ['open3d/color/00003.jpg', 'open3d/depth/00003.png'],
    ['sun/SUN_color.jpg', 'sun/SUN_depth.png'],
    ['tum/TUM_color.png', 'tum/TUM_depth.png'],
  ];
  for (const spec of ['pydnet-v2', 'pydnet']) {
    const model = await loadDepthModel(spec, { store });
    const est = new DepthEstimator(model, runtime);
    for (const [c, d] of frames) {
      const img = await loadImage(path.join(SHARED, 'images', 'rgbd', c));
      const gt = await readDepthTruth(path.join(SHARED, 'images', 'rgbd', d));
      const pred = await est.estimate(img);
      const a: number[] = [];
      const b: number[] = [];
      for (let i = 0; i < gt.metres.length; i += 5)
        if (gt.metres[i] > 0) {
          a.push(model.polarity === 'depth' ? pred[i] : -pred[i]);
          b.push(gt.metres[i]);
        }
      const rho = spearman(a, b);
      console.log(`  ${spec} ${c}: Spearman ${rho.toFixed(3)}`);
      assert.ok(rho > 0.3, `${spec} on ${c}: Spearman ${rho}`);
    }
  }
});

test('Johnson/Engstrom baseline matches an independent TF.js implementation within 1e-3 (odd image size)', async () => {
  const ckpt = await loadBaseline('udnie', store);
  const [w, h] = [45, 37];
  const img = await loadPhoto('hoovertowernight.jpg', [w, h]);
  const ref = johnsonTfjs(ckpt, toNhwc(img.data, 3, h, w), h, w);
  const g = new G.Graph();
  const x = g.input('x', [1, 3, h, w]);
  // Ours is the one Engstrom build (nn/engstrom.ts) with the released weights; the reference reads the checkpoint itself.
  const [out] = await (await runtime.compile([baselineNet(x, await baselineParams('udnie', store), 'b')])).run(new Map([[x, img.data]]));
  assert.deepEqual(out.shape, [1, 3, h, w]);
  const rel = maxAbsDiff(toNhwc(out.data, 3, h, w), ref) / 255;
  assert.ok(rel < 1e-3, `max error ${rel} of the 0–255 range`);
});

/**
 * Checks ⟨∇L, v⟩ (ORT's backward graph) against a central difference of L
 * along a direction v: random, or the computed gradient itself (the largest
 * directional derivative, so float32 noise in the difference matters least; a
 * wrong gradient g = g* + e still shows, as ⟨g*, g⟩ ≠ |g|² unless e is tiny).
 * L = Σ y·R is summed in float64 from ORT's float32 output, so the difference
 * is not lost in float32 accumulation.
 */
async function directionalCheck(
  build: (x: G.Tensor) => G.Tensor,
  img: { width: number; height: number; data: Float32Array },
  eps: number,
  oracle: 'ort' | 'float64' = 'ort',
  direction: 'random' | 'gradient' = 'random',
) {
  const g = new G.Graph();
  const x = g.input('x', [1, 3, img.height, img.width]);
  const y = build(x);
  const shape = y.staticShape();
  const rng = new Rng(3);
  const r = rng.fill(
    shape.reduce((a, b) => a * b, 1),
    () => rng.uniform(-1, 1),
  );
  const loss = G.reduceSum(G.mul(y, g.constant(r, shape)));
  const [dx] = G.grad(loss, [x]);
  const prog = await runtime.compile([y, dx]);
  const [, gx] = await prog.run(new Map([[x, img.data]]));
  const gmax = gx.data.reduce((m, g) => Math.max(m, Math.abs(g)), 0);
  const v = direction === 'gradient' ? Float32Array.from(gx.data, (g) => g / gmax) : rng.fill(img.data.length, () => rng.uniform(-1, 1));
  const at = async (s: number) => {
    // (float64 for the reference: a float32 image would round a small step away)
    const moved = Float64Array.from(img.data, (p, i) => p + s * v[i]);
    const fed = oracle === 'ort' ? Float64Array.from(Float32Array.from(moved)) : moved;
    const out =
      oracle === 'ort' ? (await prog.run(new Map([[x, Float32Array.from(fed)]])))[0] : G.evaluate([y], new Map([[x, new G.NDArray(x.staticShape(), fed)]]))[0];
    let l = 0;
    for (let i = 0; i < r.length; i++) l += out.data[i] * r[i];
    return { l, fed };
  };
  const plus = await at(eps);
  const minus = await at(-eps);
  const fd = (plus.l - minus.l) / (2 * eps);
  // The step actually taken (after any float32 rounding of the image), not the nominal one.
  let analytic = 0;
  for (let i = 0; i < v.length; i++) analytic += (gx.data[i] * (plus.fed[i] - minus.fed[i])) / (2 * eps);
  return { fd, analytic };
}

test('gradient of the depth output w.r.t. the image passes a finite-difference check', async () => {
  const model = await loadDepthModel('pydnet-v2', { store });
  const img = await loadPhoto('stata.jpg', [40, 30]);
  // ORT float32 is the oracle (the float64 evaluator is too slow at 384×640); leaky-ReLU
  // kinks make the net piecewise linear, so the step is small and the tolerance 2 %. Along a
  // random direction the derivative can be small enough for float32 noise to decide the check
  // (it failed on some photos once 8-bit images were read exactly); along the gradient it is not.
  const { fd, analytic } = await directionalCheck((x) => model.build(x), img, 5e-4, 'ort', 'gradient');
  assert.ok(Math.abs(fd - analytic) / Math.abs(fd) < 0.02, `directional derivative: analytic ${analytic} vs finite difference ${fd}`);
});

test('PyDNet v2 feature layers (for the feature-level depth loss): defaults, a chosen layer, a wrong name', async () => {
  const model = await loadDepthModel('pydnet-v2', { store });
  assert.equal(model.featureLayers.length, 4);
  const img = await loadPhoto('stata.jpg', [64, 48]);
  const g = new G.Graph();
  const x = g.input('x', [1, 3, 48, 64]);
  const feats = await (await runtime.compile(model.features(x))).run(new Map([[x, img.data]]));
  // The decoder's estimator features at 1/64 … 1/8 of the network's 384×640 input, 96 channels each.
  assert.deepEqual(
    feats.map((f) => f.shape),
    [6, 12, 24, 48].map((h) => [1, 96, h, (h * 5) / 3]),
  );
  assert.ok(feats.every((f) => f.data.some((v) => v !== 0)));
  const custom = await loadDepthModel('pydnet-v2', { store, featureLayers: ['encoder/conv6b/LeakyRelu'] });
  const g2 = new G.Graph();
  const x2 = g2.input('x', [1, 3, 48, 64]);
  const [deep] = await (await runtime.compile(custom.features(x2))).run(new Map([[x2, img.data]]));
  assert.deepEqual(deep.shape, [1, 192, 6, 10]);
  await assert.rejects(loadDepthModel('pydnet-v2', { store, featureLayers: ['encoder/nope'] }), /no computed tensor named "encoder\/nope"/);
  const v1 = await loadDepthModel('pydnet', { store });
  assert.throws(() => v1.features(x), /offers no feature layers/);
});

test('gradient of a VGG-19 tap w.r.t. the image passes a finite-difference check', async () => {
  const vgg = await loadVgg19({ store });
  const img = await loadPhoto('tubingen.jpg', [24, 20]);
  // The float64 reference evaluator is the oracle here: VGG at this size is cheap enough for it.
  const { fd, analytic } = await directionalCheck((x) => vgg.features(x, ['relu3_1']).get('relu3_1')!, img, 1e-4, 'float64');
  assert.ok(Math.abs(fd - analytic) / Math.abs(fd) < 1e-4, `directional derivative: analytic ${analytic} vs finite difference ${fd}`);
});

test('a user-supplied ONNX depth model plugs in and is differentiable; unsupported ops are listed', async () => {
  const { mkdtemp, writeFile: write } = await import('node:fs/promises');
  const os = await import('node:os');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'depthstyle-onnx-'));
  // A small MiDaS-like depth net of our own: conv, batch-norm-free encoder, upsample, conv.
  const g = new G.Graph();
  const x = g.input('image', [1, 3, 32, 48]);
  const rng = new Rng(5);
  const w1 = g.constant(
    rng.fill(8 * 3 * 9, () => rng.uniform(-0.3, 0.3)),
    [8, 3, 3, 3],
  );
  const w2 = g.constant(
    rng.fill(8 * 9, () => rng.uniform(-0.3, 0.3)),
    [1, 8, 3, 3],
  );
  const h = G.relu(G.conv2d(x, w1, undefined, { pads: 1, strides: 2 }));
  const d = G.conv2d(G.resize(h, [32, 48], 'bilinear'), w2, undefined, { pads: 1 });
  const file = path.join(dir, 'tiny-depth.onnx');
  await write(file, G.toOnnx(g, [d]).bytes);
  const { loadOnnxDepthModel } = await import('../src/models/depth.js');
  const model = await loadOnnxDepthModel(file);
  assert.deepEqual(model.inputSize, [32, 48]);
  assert.equal(model.polarity, 'inverse-depth');
  const img = await loadPhoto('stata.jpg', [40, 30]);
  const { fd, analytic } = await directionalCheck((t) => model.build(t), img, 1e-3, 'float64');
  assert.ok(Math.abs(fd - analytic) / Math.abs(fd) < 1e-3, `analytic ${analytic} vs finite difference ${fd}`);
  // An op we cannot differentiate is refused, naming it.
  const onnxProto = (await import('onnx-proto')).default;
  const m = onnxProto.onnx.ModelProto.decode(G.toOnnx(g, [d]).bytes);
  m.graph!.node!.push(onnxProto.onnx.NodeProto.create({ opType: 'Erf', input: [m.graph!.output![0].name!], output: ['erf_out'] }));
  m.graph!.output![0].name = 'erf_out';
  const bad = path.join(dir, 'bad.onnx');
  await write(bad, onnxProto.onnx.ModelProto.encode(m).finish());
  await assert.rejects(loadOnnxDepthModel(bad), /bad\.onnx: this depth model uses ONNX ops depthstyle cannot differentiate: Erf/);
});

test('every shipped model records the settings it was made with: architecture, width, depth weight and loss agree', async () => {
  const { readdir } = await import('node:fs/promises');
  const { readOnnx } = await import('../src/models/onnx-import.js');
  const models = path.join(path.dirname(path.dirname(new URL(import.meta.url).pathname)), 'models');
  let checked = 0;
  for (const dir of [models, path.join(models, 'experiments'), path.join(models, 'bases')])
    for (const f of (await readdir(dir)).filter((n) => n.endsWith('.onnx') && !n.endsWith('.int8.onnx'))) {
      const proto = readOnnx(await readFile(path.join(dir, f)), f);
      const meta = Object.fromEntries((proto.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
      if (!meta.settings) continue;
      const s = JSON.parse(meta.settings) as { arch?: string; width?: number; depthWeight?: number; depthLoss?: string };
      assert.equal(s.arch ?? 'upsample', meta.architecture ?? 'upsample', `${f}: architecture`);
      assert.equal(Number(s.depthWeight), Number(meta.depth_weight), `${f}: depth weight`);
      assert.equal(s.depthLoss, meta.depth_loss, `${f}: depth loss`);
      // The first RGB convolution's output channels are the network's width.
      const first = (proto.graph?.initializer ?? []).find((t) => t.dims?.length === 4 && Number(t.dims[1]) === 3);
      assert.equal(Number(first?.dims?.[0]), s.width, `${f}: width`);
      checked++;
    }
  assert.ok(checked >= 12, `checked ${checked} models`);
});

test('training options are resolved once: defaults, then a preset, then what is given; a branch takes its base network', async () => {
  const { resolveTrainOptions } = await import('../src/train/options.js');
  const { TRAIN_DEFAULTS } = await import('../src/train/train.js');
  const style = { width: 1024, height: 640, data: new Float32Array(3) };
  const base = { style, styleName: 's', data: 'x' };
  assert.equal(resolveTrainOptions(base).contentWeight, TRAIN_DEFAULTS.contentWeight);
  const own = resolveTrainOptions({ ...base, preset: 'own-base', contentWeight: 50 });
  assert.deepEqual([own.width, own.contentWeight, own.styleSize, own.depthWeight, own.styleLayers[0]], [16, 50, 512, 0, 'relu1_1']);
  const branch = resolveTrainOptions({
    ...base,
    preset: 'engstrom-branch',
    init: { source: 'baseline:wave', arrays: {}, arch: 'engstrom', width: 32, blocks: 5 },
  });
  assert.deepEqual([branch.styleSize, branch.contentWeight, branch.arch, branch.width], [1024, 7.5, 'engstrom', 32]);
  assert.throws(() => resolveTrainOptions({ ...base, preset: 'nope' as 'own-base' }), /unknown preset "nope"/);
  assert.throws(
    () => resolveTrainOptions({ ...base, width: 16, init: { source: 'b', arrays: {}, arch: 'engstrom', width: 32, blocks: 5 } }),
    /the base has width 32, this run asks for 16/,
  );
  // A continuing preset (stability-branch) lays the base's recorded recipe under its own options.
  const recorded = { lr: 1e-4, contentWeight: 7.5, styleWeight: 100, depthWeight: 1.5e6, styleSize: 640, seed: 7, steps: 300 };
  const stable = resolveTrainOptions({
    ...base,
    preset: 'stability-branch',
    init: { source: 'm.onnx', arrays: {}, arch: 'engstrom', width: 32, blocks: 5, settings: recorded },
  });
  assert.deepEqual(
    [stable.lr, stable.styleWeight, stable.depthWeight, stable.styleSize, stable.stabilityWeight, stable.steps, stable.seed],
    [1e-4, 100, 1.5e6, 640, 5e3, 200, 11],
  );
  assert.equal(
    resolveTrainOptions({
      ...base,
      preset: 'stability-branch',
      stabilityWeight: 0,
      init: { source: 'm.onnx', arrays: {}, arch: 'engstrom', width: 32, blocks: 5, settings: recorded },
    }).stabilityWeight,
    0,
    'its twin',
  );
  assert.throws(() => resolveTrainOptions({ ...base, preset: 'stability-branch' }), /continues a base's recipe: give --init/);
  // Resumed, a continuing preset takes the recipe its checkpoint records (the settings note, all strings), not the defaults.
  const { checkpointRecipe } = await import('../src/train/options.js');
  const note = JSON.stringify({
    lr: '0.0001',
    contentWeight: '100',
    styleWeight: '100',
    tvWeight: '200',
    depthWeight: '3000000',
    depthLoss: 'weighted-content',
    contentLayer: 'relu4_2',
    styleLayers: 'relu1_1,relu2_1',
    styleSize: '512',
  });
  const resumedRun = resolveTrainOptions(
    { ...base, preset: 'photos-continue', resume: 'x.ckpt' },
    { width: 16, blocks: 5, arch: 'upsample', recipe: checkpointRecipe(note, { size: 192, batch: 2 }) },
  );
  assert.deepEqual(
    [resumedRun.contentWeight, resumedRun.depthWeight, resumedRun.styleSize, resumedRun.styleLayers, resumedRun.size, resumedRun.steps, resumedRun.seed],
    [100, 3e6, 512, ['relu1_1', 'relu2_1'], 192, 200, 13],
  );
});

test('train data: split:photos:train names the committed train split under the shared folder; a folder is not a split', async () => {
  const { splitSource, committedSplit } = await import('../src/eval/splits.js');
  const files = splitSource('split:photos:train', '/data/shared')!;
  assert.equal(files.length, committedSplit('photos').train.length);
  assert.ok(files.every((f) => f.startsWith('/data/shared/images/photos/')));
  assert.equal(splitSource('../shared/images/train', '/data/shared'), undefined);
  assert.equal(splitSource('split:photos:holdout', '/data/shared'), undefined);
  // A model trained on the split says what its photos allow.
  const { licenceOf } = await import('../src/nn/export.js');
  const { PHOTO_SPLIT_LICENCE } = await import('../src/models/licences.js');
  assert.match(licenceOf('upsample', PHOTO_SPLIT_LICENCE), /Training photos: research use only/);
  assert.doesNotMatch(licenceOf('upsample'), /Training photos/);
});
