// The depth controls the dial measures, each with the settings of its curve: one table for the measurement
// (depth-dial.ts) and the figures (depth-dial-figure.ts). The first setting of each network is "no depth handling".
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { arbitraryTransformModel } from '../src/stylize/arbitrary.js';
import type { Runtime } from '../src/graph/index.js';
import { loadImage, type RgbImage } from '../src/io/image.js';
import type { DepthModel } from '../src/models/depth.js';
import type { ModelStore } from '../src/models/resolver.js';
import { ArbitraryStylist } from '../src/stylize/arbitrary.node.js';
import { Stylizer, finishStylization, stylizeStrokes, type StylizeOptions, type TransformModel } from '../src/stylize/stylize.js';
import { loadTransformModel } from '../src/stylize/models.js';

export const DIAL_PAINTINGS = { scream: 'the_scream.jpg', composition: 'composition_vii.jpg', starry: 'starry_night.jpg' } as const;
export type DialPainting = keyof typeof DIAL_PAINTINGS;

export interface DialSetting {
  label: string;
  options: Pick<StylizeOptions, 'strength' | 'depthStrength' | 'depthStrokes'>;
  /** For the zoo: which twin (default the no-depth one). */
  twin?: 'depth' | 'nodepth';
  /** For the arbitrary network: a fine-tuned transfer network (scripts/finetune-arbitrary.ts) instead of the original. */
  transfer?: string;
}
export interface DialMethod {
  id: string;
  title: string;
  network: 'zoo' | 'arbitrary';
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
  { id: 'arb-feature-strength', title: 'arbitrary: --depth-strength NEAR,1 (in the features)', network: 'arbitrary', settings: near([0.75, 0.6, 0.5, 0.25, 0]) },
  { id: 'arb-depth-strokes', title: 'arbitrary: --depth-strokes NEAR,FAR', network: 'arbitrary', settings: strokes },
  { id: 'arb-finetuned-twin', title: 'arbitrary fine-tuned without the depth term (twin)', network: 'arbitrary', settings: [{ label: '-', options: {}, transfer: 'models/arbitrary/magenta-nodepth.onnx' }] },
  { id: 'arb-finetuned', title: 'arbitrary fine-tuned with the depth loss (magenta-depth)', network: 'arbitrary', twin: 'arb-finetuned-twin@-', settings: [{ label: '-', options: {}, transfer: 'models/arbitrary/magenta-depth.onnx' }] },
];

/** "No depth handling" for a network: what every gain and style cost is measured from. */
export const baselineKey = (network: DialMethod['network']) => (network === 'zoo' ? 'zoo-none@-' : 'arb-none@-');

/** Renders any control at any setting for one painting, as `stylize` does (networks loaded once). */
export async function dialRenderer(name: DialPainting, store: ModelStore, runtime: Runtime, depthModel: DepthModel) {
  const paintingFile = path.join(store.dir, '..', 'images', 'styles', DIAL_PAINTINGS[name]);
  const zoo = { depth: await loadTransformModel(`${name}-depth`, store), nodepth: await loadTransformModel(`${name}-nodepth`, store) };
  const stylist = await ArbitraryStylist.load(store, runtime);
  const paintingVector = await stylist.styleOfFile(paintingFile);
  let own: { photo: RgbImage; vector: Promise<Float32Array> } | undefined;
  const tuned = new Map<string, Uint8Array>();
  return {
    painting: await loadImage(paintingFile),
    async render(m: DialMethod, setting: DialSetting, photo: RgbImage): Promise<RgbImage> {
      let model: TransformModel;
      if (m.network === 'zoo') model = setting.twin === 'depth' ? zoo.depth : zoo.nodepth;
      else if (setting.transfer) {
        tuned.set(setting.transfer, tuned.get(setting.transfer) ?? new Uint8Array(await readFile(setting.transfer)));
        model = arbitraryTransformModel(tuned.get(setting.transfer)!, paintingVector, `${name} (${setting.transfer})`);
      } else {
        if (own?.photo !== photo) own = { photo, vector: stylist.styleOf(photo) };
        model = stylist.model(paintingVector, name, setting.options.depthStrength ? await own.vector : undefined);
      }
      // Blending toward the photo is a pixel blend for both networks (`strength` here is not the authors' vector strength).
      const s = new Stylizer(model, runtime);
      try {
        const raw = await stylizeStrokes(s, photo, { ...setting.options, depthModel, runtime });
        return await finishStylization(raw, photo, { ...setting.options, depthModel, runtime, model });
      } finally {
        await s.release();
      }
    },
    release: () => stylist.release(),
  };
}
