// One stylization pipeline per network, the way transformers.js's `pipeline()` holds its sessions: made once for
// a trained model or for paintings (their style vectors), with its settings resolved once; called per photo. It is
// the one place the recipe is written — which style vector, strength in the features or as a pixel blend, depth
// strength, strokes, colour, tiles — and it keeps what depends only on the photo (its depth, its own style
// vector), so a second call on the same photo with other settings re-runs only the transfer network.
// Browser-safe: Node builds one from files (pipeline.node.ts), the page from ONNX bytes.
import type * as G from '../graph/index.js';
import { normalizeDepth } from '../io/colormap.js';
import type { RgbImage } from '../io/rgb.js';
import { DepthEstimator, type DepthModel } from '../models/depth-model.js';
import { type StylePredictor, type StyleVector, arbitraryTransformModel, mixStyles, styleAtStrength } from './arbitrary.js';
import type { PreserveColor } from './color.js';
import type { DepthStrength } from './depth-strength.js';
import { type DepthStrokes, type StrokeScale, strokeScaleFor } from './strokes.js';
import { Stylizer, type StylizerOptions, type TransformModel, finishStylization, strengthInFeatures, stylizeStrokes } from './stylizer.js';
import { ArgumentError } from '../io/arguments.js';

/** What a call can change; everything else is the network. */
export interface PipelineSettings {
  /**
   * 0..1, the same for a model and a painting: 0 is the photo, 1 fully painted, a blend toward the photo between.
   * A painting's style vector also moves toward the photo's own (the authors' strength), so its texture fades
   * with the blend instead of two pictures showing through each other.
   */
  strength: number;
  /** Strength that follows the photo's depth (near, far): in the features for a painting, a pixel blend for a model. */
  depthStrength?: DepthStrength;
  /** Brush size: strokes this many times the network's own, or 'auto': sized to the picture (strokes.ts, AUTO_STROKE_SIDE). */
  strokeScale: StrokeScale;
  /** Stroke size that follows the photo's depth (near, far), times strokeScale. */
  depthStrokes?: DepthStrokes;
  preserveColor: PreserveColor;
  /** Tile side for large photos. */
  tile: number;
}

export const PIPELINE_DEFAULTS: PipelineSettings = { strength: 1, strokeScale: 'auto', preserveColor: 'none', tile: 1024 };

/** Every setting's name, the optional ones included (a settings object is read through this list, not its keys). */
export const PIPELINE_SETTING_KEYS: readonly (keyof PipelineSettings)[] = ['strength', 'depthStrength', 'strokeScale', 'depthStrokes', 'preserveColor', 'tile'];

/** The network of a pipeline: a trained model, or the arbitrary network with paintings' style vectors (mixed by weights). */
export type PipelineNetwork =
  | { kind: 'model'; model: TransformModel; about?: string }
  | {
      kind: 'painting';
      name: string;
      transfer: Uint8Array;
      predictor: StylePredictor;
      styles: readonly StyleVector[];
      weights?: readonly number[];
      licence: string;
    };

/** What depends only on the photo (its depth, its own style vector): shared by pipelines that stylize the same photo. */
export class PhotoCache {
  img?: RgbImage;
  depth?: Promise<Float32Array>;
  style?: Promise<StyleVector>;
  /** The entries for this photo (a new photo clears them). */
  of(img: RgbImage): this {
    if (this.img !== img) Object.assign(this, { img, depth: undefined, style: undefined });
    return this;
  }
}

export interface PipelineEnvironment {
  runtime: G.Runtime;
  /** Loads the depth network when a setting first needs it. */
  depthModel?: () => Promise<DepthModel>;
  /** Options of the network's sessions (a clip's carried norm statistics, the margin). */
  stylizer?: StylizerOptions;
  /** Frees what the pipeline's maker loaded for it alone (the style predictor's session), at dispose. */
  onDispose?: () => Promise<void>;
  /** The photo's depth and style vector, when shared with other pipelines (the page switching paintings). */
  cache?: PhotoCache;
}

