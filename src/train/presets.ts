// The recipes the zoo was made with, as named presets (`train --preset NAME`): each is a set of options that
// `resolveTrainOptions` lays over the defaults, under what the user gives explicitly. The shell scripts in
// scripts/ only loop over them.
import type { TrainOptions } from './defaults.js';

/** Options a preset may set; `styleSize: 'painting'` means the painting's own long side (its full size). */
export type PresetOptions = Partial<
  Pick<
    TrainOptions,
    | 'size'
    | 'batch'
    | 'steps'
    | 'lr'
    | 'stabilityWeight'
    | 'width'
    | 'seed'
    | 'contentWeight'
    | 'styleWeight'
    | 'tvWeight'
    | 'depthWeight'
    | 'depthLoss'
    | 'contentLayer'
    | 'styleLayers'
    | 'checkpointEvery'
    | 'previewEvery'
  >
> & { styleSize?: number | 'painting' };

export interface TrainPreset {
  summary: string;
  options: PresetOptions;
  /** The training photos when --data is not given: a folder or a committed split (`split:photos:train`). */
  data?: string;
  /** Continue the recipe of the base (`--init`, a model trained by depthstyle): its recorded objective lies under `options`. */
  continuesBase?: boolean;
}

/** The settings a continuing preset takes from its base's metadata: the objective and the crops, not the seed or the length. */
export const INHERITED_SETTINGS = [
  'size',
  'batch',
  'lr',
  'contentWeight',
  'styleWeight',
  'tvWeight',
  'depthWeight',
  'depthLoss',
  'contentLayer',
  'styleLayers',
  'styleSize',
] as const;

/** Engstrom's objective as the released Johnson/Engstrom networks were trained with it. */
const ENGSTROM_OBJECTIVE: PresetOptions = {
  contentLayer: 'relu4_2',
  styleLayers: ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'relu5_1'],
  contentWeight: 7.5,
  styleWeight: 100,
  tvWeight: 200,
};

/** The crops, batch and seed every zoo branch trained with (192 px, batch 2, seed 7), checkpoints every 50 steps. */
const ZOO_RUN: PresetOptions = { size: 192, batch: 2, seed: 7, checkpointEvery: 50, previewEvery: 50 };

export const TRAIN_PRESETS = {
  'engstrom-branch': {
    summary:
      "a twin branched from a released Johnson/Engstrom network (--init baseline:NAME): Engstrom's objective, so the no-depth twin stays at the released operating point; the painting at its full size unless --style-size says otherwise (the Scream twins gave 640, the size its released network trained at: scripts/style-size-probe.sh)",
    options: { ...ZOO_RUN, ...ENGSTROM_OBJECTIVE, styleSize: 'painting' },
  },
  'own-base': {
    summary:
      "one of our own bases from scratch: width 16, Engstrom's layers with content × 100 (× 7.5 taught only texture at this width), the painting at 512 px, no depth loss (models/bases/)",
    options: {
      ...ZOO_RUN,
      ...ENGSTROM_OBJECTIVE,
      width: 16,
      lr: 1e-3,
      contentWeight: 100,
      styleSize: 512,
      depthWeight: 0,
      checkpointEvery: 100,
      previewEvery: 100,
    },
  },
  'own-branch': {
    summary:
      'a twin branched from one of our own bases (--init models/bases/NAME-base.ckpt): its objective, content × 100, the painting at 512 px (the Starry and Composition twins)',
    options: { ...ZOO_RUN, ...ENGSTROM_OBJECTIVE, contentWeight: 100, styleSize: 512 },
  },
  'stability-branch': {
    summary:
      "a video-stable twin of a zoo model (--init models/NAME.onnx): the base's own recipe continued for 200 steps with the stability loss (a 1-px shift, ±5 % exposure and noise must not move the output; weight 5e3); its twin is the same run with --stability-weight 0",
    options: { stabilityWeight: 5e3, steps: 200, seed: 11, checkpointEvery: 25, previewEvery: 25 },
    continuesBase: true,
  },
  'photos-continue': {
    summary:
      "a zoo twin continued on the train split of images/photos (711 photos, issue #32; --init models/NAME-TWIN.onnx): the twin's own recipe for 200 more steps on photos it never saw; research use only, like the photos (scripts/train-zoo-photos.sh)",
    options: { steps: 200, seed: 13, checkpointEvery: 25, previewEvery: 50 },
    data: 'split:photos:train',
    continuesBase: true,
  },
} satisfies Record<string, TrainPreset>;

export type TrainPresetName = keyof typeof TRAIN_PRESETS;
export const TRAIN_PRESET_NAMES = Object.keys(TRAIN_PRESETS) as TrainPresetName[];
