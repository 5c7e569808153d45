// Metric code against known answers and against the seed paper's own numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { ssim, toGray } from '../src/eval/ssim.js';
import { pearson, spearman, ranks } from '../src/eval/stats.js';
import { loadImage, resizeImage } from '../src/io/image.js';
import { Rng } from '../src/nn/random.js';
import { SHARED, loadPhoto } from './support/fixtures.js';

test('SSIM: identical images score 1, a blurred copy scores lower, noise lower still', async () => {
  const img = await loadPhoto('stata.jpg', [96, 80]);
  const g = toGray(img);
  assert.ok(Math.abs(ssim(g, g, 96, 80) - 1) < 1e-12);
  const blur = new Float32Array(g.length);
  for (let y = 0; y < 80; y++)
    for (let x = 0; x < 96; x++) {
      let s = 0;
      let n = 0;
      for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) if (y + dy >= 0 && y + dy < 80 && x + dx >= 0 && x + dx < 96) (s += g[(y + dy) * 96 + x + dx]), n++;
      blur[y * 96 + x] = s / n;
    }
  const rng = new Rng(1);
  const noisy = g.map((v) => v + rng.normal() * 60);
  const sb = ssim(g, blur, 96, 80);
  const sn = ssim(g, noisy, 96, 80);
  assert.ok(sb < 0.95 && sb > 0.3, `blurred ${sb}`);
  assert.ok(sn < sb, `noise ${sn} vs blur ${sb}`);
  assert.throws(() => ssim(g, g.subarray(1), 96, 80), /differ in size/);
});

test("SSIM reproduces the seed paper's means on its own outputs (Johnson et al. 0.385, seed 0.534, ±0.01)", async () => {
  // As ../shared/README.md describes: grayscale (MATLAB rgb2gray), photo resized
  // to the stylized size, Gaussian window σ 1.5, K = 0.01/0.03, L = 255 — and,
  // as Wang's reference ssim.m does, average-pooled by round(min side / 256).
  const dir = path.join(SHARED, 'images', 'seed-report');
  const files = readdirSync(dir);
  const scores: Record<'feifei' | 'ours', number[]> = { feifei: [], ours: [] };
  for (const input of files.filter((f) => /_input\./.test(f))) {
    const stem = input.replace(/_input\..*$/, '');
    const photo = await loadImage(path.join(dir, input));
    for (const f of files.filter((n) => new RegExp(`^${stem}_(composition|muse|starry|wave)_(feifei|ours)\\.`).test(n))) {
      const who = /_(feifei|ours)\./.exec(f)![1] as 'feifei' | 'ours';
      const stylized = await loadImage(path.join(dir, f));
      const p = await resizeImage(photo, stylized.width, stylized.height);
      scores[who].push(ssim(toGray(p), toGray(stylized), stylized.width, stylized.height));
    }
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(`  ${scores.feifei.length} pairs each: Johnson et al. ${mean(scores.feifei).toFixed(4)}, seed ${mean(scores.ours).toFixed(4)}`);
  assert.ok(scores.feifei.length >= 48 && scores.feifei.length === scores.ours.length);
  assert.ok(Math.abs(mean(scores.feifei) - 0.385) <= 0.01, `Johnson et al. mean SSIM ${mean(scores.feifei)}`);
  assert.ok(Math.abs(mean(scores.ours) - 0.534) <= 0.01, `seed mean SSIM ${mean(scores.ours)}`);
});

test('correlations: a map and its inverse are negatively correlated; ranks handle ties', () => {
  const a = [1, 2, 3, 4, 5, 6];
  assert.equal(pearson(a, a.map((v) => 2 * v + 3)), 1);
  assert.ok(spearman(a, a.map((v) => 1 / v)) === -1);
  assert.deepEqual([...ranks([3, 1, 3, 2])], [3.5, 1, 3.5, 2]);
});
