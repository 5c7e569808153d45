// Imports an ONNX model into the IR, so that a converted (cached) model or a
// user-supplied one (e.g. MiDaS small as ONNX) becomes differentiable. Only
// ops with an IR counterpart are accepted; the error lists all others at once.
import onnxProto from 'onnx-proto';
import type { onnx as P } from 'onnx-proto';
import * as G from '../graph/index.js';
import type { Tensor } from '../graph/index.js';

const { onnx } = onnxProto;

type Attrs = Map<string, P.IAttributeProto>;
type Importer = (inputs: (Tensor | undefined)[], attrs: Attrs, c: ImportContext) => Tensor[];

interface ImportContext {
  /** Numeric value of a constant input (initializer or Constant node), or throws. */
  value(i: number): number[];
  /** Whether input i is given (ONNX marks omitted optional inputs with ''). */
  has(i: number): boolean;
}

function ints(a: Attrs, name: string, dflt: number[]): number[] {
  const v = a.get(name);
  return v?.ints ? v.ints.map(Number) : dflt;
}
function int(a: Attrs, name: string, dflt: number): number {
  const v = a.get(name);
  return v?.i !== undefined && v.i !== null ? Number(v.i) : dflt;
}
function float(a: Attrs, name: string, dflt: number): number {
  const v = a.get(name);
  return v?.f !== undefined && v.f !== null ? v.f : dflt;
}
function str(a: Attrs, name: string, dflt: string): string {
  const v = a.get(name);
  return v?.s ? new TextDecoder().decode(v.s) : dflt;
}

const unary =
  (f: (x: Tensor) => Tensor): Importer =>
  ([x]) => [f(x!)];
const binary =
  (f: (a: Tensor, b: Tensor) => Tensor): Importer =>
  ([a, b]) => [f(a!, b!)];

function pads4(a: Attrs): [number, number, number, number] {
  if (str(a, 'auto_pad', 'NOTSET') !== 'NOTSET') throw new Error('auto_pad is not supported; export with explicit pads');
  const p = ints(a, 'pads', [0, 0, 0, 0]);
  return [p[0], p[1], p[2], p[3]];
}

