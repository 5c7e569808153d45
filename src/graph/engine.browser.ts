// The browser's ONNX Runtime (see engine.ts): onnxruntime-web, WebGPU where the page asks for it, else WASM.
// Threads and the location of the .wasm files are set on ort.env by the page.
import * as ort from 'onnxruntime-web';

export { ort };
export const defaultThreads = (): number => (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
export const defaultProviders: readonly string[] = ['wasm'];
