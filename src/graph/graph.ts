// The typed graph IR: tensors with dtypes and (partly symbolic) shapes, nodes
// applying op definitions, and the three kinds of leaves: inputs (fed per run),
// parameters (fed from a parameter store, trainable) and constants (baked into
// the ONNX file as initializers).
import type { NDArray } from './ndarray.js';

export type DType = 'float32' | 'int64' | 'bool';
/** A dimension: a number when known at build time, a name when symbolic (e.g. "batch"). */
export type Dim = number | string;
export interface TensorType {
  readonly dtype: DType;
  readonly shape: readonly Dim[];
}

export type AttrValue = { i: number } | { f: number } | { ints: readonly number[] } | { floats: readonly number[] } | { s: string };

/** What an op's `emit` writes ONNX nodes into. */
export interface Emitter {
  /** Adds one ONNX node; `outputs` may be a count, then fresh names are made. Returns output names. */
  node(opType: string, inputs: readonly string[], outputs: readonly string[] | number, attrs?: Record<string, AttrValue>): string[];
  constInt64(values: readonly number[], dims?: readonly number[]): string;
  constFloat(values: ArrayLike<number>, dims: readonly number[]): string;
  /** Whether the execution provider the model is for lacks this ONNX op (the op then emits another form). */
  lacks(opType: string): boolean;
}

export interface GradContext<A> {
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
  readonly attrs: A;
  /** Gradient arriving at each output (undefined: that output does not reach the loss). */
  readonly dOutputs: readonly (Tensor | undefined)[];
  /** Whether the gradient of each input is wanted; rules skip the others. */
  readonly needs: readonly boolean[];
}

/**
 * An op: shape inference, ONNX emission, a float64 reference implementation and
 * (for differentiable ops) a gradient rule written with other ops of the IR.
 */
export interface OpDef<A> {
  readonly type: string;
  infer(inputs: readonly TensorType[], attrs: A): TensorType[];
  emit(e: Emitter, inputs: readonly string[], outputs: readonly string[], attrs: A, types: NodeTypes): void;
  ref(inputs: readonly NDArray[], attrs: A, types: NodeTypes): NDArray[];
  grad?(ctx: GradContext<A>): (Tensor | undefined)[];
  /** Floating-point operations of one run (multiply-adds count 2); default: one per output element. */
  flops?(types: NodeTypes, attrs: A): number;
}

export interface NodeTypes {
  readonly inputs: readonly TensorType[];
  readonly outputs: readonly TensorType[];
}

export type TensorKind = 'input' | 'param' | 'const' | 'node';

export class Tensor implements TensorType {
  constructor(
    readonly graph: Graph,
    readonly id: number,
    readonly name: string,
    readonly dtype: DType,
    readonly shape: readonly Dim[],
    readonly kind: TensorKind,
    readonly producer?: Node,
    /** Constant values, or a parameter's initial values. int64 constants hold exact integers in a Float64Array. */
    readonly data?: Float32Array | Float64Array,
  ) {}
  get rank(): number {
    return this.shape.length;
  }
  /** Concrete shape; throws if a dimension is symbolic. */
  staticShape(what = 'this operation'): number[] {
    return this.shape.map((d) => {
      if (typeof d !== 'number') throw new Error(`${what} needs a static shape, but ${this.name} has [${this.shape.join(', ')}]`);
      return d;
    });
  }
  toString(): string {
    return `${this.name}: ${this.dtype}[${this.shape.join(', ')}]`;
  }
}

export class Node {
  constructor(
    readonly id: number,
    readonly name: string,
    readonly op: OpDef<unknown>,
    readonly inputs: readonly Tensor[],
    readonly attrs: unknown,
    readonly outputs: Tensor[],
  ) {}
  get types(): NodeTypes {
    return { inputs: this.inputs, outputs: this.outputs };
  }
}

export function formatShape(s: readonly Dim[]): string {
  return `[${s.join(', ')}]`;
}

let graphCounter = 0;

/**
 * Instance-norm statistics override, for stylizing an image in tiles as if it
 * were whole: 'capture' records each instance norm's per-channel input mean
 * and variance (in build order); 'fixed' normalizes with given statistics.
 */
export type NormStatsHook =
  | { mode: 'capture'; captured: Tensor[] }
  | { mode: 'fixed'; stats: { mean: Float32Array; variance: Float32Array }[]; next: number }
  /**
   * Video in one pass: every norm measures its input's statistics and normalizes with
   * `momentum`·carried + (1 − momentum)·measured, the carried ones graph inputs (`inputs`, [mean, variance] per
   * norm) and the averaged ones graph outputs (`outputs`), fed back in with the next frame.
   */
  | { mode: 'carried'; momentum: Tensor; inputs: Tensor[]; outputs: Tensor[] };

export class Graph {
  readonly id = ++graphCounter;
  normStats?: NormStatsHook;
  readonly nodes: Node[] = [];
  readonly tensors: Tensor[] = [];
  private readonly byName = new Map<string, Tensor>();
  private readonly scopes: string[] = [];
  private readonly scalarCache = new Map<number, Tensor>();
  private nodeCounter = 0;

  get inputs(): Tensor[] {
    return this.tensors.filter((t) => t.kind === 'input');
  }
  get params(): Tensor[] {
    return this.tensors.filter((t) => t.kind === 'param');
  }