const IMPORTERS: Record<string, Importer> = {
  Identity: ([x]) => [x!],
  Relu: unary(G.relu),
  LeakyRelu: ([x], a) => [G.leakyRelu(x!, float(a, 'alpha', 0.01))],
  Tanh: unary(G.tanh),
  Sigmoid: unary(G.sigmoid),
  Sqrt: unary(G.sqrt),
  Exp: unary(G.exp),
  Log: unary(G.log),
  Abs: unary(G.abs),
  Neg: unary(G.neg),
  Add: binary(G.add),
  Sub: binary(G.sub),
  Mul: binary(G.mul),
  Div: binary(G.div),
  Pow: binary(G.pow),
  Max: binary(G.max),
  MatMul: binary(G.matmul),
  Clip: ([x, lo, hi]) => {
    let y = x!;
    if (lo) y = G.max(y, lo);
    if (hi) y = G.neg(G.max(G.neg(y), G.neg(hi)));
    return [y];
  },
  Conv: ([x, w, b], a) => [
    G.conv2d(x!, w!, b, {
      strides: ints(a, 'strides', [1, 1]) as [number, number],
      pads: pads4(a),
      dilations: ints(a, 'dilations', [1, 1]) as [number, number],
      group: int(a, 'group', 1),
    }),
  ],
  ConvTranspose: ([x, w, b], a) => [
    G.convTranspose2d(x!, w!, b, {
      strides: ints(a, 'strides', [1, 1]) as [number, number],
      pads: pads4(a),
      dilations: ints(a, 'dilations', [1, 1]) as [number, number],
      outputPadding: ints(a, 'output_padding', [0, 0]) as [number, number],
    }),
  ],
  MaxPool: ([x], a) => {
    if (int(a, 'ceil_mode', 0)) throw new Error('MaxPool ceil_mode is not supported');
    return [G.maxPool2d(x!, ints(a, 'kernel_shape', []) as [number, number], { strides: ints(a, 'strides', [1, 1]) as [number, number], pads: pads4(a) })];
  },
  AveragePool: ([x], a) => [
    G.avgPool2d(x!, ints(a, 'kernel_shape', []) as [number, number], {
      strides: ints(a, 'strides', [1, 1]) as [number, number],
      pads: pads4(a),
      countIncludePad: int(a, 'count_include_pad', 0) === 1,
    }),
  ],
  InstanceNormalization: ([x, s, b], a) => [
    G.instanceNorm(
      x!,
      G.reshape(s!, [s!.shape.reduce((p, q) => (p as number) * (q as number), 1) as number]),
      G.reshape(b!, [b!.shape.reduce((p, q) => (p as number) * (q as number), 1) as number]),
      float(a, 'epsilon', 1e-5),
    ),
  ],
  BatchNormalization: ([x], a, c) => {
    // Inference-mode batch norm folds into a per-channel affine map.
    const eps = float(a, 'epsilon', 1e-5);
    const [s, b, m, v] = [1, 2, 3, 4].map((i) => c.value(i));
    const mulv = s.map((si, i) => si / Math.sqrt(v[i] + eps));
    const addv = b.map((bi, i) => bi - m[i] * mulv[i]);
    const g = x!.graph;
    return [G.add(G.mul(x!, g.constant(mulv, [1, mulv.length, 1, 1])), g.constant(addv, [1, addv.length, 1, 1]))];
  },
  Concat: (xs, a) => [G.concat(xs as Tensor[], int(a, 'axis', 0))],
  Transpose: ([x], a) => [G.transpose(x!, ints(a, 'perm', [...x!.shape.keys()].reverse()))],
  Reshape: ([x], _a, c) => [G.reshape(x!, c.value(1))],
  Slice: ([x], _a, c) => {
    const starts = c.value(1);
    const ends = c.value(2);
    const axes = c.has(3) ? c.value(3) : starts.map((_, i) => i);
    const steps = c.has(4) ? c.value(4) : starts.map(() => 1);
    return [G.slice(x!, starts, ends, axes, steps)];
  },
  Pad: ([x], a, c) => {
    const mode = str(a, 'mode', 'constant');
    if (mode !== 'constant' && mode !== 'reflect' && mode !== 'edge') throw new Error(`Pad mode ${mode} is not supported`);
    return [G.pad(x!, c.value(1), mode, c.has(2) ? c.value(2)[0] : 0)];
  },
  ReduceMean: ([x], a) => [G.reduceMean(x!, ints(a, 'axes', [...x!.shape.keys()]), int(a, 'keepdims', 1) === 1)],
  ReduceSum: ([x], a, c) => [G.reduceSum(x!, c.has(1) ? c.value(1) : [...x!.shape.keys()], int(a, 'keepdims', 1) === 1)],
  Resize: ([x], a, c) => {
    const mode = str(a, 'mode', 'nearest');
    const coords = str(a, 'coordinate_transformation_mode', 'half_pixel');
    const [, , h, w] = x!.staticShape('Resize import');
    let size: [number, number];
    if (c.has(3)) {
      const s = c.value(3);
      size = [s[2], s[3]];
    } else {
      const s = c.value(2);
      size = [Math.floor(h * s[2]), Math.floor(w * s[3])];
    }
    if (mode === 'nearest') {
      if (coords !== 'asymmetric' || str(a, 'nearest_mode', 'round_prefer_floor') !== 'floor')
        throw new Error('nearest Resize is supported with asymmetric coordinates and floor rounding only');
      return [G.resize(x!, size, 'nearest')];
    }
    if (mode !== 'linear') throw new Error(`Resize mode ${mode} is not supported`);
    if (coords !== 'half_pixel' && coords !== 'align_corners' && coords !== 'asymmetric' && coords !== 'pytorch_half_pixel')
      throw new Error(`Resize coordinates ${coords} are not supported`);
    return [G.resize(x!, size, 'bilinear', coords === 'pytorch_half_pixel' ? 'half_pixel' : coords)];
  },
};

export function tensorValues(t: P.ITensorProto): ArrayLike<number> {
  const T = onnx.TensorProto.DataType;
  const n = (t.dims ?? []).reduce<number>((a, b) => a * Number(b), 1);
  if (t.rawData?.length) {
    const raw = t.rawData;
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    switch (t.dataType) {
      case T.FLOAT: {
        // Little-endian float32 is the native layout on every platform ORT runs on.
        const f = new Float32Array(n);
        new Uint8Array(f.buffer).set(raw.subarray(0, 4 * n));
        return f;
      }
      case T.INT64:
        return Array.from({ length: n }, (_, i) => Number(dv.getBigInt64(8 * i, true)));
      case T.INT32:
        return Array.from({ length: n }, (_, i) => dv.getInt32(4 * i, true));
      case T.DOUBLE:
        return Array.from({ length: n }, (_, i) => dv.getFloat64(8 * i, true));
      default:
        throw new Error(`initializer ${t.name}: data type ${t.dataType} is not supported`);
    }
  }
  if (t.floatData?.length) return [...t.floatData];
  if (t.int64Data?.length) return t.int64Data.map(Number);
  if (t.int32Data?.length) return [...t.int32Data];
  if (t.doubleData?.length) return [...t.doubleData];
  return [];
}

/**
 * The model with some float initializers replaced (fine-tuned weights by initializer name, shapes unchanged):
 * everything else, symbolic sizes included, stays as it was.
 */
