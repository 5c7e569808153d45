// The depthstyle command line: one verb per job, typed options, one-line errors.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { depthCommand } from './depth.js';
import { stylizeCommand } from './stylize.js';
import { optimizeCommand } from './optimize.js';
import { trainCommand } from './train.js';
import { evalCommand } from './eval.js';
import { compareCommand } from './compare.js';
import { LICENCES } from '../models/licences.js';
import { DEPTH_LOSS_KINDS } from '../losses/depth.js';

const HELP = `depthstyle — depth-preserving neural style transfer

usage:
  depthstyle depth IMAGE... -o OUT [--raw] [--depth-model pydnet-v2|pydnet|FILE.onnx] [--colormap turbo|viridis|gray]
  depthstyle optimize CONTENT --style STYLE[,STYLE2...] -o OUT.jpg [options below]
  depthstyle train --style STYLE --data DIR -o model.onnx [--size 256 --batch 4 --steps 2000 --lr 1e-3 --width 32
        --content-weight 20 --style-weight 1 --tv-weight 1 --depth-weight 3e6 --depth-loss ssi|mse|features --content-layer relu2_2
        --style-layers L,... --style-size N --seed 0 --checkpoint-every 500 --preview-every N --resume CKPT --log FILE]
  depthstyle stylize IMAGE|DIR... --model MODEL.onnx|RUN.ckpt|baseline:wave|udnie|scream|la_muse -o OUT
        [--max-size N] [--tile 1024] [--strength 0..1] [--preserve-color luminance|histogram] [--depth-map]
        [--margin 16]  (reflected border stylized and cropped away, against border artefacts; 0: none)
  depthstyle eval --content C --stylized S [--style STYLE] [--ground-truth DEPTH.png] [--depth-model M] [--json]
  depthstyle compare IMAGE|DIR... --style STYLE -o report/ [--methods M1,M2,...] [--optimize --iterations 50]
        [--stored "NAME=PATTERN_WITH_{stem}"]... [--size 256]   (writes report/index.html and report/grid.png)
  depthstyle licences

optimize options [defaults]:
  --size N                 long side of the output [512]
  --iterations N           optimizer iterations [500]
  --optimizer lbfgs|adam   [lbfgs]        --lr X    step size [lbfgs 1, adam 10]
  --init content|noise|FILE [content]
  --content-weight X [1]   --style-weight X [10]   --tv-weight X [1]
  --depth-weight X         weight of the depth loss; 0 turns it off [1e5]
  --depth-loss ssi|mse|features  scale-and-shift-invariant or plain depth-map loss, or the seed paper's
                           loss on the depth network's feature layers [ssi]
  --depth-layers L,...     feature layers for --depth-loss features (TFLite tensor names) [the model's]
  --depth-model pydnet-v2|pydnet|FILE.onnx [pydnet-v2]
  --content-layers L,...   [relu4_2]
  --style-layers L,...     [relu1_1,relu2_1,relu3_1,relu4_1,relu5_1]
  --style-blend W,...      weights of several styles [equal]
  --style-scale X          style image size relative to the output [1]
  --preserve-color luminance|histogram|none [none]
  --multiscale             coarse-to-fine passes (1/4, 1/2, full size)
  --save-every N           write numbered frames to OUT-frames/
  --seed N [0]             --json   print a machine-readable summary

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

function num(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number, got "${String(v)}"`);
  return n;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], name: string): T | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) throw new Error(`--${name} must be one of ${allowed.join(', ')}, got "${String(v)}"`);
  return v as T;
}

/** Loss-weight options shared by optimize and train. */
const LOSS_OPTIONS = {
  'content-weight': { type: 'string' },
  'style-weight': { type: 'string' },
  'tv-weight': { type: 'string' },
  'depth-weight': { type: 'string' },
  'depth-loss': { type: 'string' },
  'depth-model': { type: 'string' },
  'depth-layers': { type: 'string' },
} as const;

