// The depth controls the dial measures, each with the settings of its curve: one table for the measurement
// (depth-dial.ts) and the figures (depth-dial-figure.ts). The first setting of each network is "no depth handling".
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Runtime } from '../src/graph/index.js';
import { loadImage, type RgbImage } from '../src/io/image.js';
import type { DepthModel } from '../src/models/depth.js';
import type { ModelStore } from '../src/models/resolver.js';
import { ArbitraryStylist } from '../src/stylize/arbitrary.node.js';
import { blendToward, type StylizeOptions, type TransformModel } from '../src/stylize/stylize.js';
import { PhotoCache, StylizePipeline } from '../src/stylize/pipeline.js';
import { loadTransformModel } from '../src/stylize/models.js';
import { loadVgg19 } from '../src/models/vgg.js';
import { optimize } from '../src/optimize/optimize.js';

export const DIAL_PAINTINGS = { scream: 'the_scream.jpg', composition: 'composition_vii.jpg', starry: 'starry_night.jpg' } as const;
export type DialPainting = keyof typeof DIAL_PAINTINGS;

export interface DialSetting {
  label: string;
  options: Pick<StylizeOptions, 'strength' | 'depthStrength' | 'depthStrokes'>;
  /** For the zoo: which twin (default the no-depth one). */
  twin?: 'depth' | 'nodepth';
  /** For the arbitrary network: a fine-tuned transfer network (scripts/finetune-arbitrary.ts) instead of the original. */
  transfer?: string;
  /** For optimize: the depth loss's weight (0: no depth loss). */
  depthWeight?: number;
}
export interface DialMethod {
  id: string;
  title: string;
  network: 'zoo' | 'arbitrary' | 'optimize';
  /** The reference curve: what the cheapest alternative buys at each style cost. */
  reference?: boolean;
  /** Its twin trained without the depth term (`id@label`): also judged against it, paired. */
  twin?: string;
  settings: DialSetting[];
}

const near = (values: number[]): DialSetting[] => values.map((v) => ({ label: `${v},1`, options: { depthStrength: { near: v, far: 1 } } }));
const blend = (values: number[]): DialSetting[] => values.map((v) => ({ label: String(v), options: { strength: v } }));
const strokes: DialSetting[] = [
  { label: '1.5,0.75', options: { depthStrokes: { near: 1.5, far: 0.75 } } },
  { label: '2,0.5', options: { depthStrokes: { near: 2, far: 0.5 } } },
];

export const DIAL_METHODS: DialMethod[] = [
  { id: 'zoo-none', title: 'zoo: no depth handling (the no-depth twin)', network: 'zoo', settings: [{ label: '-', options: {} }] },
  { id: 'zoo-twin', title: 'zoo: the depth twin (depth loss in training)', network: 'zoo', settings: [{ label: '-', options: {}, twin: 'depth' }] },
  { id: 'zoo-blend', title: 'zoo: blend toward the photo (reference)', network: 'zoo', reference: true, settings: blend([0.9, 0.8, 0.7, 0.6]) },
  { id: 'zoo-depth-strength', title: 'zoo: --depth-strength NEAR,1 (pixel blend by depth)', network: 'zoo', settings: near([0.8, 0.6, 0.4, 0.2]) },
  { id: 'zoo-depth-strokes', title: 'zoo: --depth-strokes NEAR,FAR', network: 'zoo', settings: strokes },
  { id: 'arb-none', title: 'arbitrary: no depth handling', network: 'arbitrary', settings: [{ label: '-', options: {} }] },
  { id: 'arb-blend', title: 'arbitrary: blend toward the photo (reference)', network: 'arbitrary', reference: true, settings: blend([0.9, 0.8, 0.7, 0.6]) },
  {
    id: 'arb-feature-strength',
    title: 'arbitrary: --depth-strength NEAR,1 (in the features)',
    network: 'arbitrary',
    settings: near([0.75, 0.6, 0.5, 0.25, 0]),
  },
  { id: 'arb-depth-strokes', title: 'arbitrary: --depth-strokes NEAR,FAR', network: 'arbitrary', settings: strokes },
  {
    id: 'arb-finetuned-twin',
    title: 'arbitrary fine-tuned without the depth term (twin)',
    network: 'arbitrary',
    settings: [{ label: '-', options: {}, transfer: 'models/arbitrary/clean/magenta-nodepth.onnx' }],
  },
  { id: 'opt-none', title: 'optimize: no depth loss', network: 'optimize', settings: [{ label: '0', options: {}, depthWeight: 0 }] },
  { id: 'opt-blend', title: 'optimize: blend toward the photo (reference)', network: 'optimize', reference: true, settings: blend([0.9, 0.8, 0.7]) },
  {
    id: 'opt-depth-weight',
    title: "optimize: the depth loss's weight (weighted-content; default 8e4)",
    network: 'optimize',
    settings: [2e4, 8e4, 3e5].map((w) => ({ label: w.toExponential(0).replace('+', ''), options: {}, depthWeight: w })),
  },
  {
    id: 'arb-finetuned',
    title: 'arbitrary fine-tuned with the depth loss (magenta-depth)',
    network: 'arbitrary',
    twin: 'arb-finetuned-twin@-',
    settings: [{ label: '-', options: {}, transfer: 'models/arbitrary/clean/magenta-depth.onnx' }],
  },
];

