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
  // The same recipe written out step by step (as the CLI did before the pipeline): identical pixels.
  const stylist = await ArbitraryStylist.load(store, runtime); // the default network, as the pipeline's
  const painting = resolvePainting('starry_night', store);
  const style = await stylist.styleFor([painting], photo, { strength: 0.8 });
  const model = stylist.model(style, 'starry_night', await stylist.styleOf(photo));
  const depthModel = await loadDepthModel('pydnet-v2', { store });
  const s = new Stylizer(model, runtime);
  const raw = await stylizeStrokes(s, photo, { depthStrength: { near: 0.75, far: 1 }, depthModel, runtime });
  const manual = await finishStylization(raw, photo, { strength: 1, depthStrength: { near: 0.75, far: 1 }, depthModel, runtime, model });
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
