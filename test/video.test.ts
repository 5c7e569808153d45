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
import { maskedMeanAbs, opticalFlow, warp } from '../src/video/flow.js';
import { prepareCarry } from '../src/video/carry.js';
import { stylizeFrames } from '../src/stylize/video.js';
import { CARRY_BLEND, CarryBlender, DEFAULT_STABILIZATION, defaultStabilization, matchLocalContrast } from '../src/stylize/stabilize.js';
import * as G from '../src/graph/index.js';
import { blendCarriedReference } from './support/stabilize-reference.js';
import { loadTransformModel } from '../src/stylize/models.js';
import { cli, assertRefused } from './support/cli.js';
import { loadPhoto, maxAbsDiff, photo, runtime, store } from './support/fixtures.js';
import { Stylizer, type TransformModel } from '../src/stylize/stylizer.js';

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
/** Mean absolute Laplacian inside a 4-px margin, left of column `right`: an image's finest contrast. */
function fineContrast(img: RgbImage, right = img.width): number {
  const { width: w, height: h } = img;
  const n = w * h;
  let s = 0;
  let k = 0;
  for (let c = 0; c < 3; c++)
    for (let y = 4; y < h - 4; y++)
      for (let x = 4; x < right - 4; x++) {
        const at = (xx: number, yy: number) => img.data[c * n + yy * w + xx];
        s += Math.abs(4 * at(x, y) - at(x - 1, y) - at(x + 1, y) - at(x, y - 1) - at(x, y + 1));
        k++;
      }
  return s / k;
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
  console.log(
    `  pan: source floor ${steady.warping.source.toFixed(2)} (${(100 * steady.trustedShare).toFixed(0)} % trusted); per-frame noise ±12: stylized ${noisy.warping.stylized.toFixed(2)}, excess ${noisy.warping.excess.toFixed(2)}`,
  );
  assert.ok(steady.warping.source < 3, 'a pan is followed: a small floor');
  assert.ok(Math.abs(steady.warping.excess) < 1e-6, 'the source against itself has no excess');
  assert.ok(noisy.warping.excess > 5, 'flicker is measured');
});

test('stabilization cuts the flicker of a network on a panned clip', async () => {
  const model = await loadTransformModel('scream-nodepth', store);
  const frames = Array.from({ length: 6 }, (_, k) => view(40 - 2 * k, 30 + k));
  const outputs: Record<string, RgbImage[]> = {};
  const run = async (stabilize: 'none' | 'norm' | 'flow' | 'both', network: TransformModel = model) => {
    const outs: RgbImage[] = [];
    async function* src() {
      yield* frames;
    }
    for await (const o of stylizeFrames(src(), network, { runtime, stabilize, margin: 8 })) outs.push(o);
    outputs[`${stabilize}${network === model ? '' : ' (all blended)'}`] = outs;
    return (await evaluateClip(clipOf(frames, (_, i) => outs[i]))).warping.excess;
  };
  const [none, flow, both] = [await run('none'), await run('flow'), await run('both')];
  // The same network treated as one without pixel-fine strokes: its carry blends everything, and the blend's
  // finest contrast falls below the per-frame output's; the zoo network's own carry keeps its frame's.
  const flowAll = await run('flow', { ...model, pixelStrokes: false });
  const fine = (name: string) => outputs[name].slice(1).reduce((a, o) => a + fineContrast(o), 0) / (frames.length - 1);
  const [fNone, fKept, fAll] = [fine('none'), fine('flow'), fine('flow (all blended)')];
  console.log(
    `  finest contrast: per frame ${fNone.toFixed(2)}, flow ${fKept.toFixed(2)}, flow blending all ${fAll.toFixed(2)} (flicker ${flowAll.toFixed(2)})`,
  );
  assert.ok(Math.abs(fKept - fNone) < 0.5 * Math.abs(fAll - fNone), 'the carry of a pixel-stroke network keeps its finest contrast');
  assert.equal(defaultStabilization(model), 'flow');
  console.log(`  warping error above the floor: per frame ${none.toFixed(2)}, flow (this network's default) ${flow.toFixed(2)}, both ${both.toFixed(2)}`);
  // A zoo network's carry keeps the finest band its own (stabilize.ts), and part of this small pan's flicker is
  // there; on the real clips' test segments the default still cuts it by more than half (docs/video.md).
  assert.ok(flow < 0.75 * none, `flow: ${flow} vs ${none}`);
  // The averaged norm statistics raise the flicker of this small synthetic pan (as they do, less, on the real clips:
  // docs/video.md), so the default cuts less here than on the clips it was chosen on; it still cuts.
  assert.ok(both < 0.95 * none, `both: ${both} vs ${none}`);
});

