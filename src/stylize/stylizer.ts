// One-pass stylization with a feed-forward transform network (one graph per image size, built once and
// reused), tiling, and what follows the network. No file or codec in here: the page runs this same module
// on onnxruntime-web.
import * as G from '../graph/index.js';
import type { Tensor } from '../graph/index.js';
import { shrinkLongSide, type RgbImage } from '../io/rgb.js';
import { normalizeDepth } from '../io/colormap.js';
import { DepthEstimator, type DepthModel } from '../models/depth-model.js';
import { PRESERVE_COLORS, combineLuminance, matchHistogram, type PreserveColor } from './color.js';
import { blendByMap, strengthMap, type DepthStrength } from './depth-strength.js';
import { stylizeTiled, type TileOptions } from './tiles.js';
import { STROKE_SCALE_RANGE, type StrokeScale, checkStrokeScale, runAtStrokeScale, strokeScaleFor, stylizeDepthStrokes, type DepthStrokes } from './strokes.js';
import { ArgumentError, checkNumber } from '../io/arguments.js';

/** A feed-forward stylizer: RGB 0–255 NCHW in, RGB 0–255 out, same size. */
export interface TransformModel {
  readonly id: string;
  readonly licence: string;
  /** Input sizes must be multiples of this (the Engstrom architecture: 4); the stylizer pads to it. */
  readonly sizeMultiple?: number;
  /**
   * Planes the network reads after RGB (default 0). One: a per-pixel strength map in [0, 1], which the
   * stylizer appends from `depthStrength` (all 1 without it): strength in the features (the arbitrary network).
   */
  readonly guidePlanes?: number;
  /**
   * Its strokes are pixel-fine (the Johnson/Engstrom networks: the zoo, trained models, the baselines). A clip's
   * carry then keeps the finest band this frame's own, and its default stabilization differs (stabilize.ts).
   */
  readonly pixelStrokes?: boolean;
  build(x: Tensor): Tensor;
}

/** Whether `depthStrength` acts in this network's features (it reads a strength plane) rather than as a pixel blend. */
export function strengthInFeatures(model: TransformModel): boolean {
  return (model.guidePlanes ?? 0) > 0;
}

/** The image with a further plane after its own (a per-pixel strength map for `guidePlanes` networks). */
export function withPlane(img: RgbImage, plane: ArrayLike<number>): RgbImage {
  const n = img.width * img.height;
  if (plane.length !== n) throw new Error('a guide plane and its image differ in size');
  const data = new Float32Array(img.data.length + n);
  data.set(img.data);
  data.set(plane, img.data.length);
  return { width: img.width, height: img.height, data };
}

/** Default reflected border (px) stylized around each image or tile and cropped away. */
export const STYLIZE_MARGIN = 16;

/**
 * The model run on the image reflect-padded by `margin` px, cropped back: transform nets trained on
 * crops paint a frame of artefacts along image borders; the margin moves that frame outside the picture.
 */
function withMargin(model: TransformModel, margin: number): (x: Tensor) => Tensor {
  return (x) => {
    const [, , h, w] = x.staticShape('stylize input');
    const k = model.sizeMultiple ?? 1;
    // Bottom and right get what a size multiple needs on top of the margin.
    const extra = (m: number): [number, number] => [(k - ((h + 2 * m) % k)) % k, (k - ((w + 2 * m) % k)) % k];
    // Reflection needs fewer pad pixels than the image has, the size multiple's included (a 16-px photo).
    let m = Math.max(0, Math.min(Math.round(margin), h - 1, w - 1));
    while (m > 0 && (m + extra(m)[0] > h - 1 || m + extra(m)[1] > w - 1)) m--;
    const [eb, er] = extra(m);
    if (m <= 0 && !eb && !er) return model.build(x);
    const y = model.build(G.pad2d(x, [m, m, m + eb, m + er], 'reflect'));
    return G.slice(y, [m, m], [m + h, m + w], [2, 3]);
  };
}

/** One instance norm's statistics over an image: a mean and a variance per channel. */
export interface NormStatistics {
  mean: Float32Array;
  variance: Float32Array;
}

export interface StylizerOptions {
  /** Reflected border stylized around the image and cropped away (default STYLIZE_MARGIN). */
  margin?: number;
  /**
   * Video: each norm's statistics carried from image to image, an exponential moving average with this weight
   * on the past (0 to below 1). Measured and averaged inside the one pass that stylizes (a second, measuring
   * pass over the whole frame nearly doubled the network's time per 540p frame).
   */
  normMomentum?: number;
}

