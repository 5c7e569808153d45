// Video through Debian's ffmpeg, streamed: frames are decoded into a pipe one at a time (raw RGB) and encoded
// from one (H.264), so a clip is never held in memory. Rates are kept as ffprobe states them (25/1, 30000/1001),
// the audio of the same span is carried over, and the output is written to a temporary file renamed at the end.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { RgbImage } from './rgb.js';
import { writeAtomicWith } from './atomic.js';
import { checkInputFile, defaultMaxPixels } from './image.js';
import { checkString } from './arguments.js';

export const VIDEO_EXTENSIONS = ['.mp4', '.mov', '.m4v', '.mkv', '.webm', '.avi'];
export const isVideoFile = (file: string) => VIDEO_EXTENSIONS.some((e) => file.toLowerCase().endsWith(e));

/** The one line a user without ffmpeg gets. */
export function requireFfmpeg(): void {
  for (const tool of ['ffmpeg', 'ffprobe']) {
    const r = spawnSync(tool, ['-version'], { stdio: 'ignore' });
    if (r.error || r.status !== 0)
      throw new Error(`${tool} is needed for video and was not found: install it (Debian/Ubuntu: sudo apt install ffmpeg; macOS: brew install ffmpeg)`);
  }
}

/**
 * A file name as ffmpeg must see it: `file:` and an absolute path, so that no user's string is ever parsed as an
 * option (`-h.mp4`) or a protocol (`concat:a.mp4|b.mp4`, `http:`).
 */
export const ffmpegPath = (file: string) => `file:${path.resolve(file)}`;

export interface VideoInfo {
  /** The size the frames are shown at (rotation metadata applied: a phone's portrait clip is taller than wide). */
  width: number;
  height: number;
  /** Degrees the stored frames are turned when shown (0, 90, 180, 270). */
  rotation: number;
  /** Frames in the stream, as its header states them (0 when it does not). */
  frames: number;
  /** The frame rate as ffprobe states it ("25/1", "30000/1001"), and as a number. */
  rate: string;
  fps: number;
  /** Seconds. */
  duration: number;
  hasAudio: boolean;
}

/** The first video stream's size, rate and duration, and whether there is audio; a one-line error otherwise. */
export function probeVideo(file: string, o: { maxPixels?: number } = {}): VideoInfo {
  checkString(file, 'probeVideo: file');
  const r = spawnSync('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', ffmpegPath(file)], {
    encoding: 'utf8',
    maxBuffer: 16 << 20,
    timeout: 60_000,
  });
  if (r.error) throw new Error(`${file}: cannot run ffprobe (${r.error.message})`);
  let parsed: { streams?: Record<string, unknown>[]; format?: Record<string, string> };
  try {
    parsed = JSON.parse(r.stdout || '{}');
  } catch {
    parsed = {};
  }
  const video = parsed.streams?.find((s) => s.codec_type === 'video') as
    | Record<string, string | number | Record<string, unknown>[] | Record<string, string>>
    | undefined;
  if (r.status !== 0 || !video)
    throw new Error(
      `${file}: not a readable video (${(r.stderr || 'no video stream')
        .trim()
        .split('\n')
        .pop()
        ?.replace(/^file:\S+: /, '')})`,
    );
  const rate = String(video.avg_frame_rate && video.avg_frame_rate !== '0/0' ? video.avg_frame_rate : video.r_frame_rate);
  const [num, den] = rate.split('/').map(Number);
  const fps = num / (den || 1);
  const duration = Number(video.duration ?? parsed.format?.duration);
  const [stored, storedH] = [Number(video.width), Number(video.height)];
  if (!(stored > 0 && storedH > 0) || !(fps > 0 && fps < 1000) || !(duration > 0))
    throw new Error(`${file}: a video stream without a usable size, frame rate or duration`);
  const maxPixels = o.maxPixels ?? defaultMaxPixels();
  // Refused from the header: a small file can declare frames of 16384×8192.
  if (stored * storedH > maxPixels)
    throw new Error(
      `${file}: the clip declares ${stored}×${storedH} = ${((stored * storedH) / 1e6).toFixed(0)} MP frames, above the limit of ${(maxPixels / 1e6).toFixed(0)} MP (--max-pixels)`,
    );
  // Rotation: the display matrix (side data) or the older `rotate` tag; ffmpeg turns frames upright on decode.
  const side = Array.isArray(video.side_data_list) ? video.side_data_list.find((d) => d.rotation !== undefined) : undefined;
  const tags = (video.tags ?? {}) as Record<string, string>;
  const rotation = (((Math.round(Number(side?.rotation ?? tags.rotate ?? 0) / 90) * 90) % 360) + 360) % 360;
  const turned = rotation === 90 || rotation === 270;
  return {
    width: turned ? storedH : stored,
    height: turned ? stored : storedH,
    rotation,
    frames: Number(video.nb_frames) || 0,
    rate,
    fps,
    duration,
    hasAudio: !!parsed.streams?.some((s) => s.codec_type === 'audio'),
  };
}

