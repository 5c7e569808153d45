// depthstyle serve: the page (stylizes in the browser) and the HTTP API, on loopback (or, by explicit choice, another address).
import { SERVE_DEFAULTS, SERVER_MAX_PIXELS, serve } from '../serve/server.js';
import { ModelStore } from '../models/resolver.js';
import { checkQueueUrl } from '../serve/redis-queue.js';
import { common, int, list, num, type Command } from './args.js';

export const command: Command = {
  name: 'serve',
  usage: `[--port ${SERVE_DEFAULTS.port}] [--host ${SERVE_DEFAULTS.host}] [options]`,
  summary: 'the page (open it in a browser: stylizes there, shows depth) and an HTTP API: POST /api/stylize?model=NAME, POST /api/depth, GET /api/models',
  options: {
    port: { type: 'string', arg: 'N', help: `[${SERVE_DEFAULTS.port}]` },
    host: { type: 'string', arg: 'ADDRESS', help: `where to listen [${SERVE_DEFAULTS.host}]; another address lets other machines use this one` },
    zoo: { type: 'string', arg: 'DIR', help: 'folder of the model zoo (NAME.onnx) [the repository models/]' },
    'max-queue': { type: 'string', arg: 'N', help: `requests that may wait behind the running one; more get 503 [${SERVE_DEFAULTS.maxQueue}]` },
    'allow-host': {
      type: 'string',
      arg: 'NAME,...',
      help: 'further host names to answer to, for a deployment behind a name (loopback names and --host always are); any other Host header gets 403',
    },
    'max-side': { type: 'string', arg: 'N', help: `photos are shrunk to this long side [${SERVE_DEFAULTS.maxSide}]` },
    timeout: {
      type: 'string',
      arg: 'SECONDS',
      help: `a request not done this long after it arrived gets 504, and its job is stopped [${SERVE_DEFAULTS.timeoutMs / 1000}]`,
    },
    'max-pixels': {
      type: 'string',
      arg: 'N',
      help: `refuse uploads (photos and paintings) with more pixels than this, from their header [${SERVER_MAX_PIXELS.toExponential().replace('+', '')}]`,
    },
    queue: {
      type: 'string',
      arg: 'URL',
      help: 'a Redis job queue (redis://HOST:PORT): jobs run on `depthstyle worker`s anywhere, POST /api/jobs takes jobs to poll; several servers may share it (docs/scale.md) [in-process]',
    },
    'payload-dir': { type: 'string', arg: 'DIR', help: 'with --queue: a folder every worker mounts, for payloads over the Redis limit' },
    'max-connections-per-client': {
      type: 'string',
      arg: 'N',
      help: `connections from one address that have not sent a whole request head yet (a slowloris flood fills only its own share) [${SERVE_DEFAULTS.maxConnectionsPerClient}]`,
    },
  },
  run: async (v, positionals) => {
    if (positionals.length) throw new Error(`serve: unexpected argument "${positionals[0]}"`);
    const port = v.port === undefined ? SERVE_DEFAULTS.port : Number(v.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be from 0 to 65535, got "${String(v.port)}"`);
    const host = (v.host as string | undefined) ?? SERVE_DEFAULTS.host;
    if (!host.trim()) throw new Error('--host needs an address (127.0.0.1, ::1, 0.0.0.0, …); an empty one would listen everywhere');
    const { models, threads } = common(v);
    if (v['payload-dir'] !== undefined && v.queue === undefined) throw new Error('--payload-dir needs --queue');
    const timeout = num(v.timeout, 'timeout');
    if (timeout !== undefined && !(timeout >= 1)) throw new Error(`--timeout must be at least 1 second, got ${timeout}`);
    const s = await serve({
      port,
      host,
      allowHosts: list(v['allow-host'], 'allow-host'),
      zoo: v.zoo as string | undefined,
      store: new ModelStore(models),
      threads,
      maxQueue: int(v['max-queue'], 'max-queue'),
      maxPixels: num(v['max-pixels'], 'max-pixels'),
      maxSide: int(v['max-side'], 'max-side'),
      timeoutMs: timeout === undefined ? undefined : timeout * 1000,
      maxConnectionsPerClient: int(v['max-connections-per-client'], 'max-connections-per-client'),
      queueUrl: v.queue === undefined ? undefined : checkQueueUrl(v.queue as string).href,
      payloadDir: v['payload-dir'] as string | undefined,
    });
    if (!['127.0.0.1', '::1', 'localhost'].includes(host))
      process.stderr.write(`warning: listening on ${host}: anyone who can reach it can use this machine to stylize\n`);
    process.stderr.write(`depthstyle serve: open ${s.url}/ in a browser; API: GET /api/models, POST /api/stylize?model=NAME, POST /api/depth. Ctrl-C stops\n`);
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    await s.close();
    return 0;
  },
};
