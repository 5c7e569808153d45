// The depth loss of depth-preserving style transfer: the depth map (or the
// depth network's features) of the stylized image against those of the
// content image, both from the same pretrained monocular depth network.
import { Tensor, add, div, mul, reduceMean, square, sub } from '../graph/index.js';
import type { DepthModel } from '../models/depth.js';

/**
 * - 'ssi', 'mse', 'features': the depth network's output (or features) on the stylized image against the photo's;
 *   the gradient passes through the network, which a small CNN lets be satisfied by imperceptible patterns;
 * - 'eot': 'ssi' in expectation over random blur, sub-pixel shift, noise and rescaling of both images;
 * - 'weighted-content': the VGG content loss weighted per pixel by the photo's nearness (no gradient through the depth net);
 * - 'depth-edges': the photo's luminance gradients kept where its depth changes sharply (no gradient through the depth net).
 */
export type DepthLossKind = 'mse' | 'ssi' | 'features' | 'eot' | 'weighted-content' | 'depth-edges';
export const DEPTH_LOSS_KINDS: readonly DepthLossKind[] = ['ssi', 'mse', 'features', 'eot', 'weighted-content', 'depth-edges'];

/** What the depth loss compares for one image: its depth map, or for 'features' the depth network's feature layers. */
export function depthSignals(model: DepthModel, image: Tensor, kind: 'ssi' | 'mse' | 'features' | DepthLossKind): Tensor[] {
  return kind === 'features' ? model.features(image) : [model.build(image)];
}

/**
 * The depth loss between `depthSignals` of the stylized image and of the content image.
 * 'features' is the seed paper's definition, Σ_i ‖δ_i(ŷ) − δ_i(y)‖² / N_i over feature layers i, with each
 * layer also divided by the target's mean square so that every layer (and any depth model) weighs alike.
 */
export function depthLossOf(pred: readonly Tensor[], target: readonly Tensor[], kind: DepthLossKind): Tensor {
  if (kind !== 'features') return depthLoss(pred[0], target[0], kind === 'mse' ? 'mse' : 'ssi');
  const layer = (p: Tensor, t: Tensor) => div(reduceMean(square(sub(p, t))), add(reduceMean(square(t)), 1e-8));
  return div(pred.map((p, i) => layer(p, target[i])).reduce((a, b) => add(a, b)), pred.length);
}

/**
 * pred, target: [N, 1, h, w] relative depth maps.
 * - 'mse': mean squared difference, with both maps divided by the target's
 *   mean so that the loss does not depend on the network's output scale;
 * - 'ssi': scale-and-shift invariant: pred is first aligned to target by least
 *   squares (per image), then the residual is divided by the target's variance.
 *   Monocular depth is only known up to scale and shift, so only the layout counts;
 *   the value equals 1 − r² (r: Pearson correlation of the maps).
 */
export function depthLoss(pred: Tensor, target: Tensor, kind: 'mse' | 'ssi'): Tensor {
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
