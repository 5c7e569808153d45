// Image files in and out through sharp (libvips): EXIF orientation, 16-bit
// PNG, alpha and CMYK are handled by the library, never by hand. In memory an
// image is planar RGB float32 in [0, 255] (NCHW with N = 1).
import { stat } from 'node:fs/promises';
import path from 'node:path';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { writeFileAtomic } from './atomic.js';
import { MIN_IMAGE_SIDE, longSideSize, type RgbImage } from './rgb.js';
import { ArgumentError, checkImageArg, checkNumber, checkString } from './arguments.js';

export { MIN_IMAGE_SIDE, longSideSize, toGray, type RgbImage } from './rgb.js';

/**
 * Images above this many pixels are refused from their header, before decoding: a 117 KB PNG can declare
 * 31000×31000 pixels, and decoding it took libvips past 5 GB and into a crash. 100 MP (≈ 1.2 GB as float32
 * planar RGB, ~3 GB at peak while decoding) suits a 24 GB machine; `--max-pixels` changes it.
 */
export const DEFAULT_MAX_PIXELS = 100_000_000;
let maxPixelsDefault = DEFAULT_MAX_PIXELS;
/** Sets the pixel limit for every later `loadImage` without its own `maxPixels` (the CLI's --max-pixels). */
export function setMaxPixels(n: number): void {
  maxPixelsDefault = n;
}
/** The pixel limit in force (for clips, checked from their header like an image's). */
export const defaultMaxPixels = (): number => maxPixelsDefault;

export interface LoadOptions {
  /** Downscale (never upscale) so that the longer side is at most this. */
  maxSide?: number;
  /** Resize to exactly this size (width, height), ignoring aspect. */
  size?: readonly [number, number];
  /** Refuse images with more pixels than this (default `DEFAULT_MAX_PIXELS`). */
  maxPixels?: number;
  /** Accept only these formats (sharp's names, from the header; the server takes raster photos only, no SVG). */
  formats?: readonly string[];
}

/** Reads an image file; throws a one-line error naming the file and the problem. */
export async function loadImage(file: string, opts: LoadOptions = {}): Promise<RgbImage> {
  checkString(file, 'loadImage: file');
  if (opts?.maxSide !== undefined) checkNumber(opts.maxSide, 'loadImage: maxSide', { min: MIN_IMAGE_SIDE, integer: true });
  await checkInputFile(file);
  return decodeImage(file, file, opts);
}

/**
 * Checks that an image file loads — present, readable, within the pixel limit, big enough, not truncated — with
 * loadImage's one-line errors, for commands that should refuse a bad input before any work. It decodes at a
 * thumbnail's size (JPEG shrinks on load), so it is cheap.
 */
export async function checkImage(file: string, opts: Pick<LoadOptions, 'maxPixels'> = {}): Promise<void> {
  await loadImage(file, { ...opts, maxSide: 64 });
}

/** An input must be a regular, non-empty file: a FIFO, a device (/dev/zero) or a folder is refused before it is read. */
export async function checkInputFile(file: string): Promise<void> {
  let st;
  try {
    st = await stat(file);
  } catch {
    throw new Error(`${file}: no such file`);
  }
  if (!st.isFile()) throw new Error(`${file}: not a file`);
  if (st.size === 0) throw new Error(`${file}: empty file (0 bytes)`);
}

