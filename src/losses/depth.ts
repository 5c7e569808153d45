// The depth loss of depth-preserving style transfer: the depth map of the
// stylized image against that of the content image, both from the same
// pretrained monocular depth network.
import { Tensor, add, div, mul, reduceMean, square, sub } from '../graph/index.js';

export type DepthLossKind = 'mse' | 'ssi';

/**
 * pred, target: [N, 1, h, w] relative depth maps.
 * - 'mse': mean squared difference, with both maps divided by the target's
 *   mean so that the loss does not depend on the network's output scale;
 * - 'ssi': scale-and-shift invariant: pred is first aligned to target by least
 *   squares (per image), then the residual is divided by the target's variance.
 *   Monocular depth is only known up to scale and shift, so only the layout counts;
 *   the value equals 1 − r² (r: Pearson correlation of the maps).
 */
export function depthLoss(pred: Tensor, target: Tensor, kind: DepthLossKind): Tensor {
  const axes = [1, 2, 3];
  const tMean = reduceMean(target, axes, true);
  if (kind === 'mse') return reduceMean(square(div(sub(pred, target), add(tMean, 1e-6))));
  const pc = sub(pred, reduceMean(pred, axes, true));
  const tc = sub(target, tMean);
  const tVar = reduceMean(square(tc), axes, true);
  const scale = div(reduceMean(mul(pc, tc), axes, true), add(reduceMean(square(pc), axes, true), 1e-8));
  const residual = sub(mul(pc, scale), tc);
  return reduceMean(div(reduceMean(square(residual), axes, true), add(tVar, 1e-8)));
}
