// The README's "any painting" grid: five photos (rows) stylized at 512 px by the arbitrary-style network with each
// bundled painting, beside the zoo's depth model of the same painting where there is one (scream, starry,
// composition). The painting itself heads each column.
//   node --import tsx scripts/arbitrary-grid.ts [OUT]      (default docs/images/arbitrary-grid.jpg)
import path from 'node:path';
import { Runtime } from '../src/graph/index.js';
import { loadImage, type RgbImage } from '../src/io/image.js';
import { writeGrid } from '../src/io/montage.js';
import { ModelStore } from '../src/models/resolver.js';
import { ArbitraryStylist, paintingsDir } from '../src/stylize/arbitrary.node.js';
import { loadTransformModel } from '../src/stylize/models.js';
import { Stylizer } from '../src/stylize/stylize.js';

const [out = 'docs/images/arbitrary-grid.jpg'] = process.argv.slice(2);
const store = new ModelStore();
const shared = store.sharedDir;
const photos = ['chicago.jpg', 'golden_gate.jpg', 'stata.jpg', 'tubingen.jpg', 'hoovertowernight.jpg'].map((f) => path.join(shared, 'images', 'content', f));
// Painting → the zoo model of the same painting, if any.
const paintings: [string, string | undefined][] = [
  ['composition_vii', 'composition-depth'],
  ['starry_night', 'starry-depth'],
  ['the_scream', 'scream-depth'],
  ['wave', undefined],
  ['udnie', undefined],
  ['shipwreck_turner', undefined],
];
const runtime = new Runtime();
const stylist = await ArbitraryStylist.load(store, runtime, 'original');
const images = await Promise.all(photos.map((p) => loadImage(p, { maxSide: 512 })));
const columns: { label: string; header: RgbImage; run: (img: RgbImage) => Promise<RgbImage> }[] = [];
for (const [name, zoo] of paintings) {
  const file = path.join(paintingsDir(store), `${name}.jpg`);
  const any = new Stylizer(stylist.model(await stylist.styleOfFile(file), name), runtime);
  columns.push({ label: `${name.replace(/_/g, ' ')}: any`, header: await loadImage(file, { maxSide: 512 }), run: (img) => any.stylize(img) });
  if (zoo) {
    const s = new Stylizer(await loadTransformModel(zoo, store), runtime);
    columns.push({ label: `zoo: ${zoo}`, header: await loadImage(file, { maxSide: 512 }), run: (img) => s.stylize(img) });
  }
}
const rows: RgbImage[][] = [[images[0], ...columns.map((c) => c.header)].map((x, i) => (i === 0 ? { ...x, data: x.data.map(() => 255) } : x))];
for (const img of images) {
  const row = [img];
  for (const c of columns) row.push(await c.run(img));
  rows.push(row);
  process.stderr.write('.');
}
await writeGrid(out, rows, ['photo', ...columns.map((c) => c.label)], 200, 150);
process.stderr.write(`\nwrote ${out}\n`);
