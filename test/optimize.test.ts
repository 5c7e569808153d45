// Optimization-based stylization on small images: it stylizes, the depth loss
// has a real effect, colour preservation keeps the content's colours.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadVgg19 } from '../src/models/vgg.js';
import { DepthEstimator, loadDepthModel } from '../src/models/depth.js';
import { optimize, type OptimizeOptions } from '../src/optimize/optimize.js';
import { loadImage, resizeImage, type RgbImage } from '../src/io/image.js';
import { pearson } from '../src/eval/stats.js';
import { SHARED, loadPhoto, runtime, store } from './support/fixtures.js';

const vgg = await loadVgg19({ store });
const depthModel = await loadDepthModel('pydnet-v2', { store });
const content = await loadPhoto('tubingen.jpg');
const starry = await loadImage(path.join(SHARED, 'images', 'styles', 'starry_night.jpg'));
const base: Omit<OptimizeOptions, 'depthWeight'> = { content, styles: [starry], size: 96, iterations: 15, vgg, depthModel, runtime, seed: 1 };

/** 1 − r² of the depth maps of two images (the SSI depth error), measured by the same depth network. */
async function depthError(a: RgbImage, b: RgbImage): Promise<{ ssi: number; mse: number }> {
  const est = new DepthEstimator(depthModel, runtime);
  const da = await est.estimate(a);
  const db = await est.estimate(await resizeImage(b, a.width, a.height));
  const mean = db.reduce((s, v) => s + v, 0) / db.length;
  let mse = 0;
  for (let i = 0; i < da.length; i++) mse += ((da[i] - db[i]) / mean) ** 2;
  return { ssi: 1 - pearson(da, db) ** 2, mse: mse / da.length };
}

test('style loss falls substantially from the initial image', async () => {
  const r = await optimize({ ...base, depthWeight: 0 });
  console.log(`  style ${r.initialLosses.style.toExponential(3)} → ${r.losses.style.toExponential(3)} in ${r.iterations} iterations`);
  assert.equal(r.iterations, 15);
  assert.ok(r.losses.style < 0.2 * r.initialLosses.style, `style loss ${r.initialLosses.style} → ${r.losses.style}`);
  assert.equal(r.image.width, 96);
});

test('the depth loss keeps the output depth closer to the content depth than no depth loss does', async () => {
  const without = await optimize({ ...base, depthWeight: 0, init: 'noise' });
  const c = await resizeImage(content, without.image.width, without.image.height);
  const e0 = await depthError(c, without.image);
  // 'features' is the seed paper's loss on the depth network's feature layers, not on its map.
  for (const [depthLoss, depthWeight] of [
    ['ssi', 1e6],
    ['mse', 1e5],
    ['features', 1e6],
  ] as const) {
    const withDepth = await optimize({ ...base, depthWeight, depthLoss, init: 'noise' });
    const e1 = await depthError(c, withDepth.image);
    console.log(`  ${depthLoss}: depth error without ${JSON.stringify(e0)}, with ${JSON.stringify(e1)}`);
    assert.ok(e1.ssi < 0.7 * e0.ssi, `${depthLoss}: SSI depth error ${e0.ssi} → ${e1.ssi}`);
    // Still stylized: the style loss stays within 2x of the no-depth run.
    assert.ok(withDepth.losses.style < 2 * without.losses.style);
  }
});

test('luminance-only transfer keeps the content chroma; plain transfer does not', async () => {
  const chromaGap = (img: RgbImage, ref: RgbImage) => {
    // Mean absolute difference of the YIQ chroma channels.
    const n = img.width * img.height;
    let s = 0;
    for (let i = 0; i < n; i++) {
      const [r1, g1, b1] = [img.data[i], img.data[n + i], img.data[2 * n + i]];
      const [r2, g2, b2] = [ref.data[i], ref.data[n + i], ref.data[2 * n + i]];
      s += Math.abs(0.596 * (r1 - r2) - 0.274 * (g1 - g2) - 0.322 * (b1 - b2)) + Math.abs(0.211 * (r1 - r2) - 0.523 * (g1 - g2) + 0.312 * (b1 - b2));
    }
    return s / n;
  };
  const kept = await optimize({ ...base, depthWeight: 0, preserveColor: 'luminance' });
  const plain = await optimize({ ...base, depthWeight: 0 });
  const c = await resizeImage(content, kept.image.width, kept.image.height);
  const gk = chromaGap(kept.image, c);
  const gp = chromaGap(plain.image, c);
  console.log(`  chroma gap: luminance-only ${gk.toFixed(2)}, plain ${gp.toFixed(2)}`);
  assert.ok(gk < 2, `luminance-only chroma gap ${gk}`);
  assert.ok(gk < 0.3 * gp);
  const hist = await optimize({ ...base, depthWeight: 0, iterations: 3, preserveColor: 'histogram' });
  assert.equal(hist.image.width, 96);
});

test('bad style and content inputs are clear errors', async () => {
  await assert.rejects(optimize({ ...base, styles: [], depthWeight: 0 }), /at least one style image/);
  await assert.rejects(optimize({ ...base, styleBlend: [0.5, 0.5], depthWeight: 0 }), /optimize: styleBlend: 2 weights for 1 painting/);
  await assert.rejects(optimize({ ...base, depthWeight: 0, styleLayers: ['relu9_9'] }), /unknown VGG-19 layer "relu9_9"/);
});

test('multiscale runs coarse-to-fine passes and ends at full size', async () => {
  const scales = new Set<number>();
  const r = await optimize({ ...base, size: 256, iterations: 2, depthWeight: 0, multiscale: true, onProgress: (p) => void scales.add(p.scale) });
  assert.equal(r.image.width, 256);
  assert.deepEqual([...scales], [1, 2]);
  assert.equal(r.iterations, 3);
});
