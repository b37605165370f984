// SVG figures of a run, written without dependencies: 1-D trajectories with
// the corridor, tokens on the circle or sphere, attention heatmaps, cluster
// count and energy against t. Each function returns a whole SVG document.

import type { CorridorExit } from './measures.js';

const FONT = 'font-family="system-ui, sans-serif" font-size="12"';

/** A distinct colour per token (golden-angle hues). */
export function tokenColor(i: number): string {
  return `hsl(${Math.round((i * 137.508) % 360)} 70% 42%)`;
}

const fmt = (v: number) =>
  Number.isInteger(v) ? String(v) : Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3 ? v.toExponential(1) : v.toPrecision(3);
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const r2 = (v: number) => Math.round(v * 100) / 100;

/** 5 or so round ticks covering [lo, hi]. */
function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const step0 = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) out.push(Math.abs(v) < 1e-12 * step ? 0 : v);
  return out;
}

interface Frame {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
  readonly xDomain: readonly [number, number];
  readonly yDomain: readonly [number, number];
  /** Maps a data y to the plotted coordinate before scaling (e.g. asinh for a symmetric log axis). */
  readonly yMap?: (y: number) => number;
}

function px(f: Frame, x: number): number {
  return f.x + ((x - f.xDomain[0]) / (f.xDomain[1] - f.xDomain[0] || 1)) * f.w;
}

function py(f: Frame, y: number): number {
  const m = f.yMap ?? ((v: number) => v);
  const [lo, hi] = [m(f.yDomain[0]), m(f.yDomain[1])];
  return f.y + f.h - ((m(y) - lo) / (hi - lo || 1)) * f.h;
}

