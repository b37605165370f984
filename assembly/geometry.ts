// The sphere geometry (MODEL.md, "Normalized tokens"; Geshkovski, Letrouit,
// Polyanskiy, Rigollet 2023): tokens on S^{D-1}, velocities projected on the
// tangent space, states renormalized after each accepted step.

/** v_i <- v_i - <x_i, v_i> x_i for each of the N rows (Proj_x(y) = y - <x, y> x). */
export function projectOnTangent(x: usize, v: usize, n: i32, d: i32): void {
  for (let i = 0; i < n; i++) {
    const xi = x + (<usize>(i * d) << 3);
    const vi = v + (<usize>(i * d) << 3);
    let dot: f64 = 0;
    for (let k = 0; k < d; k++) dot += load<f64>(xi + (<usize>k << 3)) * load<f64>(vi + (<usize>k << 3));
    for (let k = 0; k < d; k++) {
      const o = <usize>k << 3;
      store<f64>(vi + o, load<f64>(vi + o) - dot * load<f64>(xi + o));
    }
  }
}

/** x_i <- x_i / |x_i| for each of the N rows. */
export function normalizeRows(x: usize, n: i32, d: i32): void {
  for (let i = 0; i < n; i++) {
    const xi = x + (<usize>(i * d) << 3);
    let sq: f64 = 0;
    for (let k = 0; k < d; k++) {
      const v = load<f64>(xi + (<usize>k << 3));
      sq += v * v;
    }
    const inv = 1.0 / Math.sqrt(sq);
    for (let k = 0; k < d; k++) {
      const o = xi + (<usize>k << 3);
      store<f64>(o, load<f64>(o) * inv);
    }
  }
}
