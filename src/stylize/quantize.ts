// int8 stylization: a trained model's convolutions rewritten to ONNX Runtime's quantized operators, with
// per-output-channel weight scales and activation ranges calibrated on a few photos. Instance norm, the
// residual additions, padding and upsampling stay float. Two forms, measured against each other:
//  - 'qlinear': QuantizeLinear → QLinearConv (uint8 activations in and out, int32 bias) → DequantizeLinear;
//  - 'integer': QuantizeLinear → ConvInteger (int32 out) → Cast → × per-channel scale → + bias, which keeps the
//    output in float (no output range to calibrate, one rounding less).
import onnxProto from 'onnx-proto';
import type { onnx as P } from 'onnx-proto';
import { defaultThreads, ort } from '../graph/engine.js';
import type { RgbImage } from '../io/rgb.js';
import { readOnnx, tensorValues } from '../models/onnx-import.js';
import { STYLIZE_MARGIN } from './stylizer.js';

const { onnx } = onnxProto;
const T = onnx.TensorProto.DataType;

export type QuantizedForm = 'qlinear' | 'integer';

export interface QuantizeOptions {
  /** Calibration photos, at the size they should be run (the model's size multiple respected). */
  photos: RgbImage[];
  form?: QuantizedForm;
  /** Keep the first and last convolutions in float: they read and write the image itself [true]. */
  keepEnds?: boolean;
  threads?: number;
}

interface Range {
  min: number;
  max: number;
}

function tensor(name: string, dataType: number, dims: number[], bytes: Uint8Array): P.TensorProto {
  return onnx.TensorProto.create({ name, dataType, dims, rawData: bytes });
}
const floats = (name: string, dims: number[], v: ArrayLike<number>) => tensor(name, T.FLOAT, dims, new Uint8Array(Float32Array.from(v).buffer));
const uint8s = (name: string, dims: number[], v: ArrayLike<number>) => tensor(name, T.UINT8, dims, Uint8Array.from(v));
const int8s = (name: string, dims: number[], v: ArrayLike<number>) => tensor(name, T.INT8, dims, new Uint8Array(Int8Array.from(v).buffer));
const int32s = (name: string, dims: number[], v: ArrayLike<number>) => tensor(name, T.INT32, dims, new Uint8Array(Int32Array.from(v).buffer));

/** uint8 scale and zero point covering [min, max] (0 always representable exactly). */
function uint8Params(r: Range): { scale: number; zero: number } {
  const lo = Math.min(0, r.min);
  const hi = Math.max(0, r.max);
  const scale = (hi - lo) / 255 || 1;
  return { scale, zero: Math.min(255, Math.max(0, Math.round(-lo / scale))) };
}

/** Min and max of the named tensors over the photos, running a copy of the model that also outputs them. */
async function calibrate(model: P.ModelProto, names: string[], photos: RgbImage[], threads?: number): Promise<Map<string, Range>> {
  const probe = onnx.ModelProto.decode(onnx.ModelProto.encode(model).finish());
  const g = probe.graph as P.GraphProto;
  const outputs = new Set(g.output.map((o) => o.name));
  for (const n of names) if (!outputs.has(n)) g.output.push(onnx.ValueInfoProto.create({ name: n, type: { tensorType: { elemType: T.FLOAT } } }));
  const session = await ort.InferenceSession.create(onnx.ModelProto.encode(probe).finish(), {
    intraOpNumThreads: threads ?? defaultThreads(),
    executionProviders: ['cpu'],
  });
  const ranges = new Map<string, Range>(names.map((n) => [n, { min: Infinity, max: -Infinity }]));
  try {
    const input = session.inputNames[0];
    for (const p of photos) {
      const out = await session.run({ [input]: new ort.Tensor('float32', p.data, [1, 3, p.height, p.width]) }, names);
      for (const n of names) {
        const r = ranges.get(n)!;
        for (const v of out[n].data as Float32Array) {
          if (v < r.min) r.min = v;
          if (v > r.max) r.max = v;
        }
      }
    }
  } finally {
    await session.release();
  }
  return ranges;
}

