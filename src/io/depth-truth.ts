// Ground-truth depth frames of RGB-D datasets, read with sharp as 16-bit PNG
// and converted to metres (0 = missing).
import sharp from 'sharp';

/** 'mm': millimetres (Open3D, most 16-bit PNGs); 'tum': 1/5000 m; 'sun': SUN RGB-D's bit-rotated millimetres. */
export type DepthEncoding = 'mm' | 'tum' | 'sun';

export function guessDepthEncoding(file: string): DepthEncoding {
  const f = file.toLowerCase();
  if (/(^|[/_])sun([/_]|$)/.test(f)) return 'sun';
  if (/(^|[/_])tum([/_]|$)/.test(f)) return 'tum';
  return 'mm';
}

export interface DepthFrame {
  width: number;
  height: number;
  /** metres; 0 where the sensor has no reading */
  metres: Float32Array;
}

export async function readDepthTruth(file: string, encoding: DepthEncoding = guessDepthEncoding(file)): Promise<DepthFrame> {
  let raw;
  const meta = await sharp(file)
    .metadata()
    .catch(() => undefined);
  if (!meta) throw new Error(`${file}: cannot read depth image (not an image sharp can read)`);
  // A colour picture is no depth map (a mistaken --ground-truth would score the network against a photo).
  if ((meta.channels ?? 1) >= 3)
    throw new Error(`${file}: not a depth map (a ${meta.channels}-channel colour image); ground-truth depth is one channel, e.g. a 16-bit PNG in millimetres`);
  try {
    raw = await sharp(file).extractChannel(0).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new Error(`${file}: cannot read depth image (${(err as Error).message.split('\n')[0]})`);
  }
  const px = new Uint16Array(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength / 2);
  const metres = new Float32Array(px.length);
  for (let i = 0; i < px.length; i++) {
    const v = px[i];
    if (encoding === 'sun') metres[i] = (((v >> 3) | (v << 13)) & 0xffff) / 1000;
    else metres[i] = encoding === 'tum' ? v / 5000 : v / 1000;
  }
  return { width: raw.info.width, height: raw.info.height, metres };
}
