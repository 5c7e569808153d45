// Fine-tuning the arbitrary-style transfer network (Ghiasi et al.) with a depth loss while keeping it arbitrary:
// every step draws a style vector — a training painting's, or one between two of them — and the network is held to
// the frozen original on it (distillation), to the painting's Gram matrices when it is a painting, and to the
// photo's depth (the depth term; its twin trains the same without it). Checkpoints resume bit for bit.
import * as G from '../graph/index.js';
import type { Tensor } from '../graph/index.js';
import { loadImage, resizeLongSide, type RgbImage } from '../io/image.js';
import { listImages } from '../io/files.js';
import { loadState, saveState } from '../io/state.js';
import type { DepthLossKind } from '../losses/depth.js';
import { buildObjective, objectiveTargets } from '../losses/objective.js';
import { gram, mse } from '../losses/perceptual.js';
import type { DepthModel } from '../models/depth.js';
import { importOnnx, readOnnx, withInitializers } from '../models/onnx-import.js';
import { ARBITRARY } from '../models/magenta-spec.js';
import type { Vgg19 } from '../models/vgg.js';
import { Adam } from '../optim/optimizers.js';
import { Rng } from '../optim/random.js';
import type { StyleVector } from '../stylize/arbitrary.js';
import { ImageFolder } from './data.js';
import { ArgumentError, checkString } from '../io/arguments.js';

export const ARBITRARY_FINETUNE_DEFAULTS = {
  size: 192,
  batch: 2,
  steps: 1200,
  lr: 5e-5,
  /** Weight of the mean squared difference to the frozen original (0–255 images). */
  distillWeight: 1,
  /** Weight of the Gram loss on painting steps (Gatys layers, as `eval`'s style loss). */
  styleWeight: 1e-3,
  depthWeight: 200,
  depthLoss: 'weighted-content' as DepthLossKind,
  /** Share of steps on a training painting's own vector (the rest: between two paintings). */
  paintingShare: 0.5,
  seed: 0,
  checkpointEvery: 50,
};

/**
 * The licence of a network fine-tuned on the train split: Magenta's weights are Apache-2.0, but the photos (BSDS500,
 * Urban100, Sun-Hays80, CamVid: research and non-commercial use) and many paintings (copyrighted: research use)
 * are not licence-clean, so the result is for research use (../shared/README.md, images/photos/MANIFEST.tsv).
 */
export const MAGENTA_DEPTH_LICENCE =
  'research use only: Magenta arbitrary-style transfer network (Apache-2.0) fine-tuned here on research-use photos (BSDS500, Urban100, Sun-Hays80, CamVid, Kodak) and paintings (public domain and copyrighted: research use); for products, --style-network original';

/** The fine-tune recipes, by name (`scripts/finetune-arbitrary.ts --preset NAME`): which photos and paintings, how long. */
export const ARBITRARY_PRESETS = {
  'six-paintings': {
    summary:
      'magenta-clean-depth, the default of --style (licence-clean): the 23 photos of images/train (Debian wallpapers) and six public-domain paintings of images/styles, 1200 steps',
    photos: 'images/train',
    paintings: ['starry_night.jpg', 'starry_night_crop.jpg', 'wave.jpg', 'wave_crop.jpg', 'udnie.jpg', 'shipwreck_turner.jpg'].map((f) => `images/styles/${f}`),
    options: { steps: 1200 },
    dir: 'models/arbitrary/clean',
    licence: 'Apache-2.0, like its source (trained on Debian wallpapers and public-domain paintings)',
  },
  'train-split': {
    summary:
      "across many paintings (issue #32): the train split of images/photos (711) and of images/paintings (66), each step a painting of the split or a mix of two, styles from each painting's own predicted vector; 800 steps",
    photos: 'split:photos:train',
    paintings: 'split:paintings:train',
    options: { steps: 800, seed: 32 },
    dir: 'models/arbitrary',
    licence: MAGENTA_DEPTH_LICENCE,
  },
} as const;
export type ArbitraryPresetName = keyof typeof ARBITRARY_PRESETS;

export interface ArbitraryFinetuneOptions extends Partial<typeof ARBITRARY_FINETUNE_DEFAULTS> {
  /** Folder of training photos, or the list of their files. */
  data: string | readonly string[];
  /** Training paintings: their images (for Gram matrices) and style vectors. */
  paintings: { name: string; image: RgbImage; vector: StyleVector }[];
  transferOnnx: Uint8Array;
  vgg: Vgg19;
  depthModel?: DepthModel;
  runtime: G.Runtime;
  checkpoint: string;
  resume?: boolean;
  onStep?: (s: { step: number; steps: number; seconds: number; losses: Record<string, number> }) => void | Promise<void>;
  signal?: AbortSignal;
}