test('norm statistics carried in the stylizing pass: the first frame as per frame, a repeated frame unchanged, a new frame between its own and the past', async () => {
  const model = await loadTransformModel('scream-nodepth', store);
  const [a, b] = [view(40, 30), view(10, 50, 1.1)];
  const brighter = { ...b, data: b.data.map((v) => Math.min(255, 1.3 * v + 20)) };
  const plain = new Stylizer(model, runtime, { margin: 8 });
  const carried = new Stylizer(model, runtime, { margin: 8, normMomentum: 0.9 });
  const still = new Stylizer(model, runtime, { margin: 8, normMomentum: 0 });
  const [ownA, ownB] = [await plain.stylize(a), await plain.stylize(brighter)];
  const first = await carried.stylize(a);
  assert.ok(maxAbsDiff(first.data, ownA.data) < 0.05, `the first frame normalizes with its own statistics: ${maxAbsDiff(first.data, ownA.data)}`);
  assert.ok(maxAbsDiff((await carried.stylize(a)).data, ownA.data) < 0.05, 'the same frame again: the average is its own statistics');
  // A new, brighter frame: with momentum 0.9 mostly the past frame's statistics, so it differs from its own run;
  // with momentum 0 it is its own run.
  const next = await carried.stylize(brighter);
  assert.ok(maxAbsDiff(next.data, ownB.data) > 5, 'the carried statistics changed the new frame');
  await still.stylize(a);
  assert.ok(maxAbsDiff((await still.stylize(brighter)).data, ownB.data) < 0.05, 'momentum 0: each frame its own');
  // Mean brightness of the carried result lies between the new frame's own result and the previous frame's.
  const mean = (img: RgbImage) => img.data.reduce((s, v) => s + v, 0) / img.data.length;
  const [lo, hi] = [Math.min(mean(ownA), mean(ownB)), Math.max(mean(ownA), mean(ownB))];
  console.log(`  mean level: previous frame ${mean(ownA).toFixed(1)}, new frame ${mean(ownB).toFixed(1)}, carried ${mean(next).toFixed(1)}`);
  assert.ok(maxAbsDiff(next.data, ownA.data) > 1);
  assert.ok(mean(next) > lo - 10 && mean(next) < hi + 10, 'a plausible picture, not a blow-up');
  assert.throws(() => new Stylizer(model, runtime, { normMomentum: 1 }), /normMomentum/);
  await Promise.all([plain.release(), carried.release(), still.release()]);
});

test("the stabilizer's carry (its own thread's step): on a known pan the previous frame lands on this one, the flow trusted inside", async () => {
  const [prev, frame] = [view(40, 30, 1, 240, 136), view(36, 32, 1, 240, 136)];
  const c = await prepareCarry({ source: prev, out: prev }, frame);
  const inside = new Uint8Array(frame.width * frame.height);
  for (let y = 12; y < frame.height - 12; y++) for (let x = 12; x < frame.width - 12; x++) inside[y * frame.width + x] = 1;
  const trusted = c.mask.reduce((s, v, i) => s + (v && inside[i] ? 1 : 0), 0) / inside.reduce((s, v) => s + v, 0);
  const err = maskedMeanAbs(c.carried, frame, inside);
  const before = maskedMeanAbs(prev, frame, inside);
  console.log(
    `  pan (−4, +2) px: carried differs from the frame by ${err.toFixed(2)} (unwarped ${before.toFixed(2)}), ${(100 * trusted).toFixed(0)} % trusted inside`,
  );
  assert.ok(err < 0.25 * before, `carried ${err} vs unwarped ${before}`);
  assert.ok(maskedMeanAbs(c.sourceCarried, frame, inside) < 0.25 * before);
  assert.ok(trusted > 0.9, `trusted ${trusted}`);
});

