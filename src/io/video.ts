// Video through Debian's ffmpeg, streamed: frames are decoded into a pipe one at a time (raw RGB) and encoded
// from one (H.264), so a clip is never held in memory. Rates are kept as ffprobe states them (25/1, 30000/1001),
// the audio of the same span is carried over, and the output is written to a temporary file renamed at the end.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { RgbImage } from './rgb.js';
import { writeAtomicWith } from './atomic.js';

export const VIDEO_EXTENSIONS = ['.mp4', '.mov', '.m4v', '.mkv', '.webm', '.avi'];
export const isVideoFile = (file: string) => VIDEO_EXTENSIONS.some((e) => file.toLowerCase().endsWith(e));

/** The one line a user without ffmpeg gets. */
export function requireFfmpeg(): void {
  for (const tool of ['ffmpeg', 'ffprobe']) {
    const r = spawnSync(tool, ['-version'], { stdio: 'ignore' });
    if (r.error || r.status !== 0) throw new Error(`${tool} is needed for video and was not found: install it (Debian/Ubuntu: sudo apt install ffmpeg; macOS: brew install ffmpeg)`);
  }
}

export interface VideoInfo {
  width: number;
  height: number;
  /** The frame rate as ffprobe states it ("25/1", "30000/1001"), and as a number. */
  rate: string;
  fps: number;
  /** Seconds. */
  duration: number;
  hasAudio: boolean;
}

/** The first video stream's size, rate and duration, and whether there is audio; a one-line error otherwise. */
export function probeVideo(file: string): VideoInfo {
  const r = spawnSync('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', file], { encoding: 'utf8', maxBuffer: 16 << 20 });
  if (r.error) throw new Error(`${file}: cannot run ffprobe (${r.error.message})`);
  let parsed: { streams?: Record<string, string | number>[]; format?: Record<string, string> };
  try {
    parsed = JSON.parse(r.stdout || '{}');
  } catch {
    parsed = {};
  }
  const video = parsed.streams?.find((s) => s.codec_type === 'video');
  if (r.status !== 0 || !video) throw new Error(`${file}: not a readable video (${(r.stderr || 'no video stream').trim().split('\n').pop()})`);
  const rate = String(video.avg_frame_rate && video.avg_frame_rate !== '0/0' ? video.avg_frame_rate : video.r_frame_rate);
  const [num, den] = rate.split('/').map(Number);
  const fps = num / (den || 1);
  const duration = Number(video.duration ?? parsed.format?.duration);
  const [width, height] = [Number(video.width), Number(video.height)];
  if (!(width > 0 && height > 0) || !(fps > 0 && fps < 1000) || !(duration > 0)) throw new Error(`${file}: a video stream without a usable size, frame rate or duration`);
  return { width, height, rate, fps, duration, hasAudio: !!parsed.streams?.some((s) => s.codec_type === 'audio') };
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
  const k = maxSide ? Math.min(1, maxSide / Math.max(info.width, info.height)) : 1;
  const even = (v: number) => Math.max(2, 2 * Math.round((v * k) / 2));
  return [even(info.width), even(info.height)];
}

function failure(p: ChildProcessWithoutNullStreams, what: string): Promise<void> {
  let err = '';
  p.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
  return new Promise((resolve, reject) => {
    p.on('error', (e) => reject(new Error(`${what}: ${e.message}`)));
    p.on('close', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${what}: ffmpeg ${signal ? `was stopped (${signal})` : `failed (${err.trim().split('\n').pop() ?? code})`}`))));
  });
}

/** Decodes the frames of `file` (over `span`, scaled to width × height), one at a time, as planar RGB 0–255. */
export async function* readFrames(file: string, size: [number, number], span: FrameSpan = {}, signal?: AbortSignal): AsyncGenerator<RgbImage> {
  const [width, height] = size;
  const p = spawn('ffmpeg', ['-v', 'error', '-nostdin', ...spanArgs(span), '-i', file, '-map', '0:v:0', '-vf', `scale=${width}:${height}:flags=lanczos`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const done = failure(p, file);
  const onAbort = () => p.kill('SIGTERM');
  signal?.addEventListener('abort', onAbort);
  const n = width * height;
  let pending: Buffer = Buffer.alloc(0);
  try {
    for await (const chunk of p.stdout as AsyncIterable<Buffer>) {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= 3 * n) {
        const data = new Float32Array(3 * n);
        for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) data[c * n + i] = pending[3 * i + c];
        pending = pending.subarray(3 * n);
        yield { width, height, data };
      }
    }
    await done;
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
  let count = 0;
  await writeAtomicWith(file, async (tmp) => {
    const it = frames[Symbol.asyncIterator]();
    const first = await it.next();
    if (first.done) throw new Error(`${file}: no frames to write (is --start past the end of the clip?)`);
    const { width, height } = first.value;
    const audio = o.audioFrom ? ['-i', o.audioFrom.file] : [];
    const args = [
      '-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', o.rate, '-i', 'pipe:0',
      ...(o.audioFrom ? [...spanArgs(o.audioFrom.span), ...audio, '-map', '0:v:0', '-map', '1:a:0?', '-c:a', 'aac', '-b:a', '160k'] : []),
      '-c:v', 'libx264', '-preset', 'medium', '-crf', String(o.crf ?? 18), '-pix_fmt', 'yuv420p', '-movflags', '+faststart', '-f', 'mp4', tmp,
    ];
    const p = spawn('ffmpeg', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const done = failure(p, file);
    const n = width * height;
    const write = (img: RgbImage) => {
      if (img.width !== width || img.height !== height) throw new Error(`${file}: frame ${count + 1} is ${img.width}×${img.height}, the first was ${width}×${height}`);
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
