// The page's webcam in Chromium with a fake camera fed from a shared clip (room_pan.mp4 as .y4m): live frames
// stylized with a zoo model and with a painting, frames per second shown, a snapshot to download, stop stops.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { packageRoot } from '../src/models/resolver.js';
import { serve, type Server } from '../src/serve/server.js';
import { fakeCameraClip, launchWithCamera, openPage, runWebcam } from './support/webcam.js';
import { runtime, store, SHARED } from './support/fixtures.js';

let server: Server;
let browser: Browser;
let page: Page;

before(async () => {
  const y4m = await fakeCameraClip(path.join(SHARED, 'videos', 'room_pan.mp4'), 2);
  server = await serve({ port: 0, zoo: path.join(packageRoot(), 'models'), store, runtime });
  browser = await launchWithCamera(y4m);
  page = await openPage(browser, server);
});
after(async () => {
  await browser?.close();
  await server?.close();
});

/** The stylized webcam canvas: its size, and the spread of its pixel values (a blank canvas has none). */
const canvasStats = () =>
  page.evaluate(() => {
    // (the canvas shows the worker's bitmaps: read through a 2-D canvas)
    const c = document.getElementById('webcam-out') as HTMLCanvasElement;
    const copy = new OffscreenCanvas(c.width, c.height).getContext('2d')!;
    copy.drawImage(c, 0, 0);
    const d = copy.getImageData(0, 0, c.width, c.height).data;
    let [s, s2, n] = [0, 0, 0];
    for (let i = 0; i < d.length; i += 4) for (let k = 0; k < 3; k++) (s += d[i + k]), (s2 += d[i + k] ** 2), n++;
    const mean = s / n;
    return { w: c.width, h: c.height, mean, std: Math.sqrt(s2 / n - mean * mean), pixels: Array.from(d.subarray(0, 4 * 64)) };
  });

test('the webcam stylizes a live camera with a zoo model at 256 px: frames and fps shown, snapshot, stop', async () => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.click('#gallery button[data-model="scream-depth"]');
  const r = await runWebcam(page, 256, 3);
  console.log(`  zoo at 256 px: ${r.fps.toFixed(2)} fps over 3 frames after warm-up (${r.frames} in all); shown ${r.shownFps}`);
  assert.ok(r.frames >= 5, `the 2 warm-up and 3 counted frames were stylized and drawn (${r.frames})`);
  assert.match((await page.textContent('#webcam-fps')) ?? '', /frames per second at 256×144/);
  const s = await canvasStats();
  assert.deepEqual([s.w, s.h], [256, 144], 'the camera (16:9) at the chosen long side');
  assert.ok(s.std > 10, `the stylized frame has content (std ${s.std.toFixed(1)})`);
  // Stop stops: no more frames.
  const n = Number(await page.evaluate(() => document.body.dataset.webcamFrames));
  await page.waitForTimeout(1500);
  assert.ok(Number(await page.evaluate(() => document.body.dataset.webcamFrames)) <= n + 1, 'no frames after stop (one in flight at most)');
  assert.equal(await page.isDisabled('#webcam-start'), false);
  // The snapshot is the canvas as a PNG.
  await page.click('#webcam-snapshot');
  assert.match((await page.getAttribute('#webcam-snapshot', 'href')) ?? '', /^data:image\/png;base64,/);
  assert.deepEqual(errors, []);
});

test('the webcam with a painting (the arbitrary network) at 384 px', async () => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.click('#gallery button[data-painting="the_scream"]');
  const zooPixels = (await canvasStats()).pixels;
  const r = await runWebcam(page, 384, 2);
  console.log(`  painting at 384 px: ${r.fps.toFixed(2)} fps over 2 frames after warm-up`);
  const s = await canvasStats();
  assert.deepEqual([s.w, s.h], [384, 216]);
  assert.ok(s.std > 10, `content (std ${s.std.toFixed(1)})`);
  assert.notDeepEqual(s.pixels, zooPixels, 'a new style, a new picture');
  assert.deepEqual(errors, []);
});
