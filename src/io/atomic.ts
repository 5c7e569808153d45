// Outputs and checkpoints are written to a temporary file beside the target and
// renamed into place, so an interrupted run never leaves a half-written file.
import { mkdir, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

function tempName(file: string): string {
  return path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
}

/** The error of a failed write, naming the output rather than its hidden temporary file. */
function writeError(file: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOSPC' ? 'no space left on the disk' : code === 'ENOTDIR' || code === 'EEXIST' ? 'a parent is not a folder' : code === 'EISDIR' ? 'it is a folder' : (err as Error).message;
  return new Error(`${file}: cannot write (${why})`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes temporary files of `file` left by processes that died mid-write (kill -9 during a checkpoint). */
async function removeStaleTemps(file: string): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  const prefix = `.${path.basename(file)}.`;
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const n of names) {
    const m = n.startsWith(prefix) ? /^(\d+)\.\d+\.tmp$/.exec(n.slice(prefix.length)) : null;
    if (m && Number(m[1]) !== process.pid && !alive(Number(m[1]))) await unlink(path.join(dir, n)).catch(() => undefined);
  }
}

export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const tmp = tempName(file);
  try {
    await mkdir(path.dirname(path.resolve(file)), { recursive: true });
    await removeStaleTemps(file);
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw writeError(file, err);
  }
}

/** Fails now, with the same message a write would give at the end, if `file` cannot be written. */
export async function assertWritable(file: string): Promise<void> {
  const tmp = tempName(file);
  try {
    await mkdir(path.dirname(path.resolve(file)), { recursive: true });
    await writeFile(tmp, '');
  } catch (err) {
    throw writeError(file, err);
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}
