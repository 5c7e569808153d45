// Engine benchmark cases (issue #2): VGG-19 forward, a Gatys step (style +
// content loss, gradient w.r.t. the image) and a Johnson training step
// (gradients w.r.t. all transform-net parameters, Adam update included).
// Random weights: speed does not depend on their values.
import * as G from '../src/graph/index.js';
import { vgg19, randomVggWeights } from '../src/nn/vgg19.js';
import { transformNet } from '../src/nn/transform.js';
import { gram, mse, styleLoss, tvLoss } from '../src/losses/perceptual.js';
import { Adam } from '../src/optim/optimizers.js';
import { Rng } from '../src/optim/random.js';
import type { BenchCase } from './run.js';

export const STYLE_LAYERS = ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1'];
export const GATYS_CONTENT = 'relu4_2';
export const JOHNSON_CONTENT = 'relu2_2';

function randomImage(n: number, size: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return rng.fill(n * 3 * size * size, () => rng.uniform(0, 255));
}

async function vggForward(rt: G.Runtime, size: number) {
  const g = new G.Graph();
  const x = g.input('image', [1, 3, size, size]);
  const f = vgg19(x, ['relu4_1'], randomVggWeights(0)).get('relu4_1')!;
  const prog = await rt.compile([f]);
  const feeds = new Map([[x, randomImage(1, size, 1)]]);
  return async () => void (await prog.run(feeds));
}

/** Targets (Gram matrices, content features) computed once by a forward graph, as a real run does. */
async function targetsFor(rt: G.Runtime, size: number, styleLayers: string[], contentLayer: string) {
  const g = new G.Graph();
  const x = g.input('image', [1, 3, size, size]);
  const f = vgg19(x, [...styleLayers, contentLayer], randomVggWeights(0));
  const outs = [...styleLayers.map((l) => gram(f.get(l)!)), f.get(contentLayer)!];
  const prog = await rt.compile(outs);
  return prog.run(new Map([[x, randomImage(1, size, 2)]]));
}

async function gatysStep(rt: G.Runtime, size: number) {
  const targets = await targetsFor(rt, size, STYLE_LAYERS, GATYS_CONTENT);
  const g = new G.Graph();
  const img = g.input('image', [1, 3, size, size]);
  const f = vgg19(img, [...STYLE_LAYERS, GATYS_CONTENT], randomVggWeights(0));
  const styleT = new Map(STYLE_LAYERS.map((l, i) => [l, g.input(`gram_${l}`, targets[i].shape)]));
  const contentT = g.input('content', targets[STYLE_LAYERS.length].shape);
  const loss = G.add(G.mul(styleLoss(f, styleT), 1e5), mse(f.get(GATYS_CONTENT)!, contentT));
  const [dimg] = G.grad(loss, [img]);
  const prog = await rt.compile([loss, dimg]);
  const feeds = new Map<G.Tensor, G.Feed>([
    [img, randomImage(1, size, 3)],
    [contentT, targets[STYLE_LAYERS.length]],
    ...STYLE_LAYERS.map((l, i) => [styleT.get(l)!, targets[i]] as [G.Tensor, G.Feed]),
  ]);
  return async () => void (await prog.run(feeds));
}

/** A Johnson step (forward, backward, Adam); `forwardOnly`: the same graph's loss alone, so step − forward is the backward's share. */
async function transformTrainStep(rt: G.Runtime, size: number, batch: number, forwardOnly = false) {
  const targets = await targetsFor(rt, size, STYLE_LAYERS, JOHNSON_CONTENT);
  const g = new G.Graph();
  const x = g.input('content', [batch, 3, size, size]);
  const y = transformNet(x, { width: 32 });
  const fy = vgg19(y, [...STYLE_LAYERS, JOHNSON_CONTENT], randomVggWeights(0));
  const fx = vgg19(x, [JOHNSON_CONTENT], randomVggWeights(0));
  const styleT = new Map(STYLE_LAYERS.map((l, i) => [l, g.input(`gram_${l}`, targets[i].shape)]));
  const content = mse(fy.get(JOHNSON_CONTENT)!, fx.get(JOHNSON_CONTENT)!);
  const loss = G.add(G.add(content, G.mul(styleLoss(fy, styleT), 1e5)), G.mul(tvLoss(y), 1e-6));
  const params = g.params;
  const store = G.ParamStore.fromGraph(g);
  const feeds = new Map<G.Tensor, G.Feed>([
    [x, randomImage(batch, size, 4)],
    ...STYLE_LAYERS.map((l, i) => [styleT.get(l)!, targets[i]] as [G.Tensor, G.Feed]),
  ]);
  if (forwardOnly) {
    const fwd = await rt.compile([loss]);
    return async () => void (await fwd.run(feeds, store));
  }
  const grads = G.grad(loss, params);
  const prog = await rt.compile([loss, ...grads]);
  const adam = new Adam({ lr: 1e-3 });
  return async () => {
    const [, ...gs] = await prog.run(feeds, store);
    adam.step(store.values, new Map(params.map((p, i) => [p.name, gs[i].data])));
  };
}

