// Training and one-pass stylization benchmarks (issue #5). The PyTorch peer
// runs the very same graphs (spec.ts): a training step with Adam on all
// transform-net weights, and the transform net forward.
import * as G from '../src/graph/index.js';
import { loadDepthModel } from '../src/models/depth.js';
import { loadVgg19 } from '../src/models/vgg.js';
import { transformNet } from '../src/nn/transform.js';
import { Rng } from '../src/optim/random.js';
import { gram } from '../src/losses/perceptual.js';
import { Adam } from '../src/optim/optimizers.js';
import { TRAIN_DEFAULTS, buildTrainGraph } from '../src/train/train.js';
import { writeSpec } from './spec.js';
import type { BenchCase } from './run.js';

function image(n: number, h: number, w: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return rng.fill(n * 3 * h * w, () => rng.uniform(0, 255));
}

export function trainCases(rt: G.Runtime): BenchCase[] {
  const stylizeSpecs = new Map<number, Promise<string>>();
  /** One training step (forward, backward, Adam) with the default losses, depth on. */
  const trainStepCase = (name: string, shape: { batch: number; size: number; width: number }): BenchCase => {
    let spec: Promise<string> | undefined;
    return {
      name,
      async setup() {
        const vgg = await loadVgg19();
        const depthModel = await loadDepthModel();
        const o = { ...TRAIN_DEFAULTS, ...shape, vgg, depthModel };
        // Style targets from a random "painting" (values do not affect speed).
        const sg = new G.Graph();
        const sx = sg.input('s', [1, 3, shape.size, shape.size]);
        const f = vgg.features(sx, o.styleLayers);
        const grams = await (await rt.compile(o.styleLayers.map((l) => gram(f.get(l)!)))).run(new Map([[sx, image(1, shape.size, shape.size, 1)]]));
        const tg = buildTrainGraph(o, grams);
        const batch = image(shape.batch, shape.size, shape.size, 2);
        const feeds = new Map<G.Tensor, Float32Array>([[tg.x, batch]]);
        for (const [t, v] of tg.feeds) feeds.set(t, v instanceof Float32Array ? v : v.data);
        spec = writeSpec([tg.total], feeds, { mode: 'train-step' });
        const params = G.ParamStore.fromGraph(tg.x.graph);
        const prog = await rt.compile([tg.total, ...tg.grads]);
        const adam = new Adam({ lr: 1e-3 });
        return async () => {
          const [, ...gs] = await prog.run(feeds, params);
          adam.step(params.values, new Map(tg.paramTensors.map((p, i) => [p.name, gs[i].data])));
        };
      },
      peerSpec: () => spec!,
      runs: 5,
      warmup: 1,
    };
  };
  return [
    trainStepCase('train-step-256-depth', { batch: 4, size: 256, width: 32 }),
    // The zoo's training settings (issue #11's twins): 192 px crops, batch 2, width 16, depth on.
    trainStepCase('train-step-192-zoo', { batch: 2, size: 192, width: 16 }),
    ...[512, 1024].map(
      (s): BenchCase => ({
        name: `stylize-${s}`,
        async setup() {
          const g = new G.Graph();
          const x = g.input('image', [1, 3, s, s]);
          const y = transformNet(x, { width: 32 });
          const params = G.ParamStore.fromGraph(g);
          const data = image(1, s, s, 3);
          stylizeSpecs.set(s, writeSpec([y], new Map([[x, data]]), { mode: 'forward' }));
          const prog = await rt.compile([y]);
          return async () => void (await prog.run(new Map([[x, data]]), params));
        },
        peerSpec: () => stylizeSpecs.get(s)!,
      }),
    ),
  ];
}
