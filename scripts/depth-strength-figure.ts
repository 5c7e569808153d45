// Builds docs/images/depth-strength.jpg: photo | stylized at strength 1 | depth-guided strength NEAR,FAR |
// the per-pixel strength (white = 1).
// Usage: node --import tsx scripts/depth-strength-figure.ts PHOTO MODEL NEAR,FAR OUT.jpg [SIZE]
import { Runtime } from '../src/graph/index.js';
import { loadImage } from '../src/io/image.js';
import { writeRow } from '../src/io/montage.js';
import { loadDepthModel } from '../src/models/depth.js';
import { parseDepthStrength } from '../src/stylize/depth-strength.js';
import { loadTransformModel } from '../src/stylize/models.js';
import { Stylizer, depthStrengthMap, finishStylization } from '../src/stylize/stylize.js';

const [photoFile, modelSpec, nearFar, out, size = '512'] = process.argv.slice(2);
const runtime = new Runtime();
const photo = await loadImage(photoFile, { maxSide: Number(size) });
const ds = parseDepthStrength(nearFar);
const depthModel = await loadDepthModel();
const stylized = await new Stylizer(await loadTransformModel(modelSpec), runtime).stylize(photo);
const guided = await finishStylization(stylized, photo, { depthStrength: ds, depthModel, runtime });
const map = await depthStrengthMap(photo, ds, depthModel, runtime);
const n = photo.width * photo.height;
const mapPicture = { ...photo, data: Float32Array.from({ length: 3 * n }, (_, i) => 255 * map[i % n]) };
await writeRow(out, [photo, stylized, guided, mapPicture]);
console.log(`wrote ${out}`);
