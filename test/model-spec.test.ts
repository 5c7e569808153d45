// What a --model spec means: one resolver for the CLI, the library, the API and train --init.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveModel, zooNames } from '../src/models/model-spec.js';

test('a twin pair by its painting alone is the depth twin chosen on dev (the photos-trained one, else today’s); full names and unknown names as before', async () => {
  assert.ok(zooNames().includes('scream-photos-depth') && zooNames().includes('scream-depth'));
  const bare = resolveModel('scream');
  assert.equal(bare.kind, 'zoo');
  assert.equal(bare.kind === 'zoo' && bare.name, 'scream-photos-depth');
  assert.equal(((r) => r.kind === 'zoo' && r.name)(resolveModel('scream-photos')), 'scream-photos-depth');
  // Per painting where test disagreed (decision 5): The Starry Night's name runs the earlier depth twin.
  assert.equal(((r) => r.kind === 'zoo' && r.name)(resolveModel('starry')), 'starry-depth');
  assert.equal(((r) => r.kind === 'zoo' && r.name)(resolveModel('composition')), 'composition-photos-depth');
  // A zoo without the photos-trained twins falls back to today's depth twin.
  const { mkdtemp, writeFile } = await import('node:fs/promises');
  const os = await import('node:os');
  const path = await import('node:path');
  const zoo = await mkdtemp(path.join(os.tmpdir(), 'depthstyle-zoo-'));
  await writeFile(path.join(zoo, 'scream-depth.onnx'), '');
  await writeFile(path.join(zoo, 'scream-nodepth.onnx'), '');
  assert.equal(((r) => r.kind === 'zoo' && r.name)(resolveModel('scream', zoo)), 'scream-depth');
  const full = resolveModel('scream-nodepth');
  assert.equal(full.kind === 'zoo' && full.name, 'scream-nodepth');
  assert.throws(() => resolveModel('monet'), /unknown model "monet": the zoo has/);
});
