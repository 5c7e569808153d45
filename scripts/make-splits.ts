// Writes data/splits/{photos,paintings}.json from the rule in src/eval/splits.ts. Run once when the shared
// collections were added; the test in test/splits.test.ts checks the committed lists against the rule.
//   node --import tsx scripts/make-splits.ts [SHARED_DIR]
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../src/io/atomic.js';
import { SPLIT_SEED, splitFiles, type Collection } from '../src/eval/splits.js';
import { IMAGE_FILE } from '../src/io/files.js';

const shared = process.argv[2] ?? path.join('..', 'shared');
for (const c of ['photos', 'paintings'] as Collection[]) {
  const files = readdirSync(path.join(shared, 'images', c)).filter((f) => IMAGE_FILE.test(f));
  const lists = splitFiles(c, files);
  await writeFileAtomic(`data/splits/${c}.json`, `${JSON.stringify({ seed: SPLIT_SEED, ...lists }, null, 1)}\n`);
  console.log(c, Object.fromEntries(Object.entries(lists).map(([k, v]) => [k, v.length])));
}
