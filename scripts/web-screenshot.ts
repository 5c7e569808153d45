// The README's picture of the page: serve on loopback, open the page in Chromium, stylize a photo with a
// model, and save a screenshot.
//   node --import tsx scripts/web-screenshot.ts [MODEL] [PHOTO] [OUT.png]
import path from 'node:path';
import { chromium } from 'playwright-core';
import { Runtime } from '../src/graph/index.js';
import { packageRoot } from '../src/models/resolver.js';
import { serve } from '../src/serve/server.js';

const [
  model = 'baseline:wave',
  photo = path.join(packageRoot(), '..', 'shared', 'images', 'content', 'golden_gate.jpg'),
  out = path.join(packageRoot(), 'docs', 'web', 'screenshot.jpg'),
] = process.argv.slice(2);
const server = await serve({ port: 0, runtime: new Runtime() });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  await page.goto(`${server.url}/?backend=wasm`);
  await page.waitForSelector('body[data-status="Choose a photo"]');
  await page.selectOption('#max-side', '512');
  await page.click(`#gallery button[data-model="${model}"]`);
  await page.setInputFiles('#photo', photo);
  await page.waitForSelector('body[data-renders="1"]', { timeout: 300_000 });
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await server.close();
}
