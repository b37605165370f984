import { frac } from './rational.js';
import type { ButcherTableau } from './tableau.js';

/** The classical fourth-order Runge-Kutta method. Kutta 1901; HNW I, II.1, Table 1.2 (left). */
export const rk4: ButcherTableau = {
  name: 'rk4',
  order: 4,
  source: 'W. Kutta, Z. Math. Phys. 46 (1901) 435-453; Hairer, Norsett, Wanner I, Section II.1, Table 1.2',
  a: [[], [frac(1, 2)], [frac(0), frac(1, 2)], [frac(0), frac(0), frac(1)]],
  b: [frac(1, 6), frac(1, 3), frac(1, 3), frac(1, 6)],
  c: [frac(0), frac(1, 2), frac(1, 2), frac(1)],
  fsal: false,
};
