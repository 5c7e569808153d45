// Reductions and matrix products.
import type { Tensor, Dim, OpDef } from '../graph.js';
import { NDArray, broadcastShapes, stridesOf, stridedIndexer, broadcastIndexer } from '../ndarray.js';
import { broadcastDims, normAxis, product } from '../shapes.js';
import { ops, registerOps } from './lib.js';

export interface ReduceAttrs {
  axes: readonly number[];
  keepdims: boolean;
}

function reducedShape(shape: readonly Dim[], { axes, keepdims }: ReduceAttrs): Dim[] {
  const set = new Set(axes.map((a) => normAxis(a, shape.length)));
  const out: Dim[] = [];
  shape.forEach((d, i) => {
    if (!set.has(i)) out.push(d);
    else if (keepdims) out.push(1);
  });
  return out;
}

function reduceRef(x: NDArray, attrs: ReduceAttrs, mean: boolean): NDArray {
  const set = new Set(attrs.axes.map((a) => normAxis(a, x.shape.length)));
  const keptShape = x.shape.map((d, i) => (set.has(i) ? 1 : d));
  const out = new NDArray(keptShape);
  // Walk the input; each element lands on its position in the kept shape (reduced axes contribute 0).
  const ks = stridesOf(keptShape);
  const at = stridedIndexer(
    x.shape,
    ks.map((s, k) => (set.has(k) ? 0 : s)),
  );
  for (let i = 0; i < x.size; i++) out.data[at(i)] += x.data[i];
  if (mean) {
    const count = x.size / out.size;
    for (let i = 0; i < out.size; i++) out.data[i] /= count;
  }
  return new NDArray(reducedShape(x.shape, attrs) as number[], out.data);
}

/** Gradient of a sum/mean: the incoming gradient broadcast back over the reduced axes. */
function reduceGrad(x: Tensor, dy: Tensor, attrs: ReduceAttrs, mean: boolean): Tensor {
  const kept = reducedShape(x.shape, { ...attrs, keepdims: true });
  let g = dy;
  if (!attrs.keepdims) {
    if (!kept.every((d) => typeof d === 'number')) throw new Error('reduction gradient without keepdims needs static kept dimensions');
    g = ops.reshape(g, kept as number[]);
  }
  g = ops.expandLike(g, x);
  if (mean) {
    const axes = attrs.axes.map((a) => normAxis(a, x.rank));
    const dims = axes.map((a) => x.shape[a]);
    if (!dims.every((d) => typeof d === 'number')) throw new Error('mean gradient needs static reduced dimensions');
    g = ops.div(g, product(dims as number[]));
  }
  return g;
}

export const ReduceSumOp: OpDef<ReduceAttrs> = {
  type: 'ReduceSum',
  infer: ([x], attrs) => [{ dtype: x.dtype, shape: reducedShape(x.shape, attrs) }],
  emit(e, [x], outputs, { axes, keepdims }) {
    // opset 13+: ReduceSum takes its axes as an input.
    e.node('ReduceSum', [x, e.constInt64(axes)], outputs, { keepdims: { i: keepdims ? 1 : 0 } });
  },
  ref: ([x], attrs) => [reduceRef(x, attrs, false)],
  grad: ({ inputs: [x], dOutputs: [dy], attrs }) => [reduceGrad(x, dy!, attrs, false)],
};

export const ReduceMeanOp: OpDef<ReduceAttrs> = {
  type: 'ReduceMean',
  infer: ([x], attrs) => [{ dtype: x.dtype, shape: reducedShape(x.shape, attrs) }],
  emit(e, inputs, outputs, { axes, keepdims }) {
    // opset 17: ReduceMean still takes axes as an attribute.
    e.node('ReduceMean', inputs, outputs, { axes: { ints: axes }, keepdims: { i: keepdims ? 1 : 0 } });
  },
  ref: ([x], attrs) => [reduceRef(x, attrs, true)],
  grad: ({ inputs: [x], dOutputs: [dy], attrs }) => [reduceGrad(x, dy!, attrs, true)],
};

const allAxes = (x: Tensor) => x.shape.map((_, i) => i);

export function reduceSum(x: Tensor, axes?: readonly number[], keepdims = false): Tensor {
  return x.graph.apply(ReduceSumOp, [x], { axes: [...(axes ?? allAxes(x))], keepdims })[0];
}
export function reduceMean(x: Tensor, axes?: readonly number[], keepdims = false): Tensor {
  return x.graph.apply(ReduceMeanOp, [x], { axes: [...(axes ?? allAxes(x))], keepdims })[0];
}

