// The command line as a user runs it: real photos, awkward photos, bad files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, writeFile, readFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { packageRoot } from '../src/models/resolver.js';
import { photo } from './support/fixtures.js';

const run = promisify(execFile);
const BIN = path.join(packageRoot(), 'bin', 'depthstyle.js');

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { maxBuffer: 1 << 24 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const tmp = await mkdtemp(path.join(os.tmpdir(), 'depthstyle-cli-'));
const files = {
  missing: path.join(tmp, 'nope.jpg'),
  empty: path.join(tmp, 'empty.jpg'),
  text: path.join(tmp, 'notes.jpg'),
  truncated: path.join(tmp, 'truncated.jpg'),
  tiny: path.join(tmp, 'tiny.png'),
  png16: path.join(tmp, 'sixteen.png'),
  alpha: path.join(tmp, 'alpha.png'),
  cmyk: path.join(tmp, 'cmyk.jpg'),
  rotated: path.join(tmp, 'rotated.jpg'),
};
await writeFile(files.empty, '');
await writeFile(files.text, 'this is not an image\n');
const jpg = await readFile(photo('chicago.jpg'));
await writeFile(files.truncated, jpg.subarray(0, jpg.length >> 1));
await sharp({ create: { width: 1, height: 1, channels: 3, background: '#808080' } })
  .png()
  .toFile(files.tiny);
const small = sharp(photo('tubingen.jpg')).resize(120, 90);
await small.clone().toColourspace('rgb16').png().toFile(files.png16);
await small.clone().ensureAlpha(0.5).png().toFile(files.alpha);
await small.clone().toColourspace('cmyk').jpeg().toFile(files.cmyk);
// Stored landscape 120×90 with EXIF orientation 6: displayed portrait 90×120.
await small.clone().jpeg().withMetadata({ orientation: 6 }).toFile(files.rotated);

async function assertNothingWritten(dir: string) {
  const left = await readdir(dir).catch(() => []);
  assert.deepEqual(left, [], `left behind: ${left.join(', ')}`);
}

test('depth on a real photo writes a colour map and a 16-bit raw map of the same size', async () => {
  const out = path.join(tmp, 'depth-ok');
  const r = await cli('depth', photo('chicago.jpg'), '-o', path.join(out, 'd.png'), '--raw');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /academic research use only/, 'the depth model licence is shown');
  const color = await sharp(path.join(out, 'd.png')).metadata();
  const raw = await sharp(path.join(out, 'd-raw16.png')).metadata();
  const src = await sharp(photo('chicago.jpg')).metadata();
  assert.deepEqual([color.width, color.height], [src.width, src.height]);
  assert.equal(raw.depth, 'ushort');
  // Sky (top centre) is farther than the ground (bottom centre): larger raw value.
  const { data } = await sharp(path.join(out, 'd-raw16.png')).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
  const px = new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
  const w = src.width!;
  const h = src.height!;
  assert.ok(px[Math.floor(h * 0.05) * w + (w >> 1)] > px[Math.floor(h * 0.95) * w + (w >> 1)]);
});

for (const [name, file, pattern] of [
  ['a missing file', files.missing, /nope\.jpg: no such file/],
  ['a 0-byte file', files.empty, /empty\.jpg: empty file/],
  ['a text file named .jpg', files.text, /notes\.jpg: not an image/],
  ['a truncated JPEG', files.truncated, /truncated\.jpg: the file is truncated or damaged/],
  ['a 1×1 image', files.tiny, /tiny\.png: image is 1×1; depthstyle needs at least 16 px/],
] as const) {
  test(`depth on ${name}: one-line error naming the file, exit 1, nothing written`, async () => {
    const out = path.join(tmp, `bad-${path.basename(file)}`);
    const r = await cli('depth', file, '-o', path.join(out, 'd.png'));
    assert.equal(r.code, 1);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('depthstyle:'));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], pattern);
    await assertNothingWritten(out);
  });
}

