// Runs IR graphs on ONNX Runtime. Sessions are built once per (graph, outputs)
// and reused: building one costs 0.4–0.7 s for a VGG-sized graph.
import { defaultProviders, defaultThreads, lackingOps, ort } from './engine.js';
import { Graph, type Tensor } from './graph.js';
import { graphFlops } from './flops.js';
import { toOnnx, type EmitOptions } from './onnx.js';

export interface RuntimeOptions {
  /** Intra-op threads; default: all cores. */
  threads?: number;
  /** ORT execution providers, e.g. ['cuda', 'cpu'] or in the browser ['webgpu', 'wasm']; default ['cpu'] (browser: ['wasm']). */
  executionProviders?: string[];
  /** Write an ORT profile (JSON) per session with this file prefix. */
  profilePrefix?: string;
  /** ORT's log level for the sessions (0 verbose … 4 fatal; default ORT's, 2): verbose lists which nodes run on which provider. */
  logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
  /**
   * Whether idle intra-op threads spin waiting for work (ORT's default, true: lowest latency between ops). False
   * where other work shares the cores while a network runs (clips: the stabilizer's thread), which spinning
   * threads would slow.
   */
  spinning?: boolean;
}

/** A float32 array with its shape, as graphs take and return them. */
export interface Float32Tensor {
  data: Float32Array;
  shape: number[];
}

/** Named float32 buffers for a graph's parameters (weights updated by optimizers). */
export class ParamStore {
  readonly values = new Map<string, Float32Array>();
  readonly shapes = new Map<string, number[]>();

  /** Adds every parameter of the graph not yet present, from its initial values (or zeros). */
  static fromGraph(graph: Graph, store = new ParamStore()): ParamStore {
    for (const p of graph.params) {
      if (store.values.has(p.name)) continue;
      const shape = p.staticShape('a parameter');
      store.shapes.set(p.name, shape);
      store.values.set(p.name, p.data ? Float32Array.from(p.data) : new Float32Array(shape.reduce((a, b) => a * b, 1)));
    }
    return store;
  }
  get(name: string): Float32Array {
    const v = this.values.get(name);
    if (!v) throw new Error(`no parameter named ${name}`);
    return v;
  }
  /** Total number of scalar parameters. */
  get size(): number {
    let n = 0;
    for (const v of this.values.values()) n += v.length;
    return n;
  }
}

export type Feed = Float32Array | Float32Tensor;

export class Program {
  /** FLOPs of one run, counted from the graph (for benchmarks' GFLOP/s). */
  readonly flops: number;
  constructor(
    private readonly session: ort.InferenceSession,
    readonly inputs: readonly Tensor[],
    readonly outputs: readonly Tensor[],
    private readonly outputNames: readonly string[],
    private readonly counter?: { flops: number },
  ) {
    this.flops = graphFlops(outputs);
  }

  /** Runs the graph. Inputs come from `feeds`; parameters from `params`. */
  async run(feeds: ReadonlyMap<Tensor, Feed> = new Map(), params?: ParamStore): Promise<Float32Tensor[]> {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const t of this.inputs) {
      let data: Float32Array;
      let shape: number[];
      const fed = feeds.get(t);
      if (fed) {
        if (fed instanceof Float32Array) {
          data = fed;
          shape = t.staticShape(`feeding a bare Float32Array to ${t.name}`);
        } else ({ data, shape } = fed);
      } else if (t.kind === 'param' && params) {
        data = params.get(t.name);
        shape = t.staticShape('a parameter');
      } else {
        throw new Error(`no value fed for ${t.kind} "${t.name}"`);
      }
      const n = shape.reduce((a, b) => a * b, 1);
      if (data.length !== n) throw new Error(`${t.name}: ${data.length} values fed for shape [${shape.join(', ')}]`);
      ortFeeds[t.name] = new ort.Tensor('float32', data, shape);
    }
    if (this.counter) this.counter.flops += this.flops;
    const res = await this.session.run(ortFeeds);
    return this.outputNames.map((name) => {
      const v = res[name];
      return { data: v.data as Float32Array, shape: [...v.dims] };
    });
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/**
 * Runs an image-to-tensor network on images of any size: one graph per size,
 * built on first use and reused (building costs far more than running).
 */
/**
 * One compiled program per image size, built on first use. At most `maxSizes` stay compiled (least recently
 * used first out, its session freed): a folder of photos of many sizes would otherwise keep a native session
 * (~90 MB for a style network) alive for every size it ever saw.
 */
export class ImagePrograms {
  private readonly programs = new Map<string, Promise<{ prog: Program; input: Tensor; extra: Tensor[] }>>();
  constructor(
    private readonly runtime: Runtime,
    private readonly build: (image: Tensor) => Tensor,
    private readonly prepare?: (g: Graph) => void,
    private readonly maxSizes = 2,
  ) {}

  /** How many sizes are compiled now. */
  get size(): number {
    return this.programs.size;
  }

