import { add, frac, mul, type Rational, sub, ZERO } from './rational.js';
import type { ButcherTableau } from './tableau.js';

// Dormand & Prince, "A family of embedded Runge-Kutta formulae",
// J. Comput. Appl. Math. 6 (1980) 19-26; HNW I, Section II.5, Table 5.2.
const b = [frac(35, 384), ZERO, frac(500, 1113), frac(125, 192), frac(-2187, 6784), frac(11, 84), ZERO];
const bHat = [frac(5179, 57600), ZERO, frac(7571, 16695), frac(393, 640), frac(-92097, 339200), frac(187, 2100), frac(1, 40)];

// Shampine's continuous extension of order 4, as in Hairer's dopri5.f (CONTD5):
// y(t + theta h) = y0 + theta r2 + theta (1 - theta) r3 + theta^2 (1 - theta) r4
//                + theta^2 (1 - theta)^2 r5,
// with r2 = h sum b_i k_i, r3 = h k1 - r2, r4 = 2 r2 - h k1 - h k7, r5 = h sum d_i k_i.
const d = [
  frac(-12715105075, 11282082432),
  ZERO,
  frac(87487479700, 32700410799),
  frac(-10690763975, 1880347072),
  frac(701980252875, 199316789632),
  frac(-1453857185, 822651844),
  frac(69997945, 29380423),
];

/** b_i(theta) of the dense output as coefficients of theta, theta^2, theta^3, theta^4 (expanded from CONTD5). */
function denseRow(i: number): Rational[] {
  const bi = b[i] as Rational;
  const di = d[i] as Rational;
  const u = sub(i === 0 ? frac(1) : ZERO, bi); // coefficient of theta (1 - theta)
  const v = sub(sub(mul(frac(2), bi), i === 0 ? frac(1) : ZERO), i === 6 ? frac(1) : ZERO); // of theta^2 (1 - theta)
  return [add(bi, u), add(sub(v, u), di), sub(sub(ZERO, v), mul(frac(2), di)), di];
}

/** Dormand-Prince 5(4): 7 stages, FSAL, 4th-order embedded error estimate, 4th-order dense output. */
export const dopri5: ButcherTableau = {
  name: 'dopri5',
  order: 5,
  errorOrder: 4,
  source:
    'J. R. Dormand, P. J. Prince, J. Comput. Appl. Math. 6 (1980) 19-26; dense output: L. F. Shampine, Math. Comp. 46 (1986) 135-150, coefficients of Hairer dopri5.f',
  a: [
    [],
    [frac(1, 5)],
    [frac(3, 40), frac(9, 40)],
    [frac(44, 45), frac(-56, 15), frac(32, 9)],
    [frac(19372, 6561), frac(-25360, 2187), frac(64448, 6561), frac(-212, 729)],
    [frac(9017, 3168), frac(-355, 33), frac(46732, 5247), frac(49, 176), frac(-5103, 18656)],
    [frac(35, 384), ZERO, frac(500, 1113), frac(125, 192), frac(-2187, 6784), frac(11, 84)],
  ],
  b,
  c: [ZERO, frac(1, 5), frac(3, 10), frac(4, 5), frac(8, 9), frac(1), frac(1)],
  bHat,
  fsal: true,
  dense: b.map((_, i) => denseRow(i)),
  denseOrder: 4,
};
