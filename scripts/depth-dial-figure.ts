// The dial's figures and summary from docs/dial/NAME.json (scripts/depth-dial.ts): for each painting, one Pareto
// plot per robust judge (gain over "no depth handling" of the same network against the style loss it costs, mean
// over the held-out photos with 95 % bootstrap intervals), blending toward the photo as the dashed reference;
// and per control its recommended setting: the largest depth-edge gain at ≤ +10 % style loss that no judge finds
// worse, set against the zoo
// twins' gain and against the blend at the same style cost (paired per photo).
//   node --import tsx scripts/depth-dial-figure.ts [NAME ...]     (default: every docs/dial/*.json)
import { readFileSync, readdirSync } from 'node:fs';
import { writeFileAtomic } from '../src/io/atomic.js';
import { writeScatterPanels, type ScatterPanel } from '../src/io/plot.js';
import { bootstrapMean } from '../src/eval/report.js';
import type { DialScores } from '../src/eval/evaluate.js';
import { DIAL_METHODS, baselineKey, dialSize, type DialMethod } from './depth-dial-methods.js';

/** The style budget a depth control may spend, in % of the network's style loss without depth handling. */
export const STYLE_BUDGET_PCT = 10;
const JUDGES = [
  ['edges', 'depth-edge contrast'],
  ['resampled', 'PyDNet v2, halved'],
  ['second', 'PyDNet++ (2nd net)'],
] as const;
type Judge = (typeof JUDGES)[number][0];
type Row = { photo: string; results: Record<string, DialScores> };
type Interval = { mean: number; lo: number; hi: number };

const names =
  process.argv.length > 2
    ? process.argv.slice(2)
    : readdirSync('docs/dial')
        .filter((f) => /^[a-z]+\.json$/.test(f) && f !== 'summary.json')
        .map((f) => f.replace(/\.json$/, ''));
