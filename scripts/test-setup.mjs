#!/usr/bin/env node
// What `npm test` needs beyond npm: Debian's Chromium for the page's tests (playwright-core drives it and
// downloads no browser), ffmpeg for the video tests and redis-server for the job-queue (BullMQ) tests. Installed with apt when missing and we may (root, or sudo without a password);
// otherwise one line says how. CHROMIUM=/path/to/chrome points at another browser.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const have = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const chromium = () => (process.env.CHROMIUM && existsSync(process.env.CHROMIUM)) || ['chromium', 'chromium-browser'].some(have);

// Debian package → what must be on PATH afterwards: Chromium for the page, ffmpeg for video.
const needs = [
  ['chromium', chromium, 'the page tests need Chromium', 'or set CHROMIUM=/path/to/chrome'],
  ['ffmpeg', () => have('ffmpeg') && have('ffprobe'), 'the video tests need ffmpeg', ''],
  ['redis-server', () => have('redis-server'), 'the job-queue tests need a real Redis', ''],
].filter(([, present]) => !present());

if (needs.length) {
  const names = needs.map(([pkg]) => pkg);
  const root = process.getuid?.() === 0;
  const sudo = !root && have('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
  if ((!root && !sudo) || !have('apt-get')) {
    console.error(
      `npm test: ${needs.map(([, , why]) => why).join(' and ')}: install ${names.join(' and ')} (Debian/Ubuntu: sudo apt-get install ${names.join(' ')}) ${needs
        .map(([, , , alt]) => alt)
        .filter(Boolean)
        .join(' ')}`.trim(),
    );
    process.exit(1);
  }
  console.error(`npm test: installing ${names.join(' and ')} (apt-get install ${names.join(' ')})…`);
  const apt = (...args) =>
    execFileSync(root ? 'apt-get' : 'sudo', root ? args : ['apt-get', ...args], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  apt('update', '-qq');
  apt('install', '-y', '-qq', ...names);
  const still = needs.filter(([, present]) => !present()).map(([pkg]) => pkg);
  if (still.length) {
    console.error(`npm test: ${still.join(' and ')} still missing after apt-get install`);
    process.exit(1);
  }
}
