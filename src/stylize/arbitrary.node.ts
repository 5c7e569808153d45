// The arbitrary-style networks in Node: paintings by file or by name, style vectors cached by the
// painting's content hash (the predictor runs once per painting, across runs), and one call that gives
// a TransformModel for a painting, a mix of paintings, and a strength.
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as G from '../graph/index.js';
import { decodeImage, loadImage, type RgbImage } from '../io/image.js';
import { ARBITRARY, arbitraryOnnx } from '../models/magenta.js';
import { ModelStore, cached, sha256 } from '../models/resolver.js';
import { zooDir } from '../models/model-spec.js';
import { StylePredictor, arbitraryTransformModel, centerSquare, mixStyles, styleAtStrength, type StyleVector } from './arbitrary.js';
import type { TransformModel } from './stylizer.js';
import { ArgumentError } from '../io/arguments.js';
import { readOnnx } from '../models/onnx-import.js';

/** A painting as the predictor sees it: decoded shrunk, its central square at 256 px, 8-bit levels (also what the page is sent). */
export async function paintingSquare(
  file: string | Buffer,
  what = typeof file === 'string' ? file : 'painting',
  maxPixels?: number,
  formats?: readonly string[],
): Promise<RgbImage> {
  const o = { maxSide: ARBITRARY.paintingSide, maxPixels, formats };
  const img = typeof file === 'string' ? await loadImage(file, o) : await decodeImage(file, what, o);
  return centerSquare(img, ARBITRARY.predictor.side);
}

/** The bundled paintings (../shared/images/styles beside the models folder), by name. */
export function paintingsDir(store: ModelStore): string {
  return path.join(store.dir, '..', 'images', 'styles');
}

export function paintingNames(store: ModelStore): string[] {
  if (!(store instanceof ModelStore)) throw new ArgumentError('paintingNames: store', 'must be a ModelStore (new ModelStore(dir))');
  const dir = paintingsDir(store);
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.(jpe?g|png|webp|tiff?)$/i.test(f))
        .map((f) => f.replace(/\.[^.]+$/, ''))
        .sort()
    : [];
}

/** A painting spec: an image file, else a bundled painting's name (`starry_night`); `what` names it in errors (the CLI: --style). */
export function resolvePainting(spec: string, store: ModelStore, what = 'painting'): string {
  if (typeof spec !== 'string' || !spec.trim())
    throw new ArgumentError(
      what,
      `must be an image file or a bundled painting's name, got ${spec === null ? 'null' : typeof spec === 'string' ? 'an empty name' : typeof spec}`,
    );
  if (existsSync(spec) || !/^[\w-]+$/.test(spec)) return spec;
  const dir = paintingsDir(store);
  const hit = existsSync(dir) ? readdirSync(dir).find((f) => f.replace(/\.[^.]+$/, '') === spec) : undefined;
  if (hit) return path.join(dir, hit);
  const names = paintingNames(store);
  throw new Error(
    `${what} ${spec}: no such file, and not a bundled painting (${names.length ? names.join(', ') : `none in ${dir}: the paintings are found beside the models folder; set DEPTHSTYLE_MODELS or --models to where they are`})`,
  );
}

/**
 * Google's network, ours with the depth loss, and its twin without it (the same fine-tune: what the depth term does);
 * `magenta-clean-*` are the licence-clean pair (the six-paintings preset: Debian wallpapers and public-domain
 * paintings, so Apache-2.0 like Google's).
 */
export const ARBITRARY_NETWORKS = ['original', 'magenta-depth', 'magenta-nodepth', 'magenta-clean-depth', 'magenta-clean-nodepth'] as const;
export type ArbitraryNetwork = (typeof ARBITRARY_NETWORKS)[number];
/**
 * The transfer network `--style` runs (the CLI, the library, the server and the page) unless told otherwise:
 * magenta-clean-depth, Google's network fine-tuned with the depth loss on licence-clean data only (Debian
 * wallpapers, public-domain paintings), so Apache-2.0 like Google's. Decision 4 (docs/splits.md): the default must
 * be usable in products; on dev (12 photos × 8 paintings) it raised depth-edge contrast by +0.028 [+0.019, +0.036]
 * over Google's network, both network judges up, at ×0.92 style (its twin: −0.002); on test, judged once, +0.031
 * [+0.023, +0.041] at ×0.83. `magenta-depth` (fine-tuned across 66 paintings, research use) stays on offer.
 */
export const DEFAULT_ARBITRARY_NETWORK: ArbitraryNetwork = 'magenta-clean-depth';
/**
 * Where each fine-tuned network lives in the zoo (the folder of the preset that trained it, src/train/arbitrary.ts;
 * a test keeps the two in step) and which twin it is.
 */