test('warping: an integer flow moves the image exactly, bilinear and bicubic alike; bicubic keeps a linear ramp and more detail at half a pixel', () => {
  const img = view(40, 30);
  const { width: w, height: h } = img;
  const n = w * h;
  const flow = (u: number, v: number) => ({ width: w, height: h, u: new Float32Array(n).fill(u), v: new Float32Array(n).fill(v) });
  for (const interp of ['bilinear', 'cubic'] as const) {
    const moved = warp(img, flow(2, 1), interp);
    for (const [x, y] of [
      [10, 10],
      [80, 60],
      [150, 100],
    ])
      for (let c = 0; c < 3; c++) assert.ok(Math.abs(moved.data[c * n + y * w + x] - img.data[c * n + (y + 1) * w + x + 2]) < 1e-3, `${interp} ${x},${y}`);
  }
  const ramp = { width: w, height: h, data: Float32Array.from({ length: 3 * n }, (_, i) => 2 * (i % w)) };
  const half = warp(ramp, flow(0.5, 0), 'cubic');
  assert.ok(Math.abs(half.data[60 * w + 80] - 161) < 1e-3, `ramp at 80.5: ${half.data[60 * w + 80]}`);
  // Resampled at half a pixel ten times over, bicubic keeps more of the fine contrast than bilinear.
  const detail = (im: RgbImage) =>
    im.data.slice(10 * w, (h - 10) * w).reduce((a, v, i, d) => a + (i % w > 10 && i % w < w - 10 ? Math.abs(v - d[i - 1]) : 0), 0);
  let [bl, cu] = [img, img];
  for (let k = 0; k < 10; k++) [bl, cu] = [warp(bl, flow(k % 2 ? -0.5 : 0.5, 0)), warp(cu, flow(k % 2 ? -0.5 : 0.5, 0), 'cubic')];
  console.log(
    `  fine contrast after 10 half-pixel carries: bilinear ${(detail(bl) / detail(img)).toFixed(2)}, bicubic ${(detail(cu) / detail(img)).toFixed(2)} of the original`,
  );
  assert.ok(detail(cu) > 1.2 * detail(bl));
});

test("the flow blend keeps the texture's contrast: a texture averaged with a shifted copy gets its local contrast back, flat areas untouched", async () => {
  const texture = view(40, 30);
  const shifted = view(43, 31);
  const { width: w, height: h } = texture;
  const n = w * h;
  const blend = { width: w, height: h, data: texture.data.map((v, i) => 0.6 * shifted.data[i] + 0.4 * v) };
  // Left half: where the blend happened; right half: left as it was.
  const where = Uint8Array.from({ length: n }, (_, i) => (i % w < w / 2 ? 1 : 0));
  const out = await contrastMatched(blend, texture, where);
  // (the fine contrast the blend lost, over the left half)
  const detail = (img: RgbImage) => fineContrast(img, w / 2);
  const [d0, db, dm] = [detail(texture), detail(blend), detail(out)];
  console.log(`  fine contrast (mean |Laplacian|): frame ${d0.toFixed(2)}, blend ${db.toFixed(2)}, matched ${dm.toFixed(2)}`);
  assert.ok(db < 0.9 * d0, 'the blend lost contrast');
  assert.ok(dm > db + 0.5 * (d0 - db), 'matching gives most of it back');
  assert.ok(dm < 1.3 * d0, 'without overshooting');
  // Outside the mask nothing changes; local means are kept.
  for (let i = 0; i < n; i++) if (!where[i]) assert.equal(out.data[i], blend.data[i]);
  const mean = (img: RgbImage) => img.data.reduce((a, v, i) => a + (where[i % n] ? v : 0), 0);
  assert.ok(Math.abs(mean(out) - mean(blend)) / mean(blend) < 0.01, 'brightness kept');
  // A flat blend (no texture) stays flat.
  const flat = { width: w, height: h, data: new Float32Array(3 * n).fill(100) };
  assert.deepEqual((await contrastMatched(flat, flat, where)).data, flat.data);
});

