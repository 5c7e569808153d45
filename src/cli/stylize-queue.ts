// stylize --queue redis://…: a folder's photos spread over `depthstyle worker`s, results written as they come (one
// progress bar); a clip cut into segments for them (stylize-video.ts). The recipe is the workers' (JobRunner): this
// side reads, sends, collects and writes, so a queued run writes what a local run would.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { saveImage } from '../io/image.js';
import type { RgbImage } from '../io/rgb.js';
import { joinVideos, readFrames, splitAtKeyframes, type VideoInfo } from '../io/video.js';
import { defaultStabilization } from '../stylize/video.js';
import { eachInput } from './common.js';
import { Progress } from './progress.js';
import type { ModelRef } from '../models/model-spec.js';
import { paintingSquare } from '../stylize/arbitrary.node.js';
import type { StylizeSettingsGiven } from '../stylize/options.js';
import { QueueClient, imageBytes, payloadImage, queuedModel, type PayloadRef, type QueueJobData } from '../serve/redis-queue.js';
import type { StylizeCommandOptions } from './stylize.js';

/** The queue's own rules, before any file is read: what a worker cannot do for this command. */
export function refuseQueueOptions(o: StylizeCommandOptions, ref: ModelRef | undefined): void {
  if (o.payloadDir && !o.queue) throw new Error('--payload-dir needs --queue');
  if (!o.queue) return;
  if (o.precision === 'int8') throw new Error('--precision int8 runs here only; leave out --queue');
  if (o.depthMap) throw new Error('--depth-map is written here only; leave out --queue, or run depthstyle depth on the results');
  if (o.margin !== undefined) throw new Error('--margin is the workers’ default with --queue; leave it out');
  if (ref && ref.kind !== 'zoo' && ref.kind !== 'baseline')
    throw new Error(`--model ${o.model}: with --queue, a zoo model or a baseline by name (each worker loads it from its own zoo), not a ${ref.kind} file`);
}

/** What every job of this run shares: its network (a model by name and hash, or the paintings' squares) and settings. */
export async function sharedJobParts(
  client: QueueClient,
  o: StylizeCommandOptions,
  ref: ModelRef | undefined,
  paintings: string[] | undefined,
  settings: StylizeSettingsGiven,
): Promise<Omit<QueueJobData, 'photo' | 'kind'>> {
  if (ref) return { model: queuedModel(ref.kind === 'baseline' ? ref.spec : ref.file), settings };
  // Each painting as the predictor's square, made here as a local run makes it: the workers need not have the files.
  const uploads = [];
  for (const p of paintings!) {
    const sq = await paintingSquare(p);
    uploads.push(await client.payloads.put(imageBytes(sq, 'f32'), { encoding: 'f32', width: sq.width, height: sq.height }));
  }
  return { paintings: { uploads, weights: o.styleWeights, network: o.styleNetwork }, settings };
}

/** The work of one photo on the queue: its file sent as it is (a worker decodes it as a local run would), the result saved. */
export function queuedPhoto(client: QueueClient, shared: Omit<QueueJobData, 'photo' | 'kind'>, maxSide: number | undefined) {
  return async (input: string, output: string, onProgress: (f: number) => void): Promise<string[]> => {
    const photo = await client.payloads.put(await readFile(input), { encoding: 'file', name: input });
    let result: Awaited<ReturnType<QueueClient['wait']>> | undefined;
    try {
      const id = await client.submit({ ...shared, kind: 'stylize', photo, maxSide });
      result = await client.wait(id, { onProgress });
      await saveImage(output, await payloadImage(client.payloads, result.image, 'result'));
    } finally {
      await client.payloads.delete(photo, result?.image);
    }
    return [output];
  };
}

/** A folder (or several photos) on the queue: each photo a job, two in flight per worker, results written as they come. */
export async function stylizeFolderQueued(
  o: StylizeCommandOptions,
  images: string[],
  outs: string[],
  ref: ModelRef | undefined,
  paintings: string[] | undefined,
  settings: StylizeSettingsGiven,
): Promise<number> {
  const client = new QueueClient(o.queue!, { payloadDir: o.payloadDir });
  try {
    let shared: Awaited<ReturnType<typeof sharedJobParts>> | undefined;
    const code = await eachInput(
      'stylize',
      images,
      async () => {
        await client.waiting().catch(() => {
          throw new Error(`--queue ${new URL(o.queue!).host}: Redis is unreachable`);
        });
        if (!(await client.workers()))
          process.stderr.write(`stylize: no worker is taking jobs from ${new URL(o.queue!).host} yet; the jobs wait for one (depthstyle worker --queue …)\n`);
        shared = await sharedJobParts(client, o, ref, paintings, settings);
        const one = queuedPhoto(client, shared, o.maxSize);
        return (i, onProgress) => one(images[i], outs[i], onProgress);
      },
      // Two photos in flight per worker: each worker has the next one ready when it finishes one.
      { keepGoing: o.keepGoing, concurrency: Math.max(2, 2 * (await client.workers().catch(() => 1))) },
    );
    await client.payloads.delete(...(shared?.paintings?.uploads ?? []));
    return code;
  } finally {
    await client.close();
  }
}