export const FINETUNED_NETWORKS: Record<Exclude<ArbitraryNetwork, 'original'>, { dir: string; preset: string; twin: 'depth' | 'nodepth' }> = {
  'magenta-depth': { dir: 'arbitrary', preset: 'train-split', twin: 'depth' },
  'magenta-nodepth': { dir: 'arbitrary', preset: 'train-split', twin: 'nodepth' },
  'magenta-clean-depth': { dir: 'arbitrary/clean', preset: 'six-paintings', twin: 'depth' },
  'magenta-clean-nodepth': { dir: 'arbitrary/clean', preset: 'six-paintings', twin: 'nodepth' },
};
/** Where a fine-tuned transfer network lives. */
export function finetunedTransferFile(name: Exclude<ArbitraryNetwork, 'original'>): string {
  if (!Object.hasOwn(FINETUNED_NETWORKS, name))
    throw new ArgumentError('network', `"${String(name).slice(0, 60)}" is not an arbitrary-style network (${ARBITRARY_NETWORKS.join(', ')})`);
  const { dir, twin } = FINETUNED_NETWORKS[name];
  return path.join(zooDir(), dir, `magenta-${twin}.onnx`);
}

/** A transfer network's licence, from its file's metadata (a fine-tune records its own); Google's otherwise. */
export function transferLicence(transfer: Uint8Array): string {
  const props = readOnnx(transfer, 'style transfer network').metadataProps ?? [];
  return [...props].reverse().find((p) => p.key === 'licence')?.value ?? ARBITRARY.licence;
}

/** A transfer network's ONNX bytes: Google's (converted once and cached) or one of ours. */
export async function transferOnnx(network: ArbitraryNetwork, store: ModelStore): Promise<Uint8Array> {
  if (network === 'original') return arbitraryOnnx('transfer', store);
  const file = finetunedTransferFile(network);
  return new Uint8Array(
    await readFile(file).catch(() => {
      throw new Error(`${file}: the fine-tuned network is missing (scripts/finetune-arbitrary.ts makes it)`);
    }),
  );
}

export interface ArbitraryOptions {
  /** Weights of the paintings when several are mixed (normalized to sum 1; default equal). */
  weights?: readonly number[];
  /** 0..1: the painting's style vector interpolated toward the photo's own (default 1: the painting's). */
  strength?: number;
}

/** The two networks, loaded once; style vectors computed once per painting (memory and disk cache). */
export class ArbitraryStylist {
  private readonly memo = new Map<string, StyleVector>();
  private constructor(
    readonly predictor: StylePredictor,
    readonly transfer: Uint8Array,
    private readonly predictorKey: string,
    /** What users may do with the transfer network's weights (its file's licence metadata). */
    readonly licence: string,
  ) {}

  /**
   * `network`: DEFAULT_ARBITRARY_NETWORK unless given: ours fine-tuned across the train paintings with the depth loss
   * (DEFAULT_ARBITRARY_NETWORK), another of ours (ARBITRARY_NETWORKS), or Google's transfer network ('original').
   */
  static async load(store = new ModelStore(), runtime = new G.Runtime(), network: ArbitraryNetwork = DEFAULT_ARBITRARY_NETWORK): Promise<ArbitraryStylist> {
    return ArbitraryStylist.withTransfer(await transferOnnx(network, store), store, runtime);
  }

  /** Google's predictor with any transfer network of the same shape (a fine-tune under evaluation, say). */
  static async withTransfer(transfer: Uint8Array, store = new ModelStore(), runtime = new G.Runtime()): Promise<ArbitraryStylist> {
    const p = await arbitraryOnnx('predictor', store);
    return new ArbitraryStylist(new StylePredictor(p, runtime), transfer, sha256(p).slice(0, 16), transferLicence(transfer));
  }

  /** The style vector of an image file (a painting, or a photo for strength), by content hash. */
  async styleOfFile(file: string): Promise<StyleVector> {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch {
      throw new Error(`${file}: no such file`);
    }
    const hash = sha256(bytes);
    const hit = this.memo.get(hash);
    if (hit) return hit;
    const { bytes: vec } = await cached(`style-${hash.slice(0, 24)}.f32`, `${hash}:${this.predictorKey}`, async () => {
      const v = await this.predictor.predict(await paintingSquare(file));
      return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    });
    const v = new Float32Array(Uint8Array.from(vec).buffer);
    if (v.length !== ARBITRARY.styleSize || v.some((x) => !Number.isFinite(x))) throw new Error(`${file}: the style predictor gave no usable style vector`);
    this.memo.set(hash, v);
    return v;
  }

  /** The style vector of an image in memory (the photo itself, for strength): not cached. */
  styleOf(img: RgbImage): Promise<StyleVector> {
    return this.predictor.predict(img);
  }

  /** The paintings' mixed vector, at `strength` toward the photo's own vector. */
  async styleFor(paintings: readonly string[], photo: RgbImage | undefined, o: ArbitraryOptions = {}): Promise<StyleVector> {
    const mixed = mixStyles(await Promise.all(paintings.map((f) => this.styleOfFile(f))), o.weights);
    const strength = o.strength ?? 1;
    if (strength >= 1) return mixed;
    if (!photo) throw new Error('a strength below 1 needs the photo');
    return styleAtStrength(mixed, await this.styleOf(photo), strength);
  }

  /** The network at `style`; with `photoStyle`, strength in the features (a strength plane mixes the two per pixel). */
  model(style: StyleVector, name: string, photoStyle?: StyleVector): TransformModel {
    return arbitraryTransformModel(this.transfer, style, name, { photoStyle });
  }

  release(): Promise<void> {
    return this.predictor.release();
  }
}
