// Video: the flicker judge validated on synthetic clips with known motion (a still photo panned and zoomed by
// known amounts), stabilization against a clip that flickers, and `stylize CLIP.mp4` end to end on a short
// generated clip with audio (frame count, rate, duration and audio checked with ffprobe; bad input refused).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RgbImage } from '../src/io/rgb.js';
import { evaluateClip } from '../src/eval/video.js';
import { opticalFlow } from '../src/video/flow.js';
import { stylizeFrames } from '../src/stylize/video.js';
import { loadTransformModel } from '../src/stylize/models.js';
import { cli, assertRefused } from './support/cli.js';
import { loadPhoto, photo, runtime, store } from './support/fixtures.js';

const base = await loadPhoto('tubingen.jpg', [240, 180]);
/** A W×H window of the photo at (x, y), scaled by `zoom` about the window's centre (bilinear). */
function view(x: number, y: number, zoom = 1, W = 160, H = 120): RgbImage {
  const n0 = base.width * base.height;
  const data = new Float32Array(3 * W * H);
  for (let c = 0; c < 3; c++)
    for (let j = 0; j < H; j++)
      for (let i = 0; i < W; i++) {
        const sx = x + W / 2 + (i - W / 2) / zoom;
        const sy = y + H / 2 + (j - H / 2) / zoom;
        const [x0, y0] = [Math.floor(sx), Math.floor(sy)];
        const [fx, fy] = [sx - x0, sy - y0];
        const p = (xx: number, yy: number) => base.data[c * n0 + Math.min(base.height - 1, yy) * base.width + Math.min(base.width - 1, xx)];
        data[c * W * H + j * W + i] = (1 - fy) * ((1 - fx) * p(x0, y0) + fx * p(x0 + 1, y0)) + fy * ((1 - fx) * p(x0, y0 + 1) + fx * p(x0 + 1, y0 + 1));
      }
  return { width: W, height: H, data };
}
const median = (xs: ArrayLike<number>) => Float32Array.from(xs).sort()[Math.floor(xs.length / 2)];
async function* clipOf(frames: RgbImage[], stylized?: (f: RgbImage, i: number) => RgbImage) {
  for (const [i, f] of frames.entries()) yield { source: f, stylized: stylized ? stylized(f, i) : f };
}

test('optical flow measures a known pan and zoom', async () => {
  // Content moves right by 3 px and up by 2 px: the window moves left by 3 and down by 2.
  const f = await opticalFlow(view(40, 30), view(37, 32));
  const [u, v] = [median(f.u), median(f.v)];
  console.log(`  pan (+3, −2) px: median flow (${u.toFixed(2)}, ${v.toFixed(2)})`);
  assert.ok(Math.abs(u - 3) < 0.3 && Math.abs(v + 2) < 0.3, `${u} ${v}`);
  // Zoom by 1.05 about the centre: a point 40 px right of the centre moves 2 px further right.
  const z = await opticalFlow(view(40, 30), view(40, 30, 1.05));
  const at = (x: number, y: number) => z.u[y * z.width + x];
  const [left, right] = [median(Array.from({ length: 21 }, (_, k) => at(40, 50 + k))), median(Array.from({ length: 21 }, (_, k) => at(120, 50 + k)))];
  console.log(`  zoom ×1.05: flow at 40 px left of the centre ${left.toFixed(2)}, right ${right.toFixed(2)} (expected ∓2)`);
  assert.ok(Math.abs(left + 2) < 0.5 && Math.abs(right - 2) < 0.5, `${left} ${right}`);
});

test('the flicker judge: ~0 on a still clip, the floor on a pan, the excess of a clip that flickers', async () => {
  const still = await evaluateClip(clipOf([view(40, 30), view(40, 30), view(40, 30)]));
  assert.ok(still.warping.source < 0.05 && still.warping.stylized < 0.05, JSON.stringify(still.warping));
  const pan = Array.from({ length: 5 }, (_, k) => view(40 - 2 * k, 30 + k));
  const steady = await evaluateClip(clipOf(pan));
  // A "stylization" that adds noise that changes every frame: flicker of about E|n₁ − n₂| = 8 for uniform ±6 … measured.
  let seed = 1;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
  const noisy = await evaluateClip(clipOf(pan, (f) => ({ ...f, data: f.data.map((v) => v + 12 * rand()) })));
  console.log(`  pan: source floor ${steady.warping.source.toFixed(2)} (${(100 * steady.trustedShare).toFixed(0)} % trusted); per-frame noise ±12: stylized ${noisy.warping.stylized.toFixed(2)}, excess ${noisy.warping.excess.toFixed(2)}`);
  assert.ok(steady.warping.source < 3, 'a pan is followed: a small floor');
  assert.ok(Math.abs(steady.warping.excess) < 1e-6, 'the source against itself has no excess');
  assert.ok(noisy.warping.excess > 5, 'flicker is measured');
});

