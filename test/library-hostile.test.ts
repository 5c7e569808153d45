// The library as a careless or hostile script calls it (issue #31): every exported function checks its
// arguments at the boundary and throws an ArgumentError (a TypeError) naming the function and the argument,
// instead of returning NaN pixels, writing a black picture, running forever or failing deep inside ONNX Runtime.
// The walk covers every exported function: a new export without a bad-value case here fails the first test.
import assert from 'node:assert/strict';
import { mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as lib from '../src/index.js';
import { ArgumentError } from '../src/io/arguments.js';
import { runtime, store } from './support/fixtures.js';

const tmp = await mkdtemp(path.join(os.tmpdir(), 'depthstyle-library-'));
const img = (w: number, h: number, fill = 100): lib.RgbImage => ({ width: w, height: h, data: new Float32Array(3 * w * h).fill(fill) });
const ok = img(32, 32);
const nan = { ...img(32, 32), data: new Float32Array(3 * 32 * 32).fill(NaN) };
const short = { width: 32, height: 32, data: new Float32Array(10) };
const vec = new Float32Array(100).fill(0.1);
const g = new lib.engine.Graph();
const t = g.input('x', [1, 3, 8, 8]);
const flow: lib.Flow = { width: 32, height: 32, u: new Float32Array(1024), v: new Float32Array(1024) };
const noFrames = (async function* () {})();

/** Each export, with calls that must be refused: [call, what the message must name]. */
const CASES: Record<string, [() => unknown, RegExp][]> = {
  optimize: [
    [() => lib.optimize({ content: short, styles: [ok] } as lib.OptimizeOptions), /optimize: content/],
    [() => lib.optimize({ content: ok, styles: [] } as lib.OptimizeOptions), /optimize: styles/],
  ],
  stylize: [
    [() => lib.stylize(img(4, 4), {} as lib.TransformModel), /stylize: image: is 4×4/],
    [() => lib.stylize(nan, {} as lib.TransformModel), /stylize: image: data holds a non-finite/],
  ],
  Stylizer: [[() => new lib.Stylizer(null as unknown as lib.TransformModel, runtime), /Stylizer: model/]],
  loadTransformModel: [
    [() => lib.loadTransformModel('' as string, store), /loadTransformModel: spec/],
    [() => lib.loadTransformModel(5 as unknown as string, store), /loadTransformModel: spec/],
  ],
  stylizeWithPainting: [
    [() => lib.stylizeWithPainting(ok, null as unknown as string, { store }), /stylizeWithPainting: paintings/],
    [() => lib.stylizeWithPainting(ok, 'starry_night', { store, depthStrength: { near: NaN, far: 1 } }), /stylizeWithPainting: depthStrength\.near/],
    [() => lib.stylizeWithPainting(ok, ['starry_night', 'wave'], { store, weights: [1] }), /stylizeWithPainting: weights: 1 weights for 2 paintings/],
    [() => lib.stylizeWithPainting(ok, [''], { store }), /stylizeWithPainting: paintings\[0\]/],
  ],
  ArbitraryStylist: [[() => lib.ArbitraryStylist.load(store, runtime, 'nope' as 'original'), /nope|missing/]],
  resolvePainting: [[() => lib.resolvePainting(null as unknown as string, store), /painting: must be an image file/]],
  paintingNames: [[() => lib.paintingNames(null as unknown as lib.ModelStore), /.+/]],
  StylePredictor: [[() => new lib.StylePredictor(new Uint8Array(), runtime).predict(short), /StylePredictor\.predict: painting/]],
  arbitraryTransformModel: [
    [() => lib.arbitraryTransformModel(new Uint8Array(), new Float32Array(3)), /arbitraryTransformModel: style: a style vector has 100/],
  ],
  mixStyles: [
    [() => lib.mixStyles([vec, new Float32Array(50)]), /mixStyles: vectors\[1\]/],
    [() => lib.mixStyles([vec, vec], ['1', '2'] as unknown as number[]), /mixStyles: weights/],
    [() => lib.mixStyles([vec, vec], [Infinity, 1]), /mixStyles: weights/],
  ],
  styleAtStrength: [
    [() => lib.styleAtStrength(vec, new Float32Array(3), 0.5), /styleAtStrength: photo/],
    [() => lib.styleAtStrength(vec, vec, 2), /styleAtStrength: strength/],
  ],
  arbitraryOnnx: [[() => lib.arbitraryOnnx('other' as 'predictor', store), /arbitraryOnnx: net/]],
  train: [
    [() => lib.train(undefined as unknown as lib.TrainOptions), /train: options/],
    [() => lib.train({} as lib.TrainOptions), /train: data/],
  ],
  exportTransformNet: [
    [() => lib.exportTransformNet({} as lib.engine.ParamStore, 16, 5, {}), /exportTransformNet: params/],
    [() => lib.exportTransformNet(new lib.engine.ParamStore(), NaN, 5, {}), /exportTransformNet: width/],
  ],
  evaluatePair: [[() => lib.evaluatePair({ content: ok, stylized: short } as lib.EvalInputs), /evaluatePair: stylized/]],
  compare: [[() => lib.compare({ images: [] } as unknown as Parameters<typeof lib.compare>[0]), /compare: images/]],
  atStrokeScale: [
    [() => lib.atStrokeScale(ok, -2, async (x) => x), /atStrokeScale: scale/],
    [() => lib.atStrokeScale(ok, 0, async (x) => x), /atStrokeScale: scale/],
    [() => lib.atStrokeScale(ok, 1e-3, async (x) => x), /atStrokeScale: scale/],
  ],
  stylizeDepthStrokes: [[() => lib.stylizeDepthStrokes(ok, new Float32Array(3), { near: 2, far: 1 }, async (x) => x), /stylizeDepthStrokes: farness01/]],
  strokeScales: [[() => lib.strokeScales({ near: 0, far: 1 }), /strokeScales: d\.near/]],
  strokeWeights: [[() => lib.strokeWeights(new Float32Array(1024), ok, { near: 2, far: 1 }, []), /strokeWeights: scales/]],
  parseDepthStrokes: [[() => lib.parseDepthStrokes(5 as unknown as string), /--depth-strokes: must be a string/]],
  combineLuminance: [[() => lib.combineLuminance(ok, img(16, 16)), /combineLuminance: content: is 16×16/]],
  luminanceImage: [[() => lib.luminanceImage(short), /luminanceImage: img/]],
  matchHistogram: [[() => lib.matchHistogram(ok, nan), /matchHistogram: content/]],
  DepthEstimator: [[() => new lib.DepthEstimator(undefined as unknown as lib.DepthModel, runtime), /DepthEstimator: model/]],
  loadDepthModel: [[() => lib.loadDepthModel('', { store }), /loadDepthModel: spec/]],
  loadOnnxDepthModel: [[() => lib.loadOnnxDepthModel(undefined as unknown as string), /loadOnnxDepthModel: file/]],
  loadVgg19: [[() => lib.loadVgg19({ store: new lib.ModelStore(path.join(tmp, 'none')) }), /not found/]],
  Vgg19: [[() => lib.loadVgg19({ store: new lib.ModelStore(path.join(tmp, 'none')) }), /not found/]],
  loadBaseline: [[() => lib.loadBaseline('nope', store), /loadBaseline: style/]],
  baselineNet: [[() => lib.baselineNet({} as lib.engine.Tensor, {}, 's'), /baselineNet: x/]],
  baselineParams: [[() => lib.baselineParams('nope', store), /loadBaseline: style/]],
  ModelStore: [[() => new lib.ModelStore(path.join(tmp, 'none')).read('x.onnx'), /model file not found/]],
  cacheDir: [],
  depthLoss: [
    [() => lib.depthLoss(t, t, 'l1' as 'mse'), /depthLoss: kind/],
    [() => lib.depthLoss({} as lib.engine.Tensor, t, 'mse'), /depthLoss: pred/],
  ],
  featureDepthLoss: [[() => lib.featureDepthLoss([t], []), /featureDepthLoss: target/]],
  gram: [[() => lib.gram(null as unknown as lib.engine.Tensor), /gram: features/]],
  mse: [[() => lib.mse(t, 3 as unknown as lib.engine.Tensor), /mse: b/]],
  styleLoss: [[() => lib.styleLoss(new Map(), new Map()), /styleLoss: features/]],
  tvLoss: [[() => lib.tvLoss(undefined as unknown as lib.engine.Tensor), /tvLoss: img/]],
  stylizeFrames: [[() => lib.stylizeFrames(noFrames, {} as lib.TransformModel, { runtime }).next(), /stylizeFrames: model/]],
  probeVideo: [[() => lib.probeVideo(''), /probeVideo: file/]],
  readFrames: [
    [() => lib.readFrames('x.mp4', [0, 0]).next(), /readFrames: size/],
    [() => lib.readFrames('x.mp4', [64, 48], { start: NaN }).next(), /readFrames: span\.start/],
  ],
  writeVideo: [
    [
      () =>
        lib.writeVideo(
          path.join(tmp, 'odd.mp4'),
          (async function* () {
            yield img(33, 32);
          })(),
          { rate: '25/1' },
        ),
      /writeVideo: frames must have even sides/,
    ],
    [() => lib.writeVideo(path.join(tmp, 'crf.mp4'), noFrames, { rate: '25/1', crf: NaN }), /writeVideo: crf/],
  ],
  videoFrameSize: [
    [() => lib.videoFrameSize({ width: NaN, height: 10 }), /videoFrameSize: info/],
    [() => lib.videoFrameSize(NaN as unknown as lib.VideoInfo), /videoFrameSize: info/],
  ],
  requireFfmpeg: [],
  evaluateClip: [[() => lib.evaluateClip(null as unknown as AsyncIterable<lib.ClipFrame>), /evaluateClip: frames/]],
  opticalFlow: [[() => lib.opticalFlow(ok, img(16, 16)), /opticalFlow: b/]],
  warp: [[() => lib.warp(ok, { ...flow, width: 8 }), /warp: flow/]],
  consistentMask: [[() => lib.consistentMask(flow, { ...flow, width: 8 }), /consistentMask: back/]],
  finetuneArbitrary: [[() => lib.finetuneArbitrary({} as lib.ArbitraryFinetuneOptions), /finetuneArbitrary: transferOnnx/]],
  exportFinetunedTransfer: [[() => lib.exportFinetunedTransfer(new Uint8Array(), {} as lib.engine.ParamStore, {}), /exportFinetunedTransfer: params/]],
  loadImage: [[() => lib.loadImage(undefined as unknown as string), /loadImage: file/]],
  saveImage: [
    [() => lib.saveImage(path.join(tmp, 'short.png'), short), /saveImage: img/],
    [() => lib.saveImage(path.join(tmp, 'nan.png'), nan), /saveImage: img: data holds a non-finite/],
  ],
  saveGray16: [[() => lib.saveGray16(path.join(tmp, 'g.png'), new Float32Array(3), 32, 32), /saveGray16: values/]],
  resizeImage: [[() => lib.resizeImage(ok, 0, 10), /resizeImage: width/]],
  colorizeDepth: [[() => lib.colorizeDepth(new Float32Array(4), 3, 3), /colorizeDepth: depth01/]],
  normalizeDepth: [[() => lib.normalizeDepth([1, 2], 'up' as 'depth'), /normalizeDepth: polarity/]],
  createPipeline: [
    [() => lib.createPipeline({} as lib.NetworkSpec), /createPipeline: spec/],
    [() => lib.createPipeline({ paintings: [] }), /createPipeline: spec\.paintings/],
    [() => lib.createPipeline({ model: 'scream' }, { strength: 7 }), /createPipeline: strength/],
  ],
  StylizePipeline: [[() => new lib.StylizePipeline({} as lib.PipelineNetwork, { runtime }), /StylizePipeline: network/]],
  resolveStylizeOptions: [[() => lib.resolveStylizeOptions('video' as 'model'), /resolveStylizeOptions: kind/]],
  Adam: [],
  LBFGS: [],
};
/** Exports that take no argument a caller could get wrong, or only options validated elsewhere. */
const NO_ARGUMENTS: Record<string, string> = {
  cacheDir: 'no arguments',
  ArgumentError: 'the error class itself',
  requireFfmpeg: 'no arguments',
  Adam: 'optimizer options only (learning rate etc.), exercised by the optimizer tests',
  LBFGS: 'optimizer options only, exercised by the optimizer tests',
};

test('every exported function has bad-value cases here (or is listed as taking no arguments)', () => {
  const exported = Object.keys(lib).filter((k) => typeof (lib as Record<string, unknown>)[k] === 'function');
  const missing = exported.filter((k) => !CASES[k]?.length && !NO_ARGUMENTS[k]);
  assert.deepEqual(missing, [], `exports without bad-value cases: ${missing.join(', ')}`);
});

test('each bad call is refused with an error naming the function and the argument, and writes nothing', async () => {
  const failures: string[] = [];
  for (const [name, cases] of Object.entries(CASES))
    for (const [k, [call, expect]] of cases.entries()) {
      let err: unknown;
      try {
        await call();
      } catch (e) {
        err = e;
      }
      if (!(err instanceof Error)) failures.push(`${name} #${k}: not refused`);
      else if (!expect.test(err.message)) failures.push(`${name} #${k}: "${err.message.slice(0, 160)}" does not match ${expect}`);
      else if (/Cannot read properties|is not a function|Invalid array length|undefined \(reading/.test(err.message))
        failures.push(`${name} #${k}: a raw crash: ${err.message}`);
    }
  assert.deepEqual(failures, []);
  assert.deepEqual(
    (await readdir(tmp)).filter((f) => !f.startsWith('none')),
    [],
    'nothing written',
  );
});

test('the boundary errors are ArgumentErrors (TypeErrors) that name their argument', async () => {
  const err = await lib.stylize(img(4, 4), {} as lib.TransformModel).catch((e: unknown) => e);
  assert.ok(err instanceof ArgumentError && err instanceof TypeError);
  assert.equal(err.argument, 'stylize: image');
  // Huge weights are not an error: they mix like 1,1 (scaled by the largest before summing).
  const other = new Float32Array(100).fill(0.3);
  assert.deepEqual(lib.mixStyles([vec, other], [1e308, 1e308]), lib.mixStyles([vec, other], [1, 1]));
});
