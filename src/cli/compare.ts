// depthstyle compare IMAGE|DIR... --style STYLE -o report/ [--models M,...] [--optimize] [--stored NAME=PATTERN]
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Runtime } from '../graph/index.js';
import { loadImage } from '../io/image.js';
import { loadDepthModel, secondJudgeFor } from '../models/depth.js';
import { ModelStore } from '../models/resolver.js';
import { loadVgg19 } from '../models/vgg.js';
import { compare, reportFiles, type Method } from '../eval/report.js';
import { optimize } from '../optimize/optimize.js';
import { loadTransformModel } from '../stylize/models.js';
import { Stylizer } from '../stylize/stylize.js';
import { checkInputs, expandInputs, refuseInputsAsOutputs, type CommonOptions } from './common.js';
import { Progress } from './progress.js';
import { DEPTH_MODEL_NAMES, common, int, list, required, type Command } from './args.js';

export interface CompareCommandOptions extends Omit<CommonOptions, 'models'> {
  /** --models-dir: where model files are (the resolver's --models). */
  modelsDir?: string;
  images: string[];
  style?: string;
  output: string;
  models: string[];
  optimize: boolean;
  iterations: number;
  size: number;
  stored: string[];
  depthModel: string;
  commandLine: string;
}

/** The stored outputs that --stored patterns name for these photos (inputs too: never to be overwritten). */
async function storedInputs(stored: readonly string[], images: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const s of stored) {
    const m = /^([^=]+)=(.+)$/.exec(s);
    if (!m) continue;
    for (const file of images) {
      const stem = path
        .basename(file)
        .replace(/\.[^.]+$/, '')
        .replace(/_input$/, '');
      const filled = m[2].replace(/\{stem\}/g, stem);
      out.push(path.isAbsolute(filled) || filled.startsWith('.') ? filled : path.join(path.dirname(file), filled));
    }
  }
  return out;
}

export async function compareCommand(o: CompareCommandOptions): Promise<number> {
  const images = await expandInputs(o.images);
  // Every photo is checked before any work: one unreadable file would otherwise end the run half-way.
  if (!(await checkInputs('compare', images))) return 1;
  // No output may be an input (photos, the painting, stored outputs): `-o .` beside img/ once replaced the photos.
  const names = [
    ...o.models.map((m) => (m.endsWith('.onnx') ? path.basename(m, '.onnx') : m)),
    ...(o.optimize ? ['optimize (depth)', 'optimize (no depth)'] : []),
    ...o.stored.map((s) => s.split('=')[0]),
  ];
  refuseInputsAsOutputs(reportFiles(images, names, o.output).files, [...images, ...(o.style ? [o.style] : []), ...(await storedInputs(o.stored, images))]);
  const store = new ModelStore(o.modelsDir);
  const runtime = new Runtime({ threads: o.threads });
  const vgg = await loadVgg19({ store });
  const depthModel = await loadDepthModel(o.depthModel, { store });
  const secondDepthModel = await loadDepthModel(secondJudgeFor(o.depthModel), { store });
  const style = o.style ? await loadImage(o.style) : undefined;
  const methods: Method[] = [];
  for (const spec of o.models) {
    const model = await loadTransformModel(spec, store);
    const s = new Stylizer(model, runtime);
    methods.push({ name: spec.endsWith('.onnx') ? path.basename(spec, '.onnx') : spec, run: (photo) => s.stylizeLarge(photo) });
  }
  if (o.optimize) {
    if (!style) throw new Error('compare --optimize needs --style');
    for (const [name, depthWeight] of [
      ['optimize (depth)', undefined],
      ['optimize (no depth)', 0],
    ] as const) {
      methods.push({
        name,
        run: async (photo) =>
          (
            await optimize({
              content: photo,
              styles: [style],
              size: Math.max(photo.width, photo.height),
              iterations: o.iterations,
              depthWeight,
              vgg,
              depthModel,
              runtime,
            })
          ).image,
      });
    }
  }
  for (const s of o.stored) {
    const m = /^([^=]+)=(.+)$/.exec(s);
    if (!m) throw new Error(`--stored "${s}": expected NAME=PATTERN with {stem} for the photo's name (without a trailing _input)`);
    const [, name, pattern] = m;
    methods.push({
      name,
      run: async (_photo, file) => {
        const stem = path
          .basename(file)
          .replace(/\.[^.]+$/, '')
          .replace(/_input$/, '');
        // A relative pattern is looked up beside the photo.
        const filled = pattern.replace(/\{stem\}/g, stem);
        const candidates = [path.isAbsolute(filled) || filled.startsWith('.') ? filled : path.join(path.dirname(file), filled)];
        // Stored outputs may differ from the photo in extension case (.JPG / .jpg).
        candidates.push(candidates[0].replace(/\.jpg$/i, (e) => (e === '.jpg' ? '.JPG' : '.jpg')));
        for (const c of candidates) if (await stat(c).catch(() => undefined)) return loadImage(c);
        throw new Error(`--stored ${name}: no file ${candidates[0]}`);
      },
    });
  }
  if (!methods.length) throw new Error('compare: give at least one method (--models, --optimize or --stored)');
  const bar = new Progress('compare', images.length * methods.length);
  const r = await compare({
    images,
    methods,
    style,
    size: o.size,
    out: o.output,
    depthModel,
    secondDepthModel,
    vgg,
    runtime,
    commandLine: o.commandLine,
    onProgress: (d) => bar.update(d),
  });
  process.stderr.write(`wrote ${r.html} and ${r.grid}\n`);
  return 0;
}

export const command: Command = {
  name: 'compare',
  usage: 'IMAGE|DIR... --style STYLE -o report/ [options]',
  summary: 'every photo through every method, every output through eval: report/index.html, grid.png, metrics.json',
  options: {
    style: { type: 'string', arg: 'STYLE', help: 'the painting (style loss; needed by --optimize)' },
    output: { type: 'string', short: 'o', arg: 'DIR', help: 'the report folder' },
    methods: { type: 'string', arg: 'M1,M2,...', help: 'models (.onnx, .ckpt, baseline:NAME); NAME-depth and NAME-nodepth are paired as twins' },
    optimize: { type: 'boolean', help: 'also optimize with and without the depth loss' },
    iterations: { type: 'string', arg: 'N', help: 'for --optimize [50]' },
    size: { type: 'string', arg: 'N', help: 'photos shrunk to this long side [256]' },
    stored: {
      type: 'string',
      multiple: true,
      arg: 'NAME=PATTERN',
      help: 'stored outputs; {stem} is the photo name, a relative pattern is looked up beside the photo',
    },
    'depth-model': { type: 'string', arg: DEPTH_MODEL_NAMES, help: 'the judge [pydnet-v2]; the other built-in network is the second judge' },
  },
  run: async (v, positionals, argv) => {
    if (!positionals.length) throw new Error('compare: give the photos (files or folders)');
    const { models, threads } = common(v);
    return compareCommand({
      images: positionals,
      style: v.style as string | undefined,
      output: required(v.output, '-o report/'),
      models: list(v.methods) ?? [],
      optimize: !!v.optimize,
      iterations: int(v.iterations, 'iterations') ?? 50,
      size: int(v.size, 'size') ?? 256,
      stored: (v.stored as string[] | undefined) ?? [],
      depthModel: (v['depth-model'] as string | undefined) ?? 'pydnet-v2',
      modelsDir: models,
      threads,
      commandLine: ['depthstyle', 'compare', ...argv].map((a) => (/[\s"']/.test(a) ? JSON.stringify(a) : a)).join(' '),
    });
  },
};
