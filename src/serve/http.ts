// HTTP building blocks of `serve`: errors with a status, answers without internals, uploads read under a
// per-request and a global byte budget (refused from Content-Length before a byte is read), and the Host and
// Origin checks that keep other web sites (and DNS rebinding) away from the API.
import type http from 'node:http';
import { existsSync } from 'node:fs';
import busboy from 'busboy';
import path from 'node:path';
import { ISOLATION_HEADERS } from './assets.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
    /** Close the connection after answering (an upload refused unread is not drained). */
    readonly close = false,
  ) {
    super(message);
  }
}

/** Error text for a client: absolute paths (model files, folders) become their last part. */
export function publicMessage(message: string): string {
  // Only paths of this machine's file system: an API path in a message (/api/models) is kept as it is.
  return message.replace(/(?:[A-Za-z]:)?(?:[/\\][\w.@+-]+){2,}[/\\]?/g, (p) => (existsSync(path.dirname(p)) ? path.basename(p) : p));
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...ISOLATION_HEADERS, 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers }).end(JSON.stringify(body));
}

/** Bytes held by uploads being read, across all requests: a flood of large uploads is refused, not buffered. */
export class ByteBudget {
  private used = 0;
  constructor(readonly limit: number) {}
  get inUse(): number {
    return this.used;
  }
  take(n: number): boolean {
    if (this.used + n > this.limit) return false;
    this.used += n;
    return true;
  }
  give(n: number): void {
    this.used = Math.max(0, this.used - n);
  }
}

/**
 * Reads a request body of at most `limit` bytes within the shared `budget`. A declared length over either is
 * refused before reading; an undeclared one is counted as it arrives. The bytes stay charged to the budget
 * until `release` (after decoding).
 */
export async function readBody(
  req: http.IncomingMessage,
  limit: number,
  budget: ByteBudget,
  timeoutMs = 30_000,
  /** Takes each chunk as it arrives instead of keeping it (an incremental parser); the body returned is then empty. */
  onChunk?: (chunk: Buffer) => void,
): Promise<{ body: Buffer; release: () => void }> {
  const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
  if (declared !== undefined && !(declared >= 0)) throw new HttpError(400, 'bad Content-Length', {}, true);
  if (declared !== undefined && declared > limit) throw new HttpError(413, `upload of ${declared} bytes is above the limit of ${limit}`, {}, true);
  let charged = 0;
  const charge = (n: number) => {
    if (!budget.take(n)) throw new HttpError(503, 'busy: too many uploads at once; retry in a few seconds', { 'Retry-After': '5' }, true);
    charged += n;
  };
  const release = () => {
    budget.give(charged);
    charged = 0;
  };
  let late = false;
  const timer = setTimeout(() => {
    late = true;
    req.destroy(new Error('upload too slow'));
  }, timeoutMs);
  try {
    if (declared !== undefined) charge(declared);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > limit) throw new HttpError(413, `upload is above the limit of ${limit} bytes`, {}, true);
      if (declared === undefined) charge((c as Buffer).length);
      if (onChunk) onChunk(c as Buffer);
      else chunks.push(c as Buffer);
    }
    return { body: Buffer.concat(chunks), release };
  } catch (err) {
    release();
    if (late) throw new HttpError(408, `the upload did not arrive within ${timeoutMs / 1000} s`, {}, true);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** What a form may hold: a few parts with short headers (a body of 440,000 tiny parts is refused at the 9th). */
export const FORM_LIMITS = { parts: 8, files: 6, fields: 4, fieldSize: 1024, headerPairs: 8 } as const;

export interface Form {
  /** File parts by field name, in order (several `painting` parts mix). */
  files: Map<string, Buffer[]>;
  fields: Map<string, string>;
  release: () => void;
}

/**
 * Reads a multipart/form-data body incrementally (busboy), as it arrives, under the same byte limits as
 * readBody, with FORM_LIMITS on the number of parts and the size of their headers: a hostile form costs at most
 * one pass over its bytes and holds no per-part state beyond the limits.
 */
export async function readForm(req: http.IncomingMessage, limit: number, budget: ByteBudget, timeoutMs = 30_000): Promise<Form> {
  let bb: busboy.Busboy;
  try {
    bb = busboy({ headers: req.headers, limits: { ...FORM_LIMITS, fileSize: limit } });
  } catch {
    throw new HttpError(400, 'malformed multipart/form-data: the Content-Type needs a boundary', {}, true);
  }
  const files = new Map<string, Buffer[]>();
  const fields = new Map<string, string>();
  let refused: HttpError | undefined;
  const refuse = (why: string) => (refused ??= new HttpError(400, why, {}, true));
  bb.on('file', (name, stream) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => files.set(name, [...(files.get(name) ?? []), Buffer.concat(chunks)]));
  });
  bb.on('field', (name, value, info) => {
    if (info.valueTruncated) refuse(`form field "${name.slice(0, 40)}" is longer than ${FORM_LIMITS.fieldSize} bytes`);
    fields.set(name, value);
  });
  for (const e of ['partsLimit', 'filesLimit', 'fieldsLimit'] as const)
    bb.on(e, () => refuse(`the form has too many parts (at most ${FORM_LIMITS.parts}: "photo" and up to ${FORM_LIMITS.files - 1} "painting" files)`));
  const finished = new Promise<void>((resolve, reject) => {
    bb.on('close', resolve);
    bb.on('error', (err: Error) => reject(refuse(`malformed multipart/form-data body (${err.message.slice(0, 80)})`)));
  });
  finished.catch(() => undefined);
  const { release } = await readBody(req, limit, budget, timeoutMs, (c) => {
    if (refused) throw refused;
    bb.write(c);
  });
  try {
    if (refused) throw refused;
    bb.end();
    await finished;
    if (refused) throw refused;
  } catch (err) {
    release();
    throw err;
  }
  return { files, fields, release };
}

/** Hostnames the server answers to: loopback names, the address it listens on, and any the user allowed. */
export function allowedHosts(listenHost: string, extra: readonly string[] = []): Set<string> {
  const bare = (h: string) => h.replace(/^\[|\]$/g, '').toLowerCase();
  return new Set(['localhost', '127.0.0.1', '::1', bare(listenHost), ...extra.map(bare)].filter((h) => h && h !== '0.0.0.0' && h !== '::'));
}

/**
 * Refuses (403) a request for another host name (DNS rebinding: evil.example resolving to 127.0.0.1) and, for
 * the API, one sent by another web site (its Origin, or the browser's Sec-Fetch-Site): the page at this
 * server's own origin works, curl and scripts (no Origin) work, nothing else drives this machine's CPU.
 */
export function checkOrigin(req: http.IncomingMessage, hosts: ReadonlySet<string>, port: number, api: boolean): void {
  const host = req.headers.host ?? '';
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
  const name = m?.[1].replace(/^\[|\]$/g, '').toLowerCase();
  if (!m || !name || !hosts.has(name) || (m[2] !== undefined && Number(m[2]) !== port))
    throw new HttpError(403, `this server does not answer for host "${host.slice(0, 100)}" (serve --allow-host adds names)`);
  if (!api) return;
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let ok = false;
    try {
      const u = new URL(origin);
      ok = u.protocol === 'http:' && hosts.has(u.hostname.replace(/^\[|\]$/g, '').toLowerCase()) && Number(u.port || 80) === port;
    } catch {
      ok = false;
    }
    if (!ok) throw new HttpError(403, 'cross-origin requests are refused: use the page this server serves, or call the API without a browser');
  }
  if (req.headers['sec-fetch-site'] === 'cross-site') throw new HttpError(403, 'cross-site requests are refused');
}
