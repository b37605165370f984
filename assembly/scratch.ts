// The attention kernels' scratch: sizes, tiling constants and the layout of
// the caller-provided scratch block (float64 and float32 kernels share it).

/** Keys per packed panel: two f64x2 vectors. */
export const KEY_PANEL: i32 = 4;
/** Query rows per register block. */
export const ROW_BLOCK: i32 = 4;
/** Rows whose softmax state (m, l, z) is kept while one key tile is hot. */
export const BLOCK_ROWS: i32 = 64;
/** Float64 numbers of keys plus values per tile: 192 KiB, well inside a 512 KiB L2. */
const TILE_BUDGET: i32 = 24576;
/** Below this width the weighted sum is vectorized over j instead of over coordinates. */
export const SMALL_D: i32 = 4;

// @ts-ignore: decorator
@inline export function paddedKeys(n: i32): i32 {
  return ((n + KEY_PANEL - 1) / KEY_PANEL) * KEY_PANEL;
}

// @ts-ignore: decorator
@inline function align16(bytes: f64): f64 {
  return Math.ceil(bytes / 16) * 16;
}

/** Keys per tile: a multiple of KEY_PANEL, at least 64, at most all of them. */
export function tileKeys(n: i32, d: i32, dk: i32): i32 {
  let t = (TILE_BUDGET / (dk + d)) & ~(KEY_PANEL - 1);
  if (t < 64) t = 64;
  const npad = paddedKeys(n);
  return t < npad ? t : npad;
}

/**
 * Bytes of scratch one attention call needs for N tokens of dimension D and
 * heads of width at most dk: packed keys (N dk), packed values (N D), the
 * queries, softmax state and weighted sums of a row block (BLOCK_ROWS (dk + D
 * + 2)), ROW_BLOCK score rows (4 N) and a work row. Computed in float64 so
 * that huge sizes report a huge need instead of wrapping around.
 */
export function attentionScratchBytes(n: i32, d: i32, dk: i32): f64 {
  const rowSoftmax = rowSoftmaxScratchBytes(n, d, dk);
  const tied = tiedScratchBytes(n, d, dk);
  return rowSoftmax > tied ? rowSoftmax : tied;
}

function rowSoftmaxScratchBytes(n: i32, d: i32, dk: i32): f64 {
  const npad = <f64>paddedKeys(n);
  const wide = <f64>(d > dk ? d : dk);
  return align16(npad * <f64>dk * 8) + align16(npad * <f64>d * 8) + align16(<f64>BLOCK_ROWS * <f64>dk * 8) +
    align16(<f64>ROW_BLOCK * npad * 8) + align16(<f64>BLOCK_ROWS * <f64>d * 8) + 2 * align16(<f64>BLOCK_ROWS * 8) +
    align16(wide * 8) + 16;
}

// Scratch pointers, set by layoutScratch for each head. Plain globals: the
// module allocates nothing, the caller owns all memory (each worker thread
// has its own instance, hence its own globals).
export let keysPtr: usize = 0; // npad * dk, panels
export let valuesPtr: usize = 0; // npad * d: X^T (D < SMALL_D)
export let queriesPtr: usize = 0; // BLOCK_ROWS * dk
export let scoresPtr: usize = 0; // ROW_BLOCK rows of npad
export let sumsPtr: usize = 0; // BLOCK_ROWS * d: the weighted sums z
export let maxPtr: usize = 0; // BLOCK_ROWS: running row maxima m
export let totalPtr: usize = 0; // BLOCK_ROWS: running normalizers l
export let workPtr: usize = 0; // max(d, dk)

