// What one step of the flow carry costs in style loss (docs/video.md, 2026-12-07): two consecutive frames of a
// shared clip at 480×270, a zoo network per frame, and the previous output carried onto the second frame in
// several ways; eval's style loss (Gram matrices of five VGG layers against The Scream at the same size), per
// layer and summed, one line each.
//   node --import tsx scripts/carry-style-probe.ts [CLIP.mp4 [START_S [MODEL]]]   (defaults: room_pan.mp4 2.3 scream-depth)
import path from 'node:path';
import * as G from '../src/graph/index.js';
import { loadImage, resizeLongSide, type RgbImage } from '../src/io/image.js';
import { probeVideo, readFrames, videoFrameSize } from '../src/io/video.js';
import { GATYS_STYLE_LAYERS } from '../src/losses/objective.js';
import { gram } from '../src/losses/perceptual.js';
import { ModelStore } from '../src/models/resolver.js';
import { loadVgg19 } from '../src/models/vgg.js';
import { resolvePainting } from '../src/stylize/arbitrary.node.js';
import { loadTransformModel } from '../src/stylize/models.js';
import { CARRY_BLEND, CarryBlender } from '../src/stylize/stabilize.js';
import { stylizeFrames } from '../src/stylize/video.js';
import { prepareCarry } from '../src/video/carry.js';
import { JUDGE_FLOW, opticalFlow, warp } from '../src/video/flow.js';

const [clip, start, modelName] = [process.argv[2] ?? 'room_pan.mp4', Number(process.argv[3] ?? 2.3), process.argv[4] ?? 'scream-depth'];
const store = new ModelStore();
const runtime = new G.Runtime({ threads: 2 });
const vgg = await loadVgg19({ store });
const file = path.join(store.sharedDir, 'videos', clip);
const size = videoFrameSize(probeVideo(file), 480);
const src: RgbImage[] = [];
for await (const f of readFrames(file, size, { start, duration: 0.1 })) src.push(f);
if (src.length < 2) throw new Error(`${clip}: fewer than two frames from ${start} s`);
const outs: RgbImage[] = [];
async function* frames() {
  yield* src.slice(0, 2);
}
for await (const f of stylizeFrames(frames(), await loadTransformModel(modelName, store), { runtime, stabilize: 'none' })) outs.push(f);

const grams = (img: RgbImage) =>
  runtime.runOnce(img, (x) => {
    const f = vgg.features(x, GATYS_STYLE_LAYERS);
    return GATYS_STYLE_LAYERS.map((l) => gram(f.get(l)!));
  });
const target = await grams(await resizeLongSide(await loadImage(resolvePainting('the_scream', store)), Math.max(size[0], size[1])));
const styleLoss = async (img: RgbImage) => (await grams(img)).map((a, l) => a.data.reduce((s, v, k) => s + (v - target[l].data[k]) ** 2, 0) / a.data.length);

const [prev, now] = [0, 1];
const carry = await prepareCarry({ source: src[prev], out: outs[prev] }, src[now]);
const back = await opticalFlow(src[now], src[prev], JUDGE_FLOW);
const median = (v: Float32Array) => Float32Array.from(v).sort()[v.length >> 1];
const [mu, mv] = [median(back.u), median(back.v)];
const shift = { ...back, u: back.u.map(() => mu), v: back.v.map(() => mv) };
const mix = (a: RgbImage, b: RgbImage, t: number): RgbImage => ({ ...a, data: a.data.map((v, i) => (1 - t) * v + t * b.data[i]) });
const blender = new CarryBlender(runtime);
const blended = (keepFinest: boolean) => blender.run(src[now], outs[now], carry.sourceCarried, carry.carried, CARRY_BLEND, carry.mask, keepFinest);
const rows: [string, RgbImage][] = [
  ["this frame's output", outs[now]],
  ["the previous frame's output, as it is", outs[prev]],
  [`the previous output moved by the median motion (${mu.toFixed(2)}, ${mv.toFixed(2)}) px, bicubic`, warp(outs[prev], shift, 'cubic')],
  ['the same, bilinear', warp(outs[prev], shift, 'bilinear')],
  ["the previous output carried along the stabilizer's flow (bicubic)", carry.carried],
  [`plain blend ${CARRY_BLEND}`, mix(outs[now], carry.carried, CARRY_BLEND)],
  ['blendCarried (contrast matched)', await blended(false)],
  ['blendCarried, the finest band kept', await blended(true)],
];
const base = (await styleLoss(outs[now])).reduce((a, b) => a + b);
for (const [name, img] of rows) {
  const l = await styleLoss(img);
  const sum = l.reduce((a, b) => a + b);
  console.log(
    JSON.stringify({
      clip,
      start,
      model: modelName,
      carry: name,
      style: +sum.toPrecision(4),
      vsOutput: `${(100 * (sum / base - 1)).toFixed(1)} %`,
      perLayer: l.map((v) => +v.toPrecision(3)),
    }),
  );
}
await blender.release();
