// depthstyle stylize IMAGE|DIR... --model M -o OUT
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Runtime } from '../graph/index.js';
import { colorizeDepth, normalizeDepth } from '../io/colormap.js';
import { loadImage, saveImage } from '../io/image.js';
import { writeGrid } from '../io/montage.js';
import { DepthEstimator, loadDepthModel } from '../models/depth.js';
import { ModelStore } from '../models/resolver.js';
import { int8FileOf, resolveModel } from '../models/model-spec.js';
import { finishStylization } from '../stylize/stylize.js';
import { besideOutput, eachInput, expandInputs, outputPaths, refuseInputsAsOutputs, type CommonOptions } from './common.js';
import type { RgbImage } from '../io/rgb.js';
import { BASELINE_STYLES } from '../models/johnson.js';
import { common, list, maxSizeOf, num, oneOf, required, type Command } from './args.js';
import { Int8Stylizer } from '../stylize/quantize.js';
import { checkImage } from '../io/image.js';
import { ARBITRARY_NETWORKS, DEFAULT_ARBITRARY_NETWORK, resolvePainting, type ArbitraryNetwork } from '../stylize/arbitrary.node.js';
import { normalizeStyleWeights } from '../stylize/arbitrary.js';
import { isVideoFile } from '../io/video.js';
import { DEFAULT_STABILIZATION, STABILIZATIONS, defaultStabilization } from '../stylize/video.js';
import { stylizeVideoCommand, type VideoCommandOptions } from './stylize-video.js';
import { createPipeline } from '../stylize/pipeline.node.js';
import { STYLIZE_SETTINGS, parseStylizeSettings, resolveStylizeOptions, stylizeFlags, type StylizeSettingsGiven } from '../stylize/options.js';
import type { ModelRef } from '../models/model-spec.js';
import { checkQueueUrl } from '../serve/redis-queue.js';
import { refuseQueueOptions, stylizeFolderQueued } from './stylize-queue.js';

/** The command's options: the stylize settings (options.ts, one table with the API) and the command's own. */
export interface StylizeCommandOptions extends CommonOptions, VideoCommandOptions, StylizeSettingsGiven {
  images: string[];
  output: string;
  /** A transform network (zoo name, file, checkpoint, baseline) — or else `style`. */
  model?: string;
  /** The arbitrary-style transfer network: Google's or ours fine-tuned with the depth loss. */
  styleNetwork?: ArbitraryNetwork;
  /** Paintings (files or bundled names) for the arbitrary-style network, mixed by `styleWeights`. */
  style?: string[];
  styleWeights?: number[];
  maxSize?: number;
  depthMap?: boolean;
  margin?: number;
  /** With unreadable inputs among several: stylize the readable ones (and exit non-zero), instead of nothing. */
  keepGoing?: boolean;
  /** int8: run MODEL.int8.onnx from `depthstyle quantize` (fp32 by default: see the README for the measurement). */
  precision?: 'fp32' | 'int8';
  /** A Redis job queue (redis://HOST:PORT): the photos (or a clip's segments) go to `depthstyle worker`s. */
  queue?: string;
  /** With `queue`: a folder every worker mounts, for payloads over the Redis limit. */
  payloadDir?: string;
}

/** The options' own rules, for images and clips alike, before any file is read. */
function refuseBadOptions(o: StylizeCommandOptions): void {
  if (o.model && o.style)
    throw new Error('give --model or --style, not both: --model runs a trained network, --style paints with any painting through the arbitrary-style network');
  if (!o.model && !o.style) throw new Error('stylize needs --model NAME (a trained network: depthstyle models) or --style PAINTING (any painting)');
  if (o.styleWeights && !o.style) throw new Error('--style-weights needs --style A,B,...');
  if (o.styleNetwork && !o.style) throw new Error('--style-network needs --style PAINTING');
  if (o.style && o.styleWeights && o.styleWeights.length !== o.style.length)
    throw new Error(`--style-weights has ${o.styleWeights.length} weights for ${o.style.length} paintings`);
  if (o.style && o.precision === 'int8') throw new Error('--precision int8 is for quantized trained models; the arbitrary-style network runs in fp32');
  if (o.precision === 'int8' && (o.strokeScale !== undefined || o.depthStrokes))
    throw new Error('--stroke-scale and --depth-strokes run the fp32 network; leave out --precision int8');
  if (o.style) normalizeStyleWeights(o.styleWeights, o.style.length, '--style-weights');
}

