// One row per arm of a twins' sweep (scripts/twin-sweep.sh): the per-photo paired differences, depth twin −
// no-depth twin, on the robust judges (95 % bootstrap interval; * where it excludes 0) and the style loss as a
// relative change. An arm passes when a robust judge gains with its interval above 0 and none loses, at no
// more than +10 % style loss.
//   node --import tsx scripts/sweep-table.ts runs/sweep-wave [ARM=description...]
// (or a folder of ARM-metrics.json files, as docs/branch-twins/wave-sweep/ keeps them)
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { EvalReport } from '../src/eval/evaluate.js';
import { METRICS, bootstrapMean, pairedDifferences, twinPairs } from '../src/eval/report.js';

type Row = EvalReport & { image: string; method: string };
const [root, ...notes] = process.argv.slice(2);
const described = new Map(notes.map((n) => n.split('=') as [string, string]));
const robust = METRICS.slice(0, 4);
const style = METRICS.find(([n]) => n === 'style loss')![1];
const fmt = (v: number) => (v >= 0 ? '+' : '') + v.toFixed(3);
console.log(`| arm | settings | ${robust.map(([n, , d]) => `${n} ${d}`).join(' | ')} | style loss | verdict |`);
console.log(`| --- | --- | ${robust.map(() => '---:').join(' | ')} | ---: | --- |`);
const arms = readdirSync(root)
  .sort()
  .map((f) => (f.endsWith('-metrics.json') ? [f.slice(0, -'-metrics.json'.length), path.join(root, f)] : [f, path.join(root, f, 'report', 'metrics.json')]));
for (const [arm, file] of arms) {
  if (!existsSync(file)) continue;
  const { rows } = JSON.parse(readFileSync(file, 'utf8')) as { rows: Row[] };
  const [pair] = twinPairs([...new Set(rows.map((r) => r.method))]);
  if (!pair) continue;
  const cells: string[] = [];
  let gains = 0;
  let losses = 0;
  for (const [i, [, f]] of robust.entries()) {
    const b = bootstrapMean(pairedDifferences(rows, pair[0], pair[1], f));
    const sig = b.lo > 0 || b.hi < 0;
    if (i < 3 && b.lo > 0) gains++;
    if (i < 3 && b.hi < 0) losses++;
    cells.push(`${fmt(b.mean)} [${fmt(b.lo)}, ${fmt(b.hi)}]${sig ? ' *' : ''}`);
  }
  const base = rows.filter((r) => r.method === pair[1]).map(style) as number[];
  const d = bootstrapMean(pairedDifferences(rows, pair[0], pair[1], style));
  const m = base.reduce((a, b) => a + b, 0) / base.length;
  const pct = (v: number) => `${v >= 0 ? '+' : ''}${((100 * v) / m).toFixed(1)} %`;
  const stylePass = (100 * d.mean) / m <= 10;
  const verdict = gains && !losses && stylePass ? 'keeps depth better' : !stylePass ? 'style cost above 10 %' : losses ? 'loses depth' : 'no robust gain';
  console.log(`| ${arm} | ${described.get(arm) ?? ''} | ${cells.join(' | ')} | ${pct(d.mean)} [${pct(d.lo)}, ${pct(d.hi)}] | ${verdict} |`);
}
