// The locked train / dev / test split of the shared photo and painting collections (issue #32's protocol).
// A file's split depends only on its name and SPLIT_SEED, so the split never changes when files are added, and
// the committed lists in data/splits/ are checked against this rule by a test. Paintings that earlier defaults
// were already chosen on (the zoo's and the dial's paintings) can never be test: they are "touched".
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SPLIT_SEED = 'depthstyle-split-2026-12-06';
export const SPLITS = ['train', 'dev', 'test'] as const;
export type SplitName = (typeof SPLITS)[number];
export type Collection = 'photos' | 'paintings';

/** Shares of train and dev; the rest is test. */
const TRAIN_SHARE = 0.8;
const DEV_SHARE = 0.1;

/**
 * Paintings that defaults or trained models were already chosen on before the split existed (the zoo's, the
 * dial's, the first magenta fine-tune's): a test set must be untouched by any choice, so these go to dev.
 */
export const TOUCHED_PAINTINGS: readonly string[] = [
  'munch_the-scream.jpg',
  'kandinsky_composition-vii.jpg',
  'vangogh_starry-night.jpg',
  'hokusai_great-wave.jpg',
  'picabia_udnie.jpg',
  'turner_shipwreck-of-the-minotaur.jpg',
  'picasso_la-muse.jpg',
];

/** A number in [0, 1) from the file's name alone. */
export function splitHash(file: string): number {
  const h = createHash('sha256')
    .update(`${SPLIT_SEED}:${path.basename(file)}`)
    .digest();
  return h.readUInt32BE(0) / 2 ** 32;
}

/** Which split a file of a collection belongs to, by the rule. */
export function splitOf(collection: Collection, file: string): SplitName {
  const h = splitHash(file);
  const split: SplitName = h < TRAIN_SHARE ? 'train' : h < TRAIN_SHARE + DEV_SHARE ? 'dev' : 'test';
  if (collection === 'paintings' && split === 'test' && TOUCHED_PAINTINGS.includes(path.basename(file))) return 'dev';
  return split;
}

export type SplitLists = Record<SplitName, string[]>;

/** The split of a list of file names (base names, sorted in each split). */
export function splitFiles(collection: Collection, files: readonly string[]): SplitLists {
  const out: SplitLists = { train: [], dev: [], test: [] };
  for (const f of [...files].map((x) => path.basename(x)).sort()) out[splitOf(collection, f)].push(f);
  return out;
}

/** data/splits/ of the package: two levels above src/eval/ under tsx, three above dist/src/eval/ when built. */
function splitDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, '..', '..', 'data', 'splits'), path.join(here, '..', '..', '..', 'data', 'splits')];
  return candidates.find((d) => existsSync(path.join(d, 'photos.json'))) ?? candidates[0];
}

/** The committed split of a collection (data/splits/COLLECTION.json). */
export function committedSplit(collection: Collection): SplitLists & { seed: string } {
  const file = path.join(splitDir(), `${collection}.json`);
  return JSON.parse(readFileSync(file, 'utf8')) as SplitLists & { seed: string };
}

/** Absolute paths of one split's files, under the collection's folder in the shared data (`sharedDir/images/COLLECTION`). */
export function splitPaths(sharedDir: string, collection: Collection, split: SplitName): string[] {
  return committedSplit(collection)[split].map((f) => path.join(sharedDir, 'images', collection, f));
}

/** A committed split named as a data source: `split:COLLECTION:SPLIT` (e.g. `split:photos:train` for train --data). */
export const SPLIT_SOURCE = /^split:(photos|paintings):(train|dev|test)$/;

/** The files of a `split:COLLECTION:SPLIT` source under the shared folder, or undefined when `spec` is not one (a folder). */
export function splitSource(spec: string, sharedDir: string): string[] | undefined {
  const m = SPLIT_SOURCE.exec(spec);
  return m ? splitPaths(sharedDir, m[1] as Collection, m[2] as SplitName) : undefined;
}

/** Parse `photos:dev`, `paintings:test`, or a bare split name. */
export function parseSplit(s: string, what = 'split'): SplitName {
  if (!(SPLITS as readonly string[]).includes(s)) throw new Error(`${what}: expected one of ${SPLITS.join(', ')}, got '${s}'`);
  return s as SplitName;
}
