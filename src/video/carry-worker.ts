// The flow stabilizer's thread (see carry-thread.ts): it keeps the previous frame and its stabilized output,
// prepares the next frame's carry as soon as the frame arrives, and blends when the network's output comes.
import { parentPort } from 'node:worker_threads';
import type { RgbImage } from '../io/rgb.js';
import { Runtime } from '../graph/index.js';
import { CarryBlender } from '../stylize/stabilize.js';
import { finishCarry, prepareCarry, type PreparedCarry } from './carry.js';

/** A frame to prepare for, or the network's output for the frame prepared last. */
export type CarryRequest = { kind: 'frame'; frame: RgbImage } | { kind: 'output'; out: RgbImage; blend: number; keepFinest: boolean };
/** The stabilized output of the frame, with milliseconds per stage spent on it in this thread. */
export type CarryReply = { ok: true; image: RgbImage; profile: Record<string, number> } | { ok: false; error: string };

const port = parentPort!;
// One thread for the blend's graph: the network has the others (and its threads do not spin while idle).
const blender = new CarryBlender(new Runtime({ threads: 1, spinning: false }));
let prev: { source: RgbImage; out: RgbImage } | undefined;
let current: { frame: RgbImage; carry: Promise<PreparedCarry | undefined>; profile: Record<string, number> } | undefined;
// Requests are handled one after another, in order (a frame's carry may still be running when its output comes).
let queue: Promise<void> = Promise.resolve();

port.on('message', (m: CarryRequest) => {
  queue = queue.then(() => handle(m));
});

async function handle(m: CarryRequest): Promise<void> {
  if (m.kind === 'frame') {
    const profile: Record<string, number> = {};
    const from = prev;
    const carry = from ? prepareCarry(from, m.frame, profile) : Promise.resolve(undefined);
    carry.catch(() => undefined); // (reported with the output)
    current = { frame: m.frame, carry, profile };
    await carry.catch(() => undefined);
    return;
  }
  try {
    if (!current) throw new Error('an output came before its frame');
    const { frame, profile } = current;
    const c = await current.carry;
    const image = c ? await finishCarry(blender, frame, m.out, c, m.blend, profile, m.keepFinest) : m.out;
    // Kept for the next frame's carry; a copy goes back.
    prev = { source: frame, out: image };
    current = undefined;
    const copy = { width: image.width, height: image.height, data: image.data.slice() };
    port.postMessage({ ok: true, image: copy, profile } satisfies CarryReply, [copy.data.buffer as ArrayBuffer]);
  } catch (err) {
    port.postMessage({ ok: false, error: (err as Error).message } satisfies CarryReply);
  }
}
