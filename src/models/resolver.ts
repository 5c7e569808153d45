// The one way models are found: `--models DIR`, else $DEPTHSTYLE_MODELS, else
// ../shared/models beside the repository. Every file read is checked against
// SHA256SUMS when the folder (or its parent) has one. Converted models are
// cached under $DEPTHSTYLE_CACHE (default ~/.cache/depthstyle), keyed by the
// checksums of their sources; an entry whose own checksum does not match is
// rebuilt, never trusted.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../io/atomic.js';

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The repository (package) root: the nearest folder above this file with our package.json. */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (existsSync(pj) && (JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'depthstyle') return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the depthstyle package root');
    dir = up;
  }
}

/**
 * Where models are looked for when neither `--models DIR` (the library's `models`/`store` option) nor
 * $DEPTHSTYLE_MODELS says: `shared/models` beside the checkout (../shared/models), or, for a package installed
 * into a project (node_modules/depthstyle), beside that project. The first that exists; else the checkout's.
 */
export function defaultModelsDir(): string {
  const root = packageRoot();
  const candidates = [path.join(root, '..', 'shared', 'models')];
  const nm = root.lastIndexOf(`${path.sep}node_modules${path.sep}`);
  if (nm >= 0) {
    const project = root.slice(0, nm);
    candidates.push(path.join(project, '..', 'shared', 'models'), path.join(project, 'shared', 'models'));
  }
  return candidates.find((d) => existsSync(d)) ?? candidates[0];
}

export interface ModelFile {
  path: string;
  bytes: Uint8Array;
  sha256: string;
}

export class ModelStore {
  readonly dir: string;
  private sums?: Map<string, string>;

  constructor(dir?: string) {
    this.dir = path.resolve(dir ?? process.env.DEPTHSTYLE_MODELS ?? defaultModelsDir());
  }

  /** The shared data folder the models folder sits in (../shared: images/ beside models/). */
  get sharedDir(): string {
    return path.dirname(this.dir);
  }

  /** Known checksums, by absolute path, from SHA256SUMS in the models folder or its parent. */
  private checksums(): Map<string, string> {
    if (this.sums) return this.sums;
    this.sums = new Map();
    for (const base of [this.dir, path.dirname(this.dir)]) {
      const f = path.join(base, 'SHA256SUMS');
      if (!existsSync(f)) continue;
      for (const line of readFileSync(f, 'utf8').split('\n')) {
        const m = /^([0-9a-f]{64})\s+\*?(.+)$/.exec(line.trim());
        if (m) this.sums.set(path.resolve(base, m[2]), m[1]);
      }
    }
    return this.sums;
  }

  has(rel: string): boolean {
    return existsSync(path.join(this.dir, rel));
  }

  /** Reads a model file, verifying its checksum when one is listed. */
  async read(rel: string): Promise<ModelFile> {
    const file = path.join(this.dir, rel);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch {
      throw new Error(
        `model file not found: ${file}. Put the depthstyle model files in ${this.dir}, or point --models DIR / DEPTHSTYLE_MODELS at the folder that holds them (see README, "Models").`,
      );
    }
    const digest = sha256(bytes);
    const want = this.checksums().get(path.resolve(file));
    if (want && want !== digest)
      throw new Error(
        `${file}: checksum mismatch (SHA256SUMS lists ${want.slice(0, 12)}…, file is ${digest.slice(0, 12)}…): the file is corrupt or was replaced`,
      );
    return { path: file, bytes, sha256: digest };
  }
}

export function cacheDir(): string {
  return path.resolve(process.env.DEPTHSTYLE_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'depthstyle'));
}

let warnedCache = false;

interface CacheMeta {
  key: string;
  sha256: string;
  bytes: number;
}

/**
 * Returns the cached bytes for `name` if they were made from sources with
 * this `key` and are intact; otherwise runs `make`, stores and returns its result.
 */
export async function cached(
  name: string,
  key: string,
  make: () => Promise<Uint8Array> | Uint8Array,
): Promise<{ bytes: Uint8Array; hit: boolean; file: string }> {
  const dir = cacheDir();
  const file = path.join(dir, name);
  const metaFile = `${file}.json`;
  try {
    const meta = JSON.parse(await readFile(metaFile, 'utf8')) as CacheMeta;
    if (meta.key === key && (await stat(file)).size === meta.bytes) {
      const bytes = await readFile(file);
      if (sha256(bytes) === meta.sha256) return { bytes, hit: true, file };
    }
  } catch {
    // missing or unreadable entry: rebuild below
  }
  const bytes = await make();
  try {
    await writeFileAtomic(file, bytes);
    await writeFileAtomic(metaFile, JSON.stringify({ key, sha256: sha256(bytes), bytes: bytes.length } satisfies CacheMeta));
  } catch (err) {
    // An unwritable cache (EACCES, a folder where the entry should be, a full disk) costs time, not the run.
    if (!warnedCache)
      process.stderr.write(
        `warning: cannot write the model cache (${(err as Error).message}); working without it (set DEPTHSTYLE_CACHE to a writable folder)\n`,
      );
    warnedCache = true;
  }
  return { bytes, hit: false, file };
}