/** `matchLocalContrast`'s graph run once on images. */
async function contrastMatched(blended: RgbImage, frame: RgbImage, where: Uint8Array): Promise<RgbImage> {
  const { width: w, height: h } = frame;
  const g = new G.Graph();
  const [b, f, m] = [g.input('blended', [1, 3, h, w]), g.input('frame', [1, 3, h, w]), g.input('where', [1, 1, h, w])];
  try {
    const [y] = await (await runtime.compile([matchLocalContrast(b, f, m)])).run(
      new Map([
        [b, blended.data],
        [f, frame.data],
        [m, Float32Array.from(where)],
      ]),
    );
    return { width: w, height: h, data: y.data };
  } finally {
    await runtime.releaseGraph(g);
  }
}

test("the carry's blend as a graph equals the JavaScript it replaced, and its JavaScript reference with the finest band kept (odd and even sizes; mask, threshold and edges)", async () => {
  const blender = new CarryBlender(runtime);
  try {
    for (const [w, h] of [
      [160, 120],
      [77, 51],
    ]) {
      const [frame, prevSource] = [view(40, 30, 1, w, h), view(42, 31, 1, w, h)];
      // A "network output" with texture, a carried one shifted, and a flow mask with holes.
      const out = { ...frame, data: frame.data.map((v, i) => (v * 1.3 + (i % 13)) % 256) };
      const carried = { ...prevSource, data: prevSource.data.map((v, i) => (v * 1.2 + (i % 7)) % 256) };
      const trusted = Uint8Array.from({ length: w * h }, (_, i) => (i % 11 ? 1 : 0));
      for (const keepFinest of [false, true]) {
        const graph = await blender.run(frame, out, prevSource, carried, CARRY_BLEND, trusted, keepFinest);
        const reference = blendCarriedReference(frame, out, prevSource, carried, CARRY_BLEND, trusted, keepFinest);
        const changed = reference.data.filter((v, i) => Math.abs(v - out.data[i]) > 1e-3).length;
        assert.ok(changed > 0.2 * out.data.length, `the blend changed ${changed} values`);
        const d = maxAbsDiff(graph.data, reference.data);
        assert.ok(d < 0.05, `${w}×${h}${keepFinest ? ', finest band kept' : ''}: ${d}`);
      }
    }
  } finally {
    await blender.release();
  }
});

