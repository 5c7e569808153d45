// Floating-point operations of a graph, counted from its ops (multiply-adds as
// 2): the numerator of every benchmark's GFLOP/s and roofline fraction.
import type { Tensor, Node } from './graph.js';

/** FLOPs to compute `outputs` once: every node they depend on, each counted once. */
export function graphFlops(outputs: readonly Tensor[]): number {
  const seen = new Set<Node>();
  let total = 0;
  const stack = [...outputs];
  while (stack.length) {
    const node = stack.pop()!.producer;
    if (!node || seen.has(node)) continue;
    seen.add(node);
    const f = node.op.flops
      ? node.op.flops(node.types, node.attrs)
      : node.outputs.reduce((a, t) => a + t.shape.reduce<number>((n, d) => (typeof d === 'number' ? n * d : 0), 1), 0);
    total += f;
    stack.push(...node.inputs);
  }
  return total;
}
