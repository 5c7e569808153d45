// Shape-following helpers that gradient rules use when a dimension is only
// known at run time: ReshapeLike, ExpandLike, CropLike.
import type { Tensor, OpDef } from '../graph.js';
import { NDArray, broadcastIndexer } from '../ndarray.js';
import { isStatic, product, sameShape } from '../shapes.js';
import { ops, registerOps } from './lib.js';

export const ReshapeLikeOp: OpDef<object> = {
  type: 'ReshapeLike',
  infer([x, like]) {
    if (isStatic(x.shape) && isStatic(like.shape) && product(x.shape) !== product(like.shape)) {
      throw new Error(`cannot reshape [${x.shape.join(', ')}] like [${like.shape.join(', ')}]`);
    }
    return [{ dtype: x.dtype, shape: like.shape }];
  },
  emit(e, [x, like], outputs) {
    e.node('Reshape', [x, e.node('Shape', [like], 1)[0]], outputs);
  },
  ref: ([x, like]) => [new NDArray(like.shape, x.data)],
  grad: ({ inputs: [x], dOutputs: [dy] }) => [reshapeLike(dy!, x), undefined],
};

export function reshapeLike(x: Tensor, like: Tensor): Tensor {
  if (sameShape(x.shape, like.shape)) return x;
  return x.graph.apply(ReshapeLikeOp, [x, like], {})[0];
}

/** Broadcasts x to the shape of `like`. */
export const ExpandLikeOp: OpDef<object> = {
  type: 'ExpandLike',
  infer: ([x, like]) => [{ dtype: x.dtype, shape: like.shape }],
  emit(e, [x, like], outputs) {
    e.node('Expand', [x, e.node('Shape', [like], 1)[0]], outputs);
  },
  ref([x, like]) {
    const out = new NDArray(like.shape);
    const at = broadcastIndexer(x.shape, like.shape);
    for (let i = 0; i < out.size; i++) out.data[i] = x.data[at(i)];
    return [out];
  },
  grad: ({ inputs: [x], dOutputs: [dy] }) => [ops.unbroadcast(dy!, x), undefined],
};

export function expandLike(x: Tensor, like: Tensor): Tensor {
  return x.graph.apply(ExpandLikeOp, [x, like], {})[0];
}

/** Crops the spatial axes (2, 3) of x to the size of `like`, which may be symbolic. */
export const CropLikeOp: OpDef<object> = {
  type: 'CropLike',
  infer([x, like]) {
    if (x.shape.length !== 4 || like.shape.length !== 4) throw new Error('CropLike takes NCHW tensors');
    return [{ dtype: x.dtype, shape: [x.shape[0], x.shape[1], like.shape[2], like.shape[3]] }];
  },
  emit(e, [x, like], outputs) {
    const hw = e.node('Slice', [e.node('Shape', [like], 1)[0], e.constInt64([2]), e.constInt64([4])], 1)[0];
    e.node('Slice', [x, e.constInt64([0, 0]), hw, e.constInt64([2, 3])], outputs);
  },
  ref([x, like]) {
    const [N, C, H, W] = x.shape;
    const [h, w] = [like.shape[2], like.shape[3]];
    const out = new NDArray([N, C, h, w]);
    for (let p = 0; p < N * C; p++) for (let y = 0; y < h; y++) for (let k = 0; k < w; k++) out.data[(p * h + y) * w + k] = x.data[(p * H + y) * W + k];
    return [out];
  },
  grad({ inputs: [x, like], dOutputs: [dy] }) {
    const [, , H, W] = x.staticShape('CropLike gradient');
    const [, , h, w] = like.staticShape('CropLike gradient');
    return [ops.pad2d(dy!, [0, 0, H - h, W - w]), undefined];
  },
};

/** x cropped to the spatial size of `like` (a no-op when the sizes are known to match). */
export function cropLike(x: Tensor, like: Tensor): Tensor {
  if (x.shape[2] === like.shape[2] && x.shape[3] === like.shape[3]) return x;
  return x.graph.apply(CropLikeOp, [x, like], {})[0];
}

// What other op files use of this one, bound late (see lib.ts).
registerOps({ expandLike, reshapeLike });
