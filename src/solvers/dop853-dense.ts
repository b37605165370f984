import { add, decimal as d, frac, mul, ONE, type Rational, sub, ZERO } from './rational.js';

// DOP853's dense output of order 7 (Hairer, Norsett, Wanner I, Section II.10; dop853.f, CONTD8; SciPy's
// Dop853DenseOutput): three more stages after an accepted step (14, 15, 16; dop853.f's a14j, a15j, a16j,
// c14 .. c16), and the interpolant
//   y(t + theta h) = y + theta (F0 + (1 - theta) (F1 + theta (F2 + (1 - theta) (F3 + theta (F4
//                    + (1 - theta) (F5 + theta F6))))))
// with F0 = Delta y = h sum_i b_i k_i, F1 = h k_1 - Delta y, F2 = 2 Delta y - h (k_1 + f(y_new)) and
// F3..F6 = h sum_j D[m][j] k_j over the 16 stages (stage 13 is f(y_new), the FSAL stage). Expanded here into
// the form of every dense output of the generic loop, y + h sum_j b_j(theta) k_j with polynomials
// b_j(theta) of degree 7 (tableau.ts, `dense`), exactly in rational arithmetic.

/** Stages 14..16: row r weighs stages 1 .. 13 + r (dop853.f a141 .., SciPy A[13..15]). */
const extraA: Rational[][] = [
  [
    d('5.61675022830479523392909219681e-2'),
    ZERO,
    ZERO,
    ZERO,
    ZERO,
    ZERO,
    d('2.53500210216624811088794765333e-1'),
    d('-2.46239037470802489917441475441e-1'),
    d('-1.24191423263816360469010140626e-1'),
    d('1.5329179827876569731206322685e-1'),
    d('8.20105229563468988491666602057e-3'),
    d('7.56789766054569976138603589584e-3'),
    d('-8.298e-3'),
  ],
  [
    d('3.18346481635021405060768473261e-2'),
    ZERO,
    ZERO,
    ZERO,
    ZERO,
    d('2.83009096723667755288322961402e-2'),
    d('5.35419883074385676223797384372e-2'),
    d('-5.49237485713909884646569340306e-2'),
    ZERO,
    ZERO,
    d('-1.08347328697249322858509316994e-4'),
    d('3.82571090835658412954920192323e-4'),
    d('-3.40465008687404560802977114492e-4'),
    d('1.41312443674632500278074618366e-1'),
  ],
  [
    d('-4.28896301583791923408573538692e-1'),
    ZERO,
    ZERO,
    ZERO,
    ZERO,
    d('-4.69762141536116384314449447206'),
    d('7.68342119606259904184240953878'),
    d('4.06898981839711007970213554331'),
    d('3.56727187455281109270669543021e-1'),
    ZERO,
    ZERO,
    ZERO,
    d('-1.39902416515901462129418009734e-3'),
    d('2.9475147891527723389556272149'),
    d('-9.15095847217987001081870187138'),
  ],
];

/** c14, c15, c16 (c16 = 7/9 as dop853.f prints it, 30 digits). */
const extraC = [d('0.1'), d('0.2'), d('0.777777777777777777777777777778')];

