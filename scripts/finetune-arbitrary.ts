// The depth-preserving arbitrary network (`magenta-depth`) and its twin without the depth term: the fine-tune of
// src/train/arbitrary.ts on the training photos and the paintings not held out. One run at a time; resumable.
//   node --import tsx scripts/finetune-arbitrary.ts depth|nodepth [--steps N] [--threads N] [--resume] [--export]
// Held out (never seen in training, the judges' paintings): The Scream and Composition VII.
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../src/io/atomic.js';
import { ParamStore, Runtime } from '../src/graph/index.js';
import { loadState } from '../src/io/state.js';
import { loadDepthModel } from '../src/models/depth.js';
import { ModelStore } from '../src/models/resolver.js';
import { loadVgg19 } from '../src/models/vgg.js';
import { arbitraryOnnx } from '../src/models/magenta.js';
import { StylePredictor } from '../src/stylize/arbitrary.js';
import { ARBITRARY_FINETUNE_DEFAULTS, exportFinetunedTransfer, finetuneArbitrary, trainingPainting } from '../src/train/arbitrary.js';

export const HELD_OUT_PAINTINGS = ['the_scream.jpg', 'composition_vii.jpg'];
const TRAINING_PAINTINGS = ['starry_night.jpg', 'starry_night_crop.jpg', 'wave.jpg', 'wave_crop.jpg', 'udnie.jpg', 'shipwreck_turner.jpg'];

const arg = (k: string) => (process.argv.includes(k) ? process.argv[process.argv.indexOf(k) + 1] : undefined);
const twin = process.argv[2];
if (twin !== 'depth' && twin !== 'nodepth') throw new Error('usage: finetune-arbitrary.ts depth|nodepth [--steps N] [--threads N] [--resume]');
const store = new ModelStore();
const shared = path.join(store.dir, '..');
const runtime = new Runtime({ threads: arg('--threads') ? Number(arg('--threads')) : undefined });
const [vgg, depthModel, transferOnnx] = [await loadVgg19({ store }), await loadDepthModel('pydnet-v2', { store }), await arbitraryOnnx('transfer', store)];
const predictor = new StylePredictor(await arbitraryOnnx('predictor', store), runtime);
const paintings = [];
for (const f of TRAINING_PAINTINGS) paintings.push(await trainingPainting(path.join(shared, 'images', 'styles', f), (img) => predictor.predict(img)));
const name = `magenta-${twin}`;
if (process.argv.includes('--export')) {
  // Only write models/NAME.onnx from the run's checkpoint (e.g. after an interruption).
  const ck = await loadState(`models/arbitrary/${name}.ckpt`);
  const params = new ParamStore();
  for (const [k, v] of Object.entries(ck.arrays)) params.values.set(k, v);
  await writeFileAtomic(`models/arbitrary/${name}.onnx`, exportFinetunedTransfer(transferOnnx, params, { steps: String(ck.scalars.step), depth_weight: String(twin === 'depth' ? ARBITRARY_FINETUNE_DEFAULTS.depthWeight : 0), held_out: HELD_OUT_PAINTINGS.join(',') }));
  console.log(`wrote models/${name}.onnx (step ${ck.scalars.step})`);
  process.exit(0);
}
const steps = Number(arg('--steps') ?? ARBITRARY_FINETUNE_DEFAULTS.steps);
const ac = new AbortController();
process.on('SIGINT', () => ac.abort());
process.on('SIGTERM', () => ac.abort());
const log: string[] = [];
let done = 0;
const r = await finetuneArbitrary({
  data: path.join(shared, 'images', 'train'),
  paintings,
  transferOnnx,
  vgg,
  depthModel,
  depthWeight: twin === 'depth' ? ARBITRARY_FINETUNE_DEFAULTS.depthWeight : 0,
  runtime,
  steps,
  checkpoint: `models/arbitrary/${name}.ckpt`,
  resume: process.argv.includes('--resume'),
  signal: ac.signal,
  onStep: async (s) => {
    const line = JSON.stringify({ step: s.step, seconds: +s.seconds.toFixed(1), ...Object.fromEntries(Object.entries(s.losses).map(([k, v]) => [k, +v.toPrecision(4)])) });
    log.push(line);
    const eta = (s.seconds / ++done) * (s.steps - s.step);
    process.stderr.write(`\r${name} step ${s.step}/${s.steps} ETA ${(eta / 60).toFixed(0)} min ${Object.entries(s.losses).map(([k, v]) => `${k} ${v.toPrecision(3)}`).join(' ')}   `);
    if (s.step % 10 === 0) await appendFile(`models/arbitrary/${name}.log.jsonl`, log.splice(0).join('\n') + '\n');
  },
});
process.stderr.write('\n');
await writeFileAtomic(`models/arbitrary/${name}.onnx`, exportFinetunedTransfer(transferOnnx, r.params, { steps: String(r.step), depth_weight: String(twin === 'depth' ? ARBITRARY_FINETUNE_DEFAULTS.depthWeight : 0), held_out: HELD_OUT_PAINTINGS.join(',') }));
console.log(JSON.stringify({ name, step: r.step, losses: r.losses }));
