// Options and output naming shared by the CLI commands.
import { existsSync, realpathSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { OUTPUT_IMAGE_FILE, listImages } from '../io/files.js';
import { checkImage, imagePixels } from '../io/image.js';
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

/** A secondary output beside `file`: its name without the extension, plus `suffix` (`out.jpg` → `out.depth.jpg`). */
export function besideOutput(file: string, suffix: string): string {
  return file.replace(/\.[^./\\]+$/, '') + suffix;
}

/** The file itself: its device and inode (one for all its hard links and symlinks), or its absolute path if it does not exist yet. */
function identity(file: string): string {
  try {
    const st = statSync(file);
    return `inode:${st.dev}:${st.ino}`;
  } catch {
    try {
      return realpathSync(file);
    } catch {
      return path.resolve(file);
    }
  }
}

/** A user's input is never an output, under any name (symlinks, hard links): refuse before anything is written. */
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
  return (await unreadableInputs(label, inputs)).length === 0;
}

/** Checks every input (each bad one gets its line) and returns the unreadable ones; says "nothing written" unless `keepGoing`. */
async function unreadableInputs(label: string, inputs: readonly string[], keepGoing?: boolean): Promise<string[]> {
  const bad: string[] = [];
  for (const f of inputs)
    await checkImage(f).catch((err: Error) => {
      bad.push(f);
      process.stderr.write(`depthstyle: ${err.message}\n`);
    });
  if (bad.length && keepGoing === undefined) process.stderr.write(`${label}: ${bad.length} of ${inputs.length} inputs cannot be read; nothing written\n`);
  if (bad.length && keepGoing === false)
    process.stderr.write(
      `${label}: ${bad.length} of ${inputs.length} inputs cannot be read; nothing written${bad.length < inputs.length ? ` (add --keep-going to process the ${inputs.length - bad.length} readable ones)` : ''}\n`,
    );
  if (bad.length && keepGoing)
    process.stderr.write(
      `${label}: ${bad.length} of ${inputs.length} inputs cannot be read; going on with the other ${inputs.length - bad.length} (--keep-going)\n`,
    );
  return bad;
}

/**
 * Checks every input (checkInputs), then loads what the work needs (`prepare`: models, after the cheap checks),
 * then runs the work on each input in turn with a progress bar. A file that still fails later gets its line, the
 * others go on, and a closing line counts the failures. Every file written (the work returns them) is listed at
 * the end. Returns the exit code.
 */
export async function eachInput(
  label: string,
  inputs: readonly string[],
  prepare: () => Promise<(i: number, onProgress: (fraction: number) => void) => Promise<string[]>>,
  o: { keepGoing?: boolean; concurrency?: number } = {},
): Promise<number> {
  const bad = await unreadableInputs(label, inputs, o.keepGoing ?? false);
  if (bad.length && (!o.keepGoing || bad.length === inputs.length)) return 1;
  const todo = inputs.map((_, i) => i).filter((i) => !bad.includes(inputs[i]));
  const work = await prepare();
  const progress = new Progress(label, todo.length);
  // Progress and its ETA follow pixels, not files: a folder of one 12 MP photo and small ones is not "half done"
  // after the small ones (--max-size caps what is stylized, so a weight is capped the same way by the caller's work).
  const pixels = await Promise.all(todo.map((i) => imagePixels(inputs[i])));
  const allPixels = pixels.reduce((a, b) => a + b, 0);
  let pixelsDone = 0;
  const failed: string[] = [...bad];
  const written: string[][] = todo.map(() => []);
  // Inputs in flight at once: one here; as many as the job queue's workers can take with --queue.
  let next = 0;
  let finished = 0;
  const inFlight = new Map<number, number>();
  const fraction = () => (pixelsDone + [...inFlight].reduce((a, [k, f]) => a + f * pixels[k], 0)) / allPixels;
  const runOne = async (k: number) => {
    const i = todo[k];
    inFlight.set(k, 0);
    try {
      // Within one input (tiles of a big photo), progress moves by its fraction.
      written[k] = await work(i, (f) => {
        inFlight.set(k, Math.min(1, Math.max(0, f)));
        progress.update(finished + Math.min(1, Math.max(0, f)), {}, fraction());
      });
    } catch (err) {
      failed.push(inputs[i]);
      process.stderr.write(`\ndepthstyle: ${(err as Error).message}\n`);
    }
    inFlight.delete(k);
    pixelsDone += pixels[k];
    progress.update(++finished, {}, fraction());
  };
  const lane = async () => {
    while (next < todo.length) await runOne(next++);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.concurrency ?? 1, todo.length)) }, lane));
  if (written.flat().length)
    process.stderr.write(
      `\n${written
        .flat()
        .map((f) => `wrote ${f}`)
        .join('\n')}\n`,
    );
  if (failed.length) process.stderr.write(`${label}: ${failed.length} of ${inputs.length} inputs failed: ${failed.join(', ')}\n`);
  return failed.length ? 1 : 0;
}
