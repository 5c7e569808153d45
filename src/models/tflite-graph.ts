// Builds a differentiable IR graph from a TFLite model: NHWC tensors become
// NCHW, OHWI kernels OIHW, TF 'SAME' padding explicit pads, and DEQUANTIZE of
// FLOAT16 constants is folded at load time (compute is float32). Quantized
// models (int8 weights with per-channel scales) are dequantized at load and
// their activation QUANTIZE/DEQUANTIZE pairs become identities. An instance norm
// spelled out as MEAN, SQUARED_DIFFERENCE, RSQRT, MUL, SUB (Magenta's
// conditional instance norm) is recognised and built as one InstanceNormalization
// times the scale plus the shift, so that tiling can fix its statistics.
import * as G from '../graph/index.js';
import type { Tensor } from '../graph/index.js';
import { BUILTIN, BUILTIN_NAMES, type TfliteModel, type TfliteOperator, type TfliteTensor } from './tflite.js';

import { samePads, sameTransposePads } from '../graph/ops/conv.js';

const NHWC_TO_NCHW_AXIS = [0, 2, 3, 1];

/** Ops of a model that this builder cannot map, by name (empty if all are supported). */
export function unsupportedTfliteOps(m: TfliteModel): string[] {
  // The importers' table is the one list of what is supported (its entries are defined below, read at call time).
  return [...new Set(m.operators.filter((o) => !IMPORTERS[o.builtin]).map((o) => BUILTIN_NAMES[o.builtin] ?? `builtin ${o.builtin}`))];
}

export interface TfliteBuildOptions {
  /** The model's further inputs (NCHW), in order after the first. */
  extraInputs?: readonly Tensor[];
  /**
   * Build for the size of `input` rather than the size the file was exported at: SAME pads from the
   * actual shapes, resizes as scale factors (the file's output/input ratio). Only channels are checked.
   */
  anySize?: boolean;
}

/** An instance norm spelled out in TFLite ops: out = act(scale · (x − mean)/√(var + eps) + shift). */
interface SpelledInstanceNorm {
  /** TFLite tensor indices: the input, its epsilon constant, the scale and the shift. */
  x: number;
  eps: number;
  scale: number;
  shift: number;
  /** The op whose output is the norm's output (where it is built), and every op it replaces. */
  last: TfliteOperator;
  ops: Set<number>;
}

/** Finds Magenta's StyleNorm pattern (mean, squared difference, mean, add eps, rsqrt, mul, mul, mul, sub, add). */
function findInstanceNorms(m: TfliteModel): Map<number, SpelledInstanceNorm> {
  const consumers = new Map<number, TfliteOperator[]>();
  for (const op of m.operators) for (const i of op.inputs) if (i >= 0) consumers.set(i, [...(consumers.get(i) ?? []), op]);
  const only = (t: number, builtin: number): TfliteOperator | undefined => {
    const c = consumers.get(t) ?? [];
    return c.length === 1 && c[0].builtin === builtin ? c[0] : undefined;
  };
  const other = (op: TfliteOperator, t: number) => (op.inputs[0] === t ? op.inputs[1] : op.inputs[0]);
  const found = new Map<number, SpelledInstanceNorm>();
  for (const sq of m.operators) {
    if (sq.builtin !== BUILTIN.SQUARED_DIFFERENCE) continue;
    const [x, mean] = sq.inputs;
    const meanOp = m.operators.find((o) => o.outputs[0] === mean && o.builtin === BUILTIN.MEAN && o.inputs[0] === x);
    const varOp = only(sq.outputs[0], BUILTIN.MEAN);
    const addEps = varOp && only(varOp.outputs[0], BUILTIN.ADD);
    const rsqrt = addEps && only(addEps.outputs[0], BUILTIN.RSQRT);
    const mulScale = rsqrt && only(rsqrt.outputs[0], BUILTIN.MUL);
    if (!meanOp || !addEps || !rsqrt || !mulScale || !varOp) continue;
    const k = mulScale.outputs[0];
    const users = consumers.get(k) ?? [];
    const mulX = users.find((o) => o.builtin === BUILTIN.MUL && other(o, k) === x);
    const mulMean = users.find((o) => o.builtin === BUILTIN.MUL && other(o, k) === mean);
    const sub = mulMean && only(mulMean.outputs[0], BUILTIN.SUB);
    const last = mulX && only(mulX.outputs[0], BUILTIN.ADD);
    if (users.length !== 2 || !mulX || !sub || !last || sub.inputs[1] !== mulMean.outputs[0] || other(last, mulX.outputs[0]) !== sub.outputs[0]) continue;
    if ((consumers.get(mean) ?? []).length !== 2) continue;
    const axes = m.tensors[meanOp.inputs[1]].data;
    if (!axes || Array.from(axes).join() !== '1,2') continue;
    found.set(last.index, {
      x,
      eps: other(addEps, varOp.outputs[0]),
      scale: other(mulScale, rsqrt.outputs[0]),
      shift: sub.inputs[0],
      last,
      ops: new Set([meanOp, sq, varOp, addEps, rsqrt, mulScale, mulX, mulMean, sub].map((o) => o.index)),
    });
  }
  return found;
}

