// Stabilization settings tried quickly (docs/video.md, 2026-12-06): `none` and the variants given, on the first
// 1.2 s of one shared clip at 480×270, one network; flicker above the floor and style loss as
// video-stabilization.ts measures them (the judge's flow; eval's style loss on every 10th frame), depth-edge contrast
// (PyDNet v2) per frame and, on the style frames, PyDNet v2 on half-size copies and the second depth network, one JSON line each.
//   node --import tsx scripts/stabilization-tune.ts CLIP.mp4 zoo|arbitrary '[["name", {"stabilize": "both", "flowBlend": 0.5}], …]' [START_S [SECONDS]]
// START_S: where the segment begins (default 0; the dev segments start at 0, the test segments later: docs/video.md).
// SECONDS given: that long a segment, the style loss on every 5th frame from the 5th (the first frame is the same
// in every mode); otherwise 1.2 s and every 10th frame from the first, as the tables of 2026-12-02 to -06.
import path from 'node:path';
import { Runtime } from '../src/graph/index.js';
import { loadImage, type RgbImage } from '../src/io/image.js';
import { probeVideo, readFrames, videoFrameSize } from '../src/io/video.js';
import { DialJudge } from '../src/eval/evaluate.js';
import { evaluateClip } from '../src/eval/video.js';
import { loadDepthModel, secondJudgeFor } from '../src/models/depth.js';
import { ModelStore } from '../src/models/resolver.js';
import { loadVgg19 } from '../src/models/vgg.js';
import { ArbitraryStylist, resolvePainting } from '../src/stylize/arbitrary.node.js';
import { loadTransformModel } from '../src/stylize/models.js';
import { stylizeFrames, type VideoStylizeOptions } from '../src/stylize/video.js';
const store = new ModelStore();
const runtime = new Runtime({ threads: 2 });
const depthModel = await loadDepthModel('pydnet-v2', { store });
const [vgg, second] = [await loadVgg19({ store }), await loadDepthModel(secondJudgeFor('pydnet-v2'), { store })];
const scream = resolvePainting('the_scream', store);
const judge = new DialJudge({ depthModel, secondDepthModel: second, vgg, style: await loadImage(scream), runtime });
const stylist = await ArbitraryStylist.load(store, runtime);
const nets = { zoo: await loadTransformModel('scream-depth', store), arbitrary: stylist.model(await stylist.styleOfFile(scream), 'the_scream') };
const [clip, net] = [process.argv[2], process.argv[3] as 'zoo' | 'arbitrary'];
const variants: [string, Partial<VideoStylizeOptions>][] = JSON.parse(process.argv[4]);
const start = Number(process.argv[5] ?? 0);
const long = process.argv[6] !== undefined;
const seconds = long ? Number(process.argv[6]) : 1.2;
const styleFrames = (n: number) => Array.from({ length: n }, (_, i) => i).filter((i) => (long ? i % 5 === 4 : i % 10 === 0));
const file = path.join(store.sharedDir, 'videos', clip);
const size = videoFrameSize(probeVideo(file), 480);
const source: RgbImage[] = [];
for await (const f of readFrames(file, size, { start, duration: seconds })) source.push(f);
let base: { excess: number; style: number } | undefined;
for (const [name, o] of [['none', { stabilize: 'none' }] as [string, Partial<VideoStylizeOptions>], ...variants]) {
  const out: RgbImage[] = [];
  async function* frames() {
    yield* source;
  }
  for await (const f of stylizeFrames(frames(), nets[net], { runtime, ...o })) out.push(f);
  async function* pairs() {
    for (const [i, s] of source.entries()) yield { source: s, stylized: out[i] };
  }
  const r = await evaluateClip(pairs(), { depthModel, runtime });
  // On the style frames the dial's judges also give the depth judges the stabilizer's own depth net is not:
  // PyDNet v2 on half-size copies (resampled) and the second network (Spearman against the source's depth).
  const [style, resampled, second]: number[][] = [[], [], []];
  for (const i of styleFrames(out.length)) {
    const j = await judge.judge(source[i], out[i]);
    style.push(j.style);
    resampled.push(j.resampled);
    second.push(j.second);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const s = mean(style);
  base ??= { excess: r.warping.excess, style: s };
  console.log(
    JSON.stringify({
      clip,
      start,
      seconds,
      net,
      name,
      excess: +r.warping.excess.toFixed(2),
      flicker: `${(100 * (r.warping.excess / base.excess - 1)).toFixed(0)} %`,
      style: `${(100 * (s / base.style - 1)).toFixed(1)} %`,
      edges: +r.depth!.edgeContrast.mean.toFixed(3),
      resampled: +mean(resampled).toFixed(3),
      second: +mean(second).toFixed(3),
    }),
  );
}