export async function stylizeCommand(o: StylizeCommandOptions): Promise<number> {
  refuseBadOptions(o);
  const video = o.images.some(isVideoFile);
  if (!video && (o.start !== undefined || o.duration !== undefined || o.stabilize))
    throw new Error('--start, --duration and --stabilize are for a video input (CLIP.mp4)');
  const store = new ModelStore(o.models);
  // Paintings are checked like photos, before any work, for images and clips alike (a FIFO or /dev/zero is not read).
  const paintings = o.style?.map((p) => resolvePainting(p, store, '--style'));
  for (const p of paintings ?? [])
    await checkImage(p).catch((err: Error) => {
      throw new Error(`${err.message} (the painting)`);
    });
  if (video) return stylizeVideoCommand(o, paintings);
  const images = await expandInputs(o.images);
  const ref = o.model ? resolveModel(o.model) : undefined;
  refuseQueueOptions(o, ref);
  if (ref?.kind === 'int8' && o.precision !== 'int8') throw new Error(`${ref.file}: an int8 model; add --precision int8`);
  const label = o.model ? path.basename(o.model).replace(/\.onnx$/, '') : paintings!.map((p) => path.basename(p).replace(/\.[^.]+$/, '')).join('+');
  const outs = outputPaths(images, o.output, `-${label.replace(/[^a-z0-9_-]+/gi, '_')}`, '.jpg');
  const depthMaps = outs.map((f) => besideOutput(f, '.depth.jpg'));
  refuseInputsAsOutputs(o.depthMap ? depthMaps : [], images);
  if (paintings) refuseInputsAsOutputs([...outs, ...(o.depthMap ? depthMaps : [])], paintings);
  // The settings resolved once (defaults < the network's < given): the pipeline gets what was given, int8 the resolved values.
  const given: StylizeSettingsGiven = Object.fromEntries(STYLIZE_SETTINGS.map((x) => [x.key, o[x.key]]));
  const resolved = resolveStylizeOptions(paintings ? 'painting' : 'model', given);
  const tile = resolved.tile;
  if (o.queue) return stylizeFolderQueued(o, images, outs, ref, paintings, given);
  return eachInput(
    'stylize',
    images,
    async () => {
      const runtime = new Runtime({ threads: o.threads });
      // int8 models run untiled through their own session; everything else through the one pipeline.
      const int8 = o.precision === 'int8' ? await loadInt8(o, ref!) : undefined;
      const pipeline = int8
        ? undefined
        : await createPipeline(paintings ? { paintings, weights: o.styleWeights, network: o.styleNetwork } : { model: o.model! }, {
            ...given,
            store,
            runtime,
            stylizer: { margin: o.margin },
            paintingOption: '--style',
          });
      const net = pipeline?.network;
      if (net?.kind === 'painting')
        process.stderr.write(
          `style: ${paintings!.join(', ')}${o.styleWeights ? ` (weights ${o.styleWeights.join(', ')})` : ''} — arbitrary-style network, ${net.licence}\n`,
        );
      else if (net?.kind === 'model') process.stderr.write(`model: ${net.about}\n`);
      const depthModel = int8 && (o.depthMap || resolved.depthStrength) ? await loadDepthModel('pydnet-v2', { store }) : undefined;
      const int8Depth = int8 && o.depthMap ? new DepthEstimator(depthModel!, runtime) : undefined;
      return async (i, onProgress) => {
        const img = await loadImage(images[i], { maxSide: o.maxSize });
        const onTile = (done: number, total: number) => onProgress((0.9 * done) / total);
        let out: RgbImage;
        if (int8) {
          if (Math.max(img.width, img.height) > tile)
            throw new Error(
              `${images[i]}: ${img.width}×${img.height} is larger than one tile (${tile} px); int8 models run untiled — use --max-size ${tile} or fp32`,
            );
          const { strength, depthStrength, preserveColor } = resolved;
          out = await finishStylization(await int8.stylize(img), img, { strength, depthStrength, depthModel, preserveColor, runtime });
        } else out = await pipeline!.run(img, {}, onTile);
        await saveImage(outs[i], out);
        if (!o.depthMap) return [outs[i]];
        // The photo's depth is the one the pipeline estimated (for depth-guided settings), not estimated again.
        const dm = pipeline ? await pipeline.depthModel() : depthModel!;
        const pic = (d: Float32Array) => colorizeDepth(normalizeDepth(d, dm.polarity), img.width, img.height);
        const [a, b] = pipeline
          ? [await pipeline.photoDepth(img), await pipeline.depthOf(out)]
          : [await int8Depth!.estimate(img), await int8Depth!.estimate(out)];
        await writeGrid(
          depthMaps[i],
          [[img, pic(a), out, pic(b)]],
          ['photo', 'its depth (PyDNet v2, near = warm)', 'stylized', 'its depth'],
          img.width,
          img.height,
        );
        return [outs[i], depthMaps[i]];
      };
    },
    { keepGoing: o.keepGoing },
  );
}

/** The int8 variant of a model (depthstyle quantize), loaded, or a one-line error saying how to make it. */
async function loadInt8(o: StylizeCommandOptions, ref: ModelRef): Promise<Int8Stylizer> {
  const file = int8FileOf(ref);
  if (!file) throw new Error(`--precision int8 needs a quantized model: run depthstyle quantize ${o.model} -o MODEL.int8.onnx and pass that`);
  const bytes = await readFile(file).catch(() => {
    throw new Error(`${file}: no int8 model there; make it with depthstyle quantize ${o.model}`);
  });
  process.stderr.write(`model: ${file} (int8)\n`);
  return Int8Stylizer.create(bytes, { threads: o.threads, margin: o.margin }, file);
}

