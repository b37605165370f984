// Slot access for the float64 records of abi.ts.

/** Reads float64 slot `i` of a record. */
// @ts-ignore: decorator
@inline export function slot(record: usize, i: i32): f64 {
  return load<f64>(record + (<usize>i << 3));
}

/** Writes float64 slot `i` of a record. */
// @ts-ignore: decorator
@inline export function setSlot(record: usize, i: i32, value: f64): void {
  store<f64>(record + (<usize>i << 3), value);
}

/** Reads a pointer stored in float64 slot `i`. */
// @ts-ignore: decorator
@inline export function pointerSlot(record: usize, i: i32): usize {
  return <usize>load<f64>(record + (<usize>i << 3));
}
