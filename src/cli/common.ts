// Options and output naming shared by the CLI commands.
import { existsSync, realpathSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { OUTPUT_IMAGE_FILE, listImages } from '../io/files.js';
import { checkImage } from '../io/image.js';
import { Progress } from './progress.js';

export interface CommonOptions {
  /** --models DIR (else $DEPTHSTYLE_MODELS, else ../shared/models beside the repo) */
  models?: string;
  threads?: number;
}


/**
 * Output file per input: `out` itself when it names an image file and there is
 * one input; otherwise files named after the inputs inside the folder `out`.
 */
export function outputPaths(inputs: readonly string[], out: string, suffix: string, ext: string): string[] {
  if (path.extname(out) && !OUTPUT_IMAGE_FILE.test(out) && !existsSync(out))
    throw new Error(`-o ${out}: give an image file name (.png, .jpg, .webp, .tif) or a folder`);
  if (OUTPUT_IMAGE_FILE.test(out)) {
    if (inputs.length > 1) throw new Error(`-o ${out}: several inputs need an output folder, not a file`);
    refuseInputsAsOutputs([out], inputs);
    return [out];
  }
  const seen = new Set<string>();
  const outs = inputs.map((f) => {
    let name = `${path.basename(f).replace(/\.[^.]+$/, '')}${suffix}`;
    while (seen.has(name)) name += '_';
    seen.add(name);
    return path.join(out, name + ext);
  });
  refuseInputsAsOutputs(outs, inputs);
  return outs;
}

/** The file itself, through any symlinks, or its absolute path if it does not exist yet. */
function identity(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return path.resolve(file);
  }
}

/** A user's input is never an output: refuse before anything is written. */
export function refuseInputsAsOutputs(outputs: readonly string[], inputs: readonly string[]): void {
  const ins = new Set(inputs.map(identity));
  for (const o of outputs) if (ins.has(identity(o))) throw new Error(`-o ${o}: that is an input file; it would be overwritten — choose another output`);
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

/** Expands folders to the images inside them (recursively); anything else is left for checkInputs to judge. */
export async function expandInputs(inputs: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const i of inputs) {
    const s = await stat(i).catch(() => undefined);
    if (s?.isDirectory()) out.push(...(await listImages(i)));
    else out.push(i);
  }
  return out;
}

/**
 * Decodes every input (as a thumbnail) before any work: each bad file gets its line, then one closing line.
 * Returns whether all can be read.
 */
export async function checkInputs(label: string, inputs: readonly string[]): Promise<boolean> {
  let unreadable = 0;
  for (const f of inputs)
    await checkImage(f).catch((err: Error) => {
      unreadable++;
      process.stderr.write(`depthstyle: ${err.message}\n`);
    });
  if (unreadable) process.stderr.write(`${label}: ${unreadable} of ${inputs.length} inputs cannot be read; nothing written\n`);
  return !unreadable;
}

/**
 * Checks every input (checkInputs), then loads what the work needs (`prepare`: models, after the cheap checks),
 * then runs the work on each input in turn with a progress bar. A file that still fails later gets its line, the
 * others go on, and a closing line counts the failures. Every file written (the work returns them) is listed at
 * the end. Returns the exit code.
 */
export async function eachInput(label: string, inputs: readonly string[], prepare: () => Promise<(i: number) => Promise<string[]>>): Promise<number> {
  if (!(await checkInputs(label, inputs))) return 1;
  const work = await prepare();
  const progress = new Progress(label, inputs.length);
  let failed = 0;
  const written: string[] = [];
  for (let i = 0; i < inputs.length; i++) {
    try {
      written.push(...(await work(i)));
    } catch (err) {
      failed++;
      process.stderr.write(`\ndepthstyle: ${(err as Error).message}\n`);
    }
    progress.update(i + 1);
  }
  if (written.length) process.stderr.write(`\n${written.map((f) => `wrote ${f}`).join('\n')}\n`);
  if (failed) process.stderr.write(`${label}: ${failed} of ${inputs.length} inputs failed (see above)\n`);
  return failed ? 1 : 0;
}
