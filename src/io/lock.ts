// A run's lock file (`RUN.lock`, holding the owner's pid): two processes writing one training run's
// checkpoint and log would interleave them. A lock whose process is gone (kill -9) is taken over.
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';

/** Whether a process with this pid exists (EPERM: it does, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock or throws a one-line error naming its holder; returns the release. */
export function lockRun(file: string, what: string): () => void {
  for (let tries = 0; tries < 2; tries++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      const release = () => {
        try {
          if (readFileSync(file, 'utf8') === String(process.pid)) unlinkSync(file);
        } catch {
          // already gone
        }
      };
      process.once('exit', release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`${file}: cannot create the lock (${(err as Error).message})`);
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid))
        throw new Error(`${what} is in use by another process (pid ${pid}, ${file}); wait for it or stop it first`);
      unlinkSync(file); // stale: its process is gone
    }
  }
  throw new Error(`${file}: cannot take the lock`);
}
