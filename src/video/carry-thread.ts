// The flow stabilizer on a thread of its own, so that optical flow, warping and blending run while the network
// paints (ONNX Runtime's run holds the main thread). Frames and outputs are handed over in order: `frame(f)`
// as soon as a frame is read (its carry is prepared while the network runs), then `output(out)` resolves to
// the stabilized output. The next frame may be handed over before that output is back: its network run then
// overlaps this frame's blend.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { RgbImage } from '../io/rgb.js';
import type { CarryReply, CarryRequest } from './carry-worker.js';

const here = fileURLToPath(import.meta.url);
const WORKER = path.join(path.dirname(here), here.endsWith('.ts') ? 'carry-boot.mjs' : 'carry-worker.js');

export class CarryThread {
  private readonly worker = new Worker(WORKER);
  private readonly waiting: { resolve: (r: { image: RgbImage; profile: Record<string, number> }) => void; reject: (e: Error) => void }[] = [];
  private failed?: Error;

  /** `blend` and `keepFinest`: see blendCarried. */
  constructor(
    private readonly blend: number,
    private readonly keepFinest = false,
  ) {
    // A consumer that stops reading without closing the generator must not keep the process alive.
    this.worker.unref();
    this.worker.on('message', (r: CarryReply) => {
      const w = this.waiting.shift();
      if (r.ok) w?.resolve({ image: r.image, profile: r.profile });
      else w?.reject(new Error(`stabilizer: ${r.error}`));
    });
    const fail = (err: Error) => {
      this.failed ??= err;
      for (const w of this.waiting.splice(0)) w.reject(err);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the stabilizer thread stopped (exit ${code})`)));
  }

  /** The next source frame (copied: the caller keeps using it). */
  frame(frame: RgbImage): void {
    const copy = { width: frame.width, height: frame.height, data: frame.data.slice() };
    this.worker.postMessage({ kind: 'frame', frame: copy } satisfies CarryRequest, [copy.data.buffer as ArrayBuffer]);
  }

  /** The network's output for the last frame handed over (copied), stabilized. */
  output(out: RgbImage): Promise<{ image: RgbImage; profile: Record<string, number> }> {
    if (this.failed) return Promise.reject(this.failed);
    const reply = new Promise<{ image: RgbImage; profile: Record<string, number> }>((resolve, reject) => this.waiting.push({ resolve, reject }));
    const own = out.data.slice();
    this.worker.postMessage(
      { kind: 'output', out: { width: out.width, height: out.height, data: own }, blend: this.blend, keepFinest: this.keepFinest } satisfies CarryRequest,
      [own.buffer as ArrayBuffer],
    );
    return reply;
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}
