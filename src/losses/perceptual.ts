// Perceptual losses (Gatys et al. 2016; Johnson et al. 2016) over VGG features.
import { Tensor, add, div, gramMatrix, mul, reduceMean, reshape, slice, square, sub } from '../graph/index.js';
import { ArgumentError } from '../io/arguments.js';

const tensor = (v: unknown, argument: string): Tensor => {
  if (!(v instanceof Tensor)) throw new ArgumentError(argument, 'must be a graph Tensor (engine.Graph builds them)');
  return v;
};

/** Gram matrix of NCHW features, normalized by C·H·W: [N, C, C]. */
export function gram(features: Tensor): Tensor {
  tensor(features, 'gram: features');
  const [n, c, h, w] = features.staticShape('Gram matrix');
  const f = reshape(features, [n, c, h * w]);
  return div(gramMatrix(f), c * h * w);
}

export function mse(a: Tensor, b: Tensor): Tensor {
  tensor(a, 'mse: a');
  tensor(b, 'mse: b');
  return reduceMean(square(sub(a, b)));
}

/** Σ_l w_l · MSE(Gram(F_l), target_l). */
export function styleLoss(features: ReadonlyMap<string, Tensor>, targets: ReadonlyMap<string, Tensor>, layerWeights?: ReadonlyMap<string, number>): Tensor {
  if (!(features instanceof Map) || !features.size) throw new ArgumentError('styleLoss: features', 'must be a non-empty Map of layer → Tensor');
  if (!(targets instanceof Map)) throw new ArgumentError('styleLoss: targets', 'must be a Map of layer → Tensor');
  let total: Tensor | undefined;
  for (const [layer, target] of targets) {
    const f = features.get(layer);
    if (!f) throw new Error(`style loss: no features for layer ${layer}`);
    let l = mse(gram(f), target);
    const w = layerWeights?.get(layer);
    if (w !== undefined && w !== 1) l = mul(l, w);
    total = total ? add(total, l) : l;
  }
  if (!total) throw new Error('style loss: no style layers');
  return total;
}

/** Total variation: mean squared difference of neighbouring pixels. */
export function tvLoss(img: Tensor): Tensor {
  tensor(img, 'tvLoss: img');
  const [, , h, w] = img.staticShape('TV loss');
  const dy = sub(slice(img, [1], [h], [2]), slice(img, [0], [h - 1], [2]));
  const dx = sub(slice(img, [1], [w], [3]), slice(img, [0], [w - 1], [3]));
  return add(reduceMean(square(dy)), reduceMean(square(dx)));
}
