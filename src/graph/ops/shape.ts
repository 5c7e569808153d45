// Layout ops: Reshape, Transpose, Concat, Slice, Pad, and the shape-following
// helpers (ReshapeLike, ExpandLike) that gradient rules use when a dimension
// is only known at run time.
import { Tensor, type Dim, type OpDef } from '../graph.js';
import { NDArray, stridesOf } from '../ndarray.js';
import { isStatic, normAxis, product, sameShape } from '../shapes.js';
import { add, unbroadcast } from './elementwise.js';
import { reduceSum } from './reduce.js';

// ---------------------------------------------------------------- Reshape
export interface ReshapeAttrs {
  /** Target shape: 0 copies the input dimension, -1 is inferred. */
  shape: readonly number[];
}

function resolveReshape(inShape: readonly Dim[], target: readonly number[]): Dim[] {
  const out: Dim[] = target.map((d, i) => (d === 0 ? inShape[i] : d));
  const minus = out.filter((d) => d === -1).length;
  if (minus > 1) throw new Error('at most one -1 in a reshape target');
  if (isStatic(inShape)) {
    const total = product(inShape);
    const known = product(out.filter((d) => d !== -1) as number[]);
    if (minus) {
      if (total % known !== 0) throw new Error(`cannot reshape ${total} elements to [${target.join(', ')}]`);
      out[out.indexOf(-1)] = total / known;
    } else if (known !== total) {
      throw new Error(`cannot reshape [${inShape.join(', ')}] (${total} elements) to [${target.join(', ')}]`);
    }
  } else if (minus) {
    out[out.indexOf(-1)] = `reshape${target.join('x')}`;
  }
  return out;
}

export const ReshapeOp: OpDef<ReshapeAttrs> = {
  type: 'Reshape',
  infer: ([x], { shape }) => [{ dtype: x.dtype, shape: resolveReshape(x.shape, shape) }],
  emit(e, [x], outputs, { shape }) {
    e.node('Reshape', [x, e.constInt64(shape)], outputs);
  },
  ref([x], { shape }) {
    return [new NDArray(resolveReshape(x.shape, shape) as number[], x.data)];
  },
  grad: ({ inputs: [x], dOutputs: [dy] }) => [isStatic(x.shape) ? reshape(dy!, x.shape) : reshapeLike(dy!, x)],
};

export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(x.shape, shape)) return x;
  return x.graph.apply(ReshapeOp, [x], { shape: [...shape] })[0];
}

export const ReshapeLikeOp: OpDef<object> = {
  type: 'ReshapeLike',
  infer([x, like]) {
    if (isStatic(x.shape) && isStatic(like.shape) && product(x.shape) !== product(like.shape)) {
      throw new Error(`cannot reshape [${x.shape.join(', ')}] like [${like.shape.join(', ')}]`);
    }
    return [{ dtype: x.dtype, shape: like.shape }];
  },
  emit(e, [x, like], outputs) {
    e.node('Reshape', [x, e.node('Shape', [like], 1)[0]], outputs);
  },
  ref: ([x, like]) => [new NDArray(like.shape, x.data)],
  grad: ({ inputs: [x], dOutputs: [dy] }) => [reshapeLike(dy!, x), undefined],
};

export function reshapeLike(x: Tensor, like: Tensor): Tensor {
  if (sameShape(x.shape, like.shape)) return x;
  return x.graph.apply(ReshapeLikeOp, [x, like], {})[0];
}

/** Broadcasts x to the shape of `like`. */
export const ExpandLikeOp: OpDef<object> = {
  type: 'ExpandLike',
  infer: ([x, like]) => [{ dtype: x.dtype, shape: like.shape }],
  emit(e, [x, like], outputs) {
    e.node('Expand', [x, e.node('Shape', [like], 1)[0]], outputs);
  },
  ref([x, like]) {
    const out = new NDArray(like.shape);
    const n = like.shape.length;
    const padded = [...new Array<number>(n - x.shape.length).fill(1), ...x.shape];
    const xs = stridesOf(padded);
    const os = stridesOf(like.shape);
    for (let i = 0; i < out.size; i++) {
      let idx = 0;
      let rem = i;
      for (let k = 0; k < n; k++) {
        const c = Math.floor(rem / os[k]);
        rem -= c * os[k];
        if (padded[k] !== 1) idx += c * xs[k];
      }
      out.data[i] = x.data[idx];
    }
    return [out];
  },
  grad: ({ inputs: [x], dOutputs: [dy] }) => [unbroadcast(dy!, x), undefined],
};