/**
 * Eight chained 3×3 convolutions (256→256 channels at 64², 77 GFLOP): the fp32 conv peak as ORT reaches it
 * here. One 128-channel conv alone measured low (104 GFLOP/s, below the VGG cases): ORT's layout conversion into
 * and out of its blocked format is paid once per graph. Of chains tried (64…256 channels, 64²…256²: 140–182
 * GFLOP/s), wide layers at a small size ran fastest.
 */
async function convPeak(rt: G.Runtime) {
  const g = new G.Graph();
  const x = g.input('x', [1, 256, 64, 64]);
  let y = x;
  for (let i = 0; i < 8; i++)
    y = G.conv2d(y, g.param(`w${i}`, [256, 256, 3, 3], new Float32Array(256 * 256 * 9).fill(0.004 / (i + 1))), undefined, { pads: 1 });
  const prog = await rt.compile([y]);
  const store = G.ParamStore.fromGraph(g);
  const rng = new Rng(5);
  const feeds = new Map([[x, rng.fill(256 * 64 * 64, () => rng.uniform(0, 1))]]);
  return async () => void (await prog.run(feeds, store));
}

/**
 * A stride-2 3×3 convolution's forward and input gradient (32→64 channels at 256², batch 4: the transform net's
 * first downsampling layer at width 32), through loss = Σ y·r with a fixed r so that the gradient is exactly the
 * transposed convolution of r. The input gradient is polyphase (src/graph/ops/conv.ts).
 */
async function stridedConvInputGrad(rt: G.Runtime) {
  const [n, cin, cout, size] = [4, 32, 64, 256];
  const g = new G.Graph();
  const x = g.input('x', [n, cin, size, size]);
  const r = g.input('r', [n, cout, size / 2, size / 2]);
  const rng = new Rng(6);
  const w = g.param(
    'w',
    [cout, cin, 3, 3],
    rng.fill(cout * cin * 9, () => rng.uniform(-0.05, 0.05)),
  );
  const y = G.conv2d(x, w, undefined, { pads: 1, strides: 2 });
  const [dx] = G.grad(G.reduceSum(G.mul(y, r), [0, 1, 2, 3]), [x]);
  const prog = await rt.compile([dx]);
  const store = G.ParamStore.fromGraph(g);
  const feeds = new Map([
    [x, rng.fill(n * cin * size * size, () => rng.uniform(0, 1))],
    [r, rng.fill((n * cout * size * size) / 4, () => rng.uniform(-1, 1))],
  ]);
  return async () => void (await prog.run(feeds, store));
}

export function engineCases(rt: G.Runtime): BenchCase[] {
  return [
    { name: 'conv3x3-peak', setup: () => convPeak(rt) },
    { name: 'vgg19-relu4_1-forward-256', setup: () => vggForward(rt, 256) },
    { name: 'vgg19-relu4_1-forward-512', setup: () => vggForward(rt, 512) },
    { name: 'vgg19-fwd-bwd-input-256', setup: () => gatysStep(rt, 256) },
    { name: 'transform-train-step-256', setup: () => transformTrainStep(rt, 256, 1) },
    { name: 'transform-train-forward-256', setup: () => transformTrainStep(rt, 256, 1, true) },
    { name: 'conv-stride2-fwd-bwd-input-256', setup: () => stridedConvInputGrad(rt) },
  ];
}
