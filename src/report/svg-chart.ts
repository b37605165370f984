// A small dependency-free SVG chart: line and scatter series on linear or
// log10 axes, with ticks, a legend and reference lines. Enough for the
// reproduction report; every number written is finite (non-finite points
// are skipped).

/** One series of points. */
export interface ChartSeries {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  /** 'line' (default) joins the points, 'scatter' draws dots. */
  readonly style?: 'line' | 'scatter';
  /** CSS colour; default from a palette. */
  readonly color?: string;
  /** Dashed line. */
  readonly dashed?: boolean;
}

/** A horizontal (y = value) or vertical (x = value) reference line. */
export interface ReferenceLine {
  readonly axis: 'x' | 'y';
  readonly value: number;
  readonly label?: string;
}

export interface ChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly ChartSeries[];
  readonly xScale?: 'linear' | 'log';
  readonly yScale?: 'linear' | 'log';
  readonly lines?: readonly ReferenceLine[];
  /** Fixed axis ranges (default: the data's, padded). */
  readonly xRange?: readonly [number, number];
  readonly yRange?: readonly [number, number];
  readonly width?: number;
  readonly height?: number;
  /** Leave the legend out (many series of one kind). */
  readonly legend?: boolean;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A number short enough for an attribute. */
function num(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

/** Tick values: "nice" steps of 1, 2 or 5 times a power of 10 (linear), or powers of 10 (log). */
function ticks(lo: number, hi: number, log: boolean): number[] {
  if (log) {
    const out: number[] = [];
    for (let p = Math.ceil(lo - 1e-9); p <= hi + 1e-9; p++) out.push(p);
    if (out.length > 12) return out.filter((_, i) => i % Math.ceil(out.length / 10) === 0);
    return out;
  }
  const span = hi - lo || 1;
  const raw = span / 6;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => span / s <= 8) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

function tickLabel(v: number, log: boolean): string {
  if (log) return v === 0 ? '1' : `1e${v}`;
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(0);
  return String(Number(v.toPrecision(6)));
}

/** An SVG document (string) drawing the chart. */
export function svgChart(options: ChartOptions): string {
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  const left = 70;
  const right = options.legend === false ? 20 : 170;
  const top = 40;
  const bottom = 55;
  const logX = options.xScale === 'log';
  const logY = options.yScale === 'log';
  const tx = (v: number) => (logX ? Math.log10(v) : v);
  const ty = (v: number) => (logY ? Math.log10(v) : v);

  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of options.series) {
    for (const [x, y] of s.points) {
      const a = tx(x);
      const b = ty(y);
      if (Number.isFinite(a) && Number.isFinite(b)) {
        xs.push(a);
        ys.push(b);
      }
    }
  }
  for (const l of options.lines ?? []) {
    const v = l.axis === 'x' ? tx(l.value) : ty(l.value);
    if (Number.isFinite(v)) (l.axis === 'x' ? xs : ys).push(v);
  }
  const range = (vals: number[], fixed: readonly [number, number] | undefined, tr: (v: number) => number): [number, number] => {
    if (fixed) return [tr(fixed[0]), tr(fixed[1])];
    if (vals.length === 0) return [0, 1];
    let lo = Math.min(...vals);
    let hi = Math.max(...vals);
    if (hi === lo) {
      lo -= 0.5;
      hi += 0.5;
    }
    const pad = 0.04 * (hi - lo);
    return [lo - pad, hi + pad];
  };
  const [x0, x1] = range(xs, options.xRange, tx);
  const [y0, y1] = range(ys, options.yRange, ty);
  const pw = width - left - right;
  const ph = height - top - bottom;
  const px = (a: number) => left + ((a - x0) / (x1 - x0)) * pw;
  const py = (b: number) => top + ph - ((b - y0) / (y1 - y0)) * ph;
  const inside = (a: number, b: number) => a >= x0 && a <= x1 && b >= y0 && b <= y1;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="white"/>`);
  out.push(`<text x="${num(width / 2)}" y="22" text-anchor="middle" font-size="15">${escapeXml(options.title)}</text>`);
  out.push(`<rect x="${left}" y="${top}" width="${num(pw)}" height="${num(ph)}" fill="none" stroke="#333"/>`);
  for (const v of ticks(x0, x1, logX)) {
    const x = px(v);
    out.push(`<line x1="${num(x)}" y1="${top}" x2="${num(x)}" y2="${num(top + ph)}" stroke="#ddd"/>`);
    out.push(`<text x="${num(x)}" y="${num(top + ph + 16)}" text-anchor="middle">${escapeXml(tickLabel(v, logX))}</text>`);
  }
  for (const v of ticks(y0, y1, logY)) {
    const y = py(v);
    out.push(`<line x1="${left}" y1="${num(y)}" x2="${num(left + pw)}" y2="${num(y)}" stroke="#ddd"/>`);
    out.push(`<text x="${left - 6}" y="${num(y + 4)}" text-anchor="end">${escapeXml(tickLabel(v, logY))}</text>`);
  }
  out.push(`<text x="${num(left + pw / 2)}" y="${height - 12}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`);
  out.push(
    `<text x="16" y="${num(top + ph / 2)}" text-anchor="middle" transform="rotate(-90 16 ${num(top + ph / 2)})">${escapeXml(options.yLabel)}</text>`,
  );
  for (const l of options.lines ?? []) {
    const v = l.axis === 'x' ? tx(l.value) : ty(l.value);
    if (!Number.isFinite(v)) continue;
    const [ax, ay, bx, by] = l.axis === 'x' ? [px(v), top, px(v), top + ph] : [left, py(v), left + pw, py(v)];
    if (l.axis === 'x' ? v < x0 || v > x1 : v < y0 || v > y1) continue;
    out.push(`<line x1="${num(ax)}" y1="${num(ay)}" x2="${num(bx)}" y2="${num(by)}" stroke="#555" stroke-dasharray="6 4"/>`);
    if (l.label) out.push(`<text x="${num(ax + 4)}" y="${num(ay + 14)}" fill="#555">${escapeXml(l.label)}</text>`);
  }
  out.push(`<clipPath id="plot"><rect x="${left}" y="${top}" width="${num(pw)}" height="${num(ph)}"/></clipPath>`);
  options.series.forEach((s, k) => {
    const color = s.color ?? PALETTE[k % PALETTE.length];
    const pts = s.points.map(([x, y]) => [tx(x), ty(y)] as const).filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
    if (s.style === 'scatter') {
      const dots = pts
        .filter(([a, b]) => inside(a, b))
        .map(([a, b]) => `<circle cx="${num(px(a))}" cy="${num(py(b))}" r="2.2"/>`)
        .join('');
      out.push(`<g fill="${color}" fill-opacity="0.6">${dots}</g>`);
    } else if (pts.length > 0) {
      const d = pts.map(([a, b], i) => `${i === 0 ? 'M' : 'L'}${num(px(a))} ${num(py(b))}`).join(' ');
      out.push(
        `<path d="${d}" fill="none" stroke="${color}" stroke-width="1.6"${s.dashed ? ' stroke-dasharray="5 3"' : ''} clip-path="url(#plot)"/>`,
      );
    }
  });
  if (options.legend !== false) {
    options.series.forEach((s, k) => {
      const color = s.color ?? PALETTE[k % PALETTE.length];
      const y = top + 10 + 18 * k;
      const x = left + pw + 14;
      out.push(
        s.style === 'scatter'
          ? `<circle cx="${x + 10}" cy="${y}" r="3" fill="${color}"/>`
          : `<line x1="${x}" y1="${y}" x2="${x + 20}" y2="${y}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`,
      );
      out.push(`<text x="${x + 26}" y="${y + 4}">${escapeXml(s.name)}</text>`);
    });
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
