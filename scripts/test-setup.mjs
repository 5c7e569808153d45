#!/usr/bin/env node
// What `npm test` needs beyond npm: Debian's Chromium for the page's tests (playwright-core drives it and
// downloads no browser). Installed with apt when missing and we may (root, or sudo without a password);
// otherwise one line says how. CHROMIUM=/path/to/chrome points at another browser.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const have = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const chromium = () => (process.env.CHROMIUM && existsSync(process.env.CHROMIUM)) || ['chromium', 'chromium-browser'].some(have);

if (!chromium()) {
  const root = process.getuid?.() === 0;
  const sudo = !root && have('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
  if (!root && !sudo || !have('apt-get')) {
    console.error('npm test: the page tests need Chromium: install it (Debian/Ubuntu: sudo apt-get install chromium) or set CHROMIUM=/path/to/chrome');
    process.exit(1);
  }
  console.error('npm test: installing Chromium for the page tests (apt-get install chromium)…');
  const apt = (...args) => execFileSync(root ? 'apt-get' : 'sudo', root ? args : ['apt-get', ...args], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  apt('update', '-qq');
  apt('install', '-y', '-qq', 'chromium');
  if (!chromium()) {
    console.error('npm test: Chromium is still missing after apt-get install chromium');
    process.exit(1);
  }
}
