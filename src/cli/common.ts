// Options and output naming shared by the CLI commands.
import path from 'node:path';

export interface CommonOptions {
  /** --models DIR (else $DEPTHSTYLE_MODELS, else ../shared/models beside the repo) */
  models?: string;
  threads?: number;
}

const IMAGE_EXT = /\.(png|jpe?g|webp|tiff?)$/i;

/**
 * Output file per input: `out` itself when it names an image file and there is
 * one input; otherwise files named after the inputs inside the folder `out`.
 */
export function outputPaths(inputs: readonly string[], out: string, suffix: string, ext: string): string[] {
  if (IMAGE_EXT.test(out)) {
    if (inputs.length > 1) throw new Error(`-o ${out}: several inputs need an output folder, not a file`);
    return [out];
  }
  const seen = new Set<string>();
  return inputs.map((f) => {
    let name = `${path.basename(f).replace(/\.[^.]+$/, '')}${suffix}`;
    while (seen.has(name)) name += '_';
    seen.add(name);
    return path.join(out, name + ext);
  });
}

/**
 * Ctrl-C handling for long jobs: the first press aborts the returned signal
 * (the job then saves its work), a second press quits at once. Call `done()`
 * when the job is over.
 */
export function interruptible(what: string): { signal: AbortSignal; done: () => void } {
  const abort = new AbortController();
  const onSigint = () => {
    if (abort.signal.aborted) process.exit(130);
    process.stderr.write(`\ninterrupted: ${what} (Ctrl-C again to quit at once)\n`);
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  return { signal: abort.signal, done: () => void process.off('SIGINT', onSigint) };
}
