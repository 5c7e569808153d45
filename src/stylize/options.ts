// The stylize settings a user gives — the CLI's flags, the API's query parameters, the library's options — in one
// table, as fast_neural_style's argparse states each default next to its help: per setting its names, its
// argument, its help, its parser; the defaults are PIPELINE_DEFAULTS and the network's own (DEFAULT_DEPTH_STRENGTH),
// and `resolveStylizeOptions` lays defaults < the network's < given. The CLI's help, its parsing and the API's
// parameter checks are generated from here.
import { ArgumentError } from '../io/arguments.js';
import { PRESERVE_COLORS, type PreserveColor } from './color.js';
import { DEFAULT_DEPTH_STRENGTH, type DepthStrengthChoice, depthStrengthFor, parseDepthStrengthChoice } from './depth-strength.js';
import { PIPELINE_DEFAULTS, PIPELINE_SETTING_KEYS, type PipelineSettings } from './pipeline.js';
import { AUTO_STROKE_SIDE, type StrokeScale, parseDepthStrokes, parseStrokeScale } from './strokes.js';
import { checkStylizeOptions } from './stylizer.js';

/** What a caller may give: every setting optional, depth strength also 'off' (none even where a network has one). */
export interface StylizeSettingsGiven extends Partial<Omit<PipelineSettings, 'depthStrength'>> {
  depthStrength?: DepthStrengthChoice;
}

type Key = keyof PipelineSettings;

/** One setting: its CLI flag, whether the HTTP API takes it (as its library name), its argument, help and parser. */
export interface StylizeSetting<K extends Key = Key> {
  key: K;
  flag: string;
  api: boolean;
  arg: string;
  help: string;
  /** Parses the text a user typed; the error names `name` (the flag or the parameter). */
  parse: (text: string, name: string) => StylizeSettingsGiven[K];
}

const describeStrength = (s: PipelineSettings['depthStrength']) => (s ? `${s.near},${s.far}` : 'off');

/** A number typed as text ('' is not 0), checked by `ok`, or an error naming `name` and `rule`. */
function parseNumber(text: string, name: string, ok: (v: number) => boolean, rule: string): number {
  const v = text.trim() ? Number(text) : Number.NaN;
  if (!ok(v)) throw new Error(`${name} must be ${rule}, got "${text.slice(0, 100)}"`);
  return v;
}

