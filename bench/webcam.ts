import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Runtime } from '../src/graph/index.js';
import { packageRoot } from '../src/models/resolver.js';
import { serve } from '../src/serve/server.js';

import { fakeCameraClip, launchWithCamera, openPage, runWebcam } from '../test/support/webcam.js';

async function main() {
  const seconds = Number(process.argv[2] ?? 3);
  const y4m = await fakeCameraClip(path.join(packageRoot(), '..', 'shared', 'videos', 'room_pan.mp4'), seconds);
  const server = await serve({ port: 0, zoo: path.join(packageRoot(), 'models'), runtime: new Runtime({ threads: 1 }) });
  const browser = await launchWithCamera(y4m);
  try {
    const page = await openPage(browser, server);
    // The fastest network that looks good: the arbitrary network with a painting (docs/video.md, bench JSON).
    await page.click('#gallery button[data-painting="the_scream"]');
    // The page's first seconds run while Chromium still has ONNX Runtime's WebAssembly in its baseline compiler
    // (Liftoff): with --js-flags=--no-liftoff the first session ran at the speed of later ones (2026-12-07), and
    // the frame rate climbs over about 60 frames. So the first 60 frames are reported on their own, and the sizes
    // are measured after them, as a webcam left running runs.
    const cold = await runWebcam(page, 256, 60);
    console.log(JSON.stringify({ case: 'page-webcam-first-session-256-fps', value: +cold.fps.toFixed(3), stagesMs: cold.stagesMs }));
    for (const side of (process.argv[3]?.split(',').map(Number) ?? [256, 384]) as (256 | 384)[]) {
      const { fps, stagesMs } = await runWebcam(page, side, 20);
      console.log(JSON.stringify({ case: `page-webcam-${side}-fps`, value: +fps.toFixed(3), stagesMs }));
    }
  } finally {
    await browser.close();
    await server.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
