// Benchmarks (never timed tests): `npm run bench -- SUITE…` times each case
// here and in the PyTorch CPU peer (Debian python3-torch + OpenBLAS) with the
// same shapes and thread count, writes bench/results/SUITE.json as
// [{case, ours_s, peer, peer_s, ratio}] and prints a table. Ours and the peer
// run alternately, one run each in turn (the peer is a long-lived process), so
// a machine that drifts over minutes moves both sides alike.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Runtime } from '../src/graph/index.js';
import { packageRoot } from '../src/models/resolver.js';
import { defaultStabilization } from '../src/stylize/stabilize.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { engineCases } from './engine.js';
import { modelCases } from './models.js';
import { optimizeCases } from './optimize.js';
import { trainCases } from './train.js';
import { ServedCase, median, pause, quantile } from './served.js';

export interface BenchCase {
  name: string;
  /** Builds everything untimed and returns the timed operation. */
  setup: () => Promise<() => Promise<void>>;
  /** For peers that run our exported graph: the folder written by spec.ts (after setup). */
  peerSpec?: () => Promise<string>;
  /** Overrides for long cases (default: --runs, 2 warm-up runs). */
  runs?: number;
  warmup?: number;
  /** For cases that report a quantity other than seconds (no peer). */
  measure?: () => number;
  /** What a measured case adds to its row (e.g. the clip's milliseconds per stage). */
  detail?: () => Record<string, unknown>;
}

