// Metric code against known answers and against the seed paper's own numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { ssim } from '../src/eval/ssim.js';
import { toGray } from '../src/io/image.js';
import { pearson, spearman, ranks } from '../src/eval/stats.js';
import { loadImage, resizeImage } from '../src/io/image.js';
import { Rng } from '../src/optim/random.js';
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
      for (let dy = -2; dy <= 2; dy++)
        for (let dx = -2; dx <= 2; dx++) if (y + dy >= 0 && y + dy < 80 && x + dx >= 0 && x + dx < 96) (s += g[(y + dy) * 96 + x + dx]), n++;
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
  assert.equal(
    pearson(
      a,
      a.map((v) => 2 * v + 3),
    ),
    1,
  );
  assert.ok(
    spearman(
      a,
      a.map((v) => 1 / v),
    ) === -1,
  );
  assert.deepEqual([...ranks([3, 1, 3, 2])], [3.5, 1, 3.5, 2]);
});

test('depth agreement: identical, inverted, and scaled-and-shifted maps give the known answers', async () => {
  const { depthAgreement } = await import('../src/eval/metrics.js');
  const rng = new Rng(2);
  const d = Float32Array.from({ length: 4000 }, () => rng.uniform(1, 10));
  const same = depthAgreement(d, d);
  assert.ok(same.pearson > 0.999999 && same.spearman > 0.999999 && same.ssiRmse < 1e-6 && same.whdr === 0);
  const inv = depthAgreement(
    d,
    d.map((v) => 1 / v),
  );
  assert.ok(inv.pearson < -0.8 && inv.spearman < -0.999 && inv.whdr > 0.99, JSON.stringify(inv));
  const ss = depthAgreement(
    d,
    d.map((v) => 3 * v + 7),
  );
  assert.ok(ss.ssiRmse < 1e-6, `SSI-RMSE ${ss.ssiRmse}`);
  assert.ok(ss.relRmse > 0.05, `scale-sensitive RMSE ${ss.relRmse}`);
  const noisy = depthAgreement(
    d,
    d.map((v) => v + rng.normal() * 2),
  );
  assert.ok(noisy.whdr > 0.01 && noisy.whdr < 0.5 && noisy.ssiRmse > 0.1);
});

test('edge agreement: an image agrees with itself, not with a shifted copy', async () => {
  const { edgeAgreement } = await import('../src/eval/metrics.js');
  const img = await loadPhoto('stata.jpg', [80, 60]);
  assert.equal(edgeAgreement(img, img), 1);
  const n = 80 * 60;
  const shifted = {
    ...img,
    data: img.data.map((_, k) => {
      const c = Math.floor(k / n);
      const p = k % n;
      const y = Math.floor(p / 80);
      const x = p % 80;
      return img.data[c * n + ((y + 7) % 60) * 80 + ((x + 9) % 80)];
    }),
  };
  assert.ok(edgeAgreement(img, shifted) < 0.5);
});

test('eval on an image against itself: perfect depth and structure scores, zero content loss', async () => {
  const { evaluatePair } = await import('../src/eval/evaluate.js');
  const { loadVgg19 } = await import('../src/models/vgg.js');
  const { loadDepthModel } = await import('../src/models/depth.js');
  const { store, runtime } = await import('./support/fixtures.js');
  const img = await loadPhoto('golden_gate.jpg', [96, 64]);
  const r = await evaluatePair({
    content: img,
    stylized: img,
    depthModel: await loadDepthModel('pydnet-v2', { store }),
    vgg: await loadVgg19({ store }),
    runtime,
  });
  assert.ok(r.depth.pearson > 0.99999 && r.depth.whdr === 0 && r.depth.ssiRmse < 1e-3, JSON.stringify(r.depth));
  assert.ok(Math.abs(r.ssim - 1) < 1e-9 && r.edgeF1 === 1 && r.contentLoss === 0, JSON.stringify(r));
});

test('compare on two tiny photos writes an HTML report whose images all exist, and a grid', async () => {
  const { mkdtemp, readFile, stat } = await import('node:fs/promises');
  const os = await import('node:os');
  const { compare } = await import('../src/eval/report.js');
  const { loadVgg19 } = await import('../src/models/vgg.js');
  const { loadDepthModel } = await import('../src/models/depth.js');
  const { store, runtime, photo } = await import('./support/fixtures.js');
  const out = await mkdtemp(path.join(os.tmpdir(), 'depthstyle-report-'));
  const r = await compare({
    images: [photo('stata.jpg'), photo('golden_gate.jpg')],
    methods: [
      { name: 'x-depth', run: async (p) => p },
      { name: 'x-nodepth', run: async (p) => ({ ...p, data: p.data.map((v) => 255 - v) }) },
    ],
    size: 64,
    out,
    depthModel: await loadDepthModel('pydnet-v2', { store }),
    secondDepthModel: await loadDepthModel('pydnet', { store }),
    vgg: await loadVgg19({ store }),
    runtime,
    commandLine: 'depthstyle compare (test)',
  });
  const html = await readFile(r.html, 'utf8');
  const srcs = [...html.matchAll(/src="([^"]+)"/g)].map((m) => m[1]);
  assert.ok(srcs.length >= 2 * 2 * 2 + 2);
  for (const s of srcs) assert.ok((await stat(path.join(out, s))).size > 0, `${s} exists`);
  assert.match(html, /depthstyle compare \(test\)/);
  const identity = r.rows.filter((x) => x.method === 'x-depth');
  assert.ok(identity.every((x) => x.report.ssim > 0.999 && x.report.depth.whdr === 0));
  // The robust judges on an unchanged image: perfect agreement under the second net and every resampling.
  assert.ok(
    identity.every(
      (x) => x.report.robust.second!.agreement.spearman > 0.999 && x.report.robust.resampledSpearman > 0.999 && x.report.robust.edges.contrastRatio === 1,
    ),
  );
  // Twins get a table of paired differences.
  assert.match(html, /Paired differences/);
  assert.match(html, /x-depth − x-nodepth/);
  const { twinPairs } = await import('../src/eval/report.js');
  assert.deepEqual(twinPairs(['a-depth', 'a-nodepth', 'b-depth', 'optimize (depth)', 'optimize (no depth)']), [
    ['a-depth', 'a-nodepth'],
    ['optimize (depth)', 'optimize (no depth)'],
  ]);
  const grid = await (await import('sharp')).default(r.grid).metadata();
  assert.equal(grid.width, 6 * 160);
});
