// Preloaded into a command the memory suite runs (node --import ./bench/hwm.mjs …): on exit, the process's peak
// resident memory (VmHWM) as the last line of stderr, `peak_rss_kb N`.
import { readFileSync, writeSync } from 'node:fs';

process.on('exit', () => {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  if (m) writeSync(2, `\npeak_rss_kb ${m[1]}\n`);
});
