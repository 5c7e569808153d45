// Depth-guided strength against synthetic scenes with a known answer: a near square on a far wall.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blendByMap, parseDepthStrength, strengthMap } from '../src/stylize/depth-strength.js';
import type { RgbImage } from '../src/io/image.js';

const W = 96;
const H = 64;
const inside = (x: number, y: number) => x >= 32 && x < 64 && y >= 16 && y < 48;
/** Farness 0 on the square, 1 on the wall; the photo shows the square bright on a dark wall. */
function scene(blurDepth = 0): { farness: Float32Array; photo: RgbImage } {
  const farness = new Float32Array(W * H);
  const data = new Float32Array(3 * W * H);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      farness[y * W + x] = inside(x, y) ? 0 : 1;
      for (let c = 0; c < 3; c++) data[c * W * H + y * W + x] = inside(x, y) ? 210 : 50;
    }
  if (blurDepth) {
    // A coarse depth net's map: the step smeared over ±blurDepth px, as upsampling leaves it.
    const out = Float32Array.from(farness);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        let s = 0;
        let n = 0;
        for (let d = -blurDepth; d <= blurDepth; d++) if (x + d >= 0 && x + d < W) (s += farness[y * W + x + d]), n++;
        out[y * W + x] = s / n;
      }
    return { farness: out, photo: { width: W, height: H, data } };
  }
  return { farness, photo: { width: W, height: H, data } };
}

test('depth-guided strength: NEAR on the near square, FAR on the far wall, exactly where the depth is flat', () => {
  const { farness, photo } = scene();
  const map = strengthMap(farness, photo, { near: 0.4, far: 1 });
  assert.ok(Math.abs(map[32 * W + 48] - 0.4) < 1e-3, `centre of the square: ${map[32 * W + 48]}`);
  assert.ok(Math.abs(map[5 * W + 5] - 1) < 1e-3, `corner of the wall: ${map[5 * W + 5]}`);
  // The blend: photo + s·(stylized − photo); a white "stylization" shows the map directly.
  const white: RgbImage = { ...photo, data: new Float32Array(photo.data.length).fill(255) };
  const out = blendByMap(white, photo, map);
  assert.ok(Math.abs(out.data[32 * W + 48] - (210 + 0.4 * 45)) < 0.1);
  assert.ok(Math.abs(out.data[5 * W + 5] - 255) < 0.1);
  // Equal NEAR and FAR is the uniform blend.
  assert.ok(strengthMap(farness, photo, { near: 0.7, far: 0.7 }).every((v) => Math.abs(v - 0.7) < 1e-6));
});

test('depth-guided strength: a coarse depth edge is snapped to the photo edge (no halo)', () => {
  const { farness, photo } = scene(4);
  const map = strengthMap(farness, photo, { near: 0.4, far: 1 });
  const row = 32;
  // Raw blurred depth (±4 px) 3 px outside the square's left edge (x = 29) would give a strength well below 1; the guided
  // ramp follows the photo's edge instead: the wall keeps nearly full strength, the square nearly 0.4.
  const rawOutside = 0.4 + 0.6 * farness[row * W + 29];
  assert.ok(rawOutside < 0.9, `the coarse map alone would halo: ${rawOutside}`);
  assert.ok(map[row * W + 29] > 0.93, `wall next to the square: ${map[row * W + 29]}`);
  assert.ok(map[row * W + 34] < 0.5, `square next to its edge: ${map[row * W + 34]}`);
  // Smooth and monotone across the edge, within [NEAR, FAR].
  for (let x = 20; x < 40; x++) assert.ok(map[row * W + x] >= map[row * W + x + 1] - 1e-6, `monotone at x = ${x}`);
  assert.ok(map.every((v) => v >= 0.4 - 1e-9 && v <= 1 + 1e-9));
});

test('--depth-strength parsing names the option and the expected form', () => {
  assert.deepEqual(parseDepthStrength('0.4,1'), { near: 0.4, far: 1 });
  assert.throws(() => parseDepthStrength('0.4'), /--depth-strength must be NEAR,FAR with each from 0 to 1/);
  assert.throws(() => parseDepthStrength('0.4,2'), /got "0.4,2"/);
});

test('library stylize() with depthStrength: 0,0 returns the photo, 1,1 the plain stylization; the CLI option works', async () => {
  const { stylize } = await import('../src/stylize/stylize.js');
  const { loadTransformModel } = await import('../src/stylize/models.js');
  const { loadPhoto, runtime, store, photo: photoFile, maxAbsDiff } = await import('./support/fixtures.js');
  const img = await loadPhoto('tubingen.jpg', [64, 48]);
  const model = await loadTransformModel('baseline:wave', store);
  const plain = await stylize(img, model, { runtime });
  const none = await stylize(img, model, { runtime, depthStrength: { near: 0, far: 0 } });
  const full = await stylize(img, model, { runtime, depthStrength: { near: 1, far: 1 } });
  assert.ok(maxAbsDiff(none.data, img.data) < 1e-3);
  assert.ok(maxAbsDiff(full.data, plain.data) < 1e-3);
  const ramp = await stylize(img, model, { runtime, depthStrength: { near: 0.2, far: 1 } });
  assert.ok(maxAbsDiff(ramp.data, plain.data) > 1 && maxAbsDiff(ramp.data, img.data) > 1, 'a ramp lies between');

  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const { mkdtemp, stat } = await import('node:fs/promises');
  const os = await import('node:os');
  const path = await import('node:path');
  const out = path.join(await mkdtemp(path.join(os.tmpdir(), 'depthstyle-ds-')), 'x.jpg');
  const bin = path.join(path.dirname(path.dirname(new URL(import.meta.url).pathname)), 'bin', 'depthstyle.js');
  await promisify(execFile)(process.execPath, [
    bin,
    'stylize',
    photoFile('tubingen.jpg'),
    '--model',
    'baseline:wave',
    '--max-size',
    '96',
    '--depth-strength',
    '0.4,1',
    '-o',
    out,
  ]);
  assert.ok((await stat(out)).size > 0);
});