/** D[m][j], m = 0..3 (dop853.f d4j .. d7j), at stages j = 1, 6..16 (zero elsewhere). */
const denseD: [number, string][][] = [
  [
    [0, '-0.84289382761090128651353491142e1'],
    [5, '0.56671495351937776962531783590'],
    [6, '-0.30689499459498916912797304727e1'],
    [7, '0.23846676565120698287728149680e1'],
    [8, '0.21170345824450282767155149946e1'],
    [9, '-0.87139158377797299206789907490'],
    [10, '0.22404374302607882758541771650e1'],
    [11, '0.63157877876946881815570249290'],
    [12, '-0.88990336451333310820698117400e-1'],
    [13, '0.18148505520854727256656404962e2'],
    [14, '-0.91946323924783554000451984436e1'],
    [15, '-0.44360363875948939664310572000e1'],
  ],
  [
    [0, '0.10427508642579134603413151009e2'],
    [5, '0.24228349177525818288430175319e3'],
    [6, '0.16520045171727028198505394887e3'],
    [7, '-0.37454675472269020279518312152e3'],
    [8, '-0.22113666853125306036270938578e2'],
    [9, '0.77334326684722638389603898808e1'],
    [10, '-0.30674084731089398182061213626e2'],
    [11, '-0.93321305264302278729567221706e1'],
    [12, '0.15697238121770843886131091075e2'],
    [13, '-0.31139403219565177677282850411e2'],
    [14, '-0.93529243588444783865713862664e1'],
    [15, '0.35816841486394083752465898540e2'],
  ],
  [
    [0, '0.19985053242002433820987653617e2'],
    [5, '-0.38703730874935176555105901742e3'],
    [6, '-0.18917813819516756882830838328e3'],
    [7, '0.52780815920542364900561016686e3'],
    [8, '-0.11573902539959630126141871134e2'],
    [9, '0.68812326946963000169666922661e1'],
    [10, '-0.10006050966910838403183860980e1'],
    [11, '0.77771377980534432092869265740'],
    [12, '-0.27782057523535084065932004339e1'],
    [13, '-0.60196695231264120758267380846e2'],
    [14, '0.84320405506677161018159903784e2'],
    [15, '0.11992291136182789328035130030e2'],
  ],
  [
    [0, '-0.25693933462703749003312586129e2'],
    [5, '-0.15418974869023643374053993627e3'],
    [6, '-0.23152937917604549567536039109e3'],
    [7, '0.35763911791061412378285349910e3'],
    [8, '0.93405324183624310003907691704e2'],
    [9, '-0.37458323136451633156875139351e2'],
    [10, '0.10409964950896230045147246184e3'],
    [11, '0.29840293426660503123344363579e2'],
    [12, '-0.43533456590011143754432175058e2'],
    [13, '0.96324553959188282948394950600e2'],
    [14, '-0.39177261675615439165231486172e2'],
    [15, '-0.14972683625798562581422125276e3'],
  ],
];

/** Stages of the dense output: the 13 of the step (12 + FSAL) and the 3 above. */
const STAGES = 16;
const DEGREE = 7;

/** theta^p (1 - theta)^q as coefficients of theta^1 .. theta^DEGREE (p >= 1). */
function monomials(p: number, q: number): Rational[] {
  const out = new Array<Rational>(DEGREE).fill(ZERO);
  let binomial = 1;
  for (let k = 0; k <= q; k++) {
    out[p + k - 1] = frac(k % 2 === 0 ? binomial : -binomial);
    binomial = (binomial * (q - k)) / (k + 1);
  }
  return out;
}

/**
 * The dense rows b_j(theta) (STAGES x DEGREE, coefficients of theta^1 .. theta^7) for the weights b of the
 * 13 step stages: F_m expressed as weights of h k_j, times P_m(theta) = theta^(1 + floor(m/2)) (1 - theta)^ceil(m/2).
 */
export function dop853Dense(b: readonly Rational[]): Rational[][] {
  const weight = (j: number): Rational => b[j] ?? ZERO;
  const unit = (j: number, at: number): Rational => (j === at ? ONE : ZERO);
  const f: ((j: number) => Rational)[] = [
    weight,
    (j) => sub(unit(j, 0), weight(j)),
    (j) => sub(sub(mul(frac(2), weight(j)), unit(j, 0)), unit(j, 12)),
    ...denseD.map((row) => (j: number) => {
      const entry = row.find(([k]) => k === j);
      return entry ? d(entry[1]) : ZERO;
    }),
  ];
  const basis = f.map((_, m) => monomials(1 + Math.floor(m / 2), Math.ceil(m / 2)));
  return Array.from({ length: STAGES }, (_, j) =>
    basis.reduce(
      (row, poly, m) => row.map((r, p) => add(r, mul(f[m]?.(j) ?? ZERO, poly[p] ?? ZERO))),
      new Array<Rational>(DEGREE).fill(ZERO),
    ),
  );
}

/** The three dense-output stages (tableau.ts, denseStages). */
export const dop853DenseStages = { a: extraA, c: extraC };
