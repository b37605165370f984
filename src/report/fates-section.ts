// Report section: random 1-D prompts (eq. 9). Which tokens escape up,
// escape down or stay in the corridor, when they leave it, how close to v0
// a staying token may start, and whether every exit is final (eq. 12-13),
// order kept and gaps non-decreasing (eq. 10).

import { analyzeOneDimensional, type OneDimensionalAnalysis, type Solver } from '../analysis/one-dimensional.js';
import { normal, seededRandom } from '../random.js';
import type { ReportConfig } from './config.js';
import type { ReportSection } from './section.js';
import { svgChart } from './svg-chart.js';

/** The seeded prompt number `seed` of size n: x_i(0) ~ N(0, 1). */
export function randomPrompt(n: number, seed: number): number[] {
  const random = seededRandom(1_000_003 * n + seed);
  return Array.from({ length: n }, () => normal(random));
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Horizons, as fractions of T, at which the largest starting |x| still inside is reported. */
const EDGE_HORIZONS = [0.01, 0.05, 0.125, 0.25, 0.5];

const fmt = (v: number, digits = 3) => (Number.isFinite(v) ? v.toFixed(digits) : '-');
const pct = (part: number, whole: number) => `${((100 * part) / Math.max(1, whole)).toFixed(1)}%`;

interface SizeSummary {
  readonly n: number;
  readonly runs: readonly OneDimensionalAnalysis[];
}

/** Share of tokens outside the corridor at time t (exits are final, so a token is outside at t iff it exited by t). */
function outsideShare(runs: readonly OneDimensionalAnalysis[], t: number): number {
  let out = 0;
  let all = 0;
  for (const a of runs) {
    for (const tok of a.tokens) {
      all++;
      if (tok.exitTime !== null && tok.exitTime <= t) out++;
    }
  }
  return out / Math.max(1, all);
}

export function fatesSection(solver: Solver, config: ReportConfig): ReportSection {
  const T = config.horizon;
  const sizes: SizeSummary[] = config.prompts.map(({ n, seeds }) => ({
    n,
    runs: Array.from({ length: seeds }, (_, s) =>
      analyzeOneDimensional(solver, {
        tokens: randomPrompt(n, s + 1),
        t1: T,
        samples: 40,
        rtol: 1e-9,
        atol: 1e-11,
        collapseTimes: false,
      }),
    ),
  }));

  const shareRows: string[] = [];
  const exitRows: string[] = [];
  const corridorRows: string[] = [];
  const checkRows: string[] = [];
  for (const { n, runs } of sizes) {
    const v0 = runs[0].v0;
    const tokens = runs.flatMap((a) => a.tokens);
    const up = tokens.filter((t) => t.fate === 'up').length;
    const down = tokens.filter((t) => t.fate === 'down').length;
    const inside = tokens.length - up - down;
    shareRows.push(
      `| ${n} | ${runs.length} | ${fmt(v0)} | ${pct(up, tokens.length)} | ${pct(down, tokens.length)} | ${pct(inside, tokens.length)} | ${pct(tokens.length * (1 - outsideShare(runs, T / 4)), tokens.length)} | ${pct(tokens.length * (1 - outsideShare(runs, T / 2)), tokens.length)} |`,
    );
    const exits = tokens.filter((t) => t.exitTime !== null && t.exitTime > 0).map((t) => t.exitTime as number);
    exits.sort((a, b) => a - b);
    const startedOutside = tokens.filter((t) => t.exitTime === 0).length;
    exitRows.push(
      `| ${n} | ${startedOutside} | ${exits.length} | ${fmt(quantile(exits, 0.1))} | ${fmt(quantile(exits, 0.5))} | ${fmt(quantile(exits, 0.9))} | ${fmt(exits[exits.length - 1] ?? Number.NaN)} |`,
    );
    // Largest starting |x| still inside at each horizon (exits are final: inside at t iff no exit by t).
    const cells = EDGE_HORIZONS.map((h) => {
      const stayed = tokens.filter((t) => t.exitTime === null || t.exitTime > h * T).map((t) => Math.abs(t.x0));
      if (stayed.length === 0) return '-';
      const largest = Math.max(...stayed);
      return largest < v0 ? fmt(largest) : `**${fmt(largest)}**`;
    });
    const outsideAtStart = tokens.filter((t) => Math.abs(t.x0) > v0);
    const allLeftAtOnce = outsideAtStart.every((t) => t.exitTime === 0);
    corridorRows.push(
      `| ${n} | ${fmt(v0)} | ${cells.join(' | ')} | ${outsideAtStart.length} | ${allLeftAtOnce ? 'yes' : '**NO**'} |`,
    );
    const escaped = tokens.filter((t) => t.fate !== 'inside');
    const certified = escaped.filter((t) => t.certificate?.holds).length;
    const reentries = tokens.reduce((s, t) => s + t.reentries, 0);
    const ordered = runs.every((a) => a.orderKept);
    const worstGap = Math.min(...runs.map((a) => a.worstGapChange));
    const minMargin = Math.min(...escaped.map((t) => t.certificate?.margin ?? Number.POSITIVE_INFINITY));
    checkRows.push(
      `| ${n} | ${certified} / ${escaped.length} | ${Number.isFinite(minMargin) ? minMargin.toExponential(1) : '-'} | ${reentries} | ${ordered ? 'yes' : '**NO**'} | ${worstGap.toExponential(1)} |`,
    );
  }

  // Figures: exit time against the starting value (the middle size), and the inside share over time.
  const middle = sizes[Math.floor(sizes.length / 2)];
  const v0m = middle.runs[0].v0;
  const pointsUp: [number, number][] = [];
  const pointsDown: [number, number][] = [];
  for (const a of middle.runs) {
    for (const t of a.tokens) {
      if (t.exitTime === null) continue;
      (t.fate === 'up' ? pointsUp : pointsDown).push([t.x0, t.exitTime]);
    }
  }
  const exitSvg = svgChart({
    title: `Corridor exit time against x_i(0), N = ${middle.n} (${middle.runs.length} prompts)`,
    xLabel: 'x_i(0)',
    yLabel: 'exit time',
    series: [
      { name: 'escapes up', points: pointsUp, style: 'scatter' },
      { name: 'escapes down', points: pointsDown, style: 'scatter' },
    ],
    lines: [
      { axis: 'x', value: -v0m, label: '-v0' },
      { axis: 'x', value: v0m, label: 'v0' },
    ],
  });
  const grid = Array.from({ length: 101 }, (_, k) => (k * T) / 100);
  const shareSvg = svgChart({
    title: 'Share of tokens still inside the corridor',
    xLabel: 't',
    yLabel: 'share inside [-v0, v0]',
    yRange: [0, 1],
    series: sizes.map(({ n, runs }) => ({ name: `N = ${n}`, points: grid.map((t) => [t, 1 - outsideShare(runs, t)] as const) })),
  });

  const markdown = `Prompts of N tokens with x_i(0) ~ N(0, 1) (seeded), the paper's 1-D model (eq. 9: D = 1,
Q = K = V = 1, beta = 1) integrated by dopri5 (rtol 1e-9) to T = ${T} by \`analyzeOneDimensional\`, with a
corridor event at |x| = v0(N) locating every exit on the dense output. A token's fate is where it
is at T: above v0 ('up'), below -v0 ('down') or inside.

| N | prompts | v0(N) | up at T | down at T | inside at T | inside at T/4 | inside at T/2 |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${shareRows.join('\n')}

Every token eventually leaves: once the extreme tokens run off, P_iN(t) -> 1 for every x_i > 0
(and P_i1 -> 1 for x_i < 0), which drags it along; so "inside" is a statement about the horizon T,
and the share inside falls to 0 as T grows (figure below). Tokens near 0 leave last.

**Exit times** (tokens that started inside the corridor; "at 0": tokens that started outside):

| N | at 0 | exited later | 10% | median | 90% | latest |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${exitRows.join('\n')}

**The corridor edge.** By eq. (12-13) a token that starts beyond v0 in absolute value is outside
from t = 0 on and never comes back, so every token still inside at a time t started with
|x_i(0)| < v0. The table gives the largest starting |x_i(0)| among the tokens still inside at
several times t (bold if it were not below v0), and whether every token that started outside was
reported outside from t = 0 (exit time 0, no re-entry). Shortly after t = 0 the largest staying
|x_i(0)| is just under v0, and it shrinks as t grows.

| N | v0(N) | ${EDGE_HORIZONS.map((h) => `t = ${fmt(h * T, 2)}`).join(' | ')} | started outside | all outside from 0 |
| ---: | ---: | ${EDGE_HORIZONS.map(() => '---:').join(' | ')} | ---: | :---: |
${corridorRows.join('\n')}

**Checks of the theory on every run.** "Certified": the right-hand side B_i of inequality (12)
(mirrored for tokens going down) is positive at every save time after the exit and the token is
beyond v0 there by the margin shown (smallest over all tokens), so the exact flow from that state
never re-enters (see \`ExitCertificate\`). Re-entries counts located crossings back into the corridor.
Order and gaps (eq. 10: |x_i - x_j| never decreases): the worst change of a neighbouring gap between
save times, relative to max(1, |x|), which is the scale of the integration error.

| N | exits certified | smallest margin | re-entries | order kept | worst gap change |
| ---: | ---: | ---: | ---: | :---: | ---: |
${checkRows.join('\n')}

![exit time against x_i(0)](figures/fates-exit-times.svg)

![share inside over time](figures/fates-inside-share.svg)
`;
  return {
    title: 'Random 1-D prompts: escape up, escape down, or stay',
    markdown,
    figures: [
      { name: 'fates-exit-times.svg', svg: exitSvg },
      { name: 'fates-inside-share.svg', svg: shareSvg },
    ],
  };
}
