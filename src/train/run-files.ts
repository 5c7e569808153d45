// The files a training run keeps beside its model: the step log (JSONL), which a
// resumed run continues, and the preview grid of fixed validation photos.
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { writeFileAtomic } from '../io/atomic.js';
import { toInterleaved8, type RgbImage } from '../io/image.js';

/** Two rows (photos above, stylized below) as one PNG. */
export async function writePreview(file: string, images: RgbImage[]): Promise<void> {
  const cols = images.length / 2;
  const { width: w, height: h } = images[0];
  const tiles = await Promise.all(
    images.map((im) =>
      sharp(toInterleaved8(im), { raw: { width: w, height: h, channels: 3 } })
        .png()
        .toBuffer(),
    ),
  );
  const png = await sharp({ create: { width: cols * w, height: 2 * h, channels: 3, background: '#ffffff' } })
    .composite(tiles.map((input, i) => ({ input, left: (i % cols) * w, top: Math.floor(i / cols) * h })))
    .png()
    .toBuffer();
  await writeFileAtomic(file, png);
}

/**
 * On resume the log may run past the checkpoint (a killed run logs steps it never saved): keep the lines up to
 * the checkpoint's step, so the log and the loss chart cover the whole run once. Returns the seconds logged so far.
 */
export async function continueLog(log: string, checkpointStep: number, history: Record<string, number[]>): Promise<number> {
  let text = '';
  try {
    text = await readFile(log, 'utf8');
  } catch {
    return 0;
  }
  const kept: string[] = [];
  let seconds = 0;
  for (const line of text.split('\n')) {
    let entry: Record<string, number>;
    try {
      entry = JSON.parse(line) as Record<string, number>;
    } catch {
      break; // an empty or half-written last line of a killed run
    }
    if (entry.step > checkpointStep) break;
    kept.push(line);
    // Notes (the base of a branch, settings changed on a resume) carry no losses.
    if ('branch_of' in entry || typeof entry.step !== 'number') continue;
    seconds = entry.seconds;
    for (const [k, v] of Object.entries(entry)) if (k !== 'step' && k !== 'seconds') (history[k] ??= []).push(v);
  }
  await writeFileAtomic(log, kept.map((l) => `${l}\n`).join(''));
  return seconds;
}
