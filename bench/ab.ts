// Interleaved A/B of two revisions of ours on one bench case: `npm run bench:ab -- REV CASE [--pairs=N]`.
// REV (any git revision; its tree is exported to $TMPDIR/depthstyle-ab/SHA, sharing this checkout's node_modules)
// and this checkout each hold the case warm in a process of their own (served.ts); the two run alternately, the
// order flipped every pair, and the median of the per-pair ratios this/REV is reported: a 2–3 % change shows on a
// machine whose speed drifts by 10–25 % within minutes, where two bench runs minutes apart would hide it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServedCase, median, pause, quantile } from './served.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The tree of `rev`, exported once (no worktree metadata left in .git). */
function exportRevision(rev: string): { sha: string; root: string } {
  const sha = execFileSync('git', ['rev-parse', '--verify', `${rev}^{commit}`], { cwd: repo, encoding: 'utf8' }).trim();
  const root = path.join(os.tmpdir(), 'depthstyle-ab', sha);
  if (!existsSync(path.join(root, 'package.json'))) {
    mkdirSync(root, { recursive: true });
    execFileSync('sh', ['-c', `git archive ${sha} | tar -x -C "${root}"`], { cwd: repo });
  }
  if (!existsSync(path.join(root, 'node_modules'))) symlinkSync(path.join(repo, 'node_modules'), path.join(root, 'node_modules'));
  return { sha, root };
}

async function main() {
  const args = process.argv.slice(2);
  const [rev, name] = args.filter((a) => !a.startsWith('--'));
  if (!rev || !name) throw new Error('usage: npm run bench:ab -- REV CASE [--pairs=N]');
  const pairs = Number(args.find((a) => a.startsWith('--pairs='))?.slice(8) ?? 10);
  if (!(Number.isInteger(pairs) && pairs >= 1)) throw new Error(`--pairs must be a whole number ≥ 1`);
  const base = exportRevision(rev);
  // Both sides read the same models (a bare exported tree has no ../shared beside it).
  const env = { DEPTHSTYLE_MODELS: process.env.DEPTHSTYLE_MODELS ?? path.join(repo, '..', 'shared', 'models') };
  const serve = (root: string) => ServedCase.start(process.execPath, ['--import', 'tsx', path.join(repo, 'bench', 'serve.ts'), root, name], env, repo);
  process.stderr.write(`ab: ${name}, ${rev} (${base.sha.slice(0, 7)}) against this checkout, ${pairs} pairs… `);
  const [a, b] = [await serve(base.root), await serve(repo)];
  const ta: number[] = [];
  const tb: number[] = [];
  try {
    for (let i = 0; i < pairs; i++) {
      for (const side of i % 2 ? [b, a] : [a, b]) {
        await pause(100);
        (side === a ? ta : tb).push(await side.run());
      }
    }
  } finally {
    a.stop();
    b.stop();
  }
  const ratios = tb.map((t, i) => t / ta[i]);
  const result = {
    case: name,
    base: rev,
    base_sha: base.sha,
    base_s: +median(ta).toFixed(4),
    this_s: +median(tb).toFixed(4),
    ratio: +median(ratios).toFixed(3),
    ratio_q1: +quantile(ratios, 0.25).toFixed(3),
    ratio_q3: +quantile(ratios, 0.75).toFixed(3),
    faster_pairs: `${ratios.filter((r) => r < 1).length} of ${pairs}`,
  };
  process.stderr.write(`this/${rev} ${result.ratio} [${result.ratio_q1}, ${result.ratio_q3}]\n`);
  console.log(JSON.stringify(result));
}

main().catch((err) => {
  console.error(`bench:ab: ${(err as Error).message}`);
  process.exit(1);
});
