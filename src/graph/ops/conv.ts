// 2-D convolution (NCHW, OIHW), transposed convolution, and the weight-gradient op.
//
// Emission choices were measured on ORT CPU (issue #2, #14): ConvTranspose runs at
// ~50 GFLOP/s against ~180 for Conv, so the input gradient of a stride-1 Conv is a
// Conv with flipped, transposed weights; a strided Conv's is a ConvTranspose all
// the same, since every other form pays for zeros or an interleaving copy. The
// weight gradient's emission depends on the layer's shape (emitWeightGradGroup).
import { Tensor, type OpDef, type Emitter, type TensorType } from '../graph.js';
import { NDArray } from '../ndarray.js';
import { windowOut } from '../shapes.js';
import { reduceSum } from './reduce.js';
import { flip, reshape, slice, transpose, zeroInsert } from './layout.js';

export interface Conv2dAttrs {
  strides: readonly [number, number];
  /** [top, left, bottom, right] */
  pads: readonly [number, number, number, number];
  dilations: readonly [number, number];
  group: number;
}

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

function dimNum(t: TensorType, i: number, what: string): number {
  const d = t.shape[i];
  if (typeof d !== 'number') throw new Error(`${what} must be static, got ${d}`);
  return d;
}

// ---------------------------------------------------------------- Conv
/** Elements of a static shape (0 if any dimension is symbolic). */
const numel = (shape: readonly (number | string)[]) => shape.reduce<number>((a, d) => (typeof d === 'number' ? a * d : 0), 1);

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
  return x.graph.apply(ConvOp, b ? [x, w, b] : [x, w], convAttrs(opts))[0];
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
  const outputPadding: [number, number] = [H - ((Ho - 1) * a.strides[0] - a.pads[0] - a.pads[2] + kh), W - ((Wo - 1) * a.strides[1] - a.pads[1] - a.pads[3] + kw)];
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
  const want = [span(kh, a.dilations[0]) - a.pads[0], span(kw, a.dilations[1]) - a.pads[1], span(kh, a.dilations[0]) - a.pads[2] + extraH, span(kw, a.dilations[1]) - a.pads[3] + extraW];
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

// ---------------------------------------------------------------- ConvWeightGrad
export interface ConvWeightGradAttrs extends Conv2dAttrs {
  kernel: readonly [number, number];
}

/**
 * dW of one group, [O, C, kh, kw], by the emission measured fastest for its shape:
 * - few channels (C·O ≤ 256, e.g. an RGB first/last layer): one Conv whose kernel is one operand — dy as the
 *   batch when O < C at stride 1, else x as the batch with dy as the kernel, dilated by the stride;
 * - stride 1, O ≤ 2C: all taps' shifted copies of dy (one Conv), times x in one MatMul;
 * - otherwise: per kernel tap, a Slice of x (of its stride phases when strided) times dy as one Gemm, stacked.
 * Measured in ORT (256 px, 2 threads), x as the batch against per-tap Gemms: 9x9 3→32: 13 ms vs 52 ms; 3x3
 * 64→32: 98 ms vs 43 ms. Gathered im2col columns were 10-20x slower than both.
 */
