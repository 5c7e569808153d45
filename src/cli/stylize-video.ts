import { Runtime } from '../graph/index.js';
import { stat } from 'node:fs/promises';
import { assertWritable } from '../io/atomic.js';
import { checkVideo, isVideoFile, readFrames, requireFfmpeg, videoFrameSize, writeVideo } from '../io/video.js';
import { resolveModel } from '../models/model-spec.js';
import { ModelStore } from '../models/resolver.js';
import { defaultStabilization, stylizeFrames, type Stabilization } from '../stylize/video.js';
import type { RgbImage } from '../io/rgb.js';
import { interruptible, refuseInputsAsOutputs } from './common.js';
import { Progress } from './progress.js';
import type { StylizeCommandOptions } from './stylize.js';
import { depthStrengthFor } from '../stylize/depth-strength.js';
import { createPipeline } from '../stylize/pipeline.node.js';
import { STYLIZE_SETTINGS, type StylizeSettingsGiven } from '../stylize/options.js';
import { refuseQueueOptions, stylizeClipQueued } from './stylize-queue.js';

export interface VideoCommandOptions {
  /** Seconds into the clip to start at, and how many seconds to stylize (default: all). */
  start?: number;
  duration?: number;
  stabilize?: Stabilization;
}

export async function stylizeVideoCommand(o: StylizeCommandOptions & VideoCommandOptions, paintings: string[] | undefined): Promise<number> {
  if (o.images.length !== 1) throw new Error('stylize: give one clip at a time (a video input cannot be mixed with other inputs)');
  const clip = o.images[0];
  if (!isVideoFile(o.output)) throw new Error(`${o.output}: a clip is written as a video; name the output OUT.mp4`);
  // Every check before any work: the output (not a folder, not the clip or a painting by any name: symlinks and
  // hard links included), the options, then the clip itself from its header.
  if ((await stat(o.output).catch(() => undefined))?.isDirectory()) throw new Error(`-o ${o.output}: that is a folder; name the output OUT.mp4`);
  refuseInputsAsOutputs([o.output], [clip, ...(paintings ?? [])]);
  if (o.precision === 'int8') throw new Error('--precision int8 is for images; clips run the fp32 network');
  if (o.depthMap) throw new Error('--depth-map is for images; for a clip, depthstyle eval --content CLIP --stylized OUT gives the depth judges per frame');
  if (o.duration !== undefined && !(o.duration > 0)) throw new Error(`--duration must be above 0 seconds, got ${o.duration}`);
  const ref = paintings ? undefined : resolveModel(o.model!);
  refuseQueueOptions(o, ref);
  requireFfmpeg();
  const info = await checkVideo(clip);
  const start = o.start ?? 0;
  const frameTime = 1 / info.fps;
  if (!(start >= 0) || start > info.duration - frameTime)
    throw new Error(
      `--start ${start}: the clip ${clip} is ${info.duration.toFixed(2)} s long (its last frame starts at ${(info.duration - frameTime).toFixed(2)} s)`,
    );
  if (o.duration !== undefined && o.duration < frameTime)
    throw new Error(`--duration ${o.duration}: shorter than one frame of ${clip} (${frameTime.toFixed(3)} s at ${info.fps.toFixed(2)} fps)`);
  await assertWritable(o.output);
  const span = { start, duration: o.duration };
  const depthStrength = depthStrengthFor('clip', o.depthStrength);
  const [width, height] = videoFrameSize(info, o.maxSize);
  if (o.queue) {
    const given: StylizeSettingsGiven = Object.fromEntries(STYLIZE_SETTINGS.map((x) => [x.key, o[x.key]]));
    return stylizeClipQueued(o, clip, info, [width, height], ref, paintings, given);
  }
  const seconds = Math.min(info.duration - start, o.duration ?? Infinity);
  const total = Math.max(1, Math.round(seconds * info.fps));
  const store = new ModelStore(o.models);
  // Idle ONNX Runtime threads do not spin: the stabilizer's thread and ffmpeg share the cores with the network.
  const runtime = new Runtime({ threads: o.threads, spinning: false });
  const frames = readFrames(clip, [width, height], span);
  // The first frame is read ahead: a painting's strength (its style vector toward the clip's own) is set from it, once.
  const it = frames[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) throw new Error(`${clip}: no frames from ${start} s on`);
  // The network through the one recipe (pipeline.ts); a painting's style (its vector toward the clip's own, for
  // a strength below 1 or depth strength) is fixed from the first frame, once, and every frame runs that network.
  const pipeline = await createPipeline(paintings ? { paintings, weights: o.styleWeights, network: o.styleNetwork } : { model: o.model! }, {
    store,
    runtime,
    strength: o.strength,
    depthStrength: o.depthStrength ?? 'off',
    paintingOption: '--style',
  });
  const net = pipeline.network;
  process.stderr.write(net.kind === 'painting' ? `style: ${paintings!.join(', ')} — arbitrary-style network, ${net.licence}\n` : `model: ${net.about}\n`);
  const model = await pipeline.modelAt(first.value, { depthStrength });
  const depthModel = depthStrength || o.depthStrokes ? await pipeline.depthModel() : undefined;
  await pipeline.dispose();
  const stabilize = o.stabilize ?? defaultStabilization(model);
  process.stderr.write(
    `${clip}: ${info.width}×${info.height} at ${info.rate} fps → ${width}×${height}, ${total} frames, stabilization ${stabilize}${info.hasAudio ? ', audio kept' : ''}\n`,
  );
  const { signal, done } = interruptible('the clip is not written');
  const progress = new Progress('stylize', total);
  const t0 = performance.now();
  let n = 0;
  async function* source(): AsyncGenerator<RgbImage> {
    let read = 1;
    yield first.value!;
    for (let r = await it.next(); !r.done; r = await it.next()) {
      if (signal.aborted) throw new Error(`interrupted: ${o.output} was not written`);
      read++;
      yield r.value;
    }
    // A clip cut short (its header counts more frames than came) is refused like a truncated image: nothing is written.
    if (!o.start && o.duration === undefined && info.frames > 0 && read < info.frames - 1)
      throw new Error(
        `${clip}: only ${read} of the ${info.frames} frames its header lists could be decoded (the clip is truncated or damaged); nothing written`,
      );
  }
  async function* counted(): AsyncGenerator<RgbImage> {
    for await (const f of stylizeFrames(source(), model, { ...o, depthStrength, runtime, depthModel, stabilize, strength: o.strength })) {
      n++;
      progress.update(Math.min(n, total), { fps: n / ((performance.now() - t0) / 1000) });
      yield f;
    }
  }
  try {
    const written = await writeVideo(o.output, counted(), { rate: info.rate, audioFrom: info.hasAudio ? { file: clip, span } : undefined });
    process.stderr.write(`\nwrote ${o.output} (${written} frames, ${(written / ((performance.now() - t0) / 1000)).toFixed(2)} fps)\n`);
  } finally {
    done();
    await frames.return(undefined);
  }
  return 0;
}
