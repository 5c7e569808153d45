// Johnson et al. 2016 image-transform network, as in pytorch/examples
// fast_neural_style: reflection padding, instance norm, five residual blocks,
// nearest-upsample + conv decoder. Input and output are RGB in [0, 255].
import { type Tensor, add, cropLike, relu } from '../graph/index.js';
import { convLayer, instanceNormLayer, upsampleNearest } from './layers.js';
import { Rng } from '../optim/random.js';

export interface TransformNetOptions {
  /** Channels of the first layer: 32 is the paper's c9s1-32; 16 is the light CPU variant. */
  width?: number;
  residualBlocks?: number;
  /** Seed for the initial weights. */
  seed?: number;
}

export function transformNet(x: Tensor, opts: TransformNetOptions = {}): Tensor {
  const c = opts.width ?? 32;
  const rng = new Rng(opts.seed ?? 0);
  const g = x.graph;
  return g.scope('transform', () => {
    const cin = (h: Tensor, name: string, cIn: number, cOut: number, k: number, stride = 1) =>
      instanceNormLayer(convLayer(h, name, { inChannels: cIn, outChannels: cOut, kernel: k, stride, reflect: true, rng }), `${name}_in`, cOut);
    let h = relu(cin(x, 'conv1', 3, c, 9));
    h = relu(cin(h, 'conv2', c, 2 * c, 3, 2));
    h = relu(cin(h, 'conv3', 2 * c, 4 * c, 3, 2));
    for (let i = 1; i <= (opts.residualBlocks ?? 5); i++) {
      const r = relu(cin(h, `res${i}_conv1`, 4 * c, 4 * c, 3));
      h = add(h, cin(r, `res${i}_conv2`, 4 * c, 4 * c, 3));
    }
    h = relu(cin(upsampleNearest(h, 2), 'deconv1', 4 * c, 2 * c, 3));
    h = relu(cin(upsampleNearest(h, 2), 'deconv2', 2 * c, c, 3));
    // Sizes that are not multiples of 4 come back up to the next multiple: crop.
    return cropLike(convLayer(h, 'deconv3', { inChannels: c, outChannels: 3, kernel: 9, reflect: true, rng }), x);
  });
}
