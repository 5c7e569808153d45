// Images in memory, and what can be done to them without a codec (this module runs in the browser too):
// planar RGB float32 in [0, 255] (NCHW with N = 1).

export interface RgbImage {
  width: number;
  height: number;
  /** Planar RGB, 0–255, length 3·width·height. */
  data: Float32Array;
}

export const MIN_IMAGE_SIDE = 16;

/** Grayscale with MATLAB rgb2gray weights, rounded to 8 bits as rgb2gray does for uint8 images. */
export function toGray(img: RgbImage): Float32Array {
  const n = img.width * img.height;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(0.2989 * img.data[i] + 0.587 * img.data[n + i] + 0.114 * img.data[2 * n + i]);
  return out;
}

/** Width and height with the long side `side` (aspect kept, each at least MIN_IMAGE_SIDE). */
export function longSideSize(img: { width: number; height: number }, side: number): [number, number] {
  const k = side / Math.max(img.width, img.height);
  return [Math.max(MIN_IMAGE_SIDE, Math.round(img.width * k)), Math.max(MIN_IMAGE_SIDE, Math.round(img.height * k))];
}

/** 1-D resampling weights: for each output index, the input indices and weights (box over the footprint when shrinking, linear when enlarging). */
function taps(inSize: number, outSize: number): { start: number; weights: number[] }[] {
  const scale = inSize / outSize;
  const support = Math.max(1, scale);
  return Array.from({ length: outSize }, (_, o) => {
    const centre = (o + 0.5) * scale - 0.5;
    const start = Math.max(0, Math.floor(centre - support + 1));
    const end = Math.min(inSize - 1, Math.ceil(centre + support - 1));
    const weights: number[] = [];
    for (let i = start; i <= end; i++) weights.push(Math.max(0, 1 - Math.abs(i - centre) / support));
    const sum = weights.reduce((a, b) => a + b, 0);
    if (sum === 0) return { start: Math.min(inSize - 1, Math.max(0, Math.round(centre))), weights: [1] };
    return { start, weights: weights.map((v) => v / sum) };
  });
}

/**
 * Resizes a planar RGB image with a triangle filter stretched over the footprint of each output pixel
 * (bilinear when enlarging, antialiased when shrinking). Codec-free, so Node and the page resize alike.
 */
export function resizeRgb(img: RgbImage, width: number, height: number): RgbImage {
  if (width === img.width && height === img.height) return img;
  const tx = taps(img.width, width);
  const ty = taps(img.height, height);
  const [n0, n1] = [img.width * img.height, width * height];
  const planes = img.data.length / n0; // 3, or more where a guide plane rides along (feature-level strength)
  const rows = new Float32Array(img.height * width);
  const data = new Float32Array(planes * n1);
  for (let c = 0; c < planes; c++) {
    const src = img.data.subarray(c * n0, (c + 1) * n0);
    for (let y = 0; y < img.height; y++)
      for (let x = 0; x < width; x++) {
        const { start, weights } = tx[x];
        let s = 0;
        for (let k = 0; k < weights.length; k++) s += weights[k] * src[y * img.width + start + k];
        rows[y * width + x] = s;
      }
    for (let y = 0; y < height; y++) {
      const { start, weights } = ty[y];
      for (let x = 0; x < width; x++) {
        let s = 0;
        for (let k = 0; k < weights.length; k++) s += weights[k] * rows[(start + k) * width + x];
        data[c * n1 + y * width + x] = s;
      }
    }
  }
  return { width, height, data };
}

/** A copy at most `side` px on its long side (the image itself when it is no larger). */
export function shrinkLongSide(img: RgbImage, side: number): RgbImage {
  if (Math.max(img.width, img.height) <= side) return img;
  const [w, h] = longSideSize(img, side);
  return resizeRgb(img, w, h);
}

/** Interleaved 8-bit RGBA of a planar float image (clamped, rounded): what a canvas's ImageData holds. */
export function toRgba8(img: RgbImage): Uint8ClampedArray<ArrayBuffer> {
  const n = img.width * img.height;
  const out = new Uint8ClampedArray(4 * n);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) out[4 * i + c] = Math.round(img.data[c * n + i]);
    out[4 * i + 3] = 255;
  }
  return out;
}

/** A planar float image from interleaved 8-bit RGBA (a canvas's ImageData); alpha is dropped. */
export function fromRgba8(rgba: ArrayLike<number>, width: number, height: number): RgbImage {
  const n = width * height;
  const data = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) data[c * n + i] = rgba[4 * i + c];
  return { width, height, data };
}