test('a network with pixel-fine strokes: the carry keeps the finest band its own, blends the rest; its default is flow', async () => {
  // The output: a smooth ramp and a one-pixel checker (the finest band); the carried copy has a different ramp and
  // the checker lost to resampling, as a sub-pixel warp loses it.
  const [w, h] = [48, 40];
  const n = w * h;
  const img = (f: (x: number, y: number, c: number) => number): RgbImage => {
    const data = new Float32Array(3 * n);
    for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[c * n + y * w + x] = f(x, y, c);
    return { width: w, height: h, data };
  };
  const checker = (x: number, y: number) => ((x + y) % 2 ? 12 : -12);
  const out = img((x, y, c) => 100 + 2 * x + c + checker(x, y));
  const carried = img((x, _y, c) => 130 + 2 * x + c);
  const frame = img(() => 128);
  const blender = new CarryBlender(runtime);
  try {
    const [all, kept] = [
      await blender.run(frame, out, frame, carried, CARRY_BLEND, undefined, false),
      await blender.run(frame, out, frame, carried, CARRY_BLEND, undefined, true),
    ];
    /** Mean |checker component| (x+y parity contrast) and mean level inside a 4-px border. */
    const measure = (r: RgbImage) => {
      let [fine, level, k] = [0, 0, 0];
      for (let y = 4; y < h - 4; y++)
        for (let x = 4; x < w - 5; x++) {
          fine += Math.abs(r.data[y * w + x] - r.data[y * w + x + 1]) / 2;
          level += r.data[y * w + x];
          k++;
        }
      return { fine: fine / k, level: level / k };
    };
    const [o, a, f] = [measure(out), measure(all), measure(kept)];
    console.log(`  checker contrast: output ${o.fine.toFixed(2)}, blended all ${a.fine.toFixed(2)}, finest kept ${f.fine.toFixed(2)}`);
    assert.ok(Math.abs(f.fine - o.fine) < 0.1 * o.fine, "the finest band stays the output's own");
    assert.ok(a.fine < 0.8 * o.fine, 'blending everything loses it');
    // Below the finest band both blend the carried level in (60 % of the way from 100+ to 130+).
    for (const r of [a, f]) assert.ok(Math.abs(r.level - (o.level + 0.6 * 30)) < 1.5, `level ${r.level} vs ${o.level}`);
  } finally {
    await blender.release();
  }
  assert.equal(defaultStabilization(await loadTransformModel('scream-nodepth', store)), 'flow');
  assert.equal(defaultStabilization({}), DEFAULT_STABILIZATION);
  assert.equal(DEFAULT_STABILIZATION, 'both');
});

test("the webcam's carry (zero flow): still parts flicker less, a moving square is not smeared", async () => {
  const [W, H, S] = [64, 48, 12];
  // A still textured background and a bright square moving 6 px per frame; the "stylization" adds fresh noise.
  const source = (t: number): RgbImage => {
    const n = W * H;
    const data = new Float32Array(3 * n);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const inSquare = x >= 6 * t && x < 6 * t + S && y >= 18 && y < 18 + S;
        for (let c = 0; c < 3; c++) data[c * n + y * W + x] = inSquare ? 240 : 60 + 40 * Math.sin(x / 3 + c) * Math.cos(y / 4);
      }
    return { width: W, height: H, data };
  };
  let seed = 7;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
  const raw = (f: RgbImage): RgbImage => ({ ...f, data: f.data.map((v) => v + 15 * rand()) });
  let prev: { source: RgbImage; out: RgbImage } | undefined;
  const outs: RgbImage[] = [];
  const raws: RgbImage[] = [];
  const blender = new CarryBlender(runtime);
  for (let t = 0; t < 6; t++) {
    const frame = source(t);
    const r = raw(frame);
    raws.push(r);
    const out = prev ? await blender.run(frame, r, prev.source, prev.out, CARRY_BLEND) : r;
    outs.push(out);
    prev = { source: frame, out };
  }
  await blender.release();
  const n = W * H;
  /** Mean |frame t − frame t−1| over the background rows the square never crosses. */
  const flicker = (seq: RgbImage[]) => {
    let [s, k] = [0, 0];
    for (let t = 1; t < seq.length; t++)
      for (let y = 0; y < 16; y++)
        for (let x = 0; x < W; x++) for (let c = 0; c < 3; c++) (s += Math.abs(seq[t].data[c * n + y * W + x] - seq[t - 1].data[c * n + y * W + x])), k++;
    return s / k;
  };
  const [before, after] = [flicker(raws), flicker(outs)];
  console.log(`  still background: frame-to-frame change ${before.toFixed(2)} per frame, ${after.toFixed(2)} with the carry`);
  assert.ok(after < 0.6 * before, `${after} vs ${before}`);
  // Where the square has just moved onto the background, the output is this frame's own: no ghost of the background.
  for (let y = 20; y < 28; y++) for (let x = 6 * 4 + S; x < 6 * 5 + S; x++) assert.equal(outs[5].data[y * W + x], raws[5].data[y * W + x]);
});