export const STYLIZE_SETTINGS: readonly StylizeSetting[] = [
  {
    key: 'strength',
    flag: 'strength',
    api: true,
    arg: '0..1',
    help: `how much of the painting, the same for a trained model and a painting: 0 is the photo, 1 fully painted, a blend toward the photo between; with a painting its style vector also moves toward the photo's own (the authors' strength), so the texture fades rather than two pictures showing through each other [${PIPELINE_DEFAULTS.strength}]`,
    parse: (t, n) => parseNumber(t, n, (v) => v >= 0 && v <= 1, 'from 0 to 1'),
  },
  {
    key: 'depthStrength',
    flag: 'depth-strength',
    api: true,
    arg: 'NEAR,FAR|off',
    help: `strength that follows the photo's depth, e.g. 0.4,1: near things stay crisp, the background is painted fully (times the strength); with a painting it acts in the network's features, with a trained model it is a pixel blend. Off by default: on the dev split it did not raise depth edges; the default painting network keeps depth instead (docs/splits.md) [painting ${describeStrength(DEFAULT_DEPTH_STRENGTH.painting)}, model ${describeStrength(DEFAULT_DEPTH_STRENGTH.model)}]`,
    parse: (t, n) => parseDepthStrengthChoice(t, n),
  },
  {
    key: 'strokeScale',
    flag: 'stroke-scale',
    api: true,
    arg: 'auto|S',
    help: `brush size: strokes S times the network's own, 0.25–4. The network's strokes are fixed in pixels, so auto sizes them to the picture: a photo larger than ${AUTO_STROKE_SIDE} px is painted as if it were ${AUTO_STROKE_SIDE} px on its long side (up to 4×), so a 12 MP photo shows brush strokes, not a fine ripple; 1 is the network's own strokes at any size [${PIPELINE_DEFAULTS.strokeScale}]`,
    parse: (t, n) => parseStrokeScale(t, n),
  },
  {
    key: 'depthStrokes',
    flag: 'depth-strokes',
    api: true,
    arg: 'NEAR,FAR',
    help: "stroke size that follows the photo's depth, like a painter's texture gradient, e.g. 2,0.5: large strokes near the camera, small far away (times the stroke scale) [none]",
    parse: (t, n) => parseDepthStrokes(t, n),
  },
  {
    key: 'preserveColor',
    flag: 'preserve-color',
    api: true,
    arg: PRESERVE_COLORS.join('|'),
    help: `keep the photo's colours: luminance keeps them exactly (the result's brightness over the photo's colour, the safe choice); histogram recolours the result to the photo's colour mean and covariance (Gatys et al. 2016), which can move single objects far, e.g. a red tower darkens in a mostly blue result [${PIPELINE_DEFAULTS.preserveColor}]`,
    parse: (t, n) => {
      if (!(PRESERVE_COLORS as readonly string[]).includes(t)) throw new Error(`${n} must be ${PRESERVE_COLORS.join(', ')}, got "${t.slice(0, 20)}"`);
      return t as PreserveColor;
    },
  },
  {
    key: 'tile',
    flag: 'tile',
    api: false,
    arg: 'N',
    help: `tile size for large images, at least 64 (smaller tiles leave the network too little context) [${PIPELINE_DEFAULTS.tile}]`,
    parse: (t, n) => {
      const v = parseNumber(t, n, Number.isInteger, 'a whole number of pixels');
      if (v < 64) throw new Error(`${n} must be at least 64 (smaller tiles leave the network too little context), got ${v}`);
      return v;
    },
  },
];

/** The CLI's option declarations for the settings (help with each default). */
export function stylizeFlags(): Record<string, { type: 'string'; arg: string; help: string }> {
  return Object.fromEntries(STYLIZE_SETTINGS.map((s) => [s.flag, { type: 'string' as const, arg: s.arg, help: s.help }]));
}

/**
 * The settings given as text (CLI flags or API parameters), parsed: `get(setting)` returns the text typed for
 * it, or undefined; `name(setting)` what errors call it (--stroke-scale, strokeScale). Unset settings stay unset.
 */
export function parseStylizeSettings(
  get: (s: StylizeSetting) => string | undefined,
  name: (s: StylizeSetting) => string,
  only: (s: StylizeSetting) => boolean = () => true,
): StylizeSettingsGiven {
  const out: Record<string, unknown> = {};
  for (const s of STYLIZE_SETTINGS.filter(only)) {
    const text = get(s);
    if (text === undefined) continue;
    if (!text.trim()) throw new Error(`${name(s)} needs a value, got an empty one`);
    out[s.key] = s.parse(text, name(s));
  }
  return out as StylizeSettingsGiven;
}

/** The settings a pipeline runs with: PIPELINE_DEFAULTS < the network's own (depth strength) < given (undefined values left to the defaults). */
export function resolveStylizeOptions(kind: 'painting' | 'model', given: StylizeSettingsGiven = {}): PipelineSettings {
  if (kind !== 'painting' && kind !== 'model') throw new ArgumentError('resolveStylizeOptions: kind', `must be 'painting' or 'model', got ${String(kind)}`);
  checkStylizeOptions(given, 'resolveStylizeOptions');
  const set = Object.fromEntries(
    Object.entries(given).filter(([k, v]) => v !== undefined && (PIPELINE_SETTING_KEYS as readonly string[]).includes(k)),
  ) as Partial<PipelineSettings>;
  return { ...PIPELINE_DEFAULTS, ...set, depthStrength: depthStrengthFor(kind, given.depthStrength) };
}

export type { StrokeScale };
