// depthstyle train --style STYLE --data DIR -o model.onnx
import { appendFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Runtime } from '../graph/index.js';
import { loadImage } from '../io/image.js';
import { writeLossChart } from '../io/plot.js';
import { continueLog, writePreview } from '../train/run-files.js';
import { loadDepthModel } from '../models/depth.js';
import { ModelStore } from '../models/resolver.js';
import { loadVgg19 } from '../models/vgg.js';
import { licenceOf, writeModel } from '../nn/export.js';
import { TRAIN_DEFAULTS, resumedNetwork, train, type TrainOptions } from '../train/train.js';
import { resolveTrainOptions } from '../train/options.js';
import { TRAIN_PRESETS, TRAIN_PRESET_NAMES, type TrainPreset } from '../train/presets.js';
import { assertWritable, writeFileAtomic } from '../io/atomic.js';
import { listImages } from '../io/files.js';
import { splitSource } from '../eval/splits.js';
import { PHOTO_SPLIT_LICENCE } from '../models/licences.js';
import { readInitialWeights } from '../train/init.js';
import { interruptible, refuseInputsAsOutputs, type CommonOptions } from './common.js';
import { lockRun } from '../io/lock.js';
import { loadState } from '../io/state.js';
import { existsSync } from 'node:fs';
import { Progress } from './progress.js';
import { common, inRange, int, lossOptions, lossValues, num, oneOf, required, seedOf, vggLayers, type Command } from './args.js';

export interface TrainCommandOptions extends CommonOptions, Omit<TrainOptions, 'style' | 'styleName' | 'vgg' | 'depthModel' | 'runtime' | 'checkpoint'> {
  stylePath: string;
  output: string;
  depthModelSpec?: string;
  depthLayers?: string[];
  log?: string;
  /** --init MODEL: branch from a trained network (.onnx or .ckpt). */
  initSpec?: string;
}

/** The files a run writes beside its model. */
export function runFiles(output: string, log?: string) {
  const base = output.replace(/\.onnx$/, '');
  return { base, checkpoint: `${base}.ckpt`, log: log ?? `${base}.log.jsonl`, loss: `${base}.loss.png`, preview: `${base}.preview.png`, lock: `${base}.lock` };
}

export async function trainCommand(o: TrainCommandOptions): Promise<number> {
  if (!o.output.endsWith('.onnx')) throw new Error(`-o ${o.output}: the model file must end in .onnx`);
  // Everything is checked before any output (log, checkpoint, model) is touched.
  const store = new ModelStore(o.models);
  await loadImage(o.stylePath); // the painting must load before any output is touched
  const photos = await trainingPhotos(o.data, store);
  if (o.resume)
    await stat(o.resume).catch(() => {
      throw new Error(`${o.resume}: checkpoint not found`);
    });
  if (o.initSpec && o.resume) throw new Error('--init starts a branch and --resume continues a run: give one of them');
  if (o.allowSettingsChange && !o.resume) throw new Error('--change-settings goes with --resume');
  const files = runFiles(o.output, o.log);
  // Nothing the run reads may be written: the painting, the photos, the base of a branch.
  const inputs = [o.stylePath, ...photos, ...(o.initSpec && existsSync(o.initSpec) ? [o.initSpec] : [])];
  refuseInputsAsOutputs([o.output, files.checkpoint, files.log, files.loss, files.preview], inputs);
  if (o.log && /\.(jpe?g|png|webp|tiff?|onnx|ckpt)$/i.test(o.log)) throw new Error(`--log ${o.log}: the log is JSON lines; give it a .jsonl name`);
  // A finished or stopped run is continued with --resume, never silently replaced.
  if (!o.resume)
    for (const f of [files.checkpoint, files.log])
      if (existsSync(f))
        throw new Error(`${f} exists from an earlier run: continue it with --resume ${files.checkpoint}, or choose another -o (nothing was overwritten)`);
  if (o.resume && path.resolve(o.resume) !== path.resolve(files.checkpoint) && existsSync(files.checkpoint))
    throw new Error(`${files.checkpoint} exists: resuming ${o.resume} into -o ${o.output} would replace it; choose another -o`);
  const init = o.initSpec ? await readInitialWeights(o.initSpec, store) : undefined;
  await assertWritable(o.output);
  const release = lockRun(files.lock, `the run ${files.base}`);
  try {
    return await trainLocked({ ...o, files: photos }, store, init, files);
  } finally {
    release();
  }
}

