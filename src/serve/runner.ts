// What runs a job, wherever it runs: the server's inference thread (worker.ts) and a queue worker on any machine
// (redis-queue.ts) hold one of these. It keeps the networks loaded between jobs (a failed load is tried again)
// and runs each job through the one recipe (pipeline.ts).
import * as G from '../graph/index.js';
import { colorizeDepth, normalizeDepth } from '../io/colormap.js';
import type { RgbImage } from '../io/rgb.js';
import { DepthEstimator, loadDepthModel, type DepthModel } from '../models/depth.js';
import type { ModelStore } from '../models/resolver.js';
import { ArbitraryStylist, resolvePainting } from '../stylize/arbitrary.node.js';
import { loadTransformModel } from '../stylize/models.js';
import type { TransformModel } from '../stylize/stylize.js';
import { StylizePipeline, type PipelineNetwork } from '../stylize/pipeline.js';
import { resolveStylizeOptions, type StylizeSettingsGiven } from '../stylize/options.js';

/** What a job asks for: stylize with a model spec (a zoo file or baseline:NAME) or paintings, or measure depth. */
export interface JobSpec {
  kind: 'stylize' | 'depth';
  photo: RgbImage;
  /** What `loadTransformModel` takes: a zoo model's file or `baseline:NAME`. */
  modelSpec?: string;
  /** Bundled paintings by name and uploaded ones (each as the predictor's 256-px square), mixed by `weights` (named first). */
  paintings?: { names?: string[]; uploads?: RgbImage[]; weights?: number[] };
  /** The settings as asked; resolved here against the defaults and the network's own (resolveStylizeOptions). */
  settings: StylizeSettingsGiven;
}

export class JobRunner {
  private readonly models = new Map<string, Promise<TransformModel>>();
  private depthModel?: Promise<DepthModel>;
  private stylist?: Promise<ArbitraryStylist>;
  readonly runtime: G.Runtime;

  constructor(
    readonly store: ModelStore,
    threads?: number,
  ) {
    this.runtime = new G.Runtime({ threads });
  }

  /** A promise kept for the next job, unless it failed: a failed load is tried again. */
  private static keep<T>(p: Promise<T>, forget: () => void): Promise<T> {
    p.catch(forget);
    return p;
  }

  private modelOf(spec: string): Promise<TransformModel> {
    let m = this.models.get(spec);
    if (!m) this.models.set(spec, (m = JobRunner.keep(loadTransformModel(spec, this.store), () => this.models.delete(spec))));
    return m;
  }
  private depth = (): Promise<DepthModel> =>
    (this.depthModel ??= JobRunner.keep(loadDepthModel('pydnet-v2', { store: this.store }), () => (this.depthModel = undefined)));
  private arbitrary = (): Promise<ArbitraryStylist> =>
    (this.stylist ??= JobRunner.keep(ArbitraryStylist.load(this.store, this.runtime), () => (this.stylist = undefined)));

  /**
   * Runs a job; `check` is called between steps (with the tiles done, when known) and throws to stop it: ONNX
   * Runtime cannot be interrupted mid-run.
   */
  async run(job: JobSpec, check: (done?: number, total?: number) => void = () => {}): Promise<RgbImage> {
    const { photo } = job;
    check();
    if (job.kind === 'depth') {
      const dm = await this.depth();
      const est = new DepthEstimator(dm, this.runtime);
      try {
        return colorizeDepth(normalizeDepth(await est.estimate(photo), dm.polarity), photo.width, photo.height);
      } finally {
        await est.release();
      }
    }
    // The one recipe (pipeline.ts), from the networks kept loaded between jobs.
    let network: PipelineNetwork;
    if (job.paintings) {
      const s = await this.arbitrary();
      const p = job.paintings;
      const styles = [
        ...(await Promise.all((p.names ?? []).map((n) => s.styleOfFile(resolvePainting(n, this.store))))),
        ...(await Promise.all((p.uploads ?? []).map((u) => s.predictor.predict(u)))),
      ];
      const name = [...(p.names ?? []), ...(p.uploads ?? []).map(() => 'upload')].join('+');
      network = { kind: 'painting', name, transfer: s.transfer, predictor: s.predictor, styles, weights: p.weights, licence: s.licence };
    } else network = { kind: 'model', model: await this.modelOf(job.modelSpec!) };
    check();
    const settings = resolveStylizeOptions(network.kind, job.settings);
    // A pipeline per job: its sessions (one per image size) are freed when it is done; the predictor stays.
    const pipeline = new StylizePipeline(network, { runtime: this.runtime, depthModel: this.depth }, settings);
    try {
      return await pipeline.run(photo, {}, check);
    } finally {
      await pipeline.dispose();
    }
  }
}
