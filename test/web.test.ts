// The page in a real Chromium (Debian's, driven by playwright-core; .ci/run installs it) against `serve` on
// loopback: upload a photo, stylize it with a zoo model on WebAssembly, and check the result against the Node
// stylizer, the depth panel and its scores, the strength slider, and what the server sends (isolation headers,
// MIME types, ETags). A screenshot is kept in out/web/screenshot.png.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { loadImage, type RgbImage } from '../src/io/image.js';
import { packageRoot } from '../src/models/resolver.js';
import { serve, type Server } from '../src/serve/server.js';
import { transformModelFromOnnx } from '../src/stylize/onnx-model.js';
import { blendToward, stylize } from '../src/stylize/stylize.js';
import { loadTransformOnnx } from '../src/stylize/models.js';
import { photo, runtime, store } from './support/fixtures.js';
import { canvasPixels, chromiumPath, pixelDiff } from './support/page.js';
import { stylizeWithPainting } from '../src/stylize/pipeline.node.js';

const OUT = path.join(packageRoot(), 'out', 'web');

let server: Server;
let browser: Browser;
let page: Page;
let photoFile: string;
const zoo = path.join(packageRoot(), 'models');

before(async () => {
  await mkdir(OUT, { recursive: true });
  photoFile = path.join(OUT, 'photo.png');
  await writeFile(photoFile, await sharp(photo('chicago.jpg')).resize(128, 96, { fit: 'cover' }).png().toBuffer());
  server = await serve({ port: 0, zoo, store, runtime });
  browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
});
after(async () => {
  await browser?.close();
  await server?.close();
});

/** The #after canvas as planar RGB, the way the library holds images. */
const resultPixels = (): Promise<RgbImage> => canvasPixels(page, 'after');
const diff = pixelDiff;

