import { dopri8Dense } from './dopri8-dense.js';
import { frac, ONE, ZERO } from './rational.js';
import type { ButcherTableau } from './tableau.js';

// Prince & Dormand, "High order embedded Runge-Kutta formulae", J. Comput. Appl. Math. 7 (1981) 67-75:
// RK8(7)13M, the pair of Table 2 (also HNW I, Section II.5, and diffrax's Dopri8). 13 stages, an 8th-order
// solution with a 7th-order embedded estimate (local extrapolation). The paper gives most coefficients
// as rational approximations, to about 18 digits, of irrational numbers, so the tableau's conditions
// hold to ~1e-17 instead of exactly (`conditionsHoldTo`; test/tableaus.test.ts checks them, and the
// order-8 quadrature conditions sum_i b_i c_i^(k-1) = 1/k, k = 1..8).
const q = frac;
const b8 = [
  q(14005451, 335480064),
  ZERO,
  ZERO,
  ZERO,
  ZERO,
  q(-59238493, 1068277825),
  q(181606767, 758867731),
  q(561292985, 797845732),
  q(-1041891430, 1371343529),
  q(760417239, 1151165299),
  q(118820643, 751138087),
  q(-528747749, 2220607170),
  q(1, 4),
];
const b7 = [
  q(13451932, 455176623),
  ZERO,
  ZERO,
  ZERO,
  ZERO,
  q(-808719846, 976000145),
  q(1757004468, 5645159321),
  q(656045339, 265891186),
  q(-3867574721, 1518517206),
  q(465885868, 322736535),
  q(53011238, 667516719),
  q(2, 45),
  ZERO,
];

/**
 * Dormand-Prince 8(7): 13 stages, 7th-order embedded error estimate, and Bogacki & Shampine's dense output
 * (dopri8-dense.ts, order 5) on one more stage, f(y_new), for its events only: save points end steps.
 */
export const dopri8: ButcherTableau = {
  name: 'dopri8',
  order: 8,
  errorOrder: 7,
  source: 'P. J. Prince, J. R. Dormand, J. Comput. Appl. Math. 7 (1981) 67-75, RK8(7)13M (Table 2)',
  conditionsHoldTo: 1e-16,
  a: [
    [],
    [q(1, 18)],
    [q(1, 48), q(1, 16)],
    [q(1, 32), ZERO, q(3, 32)],
    [q(5, 16), ZERO, q(-75, 64), q(75, 64)],
    [q(3, 80), ZERO, ZERO, q(3, 16), q(3, 20)],
    [q(29443841, 614563906), ZERO, ZERO, q(77736538, 692538347), q(-28693883, 1125000000), q(23124283, 1800000000)],
    [
      q(16016141, 946692911),
      ZERO,
      ZERO,
      q(61564180, 158732637),
      q(22789713, 633445777),
      q(545815736, 2771057229),
      q(-180193667, 1043307555),
    ],
    [
      q(39632708, 573591083),
      ZERO,
      ZERO,
      q(-433636366, 683701615),
      q(-421739975, 2616292301),
      q(100302831, 723423059),
      q(790204164, 839813087),
      q(800635310, 3783071287),
    ],
    [
      q(246121993, 1340847787),
      ZERO,
      ZERO,
      q(-37695042795, 15268766246),
      q(-309121744, 1061227803),
      q(-12992083, 490766935),
      q(6005943493, 2108947869),
      q(393006217, 1396673457),
      q(123872331, 1001029789),
    ],
    [
      q(-1028468189, 846180014),
      ZERO,
      ZERO,
      q(8478235783, 508512852),
      q(1311729495, 1432422823),
      q(-10304129995, 1701304382),
      q(-48777925059, 3047939560),
      q(15336726248, 1032824649),
      q(-45442868181, 3398467696),
      q(3065993473, 597172653),
    ],
    [
      q(185892177, 718116043),
      ZERO,
      ZERO,
      q(-3185094517, 667107341),
      q(-477755414, 1098053517),
      q(-703635378, 230739211),
      q(5731566787, 1027545527),
      q(5232866602, 850066563),
      q(-4093664535, 808688257),
      q(3962137247, 1805957418),
      q(65686358, 487910083),
    ],
    [
      q(403863854, 491063109),
      ZERO,
      ZERO,
      q(-5068492393, 434740067),
      q(-411421997, 543043805),
      q(652783627, 914296604),
      q(11173962825, 925320556),
      q(-13158990841, 6184727034),
      q(3936647629, 1978049680),
      q(-160528059, 685178525),
      q(248638103, 1413531060),
      ZERO,
    ],
  ],
  b: b8,
  c: [
    ZERO,
    q(1, 18),
    q(1, 12),
    q(1, 8),
    q(5, 16),
    q(3, 8),
    q(59, 400),
    q(93, 200),
    q(5490023248, 9719169821),
    q(13, 20),
    q(1201146811, 1299019798),
    q(1),
    q(1),
  ],
  bHat: b7,
  fsal: false,
  dense: dopri8Dense(),
  // The 14th stage of the dense output: f(y_new), y_new = y + h sum_j b_j k_j.
  denseStages: { a: [b8], c: [ONE] },
  // Of order 5 in theta, to the 20 printed digits (b_j(1) = b_j only to ~1e-12): events only.
  denseOrder: 5,
  denseHoldsTo: 1e-12,
  denseSaves: false,
};