const summary: Record<string, unknown> = {};
const md: string[] = [];
for (const name of names) {
  const { rows, partial } = JSON.parse(readFileSync(`docs/dial/${name}.json`, 'utf8')) as { rows: Row[]; partial: boolean };
  const cost = (r: Row, key: string, net: DialMethod['network']) => 100 * (r.results[key].style / r.results[baselineKey(net)].style - 1);
  const gain = (r: Row, key: string, net: DialMethod['network'], j: Judge) => r.results[key][j] - r.results[baselineKey(net)][j];
  /**
   * Per photo, the blend's judge at the style loss of `key`: linear between the blend strengths around it. The
   * blend's style loss need not rise as it weakens (for the arbitrary network it falls), so every segment that
   * holds the target counts and the best for the blend is taken; beyond the curve, its nearest point.
   */
  const blendAt = (r: Row, key: string, net: DialMethod['network'], j: Judge): number => {
    const ref = DIAL_METHODS.find((m) => m.reference && m.network === net)!;
    const curve = [baselineKey(net), ...ref.settings.map((s) => `${ref.id}@${s.label}`)].map((k) => ({ style: r.results[k].style, v: r.results[k][j] }));
    const target = r.results[key].style;
    const hits: number[] = [];
    for (let k = 1; k < curve.length; k++) {
      const [a, b] = [curve[k - 1], curve[k]];
      if ((target - a.style) * (target - b.style) <= 0 && a.style !== b.style) hits.push(a.v + ((target - a.style) / (b.style - a.style)) * (b.v - a.v));
    }
    if (hits.length) return Math.max(...hits);
    return curve.reduce((best, c) => (Math.abs(c.style - target) < Math.abs(best.style - target) ? c : best)).v;
  };
  // A row per network (their style costs differ by an order of magnitude), a column per judge.
  const measured = (m: DialMethod) => rows.every((r) => m.settings.every((s) => r.results[`${m.id}@${s.label}`]));
  // (optimize only where it was measured: one painting, at its own size)
  const NETWORKS = (['zoo', 'arbitrary', 'optimize'] as const).filter((net) =>
    DIAL_METHODS.some((m) => m.network === net && m.id.endsWith('-none') && measured(m)),
  );
  const panels: ScatterPanel[] = NETWORKS.flatMap((net) =>
    JUDGES.map(([j, title]) => ({
      title: `${net === 'optimize' ? `optimize (${dialSize(net)} px)` : net} · ${title}`,
      xLabel: 'style loss vs no depth handling (%)',
      yLabel: `gain in ${j}`,
      series: [] as ScatterPanel['series'],
    })),
  );
  const points: Record<
    string,
    { cost: Interval; gains: Record<Judge, Interval>; vsBlend: Interval; vsZooTwin: Interval; vsOwnTwin?: { cost: Interval; gains: Record<Judge, Interval> } }
  > = {};
  for (const m of DIAL_METHODS) {
    if (m.id.endsWith('-none') || !measured(m)) continue;
    JUDGES.forEach(([j], jk) => {
      const p = NETWORKS.indexOf(m.network) * JUDGES.length + jk;
      const pts = m.settings.map((s) => {
        const key = `${m.id}@${s.label}`;
        const g = bootstrapMean(rows.map((r) => gain(r, key, m.network, j)));
        return { x: bootstrapMean(rows.map((r) => cost(r, key, m.network))).mean, y: g.mean, lo: g.lo, hi: g.hi, label: s.label === '-' ? undefined : s.label };
      });
      // Every curve starts at its network without depth handling.
      panels[p].series.push({ name: m.title, reference: m.reference, points: [{ x: 0, y: 0 }, ...pts] });
    });
    for (const s of m.settings) {
      const key = `${m.id}@${s.label}`;
      points[key] = {
        cost: bootstrapMean(rows.map((r) => cost(r, key, m.network))),
        gains: Object.fromEntries(JUDGES.map(([j]) => [j, bootstrapMean(rows.map((r) => gain(r, key, m.network, j)))])) as Record<Judge, Interval>,
        vsBlend: bootstrapMean(rows.map((r) => r.results[key].edges - blendAt(r, key, m.network, 'edges'))),
        vsZooTwin: bootstrapMean(rows.map((r) => gain(r, key, m.network, 'edges') - gain(r, 'zoo-twin@-', 'zoo', 'edges'))),
        vsOwnTwin:
          m.twin && rows.every((r) => r.results[m.twin!])
            ? {
                cost: bootstrapMean(rows.map((r) => 100 * (r.results[key].style / r.results[m.twin!].style - 1))),
                gains: Object.fromEntries(JUDGES.map(([j]) => [j, bootstrapMean(rows.map((r) => r.results[key][j] - r.results[m.twin!][j]))])) as Record<
                  Judge,
                  Interval
                >,
              }
            : undefined,
      };
    }
  }
  // Recommended setting per control: the largest mean edge gain within the style budget among the settings no
  // judge finds worse (a 95 % interval wholly below 0).
  const recommended: Record<string, string | null> = {};
  for (const m of DIAL_METHODS.filter(
    (m) => !m.id.endsWith('-none') && !m.reference && measured(m) && !DIAL_METHODS.some((x) => x.twin?.startsWith(`${m.id}@`)),
  )) {
    const within = m.settings
      .map((s) => `${m.id}@${s.label}`)
      .filter((k) => points[k].cost.mean <= STYLE_BUDGET_PCT && JUDGES.every(([j]) => points[k].gains[j].hi >= 0));
    recommended[m.id] = within.sort((a, b) => points[b].gains.edges.mean - points[a].gains.edges.mean)[0] ?? null;
  }
  summary[name] = { photos: rows.length, partial, styleBudgetPct: STYLE_BUDGET_PCT, recommended, points };
  await writeScatterPanels(
    `docs/dial/${name}.png`,
    panels,
    `${name}: depth gained against style lost, ${rows.length} photos, 512 px${NETWORKS.includes('optimize') ? ' (optimize 256)' : ''}; mean, 95 % CI; dashed: blend to photo`,
    JUDGES.length,
  );
  const f = (i: Interval, d = 3) => `${i.mean >= 0 ? '+' : ''}${i.mean.toFixed(d)} [${i.lo.toFixed(d)}, ${i.hi.toFixed(d)}]`;
  md.push(
    `### ${name} (${rows.length} photos${partial ? ', partial' : ''})`,
    '',
    '| control @ setting | style loss | edge-contrast gain | PyDNet v2 (halved) gain | PyDNet++ gain | − blend at the same style | − zoo twin’s gain |',
    '|---|---|---|---|---|---|---|',
  );
  for (const [key, p] of Object.entries(points)) {
    const rec = Object.values(recommended).includes(key) ? ' **(recommended)**' : '';
    md.push(
      `| ${key}${rec} | ${f(p.cost, 1)} % | ${f(p.gains.edges)} | ${f(p.gains.resampled)} | ${f(p.gains.second)} | ${f(p.vsBlend)} | ${f(p.vsZooTwin)} |`,
    );
  }
  for (const [key, p] of Object.entries(points))
    if (p.vsOwnTwin)
      md.push(
        '',
        `${key} against its twin (the same fine-tune without the depth term): style ${f(p.vsOwnTwin.cost, 1)} %, edge contrast ${f(p.vsOwnTwin.gains.edges)}, PyDNet v2 halved ${f(p.vsOwnTwin.gains.resampled)}, PyDNet++ ${f(p.vsOwnTwin.gains.second)}.`,
      );
  md.push('');
}
await writeFileAtomic('docs/dial/summary.json', `${JSON.stringify(summary, null, 2)}\n`);
await writeFileAtomic('docs/dial/summary.md', `${md.join('\n')}\n`);
console.log(md.join('\n'));