/** "No depth handling" for a network: what every gain and style cost is measured from. */
export const baselineKey = (network: DialMethod['network']) => ({ zoo: 'zoo-none@-', arbitrary: 'arb-none@-', optimize: 'opt-none@0' })[network];

/**
 * optimize in the dial: minutes per photo even small, so at 256 px, 60 iterations, seed 1 (how the issue tried it
 * as a new user would), on one painting; every other control at 512 px.
 */
export const OPTIMIZE_DIAL = { size: 256, iterations: 60, seed: 1 } as const;
export const dialSize = (network: DialMethod['network']) => (network === 'optimize' ? OPTIMIZE_DIAL.size : 512);

/** Renders any control at any setting for one painting, as `stylize` does (networks loaded once). */
export async function dialRenderer(name: DialPainting, store: ModelStore, runtime: Runtime, depthModel: DepthModel) {
  const paintingFile = path.join(store.dir, '..', 'images', 'styles', DIAL_PAINTINGS[name]);
  const zoo = { depth: await loadTransformModel(`${name}-depth`, store), nodepth: await loadTransformModel(`${name}-nodepth`, store) };
  const stylist = await ArbitraryStylist.load(store, runtime, 'original');
  const paintingVector = await stylist.styleOfFile(paintingFile);
  const vgg = await loadVgg19({ store });
  const painting = await loadImage(paintingFile);
  /** optimize without the depth loss, per photo: the blend reference starts from it. */
  let plain: { photo: RgbImage; image: Promise<RgbImage> } | undefined;
  const optimized = (photo: RgbImage, depthWeight: number) =>
    optimize({
      content: photo,
      styles: [painting],
      size: OPTIMIZE_DIAL.size,
      iterations: OPTIMIZE_DIAL.iterations,
      seed: OPTIMIZE_DIAL.seed,
      depthWeight,
      depthModel,
      vgg,
      runtime,
    }).then((r) => r.image);
  // Every network through the one recipe (the pipeline), sharing the photo's depth and own style vector.
  const env = { runtime, depthModel: async () => depthModel, cache: new PhotoCache() };
  const modelPipeline = (model: TransformModel) => new StylizePipeline({ kind: 'model', model }, env);
  const paintingPipeline = (transfer: Uint8Array) =>
    new StylizePipeline({ kind: 'painting', name, transfer, predictor: stylist.predictor, styles: [paintingVector], licence: stylist.licence }, env);
  const pipelines = { depth: modelPipeline(zoo.depth), nodepth: modelPipeline(zoo.nodepth), arbitrary: paintingPipeline(stylist.transfer) };
  const tuned = new Map<string, StylizePipeline>();
  return {
    painting,
    async render(m: DialMethod, setting: DialSetting, photo: RgbImage): Promise<RgbImage> {
      // Blending toward the photo is a pixel blend for every network (`strength` here is not the authors' vector strength).
      const { strength, ...options } = setting.options;
      const blended = (img: RgbImage) => (strength === undefined ? img : blendToward(img, photo, strength));
      if (m.network === 'optimize') {
        if (setting.depthWeight !== undefined && setting.depthWeight > 0) return optimized(photo, setting.depthWeight);
        if (plain?.photo !== photo) plain = { photo, image: optimized(photo, 0) };
        return blended(await plain.image);
      }
      let pipeline: StylizePipeline;
      if (m.network === 'zoo') pipeline = setting.twin === 'depth' ? pipelines.depth : pipelines.nodepth;
      else if (setting.transfer) {
        if (!tuned.has(setting.transfer)) tuned.set(setting.transfer, paintingPipeline(new Uint8Array(await readFile(setting.transfer))));
        pipeline = tuned.get(setting.transfer)!;
      } else pipeline = pipelines.arbitrary;
      return blended(await pipeline.run(photo, options));
    },
    release: async () => {
      for (const p of [...Object.values(pipelines), ...tuned.values()]) await p.dispose();
      await stylist.release();
    },
  };
}
