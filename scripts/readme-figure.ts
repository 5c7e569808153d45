// Builds docs/images/readme-optimize.jpg: photo | its depth | stylized | its depth.
// Usage: node --import tsx scripts/readme-figure.ts PHOTO STYLIZED OUT.jpg
import sharp from 'sharp';
import { Runtime } from '../src/graph/index.js';
import { colorizeDepth, normalizeDepth } from '../src/io/colormap.js';
import { loadImage, resizeImage, toInterleaved8, type RgbImage } from '../src/io/image.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { DepthEstimator, loadDepthModel } from '../src/models/depth.js';

const [photoFile, stylizedFile, out] = process.argv.slice(2);
const stylized = await loadImage(stylizedFile);
const photo = await resizeImage(await loadImage(photoFile), stylized.width, stylized.height);
const model = await loadDepthModel();
const est = new DepthEstimator(model, new Runtime());
const depthPicture = async (img: RgbImage) => colorizeDepth(normalizeDepth(await est.estimate(img), model.polarity), img.width, img.height);
const panels = [photo, await depthPicture(photo), stylized, await depthPicture(stylized)];
const { width: w, height: h } = stylized;
const gap = 6;
const canvas = sharp({ create: { width: 4 * w + 3 * gap, height: h, channels: 3, background: '#ffffff' } });
const inputs = await Promise.all(panels.map((p) => sharp(toInterleaved8(p), { raw: { width: w, height: h, channels: 3 } }).png().toBuffer()));
const buf = await canvas.composite(inputs.map((input, i) => ({ input, left: i * (w + gap), top: 0 }))).jpeg({ quality: 88 }).toBuffer();
await writeFileAtomic(out, buf);
console.log(`wrote ${out}`);