test('the page stylizes an uploaded photo on WebAssembly like the Node stylizer, shows depth and its judges, and follows the strength slider', async () => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.url}/?backend=wasm`);
  await page.waitForSelector('body[data-status="Choose a photo"]', { timeout: 60_000 });
  assert.equal(await page.evaluate(() => self.crossOriginIsolated), true, 'the page is cross-origin isolated (WASM threads)');
  assert.equal(await page.evaluate(() => document.body.dataset.backend), 'wasm');

  const list = (await (await fetch(`${server.url}/api/models`)).json()) as { models: { name: string; kind: string; thumbnail: string | null }[] };
  const model = list.models.find((m) => m.kind === 'zoo');
  assert.ok(model, 'the zoo has a model');
  assert.ok(
    list.models.every((m) => m.kind !== 'zoo' || m.thumbnail),
    'every zoo model has a thumbnail of its painting',
  );
  await page.click(`#gallery button[data-model="${model.name}"]`);
  await page.setInputFiles('#photo', photoFile);
  await page.waitForSelector('body[data-renders="1"]', { timeout: 180_000 });
  await page.waitForSelector('body[data-depth-for="1"]', { timeout: 60_000 });

  const shown = await resultPixels();
  const photoImg = await loadImage(photoFile);
  const node = await stylize(photoImg, (await loadTransformOnnx(path.join(zoo, `${model.name}.onnx`))).model, { runtime });
  const d = diff(shown, node);
  assert.ok(d.mean < 0.5 && d.max <= 4, `page vs Node stylize: mean ${d.mean.toFixed(3)}, max ${d.max} (0–255)`);
  // The network changed the picture (this is not the photo echoed back).
  assert.ok(diff(shown, photoImg).mean > 10);

  // The depth panel: both maps drawn, three judges with numbers, the robust ones first.
  const depthSizes = await page.evaluate(() => ['depth-photo', 'depth-result'].map((id) => (document.getElementById(id) as HTMLCanvasElement).width));
  assert.deepEqual(depthSizes, [128, 128]);
  const scores = await page.$$eval('#scores tbody tr', (rows) =>
    rows.map((r) => [(r as HTMLElement).dataset.judge, Number(r.children[1].textContent)] as const),
  );
  assert.deepEqual(
    scores.map(([k]) => k),
    ['shift3', 'edges', 'plain'],
  );
  for (const [k, v] of scores) assert.ok(Number.isFinite(v) && v > -1 && v < 3, `${k}: ${v}`);
  await page.screenshot({ path: path.join(OUT, 'screenshot.png'), fullPage: true });

  // Strength 0.3: the shown image becomes 0.3·stylized + 0.7·photo, without stylizing again.
  await page.$eval('#strength', (el) => {
    (el as HTMLInputElement).value = '0.3';
    el.dispatchEvent(new Event('change'));
  });
  await page.waitForSelector('body[data-renders="2"]', { timeout: 60_000 });
  const weaker = await resultPixels();
  const dw = diff(weaker, blendToward(node, photoImg, 0.3));
  assert.ok(dw.mean < 0.5 && dw.max <= 4, `strength 0.3 vs Node: mean ${dw.mean.toFixed(3)}, max ${dw.max}`);
  assert.ok(diff(weaker, node).mean > 5, 'the slider changed the output');
  assert.deepEqual(errors, []);

  // The zoo twin beside the chosen model, at the same strength.
  const twinName = model.name.endsWith('-nodepth') ? model.name.replace(/-nodepth$/, '-depth') : model.name.replace(/-depth$/, '-nodepth');
  assert.equal(await page.evaluate(() => (document.getElementById('twins') as HTMLElement).hidden), false, 'the twins are shown');
  assert.equal(await page.textContent('#twin-other-name'), twinName);
  const twinPixels = await page.evaluate(() => {
    const c = document.getElementById('twin-other') as HTMLCanvasElement;
    return { w: c.width, h: c.height, rgba: Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data) };
  });
  const twinImg = { width: twinPixels.w, height: twinPixels.h, data: new Float32Array(3 * twinPixels.w * twinPixels.h) };
  for (let i = 0; i < twinPixels.w * twinPixels.h; i++)
    for (let c = 0; c < 3; c++) twinImg.data[c * twinPixels.w * twinPixels.h + i] = twinPixels.rgba[4 * i + c];
  const twinNode = blendToward(await stylize(photoImg, (await loadTransformOnnx(path.join(zoo, `${twinName}.onnx`))).model, { runtime }), photoImg, 0.3);
  const dt = diff(twinImg, twinNode);
  assert.ok(dt.mean < 0.5 && dt.max <= 4, `twin vs Node: mean ${dt.mean.toFixed(3)}, max ${dt.max}`);

  // Quick slider moves: each gives a result, the depth panel is measured once, for the last.
  await page.waitForSelector('body[data-depth-for="2"]', { timeout: 60_000 });
  const runsBefore = Number(await page.evaluate(() => document.body.dataset.depthRuns));
  await page.$eval('#strength', (el) => {
    for (const v of ['0.5', '0.6', '0.7']) {
      (el as HTMLInputElement).value = v;
      el.dispatchEvent(new Event('change'));
    }
  });
  await page.waitForSelector('body[data-depth-for="5"]', { timeout: 60_000 });
  assert.equal(Number(await page.evaluate(() => document.body.dataset.depthRuns)) - runsBefore, 1, 'one depth measurement for three quick moves');

  // Another style chosen after the photo stylizes again at once, at the same strength.
  await page.click('#gallery button[data-model="baseline:wave"]');
  await page.waitForSelector('body[data-renders="6"]', { timeout: 120_000 });
  // (the Node side runs the very ONNX file the page was sent)
  const waveOnnx = new Uint8Array(await (await fetch(`${server.url}/models/baseline/wave.onnx`)).arrayBuffer());
  const waveNode = blendToward(await stylize(photoImg, transformModelFromOnnx(waveOnnx, 'baseline:wave').model, { runtime }), photoImg, 0.7);
  const dwv = diff(await resultPixels(), waveNode);
  assert.ok(dwv.mean < 0.5 && dwv.max <= 4, `restyled with baseline:wave vs Node: mean ${dwv.mean.toFixed(3)}, max ${dwv.max}`);
  assert.match((await page.getAttribute('#download-png', 'download')) ?? '', /^photo-baseline_wave\.png$/);
  assert.equal(await page.$eval('#max-side', (el) => (el as HTMLSelectElement).value), '512', 'the page works at 512 px by default');

  // Depth strokes in the page: the network runs again, as stylize --depth-strokes 2,0.5 does in Node.
  await page.$eval('#depth-strokes', (el) => {
    (el as HTMLInputElement).checked = true;
    el.dispatchEvent(new Event('change'));
  });
  await page.waitForSelector('body[data-renders="7"]', { timeout: 120_000 });
  const strokesNode = await stylize(photoImg, transformModelFromOnnx(waveOnnx, 'baseline:wave').model, {
    runtime,
    depthStrokes: { near: 2, far: 0.5 },
    strength: 0.7,
  });
  const dsk = diff(await resultPixels(), strokesNode);
  console.log(`  depth strokes, page vs Node: mean ${dsk.mean.toFixed(3)}, max ${dsk.max}`);
  assert.ok(dsk.mean < 0.5 && dsk.max <= 4, `depth strokes, page vs Node: mean ${dsk.mean.toFixed(3)}, max ${dsk.max}`);
  assert.ok(diff(await resultPixels(), waveNode).mean > 2, 'the strokes changed the picture');

  // A file that is not an image: a one-line error in the page, nothing thrown, the last result kept.
  await page.setInputFiles('#photo', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a photo') });
  await page.waitForSelector('body[data-status="error"]', { timeout: 30_000 });
  assert.match((await page.textContent('#message')) ?? '', /notes\.txt: not an image/);
  assert.equal(await page.evaluate(() => document.body.dataset.renders), '7');
  assert.deepEqual(errors, []);
});