/** The header only (nothing is decoded): its metadata and upright size, or a one-line error. */
async function imageHeader(
  file: string | Buffer,
  what: string,
  maxPixels: number,
  formats?: readonly string[],
): Promise<{ meta: Metadata; upright: [number, number] }> {
  let meta;
  try {
    meta = await sharp(file, { limitInputPixels: false }).metadata();
  } catch {
    throw new Error(`${what}: not an image sharp can read`);
  }
  if (formats && !formats.includes(meta.format ?? ''))
    throw new Error(`${what}: not an image accepted here (${meta.format ?? 'unknown'}; accepted: ${formats.join(', ')})`);
  if (!meta.width || !meta.height) throw new Error(`${what}: image has no size`);
  if (meta.width * meta.height > maxPixels)
    throw new Error(
      `${what}: image declares ${meta.width}×${meta.height} = ${((meta.width * meta.height) / 1e6).toFixed(0)} MP, above the limit of ${(maxPixels / 1e6).toFixed(0)} MP (--max-pixels)`,
    );
  // EXIF orientations 5–8 swap width and height.
  const upright: [number, number] = (meta.orientation ?? 1) >= 5 ? [meta.height, meta.width] : [meta.width, meta.height];
  if (Math.min(...upright) < MIN_IMAGE_SIDE)
    throw new Error(`${what}: image is ${upright[0]}×${upright[1]}; depthstyle needs at least ${MIN_IMAGE_SIDE} px per side`);
  return { meta, upright };
}

/** An image's pixel count from its header alone (upright or not, the same), or 1 when it cannot be read: a weight for progress. */
export async function imagePixels(file: string): Promise<number> {
  const meta = await sharp(file, { limitInputPixels: false })
    .metadata()
    .catch(() => undefined);
  return meta?.width && meta.height ? meta.width * meta.height : 1;
}

/** Decoder warnings that mean data is missing: the picture would be partly or wholly made up. */
const TRUNCATED =
  /premature end|truncat|unexpected end|end of (file|data|stream)|short read|read error|not enough (image )?data|out of data|missing|incomplete/i;

/** Decodes an image from a file or a buffer (an upload), named `what` in errors. */
export async function decodeImage(file: string | Buffer, what: string, opts: LoadOptions = {}): Promise<RgbImage> {
  if (typeof file !== 'string' && file.length === 0) throw new Error(`${what}: empty file (0 bytes)`);
  const maxPixels = opts.maxPixels ?? maxPixelsDefault;
  const {
    meta,
    upright: [w0, h0],
  } = await imageHeader(file, what, maxPixels, opts.formats);
  // libvips shrinks on load where the format allows when a smaller size is asked for (maxSide, size).
  // A 16-bit source is read as 16-bit sRGB, keeping its precision; an 8-bit one as 8-bit sRGB, exactly its
  // values (libvips's conversion of 8-bit sRGB to rgb16 moves values by up to ±1 level, which a high-gain
  // style network amplifies to ±10).
  const deep = meta.depth !== undefined && meta.depth !== 'uchar' && meta.depth !== 'char';
  const decode = (failOn: 'warning' | 'error' | 'truncated') => {
    let img = sharp(file, { failOn, limitInputPixels: maxPixels })
      .rotate()
      .toColourspace(deep ? 'rgb16' : 'srgb');
    if (meta.hasAlpha) img = img.flatten({ background: '#ffffff' });
    if (opts.size) img = img.resize(opts.size[0], opts.size[1], { fit: 'fill' });
    else if (opts.maxSide && Math.max(w0, h0) > opts.maxSide)
      img = img.resize({ width: w0 >= h0 ? opts.maxSide : undefined, height: h0 > w0 ? opts.maxSide : undefined });
    return img
      .removeAlpha()
      .raw({ depth: deep ? 'ushort' : 'uchar' })
      .toBuffer({ resolveWithObject: true });
  };
  // Decoders fill missing data with one colour and only warn: a file cut short (or a tiny file whose header
  // declares a huge image) must be refused, not turned into a flat picture. Each stricter decode that fails
  // says why; a reason that means missing data refuses the file, any other (stray bytes in a camera JPEG, say)
  // is harmless, and the file decodes as before. A sound file decodes once.
  let raw: { data: Buffer; info: OutputInfo } | undefined;
  let why = '';
  for (const failOn of ['warning', 'error', 'truncated'] as const) {
    try {
      raw = await decode(failOn);
      break;
    } catch (err) {
      why = (err as Error).message.split('\n')[0];
      if (TRUNCATED.test(why)) throw new Error(`${what}: the file is truncated or damaged (${why})`);
    }
  }
  if (!raw) throw new Error(`${what}: cannot decode image (${why})`);
  const { width, height, channels } = raw.info;
  const px = deep ? new Uint16Array(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength / 2) : raw.data;
  const scale = deep ? 1 / 257 : 1;
  const n = width * height;
  const data = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) data[c * n + i] = px[i * channels + Math.min(c, channels - 1)] * scale;
  return { width, height, data };
}

