// The weight gradient of a convolution, dW = x ⋆ dy, as its own op: ONNX Runtime's inference build has no
// convolution-backward kernel, so dW is composed from forward ops, and which composition is fastest depends on
// the layer's shape. One function per emission and a short chooser; the measurements behind each choice are in
// docs/engine.md ("The weight gradient"). Each emission is checked against finite differences in test/ops.test.ts.
import type { Tensor, Emitter, OpDef } from '../graph.js';
import { NDArray } from '../ndarray.js';
import { dimNum, numel, type Conv2dAttrs } from './conv-attrs.js';

export interface ConvWeightGradAttrs extends Conv2dAttrs {
  kernel: readonly [number, number];
}

/** One group's dW emission: x padded to [N, C, Hp, Wp], dy [N, O, Ho, Wo]. */
interface Group {
  e: Emitter;
  xp: string;
  dy: string;
  N: number;
  C: number;
  O: number;
  Hp: number;
  Wp: number;
  Ho: number;
  Wo: number;
  a: ConvWeightGradAttrs;
}

type Emission = 'dy-batch' | 'x-batch' | 'canvases' | 'per-tap';

/** Which emission a layer gets (measured fastest for its shape on ORT CPU; docs/engine.md). */
export function weightGradEmission(C: number, O: number, a: Pick<Conv2dAttrs, 'strides' | 'dilations'>): Emission {
  const unit = a.strides[0] === 1 && a.strides[1] === 1 && a.dilations[0] === 1 && a.dilations[1] === 1;
  if (C * O <= 256) return O < C && unit ? 'dy-batch' : 'x-batch'; // few channels: an RGB first or last layer
  if (unit && O <= 2 * C) return 'canvases';
  return 'per-tap';
}

// Channel-major views: x as [C, N, Hp, Wp], dy as [O, N, Ho, Wo].
const channelMajor = (e: Emitter, t: string, n: number, c: number, h: number, w: number) =>
  n > 1 ? e.node('Transpose', [t], 1, { perm: { ints: [1, 0, 2, 3] } })[0] : e.node('Reshape', [t, e.constInt64([c, 1, h, w])], 1)[0];

/**
 * A conv with roles swapped, dy as the batch: R[o, c, j] = Σ_p dyPadded[o, p + j] x[c, p] with dy padded by k−1
 * each side is dW[o, c, k−1−j], so it is flipped. (ORT's Conv runs batch items one by one: the smaller batch wins.)
 */
function dyAsBatch({ e, xp, dy, N, C, O, Hp, Wp, Ho, Wo, a }: Group): string {
  const [kh, kw] = a.kernel;
  const r = e.node('Conv', [channelMajor(e, dy, N, O, Ho, Wo), channelMajor(e, xp, N, C, Hp, Wp)], 1, {
    kernel_shape: { ints: [Hp, Wp] },
    pads: { ints: [kh - 1, kw - 1, kh - 1, kw - 1] },
  })[0];
  const big = Number.MAX_SAFE_INTEGER;
  return e.node('Slice', [r, e.constInt64([-1, -1]), e.constInt64([-big, -big]), e.constInt64([2, 3]), e.constInt64([-1, -1])], 1)[0];
}

/** A conv with roles swapped, x as the batch: dW[c, o, ky, kx] = Σ_n,p x[c, n, p·s + k·d] dy[o, n, p] (dy dilated by the stride). */
function xAsBatch({ e, xp, dy, N, C, O, Hp, Wp, Ho, Wo, a }: Group): string {
  const [kh, kw] = a.kernel;
  const [sh, sw] = a.strides;
  const [dh, dw] = a.dilations;
  let r = e.node('Conv', [channelMajor(e, xp, N, C, Hp, Wp), channelMajor(e, dy, N, O, Ho, Wo)], 1, {
    kernel_shape: { ints: [Ho, Wo] },
    dilations: { ints: [sh, sw] },
    strides: { ints: [dh, dw] },
  })[0];
  const outH = Math.floor((Hp - sh * (Ho - 1) - 1) / dh) + 1;
  const outW = Math.floor((Wp - sw * (Wo - 1) - 1) / dw) + 1;
  if (outH !== kh || outW !== kw) r = e.node('Slice', [r, e.constInt64([0, 0]), e.constInt64([kh, kw]), e.constInt64([2, 3])], 1)[0];
  return e.node('Transpose', [r], 1, { perm: { ints: [1, 0, 2, 3] } })[0];
}

/**
 * Stride 1: dW[o, c, t] = Σ_q canvas_t[o, q] x[c, q] over the padded grid q, where canvas_t is dy shifted by the
 * tap t into that grid. A depthwise Conv with one-hot kernels writes all kh·kw canvases, and one MatMul against x
 * (read once, never copied) gives every tap. It copies dy kh·kw times, so only where O ≤ 2C.
 */
function shiftedCanvases({ e, xp, dy, N, C, O, Hp, Wp, Ho, Wo, a }: Group): string {
  const [kh, kw] = a.kernel;
  const K = kh * kw;
  const onehot = new Float32Array(K * K);
  for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) onehot[(ky * kw + kx) * K + (kh - 1 - ky) * kw + (kw - 1 - kx)] = 1;
  const dyG = e.node('Reshape', [dy, e.constInt64([1, N * O, Ho, Wo])], 1)[0];
  const kernels = new Float32Array(N * O * K * K);
  for (let g = 0; g < N * O; g++) kernels.set(onehot, g * K * K);
  const canvases = e.node('Conv', [dyG, e.constFloat(kernels, [N * O * K, 1, kh, kw])], 1, {
    group: { i: N * O },
    kernel_shape: { ints: [kh, kw] },
    pads: { ints: [kh - 1, kw - 1, kh - 1, kw - 1] },
  })[0];
  const cv = e.node('Reshape', [canvases, e.constInt64([N, O * K, Hp * Wp])], 1)[0];
  const xf = e.node('Reshape', [xp, e.constInt64([N, C, Hp * Wp])], 1)[0];
  let prod = e.node('MatMul', [cv, e.node('Transpose', [xf], 1, { perm: { ints: [0, 2, 1] } })[0]], 1)[0];
  if (N > 1) prod = e.node('ReduceSum', [prod, e.constInt64([0])], 1, { keepdims: { i: 0 } })[0];
  const okc = e.node('Reshape', [prod, e.constInt64([O, kh, kw, C])], 1)[0];
  return e.node('Transpose', [okc], 1, { perm: { ints: [0, 3, 1, 2] } })[0];
}

