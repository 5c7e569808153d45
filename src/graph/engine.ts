// The ONNX Runtime build that graphs run on. Node: onnxruntime-node. The web app's bundle swaps this
// file for engine.browser.ts (onnxruntime-web), so the same graph code runs in the page.
import os from 'node:os';
import ort from 'onnxruntime-node';

export { ort };
export const defaultThreads = (): number => os.availableParallelism();
export const defaultProviders: readonly string[] = ['cpu'];
/** ONNX ops the providers lack (the graph emits another form): ONNX Runtime's CPU provider has all we use. */
export const lackingOps = (_providers: readonly string[]): readonly string[] => [];
