// Step-size control constants shared by the TypeScript reference loop; the
// WASM loop (assembly/rk.ts) carries the same values with the same sources.

/** PI controller of dopri5.f (HNW I, II.4; Hairer & Wanner II, IV.2). */
export const SAFETY = 0.9;
export const FAC_MIN = 0.2;
export const FAC_MAX = 10;
export const PI_BETA = 0.04;
/** Steps shorter than this fraction of max(|t|, |t1|) end the solve with 'dt_min'. */
export const DT_MIN_RELATIVE = 1e-14;
/** A step within this relative distance of a stop point is stretched to land on it. */
export const SNAP_RELATIVE = 1e-10;