/** What the pipeline ran, per network: a test reads it to see that work is done once per photo. */
export interface PipelineCounts {
  depth: number;
  photoStyle: number;
  transfer: number;
}

export class StylizePipeline {
  readonly counts: PipelineCounts = { depth: 0, photoStyle: 0, transfer: 0 };
  private readonly cache: PhotoCache;
  private depthModelLoaded?: Promise<DepthModel>;
  private modelStylizer?: Stylizer;
  /** A painting's stylizer for the last style asked for (a strength change makes another). */
  private paintingStylizer?: { key: string; stylizer: Stylizer };

  constructor(
    readonly network: PipelineNetwork,
    private readonly env: PipelineEnvironment,
    readonly settings: PipelineSettings = PIPELINE_DEFAULTS,
  ) {
    const n = network as Partial<PipelineNetwork> | null;
    if (!n || (n.kind !== 'model' && n.kind !== 'painting'))
      throw new ArgumentError('StylizePipeline: network', "must be { kind: 'model', model } or { kind: 'painting', … } (createPipeline makes one)");
    if (!env?.runtime) throw new ArgumentError('StylizePipeline: env.runtime', 'is required');
    this.cache = env.cache ?? new PhotoCache();
  }

  /** Who made the network and under what licence: what a user must be told. */
  get id(): string {
    return this.network.kind === 'model' ? this.network.model.id : `arbitrary (${this.network.name})`;
  }

  get licence(): string {
    return this.network.kind === 'model' ? this.network.model.licence : this.network.licence;
  }

  /** The depth network, loaded once. */
  depthModel(): Promise<DepthModel> {
    if (!this.env.depthModel) throw new Error('this pipeline has no depth network (depth-guided settings need one)');
    this.depthModelLoaded ??= this.env.depthModel();
    return this.depthModelLoaded;
  }

  private of(img: RgbImage): PhotoCache {
    return this.cache.of(img);
  }

  /** The photo's raw depth (the depth network's own polarity), estimated once per photo. */
  photoDepth(img: RgbImage): Promise<Float32Array> {
    const p = this.of(img);
    p.depth ??= (async () => {
      const est = new DepthEstimator(await this.depthModel(), this.env.runtime);
      try {
        this.counts.depth++;
        return await est.estimate(img);
      } finally {
        await est.release();
      }
    })();
    return p.depth;
  }

  /** Any image's raw depth, not cached (the stylized result's, for a depth-map figure). */
  async depthOf(img: RgbImage): Promise<Float32Array> {
    const est = new DepthEstimator(await this.depthModel(), this.env.runtime);
    try {
      return await est.estimate(img);
    } finally {
      await est.release();
    }
  }

  /** The photo's nearness-to-farness map in [0, 1], from its depth. */
  async photoFarness(img: RgbImage): Promise<Float32Array> {
    return normalizeDepth(await this.photoDepth(img), (await this.depthModel()).polarity);
  }

  /** The photo's own style vector (a painting's strength moves toward it), predicted once per photo. */
  photoStyle(img: RgbImage): Promise<StyleVector> {
    if (this.network.kind !== 'painting') throw new Error('a trained model has no style vector');
    const predictor = this.network.predictor;
    const p = this.of(img);
    if (!p.style) {
      this.counts.photoStyle++;
      p.style = predictor.predict(img);
    }
    return p.style;
  }

