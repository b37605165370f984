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

/** Rows (and keys) per tile of the tied kernel: a multiple of ROW_BLOCK and KEY_PANEL. */
export const TIED_TILE: i32 = 64;

/** Coordinates of a tied-kernel value row: D rounded up to a multiple of 4 (zero padded). */
// @ts-ignore: decorator
@inline export function tiedWidth(d: i32): i32 {
  return (d + 3) & ~3;
}

/**
 * The tied kernel's sums are accumulated in TIED_SLOTS fixed parts (tied.ts):
 * a part's tile rows are fixed and added in a fixed order by whichever thread
 * takes it, and the parts are summed in a fixed order, so the result does not
 * depend on the number of threads or on timing.
 */
export const TIED_SLOTS: i32 = 8;
/** Most float64 numbers of one part's sums (npad * tiedWidth(d)); larger problems take the row-max kernel. */
export const TIED_MAX_SUMS: f64 = 524288;

// The tied kernel's own regions (tied.ts); keysPtr, queriesPtr, scoresPtr and
// workPtr are shared with the row-softmax layout.
export let tiedSumsPtr: usize = 0; // TIED_SLOTS x npad x tiedWidth(d): z_i = sum_j e_ij w_j x_j, row-major
export let halfNormsPtr: usize = 0; // npad: g_j = beta |y_j|^2 / 2 (+inf for padding)
export let tokenWeightsPtr: usize = 0; // npad: w_j = exp(g_j - max g) (0 for padding)
export let normalizersPtr: usize = 0; // TIED_SLOTS x npad: l_i = sum_j e_ij w_j

/**
 * Bytes of the tied kernel's scratch: packed keys (N dk), weighted values
 * (N tiedWidth(d)) and TIED_SLOTS parts of their sums, 2 + TIED_SLOTS numbers
 * per token, one tile's queries (TIED_TILE dk) and scores (TIED_TILE^2), a
 * work row. 0 when the problem is too large for the tied kernel.
 */
export function tiedScratchBytes(n: i32, d: i32, dk: i32): f64 {
  const npad = <f64>paddedKeys(n);
  const wide = <f64>(d > dk ? d : dk);
  const width = <f64>tiedWidth(d);
  if (npad * width > TIED_MAX_SUMS) return 0;
  const slots = <f64>TIED_SLOTS;
  return align16(npad * <f64>dk * 8) + (1 + slots) * align16(npad * width * 8) + (2 + slots) * align16(npad * 8) +
    align16(<f64>TIED_TILE * <f64>dk * 8) + align16(<f64>TIED_TILE * <f64>TIED_TILE * 8) + align16(wide * 8) + 16;
}

/** Lays out a tied-kernel scratch block at `base` (the same arithmetic as tiedScratchBytes). */
export function layoutTiedScratch(base: usize, n: i32, d: i32, dk: i32): void {
  const npad = <usize>paddedKeys(n);
  const width = <usize>tiedWidth(d);
  let p = (base + 15) & ~(<usize>15);
  keysPtr = p;
  p += <usize>align16(<f64>(npad * <usize>dk * 8));
  valuesPtr = p;
  p += <usize>align16(<f64>(npad * width * 8));
  tiedSumsPtr = p;
  p += <usize>TIED_SLOTS * <usize>align16(<f64>(npad * width * 8));
  halfNormsPtr = p;
  p += <usize>align16(<f64>(npad * 8));
  tokenWeightsPtr = p;
  p += <usize>align16(<f64>(npad * 8));
  normalizersPtr = p;
  p += <usize>TIED_SLOTS * <usize>align16(<f64>(npad * 8));
  queriesPtr = p;
  p += <usize>align16(<f64>(<usize>TIED_TILE * <usize>dk * 8));
  scoresPtr = p;
  p += <usize>align16(<f64>(<usize>TIED_TILE * <usize>TIED_TILE * 8));
  workPtr = p;
}

