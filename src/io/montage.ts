// Pictures side by side in one file (README figures, comparison rows).
import sharp from 'sharp';
import { writeFileAtomic } from './atomic.js';
import { toInterleaved8, type RgbImage } from './image.js';

/** Same-size images in a row with a white gap, written as JPEG or PNG by extension. */
export async function writeRow(file: string, panels: RgbImage[], gap = 6): Promise<void> {
  const { width: w, height: h } = panels[0];
  if (panels.some((p) => p.width !== w || p.height !== h)) throw new Error('writeRow: the panels differ in size');
  const inputs = await Promise.all(panels.map((p) => sharp(toInterleaved8(p), { raw: { width: w, height: h, channels: 3 } }).png().toBuffer()));
  const canvas = sharp({ create: { width: panels.length * w + (panels.length - 1) * gap, height: h, channels: 3, background: '#ffffff' } }).composite(
    inputs.map((input, i) => ({ input, left: i * (w + gap), top: 0 })),
  );
  await writeFileAtomic(file, await (file.endsWith('.png') ? canvas.png() : canvas.jpeg({ quality: 88 })).toBuffer());
}
