// Layout ops: Reshape, Transpose, SpaceToDepth/DepthToSpace, Concat and Slice (with flip and zero
// insertion built on them).
import type { Tensor, Dim, OpDef } from '../graph.js';
import { NDArray, stridedIndexer, stridesOf } from '../ndarray.js';
import { isStatic, normAxis, product, sameShape } from '../shapes.js';
import { ops, registerOps } from './lib.js';

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
  grad: ({ inputs: [x], dOutputs: [dy] }) => [isStatic(x.shape) ? reshape(dy!, x.shape) : ops.reshapeLike(dy!, x)],
};

export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(x.shape, shape)) return x;
  return x.graph.apply(ReshapeOp, [x], { shape: [...shape] })[0];
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
    const at = stridedIndexer(
      shape,
      perm.map((p) => xs[p]),
    );
    for (let i = 0; i < out.size; i++) out.data[i] = x.data[at(i)];
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

// ---------------------------------------------------------------- SpaceToDepth, DepthToSpace
// Each s×s block of pixels to s² channels and back (ONNX's order: SpaceToDepth's channel (r·s + t)·C + c for the
// pixel at (r, t) of its block, DepthToSpace's 'DCR' mode its exact inverse): each is the other's gradient.
export interface BlockAttrs {
  blocksize: number;
}

/** The 6-d view and permutation each op is (ONNX's definition), for shapes and the reference. */
function blockView(shape: readonly Dim[], s: number, toDepth: boolean) {
  const [n, c, h, w] = shape;
  const num = (d: Dim) => (typeof d === 'number' ? d : undefined);
  if (toDepth) {
    if (num(h) !== undefined && (h as number) % s) throw new Error(`SpaceToDepth: height ${h} is not a multiple of ${s}`);
    if (num(w) !== undefined && (w as number) % s) throw new Error(`SpaceToDepth: width ${w} is not a multiple of ${s}`);
    const div = (d: Dim): Dim => (typeof d === 'number' ? d / s : `${d}/${s}`);
    const mul = (d: Dim): Dim => (typeof d === 'number' ? d * s * s : `${d}*${s * s}`);
    return { view: [n, c, div(h), s, div(w), s], perm: [0, 3, 5, 1, 2, 4], out: [n, mul(c), div(h), div(w)] };
  }
  if (typeof c === 'number' && c % (s * s)) throw new Error(`DepthToSpace: ${c} channels are not a multiple of ${s * s}`);
  const times = (d: Dim): Dim => (typeof d === 'number' ? d * s : `${d}*${s}`);
  const cs: Dim = typeof c === 'number' ? c / (s * s) : `${c}/${s * s}`;
  return { view: [n, s, s, cs, h, w], perm: [0, 3, 4, 1, 5, 2], out: [n, cs, times(h), times(w)] };
}

function blockOp(type: 'SpaceToDepth' | 'DepthToSpace'): OpDef<BlockAttrs> {
  const toDepth = type === 'SpaceToDepth';
  return {
    type,
    infer([x], { blocksize }) {
      if (x.shape.length !== 4) throw new Error(`${type}: input must be NCHW, got rank ${x.shape.length}`);
      return [{ dtype: x.dtype, shape: blockView(x.shape, blocksize, toDepth).out }];
    },
    emit(e, inputs, outputs, { blocksize }, types) {
      if (!e.lacks(type)) {
        e.node(type, inputs, outputs, toDepth ? { blocksize: { i: blocksize } } : { blocksize: { i: blocksize }, mode: { s: 'DCR' } });
        return;
      }
      // Where the provider lacks it: ONNX's definition, a reshape, a transpose and a reshape.
      const { view, perm, out } = blockView(types.inputs[0].shape, blocksize, toDepth);
      if (![...view, ...out].every((d) => typeof d === 'number')) throw new Error(`${type}: the reshape form needs static shapes`);
      const [v] = e.node('Reshape', [inputs[0], e.constInt64(view as number[])], 1);
      const [t] = e.node('Transpose', [v], 1, { perm: { ints: perm } });
      e.node('Reshape', [t, e.constInt64(out as number[])], outputs);
    },
    ref([x], { blocksize }, types) {
      const { view, perm, out } = blockView(x.shape, blocksize, toDepth);
      const [t] = TransposeOp.ref([new NDArray(view as number[], x.data)], { perm }, types);
      return [new NDArray(out as number[], t.data)];
    },
    grad: ({ dOutputs: [dy], attrs: { blocksize } }) => [toDepth ? depthToSpace(dy!, blocksize) : spaceToDepth(dy!, blocksize)],
  };
}
export const SpaceToDepthOp = blockOp('SpaceToDepth');
export const DepthToSpaceOp = blockOp('DepthToSpace');

export function spaceToDepth(x: Tensor, blocksize: number): Tensor {
  return x.graph.apply(SpaceToDepthOp, [x], { blocksize })[0];
}
export function depthToSpace(x: Tensor, blocksize: number): Tensor {
  return x.graph.apply(DepthToSpaceOp, [x], { blocksize })[0];
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
    const at = stridedIndexer(shape, stridesOf(x.shape), start, step);
    for (let i = 0; i < out.size; i++) out.data[i] = x.data[at(i)];
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
      g = ops.pad(g, pads);
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
  return slice(
    x,
    axes.map(() => -1),
    axes.map(() => -big),
    axes,
    axes.map(() => -1),
  );
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
  const spread = reshape(ops.pad(reshape(x, split), pads), [...shape.slice(0, a), n * step, ...shape.slice(a + 1)]);
  return slice(spread, [0], [(n - 1) * step + 1], [a]);
}

// What other op files use of this one, bound late (see lib.ts).
registerOps({ concat, flip, reshape, slice, transpose });
