// The bad-input corpus: hostile and broken files, generated (not stored) so that the repository stays small.
// The CLI tests run every image-reading command over each of them.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

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
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** An uncompressed RGB TIFF with its IFD before the pixels (as many cameras and scanners write it). */
export function stripTiff(width: number, height: number, rgb: Buffer): Buffer {
  const entries: [number, number, number, number][] = [
    // tag, type (3 SHORT, 4 LONG), count, value
    [256, 4, 1, width],
    [257, 4, 1, height],
    [258, 3, 3, 0], // bits per sample: offset patched below
    [259, 3, 1, 1],
    [262, 3, 1, 2],
    [273, 4, 1, 0], // strip offset: patched below
    [277, 3, 1, 3],
    [278, 4, 1, height],
    [279, 4, 1, rgb.length],
  ];
  const ifdSize = 2 + 12 * entries.length + 4;
  const bpsOffset = 8 + ifdSize;
  const dataOffset = bpsOffset + 6;
  entries[2][3] = bpsOffset;
  entries[5][3] = dataOffset;
  const head = Buffer.alloc(dataOffset);
  head.write('II*\0', 0, 'latin1');
  head.writeUInt32LE(8, 4);
  head.writeUInt16LE(entries.length, 8);
  entries.forEach(([tag, type, count, value], i) => {
    const o = 10 + 12 * i;
    head.writeUInt16LE(tag, o);
    head.writeUInt16LE(type, o + 2);
    head.writeUInt32LE(count, o + 4);
    if (type === 3 && count === 1) head.writeUInt16LE(value, o + 8);
    else head.writeUInt32LE(value, o + 8);
  });
  for (let k = 0; k < 3; k++) head.writeUInt16LE(8, bpsOffset + 2 * k);
  return Buffer.concat([head, rgb]);
}

/** The first 267 bytes of a small JPEG whose frame header says 9000×9000: a lie that passes the header check. */
export function lyingJpeg(small: Buffer): Buffer {
  const b = Buffer.from(small);
  for (let i = 0; i < b.length - 9; i++)
    if (b[i] === 0xff && (b[i + 1] === 0xc0 || b[i + 1] === 0xc2)) {
      b.writeUInt16BE(9000, i + 5);
      b.writeUInt16BE(9000, i + 7);
      break;
    }
  return b.subarray(0, 267);
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
    truncated: { file: f('truncated.jpg'), expect: /truncated\.jpg: the file is truncated or damaged/ },
    truncatedTiff: { file: f('cut.tif'), expect: /cut\.tif: the file is truncated or damaged/ },
    lyingJpeg: { file: f('liar.jpg'), expect: /liar\.jpg: the file is truncated or damaged/ },
    bomb: { file: f('bomb.png'), expect: /bomb\.png: image declares 31000×31000 = 961 MP, above the limit of 100 MP \(--max-pixels\)/ },
    wide: { file: f('wide.png'), expect: /wide\.png: image declares 16000×16000 = 256 MP, above the limit/ },
  };
  await writeFile(corpus.empty.file, '');
  await writeFile(corpus.text.file, 'this is not an image\n');
  await writeFile(corpus.truncated.file, validJpeg.subarray(0, validJpeg.length >> 1));
  const tiff = stripTiff(200, 150, Buffer.from(Array.from({ length: 200 * 150 * 3 }, (_, i) => (i * 7) % 251)));
  await writeFile(corpus.truncatedTiff.file, tiff.subarray(0, Math.floor(tiff.length * 0.9)));
  await writeFile(
    corpus.lyingJpeg.file,
    lyingJpeg(
      await sharp({ create: { width: 16, height: 16, channels: 3, background: '#888888' } })
        .jpeg()
        .toBuffer(),
    ),
  );
  await writeFile(corpus.bomb.file, bombPng(31000, 31000));
  await writeFile(corpus.wide.file, bombPng(16000, 16000));
  return corpus;
}