function emitWeightGradGroup(e: Emitter, x: string, dy: string, xShape: number[], dyShape: number[], a: ConvWeightGradAttrs): string {
  const [N, C, H, W] = xShape;
  const [, O, Ho, Wo] = dyShape;
  const [kh, kw] = a.kernel;
  const [sh, sw] = a.strides;
  const [dh, dw] = a.dilations;
  let xp = x;
  if (a.pads.some((p) => p !== 0)) {
    xp = e.node('Pad', [xp, e.constInt64([0, 0, a.pads[0], a.pads[1], 0, 0, a.pads[2], a.pads[3]])], 1, { mode: { s: 'constant' } })[0];
  }
  const Hp = H + a.pads[0] + a.pads[2];
  const Wp = W + a.pads[1] + a.pads[3];
  // Channel-major views: x as [C, N, Hp, Wp], dy as [O, N, Ho, Wo].
  const channelMajorX = () => (N > 1 ? e.node('Transpose', [xp], 1, { perm: { ints: [1, 0, 2, 3] } })[0] : e.node('Reshape', [xp, e.constInt64([C, 1, Hp, Wp])], 1)[0]);
  const channelMajorDy = () => (N > 1 ? e.node('Transpose', [dy], 1, { perm: { ints: [1, 0, 2, 3] } })[0] : e.node('Reshape', [dy, e.constInt64([O, 1, Ho, Wo])], 1)[0]);
  if (C * O <= 256 && O < C && sh === 1 && sw === 1 && dh === 1 && dw === 1) {
    // A conv with roles swapped, dy as the batch (x as the batch below): ORT's Conv runs batch items one by one,
    // and a 32-item batch of 264² images convolved into 3 channels (an RGB output layer) ran at a third of the
    // speed of a 3-item batch into 32.
    // R[o, c, j] = Σ_p dyPadded[o, p + j] x[c, p] with dy padded by k−1 each side is out[o, c, k−1−j]: flip it.
    const r = e.node('Conv', [channelMajorDy(), channelMajorX()], 1, { kernel_shape: { ints: [Hp, Wp] }, pads: { ints: [kh - 1, kw - 1, kh - 1, kw - 1] } })[0];
    const big = Number.MAX_SAFE_INTEGER;
    return e.node('Slice', [r, e.constInt64([-1, -1]), e.constInt64([-big, -big]), e.constInt64([2, 3]), e.constInt64([-1, -1])], 1)[0];
  }
  if (C * O <= 256) {
    // out[c, o, ky, kx] = Σ_n,p x[c, n, p·s + k·d] dy[o, n, p]: a conv with roles swapped.
    let r = e.node('Conv', [channelMajorX(), channelMajorDy()], 1, { kernel_shape: { ints: [Ho, Wo] }, dilations: { ints: [sh, sw] }, strides: { ints: [dh, dw] } })[0];
    const outH = Math.floor((Hp - sh * (Ho - 1) - 1) / dh) + 1;
    const outW = Math.floor((Wp - sw * (Wo - 1) - 1) / dw) + 1;
    if (outH !== kh || outW !== kw) r = e.node('Slice', [r, e.constInt64([0, 0]), e.constInt64([kh, kw]), e.constInt64([2, 3])], 1)[0];
    return e.node('Transpose', [r], 1, { perm: { ints: [1, 0, 2, 3] } })[0];
  }
  if (sh === 1 && sw === 1 && dh === 1 && dw === 1 && O <= 2 * C) {
    // dW[o, c, t] = Σ_q canvas_t[o, q] x[c, q] over the padded grid q, where canvas_t is dy shifted by the tap t
    // into that grid (zeros elsewhere). One Conv with one-hot kernels writes all kh·kw canvases, and one MatMul
    // against x — read once, uncopied — gives every tap: 23–46 % faster than a Slice and a Gemm per tap for
    // 64→32 at 256², 128→64 at 128², 128→128 at 64², 32→16 at 192² (batch 2), and the Johnson step 11 % faster
    // (interleaved A/B, 2 threads). It copies dy kh·kw times instead of x: 1.8× slower at 16→64, so only O ≤ 2C.
    const K = kh * kw;
    const onehot = new Float32Array(K * K);
    for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) onehot[(ky * kw + kx) * K + (kh - 1 - ky) * kw + (kw - 1 - kx)] = 1;
    // A depthwise Conv (a group per dy channel, kh·kw one-hot kernels each) writes the canvases in place, channel
    // (n, o, t): 12–44 % faster per layer than one Conv over dy as a batch of 1-channel images, whose kh·kw outputs
    // ORT pads to its 16-channel blocks and then reorders (idle, npm run bench:ab: Johnson step 0.984, zoo step 0.977;
    // peak memory of train-step-256-depth 4.6 → 3.6 GB).
    const dyG = e.node('Reshape', [dy, e.constInt64([1, N * O, Ho, Wo])], 1)[0];
    const kernels = new Float32Array(N * O * K * K);
    for (let g = 0; g < N * O; g++) kernels.set(onehot, g * K * K);
    const canvases = e.node('Conv', [dyG, e.constFloat(kernels, [N * O * K, 1, kh, kw])], 1, { group: { i: N * O }, kernel_shape: { ints: [kh, kw] }, pads: { ints: [kh - 1, kw - 1, kh - 1, kw - 1] } })[0];
    const cv = e.node('Reshape', [canvases, e.constInt64([N, O * K, Hp * Wp])], 1)[0];
    const xf = e.node('Reshape', [xp, e.constInt64([N, C, Hp * Wp])], 1)[0];
    let prod = e.node('MatMul', [cv, e.node('Transpose', [xf], 1, { perm: { ints: [0, 2, 1] } })[0]], 1)[0];
    if (N > 1) prod = e.node('ReduceSum', [prod, e.constInt64([0])], 1, { keepdims: { i: 0 } })[0];
    const okc = e.node('Reshape', [prod, e.constInt64([O, kh, kw, C])], 1)[0];
    return e.node('Transpose', [okc], 1, { perm: { ints: [0, 3, 1, 2] } })[0];
  }
  const d2 = e.node('Reshape', [channelMajorDy(), e.constInt64([O, N * Ho * Wo])], 1)[0];
  // A strided layer's taps would be strided Slices, which ORT copies element by element (4.6 ms for a 0.5 M-float
  // tap of a 32→64 stride-2 layer at 256², ten times a stride-1 tap's time per element). Split x into its
  // stride phases once ([sh, sw, C, N, Hp/sh, Wp/sw], zero rows/columns added to fill the last phase, never read
  // by a tap); each tap is then a stride-1 Slice of one phase.
  let phases: string | undefined;
  let xc = '';
  if (sh > 1 || sw > 1) {
    const [Hq, Wq] = [Math.ceil(Hp / sh), Math.ceil(Wp / sw)];
    const xf = Hq * sh === Hp && Wq * sw === Wp ? xp : e.node('Pad', [xp, e.constInt64([0, 0, 0, 0, 0, 0, Hq * sh - Hp, Wq * sw - Wp])], 1, { mode: { s: 'constant' } })[0];
    if (sh === sw) {
      // SpaceToDepth orders channels (py·s + px)·C + c. (Measured against a 6-D Transpose, 2–3× slower, and
      // s² strided Slices, about level at batch 4 and slower at batch 1.)
      const d = e.node('SpaceToDepth', [xf], 1, { blocksize: { i: sh } })[0];
      const dc = N > 1 ? e.node('Transpose', [d], 1, { perm: { ints: [1, 0, 2, 3] } })[0] : d;
      phases = e.node('Reshape', [dc, e.constInt64([sh, sw, C, N, Hq, Wq])], 1)[0];
    } else {
      const xcf = N > 1 ? e.node('Transpose', [xf], 1, { perm: { ints: [1, 0, 2, 3] } })[0] : e.node('Reshape', [xf, e.constInt64([C, 1, Hq * sh, Wq * sw])], 1)[0];
      const parts: string[] = [];
      for (let py = 0; py < sh; py++)
        for (let px = 0; px < sw; px++)
          parts.push(e.node('Slice', [xcf, e.constInt64([py, px]), e.constInt64([Hq * sh, Wq * sw]), e.constInt64([2, 3]), e.constInt64([sh, sw])], 1)[0]);
      phases = e.node('Reshape', [e.node('Concat', parts, 1, { axis: { i: 0 } })[0], e.constInt64([sh, sw, C, N, Hq, Wq])], 1)[0];
    }
  } else xc = channelMajorX();
  const perTap: string[] = [];
  for (let ky = 0; ky < kh; ky++)
    for (let kx = 0; kx < kw; kx++) {
      let tap: string;
      if (phases) {
        const [py, px, qy, qx] = [(ky * dh) % sh, (kx * dw) % sw, Math.floor((ky * dh) / sh), Math.floor((kx * dw) / sw)];
        const starts = e.constInt64([py, px, qy, qx]);
        const ends = e.constInt64([py + 1, px + 1, qy + Ho, qx + Wo]);
        tap = e.node('Slice', [phases, starts, ends, e.constInt64([0, 1, 4, 5])], 1)[0];
      } else {
        const starts = e.constInt64([ky * dh, kx * dw]);
        const ends = e.constInt64([ky * dh + Ho, kx * dw + Wo]);
        tap = e.node('Slice', [xc, starts, ends, e.constInt64([2, 3])], 1)[0];
      }
      const cols = e.node('Reshape', [tap, e.constInt64([C, N * Ho * Wo])], 1)[0];
      perTap.push(e.node('Gemm', [d2, cols], 1, { transB: { i: 1 } })[0]);
    }
  const stacked = perTap.length === 1 ? perTap[0] : e.node('Concat', perTap, 1, { axis: { i: 0 } })[0];
  const kOC = e.node('Reshape', [stacked, e.constInt64([kh * kw, O * C])], 1)[0];
  const ocK = e.node('Transpose', [kOC], 1, { perm: { ints: [1, 0] } })[0];
  return e.node('Reshape', [ocK, e.constInt64([O, C, kh, kw])], 1)[0];
}

