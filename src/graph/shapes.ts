// Shape arithmetic over partly symbolic dimensions, shared by the ops' shape inference.
import type { Dim } from './graph.js';

export function isStatic(shape: readonly Dim[]): shape is readonly number[] {
  return shape.every((d) => typeof d === 'number');
}

export function sameShape(a: readonly Dim[], b: readonly Dim[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** numpy broadcasting; a symbolic dim is assumed to match a concrete one (checked at run time by ORT). */
export function broadcastDims(a: readonly Dim[], b: readonly Dim[]): Dim[] {
  const n = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da === db || db === 1) out.push(da);
    else if (da === 1) out.push(db);
    else if (typeof da === 'number' && typeof db === 'number') {
      throw new Error(`shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast (dim ${da} vs ${db})`);
    } else out.push(typeof da === 'number' ? da : db);
  }
  return out;
}

/** Output size of a windowed op (conv, pool) along one axis, floor mode. */
export function windowOut(size: Dim, kernel: number, stride: number, padBegin: number, padEnd: number, dilation = 1): Dim {
  if (typeof size !== 'number') return `${size}'`;
  const span = dilation * (kernel - 1) + 1;
  const padded = size + padBegin + padEnd;
  if (padded < span) throw new Error(`window of ${span} does not fit input of ${size} (padding ${padBegin}+${padEnd})`);
  return Math.floor((padded - span) / stride) + 1;
}

export function normAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new Error(`axis ${axis} out of range for rank ${rank}`);
  return a;
}

export function product(xs: readonly number[]): number {
  return xs.reduce((a, b) => a * b, 1);
}
