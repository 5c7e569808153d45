// The page's webcam driven in Chromium with a fake camera fed from a clip: what the webcam test and the
// webcam benchmark (bench/webcam.ts) both use.
import { execFileSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { chromiumPath } from './page.js';
import type { Server } from '../../src/serve/server.js';

/** A clip as a .y4m file Chromium can play as its fake camera (small: 320×180, 10 fps, `seconds` long). */
export async function fakeCameraClip(clip: string, seconds = 3): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'depthstyle-camera-'));
  const y4m = path.join(dir, 'camera.y4m');
  execFileSync('ffmpeg', ['-v', 'error', '-t', String(seconds), '-i', clip, '-vf', 'scale=320:180,fps=10', '-pix_fmt', 'yuv420p', '-f', 'yuv4mpegpipe', y4m]);
  return y4m;
}

/** Chromium whose camera is `y4m`, granted without a prompt. */
export function launchWithCamera(y4m: string): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${y4m}`],
  });
}

/**
 * Starts the webcam in a loaded page at `side` px, lets `warmup` frames pass (model fetch, compile, first
 * statistics), then counts `frames` more: their rate is the page's frames per second, with milliseconds per
 * frame by stage (capture, network, carry, draw, yield). Stops the webcam.
 */
export async function runWebcam(
  page: Page,
  side: 256 | 384,
  frames: number,
  warmup = 2,
  timeoutMs = 300_000,
): Promise<{ fps: number; frames: number; shownFps: number; stagesMs: Record<string, number> }> {
  await page.selectOption('#webcam-side', String(side));
  const count = () =>
    page.evaluate(() => ({
      n: Number(document.body.dataset.webcamFrames ?? 0),
      t: performance.now(),
      sums: JSON.parse(document.body.dataset.webcamStageSums ?? '{}') as Record<string, number>,
    }));
  const waitFor = (n: number) => page.waitForFunction((k) => Number(document.body.dataset.webcamFrames ?? 0) >= k, n, { timeout: timeoutMs, polling: 100 });
  const start = (await count()).n;
  await page.click('#webcam-start');
  await waitFor(start + warmup);
  const a = await count();
  await waitFor(a.n + frames);
  const b = await count();
  if (process.env.WEBCAM_DEBUG) console.log(JSON.stringify({ start, a, b }));
  const shownFps = Number(await page.evaluate(() => document.body.dataset.webcamFps));
  await page.click('#webcam-stop');
  // Milliseconds per frame by stage, over the frames counted.
  const stagesMs = Object.fromEntries(Object.entries(b.sums).map(([k, v]) => [k, +((v - (a.sums[k] ?? 0)) / (b.n - a.n)).toFixed(1)]));
  return { fps: ((b.n - a.n) * 1000) / (b.t - a.t), frames: b.n - start, shownFps, stagesMs };
}

/** A server and a page at the page's URL, ready ("Choose a photo"). */
export async function openPage(browser: Browser, server: Server): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  await page.goto(`${server.url}/?backend=wasm`);
  await page.waitForSelector('body[data-status="Choose a photo"]', { timeout: 120_000 });
  return page;
}
