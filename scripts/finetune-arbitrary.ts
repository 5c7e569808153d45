// The depth-preserving arbitrary network (`magenta-depth`) and its twin without the depth term: the fine-tune of
// src/train/arbitrary.ts with a named recipe (ARBITRARY_PRESETS). One run at a time; resumable bit for bit.
//   node --import tsx scripts/finetune-arbitrary.ts depth|nodepth [--preset NAME] [--steps N] [--threads N] [--resume] [--export]
// Writes PRESET.dir/magenta-TWIN.{ckpt,log.jsonl,onnx} (train-split: models/arbitrary/, the network --style runs).
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
import { splitSource } from '../src/eval/splits.js';
import {
  ARBITRARY_FINETUNE_DEFAULTS,
  ARBITRARY_PRESETS,
  type ArbitraryPresetName,
  exportFinetunedTransfer,
  finetuneArbitrary,
  trainingPainting,
} from '../src/train/arbitrary.js';

const arg = (k: string) => (process.argv.includes(k) ? process.argv[process.argv.indexOf(k) + 1] : undefined);
const twin = process.argv[2];
const presetName = (arg('--preset') ?? 'train-split') as ArbitraryPresetName;
const preset = ARBITRARY_PRESETS[presetName];
if ((twin !== 'depth' && twin !== 'nodepth') || !preset)
  throw new Error(
    `usage: finetune-arbitrary.ts depth|nodepth [--preset ${Object.keys(ARBITRARY_PRESETS).join('|')}] [--steps N] [--threads N] [--resume] [--export]`,
  );
const store = new ModelStore();
const shared = store.sharedDir;
/** `split:COLLECTION:SPLIT` is a committed split's files; anything else a path under the shared folder. */
const files = (spec: string) => splitSource(spec, shared) ?? path.join(shared, spec);
const runtime = new Runtime({ threads: arg('--threads') ? Number(arg('--threads')) : undefined });
const [vgg, depthModel, transferOnnx] = [await loadVgg19({ store }), await loadDepthModel('pydnet-v2', { store }), await arbitraryOnnx('transfer', store)];
const predictor = new StylePredictor(await arbitraryOnnx('predictor', store), runtime);
const paintingFiles = typeof preset.paintings === 'string' ? (files(preset.paintings) as string[]) : preset.paintings.map((f) => path.join(shared, f));
const paintings = [];
for (const f of paintingFiles) paintings.push(await trainingPainting(f, (img) => predictor.predict(img)));
const name = `magenta-${twin}`;
const base = `${preset.dir}/${name}`;
const depthWeight = twin === 'depth' ? ARBITRARY_FINETUNE_DEFAULTS.depthWeight : 0;
const metadata = (steps: number) => ({
  steps: String(steps),
  depth_weight: String(depthWeight),
  preset: presetName,
  paintings: String(paintings.length),
  trained_on: preset.summary,
  licence: preset.licence,
});
if (process.argv.includes('--export')) {
  // Only write models/NAME.onnx from the run's checkpoint (e.g. after an interruption).
  const ck = await loadState(`${base}.ckpt`);
  const params = new ParamStore();
  for (const [k, v] of Object.entries(ck.arrays)) params.values.set(k, v);
  await writeFileAtomic(`${base}.onnx`, exportFinetunedTransfer(transferOnnx, params, metadata(ck.scalars.step)));
  console.log(`wrote ${base}.onnx (step ${ck.scalars.step})`);
  process.exit(0);
}
const steps = Number(arg('--steps') ?? preset.options.steps);
const ac = new AbortController();
process.on('SIGINT', () => ac.abort());
process.on('SIGTERM', () => ac.abort());
const log: string[] = [];
let done = 0;
const r = await finetuneArbitrary({
  ...preset.options,
  data: files(preset.photos),
  paintings,
  transferOnnx,
  vgg,
  depthModel,
  depthWeight,
  runtime,
  steps,
  checkpoint: `${base}.ckpt`,
  resume: process.argv.includes('--resume'),
  signal: ac.signal,
  onStep: async (s) => {
    const line = JSON.stringify({
      step: s.step,
      seconds: +s.seconds.toFixed(1),
      ...Object.fromEntries(Object.entries(s.losses).map(([k, v]) => [k, +v.toPrecision(4)])),
    });
    log.push(line);
    const eta = (s.seconds / ++done) * (s.steps - s.step);
    process.stderr.write(
      `\r${name} step ${s.step}/${s.steps} ETA ${(eta / 60).toFixed(0)} min ${Object.entries(s.losses)
        .map(([k, v]) => `${k} ${v.toPrecision(3)}`)
        .join(' ')}   `,
    );
    if (s.step % 10 === 0) await appendFile(`${base}.log.jsonl`, `${log.splice(0).join('\n')}\n`);
  },
});
process.stderr.write('\n');
await writeFileAtomic(`${base}.onnx`, exportFinetunedTransfer(transferOnnx, r.params, metadata(r.step)));
console.log(JSON.stringify({ name, step: r.step, losses: r.losses }));
