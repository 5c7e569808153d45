// 2-D convolution (NCHW, OIHW) and transposed convolution; the weight gradient is conv-weight-grad.ts.
//
// Emission choices were measured on ORT CPU (issue #2, #14): ConvTranspose runs at
// ~50 GFLOP/s against ~180 for Conv, so the input gradient of a stride-1 Conv is a
// Conv with flipped, transposed weights; a strided Conv's is a ConvTranspose all
// the same, since every other form pays for zeros or an interleaving copy. The
// weight gradient's emission depends on the layer's shape (emitWeightGradGroup).
import type { Tensor, OpDef } from '../graph.js';
import { NDArray } from '../ndarray.js';
import { windowOut } from '../shapes.js';
import { reduceSum } from './reduce.js';
import { depthToSpace, flip, reshape, slice, spaceToDepth, transpose, zeroInsert } from './layout.js';
import { pad2d } from './pad.js';
import { convWeightGrad } from './conv-weight-grad.js';
import { dimNum, numel, type Conv2dAttrs } from './conv-attrs.js';

export { dimNum, numel, type Conv2dAttrs } from './conv-attrs.js';

export interface ConvOptions {
  strides?: number | readonly [number, number];
  pads?: number | readonly [number, number, number, number];
  dilations?: number | readonly [number, number];
  group?: number;
}

