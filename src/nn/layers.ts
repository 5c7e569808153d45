// Layers as small functions over the graph: each creates (or reuses, by scoped
// name) its parameters and returns its output tensor.
import { type Tensor, conv2d, instanceNorm, pad2d, resizeScale, type ConvOptions } from '../graph/index.js';
import type { Rng } from '../optim/random.js';

/** PyTorch's default conv init: U(±1/√fan_in) for weight and bias, so our nets start where PyTorch's do. */
export function convInit(rng: Rng, out: number, inp: number, k: number): { weight: Float32Array; bias: Float32Array } {
  const bound = 1 / Math.sqrt(inp * k * k);
  return { weight: rng.fill(out * inp * k * k, () => rng.uniform(-bound, bound)), bias: rng.fill(out, () => rng.uniform(-bound, bound)) };
}

export interface Conv2dLayer {
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride?: number;
  /** Reflection padding of kernel/2 (Johnson et al.) instead of zero padding. */
  reflect?: boolean;
  rng?: Rng;
}

/** A trainable conv: reflection or zero padding of kernel/2, then conv with bias. */
export function convLayer(x: Tensor, name: string, l: Conv2dLayer): Tensor {
  const g = x.graph;
  const init = l.rng ? convInit(l.rng, l.outChannels, l.inChannels, l.kernel) : undefined;
  return g.scope(name, () => {
    const w = g.param('weight', [l.outChannels, l.inChannels, l.kernel, l.kernel], init?.weight);
    const b = g.param('bias', [l.outChannels], init?.bias);
    const p = Math.floor(l.kernel / 2);
    const opts: ConvOptions = { strides: l.stride ?? 1 };
    if (l.reflect) return conv2d(pad2d(x, [p, p, p, p], 'reflect'), w, b, opts);
    return conv2d(x, w, b, { ...opts, pads: p });
  });
}

/** Affine instance normalization (scale 1, shift 0 at init). */
export function instanceNormLayer(x: Tensor, name: string, channels: number, epsilon = 1e-5): Tensor {
  const g = x.graph;
  return g.scope(name, () =>
    instanceNorm(x, g.param('scale', [channels], new Float32Array(channels).fill(1)), g.param('shift', [channels], new Float32Array(channels)), epsilon),
  );
}

/** Nearest-neighbour upsampling by an integer factor (then a conv: no checkerboard, Odena et al. 2016). */
export function upsampleNearest(x: Tensor, factor: number): Tensor {
  return resizeScale(x, [factor, factor], 'nearest');
}
