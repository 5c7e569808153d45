// The command line's whole-process times (bench suite `cli`, issue #34): what a user waits for, start to exit,
// start cost included (Node, tsx, loading and compiling the networks). One JSON line per case {case, value}:
//   cli-start-s                      stylize a 64-px photo with a painting: almost all start cost
//   cli-stylize-style-512-s          stylize a 512-px photo with a painting, the defaults (median of 5)
//   cli-stylize-style-folder-20-s-per-photo   a folder of 20 photos at 512 px, seconds per photo
// Photos: the dev split's first 20 (fixed sample), shrunk to 512 px. The caches are warmed by a first run.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { splitSample } from '../src/eval/protocol.js';
import { splitPaths } from '../src/eval/splits.js';
import { ModelStore, packageRoot } from '../src/models/resolver.js';
import { median } from './served.js';

const BIN = path.join(packageRoot(), 'bin', 'depthstyle.js');
const threads = process.argv.includes('--threads') ? process.argv[process.argv.indexOf('--threads') + 1] : '2';
const store = new ModelStore();
const dir = await mkdtemp(path.join(os.tmpdir(), 'depthstyle-cli-bench-'));
const folder = path.join(dir, 'photos');
await mkdir(folder);
const files = splitSample(splitPaths(store.sharedDir, 'photos', 'dev'), 20);
for (const f of files)
  await sharp(f)
    .resize(512, 512, { fit: 'inside' })
    .jpeg({ quality: 92 })
    .toFile(path.join(folder, path.basename(f)));
const one = path.join(folder, path.basename(files[0]));
const tiny = path.join(dir, 'tiny.jpg');
await sharp(one).resize(64).toFile(tiny);

function wall(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args, '--threads', threads], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  return (performance.now() - t0) / 1000;
}
const style = ['--style', 'starry_night'];
wall(['stylize', one, ...style, '-o', path.join(dir, 'warm.jpg')]);
const runs = (f: () => number, n = 5) => median(Array.from({ length: n }, f));
const print = (c: string, value: number, extra: Record<string, unknown> = {}) => console.log(JSON.stringify({ case: c, value: +value.toFixed(3), ...extra }));
print(
  'cli-start-s',
  runs(() => wall(['stylize', tiny, ...style, '-o', path.join(dir, 'tiny-out.jpg')])),
  { photo: '64 px' },
);
print(
  'cli-stylize-style-512-s',
  runs(() => wall(['stylize', one, ...style, '-o', path.join(dir, 'one-out.jpg')])),
  { photo: '512 px (dev split)' },
);
const folderS = runs(() => wall(['stylize', folder, ...style, '-o', path.join(dir, 'out')]), 3);
print('cli-stylize-style-folder-20-s-per-photo', folderS / files.length, { photos: files.length, seconds: +folderS.toFixed(2) });
await rm(dir, { recursive: true, force: true });