/** Frames of the segment before each segment run first and are dropped: the stabilizer starts warm at a seam. */
export const SEGMENT_OVERLAP_FRAMES = 12;

/**
 * A clip on the queue: cut at keyframes into about two segments per worker (at least 2 s each), each stylized by
 * any worker after the last frames of the segment before it, then joined with the clip's audio. The painting's
 * strength is set from the clip's first frame, as a local run sets it.
 */
export async function stylizeClipQueued(
  o: StylizeCommandOptions,
  clip: string,
  info: VideoInfo,
  size: [number, number],
  ref: ModelRef | undefined,
  paintings: string[] | undefined,
  settings: StylizeSettingsGiven,
): Promise<number> {
  if (o.start !== undefined || o.duration !== undefined) throw new Error('--start and --duration run here only; leave out --queue, or cut the clip first');
  const client = new QueueClient(o.queue!, { payloadDir: o.payloadDir });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'depthstyle-clip-'));
  const refs: (PayloadRef | undefined)[] = [];
  try {
    await client.waiting().catch(() => {
      throw new Error(`--queue ${new URL(o.queue!).host}: Redis is unreachable`);
    });
    const workers = await client.workers();
    const seconds = Math.max(2, info.duration / Math.max(2, 2 * workers));
    const segments = splitAtKeyframes(clip, dir, seconds);
    const total = segments.reduce((a, s) => a + s.frames, 0);
    const frames = readFrames(clip, size);
    const first = (await frames.next()).value as RgbImage | undefined;
    await frames.return(undefined);
    if (!first) throw new Error(`${clip}: no frames`);
    // (every network that is not a painting's is a Johnson/Engstrom one, with pixel-fine strokes)
    const stabilize = o.stabilize ?? defaultStabilization({ pixelStrokes: !paintings });
    process.stderr.write(
      `${clip}: ${total} frames in ${segments.length} segments at keyframes for ${workers} worker${workers === 1 ? '' : 's'} (${SEGMENT_OVERLAP_FRAMES} frames of overlap), stabilization ${stabilize}${info.hasAudio ? ', audio kept' : ''}\n`,
    );
    const shared = await sharedJobParts(client, o, ref, paintings, settings);
    refs.push(...(shared.paintings?.uploads ?? []));
    const photo = await client.payloads.put(imageBytes(first, 'f32'), { encoding: 'f32', width: first.width, height: first.height });
    refs.push(photo);
    const segRefs: PayloadRef[] = [];
    for (const s of segments) segRefs.push(await client.payloads.put(await readFile(s.file), { encoding: 'file', name: 'segment.mp4' }));
    refs.push(...segRefs);
    const progress = new Progress('stylize', total);
    const done = segments.map(() => 0);
    const outs = segments.map((_, k) => path.join(dir, `out${String(k).padStart(4, '0')}.mp4`));
    const t0 = performance.now();
    await Promise.all(
      segments.map(async (s, k) => {
        const clipJob = { segment: segRefs[k], previous: segRefs[k - 1], overlap: SEGMENT_OVERLAP_FRAMES, size, rate: info.rate, stabilize, frames: s.frames };
        const id = await client.submit({ ...shared, kind: 'clip-segment', photo, clip: clipJob });
        const r = await client.wait(id, {
          onProgress: (f) => {
            done[k] = Math.round(f * s.frames);
            const n = done.reduce((a, b) => a + b, 0);
            progress.update(n, { fps: n / ((performance.now() - t0) / 1000) });
          },
        });
        refs.push(r.image);
        await writeFile(outs[k], await client.payloads.get(r.image));
        done[k] = s.frames;
        progress.update(
          done.reduce((a, b) => a + b, 0),
          {},
        );
      }),
    );
    await joinVideos(o.output, outs, info.hasAudio ? clip : undefined);
    process.stderr.write(`\nwrote ${o.output} (${total} frames, ${(total / ((performance.now() - t0) / 1000)).toFixed(2)} fps)\n`);
    return 0;
  } finally {
    await client.payloads.delete(...refs);
    await client.close();
    await rm(dir, { recursive: true, force: true });
  }
}