export class Stylizer {
  private readonly whole: G.ImagePrograms;
  private readonly fed?: G.ImagePrograms;
  private readonly build: (x: Tensor) => Tensor;
  private readonly stats: G.ImagePrograms;
  constructor(
    readonly model: TransformModel,
    private readonly runtime: G.Runtime,
    private readonly opts: StylizerOptions = {},
  ) {
    if (!model || typeof model.build !== 'function') throw new ArgumentError('Stylizer: model', 'must be a TransformModel (loadTransformModel gives one)');
    if (!runtime || typeof runtime !== 'object') throw new ArgumentError('Stylizer: runtime', 'must be an engine.Runtime');
    if (opts?.margin !== undefined) checkNumber(opts.margin, 'Stylizer: margin', { min: 0 });
    this.build = withMargin(model, opts.margin ?? STYLIZE_MARGIN);
    this.whole = new G.ImagePrograms(runtime, this.build);
    if (opts?.normMomentum !== undefined) {
      checkNumber(opts.normMomentum, 'Stylizer: normMomentum', { min: 0, max: 0.999 });
      this.fed = new G.ImagePrograms(
        runtime,
        this.build,
        (g) => (g.normStats = { mode: 'carried', momentum: g.input('normstats/momentum', [1]), inputs: [], outputs: [] }),
      );
    }
    // Each norm's statistics as outputs, [mean, variance] per norm, concatenated into one tensor per image.
    this.stats = new G.ImagePrograms(
      runtime,
      (x) => {
        const g = x.graph;
        g.normStats = { mode: 'capture', captured: [] };
        this.build(x);
        const flat = g.normStats.captured.map((t) => G.reshape(t, [-1]));
        return G.concat(flat, 0);
      },
      undefined,
      1,
    );
  }

  async stylize(img: RgbImage): Promise<RgbImage> {
    if (!this.fed) return { width: img.width, height: img.height, data: (await this.whole.run(img)).data };
    // The first image normalizes with its own statistics (momentum 0 over zeros).
    const past = this.carried ?? (await this.channels(img)).flatMap((c) => [new Float32Array(c), new Float32Array(c)]);
    const [out, ...averaged] = await this.fed.runAll(img, [Float32Array.of(this.carried ? this.opts.normMomentum! : 0), ...past]);
    this.carried = averaged.map((t) => t.data);
    return { width: img.width, height: img.height, data: out.data };
  }
  /** The averaged statistics so far, [mean, variance] per norm (under `normMomentum`). */
  private carried?: Float32Array[];

  /** `carried` averaged with `measured` (flat, [mean, variance] per norm) as the graph does; the first taken as is. */
  private carry(measured: NormStatistics[]): NormStatistics[] {
    if (this.opts.normMomentum === undefined) return measured;
    const m = this.opts.normMomentum;
    const past = this.carried;
    const averaged = past
      ? measured.map((s, i) => ({
          mean: s.mean.map((v, k) => m * past[2 * i][k] + (1 - m) * v),
          variance: s.variance.map((v, k) => m * past[2 * i + 1][k] + (1 - m) * v),
        }))
      : measured;
    this.carried = averaged.flatMap((s) => [s.mean, s.variance]);
    return averaged;
  }

  /** Every instance norm's statistics over `img` (the tiles' shared statistics). */
  async statistics(img: RgbImage): Promise<NormStatistics[]> {
    const flat = (await this.stats.run(img)).data;
    const sizes = await this.channels(img);
    const out: NormStatistics[] = [];
    let k = 0;
    for (const c of sizes) {
      out.push({ mean: flat.slice(k, k + c), variance: flat.slice(k + c, k + 2 * c) });
      k += 2 * c;
    }
    return out;
  }
  private normChannels?: number[];
  /** Channels of each instance norm, in order (from the graph's shapes; the same at every size). */
  private async channels(img: RgbImage): Promise<number[]> {
    this.normChannels ??= await this.channelsOf(img);
    return this.normChannels;
  }
  private async channelsOf(img: RgbImage): Promise<number[]> {
    const g = new G.Graph();
    g.normStats = { mode: 'capture', captured: [] };
    this.build(g.input('image', [1, img.data.length / (img.width * img.height), img.height, img.width]));
    return g.normStats.captured.filter((_, i) => i % 2 === 0).map((t) => t.staticShape('norm statistics')[1]);
  }

  /** Frees the compiled programs (one per image size seen). */
  async release(): Promise<void> {
    await this.whole.release();
    await this.fed?.release();
    await this.stats.release();
  }

