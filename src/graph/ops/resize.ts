// Spatial resize (nearest and bilinear, any scale). Both modes are linear maps
// that separate over height and width, so the gradient is two small matrix
// products with the transposed interpolation matrices.
import type { Tensor, OpDef } from '../graph.js';
import { NDArray } from '../ndarray.js';
import { matmul } from './reduce.js';

export type ResizeMode = 'nearest' | 'bilinear';
/**
 * Where output pixel o samples the input: 'half_pixel' (PyTorch
 * align_corners=False, TF half_pixel_centers), 'align_corners', or
 * 'asymmetric' (o·in/out: PyTorch nearest, TF's legacy bilinear).
 */
export type ResizeCoords = 'half_pixel' | 'align_corners' | 'asymmetric';
export interface ResizeAttrs {
  /** Output height and width; or `scales` (output = floor(input · scale)), which also works with symbolic sizes. */
  size?: readonly [number, number];
  scales?: readonly [number, number];
  mode: ResizeMode;
  coords: ResizeCoords;
}

/**
 * Row-major [out, in] matrix of ONNX Resize along one axis: nearest is
 * 'asymmetric' + 'floor' (PyTorch's nearest), bilinear is 'half_pixel' or
 * 'align_corners'. Coordinates use float32 arithmetic as ORT does.
 */
export function interpMatrix(inSize: number, outSize: number, mode: ResizeMode, coords: ResizeCoords): Float64Array {
  const m = new Float64Array(outSize * inSize);
  const f = Math.fround;
  const scale = f(outSize / inSize);
  for (let o = 0; o < outSize; o++) {
    if (mode === 'nearest') {
      if (coords !== 'asymmetric') throw new Error('nearest resize supports asymmetric coordinates only');
      const src = Math.min(Math.floor(f(o / scale)), inSize - 1);
      m[o * inSize + src] = 1;
      continue;
    }
    let x: number;
    if (coords === 'align_corners') x = outSize === 1 ? 0 : (o * (inSize - 1)) / (outSize - 1);
    else if (coords === 'asymmetric') x = f(o / scale);
    else x = f(f(f(o + 0.5) / scale) - 0.5);
    x = Math.min(Math.max(x, 0), inSize - 1);
    const x0 = Math.floor(x);
    const x1 = Math.min(x0 + 1, inSize - 1);
    const w1 = x - x0;
    m[o * inSize + x0] += 1 - w1;
    m[o * inSize + x1] += w1;
  }
  return m;
}

function transposed(m: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(m.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = m[r * cols + c];
  return t;
}

function isIdentity(m: Float64Array, n: number, k: number): boolean {
  if (n !== k) return false;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (m[i * n + j] !== (i === j ? 1 : 0)) return false;
  return true;
}

/** Output spatial size of a resize of an input of height h and width w. */
function outSize(h: number | string, w: number | string, { size, scales }: ResizeAttrs): [number | string, number | string] {
  if (size) return [size[0], size[1]];
  const [sh, sw] = scales!;
  return [typeof h === 'number' ? Math.floor(h * sh) : `${h}*${sh}`, typeof w === 'number' ? Math.floor(w * sw) : `${w}*${sw}`];
}

export const ResizeOp: OpDef<ResizeAttrs> = {
  type: 'Resize',
  infer([x], a) {
    if (x.shape.length !== 4) throw new Error(`input must be NCHW, got rank ${x.shape.length}`);
    if (a.size && (!(a.size[0] > 0 && a.size[1] > 0) || !Number.isInteger(a.size[0]) || !Number.isInteger(a.size[1])))
      throw new Error(`invalid size [${a.size.join(', ')}]`);
    if (!a.size && !(a.scales && a.scales[0] > 0 && a.scales[1] > 0)) throw new Error('resize needs a size or positive scales');
    return [{ dtype: 'float32', shape: [x.shape[0], x.shape[1], ...outSize(x.shape[2], x.shape[3], a)] }];
  },
  emit(e, [x], outputs, { size, scales, mode, coords }, types) {
    const [n, c] = types.inputs[0].shape;
    let sizes = '';
    let scaleInput = '';
    if (!size) scaleInput = e.constFloat([1, 1, scales![0], scales![1]], [4]);
    else if (typeof n === 'number' && typeof c === 'number') sizes = e.constInt64([n, c, ...size]);
    else {
      const nc = e.node('Slice', [e.node('Shape', [x], 1)[0], e.constInt64([0]), e.constInt64([2])], 1)[0];
      sizes = e.node('Concat', [nc, e.constInt64(size)], 1, { axis: { i: 0 } })[0];
    }
    e.node('Resize', [x, '', scaleInput, sizes].slice(0, sizes ? 4 : 3), outputs, {
      mode: { s: mode === 'nearest' ? 'nearest' : 'linear' },
      coordinate_transformation_mode: { s: coords },
      nearest_mode: { s: 'floor' },
    });
  },
  ref([x], a) {
    const { mode, coords } = a;
    const [N, C, H, W] = x.shape;
    const [Ho, Wo] = outSize(H, W, a) as [number, number];
    const ah = interpMatrix(H, Ho, mode, coords);
    const aw = interpMatrix(W, Wo, mode, coords);
    const out = new NDArray([N, C, Ho, Wo]);
    const tmp = new Float64Array(H * Wo);
    for (let p = 0; p < N * C; p++) {
      tmp.fill(0);
      for (let y = 0; y < H; y++)
        for (let ox = 0; ox < Wo; ox++) {
          let s = 0;
          for (let ix = 0; ix < W; ix++) s += x.data[(p * H + y) * W + ix] * aw[ox * W + ix];
          tmp[y * Wo + ox] = s;
        }
      for (let oy = 0; oy < Ho; oy++)
        for (let ox = 0; ox < Wo; ox++) {
          let s = 0;
          for (let y = 0; y < H; y++) s += ah[oy * H + y] * tmp[y * Wo + ox];
          out.data[(p * Ho + oy) * Wo + ox] = s;
        }
    }
    return [out];
  },
  grad({ inputs: [x], dOutputs: [dy], attrs }) {
    const { mode, coords } = attrs;
    const [, , H, W] = x.staticShape('Resize gradient');
    const [Ho, Wo] = outSize(H, W, attrs) as [number, number];
    const g = x.graph;
    let d = dy!;
    const aw = interpMatrix(W, Wo, mode, coords);
    if (!isIdentity(aw, Wo, W)) d = matmul(d, g.constant(aw, [Wo, W]));
    const ah = interpMatrix(H, Ho, mode, coords);
    if (!isIdentity(ah, Ho, H)) d = matmul(g.constant(transposed(ah, Ho, H), [H, Ho]), d);
    return [d];
  },
};

/** Resize by scale factors (output = floor(input · scale)); works with symbolic spatial sizes. */
export function resizeScale(x: Tensor, scales: readonly [number, number], mode: ResizeMode = 'nearest', coords?: ResizeCoords): Tensor {
  return x.graph.apply(ResizeOp, [x], { scales: [scales[0], scales[1]], mode, coords: coords ?? (mode === 'nearest' ? 'asymmetric' : 'half_pixel') })[0];
}

export function resize(x: Tensor, size: readonly [number, number], mode: ResizeMode = 'bilinear', coords?: ResizeCoords): Tensor {
  const [, , h, w] = x.shape;
  if (h === size[0] && w === size[1]) return x;
  return x.graph.apply(ResizeOp, [x], { size: [size[0], size[1]], mode, coords: coords ?? (mode === 'nearest' ? 'asymmetric' : 'half_pixel') })[0];
}
