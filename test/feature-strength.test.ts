// Depth-guided strength in the arbitrary network's features: a strength plane mixes each conditional norm's scale
// and shift between the painting's style and the photo's own. Checked against the network at each style alone,
// on a synthetic scene with a known depth (a near square on a far wall), in tiles, and from the command line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RgbImage } from '../src/io/rgb.js';
import { loadImage } from '../src/io/image.js';
import { arbitraryOnnx } from '../src/models/magenta.js';
import { StylePredictor, arbitraryTransformModel } from '../src/stylize/arbitrary.js';
import { strengthMap } from '../src/stylize/depth-strength.js';
import { Stylizer, withPlane } from '../src/stylize/stylizer.js';
import { cli } from './support/cli.js';
import { SHARED, photo, runtime, store } from './support/fixtures.js';

const transfer = await arbitraryOnnx('transfer', store);
const predictor = new StylePredictor(await arbitraryOnnx('predictor', store), runtime);
const painting = await predictor.predict(await loadImage(path.join(SHARED, 'images', 'styles', 'the_scream.jpg')));

const W = 160;
const H = 128;
const inside = (x: number, y: number) => x >= 48 && x < 112 && y >= 32 && y < 96;
/** A textured near square (farness 0, its edge smeared over ±4 px as an upsampled depth map is) on a far wall. */
function scene(): { photo: RgbImage; farness: Float32Array } {
  const data = new Float32Array(3 * W * H);
  const farness = new Float32Array(W * H);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const inSq = inside(x, y);
      const stripe = Math.sin((inSq ? x + y : x - 2 * y) / 3) * 25;
      [inSq ? 190 : 70, inSq ? 120 : 110, inSq ? 60 : 160].forEach((v, c) => (data[c * W * H + y * W + x] = v + stripe));
      let s = 0;
      for (let d = -4; d <= 4; d++) s += inside(Math.min(W - 1, Math.max(0, x + d)), y) ? 0 : 1;
      farness[y * W + x] = s / 9;
    }
  return { photo: { width: W, height: H, data }, farness };
}

/** Mean |a − b| over the pixels where `where` holds. */
function meanDiff(a: RgbImage, b: RgbImage, where: (x: number, y: number) => boolean): number {
  let s = 0;
  let n = 0;
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++)
        if (where(x, y)) {
          s += Math.abs(a.data[c * W * H + y * W + x] - b.data[c * W * H + y * W + x]);
          n++;
        }
  return s / n;
}

/** Mean |a − b| over every value of two images of one size. */
function meanAbs(a: RgbImage, b: RgbImage): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += Math.abs(a.data[i] - b.data[i]);
  return s / a.data.length;
}

test('feature-level strength: plane 1 is the painting, plane 0 the photo’s own style, exactly', async () => {
  const { photo: img } = scene();
  const own = await predictor.predict(img);
  const run = (m: ReturnType<typeof arbitraryTransformModel>, x: RgbImage) => new Stylizer(m, runtime).stylize(x);
  const mixed = arbitraryTransformModel(transfer, painting, 'scream', { photoStyle: own });
  assert.equal(mixed.guidePlanes, 1);
  const n = W * H;
  const [atPainting, atOwn] = [await run(arbitraryTransformModel(transfer, painting), img), await run(arbitraryTransformModel(transfer, own), img)];
  const [one, zero] = [await run(mixed, withPlane(img, new Float32Array(n).fill(1))), await run(mixed, withPlane(img, new Float32Array(n)))];
  const all = () => true;
  const [d1, d0, apart] = [meanDiff(one, atPainting, all), meanDiff(zero, atOwn, all), meanDiff(atPainting, atOwn, all)];
  console.log(
    `  mean |diff|: plane 1 vs painting ${d1.toExponential(1)}, plane 0 vs own style ${d0.toExponential(1)} (the two styles differ by ${apart.toFixed(1)})`,
  );
  assert.ok(d1 < 1e-2 && d0 < 1e-2, `${d1} ${d0}`);
  assert.ok(apart > 10, `the two styles should differ: ${apart}`);
});

