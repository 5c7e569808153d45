// The command table's building blocks: a command is a name, a usage line, its
// options (each with its help text) and a run function; this file parses
// arguments against them, checks values with one-line errors that name the
// option, and writes the help from the same table.
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { DEFAULT_MAX_PIXELS, MIN_IMAGE_SIDE, setMaxPixels } from '../io/image.js';
import { DEPTH_LOSS_KINDS, depthLossHelp } from '../losses/depth.js';
import { BUILTIN_DEPTH_MODELS } from '../models/depth.js';
import { VGG19_TAPS } from '../nn/vgg19.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** The value's placeholder in help, e.g. N, FILE, X. */
  arg?: string;
  help: string;
}
export type Options = Record<string, OptionSpec>;
export type Values = Record<string, string | boolean | string[] | undefined>;

export interface Command {
  name: string;
  aliases?: readonly string[];
  /** Arguments after the command name, e.g. "IMAGE... -o OUT". */
  usage: string;
  summary: string;
  options: Options;
  run(values: Values, positionals: string[], argv: readonly string[]): Promise<number>;
}

/** Depth networks by name, from the registry (plus a user's ONNX file). */
export const DEPTH_MODEL_NAMES = `${Object.keys(BUILTIN_DEPTH_MODELS).join('|')}|FILE.onnx`;

export const COMMON_OPTIONS: Options = {
  models: { type: 'string', arg: 'DIR', help: 'where model files are (default: $DEPTHSTYLE_MODELS, else ../shared/models beside the repo)' },
  threads: { type: 'string', arg: 'N', help: 'ONNX Runtime threads, at most the number of cores (default: all cores)' },
  'max-pixels': {
    type: 'string',
    arg: 'N',
    help: `refuse images (and clips' frames) with more pixels than this, read from the header before decoding [${DEFAULT_MAX_PIXELS.toExponential().replace('+', '')}]`,
  },
  help: { type: 'boolean', short: 'h', help: 'this help' },
};

/** Loss-weight options shared by optimize and train (their defaults differ: see each command). */
export function lossOptions(defaults: { content: string; style: string; tv: string; depth: string; loss: string }): Options {
  return {
    'content-weight': { type: 'string', arg: 'X', help: `weight of the content loss [${defaults.content}]` },
    'style-weight': { type: 'string', arg: 'X', help: `weight of the style loss [${defaults.style}]` },
    'tv-weight': { type: 'string', arg: 'X', help: `weight of the total-variation loss [${defaults.tv}]` },
    'depth-weight': { type: 'string', arg: 'X', help: `weight of the depth loss; 0 turns it off [${defaults.depth}]` },
    'depth-loss': {
      type: 'string',
      arg: DEPTH_LOSS_KINDS.join('|'),
      help: `${depthLossHelp()} [${defaults.loss}]`,
    },
    'depth-model': { type: 'string', arg: DEPTH_MODEL_NAMES, help: 'the depth network of the loss [pydnet-v2]' },
    'depth-layers': { type: 'string', arg: 'L,...', help: "feature layers for --depth-loss features (TFLite tensor names) [the model's]" },
  };
}

export function lossValues(v: Values) {
  return {
    contentWeight: num(v['content-weight'], 'content-weight'),
    styleWeight: num(v['style-weight'], 'style-weight'),
    tvWeight: num(v['tv-weight'], 'tv-weight'),
    depthWeight: num(v['depth-weight'], 'depth-weight'),
    depthLoss: oneOf(v['depth-loss'], DEPTH_LOSS_KINDS, 'depth-loss'),
    depthModelSpec: v['depth-model'] as string | undefined,
    depthLayers: depthLayers(v),
  };
}

function depthLayers(v: Values): string[] | undefined {
  if (v['depth-layers'] === undefined) return undefined;
  if (v['depth-loss'] !== 'features') throw new Error('--depth-layers needs --depth-loss features');
  return String(v['depth-layers'])
    .split(',')
    .map((l) => l.trim())
    .filter(Boolean);
}

/**
 * node:util parseArgs reads "--margin -5" as an option followed by an unknown flag ("argument is ambiguous"):
 * join a negative number to its option so that the option's own check names the problem.
 */
function joinNegativeNumbers(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith('--') && !argv[i].includes('=') && i + 1 < argv.length && /^-\d/.test(argv[i + 1])) {
      out.push(`${argv[i]}=${argv[i + 1]}`);
      i++;
    } else out.push(argv[i]);
  }
  return out;
}

/** The largest --max-pixels accepted: far beyond what 24 GB decode (1 GP ≈ 12 GB as float32 RGB). */
export const MAX_PIXELS_LIMIT = 1e9;

/** Parses a command's arguments (its options and the common ones) and applies --max-pixels. */
export function parseCommand(cmd: Command, argv: readonly string[]): { values: Values; positionals: string[] } {
  const options = Object.fromEntries(
    Object.entries({ ...COMMON_OPTIONS, ...cmd.options }).map(([k, o]) => [
      k,
      { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) },
    ]),
  );
  let parsed;
  try {
    parsed = parseArgs({ args: joinNegativeNumbers(argv), allowPositionals: true, options });
  } catch (err) {
    throw new Error(`${cmd.name}: ${(err as Error).message.split('\n')[0]} (see depthstyle ${cmd.name} --help)`);
  }
  const values = parsed.values as Values;
  const maxPixels = num(values['max-pixels'], 'max-pixels');
  if (maxPixels !== undefined) {
    if (maxPixels < MIN_IMAGE_SIDE ** 2) throw new Error(`--max-pixels must be at least ${MIN_IMAGE_SIDE ** 2}, got ${maxPixels}`);
    // libvips counts pixels in a 32-bit integer here; beyond it the limit would wrap around.
    if (maxPixels > MAX_PIXELS_LIMIT)
      throw new Error(
        `--max-pixels must be at most ${MAX_PIXELS_LIMIT.toExponential(1).replace('+', '')} (${MAX_PIXELS_LIMIT / 1e6} MP), got ${values['max-pixels']}`,
      );
    setMaxPixels(maxPixels);
  }
  return { values, positionals: parsed.positionals };
}