/**
 * Per kernel tap, a Slice of x times dy as one Gemm, stacked. A strided layer's taps would be strided Slices (ORT
 * copies those element by element), so x is split into its stride phases once and each tap is a stride-1 Slice
 * of one phase (zero rows/columns fill the last phase and are never read).
 */
function perTap({ e, xp, dy, N, C, O, Hp, Wp, Ho, Wo, a }: Group): string {
  const [kh, kw] = a.kernel;
  const [sh, sw] = a.strides;
  const [dh, dw] = a.dilations;
  const d2 = e.node('Reshape', [channelMajor(e, dy, N, O, Ho, Wo), e.constInt64([O, N * Ho * Wo])], 1)[0];
  let phases: string | undefined;
  let xc = '';
  if (sh > 1 || sw > 1) {
    const [Hq, Wq] = [Math.ceil(Hp / sh), Math.ceil(Wp / sw)];
    const xf =
      Hq * sh === Hp && Wq * sw === Wp
        ? xp
        : e.node('Pad', [xp, e.constInt64([0, 0, 0, 0, 0, 0, Hq * sh - Hp, Wq * sw - Wp])], 1, { mode: { s: 'constant' } })[0];
    if (sh === sw) {
      // SpaceToDepth orders channels (py·s + px)·C + c.
      const d = e.node('SpaceToDepth', [xf], 1, { blocksize: { i: sh } })[0];
      const dc = N > 1 ? e.node('Transpose', [d], 1, { perm: { ints: [1, 0, 2, 3] } })[0] : d;
      phases = e.node('Reshape', [dc, e.constInt64([sh, sw, C, N, Hq, Wq])], 1)[0];
    } else {
      const xcf = channelMajor(e, xf, N, C, Hq * sh, Wq * sw);
      const parts: string[] = [];
      for (let py = 0; py < sh; py++)
        for (let px = 0; px < sw; px++)
          parts.push(e.node('Slice', [xcf, e.constInt64([py, px]), e.constInt64([Hq * sh, Wq * sw]), e.constInt64([2, 3]), e.constInt64([sh, sw])], 1)[0]);
      phases = e.node('Reshape', [e.node('Concat', parts, 1, { axis: { i: 0 } })[0], e.constInt64([sh, sw, C, N, Hq, Wq])], 1)[0];
    }
  } else xc = channelMajor(e, xp, N, C, Hp, Wp);
  const taps: string[] = [];
  for (let ky = 0; ky < kh; ky++)
    for (let kx = 0; kx < kw; kx++) {
      let tap: string;
      if (phases) {
        const [py, px, qy, qx] = [(ky * dh) % sh, (kx * dw) % sw, Math.floor((ky * dh) / sh), Math.floor((kx * dw) / sw)];
        tap = e.node('Slice', [phases, e.constInt64([py, px, qy, qx]), e.constInt64([py + 1, px + 1, qy + Ho, qx + Wo]), e.constInt64([0, 1, 4, 5])], 1)[0];
      } else tap = e.node('Slice', [xc, e.constInt64([ky * dh, kx * dw]), e.constInt64([ky * dh + Ho, kx * dw + Wo]), e.constInt64([2, 3])], 1)[0];
      const cols = e.node('Reshape', [tap, e.constInt64([C, N * Ho * Wo])], 1)[0];
      taps.push(e.node('Gemm', [d2, cols], 1, { transB: { i: 1 } })[0]);
    }
  const stacked = taps.length === 1 ? taps[0] : e.node('Concat', taps, 1, { axis: { i: 0 } })[0];
  const kOC = e.node('Reshape', [stacked, e.constInt64([kh * kw, O * C])], 1)[0];
  const ocK = e.node('Transpose', [kOC], 1, { perm: { ints: [1, 0] } })[0];
  return e.node('Reshape', [ocK, e.constInt64([O, C, kh, kw])], 1)[0];
}

const EMISSIONS: Record<Emission, (g: Group) => string> = { 'dy-batch': dyAsBatch, 'x-batch': xAsBatch, canvases: shiftedCanvases, 'per-tap': perTap };

/** dW of one group, [O, C, kh, kw]. */
function emitWeightGradGroup(e: Emitter, x: string, dy: string, xShape: number[], dyShape: number[], a: ConvWeightGradAttrs): string {
  const [N, C, H, W] = xShape;
  const [, O, Ho, Wo] = dyShape;
  const xp = a.pads.some((p) => p !== 0)
    ? e.node('Pad', [x, e.constInt64([0, 0, a.pads[0], a.pads[1], 0, 0, a.pads[2], a.pads[3]])], 1, { mode: { s: 'constant' } })[0]
    : x;
  const group: Group = { e, xp, dy, N, C, O, Hp: H + a.pads[0] + a.pads[2], Wp: W + a.pads[1] + a.pads[3], Ho, Wo, a };
  return EMISSIONS[weightGradEmission(C, O, a)](group);
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
    const [Cg, Og] = [C / g, O / g];
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
