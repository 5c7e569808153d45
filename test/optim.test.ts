// Optimizers reach a known minimum, and their saved state resumes exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as G from '../src/graph/index.js';
import { Adam, LBFGS } from '../src/optim/optimizers.js';
import { decodeState, encodeState } from '../src/io/state.js';
import { Rng } from '../src/optim/random.js';
import { runtime } from './gradcheck.js';

const M = 30;
const N = 8;

/** min ||A x − b||² as an ORT graph, with its exact solution from the normal equations. */
async function leastSquares() {
  const rng = new Rng(7);
  const A = Array.from({ length: M * N }, () => rng.uniform(-1, 1));
  const b = Array.from({ length: M }, () => rng.uniform(-1, 1));
  const g = new G.Graph();
  const x = g.input('x', [N, 1]);
  const r = G.sub(G.matmul(g.constant(A, [M, N]), x), g.constant(b, [M, 1]));
  const loss = G.reduceSum(G.square(r));
  const [dx] = G.grad(loss, [x]);
  const prog = await runtime.compile([loss, dx]);
  const f = async (v: Float32Array) => {
    const [l, gr] = await prog.run(new Map([[x, v]]));
    return { loss: l.data[0], grad: gr.data };
  };
  // Normal equations AᵀA x = Aᵀb, Gaussian elimination in float64.
  const AtA = Array.from({ length: N }, (_, i) =>
    Array.from({ length: N + 1 }, (_, j) => {
      let s = 0;
      for (let k = 0; k < M; k++) s += A[k * N + i] * (j < N ? A[k * N + j] : b[k]);
      return s;
    }),
  );
  for (let c = 0; c < N; c++) {
    for (let r2 = c + 1; r2 < N; r2++) {
      const m = AtA[r2][c] / AtA[c][c];
      for (let j = c; j <= N; j++) AtA[r2][j] -= m * AtA[c][j];
    }
  }
  const exact = new Array<number>(N).fill(0);
  for (let i = N - 1; i >= 0; i--) {
    let s = AtA[i][N];
    for (let j = i + 1; j < N; j++) s -= AtA[i][j] * exact[j];
    exact[i] = s / AtA[i][i];
  }
  return { f, exact };
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));

for (const lineSearch of ['strong-wolfe', 'none'] as const) {
  test(`L-BFGS (${lineSearch}) reaches the least-squares solution`, async () => {
    const { f, exact } = await leastSquares();
    const x = new Float32Array(N);
    const opt = new LBFGS(x, { maxIter: 100, lineSearch, lr: lineSearch === 'none' ? 0.5 : 1, tolGrad: 1e-6 });
    const start = await opt.step(f);
    assert.ok(maxDiff(x, exact) < 2e-3, `x off by ${maxDiff(x, exact)}`);
    assert.ok((await f(x)).loss < start);
  });
}

test('Adam reaches the least-squares solution', async () => {
  const { f, exact } = await leastSquares();
  const x = new Float32Array(N);
  const opt = new Adam({ lr: 0.05 });
  for (let i = 0; i < 1500; i++) {
    const { grad } = await f(x);
    opt.step(new Map([['x', x]]), new Map([['x', grad]]));
  }
  assert.ok(maxDiff(x, exact) < 5e-3, `x off by ${maxDiff(x, exact)}`);
});

test('L-BFGS state saved mid-run resumes bit for bit', async () => {
  const { f } = await leastSquares();
  const run = new LBFGS(new Float32Array(N), { maxIter: 3 });
  await run.step(f);
  const saved = encodeState(run.state());
  await run.step(f);
  await run.step(f);
  const resumed = new LBFGS(new Float32Array(N), { maxIter: 3 });
  resumed.load(decodeState(saved));
  await resumed.step(f);
  await resumed.step(f);
  assert.deepEqual([...resumed.x], [...run.x]);
  assert.notDeepEqual([...run.x], new Array(N).fill(0));
});

test('Adam state (with weight decay) saved mid-run resumes bit for bit', async () => {
  const { f } = await leastSquares();
  const stepN = async (opt: Adam, x: Float32Array, n: number) => {
    for (let i = 0; i < n; i++) opt.step(new Map([['x', x]]), new Map([['x', (await f(x)).grad]]));
  };
  const x1 = new Float32Array(N);
  const a1 = new Adam({ lr: 0.01, weightDecay: 0.1 });
  await stepN(a1, x1, 5);
  const saved = encodeState({ scalars: {}, arrays: { x: Float32Array.from(x1) }, children: { adam: a1.state() } });
  await stepN(a1, x1, 5);
  const s = decodeState(saved);
  const x2 = Float32Array.from(s.arrays.x);
  const a2 = new Adam({ lr: 0.01, weightDecay: 0.1 });
  a2.load(s.children!.adam);
  await stepN(a2, x2, 5);
  assert.deepEqual([...x2], [...x1]);
  assert.equal(a2.stepCount, 10);
});

test('a corrupt state file is rejected with a clear error', () => {
  const good = encodeState({ scalars: { a: 1 }, arrays: { v: Float32Array.of(1, 2, 3) } });
  assert.throws(() => decodeState(good.subarray(0, good.length - 4), 'ckpt.bin'), /ckpt.bin: truncated/);
  assert.throws(() => decodeState(new Uint8Array(10), 'x.bin'), /x.bin: not a depthstyle state file/);
});
