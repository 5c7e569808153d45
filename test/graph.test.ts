// The IR itself: build-time errors, sub-graph reuse, gradient pruning, ONNX
// round trip, and a whole small conv net's gradient.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as G from '../src/graph/index.js';
import { NDArray } from '../src/graph/index.js';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
import { checkGradients, runtime } from './gradcheck.js';

test('a shape mismatch fails at build time, naming the op and the shapes', () => {
  const g = new G.Graph();
  const x = g.input('image', [1, 3, 16, 16]);
  const w = g.param('w', [8, 4, 3, 3]);
  assert.throws(() => G.conv2d(x, w), /Conv "Conv_\d+": input has 3 channels but weight \[8, 4, 3, 3\].*image\[1, 3, 16, 16\]/);
  assert.throws(() => G.add(g.input('a', [2, 3]), g.input('b', [4, 3])), /Add .*do not broadcast/);
  assert.throws(() => G.matmul(g.input('m', [2, 3]), g.input('n', [4, 5])), /MatMul .*inner dimensions differ: 3 vs 4/);
  assert.throws(() => G.pad2d(g.input('p', [1, 1, 2, 2]), [2, 2, 2, 2], 'reflect'), /Pad .*reflect padding/);
});

test('symbolic batch dimension flows through shape inference and runs at any batch size', async () => {
  const g = new G.Graph();
  const x = g.input('x', ['batch', 2, 6, 6]);
  const w = g.constant(
    Array.from({ length: 3 * 2 * 9 }, (_, i) => Math.sin(i)),
    [3, 2, 3, 3],
  );
  const y = G.relu(G.conv2d(x, w, undefined, { pads: 1, strides: 2 }));
  assert.deepEqual(y.shape, ['batch', 3, 3, 3]);
  const prog = await runtime.compile([y]);
  for (const n of [1, 3]) {
    const data = Float32Array.from({ length: n * 72 }, (_, i) => Math.cos(i));
    const [out] = await prog.run(new Map([[x, { data, shape: [n, 2, 6, 6] }]]));
    assert.deepEqual(out.shape, [n, 3, 3, 3]);
    const [ref] = G.evaluate([y], new Map([[x, new NDArray([n, 2, 6, 6], data)]]));
    ref.data.forEach((v, i) => assert.ok(Math.abs(v - out.data[i]) < 1e-4));
  }
});

test('sub-graph reuse shares parameters by scoped name', () => {
  const g = new G.Graph();
  const block = (x: G.Tensor) => g.scope('block', () => G.conv2d(x, g.param('w', [2, 2, 1, 1]), g.param('b', [2])));
  const a = block(g.input('a', [1, 2, 4, 4]));
  const b = block(a);
  assert.equal(g.params.length, 2);
  assert.equal(a.producer!.inputs[1], b.producer!.inputs[1]);
  assert.throws(() => g.scope('block', () => g.param('w', [3, 3])), /reused with shape/);
});

test('gradients are pruned: branches not between wrt and loss are never differentiated', () => {
  // An op without a gradient rule on a constant-only branch must not matter…
  const NoGrad: G.OpDef<object> = {
    type: 'Opaque',
    infer: ([t]) => [{ dtype: 'float32', shape: t.shape }],
    emit: (e, i, o) => void e.node('Identity', i, o),
    ref: ([t]) => [t],
  };
  const g = new G.Graph();
  const x = g.input('x', [3]);
  const c = g.constant([1, 2, 3], [3]);
  const opaque = g.apply(NoGrad, [c], {})[0];
  const loss = G.reduceSum(G.mul(G.mul(x, x), opaque));
  // (grad would throw "has no gradient rule" if it visited the Opaque node.)
  const [dx] = G.grad(loss, [x]);
  assert.deepEqual(dx.shape, [3]);
  // …but on the path it is a clear error.
  const y = g.apply(NoGrad, [x], {})[0];
  assert.throws(() => G.grad(G.reduceSum(y), [x]), /Opaque .* has no gradient rule/);
  assert.throws(() => G.grad(G.reduceSum(c), [x]), /does not influence/);
});