async function trainLocked(
  o: TrainCommandOptions,
  store: ModelStore,
  init: Awaited<ReturnType<typeof readInitialWeights>> | undefined,
  files: ReturnType<typeof runFiles>,
): Promise<number> {
  const style = await loadImage(o.stylePath);
  const runtime = new Runtime({ threads: o.threads });
  const vgg = await loadVgg19({ store });
  // The options resolved once (defaults, preset, given): the depth model is loaded only when the run has a depth term.
  const resumed = o.resume ? resumedNetwork(await loadState(o.resume)) : undefined;
  const { depthWeight } = resolveTrainOptions({ ...o, style, styleName: '', init }, resumed);
  const depthModel = depthWeight > 0 ? await loadDepthModel(o.depthModelSpec ?? 'pydnet-v2', { store, featureLayers: o.depthLayers }) : undefined;
  if (depthModel) process.stderr.write(`depth model: ${depthModel.id} — ${depthModel.licence}\n`);
  const { base, checkpoint, log } = files;
  const styleName = path.basename(o.stylePath).replace(/\.[^.]+$/, '');
  // A branch's log starts with the base it came from.
  if (!o.resume)
    await writeFileAtomic(log, init ? `${JSON.stringify({ step: 0, seconds: 0, branch_of: init.source, branch_steps: init.steps ?? null })}\n` : '');
  const interrupt = interruptible('writing a checkpoint');
  const history: Record<string, number[]> = {};
  let bar: Progress | undefined;
  let secondsBefore = 0;
  const r = await train({
    ...o,
    init,
    style,
    styleName,
    vgg,
    depthModel,
    runtime,
    checkpoint,
    signal: interrupt.signal,
    onSettingsChanged: async (changes) => {
      process.stderr.write(
        `resuming with changed settings: ${Object.entries(changes)
          .map(([k, [a, b]]) => `${k} ${a} → ${b}`)
          .join(', ')}\n`,
      );
      await appendFile(
        log,
        `${JSON.stringify({ settings_changed: Object.fromEntries(Object.entries(changes).map(([k, [a, b]]) => [k, { from: a, to: b }])) })}\n`,
      );
    },
    onPreview: (_step, images) => writePreview(`${base}.preview.png`, images),
    onStep: async (s) => {
      if (!bar && o.resume) secondsBefore = await continueLog(log, s.firstStep, history);
      bar ??= new Progress('train', s.steps, s.firstStep);
      bar.update(s.step, { ...s.losses, 's/step': s.stepSeconds });
      await appendFile(log, `${JSON.stringify({ step: s.step, seconds: +(secondsBefore + s.seconds).toFixed(3), ...s.losses })}\n`);
      for (const [k, v] of Object.entries(s.losses)) (history[k] ??= []).push(v);
      if (s.step % 50 === 0 || s.step === s.steps) await writeLossChart(`${base}.loss.png`, history, `${styleName}: loss terms (log scale)`);
    },
  });
  interrupt.done();
  // The model is exported at the end and also when interrupted (with its step count in the metadata).
  await writeModel(o.output, r.params, r.net, {
    style: styleName,
    steps: String(r.step),
    depth_weight: String(r.settings.depthWeight),
    depth_loss: String(r.settings.depthLoss),
    ...(r.settings.stabilityWeight ? { stability_weight: String(r.settings.stabilityWeight) } : {}),
    settings: JSON.stringify(r.settings),
    ...(r.branchOf ? { branch_of: r.branchOf.source, branch_steps: String(r.branchOf.steps ?? 'unknown') } : {}),
    trained_on: o.data,
    licence: licenceOf(r.net.arch, splitSource(o.data, store.sharedDir) ? PHOTO_SPLIT_LICENCE : undefined),
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

/** A preset's own training photos (`data`), if the preset names one. */
function presetData(preset: unknown): string | undefined {
  return typeof preset === 'string' && preset in TRAIN_PRESETS ? (TRAIN_PRESETS[preset as keyof typeof TRAIN_PRESETS] as TrainPreset).data : undefined;
}

/** The training photos: a committed split (`split:photos:train`, under the shared folder) or a folder. */
async function trainingPhotos(data: string, store: ModelStore): Promise<string[]> {
  const listed = splitSource(data, store.sharedDir);
  if (!listed) return listImages(data);
  const missing = listed.find((f) => !existsSync(f));
  if (missing) throw new Error(`--data ${data}: ${missing} is missing (the split lists files of ${store.sharedDir}/images; see ../shared/README.md)`);
  return listed;
}

const T = TRAIN_DEFAULTS;
export const command: Command = {
  name: 'train',
  usage: '--style STYLE --data DIR -o model.onnx [options]',
  summary: 'trains a feed-forward style network (Johnson et al.) with content, style, TV and depth losses; checkpoints resume exactly',
  options: {
    style: { type: 'string', short: 's', arg: 'STYLE', help: 'the painting' },
    data: {
      type: 'string',
      arg: 'DIR|split:photos:train',
      help: "training photos: a folder (searched recursively) or a committed split of the shared photos (split:photos:train); a preset's own otherwise",
    },
    output: { type: 'string', short: 'o', arg: 'model.onnx', help: 'the model; its .ckpt, .log.jsonl, .loss.png and .preview.png go beside it' },
    size: { type: 'string', arg: 'N', help: `training crop size, 32–2048 [${T.size}]` },
    batch: { type: 'string', arg: 'N', help: `[${T.batch}]` },
    steps: { type: 'string', arg: 'N', help: `total steps (a resumed run continues to this) [${T.steps}]` },
    lr: { type: 'string', arg: 'X', help: `Adam learning rate [${T.lr}]` },
    width: { type: 'string', arg: 'N', help: `channels of the first layer: 32 the paper's, 16 the light CPU variant [${T.width}]` },
    blocks: { type: 'string', arg: 'N', help: `residual blocks [${T.blocks}]` },
    ...lossOptions({
      content: String(T.contentWeight),
      style: String(T.styleWeight),
      tv: String(T.tvWeight),
      depth: T.depthWeight.toExponential(0).replace('+', ''),
      loss: T.depthLoss,
    }),
    'stability-weight': {
      type: 'string',
      arg: 'X',
      help: `weight of the stability loss (a 1-px shift, exposure and noise must not move the output: video without flicker); 0 turns it off [${T.stabilityWeight}]`,
    },
    'content-layer': { type: 'string', arg: 'L', help: `[${T.contentLayer}]` },
    'style-layers': { type: 'string', arg: 'L,...', help: `[${T.styleLayers.join(',')}]` },
    'style-size': { type: 'string', arg: 'N', help: 'long side of the style image for its Gram matrices [the crop size]' },
    seed: { type: 'string', arg: 'N', help: `[${T.seed}]` },
    'checkpoint-every': { type: 'string', arg: 'N', help: `[${T.checkpointEvery}]` },
    'preview-every': { type: 'string', arg: 'N', help: 'stylize four fixed training photos into model.preview.png every N steps' },
    preset: {
      type: 'string',
      arg: TRAIN_PRESET_NAMES.join('|'),
      help: `a recipe the zoo was made with, under the options given here: ${TRAIN_PRESET_NAMES.map((n) => `${n}: ${TRAIN_PRESETS[n].summary}`).join('; ')}`,
    },
    resume: { type: 'string', arg: 'RUN.ckpt', help: 'continue a run exactly where its checkpoint stopped' },
    'change-settings': {
      type: 'boolean',
      help: 'with --resume: accept a changed painting, learning rate or loss setting (logged); without it a resume must keep them',
    },
    init: { type: 'string', arg: 'MODEL.onnx|RUN.ckpt|baseline:NAME', help: "branch: start from a trained network's weights with a fresh optimizer" },
    log: { type: 'string', arg: 'FILE', help: '[model.log.jsonl]' },
  },
  run: async (v, positionals) => {
    if (positionals.length) throw new Error(`train: unexpected argument "${positionals[0]}"`);
    return trainCommand({
      stylePath: required(v.style, '--style'),
      data: required(v.data ?? presetData(v.preset), '--data DIR'),
      output: required(v.output, '-o model.onnx'),
      size: inRange(int(v.size, 'size'), 'size', 32, 2048),
      batch: int(v.batch, 'batch'),
      steps: int(v.steps, 'steps'),
      lr: num(v.lr, 'lr'),
      width: int(v.width, 'width'),
      blocks: int(v.blocks, 'blocks'),
      ...lossValues(v),
      stabilityWeight: num(v['stability-weight'], 'stability-weight'),
      contentLayer: vggLayers(v['content-layer'], 'content-layer')?.[0],
      styleLayers: vggLayers(v['style-layers'], 'style-layers'),
      styleSize: int(v['style-size'], 'style-size'),
      seed: seedOf(v.seed),
      checkpointEvery: int(v['checkpoint-every'], 'checkpoint-every'),
      previewEvery: int(v['preview-every'], 'preview-every'),
      resume: v.resume as string | undefined,
      preset: oneOf(v.preset, TRAIN_PRESET_NAMES, 'preset'),
      allowSettingsChange: !!v['change-settings'],
      initSpec: v.init as string | undefined,
      log: v.log as string | undefined,
      ...common(v),
    });
  },
};