const dir = await mkdtemp(path.join(os.tmpdir(), 'ds-video-'));
const clip = path.join(dir, 'clip.mp4');
// 1.2 s at 10 fps with a tone: 12 frames.
execFileSync('ffmpeg', [
  '-v',
  'error',
  '-f',
  'lavfi',
  '-i',
  'testsrc2=size=96x64:rate=10:duration=1.2',
  '-f',
  'lavfi',
  '-i',
  'sine=frequency=440:duration=1.2',
  '-c:v',
  'libx264',
  '-pix_fmt',
  'yuv420p',
  '-c:a',
  'aac',
  '-shortest',
  clip,
]);
const probe = (f: string) =>
  JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-print_format', 'json', '-show_streams', '-show_format', f], { encoding: 'utf8' })) as {
    streams: Record<string, string>[];
    format: Record<string, string>;
  };

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
  assert.ok(
    b.streams.some((s) => s.codec_type === 'audio'),
    'audio kept',
  );
  const part = path.join(dir, 'part.mp4');
  assert.equal(
    (await cli('stylize', clip, '--style', 'the_scream', '--start', '0.5', '--duration', '0.5', '--stabilize', 'none', '-o', part, '--threads', '1')).code,
    0,
  );
  assert.equal(video(probe(part)).nb_read_frames, '5');
});

test('stylize CLIP.mp4 refuses bad input with one line and writes nothing', async () => {
  const out = path.join(dir, 'bad.mp4');
  const junk = path.join(dir, 'junk.mp4');
  await writeFile(junk, 'not a video');
  await assertRefused([
    [['stylize', path.join(dir, 'missing.mp4'), '--model', 'scream-depth', '-o', out], /missing\.mp4: no such file/],
    [['stylize', junk, '--model', 'scream-depth', '-o', out], /junk\.mp4: not a readable video/],
    [['stylize', clip, '--model', 'scream-depth', '-o', clip], /that is an input file; it would be overwritten/],
    [['stylize', clip, '--model', 'scream-depth', '-o', path.join(dir, 'x.jpg')], /name the output OUT\.mp4/],
    [['stylize', clip, '--model', 'scream-depth', '--start', '9', '-o', out], /--start 9: the clip .* is 1\.\d+ s long/],
    [['stylize', clip, '--model', 'scream-depth', '--stabilize', 'magic', '-o', out], /--stabilize/],
    [['stylize', photo('tubingen.jpg'), '--model', 'scream-depth', '--duration', '2', '-o', path.join(dir, 'y.jpg')], /are for a video input/],
  ]);
  assert.ok(!existsSync(out));
  assert.deepEqual(
    (await readdir(dir)).filter((f) => f.endsWith('.tmp')),
    [],
    'no temporary files left',
  );
});

test('without ffmpeg, one line says how to install it', async () => {
  const { execFile } = await import('node:child_process');
  // A PATH that holds node and nothing else.
  const bin = await mkdtemp(path.join(os.tmpdir(), 'ds-nopath-'));
  await symlink(process.execPath, path.join(bin, 'node'));
  const r = await new Promise<{ code: number; stderr: string }>((resolve) =>
    execFile(
      process.execPath,
      [path.join(process.cwd(), 'bin', 'depthstyle.js'), 'stylize', clip, '--model', 'scream-depth', '-o', path.join(dir, 'n.mp4')],
      { env: { ...process.env, PATH: bin } },
      (err, _o, stderr) => resolve({ code: (err as { code?: number } | null)?.code ?? 0, stderr }),
    ),
  );
  assert.equal(r.code, 1);
  assert.match(r.stderr, /ffmpeg is needed for video and was not found: install it \(Debian\/Ubuntu: sudo apt install ffmpeg/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});
