// Options and output naming shared by the CLI commands.
import path from 'node:path';

export interface CommonOptions {
  /** --models DIR (else $DEPTHSTYLE_MODELS, else ../shared/models beside the repo) */
  models?: string;
  threads?: number;
}

const IMAGE_EXT = /\.(png|jpe?g|webp|tiff?)$/i;

/**
 * Output file per input: `out` itself when it names an image file and there is
 * one input; otherwise files named after the inputs inside the folder `out`.
 */
export function outputPaths(inputs: readonly string[], out: string, suffix: string, ext: string): string[] {
  if (IMAGE_EXT.test(out)) {
    if (inputs.length > 1) throw new Error(`-o ${out}: several inputs need an output folder, not a file`);
    return [out];
  }
  const seen = new Set<string>();
  return inputs.map((f) => {
    let name = `${path.basename(f).replace(/\.[^.]+$/, '')}${suffix}`;
    while (seen.has(name)) name += '_';
    seen.add(name);
    return path.join(out, name + ext);
  });
}
