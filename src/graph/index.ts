// The graph engine: IR, ops, autodiff, ONNX emission, ORT runtime.
export { Graph, Tensor, Node, type DType, type Dim, type TensorType, type OpDef, type GradContext, type Emitter, type AttrValue } from './graph.js';
export { NDArray } from './ndarray.js';
export { grad, type GradOptions } from './autodiff.js';
export { toOnnx, OPSET, type EmitOptions, type EmittedModel } from './onnx.js';
export { evaluate } from './reference.js';
export { graphFlops } from './flops.js';
export { Runtime, Program, ParamStore, ImagePrograms, type RuntimeOptions, type Float32Tensor, type Feed } from './runtime.js';
export * from './ops/elementwise.js';
export * from './ops/layout.js';
export * from './ops/pad.js';
export * from './ops/like.js';
export * from './ops/reduce.js';
export * from './ops/conv.js';
export * from './ops/conv-weight-grad.js';
export * from './ops/pool.js';
export * from './ops/resize.js';
export * from './ops/norm.js';
