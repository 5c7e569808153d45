// Elementwise ops: broadcasting binary arithmetic and unary activations.
import type { Tensor, OpDef, TensorType, GradContext } from '../graph.js';
import { NDArray, broadcastShapes, broadcastIndexer } from '../ndarray.js';
import { broadcastDims } from '../shapes.js';
import { ops, registerOps } from './lib.js';

export type Operand = Tensor | number;

function lift(ref: Tensor, x: Operand): Tensor {
  return typeof x === 'number' ? ref.graph.scalar(x) : x;
}

function floatOnly(types: readonly TensorType[], what: string): void {
  for (const t of types) if (t.dtype !== 'float32') throw new Error(`${what} takes float32, got ${t.dtype}`);
}

/** Sums a broadcast gradient back down to the shape of the operand it came from. */
export function unbroadcast(dy: Tensor, target: Tensor): Tensor {
  const n = dy.rank;
  const m = target.rank;
  const axes: number[] = [];
  for (let i = 0; i < n; i++) {
    const td = i < n - m ? undefined : target.shape[i - (n - m)];
    if (td === undefined || (td === 1 && dy.shape[i] !== 1)) axes.push(i);
  }
  if (axes.length === 0) return dy;
  const summed = ops.reduceSum(dy, axes, true);
  if (target.shape.every((d) => typeof d === 'number')) return ops.reshape(summed, target.shape as number[]);
  return ops.reshapeLike(summed, target);
}

type BinaryGrad = (a: Tensor, b: Tensor, y: Tensor, dy: Tensor, needs: readonly boolean[]) => [Tensor | undefined, Tensor | undefined];

function binaryOp(type: string, f: (a: number, b: number) => number, grad: BinaryGrad): OpDef<object> {
  return {
    type,
    infer(inputs) {
      floatOnly(inputs, type);
      return [{ dtype: 'float32', shape: broadcastDims(inputs[0].shape, inputs[1].shape) }];
    },
    emit(e, inputs, outputs) {
      e.node(type, inputs, outputs);
    },
    ref([a, b]) {
      const shape = broadcastShapes(a.shape, b.shape);
      const out = new NDArray(shape);
      const ia = broadcastIndexer(a.shape, shape);
      const ib = broadcastIndexer(b.shape, shape);
      for (let i = 0; i < out.size; i++) out.data[i] = f(a.data[ia(i)], b.data[ib(i)]);
      return [out];
    },
    grad({ inputs: [a, b], outputs: [y], dOutputs: [dy], needs }) {
      const [da, db] = grad(a, b, y, dy!, needs);
      return [da && unbroadcast(da, a), db && unbroadcast(db, b)];
    },
  };
}

export const AddOp = binaryOp(
  'Add',
  (a, b) => a + b,
  (_a, _b, _y, dy) => [dy, dy],
);
export const SubOp = binaryOp(
  'Sub',
  (a, b) => a - b,
  (_a, _b, _y, dy, needs) => [dy, needs[1] ? neg(dy) : undefined],
);
export const MulOp = binaryOp(
  'Mul',
  (a, b) => a * b,
  (a, b, _y, dy, needs) => [needs[0] ? mul(dy, b) : undefined, needs[1] ? mul(dy, a) : undefined],
);
export const DivOp = binaryOp(
  'Div',
  (a, b) => a / b,
  (_a, b, y, dy, needs) => [needs[0] ? div(dy, b) : undefined, needs[1] ? neg(div(mul(dy, y), b)) : undefined],
);
export const PowOp = binaryOp(
  'Pow',
  (a, b) => a ** b,
  (a, b, y, dy, needs) => [needs[0] ? mul(dy, mul(b, pow(a, sub(b, 1)))) : undefined, needs[1] ? mul(dy, mul(y, log(a))) : undefined],
);

