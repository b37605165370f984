// Presets of `attnflow run --preset NAME`: the paper's model and its
// neighbours. A config file and flags override any key.

import type { RunConfig } from './schema.js';

export interface Preset {
  readonly summary: string;
  readonly config: RunConfig;
}

/** Five tokens near the vertices of a regular pentagon on the circle (angles 2 pi k / 5 + a small fixed offset). */
const PENTAGON_OFFSETS = [0.03, -0.05, 0.08, -0.02, 0.04];
const pentagon = PENTAGON_OFFSETS.map((offset, k) => {
  const angle = (2 * Math.PI * k) / 5 + offset;
  return [Math.cos(angle), Math.sin(angle)];
});

export const PRESETS: Readonly<Record<NonNullable<RunConfig['preset']>, Preset>> = {
  'gisin-1d': {
    summary:
      "the paper's 1-D model (eq. 9): 16 seeded normal tokens, Q = K = V = 1, beta = 1, to t = 8; tokens leaving the corridor [-v0, v0] (eq. 13) run off, attention collapses on the extremes",
    config: { name: 'gisin-1d', n: 16, d: 1, seed: 2025, beta: 1, t1: 8, saves: 401, heatmapTimes: [0, 2, 8] },
  },
  'sphere-clusters': {
    summary:
      'tokens on the sphere S^2 (Geshkovski, Letrouit, Polyanskiy, Rigollet 2023): 32 seeded tokens, beta = 4, to t = 30; they gather into clusters while the energy E_beta grows',
    config: {
      name: 'sphere-clusters',
      n: 32,
      d: 3,
      seed: 7,
      beta: 4,
      geometry: 'sphere',
      t1: 30,
      saves: 301,
      heatmapTimes: [0, 5, 30],
    },
  },
  metastability: {
    summary:
      'metastability on the circle: 5 tokens near a regular pentagon, beta = 4, to t = 400; they pair up within t ~ 30 into 2 clusters that then stay apart for the rest of the run (a metastable state; the final merge comes exponentially later)',
    config: {
      name: 'metastability',
      tokens: pentagon,
      beta: 4,
      geometry: 'sphere',
      t1: 400,
      saves: 801,
      heatmapTimes: [0, 10, 400],
      rtol: 1e-10,
      atol: 1e-12,
    },
  },
};
