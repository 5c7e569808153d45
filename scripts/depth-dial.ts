// The depth dial, measured: for one painting, every depth control at each of its settings, on the held-out photos
// at 512 px, judged by the three robust judges (depth-edge contrast, network-free; PyDNet v2 after resampling;
// PyDNet++, a network no loss used) against the style loss, each relative to "no depth handling" of the same
// network, with blending toward the photo as the reference curve. One JSON per painting (docs/dial/NAME.json);
// `scripts/depth-dial-figure.ts` draws them.
//   node --import tsx scripts/depth-dial.ts NAME [--threads N] [--only 'ID;ID@SETTING;...'] [--split dev|test [--photos N]]      NAME: scream | composition | starry
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Runtime } from '../src/graph/index.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { loadImage, type RgbImage } from '../src/io/image.js';
import { DialJudge, type DialScores } from '../src/eval/evaluate.js';
import { loadDepthModel, secondJudgeFor } from '../src/models/depth.js';
import { ModelStore } from '../src/models/resolver.js';
import { loadVgg19 } from '../src/models/vgg.js';
import { experimentPhotos } from '../src/eval/protocol.js';
import { DIAL_METHODS, DIAL_PAINTINGS, dialRenderer, dialSize, type DialPainting } from './depth-dial-methods.js';

const name = process.argv[2] as DialPainting;
if (!(name in DIAL_PAINTINGS)) throw new Error(`usage: depth-dial.ts ${Object.keys(DIAL_PAINTINGS).join('|')} [--threads N]`);
const threads = process.argv.includes('--threads') ? Number(process.argv[process.argv.indexOf('--threads') + 1]) : undefined;
let out = `docs/dial/${name}.json`;
const store = new ModelStore();
const shared = store.sharedDir;
// The photos: --split dev|test (a fixed sample of the locked split, --photos N), or the legacy 13 (a dev set).
const arg = (k: string) => (process.argv.includes(k) ? process.argv[process.argv.indexOf(k) + 1] : undefined);
const { files: photos, label: photoSet } = experimentPhotos(shared, arg('--split'), Number(arg('--photos') ?? 24));
if (arg('--split')) out = `docs/dial/${name}-${arg('--split')}.json`;
const runtime = new Runtime({ threads });
const depthModel = await loadDepthModel('pydnet-v2', { store });
const renderer = await dialRenderer(name, store, runtime, depthModel);
const [vgg, secondDepthModel] = [await loadVgg19({ store }), await loadDepthModel(secondJudgeFor('pydnet-v2'), { store })];
const style = renderer.painting;

type Judged = DialScores;
const judges = new DialJudge({ depthModel, secondDepthModel, vgg, style, runtime });
const judge = (photo: RgbImage, img: RgbImage) => judges.judge(photo, img);

// --only 'ID;ID@SETTING': measure these controls and add them to the painting's existing results (a network trained later).
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1].split(';') : undefined;
const before = only ? (JSON.parse(readFileSync(out, 'utf8')) as { rows: { photo: string; results: Record<string, Judged> }[] }).rows : undefined;
// Fine-tuned networks not trained yet are left out (and added with --only once they are).
// (an entry of --only is a control, ID, or one of its settings, ID@SETTING)
const wanted = (m: (typeof DIAL_METHODS)[number], label: string) => !only || only.includes(m.id) || only.includes(`${m.id}@${label}`);
// (optimize takes minutes per photo: measured only when asked for, with --only)
const methods = DIAL_METHODS.filter((m) =>
  only ? m.settings.some((s) => wanted(m, s.label)) : m.network !== 'optimize' && m.settings.every((s) => !s.transfer || existsSync(s.transfer)),
);
const rows: { photo: string; results: Record<string, Judged> }[] = [];
for (const file of photos) {
  const t0 = performance.now();
  const sized = new Map<number, RgbImage>();
  const photoAt = async (side: number) => sized.get(side) ?? sized.set(side, await loadImage(file, { maxSide: side })).get(side)!;
  const results: Record<string, Judged> = { ...before?.find((r) => r.photo === path.basename(file))?.results };
  for (const m of methods)
    for (const setting of m.settings.filter((s) => wanted(m, s.label))) {
      const photo = await photoAt(dialSize(m.network));
      results[`${m.id}@${setting.label}`] = await judge(photo, await renderer.render(m, setting, photo));
    }
  rows.push({ photo: path.basename(file), results });
  process.stderr.write(`${name}: ${path.basename(file)} done in ${((performance.now() - t0) / 1000).toFixed(0)} s (${rows.length}/${photos.length})\n`);
  await writeFileAtomic(
    out,
    `${JSON.stringify({ painting: name, size: 512, photoSet, photos: photos.map((f) => path.basename(f)), partial: rows.length < photos.length, rows }, null, 2)}\n`,
  );
}
if (!existsSync(out)) throw new Error('nothing written');
await renderer.release();
await judges.release();
