// The choose-on-dev, report-on-test protocol (issue #32) in code: which photos and paintings of a split a run
// uses (a fixed, seeded subset when the split is larger than the run can afford), and intervals over photos *and*
// paintings (a crossed bootstrap: both are resampled, so a result that holds for two paintings only is wide).
import { Rng } from '../optim/random.js';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { parseSplit, splitHash, splitPaths, type SplitName } from './splits.js';

/** The first `n` files of a split in the order of a second hash (deterministic, independent of the split's own). */
export function splitSample(files: readonly string[], n: number): string[] {
  return [...files].sort((a, b) => splitHash(`sample:${a}`) - splitHash(`sample:${b}`)).slice(0, Math.min(n, files.length));
}

export interface Interval {
  mean: number;
  lo: number;
  hi: number;
}

/**
 * Mean of a photo × painting matrix of paired differences, with a 95 % crossed-bootstrap interval: each
 * resample draws photos and paintings with replacement and averages the cells they cross (2000 resamples).
 */
export function crossedBootstrap(cells: readonly (readonly number[])[], seed = 0): Interval {
  const [np, nq] = [cells.length, cells[0]?.length ?? 0];
  const all = cells.flat();
  const mean = all.reduce((a, b) => a + b, 0) / all.length;
  if (np < 2 && nq < 2) return { mean, lo: mean, hi: mean };
  const rng = new Rng(seed);
  const means: number[] = [];
  for (let r = 0; r < 2000; r++) {
    const ps = Array.from({ length: np }, () => rng.int(np));
    const qs = Array.from({ length: nq }, () => rng.int(nq));
    let s = 0;
    for (const p of ps) for (const q of qs) s += cells[p][q];
    means.push(s / (np * nq));
  }
  means.sort((a, b) => a - b);
  return { mean, lo: means[Math.floor(0.025 * means.length)], hi: means[Math.floor(0.975 * means.length)] };
}

/** What a decision record says about the split its numbers came from (figures and tables carry it). */
export function splitLabel(split: SplitName): string {
  return split === 'test' ? 'test split (judged once, after the choice)' : `${split} split (settings are chosen here)`;
}

/**
 * The photos an experiment runs on: `--split dev|test` (a fixed sample of `n` from the locked split), or, without
 * one, the 13 photos the earlier defaults were chosen on ("legacy": content/ and three RGB-D frames) — which are,
 * by the protocol, a dev set too. Returns the files and the label a figure or table must carry.
 */
export function experimentPhotos(shared: string, split: string | undefined, n = 24): { files: string[]; label: string } {
  if (split === undefined) {
    const content = path.join(shared, 'images', 'content');
    const files = [
      ...readdirSync(content)
        .filter((f) => f.endsWith('.jpg'))
        .sort()
        .map((f) => path.join(content, f)),
      ...['rgbd/open3d/color/00000.jpg', 'rgbd/tum/TUM_color.png', 'rgbd/sun/SUN_color.jpg'].map((f) => path.join(shared, 'images', f)),
    ];
    return { files, label: 'legacy dev photos (the 13 earlier defaults were chosen on)' };
  }
  const s = parseSplit(split, '--split');
  return { files: splitSample(splitPaths(shared, 'photos', s), n), label: splitLabel(s) };
}

/** A judged result: its style loss and its depth-edge contrast. */
export interface StyleAndEdges {
  style: number;
  edges: number;
}

/**
 * The cheapest alternative at a given style cost: the depth-edge contrast of the reference (`points[0]`, no depth
 * handling) blended toward the photo (`points[1..]`, ever stronger blends) until its style loss is `style`, linear
 * between the blends measured (held at the ends).
 */
export function edgesOfBlendAtStyle(points: readonly StyleAndEdges[], style: number): number {
  if (style <= points[0].style) return points[0].edges;
  for (let i = 1; i < points.length; i++)
    if (style <= points[i].style) {
      const t = (style - points[i - 1].style) / (points[i].style - points[i - 1].style || 1);
      return points[i - 1].edges + t * (points[i].edges - points[i - 1].edges);
    }
  return points[points.length - 1].edges;
}

/** An interval as the split tables print it: `+0.040 [+0.031, +0.049]`. */
export function formatInterval(i: Interval, digits = 3): string {
  const sign = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(digits)}`;
  return `${sign(i.mean)} [${sign(i.lo)}, ${sign(i.hi)}]`;
}