function optionLines(options: Options): string[] {
  return Object.entries(options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : ''}--${name}${o.arg ? ` ${o.arg}` : ''}`;
    return flag.length > 28 ? `  ${flag}\n  ${' '.repeat(30)}${o.help}` : `  ${flag.padEnd(30)}${o.help}`;
  });
}

/** The help of one command: usage, summary, its options, the common options. */
export function commandHelp(cmd: Command): string {
  return [
    `usage: depthstyle ${cmd.name} ${cmd.usage}`,
    '',
    cmd.summary,
    '',
    'options [defaults]:',
    ...optionLines(cmd.options),
    '',
    'common options:',
    // A command's own entry (serve's --max-pixels, say) replaces the common one, in the help as in the parser.
    ...optionLines(Object.fromEntries(Object.entries(COMMON_OPTIONS).filter(([k]) => !(k in cmd.options)))),
    '',
  ].join('\n');
}

/** The overall help: one line per command. */
export function overallHelp(commands: readonly Command[]): string {
  const lines = commands.map((c) => `  depthstyle ${`${c.name} ${c.usage}`.trim()}\n      ${c.summary}`);
  return [
    'depthstyle — depth-preserving neural style transfer',
    '',
    'usage:',
    ...lines,
    '',
    'Each command lists its options with: depthstyle COMMAND --help',
    '(in a source checkout: node bin/depthstyle.js …, or npx depthstyle … after npm ci)',
    '',
    'common options:',
    ...optionLines(COMMON_OPTIONS),
    '',
  ].join('\n');
}

// ---------------------------------------------------------------- values

/** An option given with nothing in it (`--lr ''`, `--strength ' '`): Number('') is 0, which must not pass for a value. */
function present(v: unknown, name: string): string {
  const s = String(v);
  if (!s.trim()) throw new Error(`--${name} needs a value, got an empty one`);
  return s;
}

export function int(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(present(v, name));
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got "${String(v)}"`);
  return n;
}

export function num(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(present(v, name));
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number, got "${String(v)}"`);
  return n;
}

export function oneOf<T extends string>(v: unknown, allowed: readonly T[], name: string): T | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v))
    throw new Error(`--${name} must be one of ${allowed.join(', ')}, got "${String(v)}"`);
  return v as T;
}

export function seedOf(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 31) throw new Error(`--seed must be a whole number from 0 to 2^31, got "${String(v)}"`);
  return n;
}

/** More ONNX Runtime threads than cores only makes them queue (999 once meant a load of 675 on 2 cores). */
export function threadsOf(v: unknown): number | undefined {
  const n = int(v, 'threads');
  const cores = availableParallelism();
  if (n !== undefined && n > cores) throw new Error(`--threads ${n}: this machine has ${cores} cores; give at most ${cores}`);
  return n;
}

export function atLeast(n: number | undefined, name: string, lo: number, why: string): number | undefined {
  if (n !== undefined && n < lo) throw new Error(`--${name} must be at least ${lo} (${why}), got ${n}`);
  return n;
}

export function inRange(n: number | undefined, name: string, lo: number, hi: number): number | undefined {
  if (n !== undefined && (n < lo || n > hi)) throw new Error(`--${name} must be from ${lo} to ${hi} pixels, got ${n}`);
  return n;
}

export function list(v: unknown, name?: string): string[] | undefined {
  if (typeof v !== 'string') return undefined;
  const items = v.split(',').map((s) => s.trim());
  // With a name the list is checked: `--style-layers ''` or `a,,b` is a mistake, not "none".
  if (name && (!items.length || items.some((s) => !s))) throw new Error(`--${name} needs a comma-separated list with no empty items, got "${v}"`);
  return items.filter(Boolean);
}

/** VGG-19 layers (relu1_1 … relu5_4) for a loss option. */
export function vggLayers(v: unknown, name: string): string[] | undefined {
  const l = list(v, name);
  const bad = l?.filter((x) => !VGG19_TAPS.includes(x));
  if (bad?.length)
    throw new Error(
      `--${name}: unknown layer${bad.length > 1 ? 's' : ''} ${bad.join(', ')}; VGG-19 has ${VGG19_TAPS[0]} … ${VGG19_TAPS[VGG19_TAPS.length - 1]}`,
    );
  return l;
}

/** --max-size: a long side the networks can work at (reflection padding needs a few pixels, the depth net more). */
export function maxSizeOf(v: unknown): number | undefined {
  return atLeast(int(v, 'max-size'), 'max-size', MIN_IMAGE_SIDE, 'smaller images cannot be stylized or measured');
}

export function blendOf(parts: string[] | undefined): number[] | undefined {
  const w = parts?.map((x) => num(x, 'style-blend')!);
  if (w && !(w.reduce((a, b) => a + b, 0) > 0)) throw new Error(`--style-blend ${parts!.join(',')}: the weights must not all be 0`);
  return w;
}

export function required(v: unknown, what: string): string {
  if (typeof v !== 'string' || !v) throw new Error(`${what} is required (see depthstyle --help)`);
  return v;
}

/** The options every command passes on: --models and --threads. */
export function common(v: Values): { models?: string; threads?: number } {
  return { models: v.models as string | undefined, threads: threadsOf(v.threads) };
}
