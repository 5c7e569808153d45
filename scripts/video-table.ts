// The stabilization table of docs/video.md from docs/video/stabilization.json (scripts/video-stabilization.ts):
// flicker above the floor and its change against per frame, style loss against per frame, the depth judges.
//   node --import tsx scripts/video-table.ts [docs/video/stabilization.json]
import { readFileSync } from 'node:fs';

interface Row {
  clip: string;
  network: string;
  stabilize: string;
  fps: number;
  warping: { excess: number; source: number };
  depth: { edgeContrast: { mean: number }; warping: { stylized: number; source: number } };
  styleLoss: number;
}
const { results } = JSON.parse(readFileSync(process.argv[2] ?? 'docs/video/stabilization.json', 'utf8')) as { results: Row[] };
const pct = (a: number, b: number) => `${a >= b ? '+' : ''}${(100 * (a / b - 1)).toFixed(1)} %`;
console.log(
  "| clip | network | --stabilize | flicker above the floor (0–255) | change | style loss vs per frame | depth-edge contrast | depth maps' warping error | fps |",
);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
  const base = results.find((b) => b.clip === r.clip && b.network === r.network && b.stabilize === 'none')!;
  const same = r === base;
  console.log(
    `| ${r.clip} | ${r.network} | ${r.stabilize} | ${r.warping.excess.toFixed(2)} (floor ${r.warping.source.toFixed(2)}) | ${same ? '–' : `${pct(r.warping.excess, base.warping.excess).replace(/\.\d %/, ' %')}`} | ${same ? '–' : pct(r.styleLoss, base.styleLoss)} | ${r.depth.edgeContrast.mean.toFixed(3)} | ${r.depth.warping.stylized.toFixed(2)} (source ${r.depth.warping.source.toFixed(2)}) | ${r.fps.toFixed(2)} |`,
  );
}
