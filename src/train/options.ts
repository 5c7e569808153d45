// Training options resolved once, for the CLI and the library alike: the defaults, then a named preset, then
// what the caller gave; a branch (`init`) takes its base's network, a resumed run its checkpoint's. The result
// is what the run does and what its model's metadata records — no second place decides a default.
import type { Architecture } from '../nn/networks.js';
import { INHERITED_SETTINGS, TRAIN_PRESETS, TRAIN_PRESET_NAMES, type TrainPreset, type TrainPresetName } from './presets.js';
import type { InitialWeights } from './init.js';
import { TRAIN_DEFAULTS, type TrainOptions } from './defaults.js';

export type ResolvedTrainOptions = typeof TRAIN_DEFAULTS & TrainOptions & { arch: Architecture };

/** What a checkpoint being resumed says of its network. */
export interface ResumedNetwork {
  width?: number;
  blocks?: number;
  arch?: Architecture;
  /** The objective its checkpoint records (a continuing preset resumes with it, as a branch starts with its base's). */
  recipe?: Partial<TrainOptions>;
}

/** The objective a checkpoint records (its `settings` note, all strings) and its crops, typed as options. */
export function checkpointRecipe(settingsNote: string | undefined, scalars: Record<string, number>): Partial<TrainOptions> {
  const s = settingsNote ? (JSON.parse(settingsNote) as Record<string, string>) : {};
  const num = (k: string) => (s[k] !== undefined && s[k] !== 'undefined' ? Number(s[k]) : undefined);
  return defined({
    size: scalars.size,
    batch: scalars.batch,
    lr: num('lr'),
    contentWeight: num('contentWeight'),
    styleWeight: num('styleWeight'),
    tvWeight: num('tvWeight'),
    depthWeight: num('depthWeight'),
    depthLoss: s.depthLoss as TrainOptions['depthLoss'],
    contentLayer: s.contentLayer,
    styleLayers: s.styleLayers?.split(','),
    styleSize: num('styleSize'),
  } as Partial<TrainOptions>);
}

const defined = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

export function resolveTrainOptions(opts: Omit<TrainOptions, 'vgg'> & Partial<Pick<TrainOptions, 'vgg'>>, resumed?: ResumedNetwork): ResolvedTrainOptions {
  const preset: TrainPreset | undefined = opts.preset === undefined ? undefined : TRAIN_PRESETS[opts.preset as TrainPresetName];
  if (opts.preset !== undefined && !preset) throw new Error(`unknown preset "${opts.preset}": ${TRAIN_PRESET_NAMES.join(', ')}`);
  const { styleSize, ...fromPreset } = preset?.options ?? {};
  // 'painting': the painting's own long side (Engstrom trained at the painting's full size).
  const presetStyleSize = styleSize === 'painting' ? Math.max(opts.style.width, opts.style.height) : styleSize;
  const o = {
    ...TRAIN_DEFAULTS,
    ...baseRecipe(preset, opts, resumed?.recipe),
    ...defined(fromPreset),
    ...(presetStyleSize ? { styleSize: presetStyleSize } : {}),
    ...defined(opts),
  } as ResolvedTrainOptions;
  const init: InitialWeights | undefined = o.init;
  if (init) {
    // A branch has its base's network.
    for (const k of ['width', 'blocks', 'arch'] as const)
      if (opts[k] !== undefined && opts[k] !== init[k]) throw new Error(`--init ${init.source}: the base has ${k} ${init[k]}, this run asks for ${opts[k]}`);
    o.width = init.width;
    o.blocks = init.blocks;
    o.arch = init.arch;
  }
  if (resumed) {
    // A resumed run has its checkpoint's network unless told otherwise (a mismatch is refused by the trainer).
    o.width = opts.width ?? resumed.width ?? o.width;
    o.blocks = opts.blocks ?? resumed.blocks ?? o.blocks;
    o.arch = opts.arch ?? resumed.arch ?? o.arch;
  }
  return o;
}

/** A continuing preset's base recipe: the objective its base (`init`) records. */
function baseRecipe(
  preset: TrainPreset | undefined,
  opts: Pick<TrainOptions, 'init' | 'preset'>,
  resumedRecipe?: Partial<TrainOptions>,
): Partial<TrainOptions> {
  if (!preset?.continuesBase) return {};
  if (!opts.init && resumedRecipe) return resumedRecipe;
  const recorded = opts.init?.settings;
  if (!recorded)
    throw new Error(
      `--preset ${opts.preset} continues a base's recipe: give --init with a model trained by depthstyle train (its metadata records the recipe)`,
    );
  return Object.fromEntries(INHERITED_SETTINGS.filter((k) => recorded[k] !== undefined).map((k) => [k, recorded[k]])) as Partial<TrainOptions>;
}

/** The settings a model's metadata records: the resolved options without images, networks or callbacks. */
export function recordedSettings(o: ResolvedTrainOptions): Record<string, unknown> {
  const {
    style: _style,
    vgg: _vgg,
    depthModel: _dm,
    runtime: _rt,
    init,
    onStep: _os,
    onPreview: _op,
    signal: _sig,
    onSettingsChanged: _osc,
    allowSettingsChange: _asc,
    checkpoint: _ck,
    resume: _rs,
    files: _files,
    ...rest
  } = o;
  return { ...rest, ...(init ? { init: init.source } : {}) };
}