interface Result {
  case: string;
  ours_s: number;
  /** FLOPs of one timed run, counted from our graphs (forward and backward). */
  gflop?: number;
  /** Our rate and its fraction of the conv3x3-peak case's rate. */
  gflop_per_s?: number;
  pct_of_peak?: number;
  peer: string;
  peer_s: number | null;
  /** The median of the per-pair ratios ours/peer (each pair run back to back), and their quartiles. */
  ratio: number | null;
  ratio_q1?: number;
  ratio_q3?: number;
  runs: number;
  threads: number;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const PYTHON = '/usr/bin/python3';

/** Installs the peer (PyTorch CPU with OpenBLAS) from Debian if it is missing. */
function ensurePeer(): boolean {
  const ok = () => spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0 && existsSync('/usr/lib/x86_64-linux-gnu/openblas-pthread');
  if (ok()) return true;
  console.error('bench: installing the PyTorch peer: apt-get install python3-torch libopenblas0-pthread');
  try {
    execFileSync('apt-get', ['install', '-y', '-qq', 'python3-torch', 'libopenblas0-pthread'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } catch {
    console.error('bench: could not install python3-torch; peer columns will be empty');
  }
  return ok();
}

interface Timed {
  ours: number[];
  peer: number[] | null;
  /** FLOPs of one of our runs, counted by the runtime from our graphs. */
  flops: number;
}

/** Times a case here and, run by run in turn, in the peer; pauses between turns let each side's spinning threads settle. */
async function timeCase(c: BenchCase, runs: number, rt: Runtime, withPeer: boolean): Promise<Timed> {
  const fn = await c.setup();
  // Warm-up: the first runs allocate ORT's arena and settle caches.
  for (let i = 0; i < (c.warmup ?? 2); i++) await fn();
  let peer: ServedCase | null = null;
  if (withPeer) {
    try {
      // A spec case's folder exists once setup has run.
      const spec = c.peerSpec ? [await c.peerSpec(), String(c.warmup ?? 2)] : [];
      // Passive OpenMP waits: a peer spinning between its runs would slow ours.
      peer = await ServedCase.start(PYTHON, [path.join(here, 'peer.py'), c.name, String(rt.threads), ...spec], { OMP_WAIT_POLICY: 'PASSIVE' });
    } catch (err) {
      process.stderr.write(`(peer failed: ${(err as Error).message}) `);
    }
  }
  const ours: number[] = [];
  const theirs: number[] = [];
  let flops = 0;
  try {
    for (let i = 0; i < runs; i++) {
      await pause(100);
      const before = rt.executed.flops;
      const t0 = performance.now();
      await fn();
      ours.push((performance.now() - t0) / 1000);
      flops = rt.executed.flops - before;
      if (!peer) continue;
      await pause(100);
      try {
        theirs.push(await peer.run());
      } catch (err) {
        // A peer that dies mid-case (out of memory, say) costs its column, not our measurement.
        process.stderr.write(`(peer failed: ${(err as Error).message}) `);
        peer.stop();
        peer = null;
      }
    }
  } finally {
    peer?.stop();
  }
  return { ours, peer: peer ? theirs : null, flops };
}

/** The fp32 conv rate of the last conv3x3-peak measurement (this run's, else the stored one). */
function storedPeak(): number | undefined {
  const file = path.join(here, 'results', 'engine.json');
  if (!existsSync(file)) return undefined;
  return (JSON.parse(readFileSync(file, 'utf8')) as Result[]).find((r) => r.case === 'conv3x3-peak')?.gflop_per_s;
}

/** Peak resident memory (GB) of a job in a fresh process (bench/peak-memory.ts), so that regressions show. */
const peakRss = (name: string, mode: string): BenchCase => ({
  name,
  setup: () => Promise.reject(new Error('a memory case is measured, not timed')),
  measure: () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, 'peak-memory.ts'), mode], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${name}: ${r.stderr.trim().split('\n').pop()}`);
    return (JSON.parse(r.stdout.trim().split('\n').pop()!) as { peak_rss_gb: number }).peak_rss_gb;
  },
});
/**
 * Peak resident memory (GB) and seconds of a `depthstyle` command, as a user runs it (fresh process), against
 * `boundGb`: the row says whether it held (`within_bound`). `args` may name files `prepare` makes.
 */
const cliPeak = (name: string, args: () => string[], boundGb: number | (() => number)): BenchCase => {
  let seconds = 0;
  let peakGb = 0;
  return {
    name,
    setup: () => Promise.reject(new Error('a memory case is measured, not timed')),
    measure: () => {
      const t0 = performance.now();
      const r = spawnSync(
        process.execPath,
        ['--import', 'tsx', '--import', path.join(here, 'hwm.mjs'), path.join(here, '..', 'src', 'cli', 'main.ts'), ...args()],
        {
          encoding: 'utf8',
        },
      );
      seconds = (performance.now() - t0) / 1000;
      const kb = /peak_rss_kb (\d+)\s*$/.exec(r.stderr);
      if (r.status !== 0 || !kb) throw new Error(`${name}: ${r.stderr.trim().split('\n').slice(-2).join(' ')}`);
      peakGb = +(Number(kb[1]) / 1024 / 1024).toFixed(3);
      return peakGb;
    },
    detail: () => {
      const bound = typeof boundGb === 'number' ? boundGb : boundGb();
      return { seconds: +seconds.toFixed(1), bound_gb: +bound.toFixed(3), within_bound: peakGb <= bound };
    },
  };
};

/** A folder of 20 photos from 200 px to 3000×2250 (the shared content photos resized), made once per run. */
let folder: { dir: string; largest: string; out: string } | undefined;
function photoFolder(): { dir: string; largest: string; out: string } {
  if (folder) return folder;
  const root = mkdtempSync(path.join(os.tmpdir(), 'ds-bench-folder-'));
  const dir = path.join(root, 'photos');
  mkdirSync(dir);
  const content = path.join(packageRoot(), '..', 'shared', 'images', 'content');
  const photos = readdirSync(content)
    .filter((f) => f.endsWith('.jpg'))
    .sort();
  const script = `
    const sharp = require('sharp');
    const [content, dir, photos] = [${JSON.stringify(content)}, ${JSON.stringify(dir)}, ${JSON.stringify(photos)}];
    (async () => {
      for (let i = 0; i < 20; i++) {
        const long = Math.round(200 + (i * (3000 - 200)) / 19);
        await sharp(content + '/' + photos[i % photos.length]).resize(long, Math.round(long * 0.75), { fit: 'fill' }).jpeg({ quality: 90 }).toFile(dir + '/p' + String(i).padStart(2, '0') + '.jpg');
      }
    })();`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', cwd: path.join(here, '..') });
  if (r.status !== 0) throw new Error(`photo folder: ${r.stderr}`);
  folder = { dir, largest: path.join(dir, 'p19.jpg'), out: path.join(root, 'out') };
  return folder;
}
/** The folder's largest photo alone, peak GB: what the folder is bounded by. */
let largestAloneGb = 0;

const content = (name: string) => path.join(packageRoot(), '..', 'shared', 'images', 'content', name);
const scratch = () => mkdtempSync(path.join(os.tmpdir(), 'ds-bench-out-'));
const memoryCases = (): BenchCase[] => [
  peakRss('peak-rss-gb-train-step-256-depth', 'train'),
  peakRss('peak-rss-gb-stylize-4000x3000', 'stylize'),
  peakRss('peak-rss-gb-stylize-arbitrary-4000x3000', 'stylize-arbitrary'),
  peakRss('peak-rss-gb-stylize-100-sizes', 'stylize-sizes'),
  // Issue #34's three jumps, as a user's commands, each with its bound.
  cliPeak(
    'peak-rss-gb-cli-depth-strokes-640x424',
    () => ['stylize', content('darknet_person.jpg'), '--model', 'scream', '--depth-strokes', '2,0.5', '-o', path.join(scratch(), 'out.jpg')],
    1.5,
  ),
  // A folder against its largest photo alone (measured first, in the same run): it may hold two compiled sizes
  // (ImagePrograms keeps two, for folders of portrait and landscape photos), no more.
  (() => {
    const alone = cliPeak(
      'peak-rss-gb-cli-largest-photo-3000x2250',
      () => ['stylize', photoFolder().largest, '--style', 'starry_night', '-o', path.join(scratch(), 'out.jpg')],
      0,
    );
    const folder = cliPeak(
      'peak-rss-gb-cli-folder-20-photos',
      () => ['stylize', photoFolder().dir, '--style', 'starry_night', '-o', photoFolder().out],
      () => 2 * largestAloneGb + 0.1,
    );
    return {
      ...folder,
      measure: () => {
        largestAloneGb = alone.measure!();
        return folder.measure!();
      },
      detail: () => ({ ...folder.detail!(), largest_alone_gb: largestAloneGb }),
    };
  })(),
  cliPeak('peak-rss-gb-cli-eval-979x734', () => ['eval', '--content', content('golden_gate.jpg'), '--stylized', content('golden_gate.jpg')], 1.6),
];

/** Cases a script of their own measures (one JSON line {case, value} per case): no peer, one run. */
function scriptCases(script: string, args: string[], names: string[]): BenchCase[] {
  let out: Map<string, { case: string; value: number } & Record<string, unknown>> | undefined;
  const line = (name: string) => {
    if (!out) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, script), ...args], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${script}: ${r.stderr.trim().split('\n').pop()}`);
      out = new Map(
        r.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { case: string; value: number } & Record<string, unknown>)
          .map((j) => [j.case, j]),
      );
    }
    const v = out.get(name);
    if (v === undefined) throw new Error(`${script} printed no ${name}`);
    return v;
  };
  return names.map((name) => ({
    name,
    setup: () => Promise.reject(new Error('measured, not timed')),
    measure: () => line(name).value,
    // Everything else the script printed for the case (sizes, frames, stages) goes into its row.
    detail: () => {
      const { case: _c, value: _v, ...rest } = line(name);
      return rest;
    },
  }));
}

