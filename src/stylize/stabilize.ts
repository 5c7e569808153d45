// Stabilization against flicker, the part the page shares with `stylize CLIP.mp4` (no optical flow here: that
// needs OpenCV, which only Node loads; see video.ts).
import type { NormStatistics } from './stylizer.js';

export const STABILIZATIONS = ['none', 'norm', 'flow', 'both'] as const;
export type Stabilization = (typeof STABILIZATIONS)[number];
/** The default, from the measurement on both shared clips (docs/video.md). */
export const DEFAULT_STABILIZATION: Stabilization = 'both';

/** Exponential moving average of norm statistics across frames. */
export function statisticsAverager(momentum: number): (measured: NormStatistics[]) => NormStatistics[] {
  let avg: NormStatistics[] | undefined;
  return (m) => {
    avg = avg ? avg.map((a, i) => ({ mean: a.mean.map((v, k) => momentum * v + (1 - momentum) * m[i].mean[k]), variance: a.variance.map((v, k) => momentum * v + (1 - momentum) * m[i].variance[k]) })) : m;
    return avg;
  };
}