/** The model with its convolutions in int8 (see the top of this file); metadata records the form and calibration. */
export async function quantizeModel(bytes: Uint8Array, what: string, o: QuantizeOptions): Promise<Uint8Array> {
  const form = o.form ?? 'qlinear';
  const model = readOnnx(bytes, what);
  const g = model.graph as P.GraphProto;
  const io = (n: P.INodeProto) => ({ input: n.input ?? [], output: n.output ?? [] });
  const inits = new Map(g.initializer.map((t) => [t.name, t]));
  let convs = g.node.filter((n) => n.opType === 'Conv' && inits.has(io(n).input[1]));
  if (o.keepEnds ?? true) convs = convs.slice(1, -1);
  if (!convs.length) throw new Error(`${what}: no convolution with constant weights to quantize`);
  const names = [...new Set([...convs.map((n) => io(n).input[0]), ...(form === 'qlinear' ? convs.map((n) => io(n).output[0]) : [])])];
  const ranges = await calibrate(model, names, o.photos, o.threads);

  const nodes: P.INodeProto[] = [];
  const added: P.TensorProto[] = [];
  const dropped = new Set<string>();
  const quantized = new Map<string, { q: string; scale: string; zero: string; s: number }>();
  const quantizedInput = (x: string) => {
    let q = quantized.get(x);
    if (!q) {
      const { scale, zero } = uint8Params(ranges.get(x)!);
      q = { q: `${x}/u8`, scale: `${x}/scale`, zero: `${x}/zero`, s: scale };
      added.push(floats(q.scale, [], [scale]), uint8s(q.zero, [], [zero]));
      nodes.push(onnx.NodeProto.create({ opType: 'QuantizeLinear', input: [x, q.scale, q.zero], output: [q.q], name: `${x}/quantize` }));
      quantized.set(x, q);
    }
    return q;
  };
  for (const n of g.node) {
    if (!convs.includes(n)) {
      nodes.push(n);
      continue;
    }
    const [x, wName, bName] = io(n).input;
    const w = inits.get(wName)!;
    const dims = (w.dims ?? []).map(Number);
    const cout = dims[0];
    const { wScale, wq } = perChannelInt8(tensorValues(w), cout);
    const bias = bName ? tensorValues(inits.get(bName)!) : new Float32Array(cout);
    dropped.add(wName);
    if (bName) dropped.add(bName);
    const xq = quantizedInput(x);
    const y = io(n).output[0];
    const attrs = n.attribute;
    added.push(int8s(`${y}/w_int8`, dims, wq));
    const conv = { n, y, attrs, cout, wScale, bias, xq };
    const made = form === 'qlinear' ? qlinearConv(conv, uint8Params(ranges.get(y)!)) : integerConv(conv);
    added.push(...made.added);
    nodes.push(...made.nodes);
  }
  const stillUsed = new Set(nodes.flatMap((n) => n.input ?? []));
  g.node = nodes as P.NodeProto[];
  g.initializer = [...g.initializer.filter((t) => !dropped.has(t.name ?? '') || stillUsed.has(t.name ?? '')), ...added];
  g.input = g.input.filter((i) => !dropped.has(i.name ?? '') || stillUsed.has(i.name ?? ''));
  model.metadataProps = [
    ...model.metadataProps.filter((p) => p.key !== 'precision'),
    onnx.StringStringEntryProto.create({ key: 'precision', value: `int8 (${form}; per-channel weights; activations calibrated on ${o.photos.length} photos)` }),
  ];
  return onnx.ModelProto.encode(model).finish();
}

/** Reflect-pads a planar image by `m` on every side plus `extraB`/`extraR` at the bottom and right. */
function reflectPad(img: RgbImage, m: number, extraB: number, extraR: number): RgbImage {
  const [w, h] = [img.width + 2 * m + extraR, img.height + 2 * m + extraB];
  const reflect = (i: number, n: number) => {
    const p = 2 * (n - 1) || 1;
    const k = ((i % p) + p) % p;
    return k < n ? k : p - k;
  };
  const data = new Float32Array(3 * w * h);
  const n0 = img.width * img.height;
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < h; y++) {
      const sy = reflect(y - m, img.height);
      for (let x = 0; x < w; x++) data[c * w * h + y * w + x] = img.data[c * n0 + sy * img.width + reflect(x - m, img.width)];
    }
  return { width: w, height: h, data };
}

/**
 * Runs a quantized model file as it is, in one ONNX Runtime session (the graph importer has no quantized ops):
 * the same reflected margin and size padding as the float stylizer, but no tiling — whole-image normalization
 * statistics need the importer — so images must fit in one run.
 */
