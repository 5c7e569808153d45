// The README stays a user's page (at most 250 lines; measurements live in docs/) and no page links to a file
// that is not there.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../src/models/resolver.js';

test('README is at most 250 lines, opens with the two commands, and every link of README and docs/ resolves', () => {
  const root = packageRoot();
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  assert.ok(readme.split('\n').length <= 250, `README has ${readme.split('\n').length} lines`);
  const block = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const commands = block.split('\n').filter((l) => l.trim() && !l.startsWith('#'));
  assert.equal(commands.length, 2, 'the first sh block holds the two commands CI runs');
  assert.match(commands[1], /^npm test$/);
  execFileSync(process.execPath, [path.join(root, 'scripts', 'check-links.mjs')], { stdio: 'pipe' });
});
