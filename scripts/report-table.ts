// Prints the summary of a `depthstyle compare` report as a Markdown table
// (means over photos, 95 % bootstrap interval): node --import tsx scripts/report-table.ts report/metrics.json
import { readFileSync } from 'node:fs';
import { bootstrapMean } from '../src/eval/report.js';

interface Row {
  method: string;
  depth: { pearson: number; spearman: number; ssiRmse: number; whdr: number };
  ssim: number;
  edgeF1: number;
  styleLoss?: number;
  contentLoss: number;
}
const { rows } = JSON.parse(readFileSync(process.argv[2], 'utf8')) as { rows: Row[] };
const metrics: [string, (r: Row) => number | undefined][] = [
  ['depth Spearman ↑', (r) => r.depth.spearman],
  ['SSI-RMSE ↓', (r) => r.depth.ssiRmse],
  ['WHDR ↓', (r) => r.depth.whdr],
  ['SSIM ↑', (r) => r.ssim],
  ['edge F1 ↑', (r) => r.edgeF1],
  ['style loss ↓', (r) => r.styleLoss],
];
const fmt = (v: number) => (Math.abs(v) >= 1e4 ? v.toExponential(2) : v.toFixed(3));
const methods = [...new Set(rows.map((r) => r.method))];
console.log(`| method | ${metrics.map(([n]) => n).join(' | ')} |`);
console.log(`| --- | ${metrics.map(() => '---:').join(' | ')} |`);
for (const m of methods) {
  const mine = rows.filter((r) => r.method === m);
  const cells = metrics.map(([, f]) => {
    const xs = mine.map(f).filter((v): v is number => v !== undefined);
    const b = bootstrapMean(xs);
    return `${fmt(b.mean)} [${fmt(b.lo)}, ${fmt(b.hi)}]`;
  });
  console.log(`| ${m} | ${cells.join(' | ')} |`);
}
