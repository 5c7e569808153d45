// Serializes the IR to an ONNX ModelProto with onnx-proto (protobufjs classes
// generated from the official onnx.proto).
import onnxProto from 'onnx-proto';
import type { onnx as P } from 'onnx-proto';
import type { AttrValue, Emitter, Graph, Tensor, DType } from './graph.js';

const { onnx } = onnxProto;

export const OPSET = 17;
const IR_VERSION = 8;

const ELEM: Record<DType, number> = { float32: onnx.TensorProto.DataType.FLOAT, int64: onnx.TensorProto.DataType.INT64, bool: onnx.TensorProto.DataType.BOOL };

export interface EmitOptions {
  /** 'inputs' (default): parameters are graph inputs fed at run time; 'initializers': baked in (for export). */
  params?: 'inputs' | 'initializers';
  /** Extra parameter values when baking; defaults to each parameter's initial values. */
  paramValues?: ReadonlyMap<string, Float32Array>;
  name?: string;
  /** Names for the graph outputs (default: the tensors' own names). */
  outputNames?: string[];
  metadata?: Record<string, string>;
  /** ONNX ops the execution provider lacks (engine's `lackingOps`): ops that have another form emit it. */
  lacking?: readonly string[];
}

export interface EmittedModel {
  bytes: Uint8Array;
  /** Names of graph inputs, in order: runtime inputs then parameters fed at run time. */
  inputs: Tensor[];
  outputNames: string[];
}

function valueInfo(name: string, dtype: DType, shape: readonly (number | string)[]): P.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: ELEM[dtype], shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

function attrProto(name: string, v: AttrValue): P.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if ('i' in v) return { name, type: T.INT, i: v.i };
  if ('f' in v) return { name, type: T.FLOAT, f: v.f };
  if ('ints' in v) return { name, type: T.INTS, ints: [...v.ints] };
  if ('floats' in v) return { name, type: T.FLOATS, floats: [...v.floats] };
  return { name, type: T.STRING, s: new TextEncoder().encode(v.s) };
}

function tensorProto(name: string, dtype: DType, dims: readonly number[], values: ArrayLike<number>): P.ITensorProto {
  let raw: Uint8Array;
  if (dtype === 'float32') {
    const f = values instanceof Float32Array ? values : Float32Array.from(values);
    raw = new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
  } else if (dtype === 'int64') {
    const b = new BigInt64Array(values.length);
    for (let i = 0; i < values.length; i++) b[i] = BigInt(values[i]);
    raw = new Uint8Array(b.buffer);
  } else {
    raw = Uint8Array.from(values);
  }
  return { name, dataType: ELEM[dtype], dims: [...dims], rawData: raw };
}

class ProtoEmitter implements Emitter {
  readonly nodes: P.INodeProto[] = [];
  readonly initializers: P.ITensorProto[] = [];
  private counter = 0;
  private readonly int64Cache = new Map<string, string>();
  constructor(
    private readonly prefix: string,
    private readonly lacking: ReadonlySet<string> = new Set(),
  ) {}

  lacks(opType: string): boolean {
    return this.lacking.has(opType);
  }

  fresh(): string {
    return `${this.prefix}${++this.counter}`;
  }
  node(opType: string, inputs: readonly string[], outputs: readonly string[] | number, attrs: Record<string, AttrValue> = {}): string[] {
    const outs = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.fresh()) : [...outputs];
    this.nodes.push({
      opType,
      input: [...inputs],
      output: outs,
      name: `${opType}_${this.nodes.length}`,
      attribute: Object.entries(attrs).map(([k, v]) => attrProto(k, v)),
    });
    return outs;
  }
  constInt64(values: readonly number[], dims?: readonly number[]): string {
    const d = dims ?? [values.length];
    const key = `${d.join('x')}:${values.length < 64 ? values.join(',') : ''}`;
    if (values.length < 64) {
      const hit = this.int64Cache.get(key);
      if (hit) return hit;
    }
    const name = this.fresh();
    this.initializers.push(tensorProto(name, 'int64', d, values));
    if (values.length < 64) this.int64Cache.set(key, name);
    return name;
  }
  constFloat(values: ArrayLike<number>, dims: readonly number[]): string {
    const name = this.fresh();
    this.initializers.push(tensorProto(name, 'float32', dims, values));
    return name;
  }
}

/** Emits the nodes needed for `outputs` (and only those) as an ONNX model. */
export function toOnnx(graph: Graph, outputs: readonly Tensor[], opts: EmitOptions = {}): EmittedModel {
  const nodes = graph.nodesFor(outputs);
  const e = new ProtoEmitter('_t', new Set(opts.lacking));
  const used = new Map<number, Tensor>();
  for (const n of nodes) for (const t of n.inputs) if (t.kind !== 'node') used.set(t.id, t);
  for (const t of outputs) if (t.kind !== 'node') used.set(t.id, t);

  const inputs: Tensor[] = [];
  const bakeParams = opts.params === 'initializers';
  for (const t of [...used.values()].sort((a, b) => a.id - b.id)) {
    if (t.kind === 'input' || (t.kind === 'param' && !bakeParams)) inputs.push(t);
    else if (t.kind === 'param') {
      const v = opts.paramValues?.get(t.name) ?? t.data;
      if (!v) throw new Error(`toOnnx: no value for parameter ${t.name}`);
      e.initializers.push(tensorProto(t.name, 'float32', t.shape as number[], v));
    } else if (t.kind === 'const') e.initializers.push(tensorProto(t.name, t.dtype, t.shape as number[], t.data!));
  }
  for (const n of nodes)
    n.op.emit(
      e,
      n.inputs.map((t) => t.name),
      n.outputs.map((t) => t.name),
      n.attrs,
      n.types,
    );

  // Graph outputs must be distinct and produced inside the graph.
  const outputNames: string[] = [];
  const seen = new Set<string>();
  outputs.forEach((t, i) => {
    let name = t.name;
    const wanted = opts.outputNames?.[i];
    if (wanted) name = e.node('Identity', [t.name], [wanted])[0];
    else if (t.kind !== 'node' || seen.has(name)) name = e.node('Identity', [t.name], 1)[0];
    seen.add(name);
    outputNames.push(name);
  });

  const model: P.IModelProto = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'depthstyle',
    graph: {
      name: opts.name ?? `graph${graph.id}`,
      node: e.nodes,
      initializer: e.initializers,
      input: inputs.map((t) => valueInfo(t.name, t.dtype, t.shape)),
      output: outputs.map((t, i) => valueInfo(outputNames[i], t.dtype, t.shape)),
    },
    metadataProps: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
  };
  return { bytes: onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish(), inputs, outputNames };
}
