// Hostile and mistaken input through every command: one clear line, a non-zero exit, nothing written or lost.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, symlink, writeFile, copyFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as G from '../src/graph/index.js';
import { writeBadInputs } from './support/bad-inputs.js';
import { assertRefused, cli } from './support/cli.js';
import { photo, SHARED } from './support/fixtures.js';

const tmp = await mkdtemp(path.join(os.tmpdir(), 'depthstyle-hostile-'));
const corpus = await writeBadInputs(tmp, await readFile(photo('chicago.jpg')));
const style = path.join(SHARED, 'images', 'styles', 'starry_night.jpg');
const good = path.join(tmp, 'good.jpg');
await copyFile(photo('chicago.jpg'), good);

async function emptyDir(name: string): Promise<string> {
  const d = path.join(tmp, name);
  await mkdir(d, { recursive: true });
  return d;
}
async function assertEmpty(dir: string): Promise<void> {
  assert.deepEqual(await readdir(dir).catch(() => []), [], `${dir} should hold nothing`);
}

test('every bad file gives its one-line error in depth, stylize, optimize, eval and compare, and nothing is written', async () => {
  const files = Object.values(corpus);
  const out = await emptyDir('out-files');
  for (const cmd of [['depth'], ['stylize', '--model', 'baseline:wave']]) {
    const r = await cli(...cmd, ...files.map((f) => f.file), '-o', out);
    assert.equal(r.code, 1, `${cmd[0]}: ${r.stderr}`);
    for (const f of files) assert.match(r.stderr, f.expect, `${cmd[0]}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`${cmd[0]}: ${files.length} of ${files.length} inputs cannot be read; nothing written`));
    // The inputs are checked before any model is loaded.
    assert.doesNotMatch(r.stderr, /^(depth )?model:/m, `${cmd[0]} loaded a model first: ${r.stderr}`);
    await assertEmpty(out);
  }
  for (const f of files) {
    const o = await cli('optimize', f.file, '--style', style, '-o', path.join(out, 'x.jpg'), '--size', '32', '--iterations', '1');
    assert.equal(o.code, 1);
    assert.match(o.stderr.trim(), new RegExp(`^depthstyle: .*${f.expect.source}`), `optimize: ${o.stderr}`);
    const e = await cli('eval', '--content', good, '--stylized', f.file);
    assert.equal(e.code, 1);
    assert.match(e.stderr, f.expect, `eval: ${e.stderr}`);
  }
  // compare checks every photo before any work: the good photo and every bad one, each bad one named.
  const c = await cli('compare', good, ...files.map((f) => f.file), '--methods', 'baseline:wave', '-o', path.join(out, 'report'));
  assert.equal(c.code, 1);
  for (const f of files) assert.match(c.stderr, new RegExp(`^depthstyle: .*${f.expect.source}`, 'm'), `compare: ${c.stderr}`);
  assert.match(c.stderr, new RegExp(`compare: ${files.length} of ${files.length + 1} inputs cannot be read; nothing written`));
  assert.doesNotMatch(c.stderr, /compare [█░]/, 'no photo was stylized');
  await assertEmpty(out);
});

test('bad options name the option and its valid range; nothing is written', async () => {
  const out = await emptyDir('out-options');
  const o = path.join(out, 'x.jpg');
  const cases: [string[], RegExp][] = [
    [['optimize', good, '--style', style, '-o', o, '--seed', 'abc'], /--seed must be a whole number/],
    [['train', '--style', style, '--data', tmp, '-o', path.join(out, 'm.onnx'), '--seed', 'abc'], /--seed must be a whole number/],
    [['stylize', good, '--model', 'baseline:wave', '-o', o, '--threads', '999'], /--threads 999: this machine has \d+ cores/],
    [['stylize', good, '--model', 'baseline:wave', '-o', o, '--tile', '4'], /--tile must be at least 64/],
    [['optimize', good, '--style', style, '-o', o, '--size', '2'], /--size must be from 16 to 8192 pixels, got 2/],
    [['optimize', good, '--style', style, '-o', o, '--size', '1e9'], /--size must be from 16 to 8192 pixels/],
    [['train', '--style', style, '--data', tmp, '-o', path.join(out, 'm.onnx'), '--size', '8'], /--size must be from 32 to 2048 pixels, got 8/],
    [['optimize', good, '--style', style, '-o', o, '--style-blend', '0'], /--style-blend 0: the weights must not all be 0/],
    [['stylize', good, '--model', 'baseline:wave', '-o', o, '--margin', '-5'], /--margin must be a non-negative number, got "-5"/],
    [['depth', good, '-o', path.join(out, 'd.xyz')], /-o .*d\.xyz: give an image file name/],
    [['stylize', good, '--model', 'baseline:wave', '-o', path.join(out, 's.xyz')], /give an image file name/],
    [['optimize', good, '--style', style, '-o', path.join(out, 'o.xyz')], /give an image file name/],
    [
      ['optimize', good, '--style', style, '-o', path.join(good, 'under-a-file.jpg'), '--size', '32'],
      /under-a-file\.jpg: cannot write \(a parent is not a folder\)/,
    ],
  ];
  await assertRefused(cases);
  await assertEmpty(out);
});

test("a user's input is never an output", async () => {
  const before = await readFile(good);
  for (const args of [
    ['depth', good, '-o', good],
    ['stylize', good, '--model', 'baseline:wave', '-o', good],
    ['optimize', good, '--style', style, '-o', good],
    ['optimize', good, '--style', style, '-o', style],
  ]) {
    const r = await cli(...args);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /that is an input file; it would be overwritten/);
  }
  assert.deepEqual(await readFile(good), before);
});

test('an ONNX file that is not a style model is refused', async () => {
  const g = new G.Graph();
  const x = g.input('image', ['N', 3, 'H', 'W']);
  const file = path.join(tmp, 'depth-like.onnx');
  await writeFile(file, G.toOnnx(g, [G.reduceMean(x, [1], true)], { outputNames: ['depth'] }).bytes);
  const out = await emptyDir('out-model');
  const r = await cli('stylize', good, '--model', file, '-o', path.join(out, 's.jpg'));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /depth-like\.onnx: not a style model \(its output is "depth"/);
  // And the other way round: networks that are not depth models, as --depth-model.
  const g2 = new G.Graph();
  const x2 = g2.input('image', [1, 3, 64, 64]);
  const rgbOut = path.join(tmp, 'rgb-out.onnx');
  await writeFile(rgbOut, G.toOnnx(g2, [G.relu(x2)], { outputNames: ['stylized'] }).bytes);
  for (const [model, expect] of [
    [file, /depth-like\.onnx: not a usable depth model: its input "image" is \[N, 3, H, W\], a depth model here needs one RGB image input of a fixed size/],
    [rgbOut, /rgb-out\.onnx: not a usable depth model: its output "stylized" is \[1, 3, 64, 64\], a depth map is \[N, 1, h, w\]/],
  ] as const) {
    const d = await cli('depth', good, '--depth-model', model, '-o', path.join(out, 'd.png'));
    assert.equal(d.code, 1);
    assert.match(d.stderr, expect);
  }
  await assertEmpty(out);
});

test('train with a mistyped --data leaves an existing log untouched', async () => {
  const dir = await emptyDir('train-out');
  const log = path.join(dir, 'm.log.jsonl');
  await writeFile(log, '{"step":1}\n');
  const r = await cli('train', '--style', style, '--data', path.join(tmp, 'no-such-folder'), '-o', path.join(dir, 'm.onnx'));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no-such-folder: cannot read folder/);
  assert.equal(await readFile(log, 'utf8'), '{"step":1}\n');
  assert.deepEqual((await readdir(dir)).sort(), ['m.log.jsonl']);
});

test('folders of symlinks are followed; loops and dangling links are skipped with a warning', async () => {
  const dir = await emptyDir('links');
  await symlink(good, path.join(dir, 'linked.jpg'));
  await symlink(path.join(tmp, 'gone.jpg'), path.join(dir, 'dangling.jpg'));
  await symlink(dir, path.join(dir, 'loop'));
  const out = await emptyDir('links-out');
  const r = await cli('stylize', dir, '--model', 'baseline:wave', '-o', out, '--max-size', '64');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /dangling\.jpg: dangling symlink, skipped/);
  assert.match(r.stderr, /loop: symlink loop, skipped/);
  assert.match(r.stderr, /wrote .*linked-baseline_wave\.jpg/);
  assert.ok((await stat(path.join(out, 'linked-baseline_wave.jpg'))).size > 0);
});

test('a temp file left by a killed writer is removed at the next write; an unusable cache only costs a warning', async () => {
  const { writeFileAtomic } = await import('../src/io/atomic.js');
  const { cached } = await import('../src/models/resolver.js');
  const dir = await emptyDir('stale');
  // PID 2^22 + 1 is above Linux's pid_max: no such process.
  const stale = path.join(dir, `.m.ckpt.depthstyle-${2 ** 22 + 1}-0123abcd.tmp`);
  await writeFile(stale, 'half a checkpoint');
  const mine = path.join(dir, `.m.ckpt.depthstyle-${process.pid}-0123abcd.tmp`);
  await writeFile(mine, 'a write of this process, still going');
  await writeFileAtomic(path.join(dir, 'm.ckpt'), 'done');
  assert.deepEqual((await readdir(dir)).sort(), [path.basename(mine), 'm.ckpt'].sort());

  const blocker = path.join(tmp, 'not-a-folder');
  await writeFile(blocker, 'a file where the cache folder should be');
  const before = process.env.DEPTHSTYLE_CACHE;
  process.env.DEPTHSTYLE_CACHE = blocker;
  const warnings: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((s: string) => (warnings.push(String(s)), true)) as typeof process.stderr.write;
  try {
    const r = await cached('x.onnx', 'key', () => new Uint8Array([1, 2, 3]));
    assert.deepEqual([...r.bytes], [1, 2, 3]);
    assert.equal(r.hit, false);
  } finally {
    process.stderr.write = write;
    if (before === undefined) delete process.env.DEPTHSTYLE_CACHE;
    else process.env.DEPTHSTYLE_CACHE = before;
  }
  assert.equal(warnings.filter((w) => /cannot write the model cache.*working without it/.test(w)).length, 1, warnings.join(''));
});

// ---------------------------------------------------------------- round two (issue #21): each reported route

test('no command overwrites a file it reads: compare over its photos, secondary outputs, read-only files', async () => {
  // compare -o . beside img/: its report files would be the photos themselves.
  const work = await emptyDir('r2-compare');
  await mkdir(path.join(work, 'img'));
  const photoFile = path.join(work, 'img', 'chicago.jpg');
  await copyFile(good, photoFile);
  const before = await readFile(photoFile);
  let r = await cli('compare', path.join(work, 'img'), '--methods', 'baseline:wave', '-o', work, '--size', '64');
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /img\/chicago\.jpg: that is an input file/);
  assert.deepEqual(await readFile(photoFile), before);
  // stylize --depth-map writes OUT.depth.jpg; depth --raw writes OUT-raw16.png: neither may be an input.
  const side = await emptyDir('r2-side');
  const depthJpg = path.join(side, 'photo.depth.jpg');
  await copyFile(good, depthJpg);
  const raw = path.join(side, 'pic-raw16.png');
  await writeFile(raw, await (await import('sharp')).default(good).resize(64).png().toBuffer());
  const keep = [await readFile(depthJpg), await readFile(raw)];
  r = await cli('stylize', depthJpg, '--model', 'baseline:wave', '--depth-map', '-o', path.join(side, 'photo.jpg'));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /photo\.depth\.jpg: that is an input file/);
  r = await cli('depth', raw, '--raw', '-o', path.join(side, 'pic.png'));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /pic-raw16\.png: that is an input file/);
  assert.deepEqual([await readFile(depthJpg), await readFile(raw)], keep);
  assert.deepEqual((await readdir(side)).sort(), ['photo.depth.jpg', 'pic-raw16.png']);
  // A read-only output is not replaced (the rename would do it silently, for root too).
  const ro = path.join(side, 'ro.png');
  await writeFile(ro, 'keep me');
  await (await import('node:fs/promises')).chmod(ro, 0o444);
  r = await cli('depth', good, '-o', ro);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /ro\.png: cannot write \(the file is read-only; it is not replaced\)/);
  assert.equal(await readFile(ro, 'utf8'), 'keep me');
});

test('train never writes over what it reads or an earlier run; two runs cannot share a run; a resume keeps its settings', async () => {
  const dir = await emptyDir('r2-train');
  const data = await emptyDir('r2-train-data');
  for (const n of ['a', 'b'])
    await (await import('sharp'))
      .default(good)
      .resize(48, 48)
      .jpeg()
      .toFile(path.join(data, `${n}.jpg`));
  const paint = path.join(dir, 'style.jpg');
  await copyFile(style, paint);
  const before = await readFile(paint);
  const base = [
    'train',
    '--style',
    paint,
    '--data',
    data,
    '--size',
    '32',
    '--batch',
    '1',
    '--width',
    '4',
    '--blocks',
    '1',
    '--depth-weight',
    '0',
    '--threads',
    '1',
  ];
  let r = await cli(...base, '-o', path.join(dir, 'm.onnx'), '--log', paint);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /style\.jpg: that is an input file/);
  assert.deepEqual(await readFile(paint), before);
  r = await cli(...base, '-o', path.join(dir, 'm.onnx'), '--steps', '2');
  assert.equal(r.code, 0, r.stderr);
  const log = await readFile(path.join(dir, 'm.log.jsonl'), 'utf8');
  // The same command again: the run exists; nothing is truncated or replaced.
  r = await cli(...base, '-o', path.join(dir, 'm.onnx'), '--steps', '2');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /m\.ckpt exists from an earlier run: continue it with --resume/);
  assert.equal(await readFile(path.join(dir, 'm.log.jsonl'), 'utf8'), log);
  // A run in use by a live process (its lock) is refused.
  await writeFile(path.join(dir, 'm.lock'), String(process.pid));
  r = await cli(...base, '-o', path.join(dir, 'm.onnx'), '--steps', '3', '--resume', path.join(dir, 'm.ckpt'));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /is in use by another process \(pid \d+/);
  // A stale lock (its process is gone) is taken over; a changed learning rate needs --change-settings.
  await writeFile(path.join(dir, 'm.lock'), String(2 ** 22 + 1));
  r = await cli(...base, '-o', path.join(dir, 'm.onnx'), '--steps', '3', '--resume', path.join(dir, 'm.ckpt'), '--lr', '0.0005');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /this run would change lr 0\.001 → 0\.0005; .*--change-settings/);
  r = await cli(...base, '-o', path.join(dir, 'm.onnx'), '--steps', '3', '--resume', path.join(dir, 'm.ckpt'), '--lr', '0.0005', '--change-settings');
  assert.equal(r.code, 0, r.stderr);
  assert.match(await readFile(path.join(dir, 'm.log.jsonl'), 'utf8'), /"settings_changed":\{"lr":\{"from":"0\.001","to":"0\.0005"\}\}/);
  assert.ok(!(await readdir(dir)).includes('m.lock'), 'the lock is released');
});

test('divergence is never saved: a blown-up update writes no checkpoint and no model, and says so', async () => {
  const dir = await emptyDir('r2-diverge');
  const data = await emptyDir('r2-diverge-data');
  await (await import('sharp')).default(good).resize(48, 48).jpeg().toFile(path.join(data, 'a.jpg'));
  const r = await cli(
    'train',
    '--style',
    style,
    '--data',
    data,
    '--size',
    '32',
    '--batch',
    '1',
    '--width',
    '4',
    '--blocks',
    '1',
    '--depth-weight',
    '0',
    '--steps',
    '1',
    '--lr',
    '1e308',
    '--checkpoint-every',
    '1',
    '-o',
    path.join(dir, 'm.onnx'),
  );
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /training diverged at step 1: the update made .* non-finite .*No checkpoint of this run was written/);
  const left = await readdir(dir);
  assert.ok(!left.includes('m.ckpt') && !left.includes('m.onnx'), `left: ${left.join(', ')}`);
});

test('empty and impossible option values are refused, not read as 0; internal errors do not reach users', async () => {
  const out = await emptyDir('r2-options');
  const o = path.join(out, 'x.jpg');
  const cases: [string[], RegExp][] = [
    [['stylize', good, '--model', 'baseline:wave', '-o', o, '--strength', ''], /--strength needs a value, got an empty one/],
    [['stylize', good, '--model', 'baseline:wave', '-o', o, '--margin', ''], /--margin needs a value/],
    [['stylize', good, '--model', 'baseline:wave', '-o', o, '--depth-strength', ','], /--depth-strength must be NEAR,FAR/],
    [['stylize', good, '--model', 'baseline:wave', '-o', o, '--max-size', '1'], /--max-size must be at least 16/],
    [['stylize', good, '--model', 'baseline:wave', '-o', o, '--max-pixels', '1e20'], /--max-pixels must be at most/],
    [['optimize', good, '--style', style, '-o', o, '--lr', ''], /--lr needs a value/],
    [['optimize', good, '--style', style, '-o', o, '--style-scale', ''], /--style-scale needs a value/],
    [['optimize', good, '--style', style, '-o', o, '--style-layers', ''], /--style-layers needs a comma-separated list/],
    [['optimize', good, '--style', style, '-o', o, '--style-layers', 'relu9_9'], /--style-layers: unknown layer relu9_9/],
    [['train', '--style', style, '--data', tmp, '-o', path.join(out, 'm.onnx'), '--lr', ''], /--lr needs a value/],
  ];
  await assertRefused(cases);
  await assertEmpty(out);
});

test('quantize takes only style models, and the int8 path checks its model like fp32', async () => {
  const out = await emptyDir('r2-quantize');
  const empty = path.join(tmp, 'empty.onnx');
  await writeFile(empty, '');
  const g = new G.Graph();
  const x = g.input('image', [1, 3, 'H', 'W']);
  const notStyle = path.join(tmp, 'features.onnx');
  await writeFile(notStyle, G.toOnnx(g, [G.relu(x)], { outputNames: ['features'] }).bytes);
  for (const [model, expect] of [
    [empty, /empty\.onnx: empty file \(0 bytes\)/],
    [notStyle, /features\.onnx: not a style model/],
  ] as const) {
    const r = await cli('quantize', model, '-o', path.join(out, 'q.int8.onnx'));
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, expect);
  }
  const int8 = path.join(tmp, 'features.int8.onnx');
  await copyFile(notStyle, int8);
  const r = await cli('stylize', good, '--model', int8, '--precision', 'int8', '-o', path.join(out, 's.jpg'), '--max-size', '64');
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /features\.int8\.onnx: not an int8 style model/);
  await assertEmpty(out);
});

test('a folder with a corrupt file: nothing by default (with a hint), the readable ones with --keep-going, exit 1 naming the bad file', async () => {
  const dir = await emptyDir('r2-batch');
  await copyFile(good, path.join(dir, 'a.jpg'));
  await copyFile(good, path.join(dir, 'b.jpg'));
  await copyFile(corpus.truncated.file, path.join(dir, 'broken.jpg'));
  const out = await emptyDir('r2-batch-out');
  let r = await cli('stylize', dir, '--model', 'baseline:wave', '-o', out, '--max-size', '64');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /1 of 3 inputs cannot be read; nothing written \(add --keep-going to process the 2 readable ones\)/);
  await assertEmpty(out);
  r = await cli('stylize', dir, '--model', 'baseline:wave', '-o', out, '--max-size', '64', '--keep-going');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /stylize: 1 of 3 inputs failed: .*broken\.jpg/);
  assert.deepEqual((await readdir(out)).sort(), ['a-baseline_wave.jpg', 'b-baseline_wave.jpg']);
});

test('compare keeps photos of the same name apart, and a temp file of a dead writer is cleaned from any write to its folder', async () => {
  const { reportFiles } = await import('../src/eval/report.js');
  const { stems, files } = reportFiles(['a/x.jpg', 'b/x.jpg', 'c/X.png'], ['m'], 'rep');
  assert.deepEqual(stems, ['x', 'x_2', 'X_3']);
  assert.equal(new Set(files).size, files.length);
  const { writeFileAtomic } = await import('../src/io/atomic.js');
  const dir = await emptyDir('r2-stale');
  const orphan = path.join(dir, `.other-output.png.depthstyle-${2 ** 22 + 1}-89abcdef.tmp`);
  await writeFile(orphan, 'half an image of another output');
  await writeFileAtomic(path.join(dir, 'new.png'), 'x');
  assert.deepEqual(await readdir(dir), ['new.png']);
});

test('eval refuses a ground truth that is a colour photo or of another aspect ratio', async () => {
  const r = await cli('eval', '--content', good, '--stylized', good, '--ground-truth', style);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /starry_night\.jpg: not a depth map/);
});

test('train --preset photos-continue without the shared photos: one line naming the missing file, nothing written', async () => {
  const out = await emptyDir('out-train-split');
  // A models folder whose shared folder has no images/photos (the split lists files of ../shared/images/photos).
  const models = await emptyDir('bare-shared/models');
  await assertRefused([
    [
      ['train', '--style', style, '--preset', 'photos-continue', '--init', 'models/scream-depth.onnx', '--models', models, '-o', path.join(out, 'm.onnx')],
      /--data split:photos:train: .*images\/photos\/.* is missing/,
    ],
    [['train', '--style', style, '--data', 'split:photos:holdout', '-o', path.join(out, 'm.onnx')], /split:photos:holdout: cannot read folder/],
  ]);
  await assertEmpty(out);
});
