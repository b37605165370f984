// Report section: clustering of tokens on the sphere (Geshkovski, Letrouit,
// Polyanskiy, Rigollet 2023): N random tokens on S^{d-1}, d = 2 and 3,
// Q = K = V = I, integrated to t = 30; cluster count and interaction energy
// over time.

import { clusterCount, interactionEnergy } from '../analysis/measures.js';
import { createEngine } from '../engine.js';
import { normal, seededRandom } from '../random.js';
import type { ReportSection } from './section.js';
import { svgChart } from './svg-chart.js';

const N = 32;
const T = 30;
const STEP = 0.25;
/** Tokens within about 2.6 degrees (cosine >= 0.999) are linked. */
const INNER_PRODUCT = 0.999;

interface Run {
  readonly d: number;
  readonly beta: number;
  readonly t: number[];
  readonly clusters: number[];
  readonly energy: number[];
  readonly status: string;
}

/** The section: a table per (d, beta) and two SVG charts (clusters and energy against t). */
export async function sphereClustersSection(): Promise<ReportSection> {
  const engine = await createEngine();
  const runs: Run[] = [];
  try {
    for (const beta of [1, 9]) {
      for (const d of [2, 3]) {
        const random = seededRandom(1000 * d + beta);
        const tokens = Array.from({ length: N }, () => Array.from({ length: d }, () => normal(random)));
        const saveAt = Array.from({ length: Math.round(T / STEP) + 1 }, (_, k) => k * STEP);
        const sol = engine.solve({ tokens, t1: T, saveAt, geometry: 'sphere', beta });
        runs.push({
          d,
          beta,
          t: Array.from(sol.t),
          clusters: sol.tokens.map((x) => clusterCount({ data: x, n: N, d }, { innerProduct: INNER_PRODUCT })),
          energy: sol.tokens.map((x) => interactionEnergy({ data: x, n: N, d }, beta)),
          status: sol.status,
        });
      }
    }
  } finally {
    engine.dispose();
  }

  const label = (r: Run) => `d = ${r.d}, beta = ${r.beta}`;
  const rows = runs.map((r) => {
    const firstOne = r.t[r.clusters.indexOf(1)];
    const monotone = r.energy.every((e, i) => i === 0 || e >= r.energy[i - 1] - 1e-9 * Math.abs(e));
    const at = (time: number) => r.clusters[Math.round(time / STEP)];
    return `| ${r.d} | ${r.beta} | ${r.status} | ${at(0)} | ${at(2)} | ${at(5)} | ${at(10)} | ${r.clusters[r.clusters.length - 1]} | ${firstOne === undefined ? 'not by t = 30' : firstOne.toFixed(2)} | ${r.energy[0].toFixed(4)} | ${r.energy[r.energy.length - 1].toFixed(4)} | ${(Math.exp(r.beta) / (2 * r.beta)).toFixed(4)} | ${monotone ? 'yes' : 'no'} |`;
  });
  const markdown = [
    `${N} tokens drawn uniformly on the sphere S^{d-1} (seeded), one head with Q = K = V = I, the projected flow`,
    'dx_i/dt = Proj_{x_i}(sum_j P_ij x_j) (MODEL.md, "Normalized tokens"), dopri5 with rtol 1e-8, saved every',
    `${STEP} up to t = ${T}. Clusters: single linkage with cosine similarity >= ${INNER_PRODUCT} (about 2.6 degrees).`,
    'Energy: E_beta = 1/(2 beta N^2) sum_ij exp(beta <x_i, x_j>), whose largest value e^beta / (2 beta) is reached',
    'when all tokens coincide (Geshkovski, Letrouit, Polyanskiy, Rigollet 2023).',
    '',
    '| d | beta | status | clusters t=0 | t=2 | t=5 | t=10 | t=30 | first single cluster at t | E(0) | E(30) | e^beta/(2 beta) | E non-decreasing |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    '![cluster count over time](figures/sphere-clusters.svg)',
    '',
    '![interaction energy over time](figures/sphere-energy.svg)',
  ].join('\n');
  return {
    title: 'Clustering on the sphere',
    markdown,
    figures: [
      {
        name: 'sphere-clusters.svg',
        svg: svgChart({
          title: `Clusters (cosine >= ${INNER_PRODUCT}), N = ${N}`,
          xLabel: 't',
          yLabel: 'clusters',
          series: runs.map((r) => ({ name: label(r), points: r.clusters.map((c, k) => [r.t[k], c] as const) })),
        }),
      },
      {
        name: 'sphere-energy.svg',
        svg: svgChart({
          title: 'Interaction energy E_beta / its maximum e^beta / (2 beta)',
          xLabel: 't',
          yLabel: 'E_beta(t) / max',
          series: runs.map((r) => ({
            name: label(r),
            points: r.energy.map((e, k) => [r.t[k], e / (Math.exp(r.beta) / (2 * r.beta))] as const),
          })),
        }),
      },
    ],
  };
}