test('any painting in the page: a bundled one, strength (the vector and the blend), an uploaded painting mixed with another — as in Node', async () => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.url}/?backend=wasm`);
  await page.waitForSelector('body[data-status="Choose a photo"]', { timeout: 60_000 });
  const photoImg = await loadImage(photoFile);
  const near = async (label: string, expected: Promise<RgbImage>) => {
    const d = diff(await resultPixels(), await expected);
    assert.ok(d.mean < 0.5 && d.max <= 4, `${label}, page vs Node: mean ${d.mean.toFixed(3)}, max ${d.max} (0–255)`);
  };
  await page.click('#gallery button[data-painting="wave"]');
  await page.setInputFiles('#photo', photoFile);
  await page.waitForSelector('body[data-renders="1"]', { timeout: 180_000 });
  // A painting brings its network's default depth-guided strength (DEFAULT_DEPTH_STRENGTH: none, chosen on dev).
  assert.equal(await page.evaluate(() => (document.getElementById('depth-guided') as HTMLInputElement).checked), false);
  await near('wave', stylizeWithPainting(photoImg, 'wave', { store, runtime }));
  assert.match((await page.getAttribute('#download-png', 'download')) ?? '', /^photo-wave\.png$/);

  // Strength 0.5 re-runs the transfer network with the vector halfway to the photo's own, then blends halfway (not the blend alone).
  await page.$eval('#strength', (el) => {
    (el as HTMLInputElement).value = '0.5';
    el.dispatchEvent(new Event('change'));
  });
  await page.waitForSelector('body[data-renders="2"]', { timeout: 60_000 });
  const half = stylizeWithPainting(photoImg, 'wave', { store, runtime, strength: 0.5 });
  await near('wave at strength 0.5', half);
  const blend = blendToward(await stylizeWithPainting(photoImg, 'wave', { store, runtime }), photoImg, 0.5);
  assert.ok(diff(await resultPixels(), blend).mean > 1, 'strength is not the pixel blend of the full painting alone');

  // The user's own painting, then mixed 70/30 with Udnie.
  const own = path.join(OUT, 'my-painting.png');
  await writeFile(
    own,
    await sharp(path.join(store.dir, '..', 'images', 'styles', 'composition_vii.jpg'))
      .resize(180, 140)
      .png()
      .toBuffer(),
  );
  await page.$eval('#strength', (el) => {
    (el as HTMLInputElement).value = '1';
  });
  await page.setInputFiles('#painting', own);
  await page.waitForSelector('body[data-renders="3"]', { timeout: 60_000 });
  await near('uploaded painting', stylizeWithPainting(photoImg, own, { store, runtime }));
  await page.$eval('#mix-weight', (el) => {
    (el as HTMLInputElement).value = '0.3';
  });
  await page.selectOption('#mix', 'udnie');
  await page.waitForSelector('body[data-renders="4"]', { timeout: 60_000 });
  await near('uploaded + udnie 70/30', stylizeWithPainting(photoImg, [own, 'udnie'], { store, runtime, weights: [0.7, 0.3] }));

  await page.waitForSelector('body[data-depth-for="4"]', { timeout: 60_000 });
  // A painting that is not an image: one line in the page, the gallery unchanged.
  await page.setInputFiles('#painting', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a painting') });
  await page.waitForSelector('body[data-status="error"]', { timeout: 30_000 });
  assert.match((await page.textContent('#message')) ?? '', /notes\.txt: not an image/);
  assert.equal(await page.$$eval('#gallery button[data-painting="notes.txt"]', (b) => b.length), 0);
  await page.screenshot({ path: path.join(OUT, 'screenshot-painting.png'), fullPage: true });
  assert.deepEqual(errors, []);
});

test('the API stylizes with a painting by name or a multipart upload, with the same limits and one-line errors', async () => {
  const body = await sharp(photoFile).jpeg().toBuffer();
  let r = await fetch(`${server.url}/api/stylize?style=wave`, { method: 'POST', body });
  assert.equal(r.status, 200, await r.clone().text());
  assert.equal(r.headers.get('content-type'), 'image/png');
  // A painting has no depth-guided strength by default (docs/splits.md); depthStrength=0.75,1 asks for it.
  const pixels = async (res: Response) =>
    (await sharp(Buffer.from(await res.arrayBuffer()))
      .raw()
      .toBuffer()) as Buffer;
  const byDefault = await pixels(r);
  const ask = async (q: string) => pixels(await fetch(`${server.url}/api/stylize?style=wave&depthStrength=${q}`, { method: 'POST', body }));
  const [explicit, off] = [await ask('0.75,1'), await ask('off')];
  const mean = (a: Buffer, b: Buffer) => a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0) / a.length;
  assert.ok(mean(byDefault, off) < 0.01, 'the default is off');
  assert.ok(mean(byDefault, explicit) > 0.5, `depthStrength=0.75,1 differs: ${mean(byDefault, explicit)}`);
  const form = new FormData();
  form.set('photo', new Blob([Uint8Array.from(body)]), 'p.jpg');
  form.set(
    'painting',
    new Blob([
      Uint8Array.from(
        await sharp(path.join(store.dir, '..', 'images', 'styles', 'udnie.jpg'))
          .resize(100)
          .png()
          .toBuffer(),
      ),
    ]),
    'u.png',
  );
  r = await fetch(`${server.url}/api/stylize?strength=0.7`, { method: 'POST', body: form });
  assert.equal(r.status, 200, await r.clone().text());
  const bad = new FormData();
  bad.set('photo', new Blob([Uint8Array.from(body)]), 'p.jpg');
  bad.set('painting', new Blob(['not a painting']), 'x.jpg');
  const cases: [Promise<Response>, number, RegExp][] = [
    [fetch(`${server.url}/api/stylize`, { method: 'POST', body: bad }), 415, /painting: not an image/],
    [fetch(`${server.url}/api/stylize?style=no_such`, { method: 'POST', body }), 404, /unknown painting "no_such"/],
    [fetch(`${server.url}/api/stylize?style=wave&model=scream-depth`, { method: 'POST', body }), 400, /not both/],
    [fetch(`${server.url}/api/stylize?style=wave,udnie&styleWeights=1`, { method: 'POST', body }), 400, /styleWeights/],
  ];
  for (const [p, status, re] of cases) {
    const res = await p;
    const text = await res.text();
    assert.equal(res.status, status, text);
    assert.match((JSON.parse(text) as { error: string }).error, re);
  }
});