// max(a, b): the gradient goes to the larger operand (to `a` on ties).
export const MaxGradMaskOp: OpDef<object> = {
  type: 'MaxGradMask',
  infer: (inputs) => [{ dtype: 'float32', shape: broadcastDims(inputs[0].shape, inputs[1].shape) }],
  emit(e, [a, b], outputs) {
    e.node('Cast', [e.node('GreaterOrEqual', [a, b], 1)[0]], outputs, { to: { i: 1 } });
  },
  ref([a, b]) {
    const shape = broadcastShapes(a.shape, b.shape);
    const out = new NDArray(shape);
    const ia = broadcastIndexer(a.shape, shape);
    const ib = broadcastIndexer(b.shape, shape);
    for (let i = 0; i < out.size; i++) out.data[i] = a.data[ia(i)] >= b.data[ib(i)] ? 1 : 0;
    return [out];
  },
};
export const MaxOp = binaryOp(
  'Max',
  (a, b) => Math.max(a, b),
  (a, b, _y, dy, needs) => {
    const mask = a.graph.apply(MaxGradMaskOp, [a, b], {})[0];
    return [needs[0] ? mul(dy, mask) : undefined, needs[1] ? mul(dy, sub(1, mask)) : undefined];
  },
);

export function max(a: Tensor, b: Operand): Tensor {
  return a.graph.apply(MaxOp, [a, lift(a, b)], {})[0];
}
export function add(a: Tensor, b: Operand): Tensor {
  return a.graph.apply(AddOp, [a, lift(a, b)], {})[0];
}
export function sub(a: Operand, b: Operand): Tensor {
  const r = typeof a === 'number' ? (b as Tensor) : a;
  return r.graph.apply(SubOp, [lift(r, a), lift(r, b)], {})[0];
}
export function mul(a: Tensor, b: Operand): Tensor {
  return a.graph.apply(MulOp, [a, lift(a, b)], {})[0];
}
export function div(a: Operand, b: Operand): Tensor {
  const r = typeof a === 'number' ? (b as Tensor) : a;
  return r.graph.apply(DivOp, [lift(r, a), lift(r, b)], {})[0];
}
export function pow(a: Tensor, b: Operand): Tensor {
  return a.graph.apply(PowOp, [a, lift(a, b)], {})[0];
}

type UnaryGrad<A> = (x: Tensor, y: Tensor, dy: Tensor, attrs: A) => Tensor | undefined;

function unaryOp<A extends object>(
  type: string,
  f: (x: number, attrs: A) => number,
  grad: UnaryGrad<A> | undefined,
  onnxAttrs: (a: A) => Record<string, { f: number }> = () => ({}),
): OpDef<A> {
  const op: OpDef<A> = {
    type,
    infer(inputs) {
      floatOnly(inputs, type);
      return [{ dtype: 'float32', shape: inputs[0].shape }];
    },
    emit(e, inputs, outputs, attrs) {
      e.node(type, inputs, outputs, onnxAttrs(attrs));
    },
    ref([x], attrs) {
      const out = new NDArray(x.shape);
      for (let i = 0; i < x.size; i++) out.data[i] = f(x.data[i], attrs);
      return [out];
    },
  };
  if (grad) op.grad = ({ inputs: [x], outputs: [y], dOutputs: [dy], attrs }: GradContext<A>) => [grad(x, y, dy!, attrs)];
  return op;
}

// Relu and LeakyRelu masks are single fused nodes, so the backward pass reads
// one tensor instead of materializing a 0/1 mask and multiplying.
export const ReluGradOp: OpDef<object> = {
  type: 'ReluGrad',
  infer: (inputs) => [{ dtype: 'float32', shape: inputs[0].shape }],
  emit(e, [dy, y], outputs) {
    const mask = e.node('Greater', [y, e.constFloat([0], [])], 1)[0];
    e.node('Where', [mask, dy, e.constFloat([0], [])], outputs);
  },
  ref([dy, y]) {
    const out = new NDArray(dy.shape);
    for (let i = 0; i < out.size; i++) out.data[i] = y.data[i] > 0 ? dy.data[i] : 0;
    return [out];
  },
};

