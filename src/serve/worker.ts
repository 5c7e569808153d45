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
import { mixStyles, styleAtStrength } from '../stylize/arbitrary.js';
import { depthStrengthFor, type DepthStrengthChoice } from '../stylize/depth-strength.js';
import { loadTransformModel } from '../stylize/models.js';
import { Stylizer, finishStylization, stylizeStrokes, type TransformModel } from '../stylize/stylize.js';
import type { DepthStrokes } from '../stylize/strokes.js';
import type { PreserveColor } from '../stylize/color.js';

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
  strength: number;
  /** As asked; resolved against DEFAULT_DEPTH_STRENGTH for the kind of network. */
  depthStrength?: DepthStrengthChoice;
  preserveColor?: PreserveColor;
  strokeScale?: number;
  depthStrokes?: DepthStrokes;
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
    let net: TransformModel;
    const depthStrength = depthStrengthFor(job.paintings ? 'painting' : 'model', job.depthStrength);
    if (job.paintings) {
      const s = await arbitrary();
      const p = job.paintings;
      const vectors = [
        ...(await Promise.all((p.names ?? []).map((n) => s.styleOfFile(resolvePainting(n, store))))),
        ...(await Promise.all((p.uploads ?? []).map((u) => s.predictor.predict(u)))),
      ];
      let style = mixStyles(vectors, p.weights);
      const own = job.strength < 1 || depthStrength ? await s.styleOf(photo) : undefined;
      if (job.strength < 1) style = styleAtStrength(style, own!, job.strength);
      // Depth-guided strength acts in the network's features: each pixel's style between the painting's and the photo's.
      net = s.model(style, [...(p.names ?? []), ...(p.uploads ?? []).map(() => 'upload')].join('+'), depthStrength ? own : undefined);
    } else net = await modelOf(job.modelSpec!);
    check(job);
    // A stylizer per job: its sessions (one per image size) are freed when it is done.
    const stylizer = new Stylizer(net, runtime);
    try {
      const dm = depthStrength || job.depthStrokes ? await depth() : undefined;
      const out = await stylizeStrokes(
        stylizer,
        photo,
        { strokeScale: job.strokeScale, depthStrokes: job.depthStrokes, depthStrength, depthModel: dm, runtime },
        () => check(job),
      );
      check(job);
      // A painting's strength already acted on its style vector.
      return await finishStylization(out, photo, {
        strength: job.paintings ? 1 : job.strength,
        depthStrength,
        depthModel: dm,
        preserveColor: job.preserveColor,
        runtime,
        model: net,
      });
    } finally {
      await stylizer.release();
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
