// The depthstyle command line: one verb per job, typed options, one-line errors.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { depthCommand } from './depth.js';
import { stylizeCommand } from './stylize.js';
import { LICENCES } from '../models/licences.js';

const HELP = `depthstyle — depth-preserving neural style transfer

usage:
  depthstyle depth IMAGE... -o OUT [--raw] [--depth-model pydnet-v2|pydnet|FILE.onnx] [--colormap turbo|viridis|gray]
  depthstyle stylize IMAGE... --model baseline:wave|udnie|scream|la_muse -o OUT [--max-size N]
  depthstyle licences

common options:
  --models DIR     where model files are (default: $DEPTHSTYLE_MODELS, else ../shared/models beside the repo)
  --threads N      ONNX Runtime threads (default: all cores)
  -h, --help
`;

type Values = Record<string, string | boolean | string[] | undefined>;

function parse(argv: string[], options: ParseArgsConfig['options']): { values: Values; positionals: string[] } {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { models: { type: 'string' }, threads: { type: 'string' }, help: { type: 'boolean', short: 'h' }, ...options },
  });
  return { values: values as Values, positionals };
}

function int(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got "${String(v)}"`);
  return n;
}

function required(v: unknown, what: string): string {
  if (typeof v !== 'string' || !v) throw new Error(`${what} is required (see depthstyle --help)`);
  return v;
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '-h' || cmd === '--help' || cmd === 'help') {
    process.stdout.write(HELP);
    return cmd ? 0 : 1;
  }
  switch (cmd) {
    case 'depth': {
      const { values: v, positionals } = parse(rest, {
        output: { type: 'string', short: 'o' },
        raw: { type: 'boolean' },
        'depth-model': { type: 'string' },
        colormap: { type: 'string' },
      });
      if (v.help) return process.stdout.write(HELP), 0;
      if (!positionals.length) throw new Error('depth: give at least one IMAGE');
      const colormap = (v.colormap as string | undefined) ?? 'turbo';
      if (!['turbo', 'viridis', 'gray'].includes(colormap)) throw new Error(`--colormap must be turbo, viridis or gray, got "${colormap}"`);
      return depthCommand({
        images: positionals,
        output: required(v.output, '-o OUT'),
        raw: !!v.raw,
        depthModel: (v['depth-model'] as string | undefined) ?? 'pydnet-v2',
        colormap: colormap as 'turbo',
        models: v.models as string | undefined,
        threads: int(v.threads, 'threads'),
      });
    }
    case 'stylize': {
      const { values: v, positionals } = parse(rest, {
        output: { type: 'string', short: 'o' },
        model: { type: 'string', short: 'm' },
        'max-size': { type: 'string' },
      });
      if (v.help) return process.stdout.write(HELP), 0;
      if (!positionals.length) throw new Error('stylize: give at least one IMAGE');
      return stylizeCommand({
        images: positionals,
        output: required(v.output, '-o OUT'),
        model: required(v.model, '--model'),
        maxSize: int(v['max-size'], 'max-size'),
        models: v.models as string | undefined,
        threads: int(v.threads, 'threads'),
      });
    }
    case 'licences':
    case 'licenses':
      for (const l of LICENCES) process.stdout.write(`${l.what}\n  ${l.licence}\n  source: ${l.source}\n`);
      return 0;
    default:
      throw new Error(`unknown command "${cmd}" (see depthstyle --help)`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`depthstyle: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
