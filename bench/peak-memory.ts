// Peak resident memory of stylizing a 4000×3000 photo in tiles with a
// width-32 transform net exported to ONNX, as `depthstyle stylize` does it:
// tiles of 1024 px normalized with whole-image statistics (prints {peak_rss_gb, seconds}).
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as G from '../src/graph/index.js';
import { transformNet } from '../src/nn/transform.js';
import { exportTransformNet } from '../src/nn/export.js';
import { loadTransformOnnx } from '../src/stylize/models.js';
import { Stylizer } from '../src/stylize/stylize.js';
import { Rng } from '../src/nn/random.js';

const g = new G.Graph();
transformNet(g.input('x', [1, 3, 64, 64]), { width: 32 });
const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'ds-mem-')), 'm.onnx');
writeFileSync(file, exportTransformNet(G.ParamStore.fromGraph(g), 32, 5, {}));
const s = new Stylizer((await loadTransformOnnx(file)).model, new G.Runtime());
const rng = new Rng(1);
const img = { width: 4000, height: 3000, data: rng.fill(3 * 4000 * 3000, () => rng.uniform(0, 255)) };
const t0 = performance.now();
await s.stylizeLarge(img, { tile: 1024, overlap: 128 });
const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))!;
console.log(JSON.stringify({ peak_rss_gb: +(Number(hwm[1]) / 1024 / 1024).toFixed(3), seconds: +((performance.now() - t0) / 1000).toFixed(1) }));