/** Interleaved 8-bit RGB of a planar float image (clamped, rounded). */
export function toInterleaved8(img: RgbImage): Buffer {
  const n = img.width * img.height;
  const out = Buffer.alloc(3 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) out[3 * i + c] = Math.max(0, Math.min(255, Math.round(img.data[c * n + i])));
  return out;
}

function formatFor(file: string): 'png' | 'jpeg' | 'webp' | 'tiff' {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.png') return 'png';
  if (ext === '.jpg' || ext === '.jpeg') return 'jpeg';
  if (ext === '.webp') return 'webp';
  if (ext === '.tif' || ext === '.tiff') return 'tiff';
  throw new Error(`${file}: unsupported output format "${ext}" (use .png, .jpg, .webp or .tif)`);
}

/** Writes an image atomically, in the format its extension names. */
export async function saveImage(file: string, img: RgbImage): Promise<void> {
  checkString(file, 'saveImage: file');
  checkImageArg(img, 'saveImage: img', 1);
  const fmt = formatFor(file);
  const buf = await sharp(toInterleaved8(img), { raw: { width: img.width, height: img.height, channels: 3 } })
    .toFormat(fmt, fmt === 'jpeg' ? { quality: 92 } : {})
    .toBuffer();
  await writeFileAtomic(file, buf);
}

/** Writes a single-channel 16-bit PNG of values in [0, 1]. */
export async function saveGray16(file: string, values: Float32Array, width: number, height: number): Promise<void> {
  checkString(file, 'saveGray16: file');
  checkNumber(width, 'saveGray16: width', { min: 1, integer: true });
  checkNumber(height, 'saveGray16: height', { min: 1, integer: true });
  if (!values || values.length !== width * height || Array.prototype.some.call(values, (v: number) => !Number.isFinite(v)))
    throw new ArgumentError('saveGray16: values', `must hold width × height = ${width * height} finite values`);
  const px = new Uint16Array(width * height);
  for (let i = 0; i < px.length; i++) px[i] = Math.round(Math.max(0, Math.min(1, values[i])) * 65535);
  const buf = await sharp(px, { raw: { width, height, channels: 1 } })
    .toColourspace('grey16')
    .png()
    .toBuffer();
  await writeFileAtomic(file, buf);
}

/** Resizes so that the long side is `side` (`shrinkOnly`: never enlarges). */
export async function resizeLongSide(img: RgbImage, side: number, opts: { shrinkOnly?: boolean } = {}): Promise<RgbImage> {
  if (opts.shrinkOnly && Math.max(img.width, img.height) <= side) return img;
  const [w, h] = longSideSize(img, side);
  return resizeImage(img, w, h);
}

/** Resizes a planar RGB image (Lanczos, via sharp). */
export async function resizeImage(img: RgbImage, width: number, height: number): Promise<RgbImage> {
  checkImageArg(img, 'resizeImage: img', 1);
  checkNumber(width, 'resizeImage: width', { min: 1, max: 65535, integer: true });
  checkNumber(height, 'resizeImage: height', { min: 1, max: 65535, integer: true });
  if (width === img.width && height === img.height) return img;
  const raw = await sharp(toInterleaved8(img), { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer();
  const n = width * height;
  const data = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) data[c * n + i] = raw[3 * i + c];
  return { width, height, data };
}
