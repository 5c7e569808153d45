// Honest progress (issue #33): the ETA follows the share of the work (pixels for folders), says "?" until it has
// measured some of it, and a finished job shows ETA 0, not "?".
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Progress } from '../src/cli/progress.js';

/** A fake non-TTY stream that keeps what was written. */
function sink(): NodeJS.WriteStream & { lines: string[] } {
  const lines: string[] = [];
  return { isTTY: false, lines, write: (s: string) => (lines.push(s), true) } as unknown as NodeJS.WriteStream & { lines: string[] };
}

test('a folder whose first photo is small and second big: the ETA follows pixels, and a finished job says ETA 0', async () => {
  const out = sink();
  const p = new Progress('stylize', 2, 0, out);
  p.update(0, {}, 0);
  await new Promise((r) => setTimeout(r, 200));
  // One of two photos done, but only 10 % of the pixels: about nine times the elapsed time is left, not once.
  p.update(1, {}, 0.1);
  p.update(2, {}, 1);
  const eta = (line: string) => /ETA ([\d.]+)s/.exec(line)?.[1];
  const [mid, last] = out.lines;
  assert.ok(Number(eta(mid)) >= 1.5, `ETA after 10 % of the pixels in ~0.2 s: ${mid}`);
  assert.equal(eta(last), '0.0', last);
});

test('no ETA from the first percent of the work', () => {
  const out = sink();
  const p = new Progress('optimize', 300, 0, out);
  p.update(0, {}, 0);
  p.update(1, {}, 0.005);
  assert.match(out.lines[0], /ETA \?/);
});
