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

/** Index map from an output position to the flat index of a broadcast input. */
export function broadcastIndexer(inShape: Shape, outShape: Shape): (outFlat: number) => number {
  const n = outShape.length;
  const padded = [...new Array<number>(n - inShape.length).fill(1), ...inShape];
  const inStrides = stridesOf(padded);
  const outStrides = stridesOf(outShape);
  return (flat: number) => {
    let idx = 0;
    let rem = flat;
    for (let i = 0; i < n; i++) {
      const c = Math.floor(rem / outStrides[i]);
      rem -= c * outStrides[i];
      if (padded[i] !== 1) idx += c * inStrides[i];
    }
    return idx;
  };
}
