// Frames per second of `stylize CLIP.mp4` in Node (bench suite `video`): the first SECONDS of room_pan.mp4 at
// 540p (960×540), per network (a zoo model, the arbitrary network with a painting), per frame and with the
// network's default stabilization (`flow` for the zoo model, `both` for a painting), on the runtime's threads. Decoding and encoding are ffmpeg's and not counted (frames
// are read first); the first frame (session creation, compile) is left out. Prints one JSON line per case:
// {"case": "video-540p-NETWORK-STABILIZE-fps", "value": …}.
//   node --import tsx bench/video.ts [SECONDS] [--threads N] [--zoo NAME] [--only NETWORK]
// The zoo case is `starry-depth` (what `--model starry` runs, the model issue #34's bar names).
import path from 'node:path';
import { Runtime } from '../src/graph/index.js';
import type { RgbImage } from '../src/io/image.js';
import { probeVideo, readFrames, videoFrameSize } from '../src/io/video.js';
import { ModelStore } from '../src/models/resolver.js';
import { ArbitraryStylist, resolvePainting } from '../src/stylize/arbitrary.node.js';
import { loadTransformModel } from '../src/stylize/models.js';
import { defaultStabilization, stylizeFrames, type Stabilization } from '../src/stylize/video.js';
import type { TransformModel } from '../src/stylize/stylizer.js';

const seconds = Number(process.argv[2] ?? 1);
const flag = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const threads = flag('--threads') ? Number(flag('--threads')) : undefined;
const zoo = flag('--zoo') ?? 'starry-depth';
const only = flag('--only');
const store = new ModelStore();
const runtime = new Runtime({ threads, spinning: process.argv.includes('--spin') ? undefined : false });
const file = path.join(store.dir, '..', 'videos', 'room_pan.mp4');
const size = videoFrameSize(probeVideo(file), 960);
const frames: RgbImage[] = [];
const decodeStart = performance.now();
for await (const f of readFrames(file, size, { duration: seconds })) frames.push(f);
const decodeMs = (performance.now() - decodeStart) / frames.length;
const stylist = await ArbitraryStylist.load(store, runtime);
const networks: [string, TransformModel][] = [
  [zoo, await loadTransformModel(zoo, store)],
  ['arbitrary', stylist.model(await stylist.styleOfFile(resolvePainting('the_scream', store)), 'the_scream')],
].filter(([name]) => !only || name === only) as [string, TransformModel][];
for (const [name, model] of networks)
  for (const stabilize of ['none', defaultStabilization(model)] as Stabilization[]) {
    let t0 = 0;
    let n = 0;
    async function* source() {
      yield* frames;
    }
    // Stages summed from the second frame on (the first builds the sessions).
    const profile: Record<string, number> = {};
    for await (const _ of stylizeFrames(source(), model, { runtime, stabilize, profile })) {
      if (n++ === 0) {
        t0 = performance.now();
        for (const k of Object.keys(profile)) profile[k] = 0;
      }
    }
    const fps = (n - 1) / ((performance.now() - t0) / 1000);
    console.log(
      JSON.stringify({
        case: `video-540p-${name}-${stabilize}-fps`,
        value: +fps.toFixed(3),
        frames: n,
        size: `${size[0]}×${size[1]}`,
        // Milliseconds per frame by stage (decode: ffmpeg's, read ahead; the rest from the second frame on).
        stagesMs: {
          decode: +decodeMs.toFixed(1),
          ...Object.fromEntries(Object.entries(profile).map(([k, v]) => [k, +(v / Math.max(1, n - 1)).toFixed(1)])),
        },
        threads: runtime.threads,
      }),
    );
  }
await stylist.release();
