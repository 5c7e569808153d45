// Hostile and mistaken input through clips and paintings (issue #31, round three): each case failed before its
// fix. Clips are made here with ffmpeg: tiny, a second or two, so the cases stay cheap.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFile, link, mkdir, mkdtemp, readdir, readFile, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { writeFileAtomic } from '../src/io/atomic.js';
import { loadImage } from '../src/io/image.js';
import { assertRefused, cli } from './support/cli.js';
import { photo, SHARED } from './support/fixtures.js';

const tmp = await mkdtemp(path.join(os.tmpdir(), 'depthstyle-clips-'));
const ff = (...args: string[]) => execFileSync('ffmpeg', ['-v', 'error', '-y', ...args], { cwd: tmp });
/** Frames, duration and size of a clip as ffprobe counts them (decoding every frame). */
function probe(file: string): { frames: number; duration: number; width: number; height: number } {
  const r = spawnSync(
    'ffprobe',
    ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames,width,height,duration', '-of', 'json', file],
    { encoding: 'utf8' },
  );
  const j = JSON.parse(r.stdout) as { streams: { nb_read_frames: string; width: number; height: number; duration: string }[] };
  return { frames: Number(j.streams[0].nb_read_frames), duration: Number(j.streams[0].duration), width: j.streams[0].width, height: j.streams[0].height };
}
const clip = path.join(tmp, 'clip.mp4');
ff('-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10', '-t', '1', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', clip);
const style = path.join(SHARED, 'images', 'styles', 'starry_night.jpg');
const model = ['--model', 'baseline:wave'];

async function folder(name: string): Promise<string> {
  const d = path.join(tmp, name);
  await mkdir(d, { recursive: true });
  return d;
}

test("temp-file cleanup removes only depthstyle's own temporaries of dead processes, never a user's dot-files", async () => {
  const dir = await folder('user-files');
  const users = ['.budget.2024.12.tmp', '.notes.txt.4000000.1.tmp', `.x.png.${2 ** 22 + 1}.1700000000000.tmp`];
  for (const f of users) await writeFile(path.join(dir, f), 'a user file');
  const ours = `.y.png.depthstyle-${2 ** 22 + 1}-0badcafe.tmp`;
  await writeFile(path.join(dir, ours), 'half an image of a killed run');
  // A temporary of ours with a second name (a hard link) is someone's file too: kept.
  const linked = `.z.png.depthstyle-${2 ** 22 + 1}-0ddba11a.tmp`;
  await writeFile(path.join(dir, linked), 'linked');
  await link(path.join(dir, linked), path.join(dir, 'keep-me.txt'));
  await writeFileAtomic(path.join(dir, 'out.png'), 'x');
  const r = await cli('stylize', photo('tubingen.jpg'), ...model, '--max-size', '64', '-o', path.join(dir, 'styl.jpg'));
  assert.equal(r.code, 0, r.stderr);
  const left = await readdir(dir);
  for (const f of [...users, linked, 'keep-me.txt']) assert.ok(left.includes(f), `${f} was deleted: ${left.join(', ')}`);
  assert.ok(!left.includes(ours), 'our own stale temporary is cleaned');
});

test('no clip, image or painting is replaced through a symlink or a hard link to it', async () => {
  const dir = await folder('links');
  const input = path.join(dir, 'in.mp4');
  await copyFile(clip, input);
  const before = await readFile(input);
  await symlink(input, path.join(dir, 'link.mp4'));
  await link(input, path.join(dir, 'hard.mp4'));
  const img = path.join(dir, 'in.jpg');
  await copyFile(photo('tubingen.jpg'), img);
  await link(img, path.join(dir, 'hard.jpg'));
  await assertRefused([
    [['stylize', path.join(dir, 'link.mp4'), ...model, '-o', input], /that is an input file; it would be overwritten/],
    [['stylize', input, ...model, '-o', path.join(dir, 'link.mp4')], /that is an input file/],
    [['stylize', path.join(dir, 'hard.mp4'), ...model, '-o', input], /that is an input file/],
    [['stylize', img, ...model, '-o', path.join(dir, 'hard.jpg')], /that is an input file/],
  ]);
  assert.deepEqual(await readFile(input), before, 'the clip is untouched');
  // The painting of a clip is an input too, whatever its other name.
  const paint = path.join(dir, 'paint.jpg');
  await copyFile(style, paint);
  await link(paint, path.join(dir, 'paint-link.mp4'));
  await assertRefused([[['stylize', input, '--style', paint, '-o', path.join(dir, 'paint-link.mp4')], /paint-link\.mp4: that is an input file/]]);
  assert.deepEqual(await readFile(paint), await readFile(style), 'the painting is untouched');
});

test('a clip with rotation metadata comes out the way it is shown (portrait stays portrait)', async () => {
  const rot = path.join(tmp, 'rot.mp4');
  ff('-i', clip, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', rot);
  const out = path.join(tmp, 'rot-out.mp4');
  const r = await cli('stylize', rot, ...model, '--stabilize', 'none', '-o', out);
  assert.equal(r.code, 0, r.stderr);
  const p = probe(out);
  assert.deepEqual([p.width, p.height], [48, 64], 'shown as 48×64, so written 48×64');
});

test('a variable-frame-rate clip keeps its frame count and duration', async () => {
  const vfr = path.join(tmp, 'vfr.mp4');
  ff(
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=64x48:rate=25',
    '-t',
    '2',
    '-vf',
    "setpts='if(lt(N,25),N*0.04,1+(N-25)*0.12)/TB'",
    '-fps_mode',
    'vfr',
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    vfr,
  );
  const src = probe(vfr);
  const out = path.join(tmp, 'vfr-out.mp4');
  const r = await cli('stylize', vfr, ...model, '--stabilize', 'none', '-o', out);
  assert.equal(r.code, 0, r.stderr);
  const p = probe(out);
  console.log(`  source ${src.frames} frames over ${src.duration.toFixed(2)} s → ${p.frames} frames over ${p.duration.toFixed(2)} s`);
  assert.equal(p.frames, src.frames);
  assert.ok(Math.abs(p.duration - src.duration) < 0.15, `duration ${p.duration} vs ${src.duration}`);
});

test('a truncated clip is refused and nothing is written', async () => {
  const cut = path.join(tmp, 'cut.mp4');
  ff('-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=25', '-t', '2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', cut);
  await truncate(cut, Math.round((await stat(cut)).size * 0.55));
  const dir = await folder('cut-out');
  const r = await cli('stylize', cut, ...model, '--stabilize', 'none', '-o', path.join(dir, 'out.mp4'));
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /cut\.mp4: .*(truncated or damaged|frames its header lists)/);
  assert.deepEqual(await readdir(dir), []);
});

test('--max-pixels holds for clips, from the header; a FIFO or /dev/zero painting is refused at once', async () => {
  const dir = await folder('max-pixels');
  const fifo = path.join(dir, 'painting.jpg');
  execFileSync('mkfifo', [fifo]);
  await assertRefused([
    [['stylize', clip, ...model, '--max-pixels', '1000', '-o', path.join(dir, 'o.mp4')], /clip\.mp4: the clip declares 64×48 = 0 MP frames, above the limit/],
    [['stylize', clip, '--style', fifo, '-o', path.join(dir, 'o.mp4')], /painting\.jpg: not a file \(the painting\)/],
    [['stylize', clip, '--style', '/dev/zero', '-o', path.join(dir, 'o.mp4')], /\/dev\/zero: not a file \(the painting\)/],
  ]);
  assert.deepEqual(
    (await readdir(dir)).filter((f) => f !== 'painting.jpg'),
    [],
  );
});

test('file names never become ffmpeg options or protocols', async () => {
  const dir = await folder('names');
  await copyFile(clip, path.join(dir, '-h.mp4'));
  // A file literally named concat:a|b must be read as that file, not as two clips joined.
  const two = path.join(dir, 'two.mp4');
  ff('-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10', '-t', '2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', two);
  const tricky = path.join(dir, 'concat:two.mp4|two.mp4');
  await copyFile(clip, tricky);
  const run = (args: string[]) => execFileSync(process.execPath, [path.resolve('bin/depthstyle.js'), ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  run(['stylize', '--stabilize', 'none', ...model, '-o', 'h-out.mp4', '--', '-h.mp4']);
  assert.equal(probe(path.join(dir, 'h-out.mp4')).frames, 10);
  run(['stylize', 'concat:two.mp4|two.mp4', ...model, '--stabilize', 'none', '-o', 'c-out.mp4']);
  assert.equal(probe(path.join(dir, 'c-out.mp4')).frames, 10, 'the file itself, not two clips concatenated (40 frames)');
});

test('clip options are checked before any work, with the same rules as images', async () => {
  const dir = await folder('clip-options');
  const other = path.join(tmp, 'rate25.mp4');
  ff('-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=25', '-t', '1', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', other);
  await assertRefused([
    [['stylize', clip, '--style', style, '--strength', '5', '-o', path.join(dir, 'o.mp4')], /--strength must be from 0 to 1, got "5"/],
    [
      ['stylize', clip, ...model, '--duration', '0.001', '-o', path.join(dir, 'o.mp4')],
      /--duration 0\.001: shorter than one frame of .*clip\.mp4 \(0\.100 s at 10\.00 fps\)/,
    ],
    [['stylize', clip, ...model, '--start', '0.99', '-o', path.join(dir, 'o.mp4')], /--start 0\.99: the clip .* is 1\.00 s long/],
    [['eval', '--content', clip, '--stylized', other], /rate25\.mp4: 25\.000 fps, but .*clip\.mp4 runs at 10\.000 fps/],
  ]);
  const named = await folder('clip-options/out.mp4');
  const r = await cli('stylize', clip, ...model, '-o', named);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /out\.mp4: that is a folder; name the output OUT\.mp4/);
  assert.doesNotMatch(r.stderr, /^model:/m, 'refused before the model loads');
  assert.deepEqual(await readdir(named), []);
});

test('paintings and their weights are checked before the networks load; huge weights mix, not overflow', async () => {
  const dir = await folder('weights');
  const o = path.join(dir, 'x.jpg');
  await assertRefused([
    [['stylize', photo('tubingen.jpg'), '--style', '', '-o', o], /--style needs a comma-separated list with no empty items/],
    [['stylize', photo('tubingen.jpg'), '--style', ',', '-o', o], /--style needs a comma-separated list with no empty items/],
    [['stylize', photo('tubingen.jpg'), '--style', 'starry_night,wave', '--style-weights', '0,0', '-o', o], /--style-weights: not all 0/],
    [['stylize', clip, '--style', 'starry_night,wave', '--style-weights', '0,0', '-o', path.join(dir, 'x.mp4')], /--style-weights: not all 0/],
  ]);
  const common = [photo('tubingen.jpg'), '--style', 'starry_night,wave', '--max-size', '96', '--depth-strength', 'off'];
  const [huge, unit] = [path.join(dir, 'huge.png'), path.join(dir, 'unit.png')];
  assert.equal((await cli('stylize', ...common, '--style-weights', '1e308,1e308', '-o', huge)).code, 0);
  assert.equal((await cli('stylize', ...common, '--style-weights', '1,1', '-o', unit)).code, 0);
  const [a, b] = [await loadImage(huge), await loadImage(unit)];
  let diff = 0;
  let mean = 0;
  for (let i = 0; i < a.data.length; i++) (diff = Math.max(diff, Math.abs(a.data[i] - b.data[i]))), (mean += a.data[i]);
  mean /= a.data.length;
  let spread = 0;
  for (const v of a.data) spread += (v - mean) ** 2;
  assert.ok(Math.sqrt(spread / a.data.length) > 20, 'not a flat grey picture');
  assert.ok(diff <= 1, `1e308,1e308 mixes like 1,1 (max difference ${diff})`);
});