  /** The network for these settings: the model itself, or the arbitrary network at the style the settings ask for. */
  private async modelFor(img: RgbImage, s: PipelineSettings): Promise<{ model: TransformModel; stylizer: Stylizer }> {
    const net = this.network;
    if (net.kind === 'model') {
      this.modelStylizer ??= new Stylizer(net.model, this.env.runtime, this.env.stylizer);
      return { model: net.model, stylizer: this.modelStylizer };
    }
    let style = mixStyles(net.styles, net.weights);
    const own = s.strength < 1 || s.depthStrength ? await this.photoStyle(img) : undefined;
    if (s.strength < 1) style = styleAtStrength(style, own!, s.strength);
    // Depth-guided strength acts in the features: each pixel's style between the painting's and the photo's own.
    const photoStyle = s.depthStrength ? own : undefined;
    const key = `${Array.from(style).join(',')}|${photoStyle ? Array.from(photoStyle).join(',') : ''}`;
    if (this.paintingStylizer?.key !== key) {
      await this.paintingStylizer?.stylizer.release();
      const model = arbitraryTransformModel(net.transfer, style, net.name, { photoStyle });
      this.paintingStylizer = { key, stylizer: new Stylizer(model, this.env.runtime, this.env.stylizer) };
    }
    return { model: this.paintingStylizer.stylizer.model, stylizer: this.paintingStylizer.stylizer };
  }

  /**
   * The network as it would run on this photo, as one TransformModel: a painting's style vector (and, with depth
   * strength, the photo's own) fixed from this photo. A clip takes it from its first frame for every frame.
   */
  async modelAt(img: RgbImage, change: Partial<PipelineSettings> = {}): Promise<TransformModel> {
    return (await this.modelFor(img, { ...this.settings, ...change })).model;
  }

  private settingsWith(change: Partial<PipelineSettings>): PipelineSettings {
    return { ...this.settings, ...Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) };
  }

  /**
   * The network stage: the transfer network at these settings (strokes; for a painting its style vector and depth
   * strength in the features), before any blend or colour. A model's strength or colour change needs only `finish` after it.
   */
  async stylizeRaw(
    img: RgbImage,
    change: Partial<PipelineSettings> = {},
    onTile?: (done: number, total: number) => void,
  ): Promise<{ raw: RgbImage; model: TransformModel }> {
    const s = this.settingsWith(change);
    const { model, stylizer } = await this.modelFor(img, s);
    const farness = s.depthStrokes || (s.depthStrength && this.network.kind === 'painting') ? await this.photoFarness(img) : undefined;
    this.counts.transfer++;
    const raw = await stylizeStrokes(
      stylizer,
      img,
      {
        strokeScale: strokeScaleFor(s.strokeScale, img),
        depthStrokes: s.depthStrokes,
        depthStrength: s.depthStrength,
        farness,
        tile: s.tile,
        runtime: this.env.runtime,
      },
      onTile,
    );
    return { raw, model };
  }

  /** What follows the network: the blend toward the photo (strength; a model's depth strength in pixels) and colour. */
  async finish(raw: RgbImage, img: RgbImage, model: TransformModel, change: Partial<PipelineSettings> = {}): Promise<RgbImage> {
    const s = this.settingsWith(change);
    const farness = s.depthStrength && !strengthInFeatures(model) ? await this.photoFarness(img) : undefined;
    // Strength is a blend toward the photo for every network (a painting's vector moved toward the photo's own as well).
    return finishStylization(raw, img, {
      strength: s.strength,
      depthStrength: s.depthStrength,
      farness,
      preserveColor: s.preserveColor,
      runtime: this.env.runtime,
      model,
    });
  }

  /** The photo stylized with the pipeline's settings, or with some of them changed for this call. */
  async run(img: RgbImage, change: Partial<PipelineSettings> = {}, onTile?: (done: number, total: number) => void): Promise<RgbImage> {
    const { raw, model } = await this.stylizeRaw(img, change, onTile);
    return this.finish(raw, img, model, change);
  }

  /** Frees the network's sessions (the pipeline can be used again; they are rebuilt). */
  async dispose(): Promise<void> {
    await this.modelStylizer?.release();
    await this.paintingStylizer?.stylizer.release();
    this.modelStylizer = undefined;
    this.paintingStylizer = undefined;
    await this.env.onDispose?.();
  }
}
