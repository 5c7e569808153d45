// Brush size and depth-guided strokes against a synthetic scene with a known answer: a near square on a far
// wall, stylized by a "network" that paints a 2-px checkerboard in its own pixels, so the stroke size in the
// result can be read off as the energy of neighbouring-pixel differences.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RgbImage } from '../src/io/rgb.js';
import { atStrokeScale, parseDepthStrokes, strokeScales, strokeWeights, stylizeDepthStrokes } from '../src/stylize/strokes.js';

const W = 128;
const H = 96;
const inside = (x: number, y: number) => x >= 40 && x < 88 && y >= 24 && y < 72;
/** Farness 0 on the square, 1 on the wall (the depth step smeared over ±4 px, as an upsampled depth map is). */
function scene(): { farness: Float32Array; photo: RgbImage } {
  const sharp = new Float32Array(W * H);
  const data = new Float32Array(3 * W * H);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      sharp[y * W + x] = inside(x, y) ? 0 : 1;
      for (let c = 0; c < 3; c++) data[c * W * H + y * W + x] = inside(x, y) ? 200 : 60;
    }
  const farness = new Float32Array(W * H);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      let s = 0;
      let n = 0;
      for (let d = -4; d <= 4; d++) if (x + d >= 0 && x + d < W) (s += sharp[y * W + x + d]), n++;
      farness[y * W + x] = s / n;
    }
  return { farness, photo: { width: W, height: H, data } };
}

/** The "network": a ±30 checkerboard of 2×2-px squares in whatever grid it is run at (its "strokes"). */
const checker = async (img: RgbImage): Promise<RgbImage> => {
  const n = img.width * img.height;
  const data = Float32Array.from(img.data, (v, i) => {
    const p = i % n;
    return v + ((Math.floor((p % img.width) / 2) + Math.floor(Math.floor(p / img.width) / 2)) % 2 ? 30 : -30);
  });
  return { ...img, data };
};

/** Mean |horizontal neighbour difference| of channel 0 over a box: high for fine strokes, low for large ones. */
function energy(img: RgbImage, x0: number, y0: number, x1: number, y1: number): number {
  let s = 0;
  let n = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1 - 1; x++) (s += Math.abs(img.data[y * img.width + x + 1] - img.data[y * img.width + x])), n++;
  return s / n;
}

test('stroke scale: strokes twice as large halve the fine texture; --depth-strokes is checked', async () => {
  const { photo } = scene();
  const [e1, e2] = [energy(await atStrokeScale(photo, 1, checker), 0, 0, 30, 20), energy(await atStrokeScale(photo, 2, checker), 0, 0, 30, 20)];
  console.log(`  neighbour-difference energy on the flat wall: scale 1 ${e1.toFixed(1)}, scale 2 ${e2.toFixed(1)}`);
  assert.ok(e2 < 0.7 * e1, `scale 2 ${e2} vs scale 1 ${e1}`);
  assert.deepEqual(
    strokeScales({ near: 2, far: 0.5 }).map((s) => +s.toFixed(3)),
    [2, 1, 0.5],
  );
  assert.deepEqual(strokeScales({ near: 1, far: 1 }), [1]);
  assert.deepEqual(parseDepthStrokes('2,0.5'), { near: 2, far: 0.5 });
  for (const bad of ['', ',', '2', '2,0.1', '5,1', 'a,b']) assert.throws(() => parseDepthStrokes(bad), /--depth-strokes must be NEAR,FAR/, bad);
});

test('depth strokes: large strokes on the near square, fine ones on the far wall, nowhere else, no halo', async () => {
  const { farness, photo } = scene();
  const d = { near: 2, far: 0.5 };
  const scales = strokeScales(d);
  const w = strokeWeights(farness, photo, d, scales);
  for (let p = 0; p < W * H; p += 97) assert.ok(Math.abs(w.reduce((a, k) => a + k[p], 0) - 1) < 1e-5, 'weights sum to 1');
  const at = (x: number, y: number) => scales.map((_, k) => w[k][y * W + x]);
  assert.ok(at(64, 48)[0] > 0.99, `centre of the square takes the near scale: ${at(64, 48)}`);
  assert.ok(at(5, 5)[2] > 0.99, `the wall takes the far scale: ${at(5, 5)}`);
  // No halo: the stroke size follows the photo's edge, not the blurred depth: a few px outside the square the wall
  // is at its own scale, a few px inside the square at its (the raw depth map there is still well mixed).
  const logScale = (x: number, y: number) => at(x, y).reduce((a, wk, k) => a + wk * Math.log(scales[k]), 0);
  const towardFar = (x: number, y: number) => (Math.log(d.near) - logScale(x, y)) / (Math.log(d.near) - Math.log(d.far));
  for (const [x, y] of [
    [36, 48],
    [91, 48],
    [64, 20],
    [64, 75],
  ] as const) {
    console.log(
      `  (${x}, ${y}) on the wall: ${(100 * towardFar(x, y)).toFixed(0)} % of the way to the far stroke size; the raw depth there ${(100 * farness[y * W + x]).toFixed(0)} %`,
    );
    assert.ok(towardFar(x, y) > 0.85, `(${x}, ${y}) on the wall: ${towardFar(x, y)}`);
  }
  for (const [x, y] of [
    [44, 48],
    [83, 48],
  ] as const)
    assert.ok(towardFar(x, y) < 0.15, `(${x}, ${y}) on the square: ${towardFar(x, y)}`);
  // The result is the near-scale stylization on the square and the far-scale one on the wall, not a mixture.
  const out = await stylizeDepthStrokes(photo, farness, d, checker);
  const [big, fine] = [await atStrokeScale(photo, 2, checker), await atStrokeScale(photo, 0.5, checker)];
  const diff = (a: RgbImage, b: RgbImage, x0: number, y0: number, x1: number, y1: number) => {
    let s = 0;
    let n = 0;
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) (s += Math.abs(a.data[y * W + x] - b.data[y * W + x])), n++;
    return s / n;
  };
  const square = [46, 30, 82, 66] as const;
  const wall = [0, 0, 32, 18] as const;
  console.log(
    `  square: |out − scale 2| ${diff(out, big, ...square).toFixed(2)}, |scale 2 − scale 0.5| ${diff(big, fine, ...square).toFixed(1)}; wall: |out − scale 0.5| ${diff(out, fine, ...wall).toFixed(2)}`,
  );
  assert.ok(diff(big, fine, ...square) > 5, 'the two stroke sizes differ');
  assert.ok(diff(out, big, ...square) < 0.1 * diff(big, fine, ...square), 'the square has the large strokes');
  assert.ok(diff(out, fine, ...wall) < 0.1 * diff(big, fine, ...wall), 'the wall has the fine strokes');
  assert.ok(energy(out, ...square) < energy(out, ...wall), 'larger strokes on the square: less fine texture');
});

