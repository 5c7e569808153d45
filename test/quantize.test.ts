// int8 stylization: the quantized model uses ORT's quantized operators with per-channel weights, stays close
// to the float model, runs the same in onnxruntime-web, and the CLI refuses what it cannot do.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import ort from 'onnxruntime-node';
import { readOnnx, tensorValues } from '../src/models/onnx-import.js';
import { packageRoot } from '../src/models/resolver.js';
import { Int8Stylizer, quantizeModel } from '../src/stylize/quantize.js';
import { loadPhoto, maxAbsDiff } from './support/fixtures.js';

const run = promisify(execFile);
const cli = path.join(packageRoot(), 'bin', 'depthstyle.js');
const zooModel = path.join(packageRoot(), 'models', 'experiments', 'starry-depth.onnx');

function psnr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (Math.min(255, Math.max(0, a[i])) - Math.min(255, Math.max(0, b[i]))) ** 2;
  return 10 * Math.log10((255 * 255) / (se / a.length));
}

test('quantize: QLinearConv with per-channel weight scales, ends in float, close to fp32, the same in onnxruntime-web', async () => {
  const fp32 = await readFile(zooModel);
  const photos = [await loadPhoto('tubingen.jpg', [64, 48]), await loadPhoto('stata.jpg', [64, 48])];
  const q = await quantizeModel(fp32, zooModel, { photos, threads: 1 });
  const model = readOnnx(q, 'int8');
  const ops = (model.graph?.node ?? []).map((n) => n.opType);
  const convs = readOnnx(fp32, 'fp32').graph!.node!.filter((n) => n.opType === 'Conv').length;
  assert.equal(ops.filter((o) => o === 'QLinearConv').length, convs - 2, 'every convolution but the first and last');
  assert.equal(ops.filter((o) => o === 'Conv').length, 2);
  const wScale = model.graph!.initializer!.find((t) => t.name?.endsWith('/w_scale'))!;
  assert.ok(new Set(Array.from(tensorValues(wScale))).size > 1, 'weight scales differ per output channel');
  assert.ok(q.length < fp32.length / 2, `int8 file ${q.length} B vs fp32 ${fp32.length} B`);

  const img = await loadPhoto('chicago.jpg', [96, 64]);
  const [a, b] = [await Int8Stylizer.create(q, { threads: 1 }), await Int8Stylizer.create(new Uint8Array(fp32), { threads: 1 })];
  const [ya, yb] = [await a.stylize(img), await b.stylize(img)];
  await Promise.all([a.release(), b.release()]);
  const p = psnr(ya.data, yb.data);
  assert.ok(p > 28, `int8 vs fp32 PSNR ${p.toFixed(1)} dB on a photo it was not calibrated on`);
  assert.ok(maxAbsDiff(ya.data, yb.data) > 0, 'the int8 model is not the float model');

  // onnxruntime-web (its WebAssembly backend runs in Node) runs the same file to the same result.
  const ortWeb = await import('onnxruntime-web');
  ortWeb.env.wasm.numThreads = 1;
  const web = await ortWeb.InferenceSession.create(q, { executionProviders: ['wasm'] });
  const node = await ort.InferenceSession.create(q, { intraOpNumThreads: 1 });
  const feed = (T: typeof ort.Tensor) => ({ image: new T('float32', img.data, [1, 3, img.height, img.width]) });
  const w = (await web.run(feed(ortWeb.Tensor as unknown as typeof ort.Tensor))).stylized.data as Float32Array;
  const n = (await node.run(feed(ort.Tensor))).stylized.data as Float32Array;
  assert.ok(psnr(w, n) > 40, `onnxruntime-web vs -node on the int8 model: ${psnr(w, n).toFixed(1)} dB`);
});

test('quantize and stylize --precision int8 on the command line, and what they refuse', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ds-int8-'));
  const model = path.join(dir, 'm.onnx');
  await writeFile(model, await readFile(zooModel));
  const calib = path.join(packageRoot(), '..', 'shared', 'images', 'content');
  await run('node', [cli, 'quantize', model, '--calibrate', calib, '--photos', '2', '--size', '96', '--threads', '1']);
  assert.ok((await readFile(path.join(dir, 'm.int8.onnx'))).length > 0);
  const photo = path.join(calib, 'tubingen.jpg');
  const out = path.join(dir, 'out.png');
  await run('node', [cli, 'stylize', photo, '--model', model, '--precision', 'int8', '--max-size', '96', '-o', out, '--threads', '1']);
  assert.ok((await readFile(out)).length > 0);
  const fails = async (args: string[], pattern: RegExp) => {
    const err = await run('node', [cli, ...args]).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    assert.ok(err && err.code !== 0, `${args.join(' ')} should fail`);
    assert.match(err.stderr, pattern);
  };
  await fails(['stylize', photo, '--model', 'baseline:wave', '--precision', 'int8', '-o', out], /needs a quantized model/);
  await fails(['stylize', photo, '--model', model, '--precision', 'int8', '--max-size', '200', '--tile', '128', '-o', out], /int8 models run untiled/);
  await fails(['stylize', photo, '--model', model, '--precision', 'int4', '-o', out], /precision/);
  await fails(['quantize', model, '-o', model], /input file/);
  await fails(['quantize', model, '--calibrate', await mkdtemp(path.join(os.tmpdir(), 'ds-empty-')), '-o', path.join(dir, 'x.onnx')], /no images/);
});
