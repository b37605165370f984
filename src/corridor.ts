// The corridor of the paper's 1-D model (eq. 12-13): v0 is the positive root
// of v/N - (N - 1) e^{-v^2} / v = 0. A token leaving [-v0, v0] escapes to
// infinity. Multiplying by v and setting u = v^2 gives u e^u = N (N - 1), so
// v0 = sqrt(W(N (N - 1))) with W the Lambert function; we solve
// h(u) = u + ln u - ln(N (N - 1)) = 0 (increasing and concave in u) by Newton
// steps kept inside a bracket, bisecting whenever Newton would leave it.

import { AttnflowError } from './errors.js';

/**
 * v0(N), the half-width of the corridor [-v0, v0] of eq. (13), to ~1e-15
 * relative. N = 1 returns 0; v0 grows like sqrt(2 ln N) and stays below it.
 */
export function corridorHalfWidth(n: number): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw new AttnflowError('invalid_value', 'n', `must be an integer >= 1 (the number of tokens), got ${String(n)}`);
  }
  if (n === 1) return 0;
  const target = Math.log(n) + Math.log(n - 1); // ln(N (N - 1)) without overflow
  const h = (u: number) => u + Math.log(u) - target;
  let lo = Number.MIN_VALUE; // h(lo) < 0
  let hi = Math.max(target, 1); // h(hi) >= 0: h(target) = ln(target) >= 0 when target >= 1, h(1) = 1 - target > 0 otherwise
  let u = Math.max(target - Math.log(Math.max(target, 1)), 0.5); // W(z) ~ ln z - ln ln z
  if (!(u > lo && u < hi)) u = 0.5 * (lo + hi);
  for (let iter = 0; iter < 200; iter++) {
    const hu = h(u);
    if (hu < 0) lo = u;
    else hi = u;
    let next = u - hu / (1 + 1 / u);
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - u) <= 1e-16 * u) {
      u = next;
      break;
    }
    u = next;
  }
  return Math.sqrt(u);
}