export class Int8Stylizer {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly sizeMultiple: number,
    private readonly margin: number,
  ) {}

  static async create(bytes: Uint8Array, o: { threads?: number; margin?: number } = {}, what = 'int8 model'): Promise<Int8Stylizer> {
    if (!bytes.length) throw new Error(`${what}: empty file (0 bytes)`);
    const proto = readOnnx(bytes, what);
    // The fp32 path's check: one "image" in, one RGB "stylized" out (a quantized VGG or depth net is not a style model).
    const outs = proto.graph?.output ?? [];
    const ins = (proto.graph?.input ?? []).filter((i) => !(proto.graph?.initializer ?? []).some((t) => t.name === i.name));
    const channels = outs[0]?.type?.tensorType?.shape?.dim?.[1]?.dimValue;
    if (ins.length !== 1 || ins[0].name !== 'image' || outs.length !== 1 || outs[0].name !== 'stylized' || (channels != null && Number(channels) !== 3))
      throw new Error(
        `${what}: not an int8 style model (a depthstyle style model has one input "image" and one RGB output "stylized"; this one has ${outs.map((o) => `"${o.name}"`).join(', ') || 'no outputs'})`,
      );
    const meta = Object.fromEntries((proto.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
    const session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: o.threads ?? defaultThreads(),
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionProviders: ['cpu'],
    });
    return new Int8Stylizer(session, Number(meta.size_multiple) || 1, o.margin ?? STYLIZE_MARGIN);
  }

  async stylize(img: RgbImage): Promise<RgbImage> {
    const m = Math.max(0, Math.min(Math.round(this.margin), img.width - 1, img.height - 1));
    const k = this.sizeMultiple;
    const padded = reflectPad(img, m, (k - ((img.height + 2 * m) % k)) % k, (k - ((img.width + 2 * m) % k)) % k);
    const out = await this.session.run({ [this.session.inputNames[0]]: new ort.Tensor('float32', padded.data, [1, 3, padded.height, padded.width]) });
    const y = out[this.session.outputNames[0]].data as Float32Array;
    const data = new Float32Array(3 * img.width * img.height);
    const [pw, ph] = [padded.width, padded.height];
    for (let c = 0; c < 3; c++)
      for (let r = 0; r < img.height; r++)
        data.set(y.subarray(c * pw * ph + (r + m) * pw + m, c * pw * ph + (r + m) * pw + m + img.width), c * img.width * img.height + r * img.width);
    return { width: img.width, height: img.height, data };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

/** One convolution being quantized: its node, output name, attributes, per-channel weight scales, bias and quantized input. */
interface ConvToQuantize {
  n: P.INodeProto;
  y: string;
  attrs: P.INodeProto['attribute'];
  cout: number;
  wScale: Float32Array;
  bias: ArrayLike<number>;
  xq: { q: string; scale: string; zero: string; s: number };
}

/** Weights to int8 per output channel: the scale of each channel is its largest magnitude over 127. */
function perChannelInt8(wv: ArrayLike<number>, cout: number): { wScale: Float32Array; wq: Int8Array } {
  const per = wv.length / cout;
  const wScale = new Float32Array(cout);
  const wq = new Int8Array(wv.length);
  for (let c = 0; c < cout; c++) {
    let m = 0;
    for (let i = 0; i < per; i++) m = Math.max(m, Math.abs(wv[c * per + i]));
    wScale[c] = m / 127 || 1;
    for (let i = 0; i < per; i++) wq[c * per + i] = Math.round(wv[c * per + i] / wScale[c]);
  }
  return { wScale, wq };
}

/** The QLinearConv form: uint8 in and out (calibrated), int32 bias, then back to float. */
function qlinearConv(
  { n, y, attrs, cout, wScale, bias, xq }: ConvToQuantize,
  out: { scale: number; zero: number },
): { added: P.TensorProto[]; nodes: P.INodeProto[] } {
  const added = [
    floats(`${y}/w_scale`, [cout], wScale),
    int8s(`${y}/w_zero`, [cout], new Int8Array(cout)),
    floats(`${y}/y_scale`, [], [out.scale]),
    uint8s(`${y}/y_zero`, [], [out.zero]),
    int32s(
      `${y}/bias_int32`,
      [cout],
      Array.from(bias, (b, c) => Math.round(b / (xq.s * wScale[c]))),
    ),
  ];
  const nodes = [
    onnx.NodeProto.create({
      opType: 'QLinearConv',
      name: `${n.name}/int8`,
      attribute: attrs,
      output: [`${y}/u8`],
      input: [xq.q, xq.scale, xq.zero, `${y}/w_int8`, `${y}/w_scale`, `${y}/w_zero`, `${y}/y_scale`, `${y}/y_zero`, `${y}/bias_int32`],
    }),
    onnx.NodeProto.create({ opType: 'DequantizeLinear', name: `${n.name}/dequantize`, input: [`${y}/u8`, `${y}/y_scale`, `${y}/y_zero`], output: [y] }),
  ];
  return { added, nodes };
}

/** The ConvInteger form: uint8 in, int32 out, cast and scaled back to float with the bias added. */
function integerConv({ n, y, attrs, cout, wScale, bias, xq }: ConvToQuantize): { added: P.TensorProto[]; nodes: P.INodeProto[] } {
  const added = [
    floats(
      `${y}/scale`,
      [1, cout, 1, 1],
      Array.from(wScale, (s) => s * xq.s),
    ),
    floats(`${y}/bias`, [1, cout, 1, 1], bias),
  ];
  const nodes = [
    onnx.NodeProto.create({ opType: 'ConvInteger', name: `${n.name}/int8`, attribute: attrs, input: [xq.q, `${y}/w_int8`, xq.zero], output: [`${y}/i32`] }),
    onnx.NodeProto.create({
      opType: 'Cast',
      name: `${n.name}/cast`,
      attribute: [onnx.AttributeProto.create({ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: T.FLOAT })],
      input: [`${y}/i32`],
      output: [`${y}/f32`],
    }),
    onnx.NodeProto.create({ opType: 'Mul', name: `${n.name}/scale`, input: [`${y}/f32`, `${y}/scale`], output: [`${y}/scaled`] }),
    onnx.NodeProto.create({ opType: 'Add', name: `${n.name}/bias`, input: [`${y}/scaled`, `${y}/bias`], output: [y] }),
  ];
  return { added, nodes };
}