function lossValues(v: Values) {
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
  return String(v['depth-layers']).split(',').map((l) => l.trim()).filter(Boolean);
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
        tile: { type: 'string' },
        strength: { type: 'string' },
        'preserve-color': { type: 'string' },
        'depth-map': { type: 'boolean' },
        margin: { type: 'string' },
      });
      if (v.help) return process.stdout.write(HELP), 0;
      if (!positionals.length) throw new Error('stylize: give at least one IMAGE');
      return stylizeCommand({
        images: positionals,
        output: required(v.output, '-o OUT'),
        model: required(v.model, '--model'),
        maxSize: int(v['max-size'], 'max-size'),
        tile: int(v.tile, 'tile'),
        strength: num(v.strength, 'strength'),
        preserveColor: oneOf(v['preserve-color'], ['none', 'luminance', 'histogram'] as const, 'preserve-color'),
        depthMap: !!v['depth-map'],
        margin: num(v.margin, 'margin'),
        models: v.models as string | undefined,
        threads: int(v.threads, 'threads'),
      });
    }
    case 'optimize': {
      const { values: v, positionals } = parse(rest, {
        output: { type: 'string', short: 'o' },
        style: { type: 'string', short: 's' },
        size: { type: 'string' },
        iterations: { type: 'string' },
        optimizer: { type: 'string' },
        lr: { type: 'string' },
        init: { type: 'string' },
        ...LOSS_OPTIONS,
        'content-layers': { type: 'string' },
        'style-layers': { type: 'string' },
        'style-blend': { type: 'string' },
        'style-scale': { type: 'string' },
        'preserve-color': { type: 'string' },
        multiscale: { type: 'boolean' },
        'save-every': { type: 'string' },
        seed: { type: 'string' },
        json: { type: 'boolean' },
      });
      if (v.help) return process.stdout.write(HELP), 0;
      if (positionals.length !== 1) throw new Error('optimize: give exactly one CONTENT image');
      const list = (x: unknown) => (typeof x === 'string' ? x.split(',').map((s) => s.trim()).filter(Boolean) : undefined);
      return optimizeCommand({
        content: positionals[0],
        styles: list(required(v.style, '--style')) ?? [],
        output: required(v.output, '-o OUT'),
        size: int(v.size, 'size'),
        iterations: int(v.iterations, 'iterations'),
        optimizer: oneOf(v.optimizer, ['lbfgs', 'adam'] as const, 'optimizer'),
        lr: num(v.lr, 'lr'),
        init: v.init as string | undefined,
        ...lossValues(v),
        contentLayers: list(v['content-layers']),
        styleLayers: list(v['style-layers']),
        styleBlend: list(v['style-blend'])?.map((x) => num(x, 'style-blend')!),
        styleScale: num(v['style-scale'], 'style-scale'),
        preserveColor: oneOf(v['preserve-color'], ['none', 'luminance', 'histogram'] as const, 'preserve-color'),
        multiscale: !!v.multiscale,
        saveEvery: int(v['save-every'], 'save-every'),
        seed: v.seed === undefined ? undefined : Number(v.seed),
        json: !!v.json,
        models: v.models as string | undefined,
        threads: int(v.threads, 'threads'),
      });
    }
    case 'train': {
      const { values: v, positionals } = parse(rest, {
        output: { type: 'string', short: 'o' },
        style: { type: 'string', short: 's' },
        data: { type: 'string' },
        size: { type: 'string' },
        batch: { type: 'string' },
        steps: { type: 'string' },
        lr: { type: 'string' },
        width: { type: 'string' },
        blocks: { type: 'string' },
        ...LOSS_OPTIONS,
        'content-layer': { type: 'string' },
        'style-layers': { type: 'string' },
        'style-size': { type: 'string' },
        seed: { type: 'string' },
        'checkpoint-every': { type: 'string' },
        'preview-every': { type: 'string' },
        resume: { type: 'string' },
        log: { type: 'string' },
      });
      if (v.help) return process.stdout.write(HELP), 0;
      if (positionals.length) throw new Error(`train: unexpected argument "${positionals[0]}"`);
      return trainCommand({
        stylePath: required(v.style, '--style'),
        data: required(v.data, '--data DIR'),
        output: required(v.output, '-o model.onnx'),
        size: int(v.size, 'size'),
        batch: int(v.batch, 'batch'),
        steps: int(v.steps, 'steps'),
        lr: num(v.lr, 'lr'),
        width: int(v.width, 'width'),
        blocks: int(v.blocks, 'blocks'),
        ...lossValues(v),
        contentLayer: v['content-layer'] as string | undefined,
        styleLayers: typeof v['style-layers'] === 'string' ? v['style-layers'].split(',') : undefined,
        styleSize: int(v['style-size'], 'style-size'),
        seed: v.seed === undefined ? undefined : Number(v.seed),
        checkpointEvery: int(v['checkpoint-every'], 'checkpoint-every'),
        previewEvery: int(v['preview-every'], 'preview-every'),
        resume: v.resume as string | undefined,
        log: v.log as string | undefined,
        models: v.models as string | undefined,
        threads: int(v.threads, 'threads'),
      });
    }
    case 'eval': {
      const { values: v, positionals } = parse(rest, {
        content: { type: 'string' },
        stylized: { type: 'string' },
        style: { type: 'string' },
        'ground-truth': { type: 'string' },
        'depth-model': { type: 'string' },
        json: { type: 'boolean' },
      });
      if (v.help) return process.stdout.write(HELP), 0;
      if (positionals.length) throw new Error(`eval: unexpected argument "${positionals[0]}"`);
      return evalCommand({
        content: required(v.content, '--content'),
        stylized: required(v.stylized, '--stylized'),
        style: v.style as string | undefined,
        groundTruth: v['ground-truth'] as string | undefined,
        depthModel: (v['depth-model'] as string | undefined) ?? 'pydnet-v2',
        json: !!v.json,
        models: v.models as string | undefined,
        threads: int(v.threads, 'threads'),
      });
    }
    case 'compare': {
      const { values: v, positionals } = parse(rest, {
        output: { type: 'string', short: 'o' },
        style: { type: 'string' },
        methods: { type: 'string' },
        optimize: { type: 'boolean' },
        iterations: { type: 'string' },
        size: { type: 'string' },
        stored: { type: 'string', multiple: true },
        'depth-model': { type: 'string' },
      });
      if (v.help) return process.stdout.write(HELP), 0;
      if (!positionals.length) throw new Error('compare: give the photos (files or folders)');
      return compareCommand({
        images: positionals,
        style: v.style as string | undefined,
        output: required(v.output, '-o report/'),
        models: typeof v.methods === 'string' ? v.methods.split(',').filter(Boolean) : [],
        optimize: !!v.optimize,
        iterations: int(v.iterations, 'iterations') ?? 50,
        size: int(v.size, 'size') ?? 256,
        stored: (v.stored as string[] | undefined) ?? [],
        depthModel: (v['depth-model'] as string | undefined) ?? 'pydnet-v2',
        modelsDir: v.models as string | undefined,
        threads: int(v.threads, 'threads'),
        commandLine: ['depthstyle', ...argv].map((a) => (/[\s"']/.test(a) ? JSON.stringify(a) : a)).join(' '),
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
