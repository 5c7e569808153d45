// The server's inference thread: every network runs here, never on the HTTP thread, so the page, the health
// probe and the model files are answered while a job runs. One job at a time (ONNX Runtime already uses every
// core); the main thread queues, admits and cancels. Models load on first use and a failed load is retried.
import { parentPort, workerData } from 'node:worker_threads';
import * as G from '../graph/index.js';
import { colorizeDepth, normalizeDepth } from '../io/colormap.js';
import type { RgbImage } from '../io/rgb.js';
import { DepthEstimator, loadDepthModel, type DepthModel } from '../models/depth.js';
import { ModelStore } from '../models/resolver.js';
import { ArbitraryStylist, resolvePainting } from '../stylize/arbitrary.node.js';
import { loadTransformModel } from '../stylize/models.js';
import type { TransformModel } from '../stylize/stylize.js';
import { StylizePipeline, type PipelineNetwork } from '../stylize/pipeline.js';
import { resolveStylizeOptions, type StylizeSettingsGiven } from '../stylize/options.js';

export interface WorkerInit {
  storeDir: string;
  threads?: number;
}

/** A job: stylize with a model spec (a zoo file or baseline:NAME) or paintings, or measure depth. */
export interface Job {
  id: number;
  kind: 'stylize' | 'depth';
  photo: RgbImage;
  /** What `loadTransformModel` takes: a zoo model's file or `baseline:NAME`. */
  modelSpec?: string;
  /** Bundled paintings by name and uploaded ones (each as the predictor's 256-px square), mixed by `weights` (named first). */
  paintings?: { names?: string[]; uploads?: RgbImage[]; weights?: number[] };
  /** The settings as asked; resolved here against the defaults and the network's own (resolveStylizeOptions). */
  settings: StylizeSettingsGiven;
}

export type JobReply = { id: number; ok: true; image: RgbImage } | { id: number; ok: false; error: string; cancelled?: boolean };

/** The main thread's word that a job's request is gone. */
export interface CancelMessage {
  cancel: number;
}

class Cancelled extends Error {}

function start(init: WorkerInit): void {
  const store = new ModelStore(init.storeDir);
  const runtime = new G.Runtime({ threads: init.threads });
  const models = new Map<string, Promise<TransformModel>>();
  let depthModel: Promise<DepthModel> | undefined;
  let stylist: Promise<ArbitraryStylist> | undefined;
  /** A promise kept for the next job, unless it failed: a failed load is tried again. */
  const keep = <T>(p: Promise<T>, forget: () => void): Promise<T> => {
    p.catch(forget);
    return p;
  };

  const modelOf = (spec: string) => {
    let m = models.get(spec);
    if (!m) models.set(spec, (m = keep(loadTransformModel(spec, store), () => models.delete(spec))));
    return m;
  };
  const depth = () => (depthModel ??= keep(loadDepthModel('pydnet-v2', { store }), () => (depthModel = undefined)));
  const arbitrary = () => (stylist ??= keep(ArbitraryStylist.load(store, runtime), () => (stylist = undefined)));

  const cancelled = new Set<number>();
  /** ONNX Runtime cannot be interrupted mid-run (ending the thread then aborts the process), so a job stops between steps. */
  const check = (job: Job) => {
    if (cancelled.has(job.id)) throw new Cancelled('cancelled');
  };

  const run = async (job: Job): Promise<RgbImage> => {
    const { photo } = job;
    check(job);
    if (job.kind === 'depth') {
      const dm = await depth();
      const est = new DepthEstimator(dm, runtime);
      try {
        return colorizeDepth(normalizeDepth(await est.estimate(photo), dm.polarity), photo.width, photo.height);
      } finally {
        await est.release();
      }
    }
    // The one recipe (pipeline.ts), from the networks this thread keeps loaded between jobs.
    let network: PipelineNetwork;
    if (job.paintings) {
      const s = await arbitrary();
      const p = job.paintings;
      const styles = [
        ...(await Promise.all((p.names ?? []).map((n) => s.styleOfFile(resolvePainting(n, store))))),
        ...(await Promise.all((p.uploads ?? []).map((u) => s.predictor.predict(u)))),
      ];
      const name = [...(p.names ?? []), ...(p.uploads ?? []).map(() => 'upload')].join('+');
      network = { kind: 'painting', name, transfer: s.transfer, predictor: s.predictor, styles, weights: p.weights, licence: s.licence };
    } else network = { kind: 'model', model: await modelOf(job.modelSpec!) };
    check(job);
    const settings = resolveStylizeOptions(network.kind, job.settings);
    // A pipeline per job: its sessions (one per image size) are freed when it is done; the predictor stays.
    const pipeline = new StylizePipeline(network, { runtime, depthModel: depth }, settings);
    try {
      return await pipeline.run(photo, {}, () => check(job));
    } finally {
      await pipeline.dispose();
    }
  };

  parentPort!.on('message', (m: Job | CancelMessage) => {
    if ('cancel' in m) return void cancelled.add(m.cancel);
    const job = m;
    run(job)
      .then(
        (image) => parentPort!.postMessage({ id: job.id, ok: true, image } satisfies JobReply, [image.data.buffer as ArrayBuffer]),
        (err: unknown) =>
          parentPort!.postMessage({
            id: job.id,
            ok: false,
            error: err instanceof Error ? err.message : String(err),
            cancelled: err instanceof Cancelled,
          } satisfies JobReply),
      )
      .finally(() => cancelled.delete(job.id));
  });
}

if (parentPort) start(workerData as WorkerInit);