test('gradient w.r.t. parameters and inputs together, fed from a ParamStore', async () => {
  const g = new G.Graph();
  const x = g.input('x', [2, 3]);
  const w = g.param('w', [3, 2], Float32Array.from([1, 2, 3, 4, 5, 6]));
  const loss = G.reduceSum(G.square(G.matmul(x, w)));
  const [dx, dw] = G.grad(loss, [x, w]);
  const params = G.ParamStore.fromGraph(g);
  const prog = await runtime.compile([loss, dx, dw]);
  const xv = Float32Array.from([1, 0, -1, 2, 1, 0]);
  const [l, gx, gw] = await prog.run(new Map([[x, xv]]), params);
  // y = x·w; L = Σy²; dL/dw = 2 xᵀy; dL/dx = 2 y wᵀ — computed by hand.
  const y = [1 * 1 + 0 * 3 - 1 * 5, 1 * 2 + 0 * 4 - 1 * 6, 2 * 1 + 1 * 3, 2 * 2 + 1 * 4];
  assert.equal(
    l.data[0],
    y.reduce((s, v) => s + v * v, 0),
  );
  assert.deepEqual(
    [...gw.data],
    [2 * (1 * y[0] + 2 * y[2]), 2 * (1 * y[1] + 2 * y[3]), 2 * (0 * y[0] + 1 * y[2]), 2 * (0 * y[1] + 1 * y[3]), 2 * (-1 * y[0]), 2 * (-1 * y[1])],
  );
  assert.deepEqual(
    [...gx.data],
    [
      2 * (y[0] * 1 + y[1] * 2),
      2 * (y[0] * 3 + y[1] * 4),
      2 * (y[0] * 5 + y[1] * 6),
      2 * (y[2] * 1 + y[3] * 2),
      2 * (y[2] * 3 + y[3] * 4),
      2 * (y[2] * 5 + y[3] * 6),
    ],
  );
});

test('gradient of a whole small conv net (reflect pad, strided conv, instance norm, pooling, upsampling, Gram)', () =>
  checkGradients(
    (_g, [img, w1, w2, s, b]) => {
      let h = G.conv2d(G.pad2d(img, [1, 1, 1, 1], 'reflect'), w1, undefined, { strides: 2 });
      h = G.relu(G.instanceNorm(h, s, b));
      h = G.maxPool2d(h, 2);
      h = G.resize(h, [5, 4], 'nearest');
      h = G.tanh(G.conv2d(h, w2, undefined, { pads: 1 }));
      const f = G.reshape(h, [1, 3, 20]);
      const gram = G.div(G.matmul(f, G.transposeLast(f)), 20);
      return G.add(G.reshape(gram, [9]), G.reduceMean(G.sigmoid(h)));
    },
    [{ shape: [1, 3, 11, 9] }, { shape: [4, 3, 3, 3] }, { shape: [3, 4, 3, 3] }, { shape: [4], gen: (r) => r.uniform(0.5, 1.5) }, { shape: [4] }],
    { probes: 40 },
  ));

test('FLOPs are counted from the graph: a conv as 2·outputs·(Cin·kh·kw), a Gram matrix as 2·N·C²·P, the rest per element', async () => {
  const g = new G.Graph();
  const x = g.input('x', [1, 3, 8, 8]);
  const w = g.param('w', [4, 3, 3, 3], new Float32Array(108).fill(0.1));
  const y = G.conv2d(x, w, undefined, { pads: 1 });
  assert.equal(G.graphFlops([y]), 2 * 4 * 8 * 8 * 3 * 3 * 3);
  const gram = G.gramMatrix(G.reshape(y, [1, 4, 64]));
  const r = G.relu(y);
  // conv + gram + reshape (64·4 elements) + relu (256 elements); the conv is counted once though shared
  assert.equal(G.graphFlops([gram, r]), 2 * 4 * 8 * 8 * 27 + 2 * 1 * 16 * 64 + 256 + 256);
  const rt = new G.Runtime({ threads: 1 });
  const prog = await rt.compile([y]);
  assert.equal(prog.flops, 2 * 4 * 8 * 8 * 27);
  await prog.run(new Map([[x, new Float32Array(192)]]), G.ParamStore.fromGraph(g));
  await prog.run(new Map([[x, new Float32Array(192)]]), G.ParamStore.fromGraph(g));
  assert.equal(rt.executed.flops, 2 * prog.flops);
});