/** What an op's importer works with: the model, the IR tensors built so far, and the conversions of constants. */
class Importer {
  readonly values = new Map<number, Tensor>();
  readonly folded = new Map<number, TfliteTensor>();
  constructor(
    readonly m: TfliteModel,
    readonly g: G.Graph,
    readonly scope: string,
    readonly o: TfliteBuildOptions,
  ) {}

  t(i: number): TfliteTensor {
    return this.m.tensors[i];
  }

  constOf(i: number): TfliteTensor {
    const c = this.folded.get(i) ?? this.t(i);
    if (!c.data) throw new Error(`tensor ${c.name} is not a constant`);
    return c;
  }

  /** IR tensor for TFLite tensor i; constants become named IR constants in NCHW. */
  get(i: number): Tensor {
    const v = this.values.get(i);
    if (v) return v;
    const c = this.constOf(i);
    const data = c.data!;
    const key = `${this.scope}/${c.name || `t${i}`}`;
    let out: Tensor;
    if (c.shape.length === 4) {
      // NHWC constant → NCHW
      const [n, h, w, ch] = c.shape;
      const nchw = new Float32Array(data.length);
      for (let a = 0; a < n; a++)
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++) for (let k = 0; k < ch; k++) nchw[((a * ch + k) * h + y) * w + x] = data[((a * h + y) * w + x) * ch + k];
      out = this.g.constant(nchw, [n, ch, h, w], { name: key });
    } else if (c.shape.length === 1) {
      out = this.g.constant(data, [1, c.shape[0], 1, 1], { name: key }); // per-channel: broadcast over NCHW
    } else if (c.shape.length === 0) {
      out = this.g.constant(data, [], { name: key });
    } else throw new Error(`constant ${c.name} of rank ${c.shape.length} is not supported`);
    this.values.set(i, out);
    return out;
  }

  /** A kernel constant, its axes permuted (conv: OHWI → OIHW). */
  kernel(i: number, perm: number[], name: string): Tensor {
    const c = this.constOf(i);
    const [a, b, cc, d] = c.shape;
    const src = c.data!;
    const dims = [a, b, cc, d];
    const outShape = perm.map((p) => dims[p]);
    const out = new Float32Array(src.length);
    const stride = [b * cc * d, cc * d, d, 1];
    const oStride = [outShape[1] * outShape[2] * outShape[3], outShape[2] * outShape[3], outShape[3], 1];
    for (let i0 = 0; i0 < a; i0++)
      for (let i1 = 0; i1 < b; i1++)
        for (let i2 = 0; i2 < cc; i2++)
          for (let i3 = 0; i3 < d; i3++) {
            const idx = [i0, i1, i2, i3];
            out[perm.reduce((s, p, k) => s + idx[p] * oStride[k], 0)] = src[i0 * stride[0] + i1 * stride[1] + i2 * stride[2] + i3];
          }
    return this.g.constant(out, outShape, { name: `${this.scope}/${name}` });
  }

  bias(op: TfliteOperator, k: number): Tensor | undefined {
    const i = op.inputs[k];
    if (i === undefined || i < 0) return undefined;
    const c = this.constOf(i);
    return this.g.constant(c.data!, [c.shape[0]], { name: `${this.scope}/${c.name || `t${i}`}/bias` });
  }

  activation(x: Tensor, code: number, op: TfliteOperator): Tensor {
    if (code === 0) return x;
    if (code === 1) return G.relu(x);
    if (code === 3) return G.sub(G.relu(x), G.relu(G.sub(x, 6))); // RELU6 = clip(x, 0, 6), from ops that have gradients
    if (code === 4) return G.tanh(x);
    throw new Error(`operator ${op.index} (${BUILTIN_NAMES[op.builtin]}): fused activation ${code} is not supported`);
  }

  /** Spatial size of TFLite tensor i: as built (anySize), else as the file says. */
  spatial(i: number): [number, number] {
    if (this.o.anySize && this.values.has(i)) return this.values.get(i)!.staticShape('TFLite import').slice(2) as [number, number];
    const s = this.t(i).shape;
    return [s[1], s[2]];
  }
}

