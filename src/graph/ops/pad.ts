// Pad (constant, reflect, edge) and its gradient, which folds the padded
// border back onto the input.
import type { Tensor, OpDef } from '../graph.js';
import { NDArray, stridesOf } from '../ndarray.js';
import { ops, registerOps } from './lib.js';

// ---------------------------------------------------------------- Pad
export type PadMode = 'constant' | 'reflect' | 'edge';
export interface PadAttrs {
  /** ONNX order: all begins, then all ends. */
  pads: readonly number[];
  mode: PadMode;
  value: number;
}

export const PadOp: OpDef<PadAttrs> = {
  type: 'Pad',
  infer([x], { pads, mode }) {
    const r = x.shape.length;
    if (pads.length !== 2 * r) throw new Error(`pads has ${pads.length} entries, rank ${r} needs ${2 * r}`);
    if (pads.some((p) => p < 0)) throw new Error('negative padding; use slice');
    const shape = x.shape.map((d, i) => {
      if (pads[i] === 0 && pads[i + r] === 0) return d;
      if (typeof d !== 'number') return `${d}+${pads[i] + pads[i + r]}`;
      if (mode === 'reflect' && (pads[i] >= d || pads[i + r] >= d)) {
        throw new Error(`reflect padding of ${Math.max(pads[i], pads[i + r])} needs more than ${d} elements along axis ${i}`);
      }
      return d + pads[i] + pads[i + r];
    });
    return [{ dtype: x.dtype, shape }];
  },
  emit(e, [x], outputs, { pads, mode, value }) {
    const inputs = [x, e.constInt64(pads)];
    if (mode === 'constant') inputs.push(e.constFloat([value], []));
    e.node('Pad', inputs, outputs, { mode: { s: mode } });
  },
  ref([x], { pads, mode, value }) {
    const r = x.shape.length;
    const shape = x.shape.map((d, i) => d + pads[i] + pads[i + r]);
    const out = new NDArray(shape);
    const xs = stridesOf(x.shape);
    const os = stridesOf(shape);
    for (let i = 0; i < out.size; i++) {
      let rem = i;
      let idx = 0;
      let inside = true;
      for (let k = 0; k < r; k++) {
        const c = Math.floor(rem / os[k]);
        rem -= c * os[k];
        let j = c - pads[k];
        const d = x.shape[k];
        if (j < 0 || j >= d) {
          if (mode === 'constant') inside = false;
          else if (mode === 'edge') j = j < 0 ? 0 : d - 1;
          else j = j < 0 ? -j : 2 * (d - 1) - j;
        }
        idx += j * xs[k];
      }
      out.data[i] = inside ? x.data[idx] : value;
    }
    return [out];
  },
  grad({ inputs: [x], dOutputs: [dy], attrs: { pads, mode } }) {
    const r = x.rank;
    let g = dy!;
    for (let axis = 0; axis < r; axis++) {
      const pb = pads[axis];
      const pe = pads[axis + r];
      if (pb === 0 && pe === 0) continue;
      const d = x.shape[axis] as number;
      const place = (t: Tensor, before: number, after: number) => {
        const p = new Array<number>(2 * r).fill(0);
        p[axis] = before;
        p[axis + r] = after;
        return pad(t, p);
      };
      if (mode === 'reflect' && pb + pe + 2 <= d) {
        // Fast path: fold each reflected border onto the few rows it came from
        // and reassemble with one Concat, instead of padding every border
        // contribution back to full size and adding (5+ full passes → 2).
        const parts: Tensor[] = [];
        const at = (a: number, b: number) => ops.slice(g, [a], [b], [axis]);
        if (pb > 0) parts.push(at(pb, pb + 1), ops.add(at(pb + 1, 2 * pb + 1), ops.flip(at(0, pb), [axis])));
        const innerLo = pb > 0 ? 2 * pb + 1 : pb;
        const innerHi = pe > 0 ? pb + d - pe - 1 : pb + d;
        if (innerHi > innerLo) parts.push(at(innerLo, innerHi));
        if (pe > 0) parts.push(ops.add(at(pb + d - pe - 1, pb + d - 1), ops.flip(at(pb + d, pb + d + pe), [axis])), at(pb + d - 1, pb + d));
        g = ops.concat(parts, axis);
        continue;
      }
      let acc = ops.slice(g, [pb], [pb + d], [axis]);
      if (mode === 'reflect') {
        // x[j] (1 ≤ j ≤ pb) was copied to padded position pb - j; x[d-2-k] to pb+d+k.
        if (pb > 0) acc = ops.add(acc, place(ops.flip(ops.slice(g, [0], [pb], [axis]), [axis]), 1, d - 1 - pb));
        if (pe > 0) acc = ops.add(acc, place(ops.flip(ops.slice(g, [pb + d], [pb + d + pe], [axis]), [axis]), d - 1 - pe, 1));
      } else if (mode === 'edge') {
        if (pb > 0) acc = ops.add(acc, place(ops.reduceSum(ops.slice(g, [0], [pb], [axis]), [axis], true), 0, d - 1));
        if (pe > 0) acc = ops.add(acc, place(ops.reduceSum(ops.slice(g, [pb + d], [pb + d + pe], [axis]), [axis], true), d - 1, 0));
      }
      g = acc;
    }
    return [g];
  },
};

export function pad(x: Tensor, pads: readonly number[], mode: PadMode = 'constant', value = 0): Tensor {
  if (pads.every((p) => p === 0)) return x;
  return x.graph.apply(PadOp, [x], { pads: [...pads], mode, value })[0];
}

/** Pads the last two (spatial) axes of an NCHW tensor: [top, left, bottom, right]. */
export function pad2d(x: Tensor, [t, l, b, r]: readonly number[], mode: PadMode = 'constant', value = 0): Tensor {
  const n = x.rank;
  const pads = new Array<number>(2 * n).fill(0);
  pads[n - 2] = t;
  pads[n - 1] = l;
  pads[2 * n - 2] = b;
  pads[2 * n - 1] = r;
  return pad(x, pads, mode, value);
}

// What other op files use of this one, bound late (see lib.ts).
registerOps({ pad, pad2d });
