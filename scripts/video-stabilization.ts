// Stabilization, measured: each --stabilize mode on both shared clips (the first SECONDS, long side 480 px), for a
// zoo network and the arbitrary network: flicker (temporal warping error above the source's floor, the judge's
// own flow, not the stabilizer's), style loss (every 10th frame, as `eval`'s), the depth judges per frame; and
// a frame strip of per-frame vs the default for the README. JSON: docs/video/stabilization.json.
//   node --import tsx scripts/video-stabilization.ts [SECONDS] [--threads N]
import path from 'node:path';
import { Runtime } from '../src/graph/index.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { loadImage, type RgbImage } from '../src/io/image.js';
import { writeGrid } from '../src/io/montage.js';
import { probeVideo, readFrames, videoFrameSize, writeVideo } from '../src/io/video.js';
import { DialJudge } from '../src/eval/evaluate.js';
import { evaluateClip } from '../src/eval/video.js';
import { loadDepthModel, secondJudgeFor } from '../src/models/depth.js';
import { ModelStore } from '../src/models/resolver.js';
import { loadVgg19 } from '../src/models/vgg.js';
import { ArbitraryStylist, resolvePainting } from '../src/stylize/arbitrary.node.js';
import { loadTransformModel } from '../src/stylize/models.js';
import { DEFAULT_STABILIZATION, STABILIZATIONS, stylizeFrames, type Stabilization } from '../src/stylize/video.js';
import type { TransformModel } from '../src/stylize/stylizer.js';

const seconds = Number(process.argv[2] ?? 3);
const threads = process.argv.includes('--threads') ? Number(process.argv[process.argv.indexOf('--threads') + 1]) : undefined;
const store = new ModelStore();
const shared = store.sharedDir;
const runtime = new Runtime({ threads });
const depthModel = await loadDepthModel('pydnet-v2', { store });
const [vgg, second] = [await loadVgg19({ store }), await loadDepthModel(secondJudgeFor('pydnet-v2'), { store })];
const stylist = await ArbitraryStylist.load(store, runtime);
const scream = resolvePainting('the_scream', store);
// Every mode for a zoo network; per frame against the default for the others (two cores: time is short).
// The stability fine-tune (src/losses/stability.ts) and its twin (the same run without the term), per frame and default.
const networks: { name: string; model: TransformModel; modes: readonly Stabilization[] }[] = [
  { name: 'scream-depth (zoo)', model: await loadTransformModel('scream-depth', store), modes: STABILIZATIONS },
  {
    name: 'scream-stable (stability fine-tune)',
    model: await loadTransformModel('models/video/scream-stable.onnx', store),
    modes: ['none', DEFAULT_STABILIZATION],
  },
  {
    name: 'scream-stable-twin (same run, no stability term)',
    model: await loadTransformModel('models/video/scream-stable-twin.onnx', store),
    modes: ['none', DEFAULT_STABILIZATION],
  },
  { name: 'arbitrary, the_scream', model: stylist.model(await stylist.styleOfFile(scream), 'the_scream'), modes: ['none', DEFAULT_STABILIZATION] },
];
const judge = new DialJudge({ depthModel, secondDepthModel: second, vgg, style: await loadImage(scream), runtime });
const clips = ['room_pan.mp4', 'street.mp4'];
const results: Record<string, unknown>[] = [];
const strips: RgbImage[][] = [];
for (const clip of clips) {
  const file = path.join(shared, 'videos', clip);
  const info = probeVideo(file);
  const size = videoFrameSize(info, 480);
  const source: RgbImage[] = [];
  for await (const f of readFrames(file, size, { duration: seconds })) source.push(f);
  for (const net of networks) {
    const outs: Partial<Record<Stabilization, RgbImage[]>> = {};
    for (const mode of net.modes) {
      const t0 = performance.now();
      const out: RgbImage[] = [];
      async function* frames() {
        yield* source;
      }
      for await (const f of stylizeFrames(frames(), net.model, { runtime, stabilize: mode })) out.push(f);
      const fps = out.length / ((performance.now() - t0) / 1000);
      outs[mode] = out;
      async function* pairs() {
        for (const [i, s] of source.entries()) yield { source: s, stylized: out[i] };
      }
      const clipScores = await evaluateClip(pairs(), { depthModel, runtime });
      const style: number[] = [];
      for (let i = 0; i < out.length; i += 10) style.push((await judge.judge(source[i], out[i])).style);
      const row = {
        clip,
        network: net.name,
        stabilize: mode,
        frames: out.length,
        size: `${size[0]}×${size[1]}`,
        fps,
        warping: clipScores.warping,
        trustedShare: clipScores.trustedShare,
        depth: clipScores.depth,
        styleLoss: style.reduce((a, b) => a + b, 0) / style.length,
      };
      results.push(row);
      process.stderr.write(
        `${clip} · ${net.name} · ${mode}: excess ${clipScores.warping.excess.toFixed(2)} (floor ${clipScores.warping.source.toFixed(2)}), style ${row.styleLoss.toExponential(3)}, ${fps.toFixed(2)} fps\n`,
      );
      await writeFileAtomic('docs/video/stabilization.json', `${JSON.stringify({ seconds, results }, null, 2)}\n`);
    }
    // Side-by-side clip (source | per frame | default) and a strip of four consecutive frames, for the eye.
    const k = Math.floor(source.length / 2);
    if (!net.name.includes('stable'))
      strips.push([...[0, 1, 2, 3].map((d) => outs.none![k + d]), ...[0, 1, 2, 3].map((d) => outs[DEFAULT_STABILIZATION]![k + d])]);
    async function* sideBySide() {
      for (const [i, s] of source.entries()) {
        const [w, h] = [s.width, s.height];
        const data = new Float32Array(3 * 3 * w * h);
        [s, outs.none![i], outs[DEFAULT_STABILIZATION]![i]].forEach((img, p) => {
          for (let c = 0; c < 3; c++)
            for (let y = 0; y < h; y++) data.set(img.data.subarray(c * w * h + y * w, c * w * h + (y + 1) * w), c * 3 * w * h + y * 3 * w + p * w);
        });
        yield { width: 3 * w, height: h, data };
      }
    }
    await writeVideo(`docs/video/${clip.replace('.mp4', '')}-${net.name.split(' ')[0].replace(/,$/, '')}-side-by-side.mp4`, sideBySide(), {
      rate: info.rate,
      crf: 26,
    });
  }
}
await writeGrid('docs/video/strip.jpg', strips, ['per frame t', 't+1', 't+2', 't+3', 'stabilized t', 't+1', 't+2', 't+3'], 240, 135);
await judge.release();
await stylist.release();
