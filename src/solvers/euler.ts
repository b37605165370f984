import { frac } from './rational.js';
import type { ButcherTableau } from './tableau.js';

/** Explicit Euler: the residual block X + dt Phi(X) (eq. 3 with dt = 1). Euler 1768; HNW I, II.1. */
export const euler: ButcherTableau = {
  name: 'euler',
  order: 1,
  source: 'L. Euler, Institutiones calculi integralis (1768); Hairer, Norsett, Wanner I, Section II.1',
  a: [[]],
  b: [frac(1)],
  c: [frac(0)],
  fsal: false,
};