/** A clip as an input: a regular, non-empty file (never a FIFO or a device), readable by ffprobe, within the pixel limit. */
export async function checkVideo(file: string, o: { maxPixels?: number } = {}): Promise<VideoInfo> {
  await checkInputFile(file);
  return probeVideo(file, o);
}

export interface FrameSpan {
  /** Seconds from the start of the clip (default 0). */
  start?: number;
  /** Seconds (default: to the end). */
  duration?: number;
}

const spanArgs = (s: FrameSpan) => [...(s.start ? ['-ss', String(s.start)] : []), ...(s.duration ? ['-t', String(s.duration)] : [])];

/** The frame size for a long side of at most `maxSide`: even sides (H.264's 4:2:0 needs them). */
export function videoFrameSize(info: Pick<VideoInfo, 'width' | 'height'>, maxSide?: number): [number, number] {
  if (!info || !(Number.isFinite(info.width) && info.width > 0 && Number.isFinite(info.height) && info.height > 0))
    throw new TypeError('videoFrameSize: info must have a positive width and height');
  if (maxSide !== undefined && !(Number.isFinite(maxSide) && maxSide >= 2))
    throw new TypeError(`videoFrameSize: maxSide must be a number of at least 2, got ${String(maxSide)}`);
  const k = maxSide ? Math.min(1, maxSide / Math.max(info.width, info.height)) : 1;
  const even = (v: number) => Math.max(2, 2 * Math.round((v * k) / 2));
  return [even(info.width), even(info.height)];
}

function failure(p: ChildProcessWithoutNullStreams, what: string): Promise<void> {
  let err = '';
  p.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    p.on('error', (e) => reject(new Error(`${what}: ${e.message}`)));
    p.on('close', (code, signal) => {
      if (code === 0) return resolve();
      if (signal) return reject(new Error(`${what}: ffmpeg was stopped (${signal})`));
      // A damaged input says so in one line of ours; anything else gives ffmpeg's last line, without its paths.
      const damage = err.split('\n').find((l) => DAMAGED.test(l));
      if (damage)
        return reject(
          new Error(
            `${what}: the clip is truncated or damaged (${damage
              .replace(/^\[[^\]]*\]\s*/, '')
              .replace(/file:\S+: /, '')
              .trim()}); nothing written`,
          ),
        );
      reject(
        new Error(
          `${what}: ffmpeg failed (${
            err
              .trim()
              .split('\n')
              .pop()
              ?.replace(/file:\S+/g, '')
              .trim() ?? code
          })`,
        ),
      );
    });
  });
}

/** Whether ffmpeg's messages say the input is cut short or damaged (frames would be missing). */
const DAMAGED = /partial file|invalid data|corrupt|truncat|moov atom not found|error while decoding|end of file/i;

/**
 * Decodes the frames of `file` (over `span`, scaled to width × height), one at a time, as planar RGB 0–255. Each
 * source frame comes out once (no frames repeated or dropped to a constant rate: a variable-rate clip keeps its
 * frame count). A clip that ffmpeg finds cut short or damaged throws at its end rather than ending early.
 */