export function withInitializers(
  bytes: Uint8Array,
  values: ReadonlyMap<string, Float32Array>,
  what: string,
  metadata: Record<string, string> = {},
): Uint8Array {
  const model = readOnnx(bytes, what);
  let replaced = 0;
  for (const t of model.graph?.initializer ?? []) {
    const v = values.get(t.name ?? '');
    if (!v) continue;
    const n = (t.dims ?? []).reduce((a: number, d) => a * Number(d), 1);
    if (v.length !== n || t.dataType !== onnx.TensorProto.DataType.FLOAT) throw new Error(`${what}: ${t.name} has ${n} float values, ${v.length} given`);
    t.floatData = [];
    t.rawData = new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
    replaced++;
  }
  if (replaced !== values.size) throw new Error(`${what}: ${values.size - replaced} of the given weights name no initializer`);
  // A key given replaces the source's (a fine-tune's licence is not its source's).
  model.metadataProps = model.metadataProps.filter((p) => !(p.key && p.key in metadata));
  for (const [key, value] of Object.entries(metadata)) model.metadataProps.push(onnx.StringStringEntryProto.create({ key, value }));
  return onnx.ModelProto.encode(model).finish();
}

export function readOnnx(bytes: Uint8Array, what: string): P.ModelProto {
  try {
    return onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new Error(`${what}: not a readable ONNX model (${(err as Error).message})`);
  }
}

/** Op types in the model that the importer cannot map. */
export function unsupportedOnnxOps(model: P.IModelProto): string[] {
  const ops = new Set((model.graph?.node ?? []).map((n) => n.opType ?? ''));
  return [...ops].filter((o) => o !== 'Constant' && o !== 'Shape' && !IMPORTERS[o]).sort();
}

/** The model's runtime inputs (graph inputs that are not initializers). */
export function onnxInputs(model: P.IModelProto): { name: string; shape: (number | string)[] }[] {
  const inits = new Set((model.graph?.initializer ?? []).map((t) => t.name));
  return (model.graph?.input ?? [])
    .filter((i) => !inits.has(i.name))
    .map((i) => ({ name: i.name ?? '', shape: (i.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue ?? 0))) }));
}

export interface ImportOptions {
  /**
   * Builds each conditional instance norm, `InstanceNormalization → Mul(scale) → Add(shift)`, in place of
   * the two nodes (Magenta's conditioning on a style vector): how feature-level strength mixes two styles per pixel.
   */
  conditionalNorm?: (normed: Tensor, scale: Tensor, shift: Tensor) => Tensor;
  /** Convolution weights and biases become parameters (initialized from the file) under `scope`, for fine-tuning. */
  trainable?: boolean;
}

/**
 * Adds the model's nodes to the graph of `inputs[0]`, feeding its runtime
 * inputs (in order) with `inputs`; weights become named constants under
 * `scope`, so importing the same model twice into one graph shares them.
 */
export function importOnnx(model: P.IModelProto, inputs: readonly Tensor[], scope: string, what: string, o: ImportOptions = {}): Tensor[] {
  const bad = unsupportedOnnxOps(model);
  if (bad.length) throw new Error(`${what}: unsupported ONNX ops: ${bad.join(', ')}`);
  const g = inputs[0].graph;
  const graph = model.graph!;
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const constants: Constants = new Map();
  for (const [name, t] of initializers) constants.set(name, { dims: (t.dims ?? []).map(Number), values: tensorValues(t), dtype: t.dataType ?? 1 });
  const values = new Map<string, Tensor>();
  const runtimeInputs = onnxInputs(model);
  if (runtimeInputs.length !== inputs.length) throw new Error(`${what}: model has ${runtimeInputs.length} inputs, ${inputs.length} given`);
  runtimeInputs.forEach((inp, i) => values.set(inp.name, inputs[i]));

  const convWeights = new Set(
    o.trainable
      ? (graph.node ?? [])
          .filter((n) => n.opType === 'Conv' || n.opType === 'ConvTranspose')
          .flatMap((n) => (n.input ?? []).slice(1).filter((i) => initializers.has(i)))
      : [],
  );
  const tensorFor = (name: string): Tensor => {
    const v = values.get(name);
    if (v) return v;
    const c = constants.get(name);
    if (!c) throw new Error(`${what}: value ${name} is used before it is computed`);
    if (convWeights.has(name)) {
      const p = g.param(`${scope}/${name}`, c.dims, Float32Array.from(c.values));
      values.set(name, p);
      return p;
    }
    const t = g.constant(c.values, c.dims, { name: `${scope}/${name}`, dtype: c.dtype === onnx.TensorProto.DataType.FLOAT ? 'float32' : 'int64' });
    values.set(name, t);
    return t;
  };

  // Conditional norms: the Add of `normed × scale + shift`, by its output, with its three operands' names.
  const condNorms = o.conditionalNorm ? conditionalNorms(graph) : new Map<string, [string, string, string]>();

  for (const node of graph.node ?? []) {
    const type = node.opType ?? '';
    const cond = condNorms.get(node.output?.[0] ?? '');
    if (cond && o.conditionalNorm) {
      values.set(node.output![0], o.conditionalNorm(...(cond.map(tensorFor) as [Tensor, Tensor, Tensor])));
      continue;
    }
    const attrs: Attrs = new Map((node.attribute ?? []).map((a) => [a.name ?? '', a]));
    const names = node.input ?? [];
    if (foldConstant(node, type, attrs, constants, tensorFor, what)) continue;
    const ctx: ImportContext = {
      has: (i) => !!names[i],
      value(i) {
        const c = constants.get(names[i] ?? '');
        if (!c) throw new Error(`${type} ${node.name}: input ${i} must be a constant`);
        return Array.from(c.values);
      },
    };
    // Non-float constant inputs (shapes, pads, axes) are read through ctx.value, not as tensors.
    const ins = names.map((n) => {
      if (!n) return undefined;
      const c = constants.get(n);
      if (c && c.dtype !== onnx.TensorProto.DataType.FLOAT) return undefined;
      return tensorFor(n);
    });
    let outs: Tensor[];
    try {
      outs = IMPORTERS[type](ins, attrs, ctx);
    } catch (err) {
      throw new Error(`${what}: node ${node.name ?? ''} (${type}): ${(err as Error).message}`);
    }
    (node.output ?? []).forEach((o, i) => {
      if (outs[i]) values.set(o, outs[i]);
    });
  }
  return (graph.output ?? []).map((o) => tensorFor(o.name ?? ''));
}

