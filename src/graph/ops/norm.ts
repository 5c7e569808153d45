// Instance normalization: ORT's fused kernel forward, a composed gradient.
import type { Tensor, OpDef } from '../graph.js';
import { NDArray } from '../ndarray.js';
import { add, div, max, mul, sqrt, sub } from './elementwise.js';
import { reduceMean, reduceSum } from './reduce.js';
import { reshape } from './layout.js';

export interface InstanceNormAttrs {
  epsilon: number;
}

export const InstanceNormOp: OpDef<InstanceNormAttrs> = {
  type: 'InstanceNormalization',
  infer([x, scale, bias]) {
    if (x.shape.length !== 4) throw new Error(`input must be NCHW, got rank ${x.shape.length}`);
    const C = x.shape[1];
    for (const [t, n] of [
      [scale, 'scale'],
      [bias, 'bias'],
    ] as const) {
      if (t.shape.length !== 1 || (typeof C === 'number' && t.shape[0] !== C)) throw new Error(`${n} must be [${C}], got [${t.shape.join(', ')}]`);
    }
    return [{ dtype: 'float32', shape: x.shape }];
  },
  emit(e, inputs, outputs, { epsilon }) {
    e.node('InstanceNormalization', inputs, outputs, { epsilon: { f: epsilon } });
  },
  ref([x, scale, bias], { epsilon }) {
    const [N, C, H, W] = x.shape;
    const P = H * W;
    const out = new NDArray(x.shape);
    for (let n = 0; n < N; n++)
      for (let c = 0; c < C; c++) {
        const o = (n * C + c) * P;
        let m = 0;
        for (let i = 0; i < P; i++) m += x.data[o + i];
        m /= P;
        let v = 0;
        for (let i = 0; i < P; i++) v += (x.data[o + i] - m) ** 2;
        v /= P;
        const r = 1 / Math.sqrt(v + epsilon);
        for (let i = 0; i < P; i++) out.data[o + i] = (x.data[o + i] - m) * r * scale.data[c] + bias.data[c];
      }
    return [out];
  },
  grad({ inputs: [x, scale], dOutputs: [dy], attrs: { epsilon }, needs }) {
    // x̂ = (x − μ)/σ;  dx = (dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) / σ  with dx̂ = dy·γ.
    const C = x.staticShape('InstanceNormalization gradient')[1];
    const mu = reduceMean(x, [2, 3], true);
    const xc = sub(x, mu);
    const rstd = div(1, sqrt(add(reduceMean(mul(xc, xc), [2, 3], true), epsilon)));
    const xhat = mul(xc, rstd);
    let dx: Tensor | undefined;
    if (needs[0]) {
      const dxhat = mul(dy!, reshape(scale, [1, C, 1, 1]));
      const inner = sub(sub(dxhat, reduceMean(dxhat, [2, 3], true)), mul(xhat, reduceMean(mul(dxhat, xhat), [2, 3], true)));
      dx = mul(inner, rstd);
    }
    return [dx, needs[1] ? reduceSum(mul(dy!, xhat), [0, 2, 3]) : undefined, needs[2] ? reduceSum(dy!, [0, 2, 3]) : undefined];
  },
};

export function instanceNorm(x: Tensor, scale: Tensor, bias: Tensor, epsilon = 1e-5): Tensor {
  const g = x.graph;
  const hook = g.normStats;
  if (hook?.mode === 'fixed') {
    // Normalize with the statistics of the whole image (see Graph.normStats).
    const s = hook.stats[hook.next++];
    if (!s) throw new Error('instance norm: no fixed statistics left for this layer (the network differs from the captured one)');
    const C = s.mean.length;
    const inv = s.variance.map((v) => 1 / Math.sqrt(v + epsilon));
    const normed = mul(sub(x, g.constant(s.mean, [1, C, 1, 1])), g.constant(inv, [1, C, 1, 1]));
    return add(mul(normed, reshape(scale, [1, C, 1, 1])), reshape(bias, [1, C, 1, 1]));
  }
  if (hook?.mode === 'carried') {
    const C = x.staticShape('instance norm')[1];
    const k = hook.inputs.length / 2;
    const [pastMean, pastVariance] = [g.input(`normstats/${k}/mean`, [1, C, 1, 1]), g.input(`normstats/${k}/variance`, [1, C, 1, 1])];
    hook.inputs.push(pastMean, pastVariance);
    // Two reductions (E[x], E[x²]) and one affine pass over x: this runs in every frame of a clip.
    const measured = reduceMean(x, [2, 3], true);
    const measuredVariance = max(sub(reduceMean(mul(x, x), [2, 3], true), mul(measured, measured)), 0);
    const [past, now] = [hook.momentum, sub(1, hook.momentum)];
    const mean = add(mul(pastMean, past), mul(measured, now));
    const variance = add(mul(pastVariance, past), mul(measuredVariance, now));
    hook.outputs.push(mean, variance);
    const gain = div(reshape(scale, [1, C, 1, 1]), sqrt(add(variance, epsilon)));
    return add(mul(x, gain), sub(reshape(bias, [1, C, 1, 1]), mul(mean, gain)));
  }
  if (hook?.mode === 'capture') {
    const mean = reduceMean(x, [2, 3], true);
    hook.captured.push(mean, reduceMean(mul(sub(x, mean), sub(x, mean)), [2, 3], true));
  }
  return g.apply(InstanceNormOp, [x, scale, bias], { epsilon })[0];
}