const STYLE_LAYERS = ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'relu5_1'];

/** The transfer network on photos `x` (0–255) and style `v`: 0–255 out; trainable convolutions if asked. */
export function transferNet(proto: ReturnType<typeof readOnnx>, x: Tensor, v: Tensor, trainable: boolean): Tensor {
  const [y] = importOnnx(proto, [G.mul(x, 1 / 255), v], trainable ? 'finetune' : 'frozen', 'style transfer network', { trainable });
  return G.mul(y, 255);
}

export async function finetuneArbitrary(opts: ArbitraryFinetuneOptions): Promise<{ params: G.ParamStore; step: number; losses: Record<string, number> }> {
  if (!opts || typeof opts !== 'object')
    throw new ArgumentError('finetuneArbitrary: options', 'must be an object { data, paintings, transferOnnx, vgg, runtime, checkpoint }');
  if (!(opts.transferOnnx instanceof Uint8Array))
    throw new ArgumentError('finetuneArbitrary: transferOnnx', 'must be the ONNX bytes of the transfer network (arbitraryOnnx gives them)');
  checkString(opts.checkpoint, 'finetuneArbitrary: checkpoint');
  if (!Array.isArray(opts.paintings)) throw new ArgumentError('finetuneArbitrary: paintings', 'must be an array of { name, image, vector }');
  const o = { ...ARBITRARY_FINETUNE_DEFAULTS, ...opts };
  if (o.paintings.length < 2) throw new Error('fine-tuning the arbitrary network needs at least two training paintings');
  const rt = o.runtime;
  const proto = readOnnx(o.transferOnnx, 'style transfer network');
  const data = new ImageFolder(typeof o.data === 'string' ? await listImages(o.data) : o.data, o.size, o.seed);
  const shape = [o.batch, 3, o.size, o.size];

  // The frozen original, for the distillation target.
  const fg = new G.Graph();
  const [fx, fv] = [fg.input('content', shape), fg.input('style', [1, ARBITRARY.styleSize, 1, 1])];
  const frozen = await rt.compile([transferNet(proto, fx, fv, false)]);

  // Each painting's Gram matrices at the training size.
  const grams: G.Float32Tensor[][] = [];
  for (const p of o.paintings)
    grams.push(await rt.runOnce(await resizeLongSide(p.image, o.size * 2), (sx) => STYLE_LAYERS.map((l) => gram(o.vgg.features(sx, [l]).get(l)!))));

  // The network being tuned, and its objective.
  const { g, x, v, target, onPainting, objective, gramInputs, terms, total } = finetuneGraph(o, proto, shape, grams[0]);
  const paramTensors = g.params;
  const prog = await rt.compile([total, ...terms.map(([, t]) => t), ...G.grad(total, paramTensors)]);
  const params = G.ParamStore.fromGraph(g);
  const adam = new Adam({ lr: o.lr });

  let step = 0;
  if (o.resume) {
    const ck = await loadState(o.checkpoint);
    for (const [k, val] of Object.entries(ck.arrays)) params.values.get(k)?.set(val);
    adam.load(ck.children!.adam);
    data.restore({ epoch: ck.scalars.epoch, index: ck.scalars.index, rng: ck.scalars.rng, skipped: ck.scalars.skipped });
    step = ck.scalars.step;
  }
  const save = async () => {
    const d = data.dataState;
    await saveState(o.checkpoint, {
      scalars: { step, epoch: d.epoch, index: d.index, rng: d.rng, skipped: d.skipped },
      notes: {
        settings: JSON.stringify({
          ...o,
          paintings: o.paintings.map((p) => p.name),
          transferOnnx: undefined,
          vgg: undefined,
          depthModel: o.depthModel?.id,
          runtime: undefined,
        }),
      },
      arrays: Object.fromEntries(params.values),
      children: { adam: adam.state() },
    });
  };

  const start = performance.now();
  let losses: Record<string, number> = {};
  while (step < o.steps && !o.signal?.aborted) {
    const { painting, index: i, vector: vec } = stepStyle(o, step);
    const batch = await data.next(o.batch);
    const vFeed = { data: Float32Array.from(vec), shape: [1, ARBITRARY.styleSize, 1, 1] };
    const [y0] = await frozen.run(
      new Map([
        [fx, { data: batch, shape }],
        [fv, vFeed],
      ]),
    );
    const feeds = new Map<Tensor, G.Feed>(objective.feeds);
    gramInputs.forEach((t, l) => feeds.set(t, grams[i][l]));
    feeds.set(x, { data: batch, shape });
    feeds.set(v, vFeed);
    feeds.set(target, y0);
    feeds.set(onPainting, { data: new Float32Array([painting ? 1 : 0]), shape: [] });
    const [tot, ...rest] = await prog.run(feeds, params);
    const gs = rest.slice(terms.length);
    losses = Object.fromEntries(terms.map(([n], k) => [n, rest[k].data[0]]));
    losses.total = tot.data[0];
    if (!Number.isFinite(losses.total))
      throw new Error(`fine-tune diverged at step ${step + 1}: ${JSON.stringify(losses)}; lower --lr and resume ${o.checkpoint}`);
    adam.step(params.values, new Map(paramTensors.map((p, k) => [p.name, gs[k].data])));
    step++;
    await o.onStep?.({ step, steps: o.steps, seconds: (performance.now() - start) / 1000, losses });
    if (step % o.checkpointEvery === 0) await save();
  }
  await save();
  await rt.release(frozen);
  await rt.release(prog);
  return { params, step, losses };
}

