// Report section: the corridor half-width v0(N) of eq. (13) next to the
// paper's bound sqrt(2 ln N).

import { corridorHalfWidth } from '../corridor.js';
import type { ReportConfig } from './config.js';
import type { ReportSection } from './section.js';
import { svgChart } from './svg-chart.js';

/** v0(N) against sqrt(2 ln N) and the two-term Lambert-W asymptotic sqrt(L - ln L), L = 2 ln N. */
export function corridorSection(config: ReportConfig): ReportSection {
  const maxN = config.corridorMaxN;
  const table: number[] = [2, 3, 5, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9].filter((n) => n <= maxN);
  const rows = table.map((n) => {
    const v0 = corridorHalfWidth(n);
    const bound = Math.sqrt(2 * Math.log(n));
    const l = 2 * Math.log(n);
    const asymptotic = l > 1 ? Math.sqrt(l - Math.log(l)) : Number.NaN;
    // The residual of eq. (13) as printed, scaled by its first term.
    const residual = Math.abs(v0 / n - ((n - 1) * Math.exp(-v0 * v0)) / v0) / (v0 / n);
    return `| ${n.toExponential(0).replace('e+', 'e')} | ${v0.toFixed(6)} | ${bound.toFixed(6)} | ${(v0 / bound).toFixed(4)} | ${Number.isFinite(asymptotic) ? asymptotic.toFixed(4) : '-'} | ${residual.toExponential(1)} |`;
  });
  const grid: number[] = [];
  for (let k = 0; k <= 240; k++) grid.push(Math.max(2, Math.round(2 * (maxN / 2) ** (k / 240))));
  const unique = [...new Set(grid)];
  const below = unique.every((n) => corridorHalfWidth(n) < Math.sqrt(2 * Math.log(n)));
  const svg = svgChart({
    title: 'Corridor half-width v0(N) (eq. 13)',
    xLabel: 'N (tokens)',
    yLabel: 'half-width',
    xScale: 'log',
    series: [
      { name: 'v0(N)', points: unique.map((n) => [n, corridorHalfWidth(n)] as const) },
      { name: 'sqrt(2 ln N)', points: unique.map((n) => [n, Math.sqrt(2 * Math.log(n))] as const), dashed: true },
    ],
  });
  const markdown = `The corridor of the paper's 1-D model is [-v0, v0], v0 the positive root of
v/N - (N - 1) e^{-v^2} / v = 0 (eq. 13). With u = v^2 the equation is u e^u = N (N - 1), so
v0 = sqrt(W(N (N - 1))) with W the Lambert function; \`corridorHalfWidth(N)\` solves
u + ln u = ln(N (N - 1)) by Newton steps kept in a bracket (agreeing with bisection on the printed
equation to 4.4e-16 relative over N = 2 .. 1e9 in the tests). The paper states that v0 grows no faster than sqrt(2 ln N):

| N | v0(N) | sqrt(2 ln N) | ratio | sqrt(L - ln L), L = 2 ln N | residual of (13) |
| ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}

v0(N) < sqrt(2 ln N) at all ${unique.length} values of N plotted (2 to ${maxN.toExponential(0).replace('e+', 'e')}): **${below ? 'yes' : 'NO'}**.
The ratio tends to 1 slowly: W(z) = ln z - ln ln z + o(1) gives v0^2 = 2 ln N - ln(2 ln N) + o(1).

![v0(N) and sqrt(2 ln N)](figures/corridor-v0.svg)
`;
  return { title: 'The corridor half-width v0(N)', markdown, figures: [{ name: 'corridor-v0.svg', svg }] };
}
