// Max and average pooling over NCHW (floor mode, no dilation) with their gradients.
import type { Tensor, OpDef, TensorType } from '../graph.js';
import { NDArray } from '../ndarray.js';
import { windowOut } from '../shapes.js';

export interface Pool2dAttrs {
  kernel: readonly [number, number];
  strides: readonly [number, number];
  /** [top, left, bottom, right] */
  pads: readonly [number, number, number, number];
  /** AveragePool only: whether padded zeros count in the average. */
  countIncludePad: boolean;
}

export interface PoolOptions {
  strides?: number | readonly [number, number];
  pads?: number | readonly [number, number, number, number];
  countIncludePad?: boolean;
}

function poolAttrs(kernel: number | readonly [number, number], o: PoolOptions): Pool2dAttrs {
  const k: [number, number] = typeof kernel === 'number' ? [kernel, kernel] : [kernel[0], kernel[1]];
  const s = o.strides ?? k;
  const p = o.pads ?? 0;
  return {
    kernel: k,
    strides: typeof s === 'number' ? [s, s] : [s[0], s[1]],
    pads: typeof p === 'number' ? [p, p, p, p] : [p[0], p[1], p[2], p[3]],
    countIncludePad: o.countIncludePad ?? false,
  };
}

function poolInfer([x]: readonly TensorType[], a: Pool2dAttrs): TensorType[] {
  if (x.shape.length !== 4) throw new Error(`input must be NCHW, got rank ${x.shape.length}`);
  if (a.pads[0] >= a.kernel[0] || a.pads[1] >= a.kernel[1]) throw new Error('padding must be smaller than the kernel');
  return [
    {
      dtype: 'float32',
      shape: [
        x.shape[0],
        x.shape[1],
        windowOut(x.shape[2], a.kernel[0], a.strides[0], a.pads[0], a.pads[2]),
        windowOut(x.shape[3], a.kernel[1], a.strides[1], a.pads[1], a.pads[3]),
      ],
    },
  ];
}

function onnxPoolAttrs(a: Pool2dAttrs) {
  return { kernel_shape: { ints: a.kernel }, strides: { ints: a.strides }, pads: { ints: a.pads } };
}

/** Visits each output position with the in-bounds input positions of its window. */
function forEachWindow(shape: readonly number[], a: Pool2dAttrs, fn: (out: number, window: number[], nValid: number) => void): number[] {
  const [N, C, H, W] = shape;
  const Ho = windowOut(H, a.kernel[0], a.strides[0], a.pads[0], a.pads[2]) as number;
  const Wo = windowOut(W, a.kernel[1], a.strides[1], a.pads[1], a.pads[3]) as number;
  for (let nc = 0; nc < N * C; nc++)
    for (let oy = 0; oy < Ho; oy++)
      for (let ox = 0; ox < Wo; ox++) {
        const win: number[] = [];
        let inPadded = 0;
        for (let ky = 0; ky < a.kernel[0]; ky++) {
          const iy = oy * a.strides[0] - a.pads[0] + ky;
          for (let kx = 0; kx < a.kernel[1]; kx++) {
            const ix = ox * a.strides[1] - a.pads[1] + kx;
            if (iy < H + a.pads[2] && ix < W + a.pads[3]) inPadded++;
            if (iy >= 0 && iy < H && ix >= 0 && ix < W) win.push((nc * H + iy) * W + ix);
          }
        }
        fn((nc * Ho + oy) * Wo + ox, win, a.countIncludePad ? inPadded : win.length);
      }
  return [N, C, Ho, Wo];
}

// ---------------------------------------------------------------- MaxPool
export const MaxPoolOp: OpDef<Pool2dAttrs> = {
  type: 'MaxPool',
  infer: poolInfer,
  emit(e, inputs, outputs, a) {
    e.node('MaxPool', inputs, outputs, onnxPoolAttrs(a));
  },
  ref([x], a, types) {
    const out = new NDArray(types.outputs[0].shape as number[]);
    forEachWindow(x.shape, a, (o, win) => {
      let m = -Infinity;
      for (const i of win) m = Math.max(m, x.data[i]);
      out.data[o] = m;
    });
    return [out];
  },
  grad: ({ inputs: [x], dOutputs: [dy], attrs }) => [x.graph.apply(MaxPoolGradOp, [x, dy!], attrs)[0]],
};

