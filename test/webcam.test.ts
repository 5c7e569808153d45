// The webcam in the page: Chromium's fake camera fed from a real clip (room_pan, as .y4m), stylized live with a
// painting, stabilized, frames per second shown, a snapshot to download.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { packageRoot } from '../src/models/resolver.js';
import { serve, type Server } from '../src/serve/server.js';
import { SHARED, runtime, store } from './support/fixtures.js';

let server: Server;
let browser: Browser;
let page: Page;

before(async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ds-webcam-'));
  const y4m = path.join(dir, 'camera.y4m');
  execFileSync('ffmpeg', ['-v', 'error', '-i', path.join(SHARED, 'videos', 'room_pan.mp4'), '-t', '2', '-vf', 'scale=320:180', '-pix_fmt', 'yuv420p', y4m]);
  server = await serve({ port: 0, zoo: path.join(packageRoot(), 'models'), store, runtime });
  const executablePath = process.env.CHROMIUM ?? execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim();
  browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${y4m}`] });
  page = await browser.newPage();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test('the webcam: live stylization of the camera with a painting, fps shown, a snapshot', async () => {
  await page.goto(`${server.url}?backend=wasm`);
  await page.waitForFunction(() => document.body.dataset.status === 'Choose a photo', undefined, { timeout: 120_000 });
  await page.click('button[data-painting="the_scream"]');
  await page.click('#webcam-start');
  await page.waitForFunction(() => Number(document.body.dataset.webcamFrames ?? 0) >= 4, undefined, { timeout: 240_000 });
  const r = await page.evaluate(() => {
    const c = document.getElementById('webcam-out') as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let mean = 0;
    let spread = 0;
    for (let i = 0; i < d.length; i += 4) mean += d[i];
    mean /= d.length / 4;
    for (let i = 0; i < d.length; i += 4) spread += (d[i] - mean) ** 2;
    return { w: c.width, h: c.height, std: Math.sqrt(spread / (d.length / 4)), fps: Number(document.body.dataset.webcamFps), text: document.getElementById('webcam-fps')!.textContent };
  });
  console.log(`  ${r.w}×${r.h}, ${r.text}`);
  assert.equal(r.w, 256, 'the chosen size (256 px on the long side)');
  assert.equal(r.h, 144);
  assert.ok(r.std > 10, 'a picture, not a blank canvas');
  assert.ok(r.fps > 0 && /frames per second/.test(r.text ?? ''));
  await page.click('#webcam-snapshot');
  assert.match((await page.getAttribute('#webcam-snapshot', 'href')) ?? '', /^data:image\/png;base64,/);
  await page.click('#webcam-stop');
  await page.waitForFunction(() => !(document.getElementById('webcam-start') as HTMLButtonElement).disabled);
});