export function expandLike(x: Tensor, like: Tensor): Tensor {
  return x.graph.apply(ExpandLikeOp, [x, like], {})[0];
}

/** Crops the spatial axes (2, 3) of x to the size of `like`, which may be symbolic. */
export const CropLikeOp: OpDef<object> = {
  type: 'CropLike',
  infer([x, like]) {
    if (x.shape.length !== 4 || like.shape.length !== 4) throw new Error('CropLike takes NCHW tensors');
    return [{ dtype: x.dtype, shape: [x.shape[0], x.shape[1], like.shape[2], like.shape[3]] }];
  },
  emit(e, [x, like], outputs) {
    const hw = e.node('Slice', [e.node('Shape', [like], 1)[0], e.constInt64([2]), e.constInt64([4])], 1)[0];
    e.node('Slice', [x, e.constInt64([0, 0]), hw, e.constInt64([2, 3])], outputs);
  },
  ref([x, like]) {
    const [N, C, H, W] = x.shape;
    const [h, w] = [like.shape[2], like.shape[3]];
    const out = new NDArray([N, C, h, w]);
    for (let p = 0; p < N * C; p++) for (let y = 0; y < h; y++) for (let k = 0; k < w; k++) out.data[(p * h + y) * w + k] = x.data[(p * H + y) * W + k];
    return [out];
  },
  grad({ inputs: [x, like], dOutputs: [dy] }) {
    const [, , H, W] = x.staticShape('CropLike gradient');
    const [, , h, w] = like.staticShape('CropLike gradient');
    return [pad2d(dy!, [0, 0, H - h, W - w]), undefined];
  },
};

/** x cropped to the spatial size of `like` (a no-op when the sizes are known to match). */
export function cropLike(x: Tensor, like: Tensor): Tensor {
  if (x.shape[2] === like.shape[2] && x.shape[3] === like.shape[3]) return x;
  return x.graph.apply(CropLikeOp, [x, like], {})[0];
}

// ---------------------------------------------------------------- Transpose
export interface TransposeAttrs {
  perm: readonly number[];
}

export const TransposeOp: OpDef<TransposeAttrs> = {
  type: 'Transpose',
  infer([x], { perm }) {
    if (perm.length !== x.shape.length || [...perm].sort().some((p, i) => p !== i)) {
      throw new Error(`perm [${perm.join(', ')}] is not a permutation of rank ${x.shape.length}`);
    }
    return [{ dtype: x.dtype, shape: perm.map((p) => x.shape[p]) }];
  },
  emit(e, inputs, outputs, { perm }) {
    e.node('Transpose', inputs, outputs, { perm: { ints: perm } });
  },
  ref([x], { perm }) {
    const shape = perm.map((p) => x.shape[p]);
    const out = new NDArray(shape);
    const xs = stridesOf(x.shape);
    const os = stridesOf(shape);
    for (let i = 0; i < out.size; i++) {
      let rem = i;
      let idx = 0;
      for (let k = 0; k < shape.length; k++) {
        const c = Math.floor(rem / os[k]);
        rem -= c * os[k];
        idx += c * xs[perm[k]];
      }
      out.data[i] = x.data[idx];
    }
    return [out];
  },
  grad({ dOutputs: [dy], attrs: { perm } }) {
    const inv = new Array<number>(perm.length);
    perm.forEach((p, i) => (inv[p] = i));
    return [transpose(dy!, inv)];
  },
};

export function transpose(x: Tensor, perm: readonly number[]): Tensor {
  return x.graph.apply(TransposeOp, [x], { perm: [...perm] })[0];
}

// ---------------------------------------------------------------- Concat
export interface ConcatAttrs {
  axis: number;
}

