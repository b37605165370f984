// Sizes of the reproduction report's experiments: the full run of
// `npm run reproduce` and a tiny one for the tests.

/** What the report computes. */
export interface ReportConfig {
  /** Random 1-D prompts: N tokens x_i(0) ~ N(0, 1), `seeds` prompts of each size. */
  readonly prompts: readonly { readonly n: number; readonly seeds: number }[];
  /** Horizon T of the random prompts (fates are those at T; exits are final, so shares at t < T follow from the exit times). */
  readonly horizon: number;
  /** The single prompt followed in detail (trajectories, attention collapse). */
  readonly detail: { readonly n: number; readonly seed: number; readonly t1: number };
  /** v0(N) is tabulated and plotted for N from 2 to this. */
  readonly corridorMaxN: number;
}

/** `npm run reproduce`: about a minute on a 2-core machine. */
export const FULL_REPORT: ReportConfig = {
  prompts: [
    { n: 8, seeds: 500 },
    { n: 64, seeds: 100 },
    { n: 512, seeds: 10 },
  ],
  horizon: 4,
  detail: { n: 16, seed: 2025, t1: 8 },
  corridorMaxN: 1e6,
};

/** A few seconds: for tests. */
export const TINY_REPORT: ReportConfig = {
  prompts: [
    { n: 5, seeds: 3 },
    { n: 9, seeds: 2 },
  ],
  horizon: 1.5,
  detail: { n: 6, seed: 1, t1: 4 },
  corridorMaxN: 1e4,
};
