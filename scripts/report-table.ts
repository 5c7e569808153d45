// Prints the summary of a `depthstyle compare` report as Markdown tables: means over photos with 95 % bootstrap
// intervals per method, then each twin's per-photo paired differences (depth − no depth), and with --versus NAME
// every other method's paired differences against method NAME (e.g. "seed (released)").
//   node --import tsx scripts/report-table.ts report/metrics.json [--versus NAME]
import { readFileSync } from 'node:fs';
import type { EvalReport } from '../src/eval/evaluate.js';
import { METRICS, bootstrapMean, pairedDifferences, twinPairs } from '../src/eval/report.js';

type Row = EvalReport & { image: string; method: string };
const { rows } = JSON.parse(readFileSync(process.argv[2], 'utf8')) as { rows: Row[] };
const fmt = (v: number) => (Math.abs(v) >= 1e4 ? v.toExponential(2) : v.toFixed(3));
const cell = (xs: number[]) => {
  if (!xs.length) return '–';
  const b = bootstrapMean(xs);
  const excludes = b.lo > 0 || b.hi < 0;
  return `${fmt(b.mean)} [${fmt(b.lo)}, ${fmt(b.hi)}]${excludes ? ' *' : ''}`;
};
const methods = [...new Set(rows.map((r) => r.method))];
console.log(`| method | ${METRICS.map(([n, , d]) => `${n} ${d}`).join(' | ')} |`);
console.log(`| --- | ${METRICS.map(() => '---:').join(' | ')} |`);
for (const m of methods) {
  const mine = rows.filter((r) => r.method === m);
  console.log(`| ${m} | ${METRICS.map(([, f]) => cell(mine.map(f).filter((v): v is number => v !== undefined)).replace(' *', '')).join(' | ')} |`);
}
const at = process.argv.indexOf('--versus');
const versus = at > 0 ? process.argv[at + 1] : undefined;
if (at > 0 && !versus) throw new Error('--versus needs a method name');
if (versus !== undefined && !methods.includes(versus)) throw new Error(`--versus ${versus}: no such method; have ${methods.join(', ')}`);
const pairs = twinPairs(methods);
if (pairs.length) {
  console.log(`\nPaired per-photo differences (with depth − without), * where the 95 % interval excludes 0:\n`);
  console.log(`| pair | ${METRICS.map(([n, , d]) => `${n} ${d}`).join(' | ')} |`);
  console.log(`| --- | ${METRICS.map(() => '---:').join(' | ')} |`);
  for (const [a, b] of pairs) {
    const diffs = METRICS.map(([, f]) => pairedDifferences(rows, a, b, f));
    console.log(`| ${a} − ${b} | ${diffs.map(cell).join(' | ')} |`);
  }
}
if (versus) {
  console.log(`\nPaired per-photo differences (method − ${versus}), * where the 95 % interval excludes 0:\n`);
  console.log(`| pair | ${METRICS.map(([n, , d]) => `${n} ${d}`).join(' | ')} |`);
  console.log(`| --- | ${METRICS.map(() => '---:').join(' | ')} |`);
  for (const m of methods.filter((n) => n !== versus))
    console.log(`| ${m} − ${versus} | ${METRICS.map(([, f]) => cell(pairedDifferences(rows, m, versus, f))).join(' | ')} |`);
}
