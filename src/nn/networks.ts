// The trainable style networks, by architecture: ours (pytorch/examples
// fast_neural_style: reflection padding, nearest-upsample decoder, any width)
// and Engstrom's (the baselines' transposed-conv decoder, width 32).
import type { Tensor } from '../graph/index.js';
import { engstromNet } from './engstrom.js';
import { transformNet } from './transform.js';

export type Architecture = 'upsample' | 'engstrom';
export const ARCHITECTURES: readonly Architecture[] = ['upsample', 'engstrom'];

export interface NetworkShape {
  arch: Architecture;
  /** Channels of the first layer (Engstrom's: always 32). */
  width: number;
  /** Residual blocks (Engstrom's: always 5). */
  blocks: number;
}

/** The network's output for image batch `x` (RGB 0–255, NCHW), cropped to the input size. */
export function styleNetwork(x: Tensor, n: NetworkShape, seed?: number): Tensor {
  return n.arch === 'engstrom' ? engstromNet(x, { seed }) : transformNet(x, { width: n.width, residualBlocks: n.blocks, seed });
}

/** Numeric code of an architecture, for checkpoints (whose scalars are numbers). */
export const archCode = (a: Architecture): number => ARCHITECTURES.indexOf(a);
export const archOfCode = (c: number | undefined): Architecture => ARCHITECTURES[c ?? 0] ?? 'upsample';
