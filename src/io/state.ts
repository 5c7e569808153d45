// Exact, self-describing binary form of optimizer / training state:
// "DSST" magic, a JSON header (scalars, number lists, array names and
// lengths), then the raw little-endian float32 arrays. JSON round-trips
// JavaScript numbers exactly, so a restored state continues bit for bit.
import { writeFileAtomic } from './atomic.js';
import { readFile } from 'node:fs/promises';

export interface SavedState {
  scalars: Record<string, number>;
  lists?: Record<string, number[]>;
  /** Text notes (e.g. the base a branch started from). */
  notes?: Record<string, string>;
  arrays: Record<string, Float32Array>;
  /** Nested states (e.g. the optimizer inside a training checkpoint). */
  children?: Record<string, SavedState>;
}

const MAGIC = 'DSST';

interface Header {
  scalars: Record<string, number>;
  lists: Record<string, number[]>;
  notes?: Record<string, string>;
  arrays: [string, number][];
  children: Record<string, Header>;
}

function flatten(s: SavedState, out: Float32Array[]): Header {
  const arrays = Object.entries(s.arrays).map(([k, a]) => {
    out.push(a);
    return [k, a.length] as [string, number];
  });
  const children: Record<string, Header> = {};
  for (const [k, c] of Object.entries(s.children ?? {})) children[k] = flatten(c, out);
  return { scalars: s.scalars, lists: s.lists ?? {}, ...(s.notes ? { notes: s.notes } : {}), arrays, children };
}

export function encodeState(s: SavedState): Uint8Array {
  const arrays: Float32Array[] = [];
  const header = new TextEncoder().encode(JSON.stringify(flatten(s, arrays)));
  const pad = (4 - ((8 + header.length) % 4)) % 4;
  const total = 8 + header.length + pad + arrays.reduce((n, a) => n + a.byteLength, 0);
  const buf = new Uint8Array(total);
  buf.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(buf.buffer).setUint32(4, header.length + pad, true);
  buf.set(header, 8);
  buf.fill(0x20, 8 + header.length, 8 + header.length + pad);
  let off = 8 + header.length + pad;
  for (const a of arrays) {
    buf.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), off);
    off += a.byteLength;
  }
  return buf;
}

export function decodeState(buf: Uint8Array, what = 'state'): SavedState {
  if (buf.length < 8 || new TextDecoder().decode(buf.subarray(0, 4)) !== MAGIC) throw new Error(`${what}: not a depthstyle state file`);
  const hlen = new DataView(buf.buffer, buf.byteOffset).getUint32(4, true);
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(buf.subarray(8, 8 + hlen))) as Header;
  } catch {
    throw new Error(`${what}: corrupt header`);
  }
  let off = 8 + hlen;
  const unflatten = (h: Header): SavedState => {
    const arrays: Record<string, Float32Array> = {};
    for (const [k, n] of h.arrays) {
      if (off + 4 * n > buf.length) throw new Error(`${what}: truncated (array ${k})`);
      // Copy (a Node Buffer's slice would share, and expose, its whole pool).
      arrays[k] = new Float32Array(new Uint8Array(buf.subarray(off, off + 4 * n)).buffer);
      off += 4 * n;
    }
    const children: Record<string, SavedState> = {};
    for (const [k, c] of Object.entries(h.children)) children[k] = unflatten(c);
    return { scalars: h.scalars, lists: h.lists, ...(h.notes ? { notes: h.notes } : {}), arrays, children };
  };
  const s = unflatten(header);
  if (off !== buf.length) throw new Error(`${what}: ${buf.length - off} trailing bytes`);
  return s;
}

export async function saveState(file: string, s: SavedState): Promise<void> {
  await writeFileAtomic(file, encodeState(s));
}

export async function loadState(file: string): Promise<SavedState> {
  let buf: Uint8Array;
  try {
    buf = await readFile(file);
  } catch {
    throw new Error(`${file}: checkpoint not found`);
  }
  return decodeState(buf, file);
}
