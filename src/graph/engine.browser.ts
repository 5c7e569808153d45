// The browser's ONNX Runtime (see engine.ts): onnxruntime-web, WebGPU where the page asks for it, else WASM.
// Threads and the location of the .wasm files are set on ort.env by the page.
import * as ort from 'onnxruntime-web';

export { ort };
export const defaultThreads = (): number => (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
export const defaultProviders: readonly string[] = ['wasm'];
/**
 * ONNX ops the providers lack (the graph emits another form). WebGPU has no SpaceToDepth: ORT placed it on the
 * CPU, a copy of the layer's input from the GPU and back (test/webgpu.test.ts, 2026-12-06).
 */
export const lackingOps = (providers: readonly string[]): readonly string[] => (providers.includes('webgpu') ? ['SpaceToDepth'] : []);
