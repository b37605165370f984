// A tiny SVG line chart for the report: a few series on linear or log axes,
// with ticks, labels and a legend. No dependencies; deterministic output.

/** One line of a chart. */
export interface Series {
  readonly name: string;
  readonly x: readonly number[];
  readonly y: readonly number[];
}

/** What lineChart() draws. */
export interface LineChart {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly logX?: boolean;
  readonly logY?: boolean;
  readonly width?: number;
  readonly height?: number;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function format(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-2) return v.toExponential(0);
  return Number(v.toPrecision(3)).toString();
}

/** About five round tick values covering [lo, hi] (linear) or the powers of ten inside it (log). */
function ticks(lo: number, hi: number, log: boolean): number[] {
  if (log) {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
      const v = 10 ** e;
      if (v >= lo * 0.999 && v <= hi * 1.001) out.push(v);
    }
    return out.length >= 2 ? out : [lo, hi];
  }
  const span = hi - lo || 1;
  const step0 = 10 ** Math.floor(Math.log10(span / 5));
  const step = [1, 2, 5, 10].map((m) => m * step0).find((s) => span / s <= 6) ?? step0 * 10;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * span; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** The chart as a standalone SVG document. */
export function lineChart(chart: LineChart): string {
  const width = chart.width ?? 640;
  const height = chart.height ?? 400;
  const left = 70;
  const right = 160;
  const top = 40;
  const bottom = 50;
  const tx = (v: number) => (chart.logX ? Math.log10(v) : v);
  const ty = (v: number) => (chart.logY ? Math.log10(v) : v);
  const points = chart.series
    .flatMap((s) => s.x.map((x, i) => [x, s.y[i]] as const))
    .filter(([x, y]) => Number.isFinite(tx(x)) && Number.isFinite(ty(y)));
  const xs = points.map(([x]) => x);
  const ys = points.map(([, y]) => y);
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (x0 === x1) [x0, x1] = chart.logX ? [x0 / 2, x1 * 2] : [x0 - 1, x1 + 1];
  if (y0 === y1) [y0, y1] = chart.logY ? [y0 / 2, y1 * 2] : [y0 - 1, y1 + 1];
  const px = (v: number) => left + ((tx(v) - tx(x0)) / (tx(x1) - tx(x0))) * (width - left - right);
  const py = (v: number) => height - bottom - ((ty(v) - ty(y0)) / (ty(y1) - ty(y0))) * (height - top - bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(chart.title)}</text>`,
  ];
  for (const v of ticks(x0, x1, chart.logX ?? false)) {
    const x = px(v).toFixed(1);
    parts.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${height - bottom}" stroke="#eee"/>`);
    parts.push(`<text x="${x}" y="${height - bottom + 16}" text-anchor="middle">${format(v)}</text>`);
  }
  for (const v of ticks(y0, y1, chart.logY ?? false)) {
    const y = py(v).toFixed(1);
    parts.push(`<line x1="${left}" y1="${y}" x2="${width - right}" y2="${y}" stroke="#eee"/>`);
    parts.push(`<text x="${left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${format(v)}</text>`);
  }
  parts.push(
    `<rect x="${left}" y="${top}" width="${width - left - right}" height="${height - top - bottom}" fill="none" stroke="#333"/>`,
    `<text x="${(left + width - right) / 2}" y="${height - 12}" text-anchor="middle">${escapeXml(chart.xLabel)}</text>`,
    `<text transform="translate(16 ${(top + height - bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(chart.yLabel)}</text>`,
  );
  chart.series.forEach((s, k) => {
    const color = COLORS[k % COLORS.length];
    const path = s.x
      .map((x, i) => [x, s.y[i]] as const)
      .filter(([x, y]) => Number.isFinite(tx(x)) && Number.isFinite(ty(y)))
      .map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${px(x).toFixed(1)},${py(y).toFixed(1)}`)
      .join(' ');
    parts.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
    const ly = top + 10 + 18 * k;
    parts.push(
      `<line x1="${width - right + 10}" y1="${ly}" x2="${width - right + 30}" y2="${ly}" stroke="${color}" stroke-width="2"/>`,
    );
    parts.push(`<text x="${width - right + 36}" y="${ly}" dominant-baseline="middle">${escapeXml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