/** The conditional instance norms of a graph (normed × scale + shift, each used once), by their Add's output. */
function conditionalNorms(graph: P.IGraphProto): Map<string, [string, string, string]> {
  const condNorms = new Map<string, [string, string, string]>();
  const producer = new Map((graph.node ?? []).flatMap((n) => (n.output ?? []).map((out) => [out, n] as const)));
  const uses = new Map<string, number>();
  for (const n of graph.node ?? []) for (const i of n.input ?? []) uses.set(i, (uses.get(i) ?? 0) + 1);
  for (const add of graph.node ?? []) {
    if (add.opType !== 'Add') continue;
    const mul = producer.get(add.input![0]);
    const norm = mul?.opType === 'Mul' ? producer.get(mul.input![0]) : undefined;
    if (!mul || norm?.opType !== 'InstanceNormalization' || uses.get(mul.output![0]) !== 1 || uses.get(norm.output![0]) !== 1) continue;
    condNorms.set(add.output![0], [norm.output![0], mul.input![1], add.input![1]]);
  }
  return condNorms;
}

type Constants = Map<string, { dims: number[]; values: ArrayLike<number>; dtype: number }>;

/**
 * Nodes that fold to constants instead of IR ops: Constant, a Shape of a statically known size, and a Slice of a
 * constant vector (e.g. a crop to the input's size). Returns whether the node was one.
 */
function foldConstant(node: P.INodeProto, type: string, attrs: Attrs, constants: Constants, tensorFor: (name: string) => Tensor, what: string): boolean {
  const names = node.input ?? [];
  if (type === 'Constant') {
    const v = attrs.get('value')?.t;
    if (!v) throw new Error(`${what}: Constant ${node.name} without a tensor value is not supported`);
    constants.set(node.output![0], { dims: (v.dims ?? []).map(Number), values: tensorValues(v), dtype: v.dataType ?? 1 });
    return true;
  }
  // Shape computations on statically known sizes fold to constants (e.g. a crop to the input's size).
  if (type === 'Shape') {
    const t = tensorFor(names[0]);
    const shape = t.staticShape(`${what}: Shape of ${names[0]}`);
    constants.set(node.output![0], { dims: [shape.length], values: shape, dtype: onnx.TensorProto.DataType.INT64 });
    return true;
  }
  if (type === 'Slice' && constants.has(names[0]) && constants.get(names[0])!.dims.length === 1) {
    const src = Array.from(constants.get(names[0])!.values);
    const get = (i: number) => (names[i] ? Array.from(constants.get(names[i])!.values) : undefined);
    const [st, en] = [get(1)![0], get(2)![0]];
    const step = get(4)?.[0] ?? 1;
    const n = src.length;
    const norm = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
    const out: number[] = [];
    for (let k = norm(st); step > 0 ? k < norm(en) : k > norm(en); k += step) out.push(src[k]);
    constants.set(node.output![0], { dims: [out.length], values: out, dtype: constants.get(names[0])!.dtype });
    return true;
  }
  return false;
}