/** Routes each output gradient to the argmax of its window (ORT's MaxPool indices + ScatterElements add). */
export const MaxPoolGradOp: OpDef<Pool2dAttrs> = {
  type: 'MaxPoolGrad',
  infer: ([x]) => [{ dtype: 'float32', shape: x.shape }],
  emit(e, [x, dy], outputs, a) {
    const [, idx] = e.node('MaxPool', [x], 2, onnxPoolAttrs(a));
    const flat = e.constInt64([-1]);
    const shape = e.node('Shape', [x], 1)[0];
    const size = e.node('Reshape', [e.node('Size', [x], 1)[0], e.constInt64([1])], 1)[0];
    const zeros = e.node('ConstantOfShape', [size], 1)[0];
    const scattered = e.node('ScatterElements', [zeros, e.node('Reshape', [idx, flat], 1)[0], e.node('Reshape', [dy, flat], 1)[0]], 1, {
      axis: { i: 0 },
      reduction: { s: 'add' },
    })[0];
    e.node('Reshape', [scattered, shape], outputs);
  },
  ref([x, dy], a) {
    const out = new NDArray(x.shape);
    forEachWindow(x.shape, a, (o, win) => {
      let best = win[0];
      for (const i of win) if (x.data[i] > x.data[best]) best = i;
      out.data[best] += dy.data[o];
    });
    return [out];
  },
};

// ---------------------------------------------------------------- AveragePool
export const AveragePoolOp: OpDef<Pool2dAttrs> = {
  type: 'AveragePool',
  infer: poolInfer,
  emit(e, inputs, outputs, a) {
    e.node('AveragePool', inputs, outputs, { ...onnxPoolAttrs(a), count_include_pad: { i: a.countIncludePad ? 1 : 0 } });
  },
  ref([x], a, types) {
    const out = new NDArray(types.outputs[0].shape as number[]);
    forEachWindow(x.shape, a, (o, win, n) => {
      let s = 0;
      for (const i of win) s += x.data[i];
      out.data[o] = s / n;
    });
    return [out];
  },
  grad: ({ inputs: [x], dOutputs: [dy], attrs }) => [x.graph.apply(AveragePoolGradOp, [dy!, x], attrs)[0]],
};

/** Spreads each output gradient evenly over its window: a depthwise ConvTranspose with a ones kernel. */
export const AveragePoolGradOp: OpDef<Pool2dAttrs> = {
  type: 'AveragePoolGrad',
  infer: ([, x]) => [{ dtype: 'float32', shape: x.shape }],
  emit(e, [dy, x], outputs, a, types) {
    const xs = types.inputs[1].shape;
    const [, , Ho, Wo] = types.inputs[0].shape;
    const [H, W] = [xs[2], xs[3]];
    if (typeof H !== 'number' || typeof W !== 'number' || typeof Ho !== 'number' || typeof Wo !== 'number')
      throw new Error('AveragePool gradient needs static spatial sizes');
    const counts = new Array<number>(Ho * Wo);
    forEachWindow([1, 1, H, W], a, (o, _w, n) => (counts[o] = 1 / n));
    const scaled = e.node('Mul', [dy, e.constFloat(counts, [Ho, Wo])], 1)[0];
    const planes = e.node('Reshape', [scaled, e.constInt64([-1, 1, Ho, Wo])], 1)[0];
    const ones = e.constFloat(new Array<number>(a.kernel[0] * a.kernel[1]).fill(1), [1, 1, a.kernel[0], a.kernel[1]]);
    const outPad = [H - ((Ho - 1) * a.strides[0] + a.kernel[0] - a.pads[0] - a.pads[2]), W - ((Wo - 1) * a.strides[1] + a.kernel[1] - a.pads[1] - a.pads[3])];
    const spread = e.node('ConvTranspose', [planes, ones], 1, {
      strides: { ints: a.strides },
      pads: { ints: a.pads },
      output_padding: { ints: outPad },
      kernel_shape: { ints: a.kernel },
    })[0];
    e.node('Reshape', [spread, e.node('Shape', [x], 1)[0]], outputs);
  },
  ref([dy, x], a) {
    const out = new NDArray(x.shape);
    forEachWindow(x.shape, a, (o, win, n) => {
      for (const i of win) out.data[i] += dy.data[o] / n;
    });
    return [out];
  },
};

export function maxPool2d(x: Tensor, kernel: number | readonly [number, number], opts: PoolOptions = {}): Tensor {
  return x.graph.apply(MaxPoolOp, [x], poolAttrs(kernel, opts))[0];
}
export function avgPool2d(x: Tensor, kernel: number | readonly [number, number], opts: PoolOptions = {}): Tensor {
  return x.graph.apply(AveragePoolOp, [x], poolAttrs(kernel, opts))[0];
}
