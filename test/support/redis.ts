// A real redis-server for the job-queue tests, on a free port in a temporary folder (persistence on, so a restart
// keeps the queue), and `depthstyle worker` processes as users start them.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { packageRoot } from '../../src/models/resolver.js';

export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export class RedisServer {
  private proc?: ChildProcess;
  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  static async start(): Promise<RedisServer> {
    const r = new RedisServer(await freePort(), await mkdtemp(path.join(os.tmpdir(), 'depthstyle-redis-')));
    await r.up();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts (or restarts) the server on its port and folder, with the append-only file on. */
  async up(): Promise<void> {
    this.proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes', '--save', ''], {
      stdio: 'ignore',
    });
    const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    for (let i = 0; i < 100; i++) {
      try {
        await probe.connect();
        await probe.ping();
        probe.disconnect();
        return;
      } catch {
        probe.disconnect();
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error(`redis-server did not start on port ${this.port}`);
  }

  /** Stops it as an operator would (SIGTERM: it writes its append-only file and exits). */
  async down(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((r) => {
      p.once('exit', () => r());
      p.kill('SIGTERM');
    });
  }
}

/** `depthstyle worker --queue URL …` as a child process; resolves once it takes jobs. */
export async function startWorker(url: string, ...args: string[]): Promise<ChildProcess & { log: string[] }> {
  const p = spawn(process.execPath, [path.join(packageRoot(), 'bin', 'depthstyle.js'), 'worker', '--queue', url, '--threads', '1', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  }) as ChildProcess & { log: string[] };
  p.log = [];
  await new Promise<void>((resolve, reject) => {
    p.stderr!.setEncoding('utf8');
    p.stderr!.on('data', (d: string) => {
      p.log.push(...d.split('\n').filter(Boolean));
      if (/taking jobs/.test(d)) resolve();
    });
    p.once('exit', (code) => reject(new Error(`the worker exited (${code}): ${p.log.join(' / ')}`)));
  });
  return p;
}

export async function stopWorker(p: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  await new Promise<void>((r) => {
    p.once('exit', () => r());
    p.kill(signal);
  });
}
