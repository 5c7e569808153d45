// VGG-19 (Simonyan & Zisserman) as the fixed loss network: 16 3x3 convs with
// ReLU, 2x2 max-pool between blocks. Weights are constants supplied by a
// loader (src/models) or random for benchmarks; preprocessing (Keras "caffe":
// RGB 0–255 → BGR minus the ImageNet mean) happens inside the graph.
import { type Tensor, conv2d, flip, maxPool2d, relu, sub } from '../graph/index.js';
import { Rng, heNormal } from '../optim/random.js';

export const VGG19_BLOCKS = [2, 2, 4, 4, 4] as const;
export const VGG19_CHANNELS = [64, 128, 256, 512, 512] as const;

/** Tap names relu1_1 … relu5_4, in network order. */
export const VGG19_TAPS: readonly string[] = VGG19_BLOCKS.flatMap((n, b) => Array.from({ length: n }, (_, i) => `relu${b + 1}_${i + 1}`));

export type VggTap = string;

export interface ConvWeights {
  /** OIHW */
  weight: Float32Array;
  bias: Float32Array;
}

/** Supplies the weights of a conv layer by Keras name (block1_conv1 …), or undefined if absent. */
export type VggWeights = (layer: string, shape: readonly [number, number, number, number]) => ConvWeights | undefined;

export function randomVggWeights(seed = 0): VggWeights {
  const rng = new Rng(seed);
  return (_layer, [o, i, kh, kw]) => ({ weight: heNormal(rng, o * i * kh * kw, i * kh * kw), bias: rng.fill(o, () => 0.01 * rng.normal()) });
}

/** BGR mean of the Keras/caffe VGG weights. */
const MEAN_BGR = [103.939, 116.779, 123.68];

export function vggPreprocess(rgb255: Tensor): Tensor {
  const g = rgb255.graph;
  return sub(flip(rgb255, [1]), g.constant(MEAN_BGR, [1, 3, 1, 1], { name: 'vgg19/mean_bgr' }));
}

/**
 * Runs VGG-19 on an RGB 0–255 image as far as the deepest requested tap and
 * returns the requested activations. Weights are named constants, so calling
 * this twice in one graph (content and stylized image) shares them.
 */
export function vgg19(rgb255: Tensor, taps: readonly VggTap[], weights: VggWeights): Map<VggTap, Tensor> {
  for (const t of taps) if (!VGG19_TAPS.includes(t)) throw new Error(`unknown VGG-19 layer "${t}"; expected one of ${VGG19_TAPS.join(', ')}`);
  const deepest = Math.max(...taps.map((t) => VGG19_TAPS.indexOf(t)));
  const g = rgb255.graph;
  const out = new Map<VggTap, Tensor>();
  let h = vggPreprocess(rgb255);
  let inCh = 3;
  let k = 0;
  g.scope('vgg19', () => {
    for (let b = 0; b < VGG19_BLOCKS.length && k <= deepest; b++) {
      if (b > 0) h = maxPool2d(h, 2);
      for (let i = 0; i < VGG19_BLOCKS[b] && k <= deepest; i++, k++) {
        const name = `block${b + 1}_conv${i + 1}`;
        const shape = [VGG19_CHANNELS[b], inCh, 3, 3] as const;
        let w = g.tensor(`vgg19/${name}/weight`);
        let bias = g.tensor(`vgg19/${name}/bias`);
        if (!w || !bias) {
          const cw = weights(name, shape);
          if (!cw) throw new Error(`VGG-19 weights for ${name} are missing`);
          w = g.constant(cw.weight, [...shape], { name: `${name}/weight` });
          bias = g.constant(cw.bias, [shape[0]], { name: `${name}/bias` });
        }
        h = relu(conv2d(h, w, bias, { pads: 1 }));
        inCh = VGG19_CHANNELS[b];
        const tap = VGG19_TAPS[k];
        if (taps.includes(tap)) out.set(tap, h);
      }
    }
  });
  return out;
}
