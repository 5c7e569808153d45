// The arbitrary network's fine-tune (src/train/arbitrary.ts), tiny: it runs with the depth term, its losses are
// finite, a run stopped and resumed from its checkpoint ends with the very weights of an uninterrupted one, and
// the exported file is a drop-in transfer network.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { loadDepthModel } from '../src/models/depth.js';
import { arbitraryOnnx } from '../src/models/magenta.js';
import { loadVgg19 } from '../src/models/vgg.js';
import { StylePredictor } from '../src/stylize/arbitrary.js';
import { exportFinetunedTransfer, finetuneArbitrary, trainingPainting } from '../src/train/arbitrary.js';
import { SHARED, runtime, store } from './support/fixtures.js';

test('fine-tune: three steps with the depth term; stopped after two and resumed, the same weights as straight through', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'depthstyle-finetune-'));
  const [vgg, depthModel, transferOnnx] = [await loadVgg19({ store }), await loadDepthModel('pydnet-v2', { store }), await arbitraryOnnx('transfer', store)];
  const predictor = new StylePredictor(await arbitraryOnnx('predictor', store), runtime);
  const paintings = [];
  for (const f of ['wave.jpg', 'udnie.jpg']) paintings.push(await trainingPainting(path.join(SHARED, 'images', 'styles', f), (img) => predictor.predict(img)));
  await predictor.release();
  const common = {
    data: path.join(SHARED, 'images', 'train'),
    paintings,
    transferOnnx,
    vgg,
    depthModel,
    runtime,
    size: 48,
    batch: 1,
    seed: 3,
    checkpointEvery: 1,
  };
  const seen: Record<string, number>[] = [];
  const straight = await finetuneArbitrary({ ...common, steps: 3, checkpoint: path.join(dir, 'a.ckpt'), onStep: (s) => void seen.push(s.losses) });
  assert.equal(straight.step, 3);
  assert.ok(
    seen.every((l) => Number.isFinite(l.total) && l.depth > 0 && Number.isFinite(l.distill)),
    JSON.stringify(seen),
  );
  await finetuneArbitrary({ ...common, steps: 2, checkpoint: path.join(dir, 'b.ckpt') });
  const resumed = await finetuneArbitrary({ ...common, steps: 3, checkpoint: path.join(dir, 'b.ckpt'), resume: true });
  assert.equal(resumed.step, 3);
  for (const [k, v] of straight.params.values) assert.deepEqual(resumed.params.values.get(k), v, `${k} differs after the resume`);
  const onnx = exportFinetunedTransfer(transferOnnx, straight.params, { steps: '3' });
  assert.ok(onnx.length > 100_000);
});

test('each fine-tuned network --style-network names lives in the folder of the preset that trains it', async () => {
  const { ARBITRARY_PRESETS } = await import('../src/train/arbitrary.js');
  const { FINETUNED_NETWORKS, finetunedTransferFile } = await import('../src/stylize/arbitrary.node.js');
  const { existsSync } = await import('node:fs');
  for (const [name, f] of Object.entries(FINETUNED_NETWORKS)) {
    assert.equal(ARBITRARY_PRESETS[f.preset as keyof typeof ARBITRARY_PRESETS].dir, `models/${f.dir}`, name);
    assert.ok(existsSync(finetunedTransferFile(name as keyof typeof FINETUNED_NETWORKS)), `${name}: its file is committed`);
  }
});