function pair(v: number | readonly [number, number] | undefined, dflt: number): [number, number] {
  if (v === undefined) return [dflt, dflt];
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/**
 * TensorFlow's 'SAME' padding [before, after] along one axis (kernel k, stride s, dilation d): the output has
 * ceil(size / s) positions, and the odd pixel goes after. A symbolic size is taken as a multiple of the stride.
 */
export function samePads(size: number | string, k: number, s: number, d = 1): [number, number] {
  const span = (k - 1) * d + 1;
  const total = typeof size === 'number' ? Math.max((Math.ceil(size / s) - 1) * s + span - size, 0) : Math.max(span - s, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/**
 * TensorFlow's 'SAME' transposed convolution along one axis: the output is exactly `stride`× the input; returns the
 * pads [before, after] of the output and the output padding that makes up the rest. A symbolic size is taken as even.
 */
export function sameTransposePads(inSize: number | string, k: number, stride: number): { pads: [number, number]; outputPadding: number } {
  const out = typeof inSize === 'number' ? stride * inSize : 'even';
  const [a, b] = samePads(out, k, stride);
  const outputPadding = typeof inSize === 'number' ? stride * inSize - ((inSize - 1) * stride + k - a - b) : stride - k + a + b;
  return { pads: [a, b], outputPadding };
}

export function convAttrs(o: ConvOptions = {}): Conv2dAttrs {
  const p = o.pads ?? 0;
  return {
    strides: pair(o.strides, 1),
    pads: typeof p === 'number' ? [p, p, p, p] : [p[0], p[1], p[2], p[3]],
    dilations: pair(o.dilations, 1),
    group: o.group ?? 1,
  };
}

function onnxConvAttrs(a: Conv2dAttrs, kh: number, kw: number) {
  return {
    kernel_shape: { ints: [kh, kw] },
    strides: { ints: a.strides },
    pads: { ints: a.pads },
    dilations: { ints: a.dilations },
    group: { i: a.group },
  };
}

// ---------------------------------------------------------------- Conv
export const ConvOp: OpDef<Conv2dAttrs> = {
  type: 'Conv',
  // 2 · outputs · (input channels per group) · kernel area
  flops: ({ inputs: [, w], outputs: [y] }) => 2 * numel(y.shape) * numel(w.shape.slice(1)),
  infer(inputs, a) {
    const [x, w, b] = inputs;
    if (x.shape.length !== 4) throw new Error(`input must be NCHW (rank 4), got rank ${x.shape.length}`);
    if (w.shape.length !== 4) throw new Error(`weight must be OIHW (rank 4), got rank ${w.shape.length}`);
    const O = dimNum(w, 0, 'output channels');
    const I = dimNum(w, 1, 'weight input channels');
    const kh = dimNum(w, 2, 'kernel height');
    const kw = dimNum(w, 3, 'kernel width');
    if (O % a.group !== 0) throw new Error(`${O} output channels not divisible by group ${a.group}`);
    const C = x.shape[1];
    if (typeof C === 'number' && C !== I * a.group) {
      throw new Error(`input has ${C} channels but weight [${w.shape.join(', ')}] with group ${a.group} expects ${I * a.group}`);
    }
    if (b && (b.shape.length !== 1 || b.shape[0] !== O)) throw new Error(`bias must be [${O}], got [${b.shape.join(', ')}]`);
    const H = windowOut(x.shape[2], kh, a.strides[0], a.pads[0], a.pads[2], a.dilations[0]);
    const W = windowOut(x.shape[3], kw, a.strides[1], a.pads[1], a.pads[3], a.dilations[1]);
    return [{ dtype: 'float32', shape: [x.shape[0], O, H, W] }];
  },
  emit(e, inputs, outputs, a, types) {
    const w = types.inputs[1].shape as number[];
    e.node('Conv', inputs, outputs, onnxConvAttrs(a, w[2], w[3]));
  },
  ref([x, w, b], a) {
    const [N, C, H, W] = x.shape;
    const [O, I, kh, kw] = w.shape;
    const Ho = windowOut(H, kh, a.strides[0], a.pads[0], a.pads[2], a.dilations[0]) as number;
    const Wo = windowOut(W, kw, a.strides[1], a.pads[1], a.pads[3], a.dilations[1]) as number;
    const out = new NDArray([N, O, Ho, Wo]);
    const Og = O / a.group;
    for (let n = 0; n < N; n++)
      for (let o = 0; o < O; o++) {
        const g = Math.floor(o / Og);
        for (let oy = 0; oy < Ho; oy++)
          for (let ox = 0; ox < Wo; ox++) {
            let s = b ? b.data[o] : 0;
            for (let i = 0; i < I; i++) {
              const c = g * I + i;
              for (let ky = 0; ky < kh; ky++) {
                const iy = oy * a.strides[0] - a.pads[0] + ky * a.dilations[0];
                if (iy < 0 || iy >= H) continue;
                for (let kx = 0; kx < kw; kx++) {
                  const ix = ox * a.strides[1] - a.pads[1] + kx * a.dilations[1];
                  if (ix < 0 || ix >= W) continue;
                  s += x.data[((n * C + c) * H + iy) * W + ix] * w.data[((o * I + i) * kh + ky) * kw + kx];
                }
              }
            }
            out.data[((n * O + o) * Ho + oy) * Wo + ox] = s;
          }
      }
    return [out];
  },
  grad({ inputs: [x, w, b], dOutputs: [dy], attrs, needs }) {
    return [
      needs[0] ? convInputGrad(dy!, w, x, attrs) : undefined,
      needs[1] ? convWeightGrad(x, dy!, attrs, w.staticShape('conv weight gradient')) : undefined,
      b && needs[2] ? reduceSum(dy!, [0, 2, 3]) : undefined,
    ];
  },
};

export function conv2d(x: Tensor, w: Tensor, b?: Tensor, opts: ConvOptions = {}): Tensor {
  const a = convAttrs(opts);
  return fewOutputConv(x, w, b, a) ?? x.graph.apply(ConvOp, b ? [x, w, b] : [x, w], a)[0];
}

/** Block size of `fewOutputConv`: 2 measured fastest (4: the same conv, larger rearrangements). */
const FEW_OUTPUT_BLOCK = 2;

/**
 * A convolution with few outputs (an RGB image) and a large kernel, with constant weights (a trained network
 * run), computed on 2×2 blocks: SpaceToDepth, a convolution with 4× the input and output channels and a kernel
 * half as wide, DepthToSpace, the same numbers. ORT's blocked (NCHWc) kernels round outputs up to 8 or 16
 * channels, so a 3-output 9×9 convolution paid for 16; this one pays for 16 of which 12 are used: on the
 * 540p output layer of a zoo network (16 → 3 channels) 113 → 49 ms (2 threads), and 11 → 10 ms in WebAssembly
 * at 296 px. Undefined where it does not apply.
 */
function fewOutputConv(x: Tensor, w: Tensor, b: Tensor | undefined, a: Conv2dAttrs): Tensor | undefined {
  const s = FEW_OUTPUT_BLOCK;
  if (w.kind !== 'const' || !w.data || (b && (b.kind !== 'const' || !b.data))) return undefined;
  if (a.group !== 1 || a.strides.some((v) => v !== 1) || a.dilations.some((v) => v !== 1)) return undefined;
  const [O, C, kh, kw] = w.shape as number[];
  const [n, , h, wd] = x.shape;
  if (O > 4 || kh < 5 || kw < 5 || typeof n !== 'number' || typeof h !== 'number' || typeof wd !== 'number') return undefined;
  const [hi, wi] = [h + a.pads[0] + a.pads[2], wd + a.pads[1] + a.pads[3]];
  const [ho, wo] = [hi - kh + 1, wi - kw + 1];
  if (ho < 1 || wo < 1) return undefined;
  // Taps of the blocked kernel, and the blocked input's size: enough blocks for every output (zeros below
  // and right of the input only reach outputs that are cropped).
  const [th, tw] = [Math.ceil((s - 1 + kh) / s), Math.ceil((s - 1 + kw) / s)];
  const [hs, ws] = [Math.max(Math.ceil(hi / s), Math.ceil(ho / s) + th - 1), Math.max(Math.ceil(wi / s), Math.ceil(wo / s) + tw - 1)];
  const padded = pad2d(x, [a.pads[0], a.pads[1], s * hs - h - a.pads[0], s * ws - wd - a.pads[1]]);
  // Blocked weights: output channel (i·s + j)·O + o (DepthToSpace 'DCR'), input channel (r·s + t)·C + c
  // (SpaceToDepth), tap (q, p): the weight at row s·q + r − i, column s·p + t − j of the original kernel.
  const [Ob, Cb] = [s * s * O, s * s * C];
  const wb = new Float32Array(Ob * Cb * th * tw);
  for (let i = 0; i < s; i++)
    for (let j = 0; j < s; j++)
      for (let o = 0; o < O; o++)
        for (let r = 0; r < s; r++)
          for (let t = 0; t < s; t++)
            for (let c = 0; c < C; c++)
              for (let q = 0; q < th; q++)
                for (let p = 0; p < tw; p++) {
                  const [ky, kx] = [s * q + r - i, s * p + t - j];
                  if (ky < 0 || ky >= kh || kx < 0 || kx >= kw) continue;
                  wb[((((i * s + j) * O + o) * Cb + (r * s + t) * C + c) * th + q) * tw + p] = w.data[((o * C + c) * kh + ky) * kw + kx];
                }
  const g = x.graph;
  const bias = b?.data
    ? g.constant(
        Float32Array.from({ length: Ob }, (_, k) => b.data![k % O]),
        [Ob],
      )
    : undefined;
  const weights = g.constant(wb, [Ob, Cb, th, tw]);
  const y = g.apply(ConvOp, bias ? [spaceToDepth(padded, s), weights, bias] : [spaceToDepth(padded, s), weights], convAttrs())[0];
  return slice(depthToSpace(y, s), [0, 0], [ho, wo], [2, 3]);
}

/** Weights of the adjoint conv: [O, I, kh, kw] → [I·g, O/g, kh, kw], spatially flipped. */
function adjointWeights(w: Tensor, group: number): Tensor {
  const [O, I, kh, kw] = w.staticShape('conv input gradient');
  let t: Tensor;
  if (group === 1) t = transpose(w, [1, 0, 2, 3]);
  else t = reshape(transpose(reshape(w, [group, O / group, I, kh, kw]), [0, 2, 1, 3, 4]), [group * I, O / group, kh, kw]);
  return flip(t, [2, 3]);
}

/**
 * dL/dx of y = conv(x, w). A strided conv (group 1, no dilation) is a ConvTranspose of dy; otherwise a stride-1
 * conv of the zero-spread dy with the adjoint weights.
 */
function convInputGrad(dy: Tensor, w: Tensor, x: Tensor, a: Conv2dAttrs): Tensor {
  if (a.strides.some((s) => s > 1) && a.group === 1 && a.dilations.every((d) => d === 1)) return convInputGradTransposed(dy, w, x, a);
  return convInputGradSpread(dy, w, x, a);
}

/**
 * dL/dx of a strided conv as ONNX's ConvTranspose of dy with the conv's own weights ([O, C, kh, kw] is
 * ConvTranspose's [in, out, kh, kw]), its output padded to x's size. ORT computes it as one GEMM with no zero
 * multiply-adds and a col2im: against the polyphase form we had (one conv computing all s² phases, then a
 * depth-to-space interleave that ORT copies element by element — 55 % of the time), 0.70× on
 * conv-stride2-fwd-bwd-input-256 (10 of 10 pairs), Johnson step 0.94×, zoo step 0.97× (npm run bench:ab, idle).
 */
function convInputGradTransposed(dy: Tensor, w: Tensor, x: Tensor, a: Conv2dAttrs): Tensor {
  const [, , H, W] = x.staticShape('conv input gradient');
  const [, , kh, kw] = w.staticShape('conv input gradient');
  const [, , Ho, Wo] = dy.staticShape('conv input gradient');
  // The rows and columns the forward conv never reached (always fewer than the stride).
  const outputPadding: [number, number] = [
    H - ((Ho - 1) * a.strides[0] - a.pads[0] - a.pads[2] + kh),
    W - ((Wo - 1) * a.strides[1] - a.pads[1] - a.pads[3] + kw),
  ];
  return convTranspose2d(dy, w, undefined, { strides: a.strides, pads: a.pads, outputPadding });
}

/** dL/dx as a stride-1 conv of the zero-spread dy with the adjoint weights (any stride, dilation, group). */
function convInputGradSpread(dy: Tensor, w: Tensor, x: Tensor, a: Conv2dAttrs): Tensor {
  const [, , H, W] = x.staticShape('conv input gradient');
  const [, , kh, kw] = w.staticShape('conv input gradient');
  const [, , Ho, Wo] = dy.staticShape('conv input gradient');
  const spread = zeroInsert(zeroInsert(dy, 2, a.strides[0]), 3, a.strides[1]);
  const span = (k: number, d: number) => d * (k - 1);
  const extraH = H + a.pads[0] + a.pads[2] - span(kh, a.dilations[0]) - 1 - (Ho - 1) * a.strides[0];
  const extraW = W + a.pads[1] + a.pads[3] - span(kw, a.dilations[1]) - 1 - (Wo - 1) * a.strides[1];
  const want = [
    span(kh, a.dilations[0]) - a.pads[0],
    span(kw, a.dilations[1]) - a.pads[1],
    span(kh, a.dilations[0]) - a.pads[2] + extraH,
    span(kw, a.dilations[1]) - a.pads[3] + extraW,
  ];
  const pads = want.map((p) => Math.max(0, p)) as [number, number, number, number];
  let dx = conv2d(spread, adjointWeights(w, a.group), undefined, { pads, dilations: a.dilations, group: a.group });
  // A forward padding larger than the kernel span leaves rows that the adjoint must crop.
  if (want.some((p) => p < 0)) {
    const top = Math.max(0, -want[0]);
    const left = Math.max(0, -want[1]);
    dx = slice(dx, [top, left], [top + H, left + W], [2, 3]);
  }
  return dx;
}

// ---------------------------------------------------------------- ConvTranspose
export interface ConvTransposeAttrs extends Conv2dAttrs {
  outputPadding: readonly [number, number];
}

export const ConvTransposeOp: OpDef<ConvTransposeAttrs> = {
  type: 'ConvTranspose',
  // every input element is scattered through Cout·kh·kw weights (of its group)
  flops: ({ inputs: [x, w] }) => 2 * numel(x.shape) * numel(w.shape.slice(1)),
  infer(inputs, a) {
    const [x, w, b] = inputs;
    if (x.shape.length !== 4 || w.shape.length !== 4) throw new Error('input must be NCHW and weight [Cin, Cout, kh, kw]');
    if (a.group !== 1) throw new Error('ConvTranspose supports group 1 only');
    const Ci = dimNum(w, 0, 'weight input channels');
    const Co = dimNum(w, 1, 'weight output channels');
    if (typeof x.shape[1] === 'number' && x.shape[1] !== Ci) throw new Error(`input has ${x.shape[1]} channels, weight expects ${Ci}`);
    if (b && b.shape[0] !== Co) throw new Error(`bias must be [${Co}]`);
    const out = (d: string | number, k: number, i: number) => {
      if (typeof d !== 'number') return `${d}''`;
      if (a.outputPadding[i] >= a.strides[i]) throw new Error('output padding must be smaller than the stride');
      return (d - 1) * a.strides[i] + a.dilations[i] * (k - 1) + 1 - a.pads[i] - a.pads[i + 2] + a.outputPadding[i];
    };
    return [{ dtype: 'float32', shape: [x.shape[0], Co, out(x.shape[2], dimNum(w, 2, 'kernel'), 0), out(x.shape[3], dimNum(w, 3, 'kernel'), 1)] }];
  },
  emit(e, inputs, outputs, a, types) {
    const w = types.inputs[1].shape as number[];
    e.node('ConvTranspose', inputs, outputs, { ...onnxConvAttrs(a, w[2], w[3]), output_padding: { ints: a.outputPadding } });
  },
  ref([x, w, b], a, types) {
    const [N, Ci, H, W] = x.shape;
    const [, Co, kh, kw] = w.shape;
    const [, , Ho, Wo] = types.outputs[0].shape as number[];
    const out = new NDArray([N, Co, Ho, Wo]);
    for (let n = 0; n < N; n++)
      for (let co = 0; co < Co; co++) {
        const base = (n * Co + co) * Ho * Wo;
        if (b) for (let p = 0; p < Ho * Wo; p++) out.data[base + p] = b.data[co];
        for (let ci = 0; ci < Ci; ci++)
          for (let iy = 0; iy < H; iy++)
            for (let ix = 0; ix < W; ix++) {
              const v = x.data[((n * Ci + ci) * H + iy) * W + ix];
              for (let ky = 0; ky < kh; ky++) {
                const oy = iy * a.strides[0] - a.pads[0] + ky * a.dilations[0];
                if (oy < 0 || oy >= Ho) continue;
                for (let kx = 0; kx < kw; kx++) {
                  const ox = ix * a.strides[1] - a.pads[1] + kx * a.dilations[1];
                  if (ox < 0 || ox >= Wo) continue;
                  out.data[base + oy * Wo + ox] += v * w.data[((ci * Co + co) * kh + ky) * kw + kx];
                }
              }
            }
      }
    return [out];
  },
  grad({ inputs: [x, w, b], dOutputs: [dy], attrs, needs }) {
    // ConvTranspose is the adjoint of Conv with the same weights, so its input
    // gradient is that Conv, and its weight gradient swaps the roles of x and dy.
    const { outputPadding: _op, ...conv } = attrs;
    return [
      needs[0] ? conv2d(dy!, w, undefined, conv) : undefined,
      needs[1] ? convWeightGrad(dy!, x, conv, w.staticShape('ConvTranspose weight gradient')) : undefined,
      b && needs[2] ? reduceSum(dy!, [0, 2, 3]) : undefined,
    ];
  },
};

export function convTranspose2d(x: Tensor, w: Tensor, b?: Tensor, opts: ConvOptions & { outputPadding?: number | readonly [number, number] } = {}): Tensor {
  return x.graph.apply(ConvTransposeOp, b ? [x, w, b] : [x, w], { ...convAttrs(opts), outputPadding: pair(opts.outputPadding, 0) })[0];
}
