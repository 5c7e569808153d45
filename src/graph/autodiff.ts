// Reverse-mode automatic differentiation over the IR: walks the nodes between
// `wrt` and `loss` backwards and asks each op's gradient rule for the
// gradients of its inputs. Branches that do not lead from `wrt` to `loss` are
// never differentiated, and rules skip the inputs whose gradient is not needed.
import { type Tensor, formatShape } from './graph.js';
import { add } from './ops/elementwise.js';
import { sameShape } from './shapes.js';

export interface GradOptions {
  /** Gradient of the final output; defaults to ones (loss must then have one element). */
  seed?: Tensor;
}

export function grad(loss: Tensor, wrt: readonly Tensor[], opts: GradOptions = {}): Tensor[] {
  const g = loss.graph;
  for (const w of wrt) if (w.graph !== g) throw new Error(`grad: ${w.name} is not in the graph of ${loss.name}`);
  let seed = opts.seed;
  if (!seed) {
    if (!loss.shape.every((d) => d === 1))
      throw new Error(`grad: loss ${loss.name} has shape ${formatShape(loss.shape)}; reduce it to one element or pass a seed`);
    seed = g.constant([1], loss.shape as number[]);
  }
  const nodes = g.nodesFor([loss]);
  const fromWrt = new Set(wrt.map((w) => w.id));
  for (const n of nodes) if (n.inputs.some((t) => fromWrt.has(t.id))) for (const o of n.outputs) fromWrt.add(o.id);

  const pending = new Map<number, Tensor[]>();
  const push = (t: Tensor, d: Tensor) => {
    if (!sameShape(t.shape, d.shape) && t.shape.every((x) => typeof x === 'number') && d.shape.every((x) => typeof x === 'number')) {
      throw new Error(`internal: gradient of ${t.name} has shape ${formatShape(d.shape)}, expected ${formatShape(t.shape)}`);
    }
    const list = pending.get(t.id);
    if (list) list.push(d);
    else pending.set(t.id, [d]);
  };
  const total = (t: Tensor): Tensor | undefined => {
    const list = pending.get(t.id);
    if (!list) return undefined;
    const sum = list.reduce((a, b) => add(a, b));
    pending.set(t.id, [sum]);
    return sum;
  };
  push(loss, seed);

  g.scope('grad', () => {
    for (let i = nodes.length - 1; i >= 0; i--) {
      const node = nodes[i];
      if (!node.outputs.some((o) => fromWrt.has(o.id))) continue;
      const dOutputs = node.outputs.map(total);
      if (dOutputs.every((d) => d === undefined)) continue;
      const needs = node.inputs.map((t) => fromWrt.has(t.id));
      if (!node.op.grad) throw new Error(`grad: ${node.op.type} "${node.name}" has no gradient rule`);
      const grads = node.op.grad({ inputs: node.inputs, outputs: node.outputs, attrs: node.attrs, dOutputs, needs });
      node.inputs.forEach((t, k) => {
        const d = grads[k];
        if (needs[k] && d) push(t, d);
      });
    }
  });

  return wrt.map((w) => {
    const d = total(w);
    if (!d) throw new Error(`grad: ${w.name} does not influence ${loss.name}`);
    return d;
  });
}
