// The TFLite reference interpreter (Google's WebAssembly build, shipped in
// @tensorflow/tfjs-tflite; a dev dependency only), loaded directly so it runs
// in Node: an independent oracle for our TFLite → IR conversion.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

interface TensorInfo {
  data(): Float32Array;
  shape: string;
}
interface Vec<T> {
  size(): number;
  get(i: number): T;
}
interface Runner {
  GetInputs(): Vec<TensorInfo>;
  GetOutputs(): Vec<TensorInfo>;
  Infer(): boolean;
}
interface WasmModule {
  _malloc(n: number): number;
  HEAPU8: Uint8Array;
  TFLiteWebModelRunner: { CreateFromBufferAndOptions(ptr: number, len: number, opts: object): { ok(): boolean; errorMessage(): string; value(): Runner } };
}

const require = createRequire(import.meta.url);

/** Runs a TFLite model on NHWC float32 inputs; returns its outputs (NHWC, flat). */
export async function runTfliteReference(model: Uint8Array, inputs: Float32Array[]): Promise<{ data: Float32Array; shape: number[] }[]> {
  const dir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-tflite/package.json')), 'wasm');
  const factory = require(path.join(dir, 'tflite_web_api_cc.js')) as (o: object) => Promise<WasmModule>;
  const k = await factory({ wasmBinary: readFileSync(path.join(dir, 'tflite_web_api_cc.wasm')), print: () => undefined, printErr: () => undefined });
  const ptr = k._malloc(model.length);
  k.HEAPU8.set(model, ptr);
  const created = k.TFLiteWebModelRunner.CreateFromBufferAndOptions(ptr, model.length, {
    numThreads: 1,
    enableProfiling: false,
    maxProfilingBufferEntries: 1024,
  });
  if (!created.ok()) throw new Error(`TFLite reference: ${created.errorMessage()}`);
  const runner = created.value();
  const ins = runner.GetInputs();
  inputs.forEach((d, i) => ins.get(i).data().set(d));
  if (!runner.Infer()) throw new Error('TFLite reference: inference failed');
  const outs = runner.GetOutputs();
  return Array.from({ length: outs.size() }, (_, i) => {
    const o = outs.get(i);
    return { data: Float32Array.from(o.data()), shape: String(o.shape).split(',').map(Number) };
  });
}
