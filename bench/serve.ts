// Serves one bench case of the checkout at ROOT (this one or an older revision's, see ab.ts) by the protocol in
// served.ts: `node --import tsx bench/serve.ts ROOT CASE`. The case modules and the engine are imported from
// ROOT, so each side runs its own graphs and emissions.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createInterface } from 'node:readline';
import type { BenchCase } from './run.js';

type Runtime = { dispose(): Promise<void> };
type Cases = (rt: Runtime) => BenchCase[];

async function main() {
  const [root, name] = process.argv.slice(2);
  if (!root || !name) throw new Error('usage: serve.ts ROOT CASE');
  const load = (f: string) => import(pathToFileURL(path.resolve(root, f)).href) as Promise<Record<string, unknown>>;
  const { Runtime } = (await load('src/graph/index.ts')) as { Runtime: new () => Runtime };
  const rt = new Runtime();
  const cases: BenchCase[] = [];
  for (const [file, fn] of [
    ['bench/engine.ts', 'engineCases'],
    ['bench/models.ts', 'modelCases'],
    ['bench/train.ts', 'trainCases'],
  ]) {
    const m = await load(file).catch(() => ({}) as Record<string, unknown>);
    if (typeof m[fn] === 'function') cases.push(...(m[fn] as Cases)(rt));
  }
  const c = cases.find((k) => k.name === name);
  if (!c) throw new Error(`${root} has no bench case ${name}`);
  const fn = await c.setup();
  for (let i = 0; i < (c.warmup ?? 2); i++) await fn();
  console.log('ready');
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() !== 'run') throw new Error(`unknown command ${JSON.stringify(line)}`);
    const t0 = performance.now();
    await fn();
    console.log(JSON.stringify({ seconds: (performance.now() - t0) / 1000 }));
  }
  await rt.dispose();
}

main().catch((err) => {
  console.error(`serve: ${(err as Error).message}`);
  process.exit(1);
});
