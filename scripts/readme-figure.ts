// Builds docs/images/readme-optimize.jpg: photo | its depth | stylized | its depth.
// Usage: node --import tsx scripts/readme-figure.ts PHOTO STYLIZED OUT.jpg
import { Runtime } from '../src/graph/index.js';
import { colorizeDepth, normalizeDepth } from '../src/io/colormap.js';
import { loadImage, resizeImage, type RgbImage } from '../src/io/image.js';
import { writeRow } from '../src/io/montage.js';
import { DepthEstimator, loadDepthModel } from '../src/models/depth.js';

const [photoFile, stylizedFile, out] = process.argv.slice(2);
const stylized = await loadImage(stylizedFile);
const photo = await resizeImage(await loadImage(photoFile), stylized.width, stylized.height);
const model = await loadDepthModel();
const est = new DepthEstimator(model, new Runtime());
const depthPicture = async (img: RgbImage) => colorizeDepth(normalizeDepth(await est.estimate(img), model.polarity), img.width, img.height);
await writeRow(out, [photo, await depthPicture(photo), stylized, await depthPicture(stylized)]);
console.log(`wrote ${out}`);
