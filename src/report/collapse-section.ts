// Report section: one 1-D prompt followed in detail: trajectories against
// the corridor, gaps, and the collapse of every attention row onto an
// extreme token (the paper's last section).

import { analyzeOneDimensional, type Solver } from '../analysis/one-dimensional.js';
import type { ReportConfig } from './config.js';
import { randomPrompt } from './fates-section.js';
import type { ReportSection } from './section.js';
import { svgChart } from './svg-chart.js';

/** 1 - P_i,target of the 1-D model at state x, without cancellation. */
function outsideMass(x: Float64Array, i: number, target: number): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < x.length; j++) max = Math.max(max, x[i] * x[j]);
  let z = 0;
  let rest = 0;
  for (let j = 0; j < x.length; j++) {
    const w = Math.exp(x[i] * x[j] - max);
    z += w;
    if (x[j] !== x[target]) rest += w;
  }
  return rest / z;
}

export function collapseSection(solver: Solver, config: ReportConfig): ReportSection {
  const { n, seed, t1 } = config.detail;
  const x0 = randomPrompt(n, seed);
  const a = analyzeOneDimensional(solver, { tokens: x0, t1, samples: 160 });
  const sol = a.solution;
  const times = Array.from(sol.t);
  const order = x0.map((_, i) => i).sort((i, j) => x0[i] - x0[j]);

  const rows = order.map((i) => {
    const t = a.tokens[i];
    const c = t.collapse;
    return `| ${i} | ${t.x0.toFixed(4)} | ${t.fate} | ${t.exitTime === null ? '-' : t.exitTime.toFixed(4)} | ${t.certificate ? (t.certificate.holds ? 'yes' : '**no**') : '-'} | ${c.target} | ${c.finalGap === 0 ? '0 (underflow)' : c.finalGap.toExponential(2)} | ${c.time === null ? '-' : c.time.toFixed(4)} |`;
  });
  const up = a.tokens.filter((t) => t.fate === 'up');
  const down = a.tokens.filter((t) => t.fate === 'down');
  const collapsedUp = up.filter((t) => t.collapse.finalGap <= 1e-6).length;
  const collapsedDown = down.filter((t) => t.collapse.finalGap <= 1e-6).length;

  const trajectories = svgChart({
    title: `Trajectories x_i(t), N = ${n} (seed ${seed}); y axis asinh(x)`,
    xLabel: 't',
    yLabel: 'asinh(x_i)',
    legend: false,
    series: order.map((i) => ({
      name: `token ${i}`,
      points: times.map((t, s) => [t, Math.asinh(sol.tokens[s][i])] as const),
      color: a.tokens[i].fate === 'up' ? '#1f77b4' : a.tokens[i].fate === 'down' ? '#d62728' : '#7f7f7f',
    })),
    lines: [
      { axis: 'y', value: Math.asinh(a.v0), label: 'v0' },
      { axis: 'y', value: -Math.asinh(a.v0), label: '-v0' },
    ],
  });
  const collapse = svgChart({
    title: '1 - P_i,target(t): attention collapsing onto the extreme token',
    xLabel: 't',
    yLabel: '1 - P_i,target',
    yScale: 'log',
    legend: false,
    yRange: [1e-17, 1],
    series: order.map((i) => ({
      name: `token ${i}`,
      points: times.map((t, s) => [t, Math.max(1e-17, outsideMass(sol.tokens[s], i, a.tokens[i].collapse.target))] as const),
      color: a.tokens[i].fate === 'up' ? '#1f77b4' : a.tokens[i].fate === 'down' ? '#d62728' : '#7f7f7f',
    })),
    lines: [{ axis: 'y', value: 1e-6, label: '1e-6' }],
  });

  const markdown = `One prompt of N = ${n} tokens (x_i(0) ~ N(0, 1), seed ${seed}) to t = ${t1} (status
'${a.status}', final time ${a.finalTime}); v0(${n}) = ${a.v0.toFixed(6)}. Per token, sorted by x_i(0): its fate at
t = ${t1}, exit time from the corridor (located by the corridor event), whether the exit is
certified final by inequality (12), the extreme token its attention row collapses onto (the top
one for 'up', the bottom one for 'down'), 1 - P_i,target at the end, and the time when
1 - P_i,target first reached 1e-6 (a user event located on the dense output).

| token | x_i(0) | fate | exit time | certified | target | 1 - P at t = ${t1} | 1 - P <= 1e-6 at |
| ---: | ---: | :---: | ---: | :---: | ---: | ---: | ---: |
${rows.join('\n')}

Tokens going up whose P_iN passed 1 - 1e-6 by t = ${t1}: ${collapsedUp} of ${up.length}; going down with
P_i1 past 1 - 1e-6: ${collapsedDown} of ${down.length}. Order kept at every save time: ${a.orderKept ? 'yes' : '**no**'};
the worst change of a neighbouring gap between save times, relative to max(1, |x|), is
${a.worstGapChange.toExponential(2)} (eq. 10 says gaps never shrink; the integration error is ~1e-10 relative).

![trajectories](figures/collapse-trajectories.svg)

![attention collapse](figures/collapse-attention.svg)
`;
  return {
    title: 'Gap monotonicity and the collapse of attention',
    markdown,
    figures: [
      { name: 'collapse-trajectories.svg', svg: trajectories },
      { name: 'collapse-attention.svg', svg: collapse },
    ],
  };
}
