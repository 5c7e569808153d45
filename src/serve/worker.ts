// The server's inference thread: every network runs here, never on the HTTP thread, so the page, the health
// probe and the model files are answered while a job runs. One job at a time (ONNX Runtime already uses every
// core); the main thread queues, admits and cancels. Models load on first use and a failed load is retried.
import { parentPort, workerData } from 'node:worker_threads';
import type { RgbImage } from '../io/rgb.js';
import { ModelStore } from '../models/resolver.js';
import { JobRunner, type JobSpec } from './runner.js';

export interface WorkerInit {
  storeDir: string;
  threads?: number;
}

/** A job of the inference thread: a job spec and its number. */
export interface Job extends JobSpec {
  id: number;
}

export type JobReply = { id: number; ok: true; image: RgbImage } | { id: number; ok: false; error: string; cancelled?: boolean };

/** The main thread's word that a job's request is gone. */
export interface CancelMessage {
  cancel: number;
}

class Cancelled extends Error {}

function start(init: WorkerInit): void {
  const runner = new JobRunner(new ModelStore(init.storeDir), init.threads);
  const cancelled = new Set<number>();
  /** ONNX Runtime cannot be interrupted mid-run (ending the thread then aborts the process), so a job stops between steps. */
  const check = (job: Job) => () => {
    if (cancelled.has(job.id)) throw new Cancelled('cancelled');
  };
  const run = (job: Job) => runner.run(job, check(job));

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
