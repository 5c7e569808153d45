// optimize-512-100it (issue #4): 100 L-BFGS iterations at 512 px with content,
// style, TV and depth losses. The peer runs torch.optim.LBFGS (strong Wolfe,
// same history) over the very same loss graph, exported by spec.ts.
import path from 'node:path';
import type * as G from '../src/graph/index.js';
import { loadImage, resizeImage } from '../src/io/image.js';
import { loadDepthModel } from '../src/models/depth.js';
import { packageRoot } from '../src/models/resolver.js';
import { loadVgg19 } from '../src/models/vgg.js';
import { buildLossGraph, computeTargets, OPTIMIZE_DEFAULTS as D } from '../src/optimize/optimize.js';
import { LBFGS } from '../src/optim/optimizers.js';
import { writeSpec } from './spec.js';
import type { BenchCase } from './run.js';

export function optimizeCases(rt: G.Runtime): BenchCase[] {
  let spec: Promise<string> | undefined;
  return [
    {
      name: 'optimize-512-100it',
      runs: 1,
      warmup: 0,
      async setup() {
        const shared = path.join(packageRoot(), '..', 'shared', 'images');
        const photo = await loadImage(path.join(shared, 'content', 'tubingen.jpg'));
        const content = await resizeImage(photo, 512, Math.round((512 * photo.height) / photo.width));
        const styleImg = await loadImage(path.join(shared, 'styles', 'starry_night.jpg'));
        const style = await resizeImage(styleImg, 512, Math.round((512 * styleImg.height) / styleImg.width));
        const vgg = await loadVgg19();
        const depthModel = await loadDepthModel();
        const o = { ...D, vgg, depthModel };
        const targets = await computeTargets({ ...o, rt }, content, [style], [1]);
        const lg = buildLossGraph(o, content, targets);
        const feeds = new Map<G.Tensor, Float32Array>([[lg.image, content.data]]);
        for (const [t, v] of lg.feeds) feeds.set(t, v instanceof Float32Array ? v : v.data);
        spec = writeSpec([lg.total], feeds, { mode: 'lbfgs', iterations: 100 });
        const prog = await rt.compile([lg.total, lg.gradient]);
        return async () => {
          const x = Float32Array.from(content.data);
          const lbfgs = new LBFGS(x, { maxIter: 100, maxEval: 400, historySize: 50, tolGrad: 0, tolChange: 0 });
          await lbfgs.step(async (v) => {
            feeds.set(lg.image, v);
            const [l, gr] = await prog.run(feeds);
            return { loss: l.data[0], grad: gr.data };
          });
        };
      },
      peerSpec: () => spec!,
    },
  ];
}
