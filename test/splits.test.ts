// The locked split (issue #32): the committed lists are exactly the rule applied to the shared collections,
// disjoint, about 80/10/10, and no painting an earlier default was chosen on is in test.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { crossedBootstrap, splitSample } from '../src/eval/protocol.js';
import { SPLITS, TOUCHED_PAINTINGS, committedSplit, splitFiles, type Collection } from '../src/eval/splits.js';
import { IMAGE_FILE } from '../src/io/files.js';
import { SHARED } from './support/fixtures.js';

test('the committed train/dev/test lists are the seeded rule applied to every shared photo and painting', () => {
  for (const c of ['photos', 'paintings'] as Collection[]) {
    const files = readdirSync(path.join(SHARED, 'images', c)).filter((f) => IMAGE_FILE.test(f));
    const committed = committedSplit(c);
    const { seed: _seed, ...lists } = committed;
    assert.deepEqual(lists, splitFiles(c, files), `${c}: data/splits/${c}.json differs from the rule (re-run scripts/make-splits.ts only if files were added)`);
    const all = SPLITS.flatMap((s) => committed[s]);
    assert.equal(new Set(all).size, files.length, `${c}: each file in exactly one split`);
    const share = committed.train.length / files.length;
    assert.ok(share > 0.7 && share < 0.9, `${c}: train share ${share}`);
    assert.ok(committed.test.length >= 5, `${c}: ${committed.test.length} test files`);
  }
  const test = committedSplit('paintings').test;
  for (const p of TOUCHED_PAINTINGS) assert.ok(!test.includes(p), `${p} was chosen on before the split; it cannot be test`);
});

test('the split of a file depends on its name only; samples are fixed; the crossed bootstrap widens with few paintings', () => {
  assert.deepEqual(splitFiles('photos', ['a/x.jpg', 'b/y.jpg']), splitFiles('photos', ['y.jpg', 'x.jpg']));
  const dev = committedSplit('photos').dev;
  assert.deepEqual(splitSample(dev, 5), splitSample([...dev].reverse(), 5));
  // Rows: photos; columns: paintings. One painting disagrees: the interval over paintings must show it.
  const agree = Array.from({ length: 10 }, () => [0.03, 0.03, 0.03, 0.03]);
  const oneOff = Array.from({ length: 10 }, () => [0.03, 0.03, 0.03, -0.09]);
  const a = crossedBootstrap(agree);
  const b = crossedBootstrap(oneOff);
  assert.ok(Math.abs(a.mean - 0.03) < 1e-12 && a.hi - a.lo < 1e-9);
  assert.ok(b.lo < 0 && b.hi > 0, `one of four paintings going the other way makes the interval cross 0: ${JSON.stringify(b)}`);
});
