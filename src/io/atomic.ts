// Outputs and checkpoints are written to a temporary file beside the target and
// renamed into place, so an interrupted run never leaves a half-written file.
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { processAlive as alive } from './lock.js';

/** A name no user would choose: `.NAME.depthstyle-PID-RANDOM.tmp`, the writing process's id inside. */
function tempName(file: string): string {
  return path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.depthstyle-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

/** The error of a failed write, naming the output rather than its hidden temporary file. */
function writeError(file: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === 'EROFILE'
      ? 'the file is read-only; it is not replaced'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'ENOSPC'
          ? 'no space left on the disk'
          : code === 'ENOTDIR' || code === 'EEXIST'
            ? 'a parent is not a folder'
            : code === 'EISDIR'
              ? 'it is a folder'
              : (err as Error).message;
  return new Error(`${file}: cannot write (${why})`);
}

/** Our temporary files, and only ours: `.NAME.depthstyle-PID-RANDOM.tmp` (8 hex digits). */
export const TEMP_FILE = /^\..+\.depthstyle-(\d+)-[0-9a-f]{8}\.tmp$/;

/**
 * Removes the temporary files in `file`'s folder left by processes that died mid-write (kill -9 during a
 * checkpoint), whichever output they were for: a folder that is written to again is cleaned, not only a file.
 */
async function removeStaleTemps(file: string): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const n of names) {
    const m = TEMP_FILE.exec(n);
    if (!m || Number(m[1]) === process.pid || alive(Number(m[1]))) continue;
    // Only a plain file with no other name (a hard link elsewhere would make it someone's file too).
    const st = await lstat(path.join(dir, n)).catch(() => undefined);
    if (st?.isFile() && st.nlink === 1) await unlink(path.join(dir, n)).catch(() => undefined);
  }
}

/**
 * A read-only file is not ours to replace: a rename would do it silently (for root too), so it is refused
 * like a failed write. A missing file is fine.
 */
async function refuseReadOnly(file: string): Promise<void> {
  const st = await stat(file).catch(() => undefined);
  if (st?.isFile() && (st.mode & 0o222) === 0) throw Object.assign(new Error('read-only'), { code: 'EROFILE' });
}

export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const tmp = tempName(file);
  try {
    await mkdir(path.dirname(path.resolve(file)), { recursive: true });
    await removeStaleTemps(file);
    await refuseReadOnly(file);
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
    await refuseReadOnly(file);
    await writeFile(tmp, '');
  } catch (err) {
    throw writeError(file, err);
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/**
 * For outputs written by another program (ffmpeg): `write` fills a temporary file beside `file`, which is renamed
 * into place when it succeeds and removed when it fails or throws (an interrupted job leaves nothing).
 */
export async function writeAtomicWith(file: string, write: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = tempName(file);
  try {
    await mkdir(path.dirname(path.resolve(file)), { recursive: true });
    await removeStaleTemps(file);
    await refuseReadOnly(file);
  } catch (err) {
    throw writeError(file, err);
  }
  try {
    await write(tmp);
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw (err as NodeJS.ErrnoException).code ? writeError(file, err) : err;
  }
}
