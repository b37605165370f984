import { dop853Dense, dop853DenseStages } from './dop853-dense.js';
import { decimal as d, sub, ZERO } from './rational.js';
import type { ButcherTableau } from './tableau.js';

// Dormand-Prince 8(5,3), Hairer's DOP853: E. Hairer, S. P. Norsett, G. Wanner, Solving Ordinary Differential
// Equations I, 2nd ed., Section II.10, and the coefficients of Hairer's dop853.f (as in SciPy's
// dop853_coefficients.py), 30-digit decimals of irrational numbers (they involve sqrt(6)), read exactly
// as fractions of those decimals: consistency and the order conditions hold to ~1e-27, those of the dense output (whose coefficients
// reach 5e2) to ~3e-26: conditionsHoldTo = 1e-24.
// 12 stages and a 13th, f(y_new), shared with the next step (FSAL: row 13 of A is b). The error estimate
// combines a 5th-order (e5) and a 3rd-order (e3) difference (tableau.ts, dop853Error); it behaves like an
// estimate of order 7. Hairer's 7th-order dense output (dop853-dense.ts) takes 3 more stages, evaluated only
// for steps that are interpolated (save points inside them, or events), as in dop853.f and SciPy.

const a = [
  [],
  [d('5.26001519587677318785587544488e-2')],
  [d('1.97250569845378994544595329183e-2'), d('5.91751709536136983633785987549e-2')],
  [d('2.95875854768068491816892993775e-2'), ZERO, d('8.87627564304205475450678981324e-2')],
  [
    d('2.41365134159266685502369798665e-1'),
    ZERO,
    d('-8.84549479328286085344864962717e-1'),
    d('9.24834003261792003115737966543e-1'),
  ],
  [
    d('3.7037037037037037037037037037e-2'),
    ZERO,
    ZERO,
    d('1.70828608729473871279604482173e-1'),
    d('1.25467687566822425016691814123e-1'),
  ],
  [
    d('3.7109375e-2'),
    ZERO,
    ZERO,
    d('1.70252211019544039314978060272e-1'),
    d('6.02165389804559606850219397283e-2'),
    d('-1.7578125e-2'),
  ],
  [
    d('3.70920001185047927108779319836e-2'),
    ZERO,
    ZERO,
    d('1.70383925712239993810214054705e-1'),
    d('1.07262030446373284651809199168e-1'),
    d('-1.53194377486244017527936158236e-2'),
    d('8.27378916381402288758473766002e-3'),
  ],
  [
    d('6.24110958716075717114429577812e-1'),
    ZERO,
    ZERO,
    d('-3.36089262944694129406857109825'),
    d('-8.68219346841726006818189891453e-1'),
    d('2.75920996994467083049415600797e1'),
    d('2.01540675504778934086186788979e1'),
    d('-4.34898841810699588477366255144e1'),
  ],
  [
    d('4.77662536438264365890433908527e-1'),
    ZERO,
    ZERO,
    d('-2.48811461997166764192642586468'),
    d('-5.90290826836842996371446475743e-1'),
    d('2.12300514481811942347288949897e1'),
    d('1.52792336328824235832596922938e1'),
    d('-3.32882109689848629194453265587e1'),
    d('-2.03312017085086261358222928593e-2'),
  ],
  [
    d('-9.3714243008598732571704021658e-1'),
    ZERO,
    ZERO,
    d('5.18637242884406370830023853209'),
    d('1.09143734899672957818500254654'),
    d('-8.14978701074692612513997267357'),
    d('-1.85200656599969598641566180701e1'),
    d('2.27394870993505042818970056734e1'),
    d('2.49360555267965238987089396762'),
    d('-3.0467644718982195003823669022'),
  ],
  [
    d('2.27331014751653820792359768449'),
    ZERO,
    ZERO,
    d('-1.05344954667372501984066689879e1'),
    d('-2.00087205822486249909675718444'),
    d('-1.79589318631187989172765950534e1'),
    d('2.79488845294199600508499808837e1'),
    d('-2.85899827713502369474065508674'),
    d('-8.87285693353062954433549289258'),
    d('1.23605671757943030647266201528e1'),
    d('6.43392746015763530355970484046e-1'),
  ],
  [
    d('5.42937341165687622380535766363e-2'),
    ZERO,
    ZERO,
    ZERO,
    ZERO,
    d('4.45031289275240888144113950566'),
    d('1.89151789931450038304281599044'),
    d('-5.8012039600105847814672114227'),
    d('3.1116436695781989440891606237e-1'),
    d('-1.52160949662516078556178806805e-1'),
    d('2.01365400804030348374776537501e-1'),
    d('4.47106157277725905176885569043e-2'),
  ],
];
/** Row 13 of A: the weights b (b_13 = 0). */
const b = [...(a[12] ?? []), ZERO];
/** The 3rd-order weights (bhh1, bhh2, bhh3 of dop853.f) at stages 1, 9, 12. */
const bhh: Record<number, string> = {
  0: '0.244094488188976377952755905512',
  8: '0.733846688281611857341361741547',
  11: '0.220588235294117647058823529412e-1',
};
const e5 = [
  d('0.1312004499419488073250102996e-1'),
  ZERO,
  ZERO,
  ZERO,
  ZERO,
  d('-0.1225156446376204440720569753e1'),
  d('-0.4957589496572501915214079952'),
  d('0.1664377182454986536961530415e1'),
  d('-0.3503288487499736816886487290'),
  d('0.3341791187130174790297318841'),
  d('0.8192320648511571246570742613e-1'),
  d('-0.2235530786388629525884427845e-1'),
  ZERO,
];

/** Dormand-Prince 8(5,3) (DOP853): 12 stages + FSAL, the DOP853 error estimate (order 7), dense output of order 7. */
export const dop853: ButcherTableau = {
  name: 'dop853',
  order: 8,
  errorOrder: 7,
  // dop853.f's default: no PI stabilization (beta = 0), as SciPy's DOP853 (an I-controller).
  piBeta: 0,
  source: 'Hairer, Norsett, Wanner I (1993), Section II.10; coefficients of Hairer dop853.f (as in SciPy dop853_coefficients.py)',
  conditionsHoldTo: 1e-24,
  a,
  b,
  c: [
    d('0.0'),
    d('0.526001519587677318785587544488e-01'),
    d('0.789002279381515978178381316732e-01'),
    d('0.118350341907227396726757197510'),
    d('0.281649658092772603273242802490'),
    d('0.333333333333333333333333333333'),
    d('0.25'),
    d('0.307692307692307692307692307692'),
    d('0.651282051282051282051282051282'),
    d('0.6'),
    d('0.857142857142857142857142857142'),
    d('1.0'),
    d('1.0'),
  ],
  dop853Error: { e5, e3: b.map((bi, i) => (bhh[i] === undefined ? bi : sub(bi, d(bhh[i] as string)))) },
  fsal: true,
  dense: dop853Dense(b),
  denseOrder: 7,
  denseStages: dop853DenseStages,
};