export function layoutScratch(base: usize, n: i32, d: i32, dk: i32): void {
  const npad = <usize>paddedKeys(n);
  let p = (base + 15) & ~(<usize>15);
  keysPtr = p;
  p += <usize>align16(<f64>(npad * <usize>dk * 8));
  valuesPtr = p;
  p += <usize>align16(<f64>(npad * <usize>d * 8));
  queriesPtr = p;
  p += <usize>align16(<f64>(<usize>BLOCK_ROWS * <usize>dk * 8));
  scoresPtr = p;
  p += <usize>align16(<f64>(<usize>ROW_BLOCK * npad * 8));
  sumsPtr = p;
  p += <usize>align16(<f64>(<usize>BLOCK_ROWS * <usize>d * 8));
  maxPtr = p;
  p += <usize>align16(<f64>BLOCK_ROWS * 8);
  totalPtr = p;
  p += <usize>align16(<f64>BLOCK_ROWS * 8);
  workPtr = p;
}

/** Rows (and keys) per tile of the tied kernel: a multiple of ROW_BLOCK and of both key panels (4 and 8). */
export const TIED_TILE: i32 = 64;

/** Coordinates of a float64 tied-kernel value row: D rounded up to a multiple of 4 (zero padded). */
// @ts-ignore: decorator
@inline export function tiedWidth(d: i32): i32 {
  return (d + 3) & ~3;
}

/** Coordinates of a float32 tied-kernel value row: D rounded up to a multiple of 8 (zero padded). */
// @ts-ignore: decorator
@inline export function tiedWidthF32(d: i32): i32 {
  return (d + 7) & ~7;
}

/** Tokens the tied regions are sized for: N rounded up to a multiple of 8 (the float32 key panel). */
// @ts-ignore: decorator
@inline export function tiedPadded(n: i32): i32 {
  return (n + 7) & ~7;
}

/** Tiles along one side: keys [a T, min((a + 1) T, npad)) form tile a. */
export function tiedTiles(npad: i32): i32 {
  return (npad + TIED_TILE - 1) / TIED_TILE;
}

/** Bytes between two parts' sums (z) and between two parts' normalizers (l), for both precisions. */
export function tiedPartSumsBytes(n: i32, d: i32): usize {
  return <usize>align16(<f64>tiedPadded(n) * <f64>tiedWidthF32(d) * 8);
}
export function tiedPartNormalizersBytes(n: i32): usize {
  return <usize>align16(<f64>tiedPadded(n) * 8);
}

/**
 * The tied kernel's sums are accumulated in tiedParts(N) <= TIED_SLOTS fixed parts (tied.ts):
 * a part's tile rows are fixed and added in a fixed order by whichever thread
 * takes it, and the parts are summed in a fixed order, so the result does not
 * depend on the number of threads or on timing.
 */
export const TIED_SLOTS: i32 = 8;
/** Most numbers of one part's sums (N and D rounded up to 8, multiplied); larger problems take the row-max kernel. */
export const TIED_MAX_SUMS: f64 = 524288;
/** Largest max g - min g the float64 tied kernels accept (tied.ts). */
export const TIED_RANGE: f64 = 300.0;
/**
 * Largest max g - min g the float32 tied kernels accept: f32/tied.ts holds w_j x_j in float32, and
 * float32 exponentials below e^-87 are 0 (f32/tied-small.ts): with w_j / w_i <= e^30 a pair dropped
 * there weighs less than e^-57 of row i's normalizer.
 */
export const TIED_RANGE_F32: f64 = 30.0;
/**
 * Largest g the float64 tied kernels accept: below it every score, half norm
 * and their differences are finite (|s_ij| <= 2 sqrt(g_i g_j)), so their
 * exponentials never see NaN (expVectorNoNaN).
 */
export const TIED_MAX_HALF_NORM: f64 = 1e300;
/**
 * Largest g the tiled float32 tied kernel accepts (f32/tied.ts): below it
 * every float32 score, half norm and partial sum is at most 4e36, under
 * float32's largest 3.4e38, so its exponentials never see NaN either.
 */
export const TIED_MAX_HALF_NORM_F32: f64 = 1e36;

