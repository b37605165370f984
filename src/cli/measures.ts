// Measures the CLI reports and plots that src/analysis/measures.ts does not
// have: the energy as a logarithm (it overflows in the 1-D model) and the
// corridor exits at save times.

/**
 * ln E_beta(X), with E_beta = 1 / (2 beta N^2) sum_ij exp(beta <x_i, x_j>),
 * the interaction energy of Geshkovski, Letrouit, Polyanskiy, Rigollet (2023):
 * with Q = K = V = I on the sphere the flow increases it. Kept as a logarithm
 * (log-sum-exp) since the 1-D model's tokens grow like e^t and E overflows.
 */
export function logEnergy(x: Float64Array, n: number, d: number, beta: number): number {
  const s = new Float64Array(n * n);
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let k = 0; k < d; k++) dot += x[i * d + k] * x[j * d + k];
      s[i * n + j] = beta * dot;
      max = Math.max(max, beta * dot);
    }
  }
  let sum = 0;
  for (let l = 0; l < s.length; l++) sum += Math.exp(s[l] - max);
  return max + Math.log(sum) - Math.log(2 * Math.abs(beta) * n * n);
}

/** A token's first exit from the corridor [-v0, v0] of the 1-D model (eq. 13), at a save time. */
export interface CorridorExit {
  readonly token: number;
  readonly t: number;
  readonly x: number;
  readonly direction: 'up' | 'down';
}

/** First save time at which each token is outside [-v0, v0] (D = 1); tokens that never leave are absent. */
export function corridorExits(times: Float64Array, states: readonly Float64Array[], v0: number): CorridorExit[] {
  const exits: CorridorExit[] = [];
  const n = states[0]?.length ?? 0;
  for (let i = 0; i < n; i++) {
    for (let s = 0; s < states.length; s++) {
      const x = states[s][i];
      if (Math.abs(x) > v0) {
        exits.push({ token: i, t: times[s], x, direction: x > 0 ? 'up' : 'down' });
        break;
      }
    }
  }
  return exits;
}
