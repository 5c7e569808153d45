// The page in Chromium, for the tests: where Chromium is, a canvas read back as planar RGB, and the difference
// of two pictures in 0–255 (the page's rounded pixels against a float result, clamped and rounded alike).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';
import type { RgbImage } from '../../src/io/image.js';

export function chromiumPath(): string {
  for (const p of [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']) if (p && existsSync(p)) return p;
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('no Chromium found: install it (apt-get install chromium, as .ci/run does) or set CHROMIUM=/path/to/chrome');
  }
}

/** A canvas of the page (by id) as planar RGB, the way the library holds images. */
export async function canvasPixels(page: Page, id: string): Promise<RgbImage> {
  const { w, h, rgba } = await page.evaluate((canvasId) => {
    const c = document.getElementById(canvasId) as HTMLCanvasElement;
    return { w: c.width, h: c.height, rgba: Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data) };
  }, id);
  const n = w * h;
  const data = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) data[c * n + i] = rgba[4 * i + c];
  return { width: w, height: h, data };
}

/** Mean and largest absolute difference (0–255) of `a` and `b`, `b` clamped and rounded as a canvas would be. */
export function pixelDiff(a: RgbImage, b: RgbImage): { mean: number; max: number } {
  assert.equal(a.width, b.width);
  assert.equal(a.height, b.height);
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i] - Math.min(255, Math.max(0, Math.round(b.data[i]))));
    sum += d;
    max = Math.max(max, d);
  }
  return { mean: sum / a.data.length, max };
}
