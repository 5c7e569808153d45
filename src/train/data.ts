// Training images from any folder, recursively: a seeded shuffle per epoch,
// random square crops resized to the training size, read one batch at a time
// (COCO-sized folders are never loaded whole). Unreadable files are skipped
// with one warning each and counted, so a multi-hour run never dies on one.
import sharp from 'sharp';
import { Rng } from '../optim/random.js';

export interface DataState {
  epoch: number;
  index: number;
  rng: number;
  skipped: number;
}

export class ImageFolder {
  private order: number[] = [];
  readonly skippedFiles = new Set<string>();
  private state: DataState;

  constructor(
    readonly files: readonly string[],
    readonly size: number,
    seed: number,
    private readonly warn: (msg: string) => void = (m) => process.stderr.write(`\n${m}\n`),
  ) {
    this.state = { epoch: 0, index: 0, rng: new Rng(seed).state, skipped: 0 };
    this.shuffle();
  }

  private shuffle(): void {
    // The epoch's order depends only on the seed and the epoch number.
    const rng = new Rng((this.state.rng ^ Math.imul(this.state.epoch + 1, 0x9e3779b1)) >>> 0);
    this.order = this.files.map((_, i) => i);
    for (let i = this.order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [this.order[i], this.order[j]] = [this.order[j], this.order[i]];
    }
  }

  get dataState(): DataState {
    return { ...this.state };
  }

  restore(s: DataState): void {
    this.state = { ...s };
    this.shuffle();
  }

  /** One random crop (a seeded square of 60–100 % of the short side), resized to size×size, planar RGB 0–255. */
  private async crop(file: string, rng: Rng): Promise<Float32Array | undefined> {
    try {
      const img = sharp(file, { failOn: 'truncated' }).rotate();
      const meta = await img.metadata();
      const [w, h] = (meta.orientation ?? 1) >= 5 ? [meta.height!, meta.width!] : [meta.width!, meta.height!];
      const side = Math.max(1, Math.floor(Math.min(w, h) * rng.uniform(0.6, 1)));
      const left = rng.int(w - side + 1);
      const top = rng.int(h - side + 1);
      const raw = await img
        .extract({ left, top, width: side, height: side })
        .resize(this.size, this.size, { fit: 'fill' })
        .removeAlpha()
        .toColourspace('srgb')
        .raw()
        .toBuffer();
      const n = this.size * this.size;
      const out = new Float32Array(3 * n);
      for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) out[c * n + i] = raw[3 * i + c];
      return out;
    } catch (err) {
      if (!this.skippedFiles.has(file)) {
        this.skippedFiles.add(file);
        this.state.skipped++;
        this.warn(`warning: skipping ${file}: ${(err as Error).message.split('\n')[0]}`);
      }
      return undefined;
    }
  }

  /** The next batch [B, 3, size, size]; deterministic given the seed and the state. */
  async next(batch: number): Promise<Float32Array> {
    const n = 3 * this.size * this.size;
    const out = new Float32Array(batch * n);
    let filled = 0;
    let misses = 0;
    while (filled < batch) {
      if (this.state.index >= this.order.length) {
        this.state.epoch++;
        this.state.index = 0;
        this.shuffle();
      }
      const k = this.state.index++;
      const file = this.files[this.order[k]];
      const rng = new Rng((this.state.rng + Math.imul(this.state.epoch * this.files.length + k + 1, 0x85ebca6b)) >>> 0);
      const img = this.skippedFiles.has(file) ? undefined : await this.crop(file, rng);
      if (!img) {
        if (++misses > this.files.length) throw new Error('no readable training images left');
        continue;
      }
      out.set(img, filled * n);
      filled++;
    }
    return out;
  }
}