// The tied kernel's own regions (tied.ts); keysPtr, queriesPtr, scoresPtr and
// workPtr are shared with the row-softmax layout.
export let tiedSumsPtr: usize = 0; // TIED_SLOTS x npad x tiedWidth(d): z_i = sum_j e_ij w_j x_j, row-major
export let halfNormsPtr: usize = 0; // npad: g_j = beta |y_j|^2 / 2 (+inf for padding; tied.ts: in units of ln2 / 64 once prepared)
export let tokenWeightsPtr: usize = 0; // npad: w_j = exp(g_j - max g) (0 for padding)
export let transposedScoresPtr: usize = 0; // TIED_TILE x TIED_TILE: a tile's e, transposed (float64 kernel)
export let normalizersPtr: usize = 0; // TIED_SLOTS x npad: l_i = sum_j e_ij w_j

/** Parts of the sums for N tokens: one per tile row, at most TIED_SLOTS (a function of N alone). */
export function tiedParts(n: i32): i32 {
  const tiles = (n + TIED_TILE - 1) / TIED_TILE; // = tiedTiles(npad) for both precisions' padding
  return tiles < TIED_SLOTS ? tiles : TIED_SLOTS;
}

/**
 * The part that owns tile row a, of `parts`: a snake over the parts (0, 1,
 * .., P - 1, P - 1, .., 0, 0, 1, ..), so that long and short tile rows alternate.
 */
export function tiedPartOf(a: i32, parts: i32): i32 {
  const m = a % (2 * parts);
  return m < parts ? m : 2 * parts - 1 - m;
}

/**
 * Bytes of the tied kernel's scratch (either precision; regions sized for N
 * rounded up to 8 and D rounded up to 8): packed keys (N dk), weighted
 * values (N D) and TIED_SLOTS parts of their sums, 2 + TIED_SLOTS numbers per
 * token, one tile's queries (TIED_TILE dk), scores and their transpose (2 TIED_TILE^2), a work
 * row. 0 when the problem is too large for the tied kernel.
 */
export function tiedScratchBytes(n: i32, d: i32, dk: i32): f64 {
  const npad = <f64>tiedPadded(n);
  const wide = <f64>(d > dk ? d : dk);
  const width = <f64>tiedWidthF32(d);
  if (npad * width > TIED_MAX_SUMS) return 0;
  const slots = <f64>TIED_SLOTS;
  return align16(npad * <f64>dk * 8) + align16(npad * width * 8) + slots * <f64>tiedPartSumsBytes(n, d) +
    2 * align16(npad * 8) + slots * <f64>tiedPartNormalizersBytes(n) +
    align16(<f64>TIED_TILE * <f64>dk * 8) + 2 * align16(<f64>TIED_TILE * <f64>TIED_TILE * 8) + align16(wide * 8) + 16;
}

/** Whether the tied kernel's scratch fits this problem (see TIED_MAX_SUMS). */
export function tiedFits(n: i32, d: i32): bool {
  return <f64>tiedPadded(n) * <f64>tiedWidthF32(d) <= TIED_MAX_SUMS;
}

/** Lays out a tied-kernel scratch block at `base` (the same arithmetic as tiedScratchBytes). */
export function layoutTiedScratch(base: usize, n: i32, d: i32, dk: i32): void {
  const npad = <f64>tiedPadded(n);
  const width = <f64>tiedWidthF32(d);
  let p = (base + 15) & ~(<usize>15);
  keysPtr = p;
  p += <usize>align16(npad * <f64>dk * 8);
  valuesPtr = p;
  p += <usize>align16(npad * width * 8);
  tiedSumsPtr = p;
  p += <usize>TIED_SLOTS * tiedPartSumsBytes(n, d);
  halfNormsPtr = p;
  p += <usize>align16(npad * 8);
  tokenWeightsPtr = p;
  p += <usize>align16(npad * 8);
  normalizersPtr = p;
  p += <usize>TIED_SLOTS * tiedPartNormalizersBytes(n);
  queriesPtr = p;
  p += <usize>align16(<f64>TIED_TILE * <f64>dk * 8);
  scoresPtr = p;
  p += <usize>align16(<f64>TIED_TILE * <f64>TIED_TILE * 8);
  transposedScoresPtr = p;
  p += <usize>align16(<f64>TIED_TILE * <f64>TIED_TILE * 8);
  workPtr = p;
}
