// A reader for the parts of the TFLite flatbuffer schema (tensorflow/lite/
// schema/schema.fbs) that single-image depth networks use, on the
// `flatbuffers` runtime. Field ids below are the schema's declaration order.
import { ByteBuffer } from 'flatbuffers';

export const TFLITE_TYPES = ['float32', 'float16', 'int32', 'uint8', 'int64', 'string', 'bool', 'int16', 'complex64', 'int8'] as const;
export type TfliteType = (typeof TFLITE_TYPES)[number];

/** BuiltinOperator codes we map (schema.fbs enum BuiltinOperator). */
export const BUILTIN = {
  ADD: 0,
  AVERAGE_POOL_2D: 1,
  CONCATENATION: 2,
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 4,
  DEQUANTIZE: 6,
  LOGISTIC: 14,
  MAX_POOL_2D: 17,
  MUL: 18,
  RELU: 19,
  RELU6: 21,
  RESHAPE: 22,
  RESIZE_BILINEAR: 23,
  TANH: 28,
  PAD: 34,
  SUB: 41,
  MEAN: 40,
  STRIDED_SLICE: 45,
  MAXIMUM: 55,
  TRANSPOSE_CONV: 67,
  RSQRT: 76,
  RESIZE_NEAREST_NEIGHBOR: 97,
  LEAKY_RELU: 98,
  SQUARED_DIFFERENCE: 99,
  MIRROR_PAD: 100,
  QUANTIZE: 114,
} as const;

export const BUILTIN_NAMES: Record<number, string> = Object.fromEntries(Object.entries(BUILTIN).map(([k, v]) => [v, k]));

export interface TfliteTensor {
  index: number;
  name: string;
  shape: number[];
  type: TfliteType;
  /** Constant data (decoded to numbers), if the tensor has a buffer. */
  data?: Float32Array | Int32Array;
}

/** An operator with its builtin options table, read lazily by field id. */
export interface TfliteOperator {
  index: number;
  builtin: number;
  inputs: number[];
  outputs: number[];
  /** Reads an int/bool/byte field of the options table (default if absent). */
  optInt(id: number, dflt?: number): number;
  optByte(id: number, dflt?: number): number;
  optFloat(id: number, dflt?: number): number;
}

export interface TfliteModel {
  tensors: TfliteTensor[];
  operators: TfliteOperator[];
  inputs: number[];
  outputs: number[];
}

/** IEEE half → float. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** The flatbuffer's tables and vectors by field id (the TFLite schema's numbering), read with the flatbuffers runtime. */
class FlatReader {
  constructor(readonly bb: ByteBuffer) {}
  field(table: number, id: number): number {
    return this.bb.__offset(table, 4 + 2 * id);
  }
  private vector<T>(table: number, id: number, width: number, read: (at: number) => T): T[] {
    const o = this.field(table, id);
    if (!o) return [];
    const start = this.bb.__vector(table + o);
    return Array.from({ length: this.bb.__vector_len(table + o) }, (_, i) => read(start + width * i));
  }
  tables(table: number, id: number): number[] {
    return this.vector(table, id, 4, (at) => this.bb.__indirect(at));
  }
  ints(table: number, id: number): number[] {
    return this.vector(table, id, 4, (at) => this.bb.readInt32(at));
  }
  floats(table: number, id: number): number[] {
    return this.vector(table, id, 4, (at) => this.bb.readFloat32(at));
  }
  longs(table: number, id: number): number[] {
    return this.vector(table, id, 8, (at) => Number(this.bb.readInt64(at)));
  }
  int(table: number, id: number, d = 0): number {
    return this.field(table, id) ? this.bb.readInt32(table + this.field(table, id)) : d;
  }
  byte(table: number, id: number, d = 0): number {
    return this.field(table, id) ? this.bb.readInt8(table + this.field(table, id)) : d;
  }
  float(table: number, id: number, d = 0): number {
    return this.field(table, id) ? this.bb.readFloat32(table + this.field(table, id)) : d;
  }
  str(table: number, id: number): string {
    return this.field(table, id) ? (this.bb.__string(table + this.field(table, id)) as string) : '';
  }
  /** A sub-table (0 when absent). */
  table(table: number, id: number): number {
    const o = this.field(table, id);
    return o ? this.bb.__indirect(table + o) : 0;
  }
}

/**
 * A constant tensor's values as float32 (or int32 for integer constants: sizes, pads, axes). Quantized (int8/uint8)
 * constants are dequantized here: f = scale·(q − zero_point), per channel along quantized_dimension
 * (QuantizationParameters 2, 3, 6).
 */
