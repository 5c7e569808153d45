// The Johnson et al. network as Engstrom's fast-style-transfer builds it (the
// architecture of the baselines: `baseline:wave` …), as a trainable network so
// that depth branches can start from those released weights: zero padding,
// instance norm (ε = 1e-3) after every conv, no conv biases, a transposed-conv
// decoder and output 150·tanh(y) + 127.5.
//
// Padding is TF's 'SAME', as the released weights were trained with (half a
// pixel off, they paint visibly differently). At a symbolic size (the exported
// graph) every level is taken as even, so the exported model needs H and W that
// are multiples of 4: its metadata says so and the stylizer pads to that.
import * as G from '../graph/index.js';
import type { Tensor } from '../graph/index.js';
import { samePads, sameTransposePads } from '../graph/ops/conv.js';
import { convInit } from './layers.js';
import { Rng } from '../optim/random.js';

export const ENGSTROM_SCOPE = 'engstrom';

/** Layer names, kinds and shapes of the network (in → out channels, kernel, stride). */
export const ENGSTROM_LAYERS: { name: string; kind: 'conv' | 'deconv'; cin: number; cout: number; k: number; stride: number; relu: boolean }[] = [
  { name: 'conv1', kind: 'conv', cin: 3, cout: 32, k: 9, stride: 1, relu: true },
  { name: 'conv2', kind: 'conv', cin: 32, cout: 64, k: 3, stride: 2, relu: true },
  { name: 'conv3', kind: 'conv', cin: 64, cout: 128, k: 3, stride: 2, relu: true },
  ...[1, 2, 3, 4, 5].flatMap((i) => [
    { name: `res${i}_conv1`, kind: 'conv' as const, cin: 128, cout: 128, k: 3, stride: 1, relu: true },
    { name: `res${i}_conv2`, kind: 'conv' as const, cin: 128, cout: 128, k: 3, stride: 1, relu: false },
  ]),
  { name: 'deconv1', kind: 'deconv', cin: 128, cout: 64, k: 3, stride: 2, relu: true },
  { name: 'deconv2', kind: 'deconv', cin: 64, cout: 32, k: 3, stride: 2, relu: true },
  { name: 'conv4', kind: 'conv', cin: 32, cout: 3, k: 9, stride: 1, relu: false },
];

/** Weight shape: OIHW for convs, IOHW (ONNX ConvTranspose) for deconvs. */
export function engstromWeightShape(l: (typeof ENGSTROM_LAYERS)[number]): number[] {
  return l.kind === 'conv' ? [l.cout, l.cin, l.k, l.k] : [l.cin, l.cout, l.k, l.k];
}

/** The exported network needs sizes that are multiples of this (two stride-2 levels, TF padding). */
export const ENGSTROM_SIZE_MULTIPLE = 4;

/**
 * The network over an RGB 0–255 NCHW image. Trainable (its weights are parameters) unless `weights` are given
 * (`engstrom/LAYER/{weight,in_scale,in_shift}`, as `baselineParams` reads them from a released checkpoint):
 * then they are constants, under `scope`, and this is the one build of the baselines for stylizing too.
 */
export function engstromNet(x: Tensor, opts: { seed?: number; weights?: Readonly<Record<string, Float32Array>>; scope?: string } = {}): Tensor {
  const g = x.graph;
  const rng = new Rng(opts.seed ?? 0);
  const given = opts.weights;
  const value = (l: string, name: string, shape: number[], init: () => Float32Array): Tensor => {
    if (!given) return g.param(name, shape, init());
    const v = given[`${ENGSTROM_SCOPE}/${l}/${name}`];
    if (!v) throw new Error(`engstrom network: no weights for ${l}/${name}`);
    return g.constant(v, shape, { name });
  };
  return g.scope(opts.scope ?? ENGSTROM_SCOPE, () => {
    const layer = (h: Tensor, l: (typeof ENGSTROM_LAYERS)[number]) =>
      g.scope(l.name, () => {
        const w = value(l.name, 'weight', engstromWeightShape(l), () => convInit(rng, l.cout, l.cin, l.k).weight);
        const [, , hh, ww] = h.shape;
        let y: Tensor;
        if (l.kind === 'conv') {
          const [pt, pb] = samePads(hh, l.k, l.stride);
          const [pl, pr] = samePads(ww, l.k, l.stride);
          y = G.conv2d(h, w, undefined, { strides: l.stride, pads: [pt, pl, pb, pr] });
        } else {
          // Output exactly 2× the input, as TF's conv2d_transpose with 'SAME'.
          const [v, u] = [sameTransposePads(hh, l.k, 2), sameTransposePads(ww, l.k, 2)];
          y = G.convTranspose2d(h, w, undefined, {
            strides: 2,
            pads: [v.pads[0], u.pads[0], v.pads[1], u.pads[1]],
            outputPadding: [v.outputPadding, u.outputPadding],
          });
        }
        const scale = value(l.name, 'in_scale', [l.cout], () => new Float32Array(l.cout).fill(1));
        const shift = value(l.name, 'in_shift', [l.cout], () => new Float32Array(l.cout));
        const n = G.instanceNorm(y, scale, shift, 1e-3);
        return l.relu ? G.relu(n) : n;
      });
    const byName = new Map(ENGSTROM_LAYERS.map((l) => [l.name, l]));
    let h = layer(layer(layer(x, byName.get('conv1')!), byName.get('conv2')!), byName.get('conv3')!);
    for (let i = 1; i <= 5; i++) h = G.add(h, layer(layer(h, byName.get(`res${i}_conv1`)!), byName.get(`res${i}_conv2`)!));
    h = layer(layer(h, byName.get('deconv1')!), byName.get('deconv2')!);
    const y = G.add(G.mul(G.tanh(layer(h, byName.get('conv4')!)), 150), 127.5);
    return G.cropLike(y, x);
  });
}