/** The page in Chromium (bench/page.ts: seconds; bench/webcam.ts: the webcam's frames per second with a fake camera). */
const pageCases = (): BenchCase[] => [
  ...scriptCases(
    'page.ts',
    ['512'],
    ['page-arbitrary-stylize-512-network-s', 'page-arbitrary-stylize-512-network-nodepth-s', 'page-arbitrary-first-result-512-s'],
  ),
  ...scriptCases('webcam.ts', [], ['page-webcam-first-session-256-fps', 'page-webcam-256-fps', 'page-webcam-384-fps']),
];

/** A 540p clip in Node (bench/video.ts): frames per second per network, per frame and with the default stabilization. */
const videoCases = (rt: Runtime): BenchCase[] =>
  scriptCases(
    'video.ts',
    ['1', '--threads', String(rt.threads)],
    ['starry-depth', 'arbitrary'].flatMap((n) => ['none', defaultStabilization({ pixelStrokes: n !== 'arbitrary' })].map((s) => `video-540p-${n}-${s}-fps`)),
  );

/** The command line, start to exit (bench/cli.ts): the start cost, one photo and a folder with a painting. */
const cliCases = (rt: Runtime): BenchCase[] =>
  scriptCases('cli.ts', ['--threads', String(rt.threads)], ['cli-start-s', 'cli-stylize-style-512-s', 'cli-stylize-style-folder-20-s-per-photo']);

const suites: Record<string, (rt: Runtime) => BenchCase[]> = {
  engine: engineCases,
  cli: cliCases,
  models: modelCases,
  optimize: optimizeCases,
  train: trainCases,
  memory: memoryCases,
  page: pageCases,
  video: videoCases,
};

/** Suites that are scripts of their own, writing bench/results/NAME.json themselves. */
const scriptSuites: Record<string, string> = { serve: 'serve-load.ts', scale: 'scale.ts' };

