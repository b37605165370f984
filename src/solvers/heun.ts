import { frac } from './rational.js';
import type { ButcherTableau } from './tableau.js';

/** Heun's second-order method (explicit trapezoid). Heun 1900; HNW I, II.1, Table 1.1. */
export const heun: ButcherTableau = {
  name: 'heun',
  order: 2,
  source: 'K. Heun, Z. Math. Phys. 45 (1900) 23-38; Hairer, Norsett, Wanner I, Section II.1',
  a: [[], [frac(1)]],
  b: [frac(1, 2), frac(1, 2)],
  c: [frac(0), frac(1)],
  fsal: false,
};