test('stabilization cuts the flicker of a network on a panned clip', async () => {
  const model = await loadTransformModel('scream-nodepth', store);
  const frames = Array.from({ length: 6 }, (_, k) => view(40 - 2 * k, 30 + k));
  const run = async (stabilize: 'none' | 'norm' | 'flow' | 'both') => {
    const outs: RgbImage[] = [];
    async function* src() {
      yield* frames;
    }
    for await (const o of stylizeFrames(src(), model, { runtime, stabilize, margin: 8 })) outs.push(o);
    return (await evaluateClip(clipOf(frames, (_, i) => outs[i]))).warping.excess;
  };
  const [none, both] = [await run('none'), await run('both')];
  console.log(`  warping error above the floor: per frame ${none.toFixed(2)}, stabilized (both) ${both.toFixed(2)}`);
  assert.ok(both < 0.75 * none, `${both} vs ${none}`);
});

const dir = await mkdtemp(path.join(os.tmpdir(), 'ds-video-'));
const clip = path.join(dir, 'clip.mp4');
// 1.2 s at 10 fps with a tone: 12 frames.
execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=96x64:rate=10:duration=1.2', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=1.2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', clip]);
const probe = (f: string) => JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-print_format', 'json', '-show_streams', '-show_format', f], { encoding: 'utf8' })) as { streams: Record<string, string>[]; format: Record<string, string> };

test('stylize CLIP.mp4: a playable MP4 with the same frame count, rate and duration, audio kept; --start and --duration', async () => {
  const out = path.join(dir, 'out.mp4');
  const r = await cli('stylize', clip, '--model', 'scream-depth', '-o', out, '--threads', '1');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /12 frames/);
  const [a, b] = [probe(clip), probe(out)];
  const video = (p: typeof a) => p.streams.find((s) => s.codec_type === 'video')!;
  assert.equal(video(b).nb_read_frames, video(a).nb_read_frames);
  assert.equal(video(b).r_frame_rate, video(a).r_frame_rate);
  assert.equal(video(b).codec_name, 'h264');
  assert.ok(Math.abs(Number(b.format.duration) - Number(a.format.duration)) < 0.15, `${b.format.duration} vs ${a.format.duration}`);
  assert.ok(b.streams.some((s) => s.codec_type === 'audio'), 'audio kept');
  const part = path.join(dir, 'part.mp4');
  assert.equal((await cli('stylize', clip, '--style', 'the_scream', '--start', '0.5', '--duration', '0.5', '--stabilize', 'none', '-o', part, '--threads', '1')).code, 0);
  assert.equal(video(probe(part)).nb_read_frames, '5');
});

test('stylize CLIP.mp4 refuses bad input with one line and writes nothing', async () => {
  const out = path.join(dir, 'bad.mp4');
  const junk = path.join(dir, 'junk.mp4');
  await writeFile(junk, 'not a video');
  await assertRefused([
    [['stylize', path.join(dir, 'missing.mp4'), '--model', 'scream-depth', '-o', out], /missing\.mp4: not a readable video/],
    [['stylize', junk, '--model', 'scream-depth', '-o', out], /junk\.mp4: not a readable video/],
    [['stylize', clip, '--model', 'scream-depth', '-o', clip], /would replace the input clip/],
    [['stylize', clip, '--model', 'scream-depth', '-o', path.join(dir, 'x.jpg')], /name the output OUT\.mp4/],
    [['stylize', clip, '--model', 'scream-depth', '--start', '9', '-o', out], /--start 9: the clip .* is 1\.\d+ s long/],
    [['stylize', clip, '--model', 'scream-depth', '--stabilize', 'magic', '-o', out], /--stabilize/],
    [['stylize', photo('tubingen.jpg'), '--model', 'scream-depth', '--duration', '2', '-o', path.join(dir, 'y.jpg')], /are for a video input/],
  ]);
  assert.ok(!existsSync(out));
  assert.deepEqual((await readdir(dir)).filter((f) => f.endsWith('.tmp')), [], 'no temporary files left');
});

test('without ffmpeg, one line says how to install it', async () => {
  const { execFile } = await import('node:child_process');
  // A PATH that holds node and nothing else.
  const bin = await mkdtemp(path.join(os.tmpdir(), 'ds-nopath-'));
  await symlink(process.execPath, path.join(bin, 'node'));
  const r = await new Promise<{ code: number; stderr: string }>((resolve) =>
    execFile(process.execPath, [path.join(process.cwd(), 'bin', 'depthstyle.js'), 'stylize', clip, '--model', 'scream-depth', '-o', path.join(dir, 'n.mp4')], { env: { ...process.env, PATH: bin } }, (err, _o, stderr) => resolve({ code: (err as { code?: number } | null)?.code ?? 0, stderr })),
  );
  assert.equal(r.code, 1);
  assert.match(r.stderr, /ffmpeg is needed for video and was not found: install it \(Debian\/Ubuntu: sudo apt install ffmpeg/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

