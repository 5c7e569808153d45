#!/usr/bin/env node
// Checks that every relative link and image in README.md and docs/*.md points at a file that exists
// (the README was split into docs/ pages: a moved page must not leave dead links). Exit 1 listing them.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const pages = [
  'README.md',
  ...readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const dead = [];
for (const page of pages) {
  const text = readFileSync(path.join(root, page), 'utf8');
  for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = m[1];
    if (/^(https?:|mailto:|#)/.test(target)) continue;
    const file = target.split('#')[0];
    if (!existsSync(path.resolve(root, path.dirname(page), decodeURIComponent(file)))) dead.push(`${page}: ${target}`);
  }
}
if (dead.length) {
  console.error(`dead links:\n  ${dead.join('\n  ')}`);
  process.exit(1);
}
console.log(`links ok in ${pages.length} pages`);
