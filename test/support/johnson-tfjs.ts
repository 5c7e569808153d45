// An independent TensorFlow.js implementation of the Johnson/Engstrom
// baseline network (after lengstrom/fast-style-transfer's transform.py), used
// only as a test oracle for our graph version.
import * as tf from '@tensorflow/tfjs';
import type { Checkpoint } from '../../src/models/johnson.js';

const v = (i: number) => (i === 0 ? 'Variable' : `Variable_${i}`);

export function johnsonTfjs(ckpt: Checkpoint, nhwc: Float32Array, h: number, w: number): Float32Array {
  return tf.tidy(() => {
    const t = (i: number) => {
      const x = ckpt.get(v(i));
      return tf.tensor(x.data, x.shape);
    };
    const norm = (x: tf.Tensor4D, i: number) => {
      const { mean, variance } = tf.moments(x, [1, 2], true);
      return t(i + 2)
        .mul(x.sub(mean).div(variance.add(1e-3).sqrt()))
        .add(t(i + 1)) as tf.Tensor4D;
    };
    const conv = (x: tf.Tensor4D, i: number, s: number, relu: boolean) => {
      const y = norm(tf.conv2d(x, t(i) as tf.Tensor4D, s, 'same'), i);
      return relu ? tf.relu(y) : y;
    };
    const up = (x: tf.Tensor4D, i: number) => {
      const [n, hh, ww] = x.shape;
      const k = t(i) as tf.Tensor4D;
      return tf.relu(norm(tf.conv2dTranspose(x, k, [n, hh * 2, ww * 2, k.shape[2]], 2, 'same'), i));
    };
    let x = tf.tensor4d(nhwc, [1, h, w, 3]);
    x = conv(x, 0, 1, true);
    x = conv(x, 3, 2, true);
    x = conv(x, 6, 2, true);
    for (const b of [9, 15, 21, 27, 33]) x = x.add(conv(conv(x, b, 1, true), b + 3, 1, false));
    x = up(x, 39);
    x = up(x, 42);
    x = conv(x, 45, 1, false);
    const y = tf.tanh(x).mul(150).add(127.5).slice([0, 0, 0, 0], [1, h, w, 3]);
    return y.dataSync() as Float32Array;
  });
}
