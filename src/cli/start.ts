// npm start: the paper's 1-D model (eq. 9) for 16 seeded random tokens to
// t = 8; prints, per token, x(0), x(8), whether it left the corridor
// [-v0, v0] (eq. 13), and the largest entry of its attention row at t = 8.

import { corridorHalfWidth, init, solve } from '../index.js';
import { randomMatrix, seededRandom } from '../random.js';

const N = 16;
const T = 8;
const SEED = 2025;

const backend = await init();
const tokens = randomMatrix(seededRandom(SEED), N, 1); // x_i(0) ~ N(0, 1)
const saveAt = Array.from({ length: 801 }, (_, i) => (i * T) / 800);
const started = performance.now();
const sol = solve({ tokens, t1: T, saveAt, saveAttention: true });
const ms = performance.now() - started;
const v0 = corridorHalfWidth(N);

console.log(`attnflow: 1-D model (eq. 9), N = ${N} tokens (seed ${SEED}), t in [0, ${T}], backend ${backend}`);
console.log(`corridor half-width v0(${N}) = ${v0.toFixed(6)}   status: ${sol.status} (${sol.message})`);
console.log(
  `dopri5: ${sol.stats.steps} steps, ${sol.stats.rejected} rejected, ${sol.stats.rhsEvaluations} field evaluations, ${ms.toFixed(1)} ms\n`,
);
console.log('token        x(0)          x(8)   left corridor    max_j P_ij(8)  (j)  1 - max');
const last = sol.tokens.length - 1;
const attention = sol.attention?.[last]?.[0] ?? new Float64Array(N * N);
const order = Array.from({ length: N }, (_, i) => i).sort((a, b) => (tokens[a]?.[0] ?? 0) - (tokens[b]?.[0] ?? 0));
for (const i of order) {
  let left = '';
  for (let s = 0; s < sol.tokens.length && left === ''; s++) {
    const x = sol.tokens[s]?.[i] ?? 0;
    if (x > v0) left = `up   (t ~ ${sol.t[s]?.toFixed(2)})`;
    else if (x < -v0) left = `down (t ~ ${sol.t[s]?.toFixed(2)})`;
  }
  let best = 0;
  for (let j = 1; j < N; j++) if ((attention[i * N + j] ?? 0) > (attention[i * N + best] ?? 0)) best = j;
  const x0 = tokens[i]?.[0] ?? 0;
  const x8 = sol.tokens[last]?.[i] ?? 0;
  console.log(
    `${String(i).padStart(5)} ${x0.toFixed(6).padStart(11)} ${x8.toExponential(6).padStart(14)}   ${(left || 'no').padEnd(16)} ${(attention[i * N + best] ?? 0).toFixed(6)}  (${String(best).padStart(2)})  ${(1 - (attention[i * N + best] ?? 0)).toExponential(1)}`,
  );
}
