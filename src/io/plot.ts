// Loss curves as PNG: a small SVG line chart (log scale) rendered by sharp.
import sharp from 'sharp';
import { writeFileAtomic } from './atomic.js';

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];

export function lossChartSvg(series: Record<string, number[]>, title: string, width = 720, height = 400): string {
  const names = Object.keys(series).filter((k) => series[k].some((v) => v > 0));
  const all = names.flatMap((k) => series[k].filter((v) => v > 0));
  const lo = Math.log10(Math.min(...all, 1));
  const hi = Math.log10(Math.max(...all, 10));
  const n = Math.max(1, ...names.map((k) => series[k].length));
  const m = { l: 60, r: 130, t: 30, b: 40 };
  const X = (i: number) => m.l + ((width - m.l - m.r) * i) / Math.max(1, n - 1);
  const Y = (v: number) => height - m.b - ((height - m.t - m.b) * (Math.log10(v) - lo)) / (hi - lo || 1);
  const lines = names.map((k, j) => {
    const pts = series[k].map((v, i) => (v > 0 ? `${X(i).toFixed(1)},${Y(v).toFixed(1)}` : '')).filter(Boolean).join(' ');
    return `<polyline fill="none" stroke="${COLORS[j % COLORS.length]}" stroke-width="1.5" points="${pts}"/><text x="${width - m.r + 10}" y="${m.t + 18 * j + 10}" fill="${COLORS[j % COLORS.length]}" font-size="13" font-family="sans-serif">${k}</text>`;
  });
  const ticks: string[] = [];
  for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) {
    const y = Y(10 ** e);
    if (y < m.t - 1 || y > height - m.b + 1) continue;
    ticks.push(`<line x1="${m.l}" x2="${width - m.r}" y1="${y}" y2="${y}" stroke="#ddd"/><text x="${m.l - 6}" y="${y + 4}" text-anchor="end" font-size="11" font-family="sans-serif">1e${e}</text>`);
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="white"/>${ticks.join('')}<text x="${m.l}" y="20" font-size="14" font-family="sans-serif">${title}</text><text x="${(width - m.r + m.l) / 2}" y="${height - 10}" text-anchor="middle" font-size="12" font-family="sans-serif">step (1…${n})</text>${lines.join('')}</svg>`;
}

export async function writeLossChart(file: string, series: Record<string, number[]>, title: string): Promise<void> {
  await writeFileAtomic(file, await sharp(Buffer.from(lossChartSvg(series, title))).png().toBuffer());
}
