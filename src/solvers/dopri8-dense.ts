import { decimal as d, type Rational, ZERO } from './rational.js';

// A dense output for Prince & Dormand's RK8(7)13M: Bogacki & Shampine, "Interpolating high-order Runge-Kutta
// formulas", Comput. Math. Appl. 20(3) (1990) 15-24, as diffrax's Dopri8 (_Dopri8Interpolation) gives it:
// y(t + theta h) = y + h sum_j b_j(theta) k_j over the 13 stages and a 14th, f(y_new) (diffrax's FSAL stage;
// here one extra stage, evaluated only for steps that are interpolated), with b_j(theta) of degree 6 whose
// coefficients are printed to 20 digits. Checked in exact arithmetic (test/tableaus.test.ts): it satisfies
// the continuous order conditions of every tree to order 4 and the quadrature ones to order 5 (to ~2e-16),
// not those of order 6 (off by 1e-4), and b_j(1) = b_j only to ~1e-12. So it is of order 5, below the
// method's 8: dopri8 locates events on it (1.3e-10 at rtol 1e-10 on the two-token flow of
// test/events.test.ts, where the cubic Hermite interpolant was off by 3.4e-6) but still ends a step at
// every save point (denseSaves: false), which it would otherwise deliver ~100x less accurately.

/**
 * b_j(theta) = sum_p dense[j][p] theta^(p+1): rows of diffrax's eval_coeffs, whose entries run from the
 * theta^6 coefficient down to the theta^1 one (polyval, times theta), reversed here.
 */
const rows: (readonly string[] | null)[] = [
  [
    '-6.3448349392860401388',
    '22.1396504998094068976',
    '-30.0610568289666450593',
    '19.9990069333683970610',
    '-6.6910181737837595697',
    '1',
  ],
  null,
  null,
  null,
  null,
  [
    '-39.6107919852202505218',
    '116.4422149550342161651',
    '-121.4999627731334642623',
    '52.2273532792945524050',
    '-7.6142658045872677172',
    '0',
  ],
  [
    '20.3761213808791436958',
    '-67.1451318825957197185',
    '83.1721004639847717481',
    '-46.8919164181093621583',
    '10.7281392630428866124',
    '0',
  ],
  [
    '7.3347098826795362023',
    '-16.5672243527496524646',
    '9.5724507555993664382',
    '-0.1890893225010595467',
    '0.5526637063753648783',
    '0',
  ],
  [
    '32.8801774352459155182',
    '-89.9916014847245016028',
    '87.8406057677205645007',
    '-35.7075975946222072821',
    '4.2186562625665153803',
    '0',
  ],
  [
    '-10.1588990526426760954',
    '22.6237489648532849093',
    '-17.4152107770762969005',
    '6.2736448083240352160',
    '-0.6627209125361597559',
    '0',
  ],
  [
    '-12.5401268098782561200',
    '32.2362340167355370113',
    '-28.5903289514790976966',
    '10.3160881272450748458',
    '-1.2636789001135462218',
    '0',
  ],
  [
    '29.5553001484516038033',
    '-82.1020315488359848644',
    '81.6630950584341412934',
    '-34.7650769866611817349',
    '5.4106037898590422230',
    '0',
  ],
  [
    '-41.7923486424390588923',
    '116.2662185791119533462',
    '-114.9375291377009418170',
    '47.7457971078225540396',
    '-7.0321379067945741781',
    '0',
  ],
  [
    '20.3006925822100825485',
    '-53.9020777466385396792',
    '50.2558364226176017553',
    '-19.0082099341608028453',
    '2.3537586759714983486',
    '0',
  ],
];

/** The dense rows (14 x 6) for the tableau. */
export function dopri8Dense(): Rational[][] {
  return rows.map((row) => (row === null ? new Array<Rational>(6).fill(ZERO) : [...row].reverse().map(d)));
}
