// Step-size control constants shared by the TypeScript reference loop; the
// WASM loop (assembly/rk.ts) carries the same values with the same sources.

/** PI controller of dopri5.f (HNW I, II.4; Hairer & Wanner II, IV.2). */
export const SAFETY = 0.9;
export const FAC_MIN = 0.2;
export const FAC_MAX = 10;
/** dopri5.f's weight of the previous error (Gustafsson's PI control); a tableau may set its own (piBeta). */
export const PI_BETA = 0.04;
/** A rejected step leaving h below this fraction of |t| ends the solve with 'dt_min' (t + h barely moves t). */
export const DT_MIN_RELATIVE = 1e-14;
/** ... or below this absolute floor (near t = 0). */
export const DT_MIN_ABSOLUTE = 1e-300;
/** A step within this relative distance of a stop point is stretched to land on it. */
export const SNAP_RELATIVE = 1e-10;
