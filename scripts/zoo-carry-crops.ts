// The picture behind docs/video.md's "A zoo model's carry keeps the finest band" (2026-12-07): one frame of a
// shared clip through a zoo network per frame, with everything blended (the old default, `both`) and with its
// default (`flow`, the finest band kept), a crop of each enlarged 3× (nearest) side by side, with the source.
//   node --import tsx scripts/zoo-carry-crops.ts [CLIP.mp4 [START_S [FRAME [OUT.png]]]]   (room_pan.mp4 6 50 docs/video/zoo-carry-crops.png)
import path from 'node:path';
import sharp from 'sharp';
import { Runtime } from '../src/graph/index.js';
import { toInterleaved8, type RgbImage } from '../src/io/image.js';
import { probeVideo, readFrames, videoFrameSize } from '../src/io/video.js';
import { ModelStore } from '../src/models/resolver.js';
import { loadTransformModel } from '../src/stylize/models.js';
import type { TransformModel } from '../src/stylize/stylizer.js';
import { stylizeFrames, type Stabilization } from '../src/stylize/video.js';

const [clip, start, pick, out] = [
  process.argv[2] ?? 'room_pan.mp4',
  Number(process.argv[3] ?? 6),
  Number(process.argv[4] ?? 50),
  process.argv[5] ?? 'docs/video/zoo-carry-crops.png',
];
const store = new ModelStore();
const runtime = new Runtime({ threads: 2 });
const zoo = await loadTransformModel('scream-depth', store);
const file = path.join(store.sharedDir, 'videos', clip);
const size = videoFrameSize(probeVideo(file), 480);
const frames: RgbImage[] = [];
for await (const f of readFrames(file, size, { start, duration: (pick + 1) / 25 })) frames.push(f);
const at = async (model: TransformModel, stabilize: Stabilization) => {
  let i = 0;
  async function* source() {
    yield* frames;
  }
  for await (const f of stylizeFrames(source(), model, { runtime, stabilize })) if (i++ === pick) return f;
  throw new Error(`${clip}: no frame ${pick}`);
};
const panels = [frames[pick], await at(zoo, 'none'), await at({ ...zoo, pixelStrokes: false }, 'both'), await at(zoo, 'flow')];
const [cw, ch, k] = [120, 90, 3];
const [left, top] = [Math.round((size[0] - cw) / 2), Math.round((size[1] - ch) / 2)];
const crops = await Promise.all(
  panels.map((p) =>
    sharp(toInterleaved8(p), { raw: { width: p.width, height: p.height, channels: 3 } })
      .extract({ left, top, width: cw, height: ch })
      .resize(cw * k, ch * k, { kernel: 'nearest' })
      .png()
      .toBuffer(),
  ),
);
await sharp({ create: { width: crops.length * cw * k + (crops.length - 1) * 6, height: ch * k, channels: 3, background: '#ffffff' } })
  .composite(crops.map((input, i) => ({ input, left: i * (cw * k + 6), top: 0 })))
  .png()
  .toFile(out);
console.log(
  `wrote ${out}: source | per frame | everything blended (the old default) | the finest band kept (the default), frame ${pick} from ${start} s of ${clip}`,
);