  /**
   * Any size in bounded memory: overlapping tiles, feather-blended, each
   * normalized with the instance-norm statistics of the whole image (measured
   * on a copy at most `statsSide` px long), so the tiles agree with each other
   * and with an untiled run.
   */
  async stylizeLarge(img: RgbImage, o: TileOptions & { statsSide?: number } = {}, onTile?: (done: number, total: number) => void): Promise<RgbImage> {
    const tile = o.tile ?? 1024;
    if (img.width <= tile && img.height <= tile) return this.stylize(img);
    const stats = this.carry(await this.statistics(shrinkLongSide(img, o.statsSide ?? 1024)));
    // A photo's statistics network is compiled for one size and done: freed before the tiles' (ONNX Runtime's
    // arena keeps each session's peak; two held, a 1280×848 photo peaked at 2.5 GB). A clip's frames reuse it.
    if (this.opts.normMomentum === undefined) await this.stats.release();
    const tiles = new G.ImagePrograms(this.runtime, this.build, (g) => (g.normStats = { mode: 'fixed', stats, next: 0 }));
    const out = await stylizeTiled(img, async (t) => ({ width: t.width, height: t.height, data: (await tiles.run(t)).data }), o, onTile);
    await tiles.release();
    return out;
  }
}

export interface StylizeOptions {
  /** Tile side for large images (default 1024). */
  tile?: number;
  /** 0..1: blend of the stylized image over the photo (default 1). */
  strength?: number;
  /** Reflected border stylized around the image and cropped away, against border artefacts (default 16 px; 0: none). */
  margin?: number;
  /** Strength that follows the photo's depth: `near` at the nearest, `far` at the farthest (times `strength`). */
  depthStrength?: DepthStrength;
  /** The depth network for `depthStrength` (default PyDNet v2). */
  depthModel?: DepthModel;
  /** Keep the photo's colours: its chroma with the result's luminance, or the result matched to its colour statistics. */
  preserveColor?: PreserveColor;
  /** Brush size: strokes this many times the network's own (0.25–4), or 'auto': sized to the picture [PIPELINE_DEFAULTS]. */
  strokeScale?: StrokeScale;
  /** Stroke size that follows the photo's depth: `near` at the nearest, `far` at the farthest (times `strokeScale`). */
  depthStrokes?: DepthStrokes;
  runtime?: G.Runtime;
}

/** The library's check of StylizeOptions: each option in its range, named with the function (`stylize: strength`). */
export function checkStylizeOptions(o: unknown, fn: string): void {
  if (o === undefined) return;
  if (o === null || typeof o !== 'object') throw new ArgumentError(`${fn}: options`, 'must be an object');
  const v = o as Record<string, unknown>;
  const has = (k: string) => v[k] !== undefined;
  if (has('strength')) checkNumber(v.strength, `${fn}: strength`, { min: 0, max: 1 });
  if (has('tile')) checkNumber(v.tile, `${fn}: tile`, { min: 64, integer: true });
  if (has('margin')) checkNumber(v.margin, `${fn}: margin`, { min: 0 });
  if (has('strokeScale') && v.strokeScale !== 'auto')
    checkNumber(v.strokeScale, `${fn}: strokeScale`, { min: STROKE_SCALE_RANGE[0], max: STROKE_SCALE_RANGE[1] });
  for (const [k, lo, hi] of [
    ['depthStrength', 0, 1],
    ['depthStrokes', STROKE_SCALE_RANGE[0], STROKE_SCALE_RANGE[1]],
  ] as const) {
    if (!has(k) || (k === 'depthStrength' && v[k] === 'off')) continue;
    const d = v[k] as Record<string, unknown> | null;
    if (!d || typeof d !== 'object') throw new ArgumentError(`${fn}: ${k}`, `must be { near, far }${k === 'depthStrength' ? " or 'off'" : ''}`);
    checkNumber(d.near, `${fn}: ${k}.near`, { min: lo, max: hi });
    checkNumber(d.far, `${fn}: ${k}.far`, { min: lo, max: hi });
  }
  if (has('preserveColor') && !PRESERVE_COLORS.includes(v.preserveColor as PreserveColor))
    throw new ArgumentError(`${fn}: preserveColor`, `must be one of ${PRESERVE_COLORS.join(', ')}, got ${String(v.preserveColor)}`);
}

/**
 * The network's output at the stroke size asked for: `strokeScale` everywhere, or following the photo's depth
 * (`depthStrokes`, which needs `depthModel`). Tiles as `stylizeLarge` does; `onTile` sees every tile.
 */
