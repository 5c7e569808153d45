// Reader for TF.js layers models (model.json + binary weight shards), with
// uint8 weight dequantization: value = byte · scale + min.
import type { ModelStore } from './resolver.js';

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale: number; min: number };
}
interface Manifest {
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
}

export interface TfjsWeights {
  /** Source files' checksums, in read order (for cache keys). */
  checksums: string[];
  weights: Map<string, { shape: number[]; data: Float32Array }>;
}

export async function readTfjsLayersWeights(store: ModelStore, dir: string): Promise<TfjsWeights> {
  const mj = await store.read(`${dir}/model.json`);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(new TextDecoder().decode(mj.bytes)) as Manifest;
  } catch {
    throw new Error(`${mj.path}: not valid JSON`);
  }
  if (!Array.isArray(manifest.weightsManifest)) throw new Error(`${mj.path}: no weightsManifest`);
  const checksums = [mj.sha256];
  const weights = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const group of manifest.weightsManifest) {
    // A group's shards are one byte stream, split into files.
    const shards = [];
    for (const p of group.paths) {
      const f = await store.read(`${dir}/${p}`);
      checksums.push(f.sha256);
      shards.push(f.bytes);
    }
    const total = shards.reduce((n, s) => n + s.length, 0);
    const stream = new Uint8Array(total);
    let off = 0;
    for (const s of shards) {
      stream.set(s, off);
      off += s.length;
    }
    let pos = 0;
    for (const w of group.weights) {
      const n = w.shape.reduce((a, b) => a * b, 1);
      const q = w.quantization;
      const bytes = q ? n * (q.dtype === 'uint8' ? 1 : 2) : n * 4;
      if (pos + bytes > total)
        throw new Error(`${mj.path}: weight ${w.name} runs past the end of its shards (${total} bytes); a shard is missing or truncated`);
      const data = new Float32Array(n);
      if (q) {
        if (q.dtype !== 'uint8') throw new Error(`${mj.path}: ${w.name}: ${q.dtype} quantization is not supported`);
        for (let i = 0; i < n; i++) data[i] = stream[pos + i] * q.scale + q.min;
      } else {
        if (w.dtype !== 'float32') throw new Error(`${mj.path}: ${w.name}: dtype ${w.dtype} is not supported`);
        const dv = new DataView(stream.buffer, pos, bytes);
        for (let i = 0; i < n; i++) data[i] = dv.getFloat32(4 * i, true);
      }
      weights.set(w.name, { shape: w.shape, data });
      pos += bytes;
    }
    // Trailing bytes are allowed: a manifest truncated after some layers (as
    // ours is, at block5_pool) still lists all shards of the stream.
  }
  return { checksums, weights };
}

/** HWIO (TF) → OIHW (ONNX) kernel layout. */
export function hwioToOihw(data: Float32Array, [kh, kw, ci, co]: readonly number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) out[((o * ci + i) * kh + y) * kw + x] = data[((y * kw + x) * ci + i) * co + o];
  return out;
}
