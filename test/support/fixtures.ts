// Shared test fixtures: the models folder, a runtime, small real photos.
import path from 'node:path';
import { Runtime } from '../../src/graph/index.js';
import { ModelStore, packageRoot } from '../../src/models/resolver.js';
import { loadImage, type RgbImage } from '../../src/io/image.js';

export const SHARED = path.resolve(packageRoot(), '..', 'shared');
export const store = new ModelStore();
export const runtime = new Runtime({ threads: 2 });
export const photo = (name: string) => path.join(SHARED, 'images', 'content', name);

export function loadPhoto(name: string, size?: [number, number]): Promise<RgbImage> {
  return loadImage(photo(name), size ? { size } : {});
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** NCHW (batch 1) → NHWC. */
export function toNhwc(data: Float32Array, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let k = 0; k < c; k++) for (let i = 0; i < h * w; i++) out[i * c + k] = data[k * h * w + i];
  return out;
}
