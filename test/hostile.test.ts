// Hostile and mistaken input through every command: one clear line, a non-zero exit, nothing written or lost.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, symlink, writeFile, copyFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import * as G from '../src/graph/index.js';
import { packageRoot } from '../src/models/resolver.js';
import { writeBadInputs } from './support/bad-inputs.js';
import { photo, SHARED } from './support/fixtures.js';

const BIN = path.join(packageRoot(), 'bin', 'depthstyle.js');
async function cli(...args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { maxBuffer: 1 << 24 });
    return { code: 0, stderr };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

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
    [['optimize', good, '--style', style, '-o', path.join(good, 'under-a-file.jpg'), '--size', '32'], /under-a-file\.jpg: cannot write \(a parent is not a folder\)/],
  ];
  for (const [args, expect] of cases) {
    const r = await cli(...args);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, expect, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  }
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
  const stale = path.join(dir, `.m.ckpt.${2 ** 22 + 1}.1700000000000.tmp`);
  await writeFile(stale, 'half a checkpoint');
  const mine = path.join(dir, `.m.ckpt.${process.pid}.1700000000000.tmp`);
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
