// What a --model spec means: one resolver for the CLI, the library, the API and train --init.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveModel, zooNames } from '../src/models/model-spec.js';

test('a twin pair by its painting alone is the depth twin (the dial’s recommendation); full names and unknown names as before', () => {
  assert.ok(zooNames().includes('scream-depth'));
  const bare = resolveModel('scream');
  assert.equal(bare.kind, 'zoo');
  assert.equal(bare.kind === 'zoo' && bare.name, 'scream-depth');
  const full = resolveModel('scream-nodepth');
  assert.equal(full.kind === 'zoo' && full.name, 'scream-nodepth');
  assert.throws(() => resolveModel('monet'), /unknown model "monet": the zoo has/);
});
