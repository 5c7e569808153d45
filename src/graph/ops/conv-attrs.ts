// What a convolution's forward and its weight gradient (conv-weight-grad.ts) both need: its attributes and the
// static sizes they read, in a file of its own so that neither imports the other for them.
import type { TensorType } from '../graph.js';

export interface Conv2dAttrs {
  strides: readonly [number, number];
  /** [top, left, bottom, right] */
  pads: readonly [number, number, number, number];
  dilations: readonly [number, number];
  group: number;
}

export function dimNum(t: TensorType, i: number, what: string): number {
  const d = t.shape[i];
  if (typeof d !== 'number') throw new Error(`${what} must be static, got ${d}`);
  return d;
}

/** Elements of a static shape (0 if any dimension is symbolic). */
export const numel = (shape: readonly (number | string)[]) => shape.reduce<number>((a, d) => (typeof d === 'number' ? a * d : 0), 1);