export const ConcatOp: OpDef<ConcatAttrs> = {
  type: 'Concat',
  infer(inputs, { axis }) {
    if (inputs.length === 0) throw new Error('nothing to concatenate');
    const rank = inputs[0].shape.length;
    const a = normAxis(axis, rank);
    let total: Dim = 0;
    for (const t of inputs) {
      if (t.shape.length !== rank) throw new Error('concat inputs differ in rank');
      t.shape.forEach((d, i) => {
        if (i !== a && typeof d === 'number' && typeof inputs[0].shape[i] === 'number' && d !== inputs[0].shape[i]) {
          throw new Error(`concat inputs differ in dim ${i}: ${inputs[0].shape[i]} vs ${d}`);
        }
      });
      const d = t.shape[a];
      total = typeof total === 'number' && typeof d === 'number' ? total + d : `concat${a}`;
    }
    const shape = [...inputs[0].shape];
    shape[a] = total;
    return [{ dtype: inputs[0].dtype, shape }];
  },
  emit(e, inputs, outputs, { axis }) {
    e.node('Concat', inputs, outputs, { axis: { i: axis } });
  },
  ref(inputs, { axis }) {
    const a = normAxis(axis, inputs[0].shape.length);
    const shape = [...inputs[0].shape];
    shape[a] = inputs.reduce((s, t) => s + t.shape[a], 0);
    const out = new NDArray(shape);
    const outer = product(shape.slice(0, a));
    const inner = product(shape.slice(a + 1));
    let offset = 0;
    for (const t of inputs) {
      const len = t.shape[a] * inner;
      for (let o = 0; o < outer; o++) {
        out.data.set(t.data.subarray(o * len, (o + 1) * len), o * shape[a] * inner + offset);
      }
      offset += len;
    }
    return [out];
  },
  grad({ inputs, dOutputs: [dy], attrs: { axis }, needs }) {
    const a = normAxis(axis, inputs[0].rank);
    let start = 0;
    return inputs.map((t, i) => {
      const len = t.shape[a];
      if (typeof len !== 'number') throw new Error(`Concat gradient needs a static size along axis ${a}`);
      const g = needs[i] ? slice(dy!, [start], [start + len], [a]) : undefined;
      start += len;
      return g;
    });
  },
};

export function concat(xs: readonly Tensor[], axis: number): Tensor {
  if (xs.length === 1) return xs[0];
  return xs[0].graph.apply(ConcatOp, xs, { axis })[0];
}

// ---------------------------------------------------------------- Slice
export interface SliceAttrs {
  starts: readonly number[];
  ends: readonly number[];
  axes: readonly number[];
  steps: readonly number[];
}

interface ResolvedSlice {
  axis: number;
  start: number;
  step: number;
  len: number;
}

/** ONNX Slice semantics: negative indices count from the end, bounds are clamped. */
function resolveSlice(shape: readonly Dim[], { starts, ends, axes, steps }: SliceAttrs): ResolvedSlice[] {
  return axes.map((ax, i) => {
    const axis = normAxis(ax, shape.length);
    const d = shape[axis];
    if (typeof d !== 'number') throw new Error(`Slice along axis ${axis} needs a static size`);
    const step = steps[i] ?? 1;
    if (step === 0) throw new Error('slice step 0');
    let s = starts[i] < 0 ? starts[i] + d : starts[i];
    let e = ends[i] < 0 ? ends[i] + d : ends[i];
    let len: number;
    if (step > 0) {
      s = Math.min(Math.max(s, 0), d);
      e = Math.min(Math.max(e, 0), d);
      len = Math.max(0, Math.ceil((e - s) / step));
    } else {
      s = Math.min(Math.max(s, 0), d - 1);
      e = Math.min(Math.max(e, -1), d - 1);
      len = Math.max(0, Math.ceil((s - e) / -step));
    }
    return { axis, start: s, step, len };
  });
}

