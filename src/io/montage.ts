// Pictures side by side in one file (README figures, comparison rows).
import sharp from 'sharp';
import { writeFileAtomic } from './atomic.js';
import { toInterleaved8, type RgbImage } from './image.js';

/** Text made safe inside XML/HTML elements and attributes (SVG labels here, the HTML reports). */
export const escapeXml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** Same-size images in a row with a white gap, written as JPEG or PNG by extension. */
export async function writeRow(file: string, panels: RgbImage[], gap = 6): Promise<void> {
  const { width: w, height: h } = panels[0];
  if (panels.some((p) => p.width !== w || p.height !== h)) throw new Error('writeRow: the panels differ in size');
  const inputs = await Promise.all(
    panels.map((p) =>
      sharp(toInterleaved8(p), { raw: { width: w, height: h, channels: 3 } })
        .png()
        .toBuffer(),
    ),
  );
  const canvas = sharp({ create: { width: panels.length * w + (panels.length - 1) * gap, height: h, channels: 3, background: '#ffffff' } }).composite(
    inputs.map((input, i) => ({ input, left: i * (w + gap), top: 0 })),
  );
  await writeFileAtomic(file, await (file.endsWith('.png') ? canvas.png() : canvas.jpeg({ quality: 88 })).toBuffer());
}

/** Rows of pictures, each fitted into a cell (square unless cellHeight is given), under a header of column labels (PNG or JPEG by extension). */
export async function writeGrid(file: string, rows: RgbImage[][], labels: string[], cell = 160, cellHeight = cell): Promise<void> {
  const cols = Math.max(labels.length, ...rows.map((r) => r.length));
  const scaled = await Promise.all(
    rows.map((r) =>
      Promise.all(
        r.map((img) =>
          sharp(toInterleaved8(img), { raw: { width: img.width, height: img.height, channels: 3 } })
            .resize(cell, cellHeight, { fit: 'contain', background: '#ffffff' })
            .png()
            .toBuffer(),
        ),
      ),
    ),
  );
  // Labels scale with the cells, up to a size that fits; the header grows with them.
  const font = Math.max(12, Math.min(24, Math.round(cell / 14)));
  const header = Math.max(28, font + 12);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${cols * cell}" height="${header}"><rect width="100%" height="100%" fill="white"/>${labels.map((l, i) => `<text x="${i * cell + cell / 2}" y="${Math.round(header / 2 + font / 3)}" text-anchor="middle" font-size="${font}" font-family="sans-serif">${escapeXml(l)}</text>`).join('')}</svg>`;
  const canvas = sharp({ create: { width: cols * cell, height: header + rows.length * cellHeight, channels: 3, background: '#ffffff' } }).composite([
    { input: Buffer.from(svg), left: 0, top: 0 },
    ...scaled.flatMap((r, y) => r.map((input, x) => ({ input, left: x * cell, top: header + y * cellHeight }))),
  ]);
  await writeFileAtomic(file, await (file.endsWith('.png') ? canvas.png() : canvas.jpeg({ quality: 88 })).toBuffer());
}