function axes(f: Frame, xLabel: string, yLabel: string, yTicks?: number[]): string {
  const parts = [`<rect x="${f.x}" y="${f.y}" width="${f.w}" height="${f.h}" fill="none" stroke="#444"/>`];
  for (const t of ticks(f.xDomain[0], f.xDomain[1])) {
    const x = r2(px(f, t));
    parts.push(`<line x1="${x}" y1="${f.y + f.h}" x2="${x}" y2="${f.y + f.h + 4}" stroke="#444"/>`);
    parts.push(`<text x="${x}" y="${f.y + f.h + 16}" text-anchor="middle">${fmt(t)}</text>`);
  }
  for (const t of yTicks ?? ticks(f.yDomain[0], f.yDomain[1])) {
    const y = r2(py(f, t));
    parts.push(`<line x1="${f.x - 4}" y1="${y}" x2="${f.x}" y2="${y}" stroke="#444"/>`);
    parts.push(`<text x="${f.x - 6}" y="${y + 4}" text-anchor="end">${fmt(t)}</text>`);
  }
  parts.push(`<text x="${f.x + f.w / 2}" y="${f.y + f.h + 32}" text-anchor="middle">${esc(xLabel)}</text>`);
  parts.push(`<text transform="translate(${f.x - 48} ${f.y + f.h / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
  return parts.join('\n');
}

function polyline(f: Frame, xs: ArrayLike<number>, ys: ArrayLike<number>, color: string, extra = ''): string {
  const pts: string[] = [];
  for (let k = 0; k < xs.length; k++) if (Number.isFinite(ys[k])) pts.push(`${r2(px(f, xs[k]))},${r2(py(f, ys[k]))}`);
  return `<polyline fill="none" stroke="${color}" stroke-width="1.5" ${extra} points="${pts.join(' ')}"/>`;
}

function document(width: number, height: number, title: string, body: string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT}>
<title>${esc(title)}</title>
<rect width="100%" height="100%" fill="white"/>
<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>
${body.join('\n')}
</svg>
`;
}

/**
 * x_i(t) for D = 1 on a symmetric-log axis (asinh(y / v0)), the corridor
 * [-v0, v0] shaded and each token's first exit marked.
 */
export function trajectories1d(
  times: Float64Array,
  states: readonly Float64Array[],
  v0: number,
  exits: readonly CorridorExit[],
  title: string,
): string {
  const n = states[0]?.length ?? 0;
  let ymax = v0 * 1.5;
  for (const s of states) for (const v of s) if (Number.isFinite(v)) ymax = Math.max(ymax, Math.abs(v));
  const c = Math.max(v0, 1e-9);
  const f: Frame = {
    x: 70,
    y: 40,
    w: 600,
    h: 380,
    xDomain: [times[0] ?? 0, times[times.length - 1] ?? 1],
    yDomain: [-ymax, ymax],
    yMap: (y) => Math.asinh(y / c),
  };
  const yTicks = [0, v0, -v0];
  for (let p = Math.ceil(Math.log10(v0 * 3)); 10 ** p <= ymax; p++) yTicks.push(10 ** p, -(10 ** p));
  const body = [
    `<rect x="${f.x}" y="${r2(py(f, v0))}" width="${f.w}" height="${r2(py(f, -v0) - py(f, v0))}" fill="#e8eef8"/>`,
    `<text x="${f.x + f.w - 4}" y="${r2(py(f, v0)) - 4}" text-anchor="end" fill="#557">corridor +-v0 = +-${v0.toFixed(4)}</text>`,
    axes(f, 't', 'x_i(t)  (asinh scale)', yTicks),
  ];
  for (let i = 0; i < n; i++) {
    body.push(
      polyline(
        f,
        times,
        states.map((s) => s[i]),
        tokenColor(i),
      ),
    );
  }
  for (const e of exits) {
    body.push(
      `<circle cx="${r2(px(f, e.t))}" cy="${r2(py(f, e.x))}" r="4" fill="white" stroke="${tokenColor(e.token)}" stroke-width="2"><title>token ${e.token} leaves ${e.direction} at t = ${fmt(e.t)}</title></circle>`,
    );
  }
  return document(700, 470, title, body);
}

/**
 * Tokens over time on the circle (D = 2) or an orthographic projection of the
 * sphere onto its first two coordinates (D >= 3; the far hemisphere fainter);
 * for D = 2 also each token's angle against t.
 */
export function tokensOnSphere(
  times: Float64Array,
  states: readonly Float64Array[],
  n: number,
  d: number,
  sphere: boolean,
  title: string,
): string {
  let extent = 1;
  if (!sphere) for (const s of states) for (const v of s) if (Number.isFinite(v)) extent = Math.max(extent, Math.abs(v));
  const size = 360;
  const f: Frame = {
    x: 60,
    y: 40,
    w: size,
    h: size,
    xDomain: [-extent * 1.05, extent * 1.05],
    yDomain: [-extent * 1.05, extent * 1.05],
  };
  const body = [axes(f, 'x_1', 'x_2')];
  if (sphere) {
    body.push(
      `<circle cx="${px(f, 0)}" cy="${py(f, 0)}" r="${r2(px(f, 1) - px(f, 0))}" fill="none" stroke="#999" stroke-dasharray="4 3"/>`,
    );
  }
  for (let i = 0; i < n; i++) {
    const xs = states.map((s) => s[i * d]);
    const ys = states.map((s) => s[i * d + 1]);
    const front = d < 3 || (states[states.length - 1]?.[i * d + 2] ?? 0) >= 0;
    body.push(polyline(f, xs, ys, tokenColor(i), `stroke-opacity="${front ? 0.9 : 0.35}"`));
    body.push(`<circle cx="${r2(px(f, xs[0]))}" cy="${r2(py(f, ys[0]))}" r="3" fill="white" stroke="${tokenColor(i)}"/>`);
    const l = xs.length - 1;
    body.push(
      `<circle cx="${r2(px(f, xs[l]))}" cy="${r2(py(f, ys[l]))}" r="4" fill="${tokenColor(i)}" fill-opacity="${front ? 1 : 0.4}"/>`,
    );
  }
  body.push(
    `<text x="${f.x}" y="${f.y + f.h + 50}">open: t = ${fmt(times[0] ?? 0)}, filled: t = ${fmt(times[times.length - 1] ?? 0)}${d >= 3 ? '; faint: far hemisphere (x_3 < 0)' : ''}</text>`,
  );
  let width = 460;
  if (d === 2) {
    const g: Frame = {
      x: 540,
      y: 40,
      w: 420,
      h: size,
      xDomain: [times[0] ?? 0, times[times.length - 1] ?? 1],
      yDomain: [-Math.PI, Math.PI],
    };
    body.push(axes(g, 't', 'angle of x_i (rad)', [-3, -2, -1, 0, 1, 2, 3]));
    for (let i = 0; i < n; i++) {
      const angles = states.map((s) => Math.atan2(s[i * 2 + 1], s[i * 2]));
      // Break the line where the angle wraps around +-pi.
      let start = 0;
      for (let k = 1; k <= angles.length; k++) {
        if (k === angles.length || Math.abs(angles[k] - angles[k - 1]) > Math.PI) {
          body.push(polyline(g, times.slice(start, k), angles.slice(start, k), tokenColor(i)));
          start = k;
        }
      }
    }
    width = 1000;
  }
  return document(width, 470, title, body);
}

/** Viridis, 5 stops, linear in between. */
function viridis(v: number): string {
  const stops = [
    [68, 1, 84],
    [59, 82, 139],
    [33, 145, 140],
    [94, 201, 98],
    [253, 231, 37],
  ];
  const x = Math.min(1, Math.max(0, v)) * (stops.length - 1);
  const k = Math.min(stops.length - 2, Math.floor(x));
  const t = x - k;
  const c = stops[k].map((a, j) => Math.round(a + t * (stops[k + 1][j] - a)));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** The N x N attention matrix as a heatmap (rows: query token i, columns: key token j), colour scale 0..1. */
export function attentionHeatmap(p: Float64Array, n: number, title: string): string {
  const size = 400;
  const cell = size / n;
  const x0 = 60;
  const y0 = 40;
  const body: string[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      body.push(
        `<rect x="${r2(x0 + j * cell)}" y="${r2(y0 + i * cell)}" width="${r2(cell + 0.3)}" height="${r2(cell + 0.3)}" fill="${viridis(p[i * n + j])}"/>`,
      );
    }
  }
  body.push(`<rect x="${x0}" y="${y0}" width="${size}" height="${size}" fill="none" stroke="#444"/>`);
  body.push(`<text x="${x0 + size / 2}" y="${y0 + size + 20}" text-anchor="middle">key token j</text>`);
  body.push(`<text transform="translate(${x0 - 14} ${y0 + size / 2}) rotate(-90)" text-anchor="middle">query token i</text>`);
  for (let k = 0; k < 50; k++) {
    body.push(
      `<rect x="${x0 + size + 20}" y="${r2(y0 + size - ((k + 1) * size) / 50)}" width="14" height="${r2(size / 50 + 0.3)}" fill="${viridis((k + 0.5) / 50)}"/>`,
    );
  }
  body.push(`<text x="${x0 + size + 38}" y="${y0 + 10}">1</text><text x="${x0 + size + 38}" y="${y0 + size}">0</text>`);
  return document(x0 + size + 70, y0 + size + 40, title, body);
}

/** Cluster count (a step line) and ln E_beta against t, one panel each. */
export function clustersAndEnergy(
  times: Float64Array,
  clusters: readonly number[],
  logEnergy: readonly number[],
  tolerance: number,
  title: string,
): string {
  const xDomain: [number, number] = [times[0] ?? 0, times[times.length - 1] ?? 1];
  const maxClusters = Math.max(1, ...clusters);
  const a: Frame = { x: 70, y: 40, w: 380, h: 300, xDomain, yDomain: [0, maxClusters + 0.5] };
  const finite = logEnergy.filter(Number.isFinite);
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  const pad = hi > lo ? 0.05 * (hi - lo) : 0.5;
  const b: Frame = { x: 540, y: 40, w: 380, h: 300, xDomain, yDomain: [lo - pad, hi + pad] };
  const stepX: number[] = [];
  const stepY: number[] = [];
  clusters.forEach((c, k) => {
    if (k > 0) {
      stepX.push(times[k]);
      stepY.push(clusters[k - 1]);
    }
    stepX.push(times[k]);
    stepY.push(c);
  });
  const yTicks = ticks(0, maxClusters).filter((v) => Number.isInteger(v));
  return document(960, 400, title, [
    axes(a, 't', `clusters (distance < ${fmt(tolerance)})`, yTicks),
    polyline(a, stepX, stepY, '#1f5fa8'),
    axes(b, 't', 'ln E_beta(X(t))', undefined),
    polyline(b, times, logEnergy, '#b4461f'),
  ]);
}
