// The inference thread seen from the HTTP thread: jobs go to src/serve/worker.ts and their images come back,
// both transferred (not copied). A job whose request is gone is cancelled: it stops at its next step (ONNX
// Runtime cannot be interrupted mid-run; ending the thread then would abort the process).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { RgbImage } from '../io/rgb.js';
import type { CancelMessage, Job, JobReply, WorkerInit } from './worker.js';

const here = fileURLToPath(import.meta.url);
// In a source checkout the worker is TypeScript: a small entry registers tsx in its thread first.
const WORKER = path.join(path.dirname(here), here.endsWith('.ts') ? 'worker-boot.mjs' : 'worker.js');

export class InferenceThread {
  private worker?: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (img: RgbImage) => void; reject: (err: Error) => void; settled: Promise<unknown> }>();
  constructor(private readonly init: WorkerInit) {}

  private thread(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(WORKER, { workerData: this.init });
    w.on('message', (r: JobReply) => {
      const p = this.pending.get(r.id);
      this.pending.delete(r.id);
      if (r.ok) p?.resolve(r.image);
      else p?.reject(new Error(r.error));
    });
    const fail = (err: Error) => {
      if (this.worker === w) this.worker = undefined;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`the inference thread stopped (exit ${code})`)));
    this.worker = w;
    return w;
  }

  /** Runs a job; `signal` cancels it: not started, it never runs; running, it stops at its next step. */
  run(job: Omit<Job, 'id'>, signal?: AbortSignal): Promise<RgbImage> {
    const id = this.nextId++;
    const w = this.thread();
    let settle!: { resolve: (img: RgbImage) => void; reject: (err: Error) => void };
    const result = new Promise<RgbImage>((resolve, reject) => (settle = { resolve, reject }));
    this.pending.set(id, { ...settle, settled: result.catch(() => undefined) });
    {
      const transfer = [job.photo.data.buffer as ArrayBuffer, ...(job.paintings?.uploads ?? []).map((u) => u.data.buffer as ArrayBuffer)];
      w.postMessage({ ...job, id } satisfies Job, transfer);
      signal?.addEventListener('abort', () => w.postMessage({ cancel: id } satisfies CancelMessage), { once: true });
    }
    return result;
  }

  /** Cancels what is pending, waits (up to `graceMs`) for the job in progress to stop, then ends the thread. */
  async close(graceMs = 30_000): Promise<void> {
    const w = this.worker;
    if (!w) return;
    for (const id of this.pending.keys()) w.postMessage({ cancel: id } satisfies CancelMessage);
    const settled = Promise.all([...this.pending.values()].map((p) => p.settled));
    await Promise.race([settled, new Promise((r) => setTimeout(r, graceMs).unref())]);
    this.worker = undefined;
    await w.terminate();
  }
}