test('stylize --stroke-scale and --depth-strokes on a real photo; bad values are one-line errors', async () => {
  const { cli, assertRefused } = await import('./support/cli.js');
  const { mkdtemp } = await import('node:fs/promises');
  const os = await import('node:os');
  const path = await import('node:path');
  const { photo } = await import('./support/fixtures.js');
  const sharp = (await import('sharp')).default;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'depthstyle-strokes-'));
  const out = path.join(dir, 'out.jpg');
  const r = await cli(
    'stylize',
    photo('golden_gate.jpg'),
    '--model',
    'baseline:wave',
    '--max-size',
    '128',
    '--stroke-scale',
    '1.5',
    '--depth-strokes',
    '2,0.5',
    '-o',
    out,
    '--threads',
    '1',
  );
  assert.equal(r.code, 0, r.stderr);
  const meta = await sharp(out).metadata();
  assert.equal(Math.max(meta.width!, meta.height!), 128);
  const o = path.join(dir, 'bad.jpg');
  await assertRefused([
    [
      ['stylize', photo('golden_gate.jpg'), '--model', 'baseline:wave', '-o', o, '--stroke-scale', '9'],
      /--stroke-scale must be auto or from 0.25 to 4, got "9"/,
    ],
    [['stylize', photo('golden_gate.jpg'), '--model', 'baseline:wave', '-o', o, '--depth-strokes', '2'], /--depth-strokes must be NEAR,FAR/],
    [['stylize', photo('golden_gate.jpg'), '--model', 'baseline:wave', '-o', o, '--stroke-scale', ''], /--stroke-scale needs a value/],
  ]);
});

test('auto stroke scale (the default): a photo up to AUTO_STROKE_SIDE keeps the network strokes; a larger one is painted as at that size', async () => {
  const { AUTO_STROKE_SIDE, strokeScaleFor, parseStrokeScale } = await import('../src/stylize/strokes.js');
  const { PIPELINE_DEFAULTS } = await import('../src/stylize/pipeline.js');
  assert.equal(PIPELINE_DEFAULTS.strokeScale, 'auto');
  assert.equal(strokeScaleFor('auto', { width: AUTO_STROKE_SIDE, height: 600 }), 1);
  assert.equal(strokeScaleFor('auto', { width: 300, height: 200 }), 1, 'never finer than the network');
  assert.equal(strokeScaleFor('auto', { width: 4000, height: 3000 }), 4000 / AUTO_STROKE_SIDE);
  assert.equal(strokeScaleFor('auto', { width: 3000, height: 9000 }), 4, 'at most 4');
  assert.equal(strokeScaleFor(1.5, { width: 4000, height: 3000 }), 1.5, 'a number is kept');
  assert.equal(parseStrokeScale('auto'), 'auto');
  assert.throws(() => parseStrokeScale('big'), /--stroke-scale must be auto or from 0.25 to 4, got "big"/);
  // End to end: a 2048-px photo by default comes out as with --stroke-scale 2, not as with 1; a 512-px one as with 1.
  const { cli } = await import('./support/cli.js');
  const { mkdtemp, readFile } = await import('node:fs/promises');
  const os = await import('node:os');
  const path = await import('node:path');
  const { photo } = await import('./support/fixtures.js');
  const sharp = (await import('sharp')).default;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'depthstyle-auto-strokes-'));
  const run = async (input: string, name: string, ...extra: string[]) => {
    const out = path.join(dir, name);
    const r = await cli('stylize', input, '--model', 'baseline:wave', '-o', out, '--threads', '1', ...extra);
    assert.equal(r.code, 0, r.stderr);
    return readFile(out);
  };
  const big = path.join(dir, 'big.png');
  await sharp(photo('golden_gate.jpg')).resize(2048, 1024, { fit: 'fill' }).png().toFile(big);
  const bigDefault = await run(big, 'big-default.jpg');
  assert.ok(bigDefault.equals(await run(big, 'big-2.jpg', '--stroke-scale', '2')), 'auto is 2 at 2048 px');
  assert.ok(!bigDefault.equals(await run(big, 'big-1.jpg', '--stroke-scale', '1')), 'and not the network strokes');
  const small = path.join(dir, 'small.png');
  await sharp(photo('golden_gate.jpg')).resize(512, 256, { fit: 'fill' }).png().toFile(small);
  assert.ok((await run(small, 'small-default.jpg')).equals(await run(small, 'small-1.jpg', '--stroke-scale', '1')), 'auto is 1 at 512 px');
});
