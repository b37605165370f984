// Root finding for event location: the Illinois variant of regula falsi
// (Dahlquist & Bjorck, "Numerical Methods", 1974, 6.2.2), finished by
// bisection; the same iteration as assembly/events.ts (locateRoot).

/** Root brackets are shrunk to this fraction of max(1, |t|) (well under the 1e-10 promised). */
export const ROOT_T_TOLERANCE = 1e-13;
/** Illinois iterations before plain bisection takes over. */
const ILLINOIS_ITERATIONS = 60;

/**
 * The theta in (0, 1] where g changes sign along a step of length h, given
 * g(0) = g0 and g(1) = g1 of opposite signs (or g1 = 0). Returns the end of
 * the final bracket on the far side, so the crossing has happened there.
 */
export function locateRoot(g: (theta: number) => number, g0: number, g1: number, h: number, tol: number): number {
  if (g1 === 0) return 1;
  let a = 0;
  let fa = g0;
  let b = 1;
  let fb = g1;
  let side = 0;
  const thetaTol = tol / h;
  for (let iter = 0; iter < 200 && b - a > thetaTol; iter++) {
    let c = 0.5 * (a + b);
    if (iter < ILLINOIS_ITERATIONS) {
      const rf = (a * fb - b * fa) / (fb - fa);
      if (rf > a && rf < b) c = rf;
    }
    const fc = g(c);
    if (fc === 0) return c;
    if (fc > 0 === fb > 0) {
      b = c;
      fb = fc;
      if (side === -1) fa *= 0.5; // Illinois: halve the stale end's value
      side = -1;
    } else {
      a = c;
      fa = fc;
      if (side === 1) fb *= 0.5;
      side = 1;
    }
  }
  return b;
}

/** 1 for a rising sign change (g0 < 0 <= g1), -1 for a falling one (g0 > 0 >= g1), 0 for none. */
export function crossing(g0: number, g1: number): -1 | 0 | 1 {
  if (g0 < 0 && g1 >= 0) return 1;
  if (g0 > 0 && g1 <= 0) return -1;
  return 0;
}