async function main() {
  const args = process.argv.slice(2);
  for (const name of args.filter((a) => scriptSuites[a])) {
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(here, scriptSuites[name])], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`${name}: exit ${r.status}`);
  }
  if (args.length && args.every((a) => scriptSuites[a])) return;
  const runs = Number(args.find((a) => a.startsWith('--runs='))?.slice(7) ?? 7);
  const only = args.find((a) => a.startsWith('--case='))?.slice(7);
  const names = args.filter((a) => !a.startsWith('--'));
  const chosen = (names.length ? names : Object.keys(suites)).filter((n) => !scriptSuites[n]);
  for (const s of chosen) if (!suites[s] && !scriptSuites[s]) throw new Error(`unknown bench suite "${s}"; have: ${Object.keys(suites).join(', ')}`);
  const rt = new Runtime();
  const havePeer = ensurePeer();
  let peak = storedPeak();
  for (const suite of chosen) {
    const cases = suites[suite](rt).filter((c) => !only || c.name === only);
    const results: Result[] = [];
    for (const c of cases) {
      process.stderr.write(`${c.name}: ours… `);
      const caseRuns = c.runs ?? runs;
      if (c.measure) {
        const value = c.measure();
        process.stderr.write(`${value}\n`);
        results.push({ case: c.name, ours_s: value, peer: 'none', peer_s: null, ratio: null, runs: 1, threads: rt.threads, ...c.detail?.() });
        continue;
      }
      const t = await timeCase(c, caseRuns, rt, havePeer);
      const ours = median(t.ours);
      const flops = t.flops;
      const rate = flops / ours / 1e9;
      if (c.name === 'conv3x3-peak') peak = rate;
      const peer = t.peer ? median(t.peer) : null;
      const ratios = t.peer ? t.peer.map((p, i) => t.ours[i] / p) : [];
      const spread = ratios.length ? { ratio_q1: +quantile(ratios, 0.25).toFixed(3), ratio_q3: +quantile(ratios, 0.75).toFixed(3) } : {};
      process.stderr.write(`${ours.toFixed(3)} s (${rate.toFixed(0)} GFLOP/s); peer ${peer?.toFixed(3) ?? '-'} s\n`);
      const roof = flops
        ? { gflop: +(flops / 1e9).toFixed(3), gflop_per_s: +rate.toFixed(1), ...(peak ? { pct_of_peak: +((100 * rate) / peak).toFixed(1) } : {}) }
        : {};
      results.push({
        case: c.name,
        ours_s: ours,
        ...roof,
        peer: 'pytorch-cpu',
        peer_s: peer,
        ratio: ratios.length ? +median(ratios).toFixed(3) : null,
        ...spread,
        runs: caseRuns,
        threads: rt.threads,
      });
    }
    const file = path.join(here, 'results', `${suite}.json`);
    // With --case, the other cases' earlier results are kept.
    let merged = results;
    if (only && existsSync(file)) {
      const earlier = JSON.parse(readFileSync(file, 'utf8')) as Result[];
      merged = earlier.map((r) => results.find((n) => n.case === r.case) ?? r);
      for (const r of results) if (!merged.includes(r)) merged.push(r);
    }
    await writeFileAtomic(file, `${JSON.stringify(merged, null, 2)}\n`);
    console.log(
      `\n${suite} (medians over the runs listed in the JSON, ours and the peer alternating, after warm-up runs; ratio: median of per-pair ratios [quartiles]; ${rt.threads} threads) → ${path.relative(process.cwd(), file)}`,
    );
    console.log(
      [
        'case'.padEnd(32),
        'ours_s'.padStart(8),
        'GFLOP'.padStart(8),
        'GFLOP/s'.padStart(8),
        '%peak'.padStart(6),
        'peer_s'.padStart(8),
        'ratio'.padStart(7),
        '[q1, q3]'.padStart(14),
      ].join(' '),
    );
    for (const r of results)
      console.log(
        [
          r.case.padEnd(32),
          r.ours_s.toFixed(3).padStart(8),
          (r.gflop?.toFixed(2) ?? '-').padStart(8),
          (r.gflop_per_s?.toFixed(0) ?? '-').padStart(8),
          (r.pct_of_peak?.toFixed(0) ?? '-').padStart(6),
          (r.peer_s?.toFixed(3) ?? '-').padStart(8),
          (r.ratio?.toFixed(2) ?? '-').padStart(7),
          (r.ratio_q1 === undefined ? '' : `[${r.ratio_q1.toFixed(2)}, ${r.ratio_q3!.toFixed(2)}]`).padStart(14),
        ].join(' '),
      );
  }
  await rt.dispose();
}

main().catch((err) => {
  console.error(`bench: ${(err as Error).message}`);
  process.exit(1);
});
