// depthstyle train --style STYLE --data DIR -o model.onnx
import { appendFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Runtime } from '../graph/index.js';
import sharp from 'sharp';
import { loadImage, toInterleaved8, type RgbImage } from '../io/image.js';
import { writeLossChart } from '../io/plot.js';
import { loadDepthModel } from '../models/depth.js';
import { ModelStore } from '../models/resolver.js';
import { loadVgg19 } from '../models/vgg.js';
import { TRAIN_DEFAULTS, TRAINED_MODEL_LICENCE, train, writeModel, type TrainOptions } from '../train/train.js';
import { writeFileAtomic } from '../io/atomic.js';
import { interruptible, type CommonOptions } from './common.js';
import { Progress } from './progress.js';

export interface TrainCommandOptions extends CommonOptions, Omit<TrainOptions, 'style' | 'styleName' | 'vgg' | 'depthModel' | 'runtime' | 'checkpoint'> {
  stylePath: string;
  output: string;
  depthModelSpec?: string;
  depthLayers?: string[];
  log?: string;
}

/** Two rows (photos above, stylized below) as one PNG. */
async function writePreview(file: string, images: RgbImage[]): Promise<void> {
  const cols = images.length / 2;
  const { width: w, height: h } = images[0];
  const tiles = await Promise.all(images.map((im) => sharp(toInterleaved8(im), { raw: { width: w, height: h, channels: 3 } }).png().toBuffer()));
  const png = await sharp({ create: { width: cols * w, height: 2 * h, channels: 3, background: '#ffffff' } })
    .composite(tiles.map((input, i) => ({ input, left: (i % cols) * w, top: Math.floor(i / cols) * h })))
    .png()
    .toBuffer();
  await writeFileAtomic(file, png);
}

/**
 * On resume the log may run past the checkpoint (a killed run logs steps it never saved): keep the lines up to
 * the checkpoint's step, so the log and the loss chart cover the whole run once. Returns the seconds logged so far.
 */
async function continueLog(log: string, checkpointStep: number, history: Record<string, number[]>): Promise<number> {
  let text = '';
  try {
    text = await readFile(log, 'utf8');
  } catch {
    return 0;
  }
  const kept: string[] = [];
  let seconds = 0;
  for (const line of text.split('\n')) {
    let entry: Record<string, number>;
    try {
      entry = JSON.parse(line) as Record<string, number>;
    } catch {
      break; // an empty or half-written last line of a killed run
    }
    if (entry.step > checkpointStep) break;
    kept.push(line);
    seconds = entry.seconds;
    for (const [k, v] of Object.entries(entry)) if (k !== 'step' && k !== 'seconds') (history[k] ??= []).push(v);
  }
  await writeFileAtomic(log, kept.map((l) => l + '\n').join(''));
  return seconds;
}

export async function trainCommand(o: TrainCommandOptions): Promise<number> {
  if (!o.output.endsWith('.onnx')) throw new Error(`-o ${o.output}: the model file must end in .onnx`);
  const store = new ModelStore(o.models);
  const style = await loadImage(o.stylePath);
  const runtime = new Runtime({ threads: o.threads });
  const vgg = await loadVgg19({ store });
  const depthWeight = o.depthWeight ?? TRAIN_DEFAULTS.depthWeight;
  const depthModel = depthWeight > 0 ? await loadDepthModel(o.depthModelSpec ?? 'pydnet-v2', { store, featureLayers: o.depthLayers }) : undefined;
  if (depthModel) process.stderr.write(`depth model: ${depthModel.id} — ${depthModel.licence}\n`);
  const base = o.output.replace(/\.onnx$/, '');
  const checkpoint = `${base}.ckpt`;
  const log = o.log ?? `${base}.log.jsonl`;
  const styleName = path.basename(o.stylePath).replace(/\.[^.]+$/, '');
  if (!o.resume) await writeFileAtomic(log, '');
  const interrupt = interruptible('writing a checkpoint');
  const history: Record<string, number[]> = {};
  let bar: Progress | undefined;
  let secondsBefore = 0;
  const r = await train({
    ...o,
    style,
    styleName,
    vgg,
    depthModel,
    runtime,
    checkpoint,
    signal: interrupt.signal,
    onPreview: (step, images) => writePreview(`${base}.preview.png`, images),
    onStep: async (s) => {
      if (!bar && o.resume) secondsBefore = await continueLog(log, s.firstStep, history);
      bar ??= new Progress('train', s.steps, s.firstStep);
      bar.update(s.step, { ...s.losses, 's/step': s.stepSeconds });
      await appendFile(log, JSON.stringify({ step: s.step, seconds: +(secondsBefore + s.seconds).toFixed(3), ...s.losses }) + '\n');
      for (const [k, v] of Object.entries(s.losses)) (history[k] ??= []).push(v);
      if (s.step % 50 === 0 || s.step === s.steps) await writeLossChart(`${base}.loss.png`, history, `${styleName}: loss terms (log scale)`);
    },
  });
  interrupt.done();
  // The model is exported at the end and also when interrupted (with its step count in the metadata).
  const width = o.width ?? TRAIN_DEFAULTS.width;
  await writeModel(o.output, r.params, width, o.blocks ?? TRAIN_DEFAULTS.blocks, {
    style: styleName,
    steps: String(r.step),
    depth_weight: String(depthWeight),
    depth_loss: o.depthLoss ?? TRAIN_DEFAULTS.depthLoss,
    settings: JSON.stringify({ ...TRAIN_DEFAULTS, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) }),
    licence: TRAINED_MODEL_LICENCE,
    input: 'image: float32 [N, 3, H, W], RGB 0–255',
    output: 'stylized: float32 [N, 3, H, W], RGB 0–255',
  });
  if (Object.keys(history).length) await writeLossChart(`${base}.loss.png`, history, `${styleName}: loss terms (log scale)`);
  if (!r.stopped) {
    process.stderr.write(`\nwrote ${o.output}, ${log} and ${base}.loss.png (checkpoint ${checkpoint})\n`);
    return 0;
  }
  process.stderr.write(`\nstopped at step ${r.step}: wrote ${o.output} and checkpoint ${checkpoint}; continue with --resume ${checkpoint}\n`);
  return 130;
}
