// The page's WebGPU path, tested (issue #34): Debian's headless Chromium has a WebGPU adapter on the CPU
// (SwiftShader, Vulkan) with the flags below on http://127.0.0.1. The page is forced onto WebGPU
// (?backend=webgpu) and must give what the WebAssembly path gives — which the page tests (web.test.ts) hold to the
// Node stylizer — for a zoo model, a painting with the default depth strength, and the depth network. Speed on
// SwiftShader means nothing; correctness is the point, so the path a user with a GPU gets is known to work.
//
// Tolerance, stated once: mean ≤ 1.5 and max ≤ 24 (0–255) per picture. WebGPU runs float32 kernels of its own
// (other summation orders, fused multiply-adds, its own instance-norm reduction), so results are not bit-equal
// to WebAssembly; a wrong kernel moves the mean by tens. The ops that fall back to WebAssembly are read from
// ORT's verbose log (?log=verbose), written to out/web/webgpu-placements.json and listed in docs/serve.md.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { loadImage, type RgbImage } from '../src/io/image.js';
import { packageRoot } from '../src/models/resolver.js';
import { serve, type Server } from '../src/serve/server.js';
import { stylize } from '../src/stylize/stylize.js';
import { loadTransformOnnx } from '../src/stylize/models.js';
import { stylizeWithPainting } from '../src/stylize/pipeline.node.js';
import { chromiumPath, canvasPixels, pixelDiff } from './support/page.js';
import { photo, runtime, store } from './support/fixtures.js';

const OUT = path.join(packageRoot(), 'out', 'web');
const WEBGPU_FLAGS = ['--no-sandbox', '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-webgpu-adapter=swiftshader'];
const TOLERANCE = { mean: 1.5, max: 24 };
const zoo = path.join(packageRoot(), 'models');

let server: Server;
let browser: Browser;
let photoFile: string;
before(async () => {
  await mkdir(OUT, { recursive: true });
  photoFile = path.join(OUT, 'webgpu-photo.png');
  await writeFile(photoFile, await sharp(photo('chicago.jpg')).resize(64, 48, { fit: 'cover' }).png().toBuffer());
  server = await serve({ port: 0, zoo, store, runtime });
  browser = await chromium.launch({ executablePath: chromiumPath(), args: WEBGPU_FLAGS });
});
after(async () => {
  await browser?.close();
  await server?.close();
});

/** A page on a backend, with its console kept (ORT's verbose log says where each node runs). */
async function open(backend: 'webgpu' | 'wasm'): Promise<{ page: Page; log: string[]; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const log: string[] = [];
  const errors: string[] = [];
  page.on('console', (m) => log.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.url}/?backend=${backend}${backend === 'webgpu' ? '&log=verbose' : ''}`);
  await page.waitForSelector('body[data-status="Choose a photo"], body[data-status="error"]', { timeout: 60_000 });
  return { page, log, errors };
}

/** Stylize the test photo with a gallery entry (`data-model` or `data-painting`), and wait for its depth panel. */
async function run(page: Page, selector: string, renders: number): Promise<{ result: RgbImage; depth: RgbImage }> {
  await page.click(`#gallery button[${selector}]`);
  if (renders === 1) await page.setInputFiles('#photo', photoFile);
  await page.waitForSelector(`body[data-renders="${renders}"]`, { timeout: 300_000 });
  await page.waitForSelector(`body[data-depth-for="${renders}"]`, { timeout: 300_000 });
  return { result: await canvasPixels(page, 'after'), depth: await canvasPixels(page, 'depth-result') };
}

test('WebGPU in the page gives what WebAssembly and Node give: a zoo model, a painting, the depth network', async () => {
  const gpu = await open('webgpu');
  assert.equal(await gpu.page.evaluate(() => document.body.dataset.backend), 'webgpu', (await gpu.page.textContent('#message')) ?? '');
  const wasm = await open('wasm');
  const photoImg = await loadImage(photoFile);
  const within = (label: string, a: RgbImage, b: RgbImage) => {
    const d = pixelDiff(a, b);
    console.log(`  ${label}: mean ${d.mean.toFixed(3)}, max ${d.max}`);
    assert.ok(d.mean <= TOLERANCE.mean && d.max <= TOLERANCE.max, `${label}: mean ${d.mean.toFixed(3)}, max ${d.max} (0–255)`);
  };
  // A zoo model: WebGPU against WebAssembly and against Node.
  const [g1, w1] = [await run(gpu.page, 'data-model="scream-depth"', 1), await run(wasm.page, 'data-model="scream-depth"', 1)];
  within('scream-depth, WebGPU vs WebAssembly', g1.result, w1.result);
  within('scream-depth, WebGPU vs Node', g1.result, await stylize(photoImg, (await loadTransformOnnx(path.join(zoo, 'scream-depth.onnx'))).model, { runtime }));
  // The depth network (PyDNet v2) on the result, drawn as the depth panel.
  within('depth of the result, WebGPU vs WebAssembly', g1.depth, w1.depth);
  // A painting with the default depth strength, through the style predictor and the transfer network.
  const [g2, w2] = [await run(gpu.page, 'data-painting="wave"', 2), await run(wasm.page, 'data-painting="wave"', 2)];
  within('painting wave, WebGPU vs WebAssembly', g2.result, w2.result);
  within('painting wave, WebGPU vs Node', g2.result, await stylizeWithPainting(photoImg, 'wave', { store, runtime }));
  assert.ok(pixelDiff(g2.result, photoImg).mean > 10, 'the network changed the picture');
  assert.deepEqual([...gpu.errors, ...wasm.errors], []);

  // Which nodes ORT placed on WebAssembly (CPU) although WebGPU was asked for, from its verbose log.
  const placements = gpu.log.filter((l) => /placed on \[/.test(l)).map((l) => l.replace(/^.*VerifyEachNodeIsAssignedToAnEp\]\s+/, ''));
  await writeFile(path.join(OUT, 'webgpu-placements.json'), `${JSON.stringify({ date: new Date().toISOString(), placements }, null, 1)}\n`);
  assert.ok(placements.length >= 3, `ORT's log names where each session's nodes run: ${placements.length} sessions`);
  const onCpu = placements.filter((l) => !/^All nodes placed on \[JsExecutionProvider\]/.test(l));
  console.log(`  sessions: ${placements.length}, with nodes on WebAssembly: ${onCpu.length ? onCpu.join('; ') : 'none'}`);
  // A node on the CPU copies its inputs off the GPU and back: an op WebGPU lacks gets another form (lackingOps in
  // engine.browser.ts), or is listed in docs/serve.md.
  assert.deepEqual(onCpu, [], 'nodes placed on WebAssembly although WebGPU was asked for');
  await gpu.page.close();
  await wasm.page.close();
});

test('?backend=webgpu without an adapter is an error in the page, not a silent fallback', async () => {
  const plain = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
  try {
    const page = await plain.newPage();
    await page.goto(`${server.url}/?backend=webgpu`);
    await page.waitForSelector('body[data-status="error"]', { timeout: 60_000 });
    assert.match((await page.textContent('#message')) ?? '', /\?backend=webgpu: this browser has no WebGPU adapter/);
    await page.goto(`${server.url}/?backend=cuda`);
    await page.waitForSelector('body[data-status="error"]', { timeout: 60_000 });
    assert.match((await page.textContent('#message')) ?? '', /\?backend=cuda: use webgpu or wasm/);
  } finally {
    await plain.close();
  }
});
