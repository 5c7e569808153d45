// depthstyle worker --queue redis://HOST:PORT: runs stylize and depth jobs (and clip segments) from a BullMQ queue,
// on any machine that has the models. SIGTERM or Ctrl-C: stops taking jobs and finishes the running one.
import { ModelStore } from '../models/resolver.js';
import { QUEUE_DEFAULTS, checkQueueUrl, startQueueWorker } from '../serve/redis-queue.js';
import { common, int, num, required, type Command } from './args.js';

export const command: Command = {
  name: 'worker',
  usage: '--queue redis://HOST:PORT [--concurrency 1] [--threads N] [--payload-dir DIR]',
  summary: 'run jobs from a Redis job queue (BullMQ) that serve --queue and stylize --queue fill; start one per machine (docs/scale.md)',
  options: {
    queue: { type: 'string', arg: 'URL', help: 'the Redis queue: redis://HOST:PORT, redis://:PASSWORD@HOST:PORT/DB, rediss:// for TLS' },
    concurrency: { type: 'string', arg: 'N', help: 'jobs at once [1]: ONNX Runtime already uses every thread given' },
    zoo: { type: 'string', arg: 'DIR', help: 'folder of the model zoo: the same models as the producers [the repository models/]' },
    'payload-dir': {
      type: 'string',
      arg: 'DIR',
      help: `a folder shared by every machine (NFS, SMB, a bucket mount) for payloads over ${QUEUE_DEFAULTS.maxPayloadBytes / 1e6} MB; smaller ones travel through Redis`,
    },
    'lock-seconds': {
      type: 'string',
      arg: 'S',
      help: `a worker silent this long (killed, frozen) loses its job to another worker [${QUEUE_DEFAULTS.lockMs / 1000}]`,
    },
  },
  run: async (v, positionals) => {
    if (positionals.length) throw new Error(`worker: unexpected argument "${positionals[0]}"`);
    const url = required(v.queue, 'queue');
    checkQueueUrl(url);
    const { models, threads } = common(v);
    const concurrency = int(v.concurrency, 'concurrency') ?? 1;
    const lock = num(v['lock-seconds'], 'lock-seconds');
    if (lock !== undefined && !(lock >= 1)) throw new Error(`--lock-seconds must be at least 1, got ${lock}`);
    const w = startQueueWorker({
      url,
      store: new ModelStore(models),
      zoo: v.zoo as string | undefined,
      threads,
      concurrency,
      payloadDir: v['payload-dir'] as string | undefined,
      lockMs: lock === undefined ? undefined : lock * 1000,
    });
    await w.worker.waitUntilReady();
    process.stderr.write(
      `depthstyle worker: taking jobs from ${new URL(url).host} (concurrency ${concurrency}); SIGTERM or Ctrl-C stops after the running job\n`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    process.stderr.write('depthstyle worker: stopping: finishing the running job\n');
    await w.close();
    return 0;
  },
};
