// Finding image files: one list of the extensions we read and write, and a
// recursive folder walk that follows symlinks (skipping loops and dangling links).
import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/** Extensions of images read from folders. */
export const IMAGE_FILE = /\.(jpe?g|png|webp|tiff?|gif|avif)$/i;
/** Extensions of images we write (an output named like this is a file, else a folder). */
export const OUTPUT_IMAGE_FILE = /\.(png|jpe?g|webp|tiff?)$/i;

/**
 * Image files under `dir`, recursively, sorted. Symlinks to files and folders are followed; a link loop or a
 * dangling link is skipped with one warning (`warn`).
 */
export async function listImages(dir: string, warn: (msg: string) => void = (m) => process.stderr.write(`warning: ${m}\n`)): Promise<string[]> {
  const files: string[] = [];
  const seen = new Set<string>();
  const walk = async (d: string): Promise<void> => {
    const real = await realpath(d);
    if (seen.has(real)) return warn(`${d}: symlink loop, skipped`);
    seen.add(real);
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) {
        if (IMAGE_FILE.test(e.name)) files.push(p);
      } else if (e.isSymbolicLink()) {
        const target = await stat(p).catch(() => undefined);
        if (!target) warn(`${p}: dangling symlink, skipped`);
        else if (target.isDirectory()) await walk(p);
        else if (target.isFile() && IMAGE_FILE.test(e.name)) files.push(p);
      }
    }
  };
  try {
    await walk(dir);
  } catch (err) {
    throw new Error(`${dir}: cannot read folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  files.sort();
  if (!files.length) throw new Error(`${dir}: no images found (looked for .jpg, .png, .webp, .tif, .gif, .avif, recursively)`);
  return files;
}