export async function stylizeStrokes(
  stylizer: Stylizer,
  img: RgbImage,
  o: Pick<StylizeOptions, 'strokeScale' | 'depthStrokes' | 'depthStrength' | 'depthModel' | 'tile'> & {
    runtime: G.Runtime;
    /** The photo's depth as farness in [0, 1], when the caller has it already (a pipeline estimates it once per photo). */
    farness?: Float32Array;
  },
  onTile?: (done: number, total: number) => void,
): Promise<RgbImage> {
  const k = checkStrokeScale(strokeScaleFor(o.strokeScale ?? 1, img), 'stroke scale');
  const guided = strengthInFeatures(stylizer.model);
  const strengthHere = guided && o.depthStrength;
  let farness = o.farness;
  if (!farness && (o.depthStrokes || strengthHere)) {
    if (!o.depthModel) throw new Error(`depth-guided ${o.depthStrokes ? 'strokes' : 'strength'} need a depth model`);
    const est = new DepthEstimator(o.depthModel, o.runtime);
    try {
      farness = normalizeDepth(await est.estimate(img), o.depthModel.polarity);
    } finally {
      await est.release();
    }
  }
  // A network with strength in its features gets the strength map as a plane that rides along through resizes and tiles.
  const input = !guided ? img : withPlane(img, strengthHere ? strengthMap(farness!, img, o.depthStrength!) : new Float32Array(img.width * img.height).fill(1));
  const run = (x: RgbImage) => stylizer.stylizeLarge(x, { tile: o.tile }, onTile);
  if (!o.depthStrokes) return runAtStrokeScale(input, k, run);
  const scaled = { near: o.depthStrokes.near * k, far: o.depthStrokes.far * k };
  // Each scale is a size of its own, run once: its compiled network (and ONNX Runtime's memory arena, which
  // keeps its peak) is freed before the next. Held, a 640×424 photo at 2,0.5 peaked at 2.7 GB.
  return stylizeDepthStrokes(input, farness!, scaled, async (x) => {
    const out = await run(x);
    await stylizer.release();
    return out;
  });
}

/**
 * What follows the network, for the library, the CLI and the page alike: the blend toward the photo (uniform
 * `strength`, or following its depth) and colour preservation.
 */
export async function finishStylization(
  stylized: RgbImage,
  photo: RgbImage,
  o: Pick<StylizeOptions, 'strength' | 'depthStrength' | 'depthModel' | 'preserveColor'> & {
    runtime: G.Runtime;
    /** The photo's depth as farness in [0, 1], when the caller has it already. */
    farness?: Float32Array;
    /** The network that made `stylized`: one with strength in its features has applied `depthStrength` already. */
    model?: TransformModel;
  },
): Promise<RgbImage> {
  const k = o.strength ?? 1;
  let out: RgbImage;
  if (o.depthStrength && !(o.model && strengthInFeatures(o.model))) {
    if (!o.farness && !o.depthModel) throw new Error('depth-guided strength needs a depth model');
    const map = o.farness ? strengthMap(o.farness, photo, o.depthStrength) : await depthStrengthMap(photo, o.depthStrength, o.depthModel!, o.runtime);
    out = blendByMap(stylized, photo, k === 1 ? map : map.map((v) => v * k));
  } else out = blendToward(stylized, photo, k);
  if (o.preserveColor === 'luminance') return combineLuminance(out, photo);
  if (o.preserveColor === 'histogram') return matchHistogram(out, photo);
  return out;
}

/** The per-pixel strength of `depthStrength` for a photo, from its depth under `depthModel`. */
export async function depthStrengthMap(photo: RgbImage, ds: DepthStrength, depthModel: DepthModel, runtime: G.Runtime): Promise<Float32Array> {
  const est = new DepthEstimator(depthModel, runtime);
  try {
    return strengthMap(normalizeDepth(await est.estimate(photo), depthModel.polarity), photo, ds);
  } finally {
    await est.release();
  }
}

/** strength·stylized + (1 − strength)·photo (same size); strength in [0, 1]. */
export function blendToward(stylized: RgbImage, photo: RgbImage, strength: number): RgbImage {
  if (!(strength >= 0 && strength <= 1)) throw new Error(`strength must be between 0 and 1, got ${strength}`);
  return strength >= 1 ? stylized : { ...stylized, data: stylized.data.map((v, i) => strength * v + (1 - strength) * photo.data[i]) };
}
