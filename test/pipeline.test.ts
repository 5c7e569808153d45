// The stylization pipeline (issue #33): the recipe once, work once per photo. A second call on the same photo
// with another strength re-runs only the transfer network; the photo's depth (also the --depth-map figure's) and
// its style vector are computed once; the outputs are those of the recipe written out step by step.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArbitraryStylist, resolvePainting } from '../src/stylize/arbitrary.node.js';
import { createPipeline } from '../src/stylize/pipeline.node.js';
import { Stylizer, blendToward, finishStylization, stylizeStrokes } from '../src/stylize/stylizer.js';
import { loadDepthModel } from '../src/models/depth.js';
import { loadPhoto, maxAbsDiff, runtime, store } from './support/fixtures.js';

const photo = await loadPhoto('stata.jpg', [160, 120]);

test('a painting at strength 0.8 with depth-guided strength: depth and the photo vector once, whatever is asked after', async () => {
  const p = await createPipeline({ paintings: ['starry_night'] }, { store, runtime, strength: 0.8, depthStrength: { near: 0.75, far: 1 } });
  assert.deepEqual(p.settings.depthStrength, { near: 0.75, far: 1 }, 'the settings, resolved once');
  const a = await p.run(photo);
  const b = await p.run(photo, { strength: 0.5 });
  await p.photoDepth(photo); // what --depth-map draws
  assert.deepEqual(p.counts, { depth: 1, photoStyle: 1, transfer: 2 });
  assert.ok(maxAbsDiff(a.data, b.data) > 1, 'the second strength changed the picture');
  // The same recipe written out step by step: the vector at 0.8 toward the photo's own, then the blend at 0.8.
  const stylist = await ArbitraryStylist.load(store, runtime); // the default network, as the pipeline's
  const painting = resolvePainting('starry_night', store);
  const style = await stylist.styleFor([painting], photo, { strength: 0.8 });
  const model = stylist.model(style, 'starry_night', await stylist.styleOf(photo));
  const depthModel = await loadDepthModel('pydnet-v2', { store });
  const s = new Stylizer(model, runtime);
  const raw = await stylizeStrokes(s, photo, { depthStrength: { near: 0.75, far: 1 }, depthModel, runtime });
  const manual = await finishStylization(raw, photo, { strength: 0.8, depthStrength: { near: 0.75, far: 1 }, depthModel, runtime, model });
  await s.release();
  await stylist.release();
  assert.equal(maxAbsDiff(a.data, manual.data), 0);
  await p.dispose();
});

test('a trained model: strength is a blend toward the photo; a new photo is a new cache', async () => {
  const p = await createPipeline({ model: 'baseline:wave' }, { store, runtime });
  assert.equal(p.settings.depthStrength, undefined, 'no depth strength by default for a trained model');
  const full = await p.run(photo);
  const half = await p.run(photo, { strength: 0.5 });
  assert.ok(maxAbsDiff(half.data, blendToward(full, photo, 0.5).data) < 1e-3);
  const other = await loadPhoto('tubingen.jpg', [160, 120]);
  await p.run(other, { depthStrength: { near: 0.5, far: 1 } });
  await p.run(other, { depthStrength: { near: 0.8, far: 1 } });
  assert.deepEqual(p.counts, { depth: 1, photoStyle: 0, transfer: 4 });
  await p.dispose();
});

test('every setting given is kept when settings are resolved, the optional ones too (depth strokes, depth strength)', async () => {
  const { resolveStylizeOptions } = await import('../src/stylize/options.js');
  const given = {
    strength: 0.7,
    depthStrokes: { near: 2, far: 0.5 },
    depthStrength: { near: 0.5, far: 1 },
    strokeScale: 1.5,
    preserveColor: 'luminance' as const,
    tile: 512,
  };
  assert.deepEqual(resolveStylizeOptions('model', given), given);
  assert.deepEqual(resolveStylizeOptions('painting', { depthStrength: 'off' }).depthStrength, undefined);
});

test('the CLI passes every setting through the pipeline: --depth-strokes and --stroke-scale change the picture', async () => {
  const { mkdtemp } = await import('node:fs/promises');
  const os = await import('node:os');
  const path = await import('node:path');
  const { cli } = await import('./support/cli.js');
  const { loadImage } = await import('../src/io/image.js');
  const { photo: photoFile } = await import('./support/fixtures.js');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ds-pipeline-cli-'));
  const run = async (name: string, ...extra: string[]) => {
    const r = await cli('stylize', photoFile('tubingen.jpg'), '--model', 'baseline:wave', '--max-size', '128', ...extra, '-o', path.join(dir, `${name}.png`));
    assert.equal(r.code, 0, r.stderr);
    return loadImage(path.join(dir, `${name}.png`));
  };
  const [plain, strokes, scaled] = [await run('plain'), await run('strokes', '--depth-strokes', '2,0.5'), await run('scaled', '--stroke-scale', '2')];
  assert.ok(maxAbsDiff(plain.data, strokes.data) > 20, 'depth strokes reached the network');
  assert.ok(maxAbsDiff(plain.data, scaled.data) > 20, 'the stroke scale reached the network');
});

test('strength means the same for a trained model and a painting: 0 is the photo, and 0.25 is nearer the photo than the full painting by about as much', async () => {
  const model = await createPipeline({ model: 'scream' }, { store, runtime });
  const painted = await createPipeline({ paintings: ['starry_night'] }, { store, runtime });
  const away = (img: { data: Float32Array }) => img.data.reduce((s, v, i) => s + Math.abs(v - photo.data[i]), 0) / img.data.length;
  const fraction: Record<string, number> = {};
  for (const [name, p] of [
    ['model', model],
    ['painting', painted],
  ] as const) {
    assert.ok(maxAbsDiff((await p.run(photo, { strength: 0 })).data, photo.data) < 1e-3, `${name}: strength 0 is the photo`);
    fraction[name] = away(await p.run(photo, { strength: 0.25 })) / away(await p.run(photo));
  }
  console.log(`  |result − photo| at strength 0.25 over that at 1: model ${fraction.model.toFixed(2)}, painting ${fraction.painting.toFixed(2)}`);
  assert.ok(Math.abs(fraction.model - 0.25) < 0.01, 'a model: a blend');
  assert.ok(fraction.painting > 0.1 && fraction.painting < 0.3, 'a painting at 0.25 is no longer fully painted, nor the photo');
  await model.dispose();
  await painted.dispose();
});

test('the smallest photo accepted (16 px a side) stylizes with a painting and a zoo model: the margin shrinks so reflection and the size multiple fit', async () => {
  const { stylizeWithPainting, stylize } = await import('../src/stylize/pipeline.node.js');
  const { loadTransformModel } = await import('../src/stylize/models.js');
  const zoo = await loadTransformModel('starry-depth', store);
  for (const [w, h] of [
    [16, 16],
    [19, 16],
  ]) {
    const img = { width: w, height: h, data: Float32Array.from({ length: 3 * w * h }, (_, i) => (i * 37) % 256) };
    for (const out of [await stylizeWithPainting(img, 'the_scream', { store, runtime }), await stylize(img, zoo, { runtime })]) {
      assert.equal(out.data.length, 3 * w * h);
      assert.ok(out.data.every(Number.isFinite));
      assert.ok(maxAbsDiff(out.data, img.data) > 5, 'the network changed the picture');
    }
  }
});