export const SliceOp: OpDef<SliceAttrs> = {
  type: 'Slice',
  infer([x], attrs) {
    const shape = [...x.shape];
    for (const r of resolveSlice(x.shape, attrs)) {
      if (r.len === 0) throw new Error(`empty slice along axis ${r.axis}`);
      shape[r.axis] = r.len;
    }
    return [{ dtype: x.dtype, shape }];
  },
  emit(e, [x], outputs, { starts, ends, axes, steps }) {
    e.node('Slice', [x, e.constInt64(starts), e.constInt64(ends), e.constInt64(axes), e.constInt64(steps)], outputs);
  },
  ref([x], attrs) {
    const rs = resolveSlice(x.shape, attrs);
    const shape = [...x.shape];
    const start = x.shape.map(() => 0);
    const step = x.shape.map(() => 1);
    for (const r of rs) {
      shape[r.axis] = r.len;
      start[r.axis] = r.start;
      step[r.axis] = r.step;
    }
    const out = new NDArray(shape);
    const xs = stridesOf(x.shape);
    const os = stridesOf(shape);
    for (let i = 0; i < out.size; i++) {
      let rem = i;
      let idx = 0;
      for (let k = 0; k < shape.length; k++) {
        const c = Math.floor(rem / os[k]);
        rem -= c * os[k];
        idx += (start[k] + c * step[k]) * xs[k];
      }
      out.data[i] = x.data[idx];
    }
    return [out];
  },
  grad({ inputs: [x], dOutputs: [dy], attrs }) {
    // Scatter the slice back: flip negative steps, spread strided ones with
    // zeros in between, then zero-pad to the input's extent.
    let g = dy!;
    for (const r of resolveSlice(x.shape, attrs)) {
      const d = x.shape[r.axis] as number;
      if (r.step < 0) g = flip(g, [r.axis]);
      const step = Math.abs(r.step);
      g = zeroInsert(g, r.axis, step);
      const lo = r.step > 0 ? r.start : r.start + (r.len - 1) * r.step;
      const hi = lo + (r.len - 1) * step + 1;
      const pads = new Array<number>(2 * x.rank).fill(0);
      pads[r.axis] = lo;
      pads[x.rank + r.axis] = d - hi;
      g = pad(g, pads);
    }
    return [g];
  },
};

export function slice(x: Tensor, starts: readonly number[], ends: readonly number[], axes: readonly number[], steps?: readonly number[]): Tensor {
  return x.graph.apply(SliceOp, [x], { starts: [...starts], ends: [...ends], axes: [...axes], steps: steps ? [...steps] : axes.map(() => 1) })[0];
}

/** Reverses x along the given axes. */
export function flip(x: Tensor, axes: readonly number[]): Tensor {
  const big = Number.MAX_SAFE_INTEGER;
  return slice(x, axes.map(() => -1), axes.map(() => -big), axes, axes.map(() => -1));
}

/** Spreads x along `axis` with step-1 zeros between elements: n → (n-1)·step+1. */
export function zeroInsert(x: Tensor, axis: number, step: number): Tensor {
  if (step === 1) return x;
  const shape = x.staticShape('zero insertion');
  const a = normAxis(axis, shape.length);
  const n = shape[a];
  const split = [...shape.slice(0, a + 1), 1, ...shape.slice(a + 1)];
  const pads = new Array<number>(2 * split.length).fill(0);
  pads[split.length + a + 1] = step - 1;
  const spread = reshape(pad(reshape(x, split), pads), [...shape.slice(0, a), n * step, ...shape.slice(a + 1)]);
  return slice(spread, [0], [(n - 1) * step + 1], [a]);
}

// ---------------------------------------------------------------- Pad
export type PadMode = 'constant' | 'reflect' | 'edge';
export interface PadAttrs {
  /** ONNX order: all begins, then all ends. */
  pads: readonly number[];
  mode: PadMode;
  value: number;
}

