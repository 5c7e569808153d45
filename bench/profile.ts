// Profiles one bench case with ORT's profiler and prints where the time goes,
// by op type and by node (with their shapes): `node --import tsx bench/profile.ts CASE` (an engine, model or
// training case; TOP=N slowest nodes; OP=Slice only nodes of one op type). The peer's side of the same case:
// `PEER_PROFILE=1 /usr/bin/python3 bench/peer.py CASE THREADS`.
import { readFileSync, readdirSync, rmSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Runtime } from '../src/graph/index.js';
import { engineCases } from './engine.js';
import { trainCases } from './train.js';
import { modelCases } from './models.js';

interface Event {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string; input_type_shape?: Record<string, number[]>[]; output_type_shape?: Record<string, number[]>[] };
}

async function main() {
  const name = process.argv[2] ?? 'transform-train-step-256';
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ds-prof-'));
  const rt = new Runtime({ profilePrefix: path.join(dir, 'p') });
  const c = [...engineCases(rt), ...modelCases(rt), ...trainCases(rt)].find((k) => k.name === name);
  if (!c) throw new Error(`no case ${name}`);
  const fn = await c.setup();
  for (let i = 0; i < 3; i++) await fn();
  await rt.dispose();
  const byType = new Map<string, number>();
  const byNode = new Map<string, number>();
  const shapes = new Map<string, string>();
  const dims = (l?: Record<string, number[]>[]) => (l ?? []).map((t) => `[${Object.values(t)[0]?.join(',')}]`).join(' ');
  let runs = 0;
  for (const f of readdirSync(dir)) {
    const events = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Event[];
    runs = Math.max(runs, events.filter((e) => e.name === 'model_run').length);
    for (const e of events) {
      if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
      const op = e.args?.op_name ?? '?';
      byType.set(op, (byType.get(op) ?? 0) + e.dur);
      const n = `${op} ${e.name.replace(/_kernel_time$/, '')}`;
      if (process.env.OP && op !== process.env.OP) continue;
      byNode.set(n, (byNode.get(n) ?? 0) + e.dur);
      if (!shapes.has(n)) shapes.set(n, `${dims(e.args?.input_type_shape)} → ${dims(e.args?.output_type_shape)}`);
    }
  }
  rmSync(dir, { recursive: true });
  const total = [...byType.values()].reduce((a, b) => a + b, 0);
  const show = (m: Map<string, number>, k: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .forEach(([n, us]) =>
        console.log(
          `${(us / runs / 1000).toFixed(1).padStart(9)} ms  ${((100 * us) / total).toFixed(1).padStart(5)}%  ${n}${shapes.has(n) ? `  ${shapes.get(n)}` : ''}`,
        ),
      );
  console.log(`${name}: ${(total / runs / 1000).toFixed(1)} ms of kernel time per run (${runs} runs incl. warm-up)\nby op type:`);
  show(byType, 20);
  console.log('slowest nodes:');
  show(byNode, Number(process.env.TOP ?? 25));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
