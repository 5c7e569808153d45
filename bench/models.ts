// Pretrained-network benchmark cases (issue #3): the depth network forward and
// backward, the Johnson/Engstrom baseline stylizing, and the arbitrary-style
// transfer network (conditioned on Starry Night's style vector) stylizing. The PyTorch peer runs
// the very same graphs, exported by spec.ts.
import path from 'node:path';
import * as G from '../src/graph/index.js';
import { loadDepthModel } from '../src/models/depth.js';
import { baselineNet, baselineParams } from '../src/models/johnson.js';
import { Rng } from '../src/optim/random.js';
import { writeSpec } from './spec.js';
import { arbitraryOnnx } from '../src/models/magenta.js';
import { loadImage } from '../src/io/image.js';
import { ModelStore } from '../src/models/resolver.js';
import { StylePredictor, arbitraryTransformModel } from '../src/stylize/arbitrary.js';
import type { BenchCase } from './run.js';

function image(h: number, w: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return rng.fill(3 * h * w, () => rng.uniform(0, 255));
}

function graphCase(
  name: string,
  rt: G.Runtime,
  build: (g: G.Graph) => Promise<{ outputs: G.Tensor[]; feeds: Map<G.Tensor, Float32Array>; mode: 'forward' | 'grad-input'; wrt?: G.Tensor }>,
): BenchCase {
  let spec: Promise<string> | undefined;
  return {
    name,
    async setup() {
      const g = new G.Graph();
      const { outputs, feeds, mode, wrt } = await build(g);
      spec = writeSpec(outputs, feeds, { mode });
      const timed = mode === 'grad-input' ? [outputs[0], ...G.grad(outputs[0], [wrt!])] : outputs;
      const prog = await rt.compile(timed);
      return async () => void (await prog.run(feeds));
    },
    peerSpec: () => spec!,
  };
}

export function modelCases(rt: G.Runtime): BenchCase[] {
  return [
    graphCase('depth-forward-384x640', rt, async (g) => {
      const model = await loadDepthModel('pydnet-v2');
      const x = g.input('x', [1, 3, 384, 640]);
      return { outputs: [model.build(x)], feeds: new Map([[x, image(384, 640, 1)]]), mode: 'forward' };
    }),
    graphCase('depth-fwd-bwd-input-256', rt, async (g) => {
      const model = await loadDepthModel('pydnet-v2');
      const x = g.input('x', [1, 3, 256, 256]);
      const d = model.build(x);
      const shape = d.staticShape();
      const rng = new Rng(2);
      const loss = G.reduceSum(
        G.mul(
          d,
          g.constant(
            rng.fill(
              shape.reduce((a, b) => a * b, 1),
              () => rng.uniform(-1, 1),
            ),
            shape,
          ),
        ),
      );
      return { outputs: [loss], feeds: new Map([[x, image(256, 256, 3)]]), mode: 'grad-input', wrt: x };
    }),
    ...[512, 1024].map((s) =>
      graphCase(`baseline-stylize-${s}`, rt, async (g) => {
        const weights = await baselineParams('wave');
        const x = g.input('x', [1, 3, s, s]);
        return { outputs: [baselineNet(x, weights, 'b')], feeds: new Map([[x, image(s, s, 4)]]), mode: 'forward' };
      }),
    ),
    ...[512, 1024].map((s) =>
      graphCase(`arbitrary-stylize-${s}`, rt, async (g) => {
        const store = new ModelStore();
        const predictor = new StylePredictor(await arbitraryOnnx('predictor', store), rt);
        const style = await predictor.predict(await loadImage(path.join(store.dir, '..', 'images', 'styles', 'starry_night.jpg')));
        await predictor.release();
        const x = g.input('x', [1, 3, s, s]);
        return {
          outputs: [arbitraryTransformModel(await arbitraryOnnx('transfer', store), style).build(x)],
          feeds: new Map([[x, image(s, s, 5)]]),
          mode: 'forward',
        };
      }),
    ),
  ];
}
