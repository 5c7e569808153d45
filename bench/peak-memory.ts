// Peak resident memory (VmHWM of this process) of one job, printed as {peak_rss_gb, seconds}; the `memory`
// bench suite runs each mode in a fresh process:
//   stylize: a 4000×3000 photo in tiles with a width-32 transform net exported to ONNX, as `depthstyle
//            stylize` does it (1024 px tiles normalized with whole-image statistics);
//   stylize-arbitrary: the same photo with the arbitrary-style network (a painting's vector), as `stylize --style` does it;
//   stylize-sizes: 100 photos of 100 different sizes (300–800 px) through one zoo model, as a folder of
//            phone photos goes through `depthstyle stylize DIR` (compiled sizes are bounded, so memory is);
//   train:   two steps of train-step-256-depth (batch 4, 256 px, width 32, the default losses, Adam).
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as G from '../src/graph/index.js';
import { gram } from '../src/losses/perceptual.js';
import { loadDepthModel } from '../src/models/depth.js';
import { loadVgg19 } from '../src/models/vgg.js';
import { exportTransformNet } from '../src/nn/export.js';
import { Rng } from '../src/optim/random.js';
import { transformNet } from '../src/nn/transform.js';
import { Adam } from '../src/optim/optimizers.js';
import { loadTransformOnnx } from '../src/stylize/models.js';
import { Stylizer } from '../src/stylize/stylize.js';
import { TRAIN_DEFAULTS, buildTrainGraph } from '../src/train/train.js';

const rng = new Rng(1);
const noise = (n: number) => rng.fill(n, () => rng.uniform(0, 255));

async function stylizeLarge(): Promise<void> {
  const g = new G.Graph();
  transformNet(g.input('x', [1, 3, 64, 64]), { width: 32 });
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'ds-mem-')), 'm.onnx');
  writeFileSync(file, exportTransformNet(G.ParamStore.fromGraph(g), 32, 5, {}));
  const s = new Stylizer((await loadTransformOnnx(file)).model, new G.Runtime());
  await s.stylizeLarge({ width: 4000, height: 3000, data: noise(3 * 4000 * 3000) }, { tile: 1024, overlap: 128 });
}

async function stylizeLargeArbitrary(): Promise<void> {
  const rt = new G.Runtime();
  const { ArbitraryStylist } = await import('../src/stylize/arbitrary.node.js');
  const stylist = await ArbitraryStylist.load(undefined, rt);
  const style = await stylist.styleOf({ width: 256, height: 256, data: noise(3 * 256 * 256) });
  const s = new Stylizer(stylist.model(style, 'noise'), rt);
  await s.stylizeLarge({ width: 4000, height: 3000, data: noise(3 * 4000 * 3000) }, { tile: 1024, overlap: 128 });
}

async function stylizeManySizes(): Promise<void> {
  const { loadTransformModel } = await import('../src/stylize/models.js');
  const s = new Stylizer(await loadTransformModel('scream-depth'), new G.Runtime());
  for (let i = 0; i < 100; i++) {
    const [w, h] = [300 + ((i * 37) % 500), 300 + ((i * 53) % 500)];
    await s.stylizeLarge({ width: w, height: h, data: noise(3 * w * h) });
  }
}

async function trainSteps(): Promise<void> {
  const rt = new G.Runtime();
  const o = { ...TRAIN_DEFAULTS, batch: 4, size: 256, width: 32, vgg: await loadVgg19(), depthModel: await loadDepthModel() };
  const sg = new G.Graph();
  const sx = sg.input('s', [1, 3, 256, 256]);
  const f = o.vgg.features(sx, o.styleLayers);
  const grams = await (await rt.compile(o.styleLayers.map((l) => gram(f.get(l)!)))).run(new Map([[sx, noise(3 * 256 * 256)]]));
  const tg = buildTrainGraph(o, grams);
  const feeds = new Map<G.Tensor, Float32Array>([[tg.x, noise(4 * 3 * 256 * 256)]]);
  for (const [t, v] of tg.feeds) feeds.set(t, v instanceof Float32Array ? v : v.data);
  const params = G.ParamStore.fromGraph(tg.x.graph);
  const prog = await rt.compile([tg.total, ...tg.grads]);
  const adam = new Adam({ lr: 1e-3 });
  for (let i = 0; i < 2; i++) {
    const [, ...gs] = await prog.run(feeds, params);
    adam.step(params.values, new Map(tg.paramTensors.map((p, k) => [p.name, gs[k].data])));
  }
}

const mode = process.argv[2] ?? 'stylize';
const jobs: Record<string, () => Promise<void>> = {
  stylize: stylizeLarge,
  'stylize-arbitrary': stylizeLargeArbitrary,
  'stylize-sizes': stylizeManySizes,
  train: trainSteps,
};
if (!jobs[mode]) throw new Error(`peak-memory: mode ${mode}? (stylize, train)`);
const t0 = performance.now();
await jobs[mode]();
const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))!;
console.log(JSON.stringify({ mode, peak_rss_gb: +(Number(hwm[1]) / 1024 / 1024).toFixed(3), seconds: +((performance.now() - t0) / 1000).toFixed(1) }));
