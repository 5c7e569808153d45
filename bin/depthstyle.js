#!/usr/bin/env node
// In a source checkout, run the TypeScript CLI through tsx; in an installed
// package (no src/), run the compiled one.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const source = path.join(root, 'src', 'cli', 'main.ts');
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(source).href);
} else {
  await import(pathToFileURL(path.join(root, 'dist', 'src', 'cli', 'main.js')).href);
}
