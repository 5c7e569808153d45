// The bad-input corpus: hostile and broken files, generated (not stored) so that the repository stays small.
// The CLI tests run every image-reading command over each of them.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

/**
 * A valid-looking PNG that declares width×height RGB pixels but holds only a few rows of data: a decompression
 * bomb by header (decoding it would allocate the declared size).
 */
export function bombPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const rows = Buffer.alloc(4 * (1 + 3 * width)); // four rows of zeros, filter byte 0
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

export interface BadInput {
  file: string;
  /** What the one-line error must say. */
  expect: RegExp;
}

/** Writes the corpus into `dir`; returns each file with the error it must produce. */
export async function writeBadInputs(dir: string, validJpeg: Buffer): Promise<Record<string, BadInput>> {
  const f = (name: string) => path.join(dir, name);
  const corpus: Record<string, BadInput> = {
    missing: { file: f('nope.jpg'), expect: /nope\.jpg: no such file/ },
    empty: { file: f('empty.jpg'), expect: /empty\.jpg: empty file/ },
    text: { file: f('notes.jpg'), expect: /notes\.jpg: not an image sharp can read/ },
    truncated: { file: f('truncated.jpg'), expect: /truncated\.jpg: cannot decode image/ },
    bomb: { file: f('bomb.png'), expect: /bomb\.png: image declares 31000×31000 = 961 MP, above the limit of 100 MP \(--max-pixels\)/ },
    wide: { file: f('wide.png'), expect: /wide\.png: image declares 16000×16000 = 256 MP, above the limit/ },
  };
  await writeFile(corpus.empty.file, '');
  await writeFile(corpus.text.file, 'this is not an image\n');
  await writeFile(corpus.truncated.file, validJpeg.subarray(0, validJpeg.length >> 1));
  await writeFile(corpus.bomb.file, bombPng(31000, 31000));
  await writeFile(corpus.wide.file, bombPng(16000, 16000));
  return corpus;
}
