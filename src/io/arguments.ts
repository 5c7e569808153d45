// Checks at the library's boundary: every exported function validates what it is given and throws an
// ArgumentError naming the argument (a TypeError, so callers can tell a caller's mistake from a failure of the
// work), instead of returning NaN pixels, writing a black picture or failing deep inside ONNX Runtime.
import { MIN_IMAGE_SIDE, type RgbImage } from './rgb.js';

export class ArgumentError extends TypeError {
  constructor(
    /** The function and argument, e.g. `mixStyles: weights`. */
    readonly argument: string,
    problem: string,
  ) {
    super(`${argument}: ${problem}`);
    this.name = 'ArgumentError';
  }
}

const shown = (v: unknown) =>
  typeof v === 'string'
    ? JSON.stringify(v.slice(0, 40))
    : typeof v === 'number' || typeof v === 'boolean' || v == null
      ? String(v)
      : Array.isArray(v)
        ? `an array of ${v.length}`
        : `a ${typeof v}`;

/** A finite number within [min, max] (whole when `integer`). */
export function checkNumber(v: unknown, argument: string, o: { min?: number; max?: number; integer?: boolean } = {}): number {
  const { min = -Infinity, max = Infinity, integer = false } = o;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    const range = [min > -Infinity ? `≥ ${min}` : '', max < Infinity ? `≤ ${max}` : ''].filter(Boolean).join(' and ');
    throw new ArgumentError(argument, `must be a ${integer ? 'whole ' : 'finite '}number${range ? ` ${range}` : ''}, got ${shown(v)}`);
  }
  return v;
}

/** An RgbImage: whole sides of at least `minSide`, planar Float32Array of 3·width·height finite values. */
export function checkImageArg(img: unknown, argument: string, minSide = MIN_IMAGE_SIDE): RgbImage {
  const i = img as RgbImage | null | undefined;
  if (!i || typeof i !== 'object') throw new ArgumentError(argument, `must be an RgbImage { width, height, data }, got ${shown(img)}`);
  if (!Number.isInteger(i.width) || !Number.isInteger(i.height) || i.width < 1 || i.height < 1)
    throw new ArgumentError(argument, `width and height must be whole numbers ≥ 1, got ${shown(i.width)}×${shown(i.height)}`);
  if (Math.min(i.width, i.height) < minSide) throw new ArgumentError(argument, `is ${i.width}×${i.height}; at least ${minSide} px per side are needed`);
  if (!(i.data instanceof Float32Array)) throw new ArgumentError(argument, 'data must be a Float32Array (planar RGB, 0–255)');
  if (i.data.length !== 3 * i.width * i.height)
    throw new ArgumentError(argument, `data has ${i.data.length} values; ${i.width}×${i.height} planar RGB needs ${3 * i.width * i.height}`);
  for (let k = 0; k < i.data.length; k++) if (!Number.isFinite(i.data[k])) throw new ArgumentError(argument, `data holds a non-finite value at ${k}`);
  return i;
}

/** An array of finite numbers of a given length (when given). */
export function checkNumbers(v: unknown, argument: string, length?: number): number[] {
  if (!Array.isArray(v) && !ArrayBuffer.isView(v)) throw new ArgumentError(argument, `must be an array of numbers, got ${shown(v)}`);
  const a = Array.from(v as ArrayLike<unknown>);
  if (length !== undefined && a.length !== length) throw new ArgumentError(argument, `must have ${length} numbers, got ${a.length}`);
  a.forEach((x, k) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new ArgumentError(`${argument}[${k}]`, `must be a finite number, got ${shown(x)}`);
  });
  return a as number[];
}

/** A non-empty string. */
export function checkString(v: unknown, argument: string): string {
  if (typeof v !== 'string' || !v.trim()) throw new ArgumentError(argument, `must be a non-empty string, got ${shown(v)}`);
  return v;
}

/** Two images of one size (a stylization and its photo). */
export function checkSameSize(a: unknown, b: unknown, fn: string, names: [string, string] = ['a', 'b']): void {
  const [x, y] = [checkImageArg(a, `${fn}: ${names[0]}`, 1), checkImageArg(b, `${fn}: ${names[1]}`, 1)];
  if (x.width !== y.width || x.height !== y.height)
    throw new ArgumentError(`${fn}: ${names[1]}`, `is ${y.width}×${y.height}, ${names[0]} is ${x.width}×${x.height}; they must be one size`);
}
