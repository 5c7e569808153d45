// A benchmark case held warm in another process, timed one run at a time on request, so that two sides (ours and
// the PyTorch peer, or two revisions of ours) can alternate run by run and a machine drifting over minutes moves
// both alike. Protocol: the process prints "ready" after its warm-up runs, then answers each "run" line on stdin
// with one line of JSON {seconds}, until stdin closes (bench/peer.py, bench/serve.ts).
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export class ServedCase {
  private lines: AsyncIterableIterator<string>;
  private stderr = '';
  private constructor(private proc: ChildProcessWithoutNullStreams) {
    this.lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
    proc.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
  }
  static async start(command: string, args: string[], env: Record<string, string> = {}, cwd?: string): Promise<ServedCase> {
    const served = new ServedCase(spawn(command, args, { env: { ...process.env, ...env }, cwd }));
    await served.next('ready');
    return served;
  }
  private async next(expect?: string): Promise<string> {
    const { value, done } = await this.lines.next();
    if (done || (expect && value !== expect)) throw new Error(this.stderr.trim().split('\n').pop() || `exited before "${expect ?? 'a result'}"`);
    return value;
  }
  async run(): Promise<number> {
    this.proc.stdin.write('run\n');
    return (JSON.parse(await this.next()) as { seconds: number }).seconds;
  }
  stop(): void {
    this.proc.stdin.end();
  }
}

export function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const i = q * (s.length - 1);
  const lo = Math.floor(i);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (i - lo);
}
export const median = (xs: number[]) => quantile(xs, 0.5);
/** Lets the other side's spinning threads settle before a timed run. */
export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
