// A float64 evaluator of the IR in plain TypeScript: slow, simple, and the
// oracle that the ONNX emission and the gradient rules are tested against.
import type { Tensor } from './graph.js';
import { NDArray } from './ndarray.js';

export function evaluate(outputs: readonly Tensor[], feeds: ReadonlyMap<Tensor, NDArray>): NDArray[] {
  const g = outputs[0].graph;
  const values = new Map<number, NDArray>();
  const valueOfTensor = (t: Tensor): NDArray => {
    const v = values.get(t.id);
    if (v) return v;
    if (t.kind === 'node') throw new Error(`reference: ${t.name} not computed`);
    const fed = feeds.get(t);
    if (fed) return fed;
    if (t.data) return new NDArray(t.shape as number[], t.data);
    throw new Error(`reference: no value fed for ${t.kind} ${t.name}`);
  };
  for (const n of g.nodesFor(outputs)) {
    const res = n.op.ref(n.inputs.map(valueOfTensor), n.attrs, n.types);
    n.outputs.forEach((t, i) => values.set(t.id, res[i]));
  }
  return outputs.map(valueOfTensor);
}
