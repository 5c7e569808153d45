// Every op's forward emission against the float64 reference, and its gradient
// against central finite differences (see gradcheck.ts).
import { test } from 'node:test';
import * as G from '../src/graph/index.js';
import type { Rng } from '../src/optim/random.js';
import { checkGradients, type InputSpec } from './gradcheck.js';

const pos = (r: Rng) => r.uniform(0.5, 2);
const away = (r: Rng) => (r.next() < 0.5 ? -1 : 1) * r.uniform(0.2, 1.5);
const T = (...shape: number[]): InputSpec => ({ shape });
const P = (...shape: number[]): InputSpec => ({ shape, gen: pos });

type Case = [string, (g: G.Graph, x: G.Tensor[]) => G.Tensor, InputSpec[]];

const cases: Case[] = [
  // broadcasting arithmetic
  ['Add broadcast', (_g, [a, b]) => G.add(a, b), [T(2, 3, 5), T(3, 1)]],
  ['Sub broadcast', (_g, [a, b]) => G.sub(a, b), [T(2, 1, 5), T(3, 5)]],
  ['Mul broadcast', (_g, [a, b]) => G.mul(a, b), [T(2, 3, 4), T(1, 3, 1)]],
  ['Div broadcast', (_g, [a, b]) => G.div(a, b), [T(3, 4), { shape: [4], gen: away }]],
  ['Pow tensor exponent', (_g, [a, b]) => G.pow(a, b), [P(3, 4), T(3, 4)]],
  ['Pow scalar exponent', (_g, [a]) => G.pow(a, 1.7), [P(2, 5)]],
  ['Max broadcast', (_g, [a, b]) => G.max(a, b), [T(2, 3, 4), T(3, 1)]],
  // activations and unary math
  ['Relu', (_g, [a]) => G.relu(a), [{ shape: [3, 7], gen: away }]],
  ['LeakyRelu', (_g, [a]) => G.leakyRelu(a, 0.2), [{ shape: [3, 7], gen: away }]],
  ['Tanh', (_g, [a]) => G.tanh(a), [T(4, 5)]],
  ['Sigmoid', (_g, [a]) => G.sigmoid(a), [T(4, 5)]],
  ['Sqrt', (_g, [a]) => G.sqrt(a), [P(4, 5)]],
  ['Exp', (_g, [a]) => G.exp(a), [T(4, 5)]],
  ['Log', (_g, [a]) => G.log(a), [P(4, 5)]],
  ['Abs', (_g, [a]) => G.abs(a), [{ shape: [4, 5], gen: away }]],
  // matrix products and layout
  ['MatMul', (_g, [a, b]) => G.matmul(a, b), [T(3, 4), T(4, 5)]],
  ['MatMul batch broadcast', (_g, [a, b]) => G.matmul(a, b), [T(2, 3, 4), T(4, 2)]],
  ['Gram', (_g, [a]) => G.gramMatrix(a), [T(2, 3, 7)]],
  ['Transpose', (_g, [a]) => G.transpose(a, [2, 0, 1]), [T(2, 3, 5)]],
  ['SpaceToDepth 2', (_g, [a]) => G.spaceToDepth(a, 2), [T(2, 3, 4, 6)]],
  ['DepthToSpace 2 (DCR)', (_g, [a]) => G.depthToSpace(a, 2), [T(1, 8, 3, 2)]],
  ['SpaceToDepth 3 then DepthToSpace 3', (_g, [a]) => G.depthToSpace(G.mul(G.spaceToDepth(a, 3), 2), 3), [T(1, 2, 6, 3)]],
  ['Reshape', (_g, [a]) => G.mul(G.reshape(a, [5, -1]), G.reshape(a, [5, 6])), [T(2, 3, 5)]],
  ['Concat', (_g, [a, b, c]) => G.concat([a, b, c], 1), [T(2, 1, 3), T(2, 4, 3), T(2, 2, 3)]],
  ['Slice step 1', (_g, [a]) => G.slice(a, [1, 2], [4, -1], [0, 2]), [T(5, 3, 7)]],
  ['Slice step 2 odd', (_g, [a]) => G.slice(a, [1], [8], [1], [2]), [T(3, 9)]],
  ['Slice negative step', (_g, [a]) => G.slice(a, [-2], [0], [1], [-2]), [T(3, 8)]],
  ['ReduceSum keepdims', (_g, [a]) => G.reduceSum(a, [1], true), [T(2, 3, 4)]],
  ['ReduceSum all', (_g, [a]) => G.reduceSum(a), [T(2, 3, 4)]],
  ['ReduceMean axes', (_g, [a]) => G.reduceMean(a, [0, 2]), [T(2, 3, 4)]],
  // convolution
  ['Conv 3x3 s1 p1 + bias', (_g, [x, w, b]) => G.conv2d(x, w, b, { pads: 1 }), [T(2, 3, 6, 5), T(4, 3, 3, 3), T(4)]],
  ['Conv 3x3 s2 p1 odd size', (_g, [x, w]) => G.conv2d(x, w, undefined, { strides: 2, pads: 1 }), [T(1, 2, 7, 9), T(3, 2, 3, 3)]],
  ['Conv 4x4 s2 asymmetric pads', (_g, [x, w]) => G.conv2d(x, w, undefined, { strides: 2, pads: [1, 0, 2, 1] }), [T(1, 2, 8, 7), T(2, 2, 4, 4)]],
  // strided convs take the ConvTranspose input gradient: strides per axis, kernels shorter than the stride, big pads
  ['Conv 5x5 s3 p2 batch 2', (_g, [x, w]) => G.conv2d(x, w, undefined, { strides: 3, pads: 2 }), [T(2, 2, 10, 8), T(3, 2, 5, 5)]],
  ['Conv 3x3 strides (2,1)', (_g, [x, w, b]) => G.conv2d(x, w, b, { strides: [2, 1], pads: [1, 1, 0, 1] }), [T(1, 3, 8, 6), T(2, 3, 3, 3), T(2)]],
  ['Conv 2x2 s3 (stride above kernel)', (_g, [x, w]) => G.conv2d(x, w, undefined, { strides: 3 }), [T(1, 2, 8, 7), T(2, 2, 2, 2)]],
  ['Conv 1x1 s2', (_g, [x, w]) => G.conv2d(x, w, undefined, { strides: 2 }), [T(1, 3, 6, 5), T(4, 3, 1, 1)]],
  ['Conv 3x3 s2 pad beyond kernel span', (_g, [x, w]) => G.conv2d(x, w, undefined, { strides: 2, pads: 3 }), [T(1, 2, 6, 5), T(2, 2, 3, 3)]],
  ['Conv dilation 2', (_g, [x, w]) => G.conv2d(x, w, undefined, { dilations: 2, pads: 2 }), [T(1, 2, 7, 7), T(2, 2, 3, 3)]],
  ['Conv groups 2', (_g, [x, w, b]) => G.conv2d(x, w, b, { group: 2, pads: 1 }), [T(2, 4, 5, 5), T(6, 2, 3, 3), T(6)]],
  ['Conv depthwise s2', (_g, [x, w]) => G.conv2d(x, w, undefined, { group: 3, strides: 2, pads: 1 }), [T(1, 3, 7, 6), T(3, 1, 3, 3)]],
  ['Conv pad beyond kernel span', (_g, [x, w]) => G.conv2d(x, w, undefined, { pads: 3 }), [T(1, 2, 5, 4), T(2, 2, 3, 3)]],
  ['Conv 9x9 batch 2', (_g, [x, w]) => G.conv2d(x, w, undefined, { pads: 4 }), [T(2, 2, 10, 9), T(2, 2, 9, 9)]],
  // C·O > 256, the emissions every real layer takes: at stride 1 with O ≤ 2C the shifted copies of dy times x in
  // one MatMul; otherwise a Slice of x and a Gemm per kernel tap, strided layers slicing x's stride phases
  ['Conv 3x3 17→16 shifted-dy weight gradient, batch 2', (_g, [x, w, b]) => G.conv2d(x, w, b, { pads: 1 }), [T(2, 17, 6, 5), T(16, 17, 3, 3), T(16)]],
  ['Conv 3x5 16→17 shifted-dy, asymmetric pads', (_g, [x, w]) => G.conv2d(x, w, undefined, { pads: [1, 2, 0, 1] }), [T(1, 16, 7, 8), T(17, 16, 3, 5)]],
  ['Conv 3x3 8→40 per-tap (O > 2C), batch 2', (_g, [x, w]) => G.conv2d(x, w, undefined, { pads: 1 }), [T(2, 8, 6, 5), T(40, 8, 3, 3)]],
  ['Conv 3x3 s2 17→16 per-tap, odd size', (_g, [x, w]) => G.conv2d(x, w, undefined, { strides: 2, pads: 1 }), [T(2, 17, 7, 9), T(16, 17, 3, 3)]],
  [
    'Conv 3x3 strides (3,2) dilations (2,1) 16→17 per-tap',
    (_g, [x, w]) => G.conv2d(x, w, undefined, { strides: [3, 2], dilations: [2, 1], pads: [1, 0, 2, 1] }),
    [T(1, 16, 11, 10), T(17, 16, 3, 3)],
  ],
  // fewer output than input channels at stride 1: the weight gradient convolves with dy as the batch, then flips
  ['Conv 9x9 to fewer channels batch 2', (_g, [x, w, b]) => G.conv2d(x, w, b, { pads: 4 }), [T(2, 4, 10, 9), T(2, 4, 9, 9), T(2)]],
  ['Conv 3x5 to fewer channels, asymmetric pads', (_g, [x, w]) => G.conv2d(x, w, undefined, { pads: [1, 2, 0, 1] }), [T(1, 5, 7, 8), T(3, 5, 3, 5)]],
  [
    'ConvTranspose s2 p1 op1 + bias',
    (_g, [x, w, b]) => G.convTranspose2d(x, w, b, { strides: 2, pads: 1, outputPadding: 1 }),
    [T(2, 3, 4, 5), T(3, 2, 3, 3), T(2)],
  ],
  ['ConvTranspose s1', (_g, [x, w]) => G.convTranspose2d(x, w, undefined, { pads: 1 }), [T(1, 2, 5, 4), T(2, 3, 3, 3)]],
  // pooling
  ['MaxPool 2x2 odd size', (_g, [x]) => G.maxPool2d(x, 2), [T(2, 2, 7, 9)]],
  ['MaxPool 3x3 s2 p1 overlapping', (_g, [x]) => G.maxPool2d(x, 3, { strides: 2, pads: 1 }), [T(1, 2, 7, 8)]],
  ['AveragePool 2x2', (_g, [x]) => G.avgPool2d(x, 2), [T(2, 2, 6, 7)]],
  ['AveragePool 3x3 s2 p1 exclude pad', (_g, [x]) => G.avgPool2d(x, 3, { strides: 2, pads: 1 }), [T(1, 2, 7, 8)]],
  ['AveragePool 3x3 s2 p1 include pad', (_g, [x]) => G.avgPool2d(x, 3, { strides: 2, pads: 1, countIncludePad: true }), [T(1, 2, 7, 8)]],
  // normalization
  ['InstanceNormalization', (_g, [x, s, b]) => G.instanceNorm(x, s, b), [T(2, 3, 5, 4), T(3), T(3)]],
  // resize
  ['Resize nearest x2', (_g, [x]) => G.resize(x, [10, 6], 'nearest'), [T(1, 2, 5, 3)]],
  ['Resize nearest arbitrary', (_g, [x]) => G.resize(x, [8, 3], 'nearest'), [T(1, 2, 5, 7)]],
  ['Resize bilinear up', (_g, [x]) => G.resize(x, [11, 7], 'bilinear'), [T(1, 2, 5, 3)]],
  ['Resize bilinear down', (_g, [x]) => G.resize(x, [4, 3], 'bilinear'), [T(2, 1, 9, 7)]],
  ['Resize bilinear align corners', (_g, [x]) => G.resize(x, [7, 9], 'bilinear', 'align_corners'), [T(1, 2, 4, 5)]],
  ['Resize bilinear asymmetric (TF legacy)', (_g, [x]) => G.resize(x, [9, 5], 'bilinear', 'asymmetric'), [T(1, 2, 4, 3)]],
  ['Resize nearest by scale 2', (_g, [x]) => G.resizeScale(x, [2, 2], 'nearest'), [T(1, 2, 3, 5)]],
  ['CropLike', (g, [x]) => G.cropLike(x, g.constant(new Array(12).fill(0), [1, 1, 4, 3])), [T(1, 2, 6, 5)]],
  // padding
  ['Pad reflect', (_g, [x]) => G.pad2d(x, [1, 2, 2, 1], 'reflect'), [T(1, 2, 5, 4)]],
  ['Pad reflect 4 on 9x9', (_g, [x]) => G.pad2d(x, [4, 4, 4, 4], 'reflect'), [T(1, 1, 9, 9)]],
  ['Pad reflect fast path both axes', (_g, [x]) => G.pad2d(x, [4, 1, 2, 3], 'reflect'), [T(1, 2, 12, 11)]],
  ['Pad constant', (_g, [x]) => G.pad2d(x, [0, 1, 3, 2], 'constant', 0.5), [T(2, 1, 4, 3)]],
  ['Pad edge', (_g, [x]) => G.pad2d(x, [2, 1, 1, 3], 'edge'), [T(1, 2, 3, 4)]],
];

for (const [name, build, specs] of cases) {
  test(`gradient: ${name}`, () => checkGradients(build, specs));
}
