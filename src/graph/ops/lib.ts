// The ops that other op files use, bound late: each op file registers the builders its siblings need when it
// loads (graph/index.ts loads them all), and a gradient calls `ops.reduceSum(…)`. So an op keeps its gradient
// beside its definition (tinygrad's layout) while no op file imports another: no import circle among them.
import type * as Elementwise from './elementwise.js';
import type * as Layout from './layout.js';
import type * as Like from './like.js';
import type * as Pad from './pad.js';
import type * as Reduce from './reduce.js';

export type OpLibrary = typeof Elementwise & typeof Layout & typeof Like & typeof Pad & typeof Reduce;

export const ops = {} as OpLibrary;

export function registerOps(builders: Partial<OpLibrary>): void {
  Object.assign(ops, builders);
}