  /** `extra`: values for the graph's further inputs, in order (under `normStats` 'carried': the momentum, then each norm's carried statistics). */
  async run(img: { width: number; height: number; data: Float32Array }, extra: readonly Float32Array[] = []): Promise<Float32Tensor> {
    return (await this.runAll(img, extra))[0];
  }

  /** The image's output, then the graph's further outputs (the averaged statistics under `normStats` 'carried'). */
  async runAll(img: { width: number; height: number; data: Float32Array }, extra: readonly Float32Array[] = []): Promise<Float32Tensor[]> {
    const key = `${img.width}x${img.height}x${img.data.length / (img.width * img.height)}`;
    let p = this.programs.get(key);
    if (p)
      this.programs.delete(key); // re-inserted below: most recently used last
    else {
      while (this.programs.size >= this.maxSizes) {
        const [oldest, q] = this.programs.entries().next().value!;
        this.programs.delete(oldest);
        await this.runtime.release((await q).prog);
      }
      p = (async () => {
        const g = new Graph();
        this.prepare?.(g);
        const input = g.input('image', [1, img.data.length / (img.width * img.height), img.height, img.width]);
        const out = this.build(input);
        const hook = g.normStats;
        const extra = hook?.mode === 'carried' ? [hook.momentum, ...hook.inputs] : [];
        const outputs = hook?.mode === 'carried' ? [out, ...hook.outputs] : [out];
        return { prog: await this.runtime.compile(outputs), input, extra };
      })();
      p.catch(() => this.programs.delete(key));
    }
    this.programs.set(key, p);
    const { prog, input, extra: more } = await p;
    if (more.length !== extra.length) throw new Error(`the program takes ${more.length} further inputs, ${extra.length} given`);
    return prog.run(new Map([[input, img.data], ...more.map((t, i) => [t, extra[i]] as const)]));
  }

  /** Frees every compiled size. */
  async release(): Promise<void> {
    const all = [...this.programs.values()];
    this.programs.clear();
    for (const p of all) await this.runtime.release((await p).prog);
  }
}

export class Runtime {
  private readonly cache = new Map<string, Promise<Program>>();
  readonly threads: number;
  /** FLOPs of every program run so far (benchmarks read and reset it). */
  readonly executed = { flops: 0 };
  constructor(private readonly opts: RuntimeOptions = {}) {
    this.threads = opts.threads ?? defaultThreads();
  }

  /** How many programs are compiled and held (each a native session). */
  get compiled(): number {
    return this.cache.size;
  }

  /** Compiles (once) the part of the graph that computes `outputs`. */
  compile(outputs: readonly Tensor[], emit: EmitOptions = {}): Promise<Program> {
    const graph = outputs[0].graph;
    const key = `${graph.id}:${graph.nodes.length}:${outputs.map((t) => t.id).join(',')}:${emit.params ?? 'inputs'}`;
    let p = this.cache.get(key);
    if (!p) {
      p = this.create(outputs, emit);
      this.cache.set(key, p);
      p.catch(() => this.cache.delete(key));
    }
    return p;
  }

  private async create(outputs: readonly Tensor[], emit: EmitOptions): Promise<Program> {
    const providers = this.opts.executionProviders ?? defaultProviders;
    const model = toOnnx(outputs[0].graph, outputs, { lacking: lackingOps(providers), ...emit });
    const session = await ort.InferenceSession.create(model.bytes, {
      intraOpNumThreads: this.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      executionProviders: [...providers],
      enableProfiling: !!this.opts.profilePrefix,
      profileFilePrefix: this.opts.profilePrefix,
      ...(this.opts.spinning === false ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
      ...(this.opts.logSeverityLevel !== undefined ? { logSeverityLevel: this.opts.logSeverityLevel, logVerbosityLevel: 0 } : {}),
    });
    return new Program(session, model.inputs, outputs, model.outputNames, this.executed);
  }

  /**
   * Builds a one-off graph over one NCHW image, runs it once and frees it (targets, evaluations): an image of a
   * new size each time would otherwise keep a native session per size alive.
   */
  async runOnce(image: { width: number; height: number; data: Float32Array }, outputs: (x: Tensor) => Tensor[]): Promise<Float32Tensor[]> {
    const g = new Graph();
    const x = g.input('image', [1, 3, image.height, image.width]);
    try {
      return await (await this.compile(outputs(x))).run(new Map([[x, image.data]]));
    } finally {
      await this.releaseGraph(g);
    }
  }

  /** Frees every program compiled from `graph` (call when a one-off graph is done: sessions hold native memory). */
  async releaseGraph(graph: Graph): Promise<void> {
    for (const [k, p] of [...this.cache]) {
      if (!k.startsWith(`${graph.id}:`)) continue;
      this.cache.delete(k);
      await (await p).release();
    }
  }

  /** Drops a compiled program from the cache and frees its session (for large one-off graphs). */
  async release(program: Program): Promise<void> {
    for (const [k, p] of this.cache) {
      if ((await p) === program) this.cache.delete(k);
    }
    await program.release();
  }

  async dispose(): Promise<void> {
    for (const p of this.cache.values()) await (await p).release();
    this.cache.clear();
  }
}