test('an 8-bit image is read as exactly its values, a 16-bit one keeps its precision', async () => {
  const { loadImage } = await import('../src/io/image.js');
  const [w, h] = [40, 30];
  const bytes = Buffer.from(Array.from({ length: w * h * 3 }, (_, i) => (i * 37 + (i >> 5)) % 256));
  const png8 = path.join(tmp, 'exact8.png');
  await sharp(bytes, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toFile(png8);
  const jpg8 = path.join(tmp, 'exact8.jpg');
  await sharp(bytes, { raw: { width: w, height: h, channels: 3 } })
    .jpeg()
    .toFile(jpg8);
  for (const [file, want] of [
    [png8, bytes],
    [jpg8, await sharp(jpg8).raw().toBuffer()],
  ] as const) {
    const img = await loadImage(file);
    const n = w * h;
    let worst = 0;
    for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(img.data[c * n + i] - want[3 * i + c]));
    assert.equal(worst, 0, `${path.basename(file)}: values moved by up to ${worst}`);
  }
  const sixteen = await loadImage(files.png16);
  assert.ok(
    sixteen.data.some((v) => !Number.isInteger(v)),
    'a 16-bit PNG keeps values between 8-bit levels',
  );
});

test('16-bit, alpha, CMYK and EXIF-rotated images are read correctly', async () => {
  const out = path.join(tmp, 'awkward');
  const r = await cli('depth', files.png16, files.alpha, files.cmyk, files.rotated, '-o', out);
  assert.equal(r.code, 0, r.stderr);
  const sizes = await Promise.all(
    ['sixteen', 'alpha', 'cmyk', 'rotated'].map(async (n) => {
      const m = await sharp(path.join(out, `${n}-depth.png`)).metadata();
      return [m.width, m.height];
    }),
  );
  assert.deepEqual(sizes, [
    [120, 90],
    [120, 90],
    [120, 90],
    [90, 120],
  ]);
  // A folder stands for the images in it, as in stylize and compare.
  const folder = path.join(tmp, 'awkward-in');
  await mkdir(folder, { recursive: true });
  await copyFile(files.cmyk, path.join(folder, 'a.jpg'));
  await copyFile(files.rotated, path.join(folder, 'b.jpg'));
  const d = await cli('depth', folder, '-o', path.join(tmp, 'awkward-dir'));
  assert.equal(d.code, 0, d.stderr);
  assert.deepEqual((await readdir(path.join(tmp, 'awkward-dir'))).sort(), ['a-depth.png', 'b-depth.png']);
});

test('stylize with a Johnson/Engstrom baseline keeps the (odd) image size and writes nothing on a bad input', async () => {
  const out = path.join(tmp, 'styl');
  await mkdir(out, { recursive: true });
  const odd = path.join(tmp, 'odd.jpg');
  await sharp(photo('stata.jpg')).resize(77, 53, { fit: 'fill' }).jpeg().toFile(odd);
  const r = await cli('stylize', odd, '--model', 'baseline:wave', '-o', path.join(out, 'w.jpg'));
  assert.equal(r.code, 0, r.stderr);
  const m = await sharp(path.join(out, 'w.jpg')).metadata();
  assert.deepEqual([m.width, m.height], [77, 53]);
  const bad = await cli('stylize', files.text, '--model', 'baseline:wave', '-o', path.join(tmp, 'styl-bad', 'x.jpg'));
  assert.equal(bad.code, 1);
  await assertNothingWritten(path.join(tmp, 'styl-bad'));
  // one bad file among good ones stops the batch before anything is written
  const mixed = await cli('stylize', odd, files.truncated, '--model', 'baseline:wave', '-o', path.join(tmp, 'styl-mixed'));
  assert.equal(mixed.code, 1);
  assert.match(mixed.stderr, new RegExp(`${path.basename(files.truncated)}: `));
  await assertNothingWritten(path.join(tmp, 'styl-mixed'));
  const unknown = await cli('stylize', odd, '--model', 'baseline:monet', '-o', path.join(out, 'x.jpg'));
  assert.match(unknown.stderr, /unknown baseline style "monet"/);
});

test('zoo models by name: `models` lists them, `stylize --model NAME` runs one, an unknown name lists the zoo', async () => {
  const list = await cli('models');
  assert.equal(list.code, 0, list.stderr);
  const names = [...list.stdout.matchAll(/^ {2}([\w-]+) +\S+: \d+ steps/gm)].map((m) => m[1]);
  assert.ok(names.includes('scream-depth') && names.includes('scream-nodepth'), list.stdout);
  assert.match(list.stdout, /scream-depth +the_scream: \d+ steps, depth loss weighted-content/);
  assert.match(list.stdout, /research use only/);
  const out = path.join(tmp, 'zoo', 'w.jpg');
  const small = path.join(tmp, 'zoo-in.jpg');
  await sharp(photo('stata.jpg')).resize(64, 48, { fit: 'fill' }).jpeg().toFile(small);
  const r = await cli('stylize', small, '--model', 'scream-depth', '-o', out);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /models[\\/]scream-depth\.onnx \(style the_scream, \d+ steps/);
  assert.deepEqual(Object.values((({ width, height }) => ({ width, height }))(await sharp(out).metadata())), [64, 48]);
  const bad = await cli('stylize', small, '--model', 'monet-depth', '-o', path.join(tmp, 'zoo-bad', 'x.jpg'));
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^depthstyle: unknown model "monet-depth": the zoo has .*scream-depth/);
  await assertNothingWritten(path.join(tmp, 'zoo-bad'));
});

