// Gradient checking: gradients computed by ORT from our backward graphs against
// central finite differences of the float64 reference evaluator.
import assert from 'node:assert/strict';
import { Graph, type Tensor, NDArray, evaluate, grad, Runtime, mul, reduceSum } from '../src/graph/index.js';
import { Rng } from '../src/optim/random.js';

export const runtime = new Runtime({ threads: 1 });

export interface InputSpec {
  shape: number[];
  /** Value generator; default uniform(-1, 1). */
  gen?: (rng: Rng) => number;
  /** Whether to check the gradient w.r.t. this input (default true). */
  grad?: boolean;
}

export interface CheckOptions {
  seed?: number;
  /** Max finite-difference probes per input. */
  probes?: number;
  tol?: number;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/**
 * Builds y = build(inputs), L = Σ y·R for a fixed random R, and checks
 * (1) ORT's forward output against the float64 reference, and
 * (2) ORT's dL/dinput against central differences of the reference.
 */
export async function checkGradients(build: (g: Graph, xs: Tensor[]) => Tensor, specs: InputSpec[], opts: CheckOptions = {}): Promise<void> {
  const rng = new Rng(opts.seed ?? 1234);
  const g = new Graph();
  const xs = specs.map((s, i) => g.input(`x${i}`, s.shape));
  const values = specs.map((s) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    return Float32Array.from({ length: n }, () => (s.gen ? s.gen(rng) : rng.uniform(-1, 1)));
  });
  const y = build(g, xs);
  const yShape = y.staticShape('gradcheck output');
  const R = g.constant(
    rng.fill(
      yShape.reduce((a, b) => a * b, 1),
      () => rng.uniform(-1, 1),
    ),
    yShape,
  );
  const loss = reduceSum(mul(y, R));
  const checked = xs.filter((_, i) => specs[i].grad !== false);
  const grads = grad(loss, checked);

  const prog = await runtime.compile([y, ...grads]);
  const [yOrt, ...gOrt] = await prog.run(new Map(xs.map((x, i) => [x, values[i]])));

  const feeds64 = new Map(xs.map((x, i) => [x, new NDArray(specs[i].shape, values[i])]));
  const [yRef] = evaluate([y], feeds64);
  assert.deepEqual(yOrt.shape, yRef.shape, 'forward shape');
  const fwdScale = Math.max(maxAbs(yRef.data), 1e-6);
  let fwdErr = 0;
  for (let i = 0; i < yRef.size; i++) fwdErr = Math.max(fwdErr, Math.abs(yOrt.data[i] - yRef.data[i]));
  assert.ok(fwdErr / fwdScale < 1e-4, `forward: ORT vs reference max error ${fwdErr} (scale ${fwdScale})`);

  const tol = opts.tol ?? 2e-3;
  checked.forEach((x, k) => {
    const idx = xs.indexOf(x);
    const base = feeds64.get(x)!;
    const n = base.size;
    const probes = Math.min(n, opts.probes ?? 48);
    const positions = probes === n ? [...Array(n).keys()] : Array.from({ length: probes }, () => rng.int(n));
    const eps = 1e-4 * Math.max(1, maxAbs(base.data));
    const fd = positions.map((p) => {
      const orig = base.data[p];
      base.data[p] = orig + eps;
      const fp = evaluate([loss], feeds64)[0].data[0];
      base.data[p] = orig - eps;
      const fm = evaluate([loss], feeds64)[0].data[0];
      base.data[p] = orig;
      return (fp - fm) / (2 * eps);
    });
    assert.deepEqual(gOrt[k].shape, specs[idx].shape, `d/d${x.name}: gradient shape`);
    const got = positions.map((p) => gOrt[k].data[p]);
    const scale = Math.max(maxAbs(fd), 1e-3);
    let err = 0;
    let worst = 0;
    fd.forEach((v, i) => {
      const e = Math.abs(v - got[i]);
      // (a NaN error must fail, not compare false)
      if (!(e <= err)) {
        err = e;
        worst = i;
      }
    });
    assert.ok(
      err / scale < tol,
      `d/d${x.name} (input ${idx}) at flat index ${positions[worst]}: ORT ${got[worst]} vs finite difference ${fd[worst]} (relative error ${(err / scale).toExponential(2)})`,
    );
  });
}