export const PadOp: OpDef<PadAttrs> = {
  type: 'Pad',
  infer([x], { pads, mode }) {
    const r = x.shape.length;
    if (pads.length !== 2 * r) throw new Error(`pads has ${pads.length} entries, rank ${r} needs ${2 * r}`);
    if (pads.some((p) => p < 0)) throw new Error('negative padding; use slice');
    const shape = x.shape.map((d, i) => {
      if (pads[i] === 0 && pads[i + r] === 0) return d;
      if (typeof d !== 'number') return `${d}+${pads[i] + pads[i + r]}`;
      if (mode === 'reflect' && (pads[i] >= d || pads[i + r] >= d)) {
        throw new Error(`reflect padding of ${Math.max(pads[i], pads[i + r])} needs more than ${d} elements along axis ${i}`);
      }
      return d + pads[i] + pads[i + r];
    });
    return [{ dtype: x.dtype, shape }];
  },
  emit(e, [x], outputs, { pads, mode, value }) {
    const inputs = [x, e.constInt64(pads)];
    if (mode === 'constant') inputs.push(e.constFloat([value], []));
    e.node('Pad', inputs, outputs, { mode: { s: mode } });
  },
  ref([x], { pads, mode, value }) {
    const r = x.shape.length;
    const shape = x.shape.map((d, i) => d + pads[i] + pads[i + r]);
    const out = new NDArray(shape);
    const xs = stridesOf(x.shape);
    const os = stridesOf(shape);
    for (let i = 0; i < out.size; i++) {
      let rem = i;
      let idx = 0;
      let inside = true;
      for (let k = 0; k < r; k++) {
        const c = Math.floor(rem / os[k]);
        rem -= c * os[k];
        let j = c - pads[k];
        const d = x.shape[k];
        if (j < 0 || j >= d) {
          if (mode === 'constant') inside = false;
          else if (mode === 'edge') j = j < 0 ? 0 : d - 1;
          else j = j < 0 ? -j : 2 * (d - 1) - j;
        }
        idx += j * xs[k];
      }
      out.data[i] = inside ? x.data[idx] : value;
    }
    return [out];
  },
  grad({ inputs: [x], dOutputs: [dy], attrs: { pads, mode } }) {
    const r = x.rank;
    let g = dy!;
    for (let axis = 0; axis < r; axis++) {
      const pb = pads[axis];
      const pe = pads[axis + r];
      if (pb === 0 && pe === 0) continue;
      const d = x.shape[axis] as number;
      const place = (t: Tensor, before: number, after: number) => {
        const p = new Array<number>(2 * r).fill(0);
        p[axis] = before;
        p[axis + r] = after;
        return pad(t, p);
      };
      if (mode === 'reflect' && pb + pe + 2 <= d) {
        // Fast path: fold each reflected border onto the few rows it came from
        // and reassemble with one Concat, instead of padding every border
        // contribution back to full size and adding (5+ full passes → 2).
        const parts: Tensor[] = [];
        const at = (a: number, b: number) => slice(g, [a], [b], [axis]);
        if (pb > 0) parts.push(at(pb, pb + 1), add(at(pb + 1, 2 * pb + 1), flip(at(0, pb), [axis])));
        const innerLo = pb > 0 ? 2 * pb + 1 : pb;
        const innerHi = pe > 0 ? pb + d - pe - 1 : pb + d;
        if (innerHi > innerLo) parts.push(at(innerLo, innerHi));
        if (pe > 0) parts.push(add(at(pb + d - pe - 1, pb + d - 1), flip(at(pb + d, pb + d + pe), [axis])), at(pb + d - 1, pb + d));
        g = concat(parts, axis);
        continue;
      }
      let acc = slice(g, [pb], [pb + d], [axis]);
      if (mode === 'reflect') {
        // x[j] (1 ≤ j ≤ pb) was copied to padded position pb - j; x[d-2-k] to pb+d+k.
        if (pb > 0) acc = add(acc, place(flip(slice(g, [0], [pb], [axis]), [axis]), 1, d - 1 - pb));
        if (pe > 0) acc = add(acc, place(flip(slice(g, [pb + d], [pb + d + pe], [axis]), [axis]), d - 1 - pe, 1));
      } else if (mode === 'edge') {
        if (pb > 0) acc = add(acc, place(reduceSum(slice(g, [0], [pb], [axis]), [axis], true), 0, d - 1));
        if (pe > 0) acc = add(acc, place(reduceSum(slice(g, [pb + d], [pb + d + pe], [axis]), [axis], true), d - 1, 0));
      }
      g = acc;
    }
    return [g];
  },
};

export function pad(x: Tensor, pads: readonly number[], mode: PadMode = 'constant', value = 0): Tensor {
  if (pads.every((p) => p === 0)) return x;
  return x.graph.apply(PadOp, [x], { pads: [...pads], mode, value })[0];
}

/** Pads the last two (spatial) axes of an NCHW tensor: [top, left, bottom, right]. */
export function pad2d(x: Tensor, [t, l, b, r]: readonly number[], mode: PadMode = 'constant', value = 0): Tensor {
  const n = x.rank;
  const pads = new Array<number>(2 * n).fill(0);
  pads[n - 2] = t;
  pads[n - 1] = l;
  pads[2 * n - 2] = b;
  pads[2 * n - 1] = r;
  return pad(x, pads, mode, value);
}

