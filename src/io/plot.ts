// Loss curves as PNG: a small SVG line chart (log scale) rendered by sharp.
import sharp from 'sharp';
import { writeFileAtomic } from './atomic.js';

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22'];

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
    const pts = series[k]
      .map((v, i) => (v > 0 ? `${X(i).toFixed(1)},${Y(v).toFixed(1)}` : ''))
      .filter(Boolean)
      .join(' ');
    return `<polyline fill="none" stroke="${COLORS[j % COLORS.length]}" stroke-width="1.5" points="${pts}"/><text x="${width - m.r + 10}" y="${m.t + 18 * j + 10}" fill="${COLORS[j % COLORS.length]}" font-size="13" font-family="sans-serif">${k}</text>`;
  });
  const ticks: string[] = [];
  for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) {
    const y = Y(10 ** e);
    if (y < m.t - 1 || y > height - m.b + 1) continue;
    ticks.push(
      `<line x1="${m.l}" x2="${width - m.r}" y1="${y}" y2="${y}" stroke="#ddd"/><text x="${m.l - 6}" y="${y + 4}" text-anchor="end" font-size="11" font-family="sans-serif">1e${e}</text>`,
    );
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="white"/>${ticks.join('')}<text x="${m.l}" y="20" font-size="14" font-family="sans-serif">${title}</text><text x="${(width - m.r + m.l) / 2}" y="${height - 10}" text-anchor="middle" font-size="12" font-family="sans-serif">step (1…${n})</text>${lines.join('')}</svg>`;
}

export async function writeLossChart(file: string, series: Record<string, number[]>, title: string): Promise<void> {
  await writeFileAtomic(
    file,
    await sharp(Buffer.from(lossChartSvg(series, title)))
      .png()
      .toBuffer(),
  );
}

export interface ScatterPoint {
  x: number;
  y: number;
  /** A 95 % interval of y, drawn as a whisker. */
  lo?: number;
  hi?: number;
  label?: string;
}
export interface ScatterSeries {
  name: string;
  points: ScatterPoint[];
  /** Drawn dashed and grey: a reference curve. */
  reference?: boolean;
}
export interface ScatterPanel {
  title: string;
  xLabel: string;
  yLabel: string;
  series: ScatterSeries[];
}

/** Panels of connected points with whiskers (a Pareto plot per judge), `columns` to a row, one legend below. */
export function scatterPanelsSvg(panels: readonly ScatterPanel[], title: string, columns = panels.length, panelWidth = 380, panelHeight = 320): string {
  const m = { l: 58, r: 14, t: 46, b: 44 };
  const names = [...new Set(panels.flatMap((p) => p.series.map((s) => s.name)))];
  const colorOf = (n: string) => COLORS[names.indexOf(n) % COLORS.length];
  const legendRows = Math.ceil(names.length / 2);
  const rows = Math.ceil(panels.length / columns);
  const width = columns * panelWidth;
  const height = rows * panelHeight + 22 * legendRows + 30;
  const parts: string[] = [];
  const nice = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(1) : v.toFixed(3));
  panels.forEach((p, k) => {
    const x0 = (k % columns) * panelWidth;
    const top = Math.floor(k / columns) * panelHeight;
    const pts = p.series.flatMap((s) => s.points);
    const xs = pts.map((q) => q.x);
    const ys = pts.flatMap((q) => [q.y, q.lo ?? q.y, q.hi ?? q.y]);
    let [xlo, xhi, ylo, yhi] = [Math.min(0, ...xs), Math.max(...xs), Math.min(0, ...ys), Math.max(...ys)];
    const [px, py] = [(xhi - xlo || 1) * 0.06, (yhi - ylo || 1) * 0.08];
    [xlo, xhi, ylo, yhi] = [xlo - px, xhi + px, ylo - py, yhi + py];
    const X = (v: number) => x0 + m.l + ((panelWidth - m.l - m.r) * (v - xlo)) / (xhi - xlo);
    const Y = (v: number) => top + panelHeight - m.b - ((panelHeight - m.t - m.b) * (v - ylo)) / (yhi - ylo);
    parts.push(`<text x="${x0 + m.l}" y="${top + m.t - 10}" font-size="13" font-family="sans-serif">${p.title}</text>`);
    for (let i = 0; i <= 4; i++) {
      const [vx, vy] = [xlo + ((xhi - xlo) * i) / 4, ylo + ((yhi - ylo) * i) / 4];
      parts.push(
        `<line x1="${X(vx)}" x2="${X(vx)}" y1="${top + m.t}" y2="${top + panelHeight - m.b}" stroke="#eee"/><text x="${X(vx)}" y="${top + panelHeight - m.b + 14}" text-anchor="middle" font-size="10" font-family="sans-serif">${nice(vx)}</text>`,
      );
      parts.push(
        `<line x1="${x0 + m.l}" x2="${x0 + panelWidth - m.r}" y1="${Y(vy)}" y2="${Y(vy)}" stroke="#eee"/><text x="${x0 + m.l - 4}" y="${Y(vy) + 3}" text-anchor="end" font-size="10" font-family="sans-serif">${nice(vy)}</text>`,
      );
    }
    parts.push(
      `<line x1="${x0 + m.l}" x2="${x0 + panelWidth - m.r}" y1="${Y(0)}" y2="${Y(0)}" stroke="#999"/><line x1="${X(0)}" x2="${X(0)}" y1="${top + m.t}" y2="${top + panelHeight - m.b}" stroke="#999"/>`,
    );
    parts.push(
      `<text x="${x0 + (panelWidth + m.l) / 2}" y="${top + panelHeight - 10}" text-anchor="middle" font-size="11" font-family="sans-serif">${p.xLabel}</text>`,
    );
    parts.push(
      `<text transform="translate(${x0 + 13},${top + (panelHeight + m.t - m.b) / 2}) rotate(-90)" text-anchor="middle" font-size="11" font-family="sans-serif">${p.yLabel}</text>`,
    );
    for (const s of p.series) {
      const c = s.reference ? '#777' : colorOf(s.name);
      const line = s.points.map((q) => `${X(q.x).toFixed(1)},${Y(q.y).toFixed(1)}`).join(' ');
      parts.push(`<polyline fill="none" stroke="${c}" stroke-width="1.8"${s.reference ? ' stroke-dasharray="5,4"' : ''} points="${line}"/>`);
      for (const q of s.points) {
        if (q.lo !== undefined && q.hi !== undefined)
          parts.push(`<line x1="${X(q.x)}" x2="${X(q.x)}" y1="${Y(q.lo)}" y2="${Y(q.hi)}" stroke="${c}" stroke-opacity="0.45"/>`);
        parts.push(`<circle cx="${X(q.x)}" cy="${Y(q.y)}" r="3.2" fill="${c}"/>`);
        if (q.label) parts.push(`<text x="${X(q.x) + 4}" y="${Y(q.y) - 4}" font-size="9" fill="${c}" font-family="sans-serif">${q.label}</text>`);
      }
    }
  });
  names.forEach((n, i) => {
    const [lx, ly] = [10 + (i % 2) * (width / 2), rows * panelHeight + 18 + 22 * Math.floor(i / 2)];
    const ref = panels.some((p) => p.series.some((s) => s.name === n && s.reference));
    parts.push(
      `<line x1="${lx}" x2="${lx + 24}" y1="${ly - 4}" y2="${ly - 4}" stroke="${ref ? '#777' : colorOf(n)}" stroke-width="2"${ref ? ' stroke-dasharray="5,4"' : ''}/><text x="${lx + 30}" y="${ly}" font-size="12" font-family="sans-serif">${n}</text>`,
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="white"/><text x="10" y="18" font-size="15" font-family="sans-serif" font-weight="bold">${title}</text>${parts.join('')}</svg>`;
}

export async function writeScatterPanels(file: string, panels: readonly ScatterPanel[], title: string, columns = panels.length): Promise<void> {
  await writeFileAtomic(
    file,
    await sharp(Buffer.from(scatterPanelsSvg(panels, title, columns)))
      .png()
      .toBuffer(),
  );
}