/** An op's importer: its IR tensor, or undefined when it only folds a constant. */
type OpImporter = (c: Importer, op: TfliteOperator) => Tensor | undefined;
const table = (codes: number[], f: OpImporter): Record<number, OpImporter> => Object.fromEntries(codes.map((k) => [k, f]));

/** The TFLite builtins we import, each to IR ops (NHWC in the file, NCHW here). */
const IMPORTERS: Record<number, OpImporter> = {
  ...table([BUILTIN.DEQUANTIZE, BUILTIN.QUANTIZE], (c, op) => {
    // Constants are dequantized at load; activations are computed in float32, so (de)quantizing one is the identity.
    const [from, out] = [op.inputs[0], op.outputs[0]];
    if (c.values.has(from)) return c.values.get(from)!;
    c.folded.set(out, { ...c.t(out), data: Float32Array.from(c.constOf(from).data!) });
    return undefined;
  }),
  [BUILTIN.MEAN]: (c, op) => {
    const axes = Array.from(c.constOf(op.inputs[1]).data!, (a) => NHWC_TO_NCHW_AXIS[a < 0 ? a + 4 : a]);
    if (!op.optByte(0)) throw new Error(`operator ${op.index}: MEAN without keep_dims is not supported`);
    return G.reduceMean(c.get(op.inputs[0]), axes, true);
  },
  [BUILTIN.SQUARED_DIFFERENCE]: (c, op) => {
    return G.square(G.sub(c.get(op.inputs[0]), c.get(op.inputs[1])));
  },
  [BUILTIN.RSQRT]: (c, op) => {
    return G.div(1, G.sqrt(c.get(op.inputs[0])));
  },
  ...table([BUILTIN.CONV_2D, BUILTIN.DEPTHWISE_CONV_2D], (c, op) => {
    const depthwise = op.builtin === BUILTIN.DEPTHWISE_CONV_2D;
    const x = c.get(op.inputs[0]);
    const [kh, kw] = c.constOf(op.inputs[1]).shape.slice(1, 3);
    const sw = op.optInt(1, 1);
    const sh = op.optInt(2, 1);
    const dw = op.optInt(depthwise ? 5 : 4, 1);
    const dh = op.optInt(depthwise ? 6 : 5, 1);
    const [H, W] = c.spatial(op.inputs[0]);
    const same = op.optByte(0) === 0;
    const [pt, pb] = same ? samePads(H, kh, sh, dh) : [0, 0];
    const [pl, pr] = same ? samePads(W, kw, sw, dw) : [0, 0];
    // conv: OHWI → OIHW; depthwise: [1, kh, kw, C·m] → [C·m, 1, kh, kw]
    const w = c.kernel(op.inputs[1], depthwise ? [3, 0, 1, 2] : [0, 3, 1, 2], `${c.t(op.inputs[1]).name}/oihw`);
    const group = depthwise ? c.t(op.inputs[0]).shape[3] : 1;
    let y = G.conv2d(x, w, c.bias(op, 2), { strides: [sh, sw], dilations: [dh, dw], pads: [pt, pl, pb, pr], group });
    y = c.activation(y, op.optByte(depthwise ? 4 : 3), op);
    return y;
  }),
  [BUILTIN.TRANSPOSE_CONV]: (c, op) => {
    // inputs: output_shape, weights [Cout, kh, kw, Cin], x (, bias)
    const x = c.get(op.inputs[2]);
    const [, kh, kw] = c.constOf(op.inputs[1]).shape;
    const sw = op.optInt(1, 1);
    const sh = op.optInt(2, 1);
    const [Hi, Wi] = c.spatial(op.inputs[2]);
    const [Ho, Wo] = c.o.anySize && op.optByte(0) === 0 ? [Hi * sh, Wi * sw] : c.spatial(op.outputs[0]);
    const same = op.optByte(0) === 0;
    const w = c.kernel(op.inputs[1], [3, 0, 1, 2], `${c.t(op.inputs[1]).name}/iohw`);
    let pt = 0,
      pb = 0,
      pl = 0,
      pr = 0;
    let outputPadding: [number, number];
    if (same && Ho === Hi * sh && Wo === Wi * sw) {
      // TF 'SAME': the one helper the Engstrom network uses too.
      const [v, u] = [sameTransposePads(Hi, kh, sh), sameTransposePads(Wi, kw, sw)];
      [pt, pb, pl, pr] = [...v.pads, ...u.pads];
      outputPadding = [v.outputPadding, u.outputPadding];
    } else {
      if (same) [[pt, pb], [pl, pr]] = [samePads(Ho, kh, sh, 1), samePads(Wo, kw, sw, 1)];
      outputPadding = [Ho - ((Hi - 1) * sh + kh - pt - pb), Wo - ((Wi - 1) * sw + kw - pl - pr)];
    }
    return G.convTranspose2d(x, w, c.bias(op, 3), { strides: [sh, sw], pads: [pt, pl, pb, pr], outputPadding });
  },
  ...table([BUILTIN.MAX_POOL_2D, BUILTIN.AVERAGE_POOL_2D], (c, op) => {
    const x = c.get(op.inputs[0]);
    const sw = op.optInt(1, 1);
    const sh = op.optInt(2, 1);
    const fw = op.optInt(3, 1);
    const fh = op.optInt(4, 1);
    const [H, W] = c.spatial(op.inputs[0]);
    const same = op.optByte(0) === 0;
    const [pt, pb] = same ? samePads(H, fh, sh, 1) : [0, 0];
    const [pl, pr] = same ? samePads(W, fw, sw, 1) : [0, 0];
    const opts = { strides: [sh, sw] as [number, number], pads: [pt, pl, pb, pr] as [number, number, number, number] };
    let y = op.builtin === BUILTIN.MAX_POOL_2D ? G.maxPool2d(x, [fh, fw], opts) : G.avgPool2d(x, [fh, fw], opts);
    y = c.activation(y, op.optByte(5), op);
    return y;
  }),
  ...table([BUILTIN.ADD, BUILTIN.SUB, BUILTIN.MUL, BUILTIN.MAXIMUM], (c, op) => {
    const a = c.get(op.inputs[0]);
    const b = c.get(op.inputs[1]);
    let y = op.builtin === BUILTIN.ADD ? G.add(a, b) : op.builtin === BUILTIN.SUB ? G.sub(a, b) : op.builtin === BUILTIN.MUL ? G.mul(a, b) : G.max(a, b);
    if (op.builtin !== BUILTIN.MAXIMUM) y = c.activation(y, op.optByte(0), op);
    return y;
  }),
  [BUILTIN.CONCATENATION]: (c, op) => {
    const axis = op.optInt(0);
    let y = G.concat(
      op.inputs.map((i) => c.get(i)),
      NHWC_TO_NCHW_AXIS[axis < 0 ? axis + 4 : axis],
    );
    y = c.activation(y, op.optByte(1), op);
    return y;
  },
  [BUILTIN.LEAKY_RELU]: (c, op) => {
    return G.leakyRelu(c.get(op.inputs[0]), op.optFloat(0, 0.2));
  },
  [BUILTIN.RELU]: (c, op) => {
    return G.relu(c.get(op.inputs[0]));
  },
  [BUILTIN.LOGISTIC]: (c, op) => {
    return G.sigmoid(c.get(op.inputs[0]));
  },
  [BUILTIN.TANH]: (c, op) => {
    return G.tanh(c.get(op.inputs[0]));
  },
  ...table([BUILTIN.RESIZE_BILINEAR, BUILTIN.RESIZE_NEAREST_NEIGHBOR], (c, op) => {
    const size = c.constOf(op.inputs[1]).data!;
    const alignCorners = op.optByte(2) !== 0;
    const halfPixel = op.optByte(3) !== 0;
    const nearest = op.builtin === BUILTIN.RESIZE_NEAREST_NEIGHBOR;
    if (nearest && (alignCorners || halfPixel)) throw new Error(`operator ${op.index}: nearest resize with align_corners/half_pixel_centers is not supported`);
    const coords = alignCorners ? 'align_corners' : halfPixel ? 'half_pixel' : 'asymmetric';
    const x = c.get(op.inputs[0]);
    if (c.o.anySize) {
      // The file's sizes are for its export size: keep their ratio (Magenta's ×2 upsampling, and a ×1 that is no resize).
      const [hi, wi] = c.t(op.inputs[0]).shape.slice(1, 3);
      const scales: [number, number] = [size[0] / hi, size[1] / wi];
      if (alignCorners) throw new Error(`operator ${op.index}: an align_corners resize cannot run at another size`);
      return scales[0] === 1 && scales[1] === 1 ? x : G.resizeScale(x, scales, nearest ? 'nearest' : 'bilinear', coords);
    }
    return G.resize(x, [size[0], size[1]], nearest ? 'nearest' : 'bilinear', coords);
  }),
  [BUILTIN.STRIDED_SLICE]: (c, op) => {
    const [begin, end, strides] = op.inputs.slice(1).map((i) => c.constOf(i).data!);
    const beginMask = op.optInt(0);
    const endMask = op.optInt(1);
    if (op.optInt(2) || op.optInt(3) || op.optInt(4))
      throw new Error(`operator ${op.index}: STRIDED_SLICE with ellipsis/new-axis/shrink masks is not supported`);
    const x = c.get(op.inputs[0]);
    const shape = c.t(op.inputs[0]).shape;
    const starts: number[] = [];
    const ends: number[] = [];
    const axes: number[] = [];
    const steps: number[] = [];
    for (let a = 0; a < shape.length; a++) {
      const st = beginMask & (1 << a) ? (strides[a] > 0 ? 0 : shape[a] - 1) : begin[a];
      const en = endMask & (1 << a) ? (strides[a] > 0 ? shape[a] : -shape[a] - 1) : end[a];
      if (st === 0 && en === shape[a] && strides[a] === 1) continue;
      starts.push(st);
      ends.push(en);
      axes.push(NHWC_TO_NCHW_AXIS[a]);
      steps.push(strides[a]);
    }
    return axes.length ? G.slice(x, starts, ends, axes, steps) : x;
  },
  ...table([BUILTIN.PAD, BUILTIN.MIRROR_PAD], (c, op) => {
    const p = c.constOf(op.inputs[1]).data!; // [4, 2] NHWC
    if (op.builtin === BUILTIN.MIRROR_PAD && op.optByte(0) !== 0) throw new Error(`operator ${op.index}: SYMMETRIC mirror padding is not supported`);
    const pads = new Array<number>(8).fill(0);
    for (let a = 0; a < 4; a++) {
      pads[NHWC_TO_NCHW_AXIS[a]] = p[2 * a];
      pads[4 + NHWC_TO_NCHW_AXIS[a]] = p[2 * a + 1];
    }
    return G.pad(c.get(op.inputs[0]), pads, op.builtin === BUILTIN.MIRROR_PAD ? 'reflect' : 'constant');
  }),
};

