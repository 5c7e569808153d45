// The stability loss of a video-stable transform network (after Gupta et al. 2017, "Characterizing and
// improving stability in neural style transfer"): the network sees each training photo twice, once as it is
// and once shifted by a pixel, a little brighter or darker and with sensor noise; the two outputs, aligned by
// the shift, should agree. Per-frame stylization of a clip flickers because tiny input changes of exactly
// these kinds move the strokes.
import * as G from '../graph/index.js';
import type { Tensor } from '../graph/index.js';
import type { Rng } from '../optim/random.js';
import { mse } from './perceptual.js';

/** The perturbation: a shift of (1, 1) px, exposure × [1 − gain, 1 + gain], Gaussian noise (0–255 scale). */
export const STABILITY_PERTURBATION = { shift: 1, gain: 0.05, noise: 3 } as const;

/** Pixels at the border left out of the comparison (padding makes the edge of a shifted image differ anyway). */
const MARGIN = 8;

/**
 * The perturbed copy of a batch [B, 3, S, S] (planar RGB 0–255): content moved by +shift px down and right
 * (the first rows and columns repeat the edge), exposure scaled, noise added, clamped to 0–255.
 */
export function perturbBatch(
  x: Float32Array,
  batch: number,
  size: number,
  rng: Rng,
  p: { shift: number; gain: number; noise: number } = STABILITY_PERTURBATION,
): Float32Array {
  const out = new Float32Array(x.length);
  const n = size * size;
  for (let b = 0; b < batch; b++) {
    const gain = rng.uniform(1 - p.gain, 1 + p.gain);
    for (let c = 0; c < 3; c++) {
      const plane = (b * 3 + c) * n;
      for (let yy = 0; yy < size; yy++) {
        const sy = Math.max(0, yy - p.shift);
        for (let xx = 0; xx < size; xx++) {
          const sx = Math.max(0, xx - p.shift);
          const v = x[plane + sy * size + sx] * gain + rng.normal() * p.noise;
          out[plane + yy * size + xx] = Math.min(255, Math.max(0, v));
        }
      }
    }
  }
  return out;
}

/** MSE between the output of the perturbed batch and the output of the batch, aligned by the shift. */
export function stabilityTerm(y: Tensor, yPerturbed: Tensor, size: number, shift: number = STABILITY_PERTURBATION.shift): Tensor {
  const lo = MARGIN;
  const hi = size - MARGIN - shift;
  const moved = G.slice(yPerturbed, [lo + shift, lo + shift], [hi + shift, hi + shift], [2, 3]);
  const still = G.slice(y, [lo, lo], [hi, hi], [2, 3]);
  return mse(moved, still);
}