  private scoped(name: string): string {
    return this.scopes.length ? `${this.scopes.join('/')}/${name}` : name;
  }

  /** Runs `fn` with names prefixed by `name/`; parameters created inside are shared if the scope is entered again. */
  scope<T>(name: string, fn: () => T): T {
    this.scopes.push(name);
    try {
      return fn();
    } finally {
      this.scopes.pop();
    }
  }

  private addLeaf(name: string, dtype: DType, shape: readonly Dim[], kind: TensorKind, data?: Float32Array | Float64Array): Tensor {
    if (this.byName.has(name)) throw new Error(`graph already has a tensor named "${name}"`);
    for (const d of shape) {
      if (typeof d === 'number' && (!Number.isInteger(d) || d < 0)) throw new Error(`${name}: invalid dimension ${d} in ${formatShape(shape)}`);
    }
    const t = new Tensor(this, this.tensors.length, name, dtype, [...shape], kind, undefined, data);
    this.tensors.push(t);
    this.byName.set(name, t);
    return t;
  }

  /** A runtime input, fed on every run. */
  input(name: string, shape: readonly Dim[], dtype: DType = 'float32'): Tensor {
    return this.addLeaf(this.scoped(name), dtype, shape, 'input');
  }

  /**
   * A trainable parameter, fed from a parameter store. Asking again for the same
   * scoped name returns the same tensor: this is how sub-graphs share weights.
   */
  param(name: string, shape: readonly number[], init?: Float32Array): Tensor {
    const full = this.scoped(name);
    const existing = this.byName.get(full);
    if (existing) {
      if (existing.kind !== 'param' || formatShape(existing.shape) !== formatShape(shape)) {
        throw new Error(`parameter "${full}" reused with shape ${formatShape(shape)}, but it is ${existing.kind} ${formatShape(existing.shape)}`);
      }
      return existing;
    }
    if (init && init.length !== shape.reduce((a, b) => a * b, 1)) {
      throw new Error(`parameter "${full}": ${init.length} initial values for shape ${formatShape(shape)}`);
    }
    return this.addLeaf(full, 'float32', shape, 'param', init);
  }

  /**
   * A constant baked into the model. Named constants are shared like parameters
   * (a sub-graph built twice reuses its weights); unnamed ones are fresh.
   */
  constant(data: ArrayLike<number>, shape: readonly number[], opts: { name?: string; dtype?: DType } = {}): Tensor {
    const dtype = opts.dtype ?? 'float32';
    const n = shape.reduce((a, b) => a * b, 1);
    if (data.length !== n) throw new Error(`constant ${opts.name ?? ''}: ${data.length} values for shape ${formatShape(shape)}`);
    if (opts.name) {
      const full = this.scoped(opts.name);
      const existing = this.byName.get(full);
      if (existing) return existing;
      return this.addLeaf(full, dtype, shape, 'const', dtype === 'float32' ? Float32Array.from(data) : Float64Array.from(data));
    }
    return this.addLeaf(`const_${this.tensors.length}`, dtype, shape, 'const', dtype === 'float32' ? Float32Array.from(data) : Float64Array.from(data));
  }

  /** A float32 scalar constant (shape []), cached by value. */
  scalar(value: number): Tensor {
    let t = this.scalarCache.get(value);
    if (!t) {
      t = this.addLeaf(`scalar_${this.tensors.length}`, 'float32', [], 'const', Float32Array.of(value));
      this.scalarCache.set(value, t);
    }
    return t;
  }

  tensor(name: string): Tensor | undefined {
    return this.byName.get(name);
  }

  /** Applies an op; shape inference runs now, so mistakes fail at build time naming the op. */
  apply<A>(op: OpDef<A>, inputs: readonly Tensor[], attrs: A): Tensor[] {
    for (const t of inputs) {
      if (t.graph !== this) throw new Error(`${op.type}: input ${t.name} belongs to another graph`);
    }
    const name = this.scoped(`${op.type}_${++this.nodeCounter}`);
    let types: TensorType[];
    try {
      types = op.infer(inputs, attrs);
    } catch (err) {
      const shapes = inputs.map((t) => `${t.name}${formatShape(t.shape)}`).join(', ');
      throw new Error(`${op.type} "${name}": ${(err as Error).message} (inputs: ${shapes})`);
    }
    const node = new Node(this.nodes.length, name, op as OpDef<unknown>, [...inputs], attrs, []);
    types.forEach((ty, i) => {
      const t = new Tensor(this, this.tensors.length, types.length === 1 ? name : `${name}:${i}`, ty.dtype, ty.shape, 'node', node);
      this.tensors.push(t);
      this.byName.set(t.name, t);
      node.outputs.push(t);
    });
    this.nodes.push(node);
    return node.outputs;
  }

  /** Nodes needed to compute `outputs`, in topological (creation) order. */
  nodesFor(outputs: readonly Tensor[]): Node[] {
    const needed = new Set<number>();
    const stack = [...outputs];
    while (stack.length) {
      const t = stack.pop()!;
      const p = t.producer;
      if (!p || needed.has(p.id)) continue;
      needed.add(p.id);
      stack.push(...p.inputs);
    }
    return this.nodes.filter((n) => needed.has(n.id));
  }
}
