// A minimal dense array used by the float64 reference evaluator, by tests and
// at the boundary with ONNX Runtime. Row-major, like ONNX.

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export class NDArray {
  readonly shape: number[];
  readonly data: Float64Array;
  constructor(shape: Shape, data?: ArrayLike<number>) {
    this.shape = [...shape];
    const n = sizeOf(shape);
    if (data && data.length !== n) {
      throw new Error(`NDArray: ${data.length} values do not fill shape [${shape.join(', ')}] (${n})`);
    }
    this.data = data ? Float64Array.from(data) : new Float64Array(n);
  }
  get size(): number {
    return this.data.length;
  }
  static filled(shape: Shape, value: number): NDArray {
    const a = new NDArray(shape);
    a.data.fill(value);
    return a;
  }
  toFloat32(): Float32Array {
    return Float32Array.from(this.data);
  }
}

/** Broadcast shape by numpy rules; throws a message naming both shapes. */
export function broadcastShapes(a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Index map from an output position to a flat input index, Σ_k (start_k + c_k·step_k)·inStride_k over the
 * output's coordinates c: the one strided walk behind broadcasting, transposes and slices.
 */
export function stridedIndexer(outShape: Shape, inStride: readonly number[], start?: readonly number[], step?: readonly number[]): (outFlat: number) => number {
  const n = outShape.length;
  const outStrides = stridesOf(outShape);
  const base = start ? start.reduce((a, s, k) => a + s * inStride[k], 0) : 0;
  const mult = inStride.map((s, k) => s * (step?.[k] ?? 1));
  return (flat: number) => {
    let idx = base;
    let rem = flat;
    for (let k = 0; k < n; k++) {
      const c = Math.floor(rem / outStrides[k]);
      rem -= c * outStrides[k];
      idx += c * mult[k];
    }
    return idx;
  };
}

/** Index map from an output position to the flat index of a broadcast input. */
export function broadcastIndexer(inShape: Shape, outShape: Shape): (outFlat: number) => number {
  const padded = [...new Array<number>(outShape.length - inShape.length).fill(1), ...inShape];
  const inStrides = stridesOf(padded);
  return stridedIndexer(
    outShape,
    padded.map((d, k) => (d === 1 ? 0 : inStrides[k])),
  );
}