/** A fused instance norm (findInstanceNorms), as one IR instance norm with the model's scale and shift. */
function importInstanceNorm(c: Importer, norm: SpelledInstanceNorm, op: TfliteOperator): Tensor {
  const x = c.get(norm.x);
  const C = x.staticShape('instance norm')[1];
  const eps = c.constOf(norm.eps).data![0];
  const ones = c.g.constant(new Float32Array(C).fill(1), [C], { name: `${c.scope}/ones${C}` });
  const zeros = c.g.constant(new Float32Array(C), [C], { name: `${c.scope}/zeros${C}` });
  return c.activation(G.add(G.mul(G.instanceNorm(x, ones, zeros, eps), c.get(norm.scale)), c.get(norm.shift)), op.optByte(0), op);
}

/**
 * Adds the model to graph `g`, fed by `input` (NCHW, the model's own input
 * convention; its size unless `anySize`), and returns its outputs (NCHW).
 */
export function buildTfliteGraph(m: TfliteModel, input: Tensor, scope: string, taps: readonly string[] = [], o: TfliteBuildOptions = {}): Tensor[] {
  const bad = unsupportedTfliteOps(m);
  if (bad.length) throw new Error(`unsupported TFLite ops: ${bad.join(', ')}`);
  const c = new Importer(m, input.graph, scope, o);
  const extra = o.extraInputs ?? [];
  if (m.inputs.length !== 1 + extra.length) throw new Error(`the model has ${m.inputs.length} inputs, ${1 + extra.length} given`);
  c.values.set(m.inputs[0], input);
  extra.forEach((x, k) => c.values.set(m.inputs[k + 1], x));
  const norms = findInstanceNorms(m);
  const replaced = new Set([...norms.values()].flatMap((n) => [...n.ops]));
  for (const op of m.operators) {
    const name = BUILTIN_NAMES[op.builtin];
    const out = op.outputs[0];
    if (replaced.has(op.index)) continue;
    const norm = norms.get(op.index);
    if (norm) {
      c.values.set(out, importInstanceNorm(c, norm, op));
      continue;
    }
    const importer = IMPORTERS[op.builtin];
    if (!importer) throw new Error(`operator ${op.index}: ${name ?? op.builtin} is not supported`);
    const y = importer(c, op);
    if (!y) continue;
    const expect = c.t(out).shape;
    const got = y.shape;
    const nchw = [expect[0], expect[3], expect[1], expect[2]];
    if (expect.length === 4 && nchw.some((d, i) => d !== got[i] && typeof got[i] === 'number' && !(o.anySize && i >= 2))) {
      throw new Error(`operator ${op.index} (${name}): built shape [${got.join(', ')}] but the model says NHWC [${expect.join(', ')}]`);
    }
    c.values.set(out, y);
  }
  const outputs = m.outputs.map((i) => {
    const v = c.values.get(i);
    if (!v) throw new Error(`output ${c.t(i).name} was not computed`);
    return v;
  });
  // Intermediate activations by TFLite tensor name (feature taps for a feature-level loss).
  const tapped = taps.map((name) => {
    const i = m.tensors.findIndex((x) => x.name === name);
    const v = c.values.get(i);
    if (!v) throw new Error(`no computed tensor named "${name}"`);
    return v;
  });
  return [...outputs, ...tapped];
}
