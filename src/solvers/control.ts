// Step-size control constants shared by the TypeScript reference loop; the
// WASM loop (assembly/rk.ts) carries the same values with the same sources.

/**
 * The PI step-size controller of dopri5.f (HNW I, II.4; Hairer & Wanner II, IV.2; Gustafsson's PI
 * control), resolved for one solve: after a step with error norm err,
 * h_new = h * clamp(safety * err^-alpha * facold^beta, minFactor, maxFactor), alpha = 1/(q+1) - 0.75 beta
 * (q the order of the error estimate, facold the previous accepted step's err); a rejected step shrinks
 * by max(minFactor, safety * err^-alpha), and the step after a rejection does not grow.
 */
export interface StepControl {
  readonly beta: number;
  readonly safety: number;
  readonly minFactor: number;
  readonly maxFactor: number;
}

/** dopri5.f's defaults (its WORK(2), WORK(3), WORK(4)); beta is the method's (PI_BETA, or the tableau's piBeta). */
export const SAFETY = 0.9;
export const FAC_MIN = 0.2;
export const FAC_MAX = 10;
/** dopri5.f's weight of the previous error (Gustafsson's PI control); a tableau may set its own (piBeta). */
export const PI_BETA = 0.04;
/** dopri5.f rejects beta > 0.2 ("curious input"); larger weights on the previous error make the control oscillate. */
export const PI_BETA_MAX = 0.2;
/** A rejected step leaving h below this fraction of |t| ends the solve with 'dt_min' (t + h barely moves t). */
export const DT_MIN_RELATIVE = 1e-14;
/** ... or below this absolute floor (near t = 0). */
export const DT_MIN_ABSOLUTE = 1e-300;
/** A step within this relative distance of a stop point is stretched to land on it. */
export const SNAP_RELATIVE = 1e-10;