test('compiled image sizes are bounded: many sizes keep at most two native sessions, and results stay right', async () => {
  const rt = new G.Runtime({ threads: 1 });
  const programs = new G.ImagePrograms(rt, (x) => G.mul(x, 2));
  for (const [w, h] of [
    [20, 16],
    [24, 18],
    [30, 17],
    [20, 16],
    [41, 33],
    [16, 16],
  ]) {
    const data = Float32Array.from({ length: 3 * w * h }, (_, i) => i % 7);
    const out = await programs.run({ width: w, height: h, data });
    assert.deepEqual(Array.from(out.data.slice(0, 7)), [0, 2, 4, 6, 8, 10, 12]);
    assert.ok(programs.size <= 2 && rt.compiled <= 2, `after ${w}×${h}: ${programs.size} sizes, ${rt.compiled} sessions held`);
  }
  await programs.release();
  assert.equal(rt.compiled, 0);
});

test('a few-output conv with constant weights runs on 2×2 blocks (SpaceToDepth, DepthToSpace) and equals the plain conv: odd sizes, pads, bias, non-square kernels', async () => {
  let seed = 3;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
  const cases: { x: [number, number, number, number]; w: [number, number, number, number]; pads: [number, number, number, number]; bias: boolean }[] = [
    { x: [1, 16, 23, 30], w: [3, 16, 9, 9], pads: [0, 0, 0, 0], bias: true },
    { x: [2, 5, 17, 12], w: [1, 5, 5, 7], pads: [2, 3, 1, 0], bias: false },
    { x: [1, 4, 9, 9], w: [4, 4, 6, 5], pads: [0, 1, 2, 2], bias: true },
  ];
  for (const c of cases) {
    const xv = Float32Array.from({ length: c.x.reduce((a, b) => a * b) }, rand);
    const wv = Float32Array.from({ length: c.w.reduce((a, b) => a * b) }, rand);
    const bv = Float32Array.from({ length: c.w[0] }, rand);
    const run = async (constant: boolean, lacking: string[] = []) => {
      const g = new G.Graph();
      const x = g.input('x', c.x);
      const w = constant ? g.constant(wv, c.w) : g.input('w', c.w);
      const b = c.bias ? (constant ? g.constant(bv, [c.w[0]]) : g.input('b', [c.w[0]])) : undefined;
      const y = G.conv2d(x, w, b, { pads: c.pads });
      const ops = g.nodesFor([y]).map((n) => n.op.type);
      const feeds = new Map<G.Tensor, Float32Array>([[x, xv]]);
      if (!constant) feeds.set(w, wv);
      if (!constant && b) feeds.set(b, bv);
      try {
        const onnxOps = onnx.ModelProto.decode(G.toOnnx(g, [y], { lacking }).bytes).graph?.node?.map((n) => n.opType ?? '') ?? [];
        return { ops, onnxOps, y: (await (await runtime.compile([y], { lacking })).run(feeds))[0] };
      } finally {
        await runtime.releaseGraph(g);
      }
    };
    const [blocked, plain, reshaped] = [await run(true), await run(false), await run(true, ['SpaceToDepth'])];
    assert.ok(blocked.ops.includes('SpaceToDepth') && blocked.ops.includes('DepthToSpace'), `blocked: ${blocked.ops.join(' ')}`);
    assert.ok(blocked.onnxOps.includes('SpaceToDepth'));
    // A provider without SpaceToDepth (WebGPU) gets ONNX's definition of it instead: the same numbers.
    assert.ok(!reshaped.onnxOps.includes('SpaceToDepth') && reshaped.onnxOps.includes('Transpose'), reshaped.onnxOps.join(' '));
    assert.deepEqual(reshaped.y.data, blocked.y.data);
    assert.ok(!plain.ops.includes('SpaceToDepth'), 'weights fed at run time (training) keep the plain conv');
    assert.deepEqual(blocked.y.shape, plain.y.shape);
    let err = 0;
    for (let i = 0; i < plain.y.data.length; i++) err = Math.max(err, Math.abs(blocked.y.data[i] - plain.y.data[i]));
    assert.ok(err < 1e-4, `${JSON.stringify(c)}: max difference ${err}`);
  }
});
