// Which part of the default stabilization costs depth edges at 540p (docs/video.md, 2026-12-06): each mode, and
// the norm statistics at 384 px and at the frame size, judged on the clip given (the first 1.2 s of room_pan,
// re-encoded: ffmpeg -i room_pan.mp4 -t 1.2 -c:v libx264 -crf 14 -an room540.mp4).
//   node --import tsx scripts/stabilization-540p.ts [MODEL] [CLIP] [MODES, comma-separated]
import { Runtime } from '../src/graph/index.js';
import { readFrames } from '../src/io/video.js';
import { evaluateClip } from '../src/eval/video.js';
import { loadDepthModel } from '../src/models/depth.js';
import { ModelStore } from '../src/models/resolver.js';
import { loadTransformModel } from '../src/stylize/models.js';
import { stylizeFrames, type Stabilization } from '../src/stylize/video.js';
const store = new ModelStore();
const runtime = new Runtime({ threads: 1 });
const depthModel = await loadDepthModel('pydnet-v2', { store });
const model = await loadTransformModel(process.argv[2] ?? 'scream-depth', store);
const clip = process.argv[3] ?? 'room540.mp4';
// (The 384-px statistics of 2026-12-06's first run are gone: the statistics are now measured in the stylizing pass.)
const cases = (process.argv[4]?.split(',') ?? ['none', 'norm', 'both', 'flow']) as Stabilization[];
for (const stabilize of cases) {
  const name = stabilize;
  const t0 = performance.now();
  const out = stylizeFrames(readFrames(clip, [960, 540]), model, { runtime, stabilize });
  const src = readFrames(clip, [960, 540]);
  async function* pairs() {
    for await (const s of src) {
      const o = await out.next();
      if (o.done) break;
      yield { source: s, stylized: o.value };
    }
  }
  const r = await evaluateClip(pairs(), { depthModel, runtime });
  // (closes the stylizing generator, its stabilizer thread and pipeline: the script exits when done)
  await out.return(undefined);
  console.log(
    JSON.stringify({
      name,
      excess: +r.warping.excess.toFixed(2),
      edges: +r.depth!.edgeContrast.mean.toFixed(3),
      depthWarp: +r.depth!.warping.stylized.toFixed(2),
      seconds: +((performance.now() - t0) / 1000).toFixed(1),
    }),
  );
}