function constantData(r: FlatReader, t: number, tensor: TfliteTensor, buf: Uint8Array): void {
  const { shape, type } = tensor;
  const n = shape.reduce((a, b) => a * b, 1);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const need = { float32: 4, float16: 2, int32: 4, int8: 1, uint8: 1 }[type as string];
  if (!need) throw new Error(`tensor ${tensor.name}: constant of type ${type} is not supported`);
  if (buf.length !== n * need) throw new Error(`tensor ${tensor.name}: buffer has ${buf.length} bytes, shape [${shape.join(', ')}] needs ${n * need}`);
  if (type === 'float32') tensor.data = Float32Array.from({ length: n }, (_, i) => dv.getFloat32(4 * i, true));
  else if (type === 'float16') tensor.data = Float32Array.from({ length: n }, (_, i) => halfToFloat(dv.getUint16(2 * i, true)));
  else {
    const q = r.table(t, 4);
    const scale = q ? r.floats(q, 2) : [];
    // An int32 constant without scales is an integer (sizes, pads, axes); with scales it is a quantized bias.
    if (type === 'int32' && !scale.length) {
      tensor.data = Int32Array.from({ length: n }, (_, i) => dv.getInt32(4 * i, true));
      return;
    }
    if (!scale.length) throw new Error(`tensor ${tensor.name}: ${type} constant without quantization scale`);
    const zero = r.longs(q, 3);
    const qdim = r.int(q, 6);
    const inner = shape.slice(qdim + 1).reduce((a, b) => a * b, 1);
    const channels = shape[qdim] ?? 1;
    if (scale.length !== 1 && scale.length !== channels) throw new Error(`tensor ${tensor.name}: ${scale.length} quantization scales for ${channels} channels`);
    tensor.data = Float32Array.from({ length: n }, (_, i) => {
      const ch = scale.length === 1 ? 0 : Math.floor(i / inner) % channels;
      const v = type === 'int8' ? dv.getInt8(i) : type === 'uint8' ? dv.getUint8(i) : dv.getInt32(4 * i, true);
      return scale[ch] * (v - (zero[scale.length === 1 ? 0 : ch] ?? 0));
    });
    tensor.type = 'float32';
  }
}

export function readTflite(bytes: Uint8Array, what = 'TFLite model'): TfliteModel {
  if (bytes.length < 8) throw new Error(`${what}: file too small to be a TFLite model`);
  const bb = new ByteBuffer(bytes);
  if (bb.__has_identifier('TFL3') === false) throw new Error(`${what}: not a TFLite flatbuffer (missing "TFL3" identifier)`);
  const r = new FlatReader(bb);
  try {
    const root = bb.readInt32(bb.position()) + bb.position();
    // Model: operator_codes (1), subgraphs (2), buffers (4).
    const opcodes = r.tables(root, 1).map((t) => Math.max(r.byte(t, 0), r.int(t, 3)));
    const buffers = r.tables(root, 4).map((t) => {
      const o = r.field(t, 0);
      if (!o) return undefined;
      const start = bb.__vector(t + o);
      return bytes.subarray(start, start + bb.__vector_len(t + o));
    });
    const subgraphs = r.tables(root, 2);
    if (subgraphs.length !== 1) throw new Error(`expected one subgraph, found ${subgraphs.length}`);
    const sg = subgraphs[0];
    // Tensor: shape (0), type (1), buffer (2), name (3), quantization (4).
    const tensors: TfliteTensor[] = r.tables(sg, 0).map((t, index) => {
      const tensor: TfliteTensor = { index, name: r.str(t, 3), shape: r.ints(t, 0), type: TFLITE_TYPES[r.byte(t, 1)] };
      const buf = buffers[r.int(t, 2)];
      if (buf?.length) constantData(r, t, tensor, buf);
      return tensor;
    });
    // Operator: opcode_index (0), inputs (1), outputs (2), builtin_options (4).
    const operators: TfliteOperator[] = r.tables(sg, 3).map((t, index) => {
      const opts = r.table(t, 4);
      return {
        index,
        builtin: opcodes[r.int(t, 0)],
        inputs: r.ints(t, 1),
        outputs: r.ints(t, 2),
        optInt: (id, d = 0) => (opts ? r.int(opts, id, d) : d),
        optByte: (id, d = 0) => (opts ? r.byte(opts, id, d) : d),
        optFloat: (id, d = 0) => (opts ? r.float(opts, id, d) : d),
      };
    });
    return { tensors, operators, inputs: r.ints(sg, 1), outputs: r.ints(sg, 2) };
  } catch (err) {
    throw new Error(`${what}: malformed TFLite flatbuffer (${(err as Error).message})`);
  }
}