export interface LeakyReluAttrs {
  alpha: number;
}
export const LeakyReluGradOp: OpDef<LeakyReluAttrs> = {
  type: 'LeakyReluGrad',
  infer: (inputs) => [{ dtype: 'float32', shape: inputs[0].shape }],
  emit(e, [dy, x], outputs, { alpha }) {
    const mask = e.node('Greater', [x, e.constFloat([0], [])], 1)[0];
    const scaled = e.node('Mul', [dy, e.constFloat([alpha], [])], 1)[0];
    e.node('Where', [mask, dy, scaled], outputs);
  },
  ref([dy, x], { alpha }) {
    const out = new NDArray(dy.shape);
    for (let i = 0; i < out.size; i++) out.data[i] = x.data[i] > 0 ? dy.data[i] : alpha * dy.data[i];
    return [out];
  },
};

export const ReluOp = unaryOp<object>(
  'Relu',
  (x) => Math.max(0, x),
  (_x, y, dy) => y.graph.apply(ReluGradOp, [dy, y], {})[0],
);
export const LeakyReluOp = unaryOp<LeakyReluAttrs>(
  'LeakyRelu',
  (x, { alpha }) => (x > 0 ? x : alpha * x),
  (x, _y, dy, attrs) => x.graph.apply(LeakyReluGradOp, [dy, x], attrs)[0],
  ({ alpha }) => ({ alpha: { f: alpha } }),
);
export const TanhOp = unaryOp<object>('Tanh', Math.tanh, (_x, y, dy) => mul(dy, sub(1, mul(y, y))));
export const SigmoidOp = unaryOp<object>(
  'Sigmoid',
  (x) => 1 / (1 + Math.exp(-x)),
  (_x, y, dy) => mul(dy, mul(y, sub(1, y))),
);
export const SqrtOp = unaryOp<object>('Sqrt', Math.sqrt, (_x, y, dy) => div(mul(dy, 0.5), y));
export const ExpOp = unaryOp<object>('Exp', Math.exp, (_x, y, dy) => mul(dy, y));
export const LogOp = unaryOp<object>('Log', Math.log, (x, _y, dy) => div(dy, x));
export const SignOp = unaryOp<object>('Sign', Math.sign, () => undefined);
export const AbsOp = unaryOp<object>('Abs', Math.abs, (x, _y, dy) => mul(dy, sign(x)));
export const NegOp = unaryOp<object>(
  'Neg',
  (x) => -x,
  (_x, _y, dy) => neg(dy),
);

export const relu = (x: Tensor): Tensor => x.graph.apply(ReluOp, [x], {})[0];
export const leakyRelu = (x: Tensor, alpha = 0.01): Tensor => x.graph.apply(LeakyReluOp, [x], { alpha })[0];
export const tanh = (x: Tensor): Tensor => x.graph.apply(TanhOp, [x], {})[0];
export const sigmoid = (x: Tensor): Tensor => x.graph.apply(SigmoidOp, [x], {})[0];
export const sqrt = (x: Tensor): Tensor => x.graph.apply(SqrtOp, [x], {})[0];
export const exp = (x: Tensor): Tensor => x.graph.apply(ExpOp, [x], {})[0];
export const log = (x: Tensor): Tensor => x.graph.apply(LogOp, [x], {})[0];
export const sign = (x: Tensor): Tensor => x.graph.apply(SignOp, [x], {})[0];
export const abs = (x: Tensor): Tensor => x.graph.apply(AbsOp, [x], {})[0];
export const neg = (x: Tensor): Tensor => x.graph.apply(NegOp, [x], {})[0];
export const square = (x: Tensor): Tensor => mul(x, x);

// What other op files use of this one, bound late (see lib.ts).
registerOps({ add, div, unbroadcast });
