// The training options and their defaults, in a file of their own so that the option resolver (options.ts) and
// the presets (presets.ts) read them without importing the trainer that imports them.
import type * as G from '../graph/index.js';
import type { RgbImage } from '../io/image.js';
import type { DepthLossKind } from '../losses/depth.js';
import type { DepthModel } from '../models/depth.js';
import type { Vgg19 } from '../models/vgg.js';
import type { Architecture } from '../nn/networks.js';
import type { InitialWeights } from './init.js';
import type { TrainPresetName } from './presets.js';

export interface TrainOptions {
  style: RgbImage;
  styleName: string;
  /** Folder of training images (searched recursively), or the name of the list given as `files` (e.g. `split:photos:train`). */
  data: string;
  /** The training images as a list (a committed split): `data` then only names them, for the metadata. */
  files?: readonly string[];
  size?: number;
  batch?: number;
  steps?: number;
  lr?: number;
  contentWeight?: number;
  styleWeight?: number;
  tvWeight?: number;
  depthWeight?: number;
  depthLoss?: DepthLossKind;
  /** Weight of the stability loss (src/losses/stability.ts): outputs that hold still when the input shifts a pixel, gets noise or changes exposure. 0 turns it off. */
  stabilityWeight?: number;
  contentLayer?: string;
  styleLayers?: string[];
  /** Long side of the style image for its Gram matrices (default: the training size). */
  styleSize?: number;
  width?: number;
  /** 'upsample' (ours) or 'engstrom' (the baselines' architecture; set by an engstrom `init`). */
  arch?: Architecture;
  /** Residual blocks (5 in Johnson et al.; fewer for tests). */
  blocks?: number;
  seed?: number;
  /** Write a checkpoint every N steps (and at the end, and on interruption). */
  checkpointEvery?: number;
  checkpoint?: string;
  resume?: string;
  /**
   * On resume, the objective's settings (style image, learning rate, loss weights and layers) must match the
   * checkpoint's; with this, changes are accepted and reported through `onSettingsChanged` (to be logged).
   */
  allowSettingsChange?: boolean;
  onSettingsChanged?: (changes: Record<string, [string, string]>) => void | Promise<void>;
  /** A named recipe (`TRAIN_PRESETS`) laid over the defaults, under the options given here. */
  preset?: TrainPresetName;
  /** Start from a trained network's weights with a fresh optimizer (a branch of that base); see `readInitialWeights`. */
  init?: InitialWeights;
  vgg: Vgg19;
  depthModel?: DepthModel;
  runtime?: G.Runtime;
  onStep?: (s: TrainStep) => void | Promise<void>;
  /** Every `previewEvery` steps, stylize fixed validation photos and pass them to `onPreview`. */
  previewEvery?: number;
  onPreview?: (step: number, images: RgbImage[]) => void | Promise<void>;
  signal?: AbortSignal;
}

export interface TrainStep {
  step: number;
  steps: number;
  seconds: number;
  /** Duration of this step. */
  stepSeconds: number;
  /** Step this run started from (after --resume). */
  firstStep: number;
  /** Weighted loss terms and total. */
  losses: Record<string, number>;
}

export const TRAIN_DEFAULTS = {
  size: 256,
  batch: 4,
  steps: 2000,
  lr: 1e-3,
  // Content 20 : style 1 puts the two weighted terms level at the operating point of the released
  // Johnson et al. Starry Night outputs (raw content ≈ 1e5, style ≈ 2e6 at 192 px). With content 1 the
  // content term never fell below its first-step value in 1,100 steps: the net painted bare texture.
  // Depth: weighted-content, the loss that beat no depth loss on judges it cannot game in optimize (README);
  // 1e6 makes its term (a relative error, ≈ 0.3 early) about a quarter of the total — a starting point, not yet
  // measured in training. models/starry-* used ssi at 3e6; the wave twins eot at 1e6.
  contentWeight: 20,
  styleWeight: 1,
  tvWeight: 1,
  depthWeight: 1e6,
  depthLoss: 'weighted-content' as DepthLossKind,
  stabilityWeight: 0,
  contentLayer: 'relu2_2',
  styleLayers: ['relu1_2', 'relu2_2', 'relu3_4', 'relu4_4'],
  width: 32,
  blocks: 5,
  arch: 'upsample' as Architecture,
  seed: 0,
  checkpointEvery: 500,
};
