// Stylizing large images in overlapping tiles with feathered blending, so that
// memory stays bounded whatever the image size. Each tile's output is weighted
// by a ramp that falls to zero across the overlap, and the weighted tiles are
// summed and normalized: neighbouring tiles cross-fade instead of meeting at a seam.
import type { RgbImage } from '../io/rgb.js';

export interface TileOptions {
  /** Tile side in pixels (default 1024). */
  tile?: number;
  /** Overlap between neighbouring tiles (default 128). */
  overlap?: number;
}

function starts(size: number, tile: number, overlap: number): number[] {
  if (size <= tile) return [0];
  const step = tile - overlap;
  const out: number[] = [];
  for (let s = 0; s + tile < size; s += step) out.push(s);
  out.push(size - tile);
  return out;
}

function crop(img: RgbImage, x0: number, y0: number, w: number, h: number): RgbImage {
  const n = img.width * img.height;
  const planes = img.data.length / n; // RGB, and any guide planes after it
  const data = new Float32Array(planes * w * h);
  for (let c = 0; c < planes; c++)
    for (let y = 0; y < h; y++) data.set(img.data.subarray(c * n + (y0 + y) * img.width + x0, c * n + (y0 + y) * img.width + x0 + w), c * w * h + y * w);
  return { width: w, height: h, data };
}

/** 1-D blending weight at position i of a tile of length len starting at s in an image of length size. */
function ramp(i: number, len: number, s: number, size: number, overlap: number): number {
  const left = s > 0 ? Math.min(1, (i + 0.5) / overlap) : 1;
  const right = s + len < size ? Math.min(1, (len - i - 0.5) / overlap) : 1;
  return Math.min(left, right);
}

export async function stylizeTiled(
  img: RgbImage,
  stylize: (tile: RgbImage) => Promise<RgbImage>,
  o: TileOptions = {},
  onTile?: (done: number, total: number) => void,
): Promise<RgbImage> {
  const tile = o.tile ?? 1024;
  const overlap = Math.min(o.overlap ?? 128, Math.floor(tile / 2));
  if (img.width <= tile && img.height <= tile) return stylize(img);
  const xs = starts(img.width, tile, overlap);
  const ys = starts(img.height, tile, overlap);
  const n = img.width * img.height;
  const acc = new Float32Array(3 * n);
  const wsum = new Float32Array(n);
  let done = 0;
  for (const y0 of ys)
    for (const x0 of xs) {
      const w = Math.min(tile, img.width);
      const h = Math.min(tile, img.height);
      const out = await stylize(crop(img, x0, y0, w, h));
      for (let y = 0; y < h; y++) {
        const wy = ramp(y, h, y0, img.height, overlap);
        for (let x = 0; x < w; x++) {
          const wt = wy * ramp(x, w, x0, img.width, overlap);
          const p = (y0 + y) * img.width + x0 + x;
          wsum[p] += wt;
          for (let c = 0; c < 3; c++) acc[c * n + p] += wt * out.data[c * w * h + y * w + x];
        }
      }
      onTile?.(++done, xs.length * ys.length);
    }
  for (let p = 0; p < n; p++) for (let c = 0; c < 3; c++) acc[c * n + p] /= wsum[p];
  return { width: img.width, height: img.height, data: acc };
}
