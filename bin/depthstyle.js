#!/usr/bin/env node
// In a source checkout (src/ and the dev dependency tsx present), run the TypeScript CLI through tsx; in an
// installed package, run the compiled one (dist/).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const source = path.join(root, 'src', 'cli', 'main.ts');
const compiled = path.join(root, 'dist', 'src', 'cli', 'main.js');
let tsx = false;
try {
  import.meta.resolve('tsx/esm/api');
  tsx = true;
} catch {
  tsx = false;
}
if (existsSync(source) && (tsx || !existsSync(compiled))) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(source).href);
} else {
  await import(pathToFileURL(compiled).href);
}