/** The tuned network as a transfer-network ONNX file, a drop-in for the original: its file with the new weights. */
export function exportFinetunedTransfer(transferOnnx: Uint8Array, params: G.ParamStore, metadata: Record<string, string>): Uint8Array {
  if (!(transferOnnx instanceof Uint8Array)) throw new ArgumentError('exportFinetunedTransfer: transferOnnx', 'must be the ONNX bytes of the transfer network');
  if (!(params instanceof G.ParamStore)) throw new ArgumentError('exportFinetunedTransfer: params', 'must be the ParamStore finetuneArbitrary returns');
  const weights = new Map([...params.values].map(([k, v]) => [k.replace(/^finetune\//, ''), v] as const));
  return withInitializers(transferOnnx, weights, 'style transfer network', { licence: ARBITRARY.licence, ...metadata });
}

/** A painting for fine-tuning: its image and its style vector under `predict`. */
export async function trainingPainting(
  file: string,
  predict: (img: RgbImage) => Promise<StyleVector>,
): Promise<{ name: string; image: RgbImage; vector: StyleVector }> {
  const image = await loadImage(file);
  return { name: file.split('/').pop()!, image, vector: await predict(image) };
}

/** The step's style, drawn from the step number (so a resumed run draws the same): a painting's own vector, or a mix of two. */
function stepStyle(
  o: { seed: number; paintingShare: number; paintings: readonly { vector: StyleVector }[] },
  step: number,
): { painting: boolean; index: number; vector: StyleVector } {
  const rng = new Rng(o.seed * 1_000_003 + step);
  const painting = rng.uniform() < o.paintingShare;
  const i = rng.int(o.paintings.length);
  let vec = o.paintings[i].vector;
  if (!painting) {
    const j = (i + 1 + rng.int(o.paintings.length - 1)) % o.paintings.length;
    const t = rng.uniform();
    vec = vec.map((a, k) => (1 - t) * a + t * o.paintings[j].vector[k]);
  }
  return { painting, index: i, vector: vec };
}

/** The transfer network being tuned and its objective: distillation to the frozen original, Gram style on painting steps, depth. */
function finetuneGraph(
  o: typeof ARBITRARY_FINETUNE_DEFAULTS & ArbitraryFinetuneOptions,
  proto: ReturnType<typeof readOnnx>,
  shape: number[],
  firstGrams: G.Float32Tensor[],
) {
  const g = new G.Graph();
  const [x, v, target, onPainting] = [
    g.input('content', shape),
    g.input('style', [1, ARBITRARY.styleSize, 1, 1]),
    g.input('distill-target', shape),
    g.input('on-painting', []),
  ];
  const y = transferNet(proto, x, v, true);
  const spec = {
    vgg: o.vgg,
    depthModel: o.depthModel,
    depthLoss: o.depthLoss,
    contentLayers: [],
    styleLayers: STYLE_LAYERS,
    grams: firstGrams,
    contentWeight: 0,
    styleWeight: o.styleWeight,
    tvWeight: 0,
    depthWeight: o.depthWeight,
  };
  const objective = buildObjective(spec, y, x, objectiveTargets(spec, x));
  const gramInputs = [...objective.feeds.keys()].filter((t) => t.name.includes('gram/'));
  const termOf = (n: string) => objective.terms.find(([k]) => k === n)?.[1];
  const terms: [string, Tensor][] = [
    ['distill', G.mul(mse(y, target), o.distillWeight)],
    ['style', G.mul(termOf('style')!, onPainting)],
  ];
  if (termOf('depth')) terms.push(['depth', termOf('depth')!]);
  const total = terms.map(([, t]) => t).reduce((a, b) => G.add(a, b));
  return { g, x, v, target, onPainting, objective, gramInputs, terms, total };
}