export async function* readFrames(file: string, size: readonly [number, number], span: FrameSpan = {}, signal?: AbortSignal): AsyncGenerator<RgbImage> {
  if (typeof file !== 'string' || !file) throw new TypeError('readFrames: file must be a file name');
  if (!Array.isArray(size) || size.length !== 2 || !size.every((v) => Number.isInteger(v) && v >= 2 && v <= 16384))
    throw new TypeError(`readFrames: size must be [width, height], whole numbers from 2 to 16384, got ${JSON.stringify(size)}`);
  for (const k of ['start', 'duration'] as const)
    if (span[k] !== undefined && !(Number.isFinite(span[k]) && span[k]! >= 0))
      throw new TypeError(`readFrames: span.${k} must be a number of seconds ≥ 0, got ${String(span[k])}`);
  const [width, height] = size;
  const p = spawn(
    'ffmpeg',
    [
      '-v',
      'error',
      '-nostdin',
      ...spanArgs(span),
      '-i',
      ffmpegPath(file),
      '-map',
      '0:v:0',
      '-fps_mode',
      'passthrough',
      '-vf',
      `scale=${width}:${height}:flags=lanczos`,
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      'pipe:1',
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let messages = '';
  p.stderr.on('data', (d: Buffer) => (messages = (messages + d.toString()).slice(-4000)));
  const done = failure(p, file);
  const onAbort = () => p.kill('SIGTERM');
  signal?.addEventListener('abort', onAbort);
  const bytes = 3 * width * height;
  const n = width * height;
  // One frame's bytes are collected into one buffer as the chunks arrive (no copy of what came before).
  let frame = Buffer.allocUnsafe(bytes);
  let filled = 0;
  try {
    for await (const chunk of p.stdout as AsyncIterable<Buffer>) {
      let at = 0;
      while (at < chunk.length) {
        const take = Math.min(bytes - filled, chunk.length - at);
        chunk.copy(frame, filled, at, at + take);
        filled += take;
        at += take;
        if (filled === bytes) {
          const data = new Float32Array(3 * n);
          for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) data[c * n + i] = frame[3 * i + c];
          filled = 0;
          frame = Buffer.allocUnsafe(bytes);
          yield { width, height, data };
        }
      }
    }
    await done;
    const damage = messages.split('\n').find((l) => DAMAGED.test(l));
    if (damage)
      throw new Error(
        `${file}: the clip is truncated or damaged (${damage
          .replace(/^\[[^\]]*\]\s*/, '')
          .replace(/file:\S+: /, '')
          .trim()}); nothing written`,
      );
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (p.exitCode === null) p.kill('SIGTERM');
    done.catch(() => undefined);
  }
}

export interface VideoOutput {
  rate: string;
  /** Carry over the audio of this file over the same span (when it has any). */
  audioFrom?: { file: string; span: FrameSpan };
  /** x264 quality (lower is better; default 18, visually lossless for most clips). */
  crf?: number;
}

/**
 * Encodes `frames` (all of one size) as H.264 MP4 into `file`, atomically: a temporary file renamed at the end,
 * removed when the frames fail or the job is interrupted. Returns the number of frames written.
 */
export async function writeVideo(file: string, frames: AsyncIterable<RgbImage>, o: VideoOutput): Promise<number> {
  if (typeof file !== 'string' || !file) throw new TypeError('writeVideo: file must be a file name');
  if (!frames || typeof (frames as AsyncIterable<RgbImage>)[Symbol.asyncIterator] !== 'function')
    throw new TypeError('writeVideo: frames must be an async iterable of images');
  if (!o || typeof o.rate !== 'string' || !/^\d+(\.\d+)?(\/\d+)?$/.test(o.rate) || !(Number(o.rate.split('/')[0]) > 0))
    throw new TypeError(`writeVideo: rate must be a frame rate such as "25/1" or "29.97", got ${JSON.stringify(o?.rate)}`);
  if (o.crf !== undefined && !(Number.isInteger(o.crf) && o.crf >= 0 && o.crf <= 51))
    throw new TypeError(`writeVideo: crf must be a whole number from 0 to 51, got ${String(o.crf)}`);
  let count = 0;
  await writeAtomicWith(file, async (tmp) => {
    const it = frames[Symbol.asyncIterator]();
    const first = await it.next();
    if (first.done) throw new Error(`${file}: no frames to write (is --start past the end of the clip?)`);
    const { width, height } = first.value;
    // H.264's 4:2:0 needs even sides; videoFrameSize gives them.
    if (!(Number.isInteger(width) && Number.isInteger(height) && width >= 2 && height >= 2 && width % 2 === 0 && height % 2 === 0))
      throw new TypeError(`writeVideo: frames must have even sides of at least 2 px (videoFrameSize gives them), got ${width}×${height}`);
    const audio = o.audioFrom ? ['-i', ffmpegPath(o.audioFrom.file)] : [];
    const args = [
      '-v',
      'error',
      '-y',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-s',
      `${width}x${height}`,
      '-r',
      o.rate,
      '-i',
      'pipe:0',
      ...(o.audioFrom ? [...spanArgs(o.audioFrom.span), ...audio, '-map', '0:v:0', '-map', '1:a:0?', '-c:a', 'aac', '-b:a', '160k'] : []),
      '-c:v',
      'libx264',
      '-preset',
      'medium',
      '-crf',
      String(o.crf ?? 18),
      '-pix_fmt',
      'yuv420p',
      '-movflags',
      '+faststart',
      '-f',
      'mp4',
      ffmpegPath(tmp),
    ];
    const p = spawn('ffmpeg', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const done = failure(p, file);
    const n = width * height;
    const write = (img: RgbImage) => {
      if (!img || !(img.data instanceof Float32Array) || img.data.length !== 3 * img.width * img.height)
        throw new TypeError(`writeVideo: frame ${count + 1} is not an RgbImage (planar Float32Array of 3 × width × height)`);
      if (img.width !== width || img.height !== height)
        throw new Error(`${file}: frame ${count + 1} is ${img.width}×${img.height}, the first was ${width}×${height}`);
      const buf = Buffer.alloc(3 * n);
      for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) buf[3 * i + c] = Math.min(255, Math.max(0, Math.round(img.data[c * n + i])));
      count++;
      return p.stdin.write(buf) ? Promise.resolve() : new Promise<void>((r) => p.stdin.once('drain', () => r()));
    };
    try {
      await write(first.value);
      for (let r = await it.next(); !r.done; r = await it.next()) await write(r.value);
      p.stdin.end();
      await done;
    } catch (err) {
      p.kill('SIGKILL');
      await done.catch(() => undefined);
      throw err;
    }
  });
  return count;
}

/** Runs ffmpeg or ffprobe on arguments (never through a shell); its stdout, or an error with its last line. */
function runTool(tool: 'ffmpeg' | 'ffprobe', args: string[], what: string): string {
  const r = spawnSync(tool, args, { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 600_000 });
  if (r.error || r.status !== 0) throw new Error(`${what}: ${tool} failed (${(r.error?.message ?? r.stderr ?? '').trim().split('\n').at(-1)})`);
  return r.stdout;
}

/**
 * The video of `file` cut into pieces of about `seconds` at its keyframes, without re-encoding (stream copy):
 * `DIR/segNNNN.mp4`, in order, with how many frames each holds. Decoding every piece gives every frame once.
 */
export function splitAtKeyframes(file: string, dir: string, seconds: number): { file: string; frames: number }[] {
  runTool(
    'ffmpeg',
    [
      '-v',
      'error',
      '-i',
      ffmpegPath(file),
      '-map',
      '0:v:0',
      '-c',
      'copy',
      '-f',
      'segment',
      '-segment_time',
      String(seconds),
      '-reset_timestamps',
      '1',
      ffmpegPath(path.join(dir, 'seg%04d.mp4')),
    ],
    file,
  );
  const out: { file: string; frames: number }[] = [];
  for (let k = 0; ; k++) {
    const seg = path.join(dir, `seg${String(k).padStart(4, '0')}.mp4`);
    if (!existsSync(seg)) break;
    const n = Number(
      runTool(
        'ffprobe',
        ['-v', 'error', '-select_streams', 'v:0', '-count_packets', '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', ffmpegPath(seg)],
        seg,
      ).trim(),
    );
    out.push({ file: seg, frames: n });
  }
  return out;
}

/** Joins MP4 pieces of one encoding (stream copy) into `file`, atomically, with the audio of `audioFrom` when it has any. */
export async function joinVideos(file: string, parts: readonly string[], audioFrom?: string): Promise<void> {
  await writeAtomicWith(file, async (tmp) => {
    const list = `${tmp}.txt`;
    const { writeFile, rm } = await import('node:fs/promises');
    // The concat demuxer's list: each piece by absolute path, quoted as its syntax asks.
    await writeFile(list, parts.map((p) => `file '${path.resolve(p).replaceAll("'", "'\\''")}'\n`).join(''));
    try {
      runTool(
        'ffmpeg',
        [
          '-v',
          'error',
          '-y',
          '-f',
          'concat',
          '-safe',
          '0',
          '-i',
          ffmpegPath(list),
          ...(audioFrom ? ['-i', ffmpegPath(audioFrom), '-map', '0:v:0', '-map', '1:a:0?', '-c:a', 'aac', '-b:a', '160k'] : []),
          '-c:v',
          'copy',
          '-movflags',
          '+faststart',
          '-f',
          'mp4',
          ffmpegPath(tmp),
        ],
        file,
      );
    } finally {
      await rm(list, { force: true });
    }
  });
}