// ---------------------------------------------------------------- MatMul
export const MatMulOp: OpDef<object> = {
  type: 'MatMul',
  flops: ({ inputs: [a], outputs: [y] }) => {
    const k = a.shape[a.shape.length - 1];
    return typeof k === 'number' ? 2 * y.shape.reduce<number>((n, d) => (typeof d === 'number' ? n * d : 0), 1) * k : 0;
  },
  infer([a, b]) {
    if (a.shape.length < 2 || b.shape.length < 2) throw new Error('MatMul needs rank ≥ 2 operands (reshape vectors to matrices)');
    const k1 = a.shape[a.shape.length - 1];
    const k2 = b.shape[b.shape.length - 2];
    if (typeof k1 === 'number' && typeof k2 === 'number' && k1 !== k2) throw new Error(`inner dimensions differ: ${k1} vs ${k2}`);
    const batch = broadcastDims(a.shape.slice(0, -2), b.shape.slice(0, -2));
    return [{ dtype: 'float32', shape: [...batch, a.shape[a.shape.length - 2], b.shape[b.shape.length - 1]] }];
  },
  emit(e, inputs, outputs) {
    e.node('MatMul', inputs, outputs);
  },
  ref([a, b]) {
    const m = a.shape[a.shape.length - 2];
    const k = a.shape[a.shape.length - 1];
    const n = b.shape[b.shape.length - 1];
    const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
    const out = new NDArray([...batch, m, n]);
    const nb = product(batch);
    const ia = broadcastIndexer(a.shape.slice(0, -2), batch);
    const ib = broadcastIndexer(b.shape.slice(0, -2), batch);
    for (let bi = 0; bi < nb; bi++) {
      const ao = ia(bi) * m * k;
      const bo = ib(bi) * k * n;
      const oo = bi * m * n;
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) s += a.data[ao + i * k + p] * b.data[bo + p * n + j];
          out.data[oo + i * n + j] = s;
        }
    }
    return [out];
  },
  grad({ inputs: [a, b], dOutputs: [dy], needs }) {
    return [needs[0] ? ops.unbroadcast(matmul(dy!, transposeLast(b)), a) : undefined, needs[1] ? ops.unbroadcast(matmul(transposeLast(a), dy!), b) : undefined];
  },
};

export function matmul(a: Tensor, b: Tensor): Tensor {
  return a.graph.apply(MatMulOp, [a, b], {})[0];
}

/** Swaps the last two axes. */
export function transposeLast(x: Tensor): Tensor {
  const perm = x.shape.map((_, i) => i);
  const n = perm.length;
  [perm[n - 2], perm[n - 1]] = [perm[n - 1], perm[n - 2]];
  return ops.transpose(x, perm);
}

// ---------------------------------------------------------------- Gram
/**
 * F·Fᵀ over the last axis ([N, C, P] → [N, C, C]). One op rather than MatMul of
 * a transpose so that its gradient is the single product (dG + dGᵀ)·F instead
 * of two products and a transpose.
 */
export const GramOp: OpDef<object> = {
  type: 'Gram',
  flops: ({ inputs: [f] }) => {
    const [n, c, p] = f.shape;
    return typeof n === 'number' && typeof c === 'number' && typeof p === 'number' ? 2 * n * c * c * p : 0;
  },
  infer([f]) {
    if (f.shape.length !== 3) throw new Error(`Gram takes [N, C, P], got rank ${f.shape.length}`);
    return [{ dtype: 'float32', shape: [f.shape[0], f.shape[1], f.shape[1]] }];
  },
  emit(e, [f], outputs) {
    const ft = e.node('Transpose', [f], 1, { perm: { ints: [0, 2, 1] } })[0];
    e.node('MatMul', [f, ft], outputs);
  },
  ref([f]) {
    const [N, C, P] = f.shape;
    const out = new NDArray([N, C, C]);
    for (let n = 0; n < N; n++)
      for (let i = 0; i < C; i++)
        for (let j = 0; j < C; j++) {
          let s = 0;
          for (let p = 0; p < P; p++) s += f.data[(n * C + i) * P + p] * f.data[(n * C + j) * P + p];
          out.data[(n * C + i) * C + j] = s;
        }
    return [out];
  },
  grad: ({ inputs: [f], dOutputs: [dg] }) => [matmul(ops.add(dg!, transposeLast(dg!)), f)],
};

export function gramMatrix(f: Tensor): Tensor {
  return f.graph.apply(GramOp, [f], {})[0];
}

// What other op files use of this one, bound late (see lib.ts).
registerOps({ reduceSum });