test('a missing models folder is a clear error that says how to fix it', async () => {
  const r = await cli('depth', photo('chicago.jpg'), '-o', path.join(tmp, 'm', 'd.png'), '--models', path.join(tmp, 'no-models'));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /model file not found: .*no-models.*--models DIR \/ DEPTHSTYLE_MODELS/);
});

test('a model file whose checksum does not match SHA256SUMS is refused', async () => {
  const models = path.join(tmp, 'models-bad');
  await mkdir(path.join(models, 'pydnet-v2'), { recursive: true });
  const src = await readFile(path.join(packageRoot(), '..', 'shared', 'models', 'pydnet-v2', 'pydnet_v2_wild_fp16.tflite'));
  const sums = await readFile(path.join(packageRoot(), '..', 'shared', 'SHA256SUMS'), 'utf8');
  const line = sums.split('\n').find((l) => l.includes('pydnet-v2/pydnet_v2_wild_fp16.tflite'))!;
  await writeFile(path.join(models, 'SHA256SUMS'), `${line.replace('models/', '')}\n`);
  const corrupt = Buffer.from(src);
  corrupt[1000] ^= 0xff;
  await writeFile(path.join(models, 'pydnet-v2', 'pydnet_v2_wild_fp16.tflite'), corrupt);
  const r = await cli('depth', photo('chicago.jpg'), '-o', path.join(tmp, 'c', 'd.png'), '--models', models);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /pydnet_v2_wild_fp16\.tflite: checksum mismatch/);
});

test('optimize: --json summary on a tiny run; a bad style file is a one-line error and writes nothing', async () => {
  const out = path.join(tmp, 'opt');
  const style = path.join(packageRoot(), '..', 'shared', 'images', 'styles', 'starry_night.jpg');
  const r = await cli('optimize', photo('tubingen.jpg'), '--style', style, '-o', path.join(out, 'o.png'), '--size', '48', '--iterations', '2', '--json');
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.iterations, 2);
  assert.ok(summary.losses.style > 0);
  assert.ok(!summary.losses.depth, 'no depth term by default (docs/splits.md, decision 3)');
  const m = await sharp(path.join(out, 'o.png')).metadata();
  assert.equal(Math.max(m.width!, m.height!), 48);
  const bad = await cli('optimize', photo('tubingen.jpg'), '--style', files.truncated, '-o', path.join(tmp, 'opt-bad', 'o.png'), '--size', '48');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^depthstyle: .*truncated\.jpg: the file is truncated or damaged/m);
  await assertNothingWritten(path.join(tmp, 'opt-bad'));
  const badOpt = await cli('optimize', photo('tubingen.jpg'), '--style', style, '-o', path.join(tmp, 'x.png'), '--depth-loss', 'l1');
  assert.match(badOpt.stderr, /--depth-loss must be one of ssi, mse, features, eot, weighted-content, depth-edges, got "l1"/);
  const strayLayers = await cli(
    'optimize',
    photo('tubingen.jpg'),
    '--style',
    style,
    '-o',
    path.join(tmp, 'x.png'),
    '--depth-layers',
    'encoder/conv6b/LeakyRelu',
  );
  assert.match(strayLayers.stderr, /--depth-layers needs --depth-loss features/);
  // The seed paper's feature-level depth loss, on a chosen layer of the depth network.
  const feat = await cli(
    'optimize',
    photo('tubingen.jpg'),
    '--style',
    style,
    '-o',
    path.join(out, 'f.png'),
    '--size',
    '48',
    '--iterations',
    '2',
    '--json',
    '--depth-weight',
    '8e4',
    '--depth-loss',
    'features',
    '--depth-layers',
    'encoder/conv6b/LeakyRelu',
  );
  assert.equal(feat.code, 0, feat.stderr);
  assert.ok(JSON.parse(feat.stdout).losses.depth > 0);
});