test('feature-level strength follows the depth: the photo’s style on the near square, the painting on the far wall, nowhere else, no halo, same in tiles', async () => {
  const { photo: img, farness } = scene();
  const own = await predictor.predict(img);
  const run = (m: ReturnType<typeof arbitraryTransformModel>, x: RgbImage) => new Stylizer(m, runtime).stylize(x);
  const [atPainting, atOwn] = [await run(arbitraryTransformModel(transfer, painting), img), await run(arbitraryTransformModel(transfer, own), img)];
  const map = strengthMap(farness, img, { near: 0, far: 1 });
  const mixedModel = arbitraryTransformModel(transfer, painting, 'scream', { photoStyle: own });
  const out = await run(mixedModel, withPlane(img, map));
  // Regions by distance from the square's edge.
  const dist = (x: number, y: number) => {
    const dx = Math.max(48 - x, x - 111, 0);
    const dy = Math.max(32 - y, y - 95, 0);
    return inside(x, y) ? -Math.min(x - 48, 111 - x, y - 32, 95 - y) : Math.max(dx, dy);
  };
  const band = (lo: number, hi: number) => (x: number, y: number) => dist(x, y) >= lo && dist(x, y) <= hi;
  // Each norm's statistics are the whole image's (the network conditioned on a per-pixel style), so the square is
  // not the own-style run exactly: it is judged by how far it moved from the painting's run (Δ) and toward the
  // own-style run; the wall must not move.
  const report = (name: string, where: (x: number, y: number) => boolean) => {
    const r = { moved: meanDiff(out, atPainting, where), toOwn: meanDiff(out, atOwn, where), ownToPainting: meanDiff(atOwn, atPainting, where) };
    console.log(
      `  ${name}: Δ from the painting's run ${r.moved.toFixed(1)}, from the own-style run ${r.toOwn.toFixed(1)} (the two runs differ by ${r.ownToPainting.toFixed(1)})`,
    );
    return r;
  };
  const wall = report('far wall (≥ 16 px from the square)', band(16, 1e9));
  const square = report('near square (≥ 12 px inside)', band(-1e9, -12));
  const ringOut = report('ring 4–8 px outside the square', band(4, 8));
  const ringIn = report('ring 4–8 px inside the square', band(-8, -4));
  assert.ok(wall.moved < 0.25 * wall.ownToPainting, 'the far wall stays the painting’s');
  assert.ok(square.moved > 0.7 * square.ownToPainting, 'the near square moved away from the painting as far as the own style is');
  assert.ok(square.toOwn < 0.8 * square.ownToPainting, 'the near square is nearer the photo’s own style than the painting’s run is');
  // No halo: just outside the edge the wall has barely moved; just inside, the square has moved nearly all the way.
  assert.ok(ringOut.moved < 0.3 * square.moved, 'no halo on the wall');
  assert.ok(ringIn.moved > 0.7 * square.moved, 'no halo on the square');
  // The strength plane rides through tiles (whole-image statistics): a tiled run agrees with the whole one.
  const big = { width: W, height: H, data: withPlane(img, map).data };
  const tiled = await new Stylizer(mixedModel, runtime).stylizeLarge(big, { tile: 96, overlap: 32 });
  const td = meanDiff(tiled, out, () => true);
  console.log(`  tiled (96 px) vs whole: mean |diff| ${td.toFixed(2)}`);
  assert.ok(td < 3, `tiled vs whole ${td}`);
});

test('stylize --style: no depth-guided strength by default (chosen on dev); asked for, it acts in the features, not as a pixel blend', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ds-feat-'));
  const out = (name: string) => path.join(dir, `${name}.png`);
  const common = [photo('tubingen.jpg'), '--style', 'the_scream', '--max-size', '160', '--threads', '1'];
  const run = async (name: string, ...extra: string[]) => {
    const r = await cli('stylize', ...common, ...extra, '-o', out(name));
    assert.equal(r.code, 0, r.stderr);
    return loadImage(out(name));
  };
  const [byDefault, explicit, off, zeroNear] = [
    await run('default'),
    await run('explicit', '--depth-strength', '0.75,1'),
    await run('off', '--depth-strength', 'off'),
    await run('zero', '--depth-strength', '0,1'),
  ];
  const p = await loadImage(photo('tubingen.jpg'), { maxSide: 160 });
  const { DEFAULT_DEPTH_STRENGTH } = await import('../src/stylize/depth-strength.js');
  assert.equal(DEFAULT_DEPTH_STRENGTH.painting, undefined, 'a painting has no depth-guided strength by default (docs/splits.md)');
  assert.equal(DEFAULT_DEPTH_STRENGTH.model, undefined, 'a trained model has no depth-guided strength by default');
  const [same, fromOff] = [meanAbs(byDefault, off), meanAbs(explicit, off)];
  console.log(`  mean |diff|: default vs off ${same.toFixed(2)}, 0.75,1 vs off ${fromOff.toFixed(2)}`);
  assert.ok(same < 0.01, 'the default is off');
  assert.ok(fromOff > 0.5, '0.75,1, asked for, changes the result');
  // Where the strength is 0 a pixel blend would give the photo itself; the features give the photo's own style instead.
  const [toOff, toPhoto] = [meanAbs(zeroNear, off), meanAbs(zeroNear, p)];
  console.log(`  mean |diff|: 0,1 vs off ${toOff.toFixed(1)}, vs the photo ${toPhoto.toFixed(1)}`);
  assert.ok(toOff > 3 && toOff > 2 * fromOff, 'depth-guided strength changed the result, more at 0,1 than at 0.75,1');
  assert.ok(toPhoto > 10, 'not a pixel blend toward the photo');
  const bad = await cli('stylize', ...common, '--depth-strength', 'of', '-o', out('bad'));
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--depth-strength must be NEAR,FAR .* or off, got "of"/);
});

test("stylize --style runs magenta-clean-depth unless --style-network original: a drop-in for Google's network; refused without --style", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ds-ft-'));
  const [orig, tuned] = [path.join(dir, 'orig.png'), path.join(dir, 'tuned.png')];
  const common = [photo('stata.jpg'), '--style', 'composition_vii', '--max-size', '160', '--threads', '1'];
  assert.equal((await cli('stylize', ...common, '--style-network', 'original', '-o', orig)).code, 0);
  const r = await cli('stylize', ...common, '-o', tuned);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    /arbitrary-style network, Magenta arbitrary-style networks .*Apache-2\.0/,
    'the default network says what its weights may be used for',
  );
  const research = await cli('stylize', ...common, '--style-network', 'magenta-depth', '-o', path.join(dir, 'research.png'));
  assert.match(research.stderr, /arbitrary-style network, research use only/, 'the network trained on research-use photos says so');
  const d = meanAbs(await loadImage(orig), await loadImage(tuned));
  console.log(`  mean |magenta-clean-depth − original| ${d.toFixed(2)} (0–255)`);
  // Distilled from the original on every style vector: close to it, but not the same network.
  assert.ok(d > 0.5 && d < 40, `${d}`);
  const bad = await cli('stylize', photo('stata.jpg'), '--model', 'scream', '--style-network', 'magenta-depth', '-o', path.join(dir, 'x.png'));
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--style-network needs --style/);
});