export const command: Command = {
  name: 'stylize',
  usage: 'IMAGE|DIR...|CLIP.mp4 (--model MODEL | --style PAINTING) -o OUT [options]',
  summary: 'one pass of a trained network, or of the arbitrary-style network with any painting (any size, in tiles for large images)',
  options: {
    model: {
      type: 'string',
      short: 'm',
      arg: `NAME|MODEL.onnx|RUN.ckpt|baseline:${BASELINE_STYLES.join('|')}`,
      help: 'a zoo model (depthstyle models), a model from depthstyle train, a training checkpoint, or a Johnson/Engstrom baseline',
    },
    style: {
      type: 'string',
      short: 's',
      arg: 'PAINTING[,PAINTING...]',
      help: 'any painting (an image file, or a bundled one by name: starry_night, the_scream, …) through the arbitrary-style network (Ghiasi et al. 2017, Apache-2.0); several are mixed',
    },
    'style-network': {
      type: 'string',
      arg: ARBITRARY_NETWORKS.join('|'),
      help: `with --style: magenta-clean-depth, ours fine-tuned with the depth loss on licence-clean data (Apache-2.0); magenta-depth, fine-tuned across 66 paintings (research use); their twins without the depth term (-nodepth); or Google's network, original (Apache-2.0) (docs/splits.md) [${DEFAULT_ARBITRARY_NETWORK}]`,
    },
    'style-weights': { type: 'string', arg: 'W,W,...', help: 'how much of each --style painting [equal]' },
    output: { type: 'string', short: 'o', arg: 'OUT', help: 'an image file (one input) or a folder' },
    'max-size': { type: 'string', arg: 'N', help: 'shrink inputs to at most N px on the long side first' },
    ...stylizeFlags(),
    'depth-map': { type: 'boolean', help: 'also write OUT.depth.jpg: photo | its depth | result | its depth (PyDNet v2, near = warm)' },
    margin: { type: 'string', arg: 'N', help: 'reflected border stylized and cropped away, against border artefacts; 0: none [16]' },
    precision: { type: 'string', arg: 'fp32|int8', help: 'int8 runs MODEL.int8.onnx from depthstyle quantize, untiled [fp32]' },
    start: { type: 'string', arg: 'SECONDS', help: 'a clip: start this far in [0]' },
    duration: { type: 'string', arg: 'SECONDS', help: 'a clip: stylize this much of it [all]' },
    stabilize: {
      type: 'string',
      arg: STABILIZATIONS.join('|'),
      help: `a clip: against flicker, norm statistics smoothed across frames and/or the previous frame carried along the optical flow (docs/video.md) [${DEFAULT_STABILIZATION} with a painting, ${defaultStabilization({ pixelStrokes: true })} with a model]`,
    },
    queue: {
      type: 'string',
      arg: 'URL',
      help: 'a Redis job queue (redis://HOST:PORT): the photos, or a clip in segments, go to depthstyle workers on any machine (docs/scale.md) [run here]',
    },
    'payload-dir': { type: 'string', arg: 'DIR', help: 'with --queue: a folder every worker mounts, for payloads over the Redis limit' },
    'keep-going': {
      type: 'boolean',
      help: 'when some inputs cannot be read, stylize the others (exit status 1, the bad ones listed); by default nothing is written',
    },
  },
  run: async (v, positionals) => {
    if (!positionals.length) throw new Error('stylize: give at least one IMAGE');
    return stylizeCommand({
      images: positionals,
      output: required(v.output, '-o OUT'),
      model: v.model as string | undefined,
      style: list(v.style, 'style'),
      styleNetwork: oneOf(v['style-network'], ARBITRARY_NETWORKS, 'style-network'),
      styleWeights: list(v['style-weights'], 'style-weights')?.map((w) => num(w, 'style-weights')!),
      maxSize: maxSizeOf(v['max-size']),
      ...parseStylizeSettings(
        (x) => v[x.flag] as string | undefined,
        (x) => `--${x.flag}`,
      ),
      depthMap: !!v['depth-map'],
      margin: num(v.margin, 'margin'),
      precision: oneOf(v.precision, ['fp32', 'int8'] as const, 'precision'),
      keepGoing: !!v['keep-going'],
      start: num(v.start, 'start'),
      duration: num(v.duration, 'duration'),
      stabilize: oneOf(v.stabilize, STABILIZATIONS, 'stabilize'),
      queue: v.queue === undefined ? undefined : checkQueueUrl(v.queue as string).href,
      payloadDir: v['payload-dir'] as string | undefined,
      ...common(v),
    });
  },
};
