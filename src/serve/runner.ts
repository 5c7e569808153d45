// What runs a job, wherever it runs: the server's inference thread (worker.ts) and a queue worker on any machine
// (redis-queue.ts) hold one of these. It keeps the networks loaded between jobs (a failed load is tried again)
// and runs each job through the one recipe (pipeline.ts).
import * as G from '../graph/index.js';
import { colorizeDepth, normalizeDepth } from '../io/colormap.js';
import type { RgbImage } from '../io/rgb.js';
import { DepthEstimator, loadDepthModel, type DepthModel } from '../models/depth.js';
import type { ModelStore } from '../models/resolver.js';
import { ArbitraryStylist, DEFAULT_ARBITRARY_NETWORK, resolvePainting, type ArbitraryNetwork } from '../stylize/arbitrary.node.js';
import { loadTransformModel } from '../stylize/models.js';
import type { TransformModel } from '../stylize/stylize.js';
import { StylizePipeline, type PipelineNetwork } from '../stylize/pipeline.js';
import { resolveStylizeOptions, type StylizeSettingsGiven } from '../stylize/options.js';
import { depthStrengthFor } from '../stylize/depth-strength.js';
import { stylizeFrames, type Stabilization } from '../stylize/video.js';

/** What a job asks for: stylize with a model spec (a zoo file or baseline:NAME) or paintings, or measure depth. */
export interface JobSpec {
  kind: 'stylize' | 'depth';
  photo: RgbImage;
  /** What `loadTransformModel` takes: a zoo model's file or `baseline:NAME`. */
  modelSpec?: string;
  /** Bundled paintings by name and uploaded ones (each as the predictor's 256-px square), mixed by `weights` (named first). */
  paintings?: { names?: string[]; uploads?: RgbImage[]; weights?: number[]; network?: ArbitraryNetwork };
  /** The settings as asked; resolved here against the defaults and the network's own (resolveStylizeOptions). */
  settings: StylizeSettingsGiven;
}

export class JobRunner {
  private readonly models = new Map<string, Promise<TransformModel>>();
  private depthModel?: Promise<DepthModel>;
  private readonly stylists = new Map<ArbitraryNetwork, Promise<ArbitraryStylist>>();
  readonly runtime: G.Runtime;

  constructor(
    readonly store: ModelStore,
    threads?: number,
  ) {
    // Idle threads do not spin: a clip segment's stabilizer thread runs beside the network (2.47 → 2.83 fps for the
    // CLI's clips), and photos lose nothing (the arbitrary network at 512² 78–84 ms either way, 2026-12-07).
    this.runtime = new G.Runtime({ threads, spinning: false });
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
  private arbitrary(network: ArbitraryNetwork = DEFAULT_ARBITRARY_NETWORK): Promise<ArbitraryStylist> {
    let s = this.stylists.get(network);
    if (!s) this.stylists.set(network, (s = JobRunner.keep(ArbitraryStylist.load(this.store, this.runtime, network), () => this.stylists.delete(network))));
    return s;
  }

  /** The job's network, from those kept loaded between jobs: the one recipe (pipeline.ts) takes it. */
  private async network(job: JobSpec): Promise<PipelineNetwork> {
    if (!job.paintings) return { kind: 'model', model: await this.modelOf(job.modelSpec!) };
    const p = job.paintings;
    const s = await this.arbitrary(p.network);
    const styles = [
      ...(await Promise.all((p.names ?? []).map((n) => s.styleOfFile(resolvePainting(n, this.store))))),
      ...(await Promise.all((p.uploads ?? []).map((u) => s.predictor.predict(u)))),
    ];
    const name = [...(p.names ?? []), ...(p.uploads ?? []).map(() => 'upload')].join('+');
    return { kind: 'painting', name, transfer: s.transfer, predictor: s.predictor, styles, weights: p.weights, licence: s.licence };
  }

  /**
   * A clip's frames stylized as `stylize CLIP` does: one network for the whole clip, set from `job.photo` (the
   * clip's first frame: a painting's strength moves its vector toward it), stabilized across the frames given.
   */
  async *runFrames(job: JobSpec, frames: AsyncIterable<RgbImage>, stabilize: Stabilization): AsyncGenerator<RgbImage> {
    const settings = { ...job.settings, depthStrength: job.settings.depthStrength ?? 'off' };
    const pipeline = new StylizePipeline(
      await this.network(job),
      { runtime: this.runtime, depthModel: this.depth },
      resolveStylizeOptions(job.paintings ? 'painting' : 'model', settings),
    );
    const depthStrength = depthStrengthFor('clip', job.settings.depthStrength);
    const model = await pipeline.modelAt(job.photo, { depthStrength });
    const depthModel = depthStrength || job.settings.depthStrokes ? await pipeline.depthModel() : undefined;
    await pipeline.dispose();
    yield* stylizeFrames(frames, model, { ...job.settings, depthStrength, runtime: this.runtime, depthModel, stabilize });
  }

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
    const network = await this.network(job);
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