export const ConvWeightGradOp: OpDef<ConvWeightGradAttrs> = {
  type: 'ConvWeightGrad',
  // the forward conv's multiply-adds: every output-gradient element meets every weight of its group
  flops: ({ inputs: [, dy], outputs: [dw] }) => 2 * numel(dy.shape) * numel(dw.shape.slice(1)),
  infer([x, dy], a) {
    const C = dimNum(x, 1, 'input channels');
    const O = dimNum(dy, 1, 'output channels');
    return [{ dtype: 'float32', shape: [O, C / a.group, a.kernel[0], a.kernel[1]] }];
  },
  emit(e, [x, dy], outputs, a, types) {
    const xShape = types.inputs[0].shape;
    const dyShape = types.inputs[1].shape;
    if (![...xShape, ...dyShape].every((d) => typeof d === 'number')) throw new Error('ConvWeightGrad needs static shapes');
    const [N, C, H, W] = xShape as number[];
    const [, O, Ho, Wo] = dyShape as number[];
    const g = a.group;
    const Cg = C / g;
    const Og = O / g;
    const perGroup: string[] = [];
    for (let gi = 0; gi < g; gi++) {
      let xg = x;
      let dyg = dy;
      if (g > 1) {
        xg = e.node('Slice', [x, e.constInt64([gi * Cg]), e.constInt64([(gi + 1) * Cg]), e.constInt64([1])], 1)[0];
        dyg = e.node('Slice', [dy, e.constInt64([gi * Og]), e.constInt64([(gi + 1) * Og]), e.constInt64([1])], 1)[0];
      }
      perGroup.push(emitWeightGradGroup(e, xg, dyg, [N, Cg, H, W], [N, Og, Ho, Wo], a));
    }
    if (g === 1) e.node('Identity', perGroup, outputs);
    else e.node('Concat', perGroup, outputs, { axis: { i: 0 } });
  },
  ref([x, dy], a) {
    const [N, C, H, W] = x.shape;
    const [, O, Ho, Wo] = dy.shape;
    const [kh, kw] = a.kernel;
    const I = C / a.group;
    const Og = O / a.group;
    const out = new NDArray([O, I, kh, kw]);
    for (let o = 0; o < O; o++) {
      const g = Math.floor(o / Og);
      for (let i = 0; i < I; i++)
        for (let ky = 0; ky < kh; ky++)
          for (let kx = 0; kx < kw; kx++) {
            let s = 0;
            for (let n = 0; n < N; n++)
              for (let oy = 0; oy < Ho; oy++) {
                const iy = oy * a.strides[0] - a.pads[0] + ky * a.dilations[0];
                if (iy < 0 || iy >= H) continue;
                for (let ox = 0; ox < Wo; ox++) {
                  const ix = ox * a.strides[1] - a.pads[1] + kx * a.dilations[1];
                  if (ix < 0 || ix >= W) continue;
                  s += x.data[((n * C + g * I + i) * H + iy) * W + ix] * dy.data[((n * O + o) * Ho + oy) * Wo + ox];
                }
              }
            out.data[((o * I + i) * kh + ky) * kw + kx] = s;
          }
    }
    return [out];
  },
};

export function convWeightGrad(x: Tensor, dy: Tensor, a: Conv2dAttrs, wShape: readonly number[]): Tensor {
  return x.graph.apply(ConvWeightGradOp, [x, dy], { ...a, kernel: [wShape[2], wShape[3]] })[0];
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
