// The field the reference integrator calls: the row-softmax field of
// attention.ts, or Sinkhorn attention (sinkhorn.ts) when the problem asks
// for it. Mirrors assembly/field.ts.

import type { FlatProblem } from '../problem.js';
import { referenceAttentionMatrix, referenceAttentionRhs } from './attention.js';
import { referenceSinkhornMatrix } from './sinkhorn.js';

/** P_h(X) of one head with the problem's attention. */
export function referenceFieldMatrix(x: Float64Array, problem: FlatProblem, layer: number, head: number): Float64Array {
  const { n, d, sinkhorn } = problem;
  const l = problem.layers[layer];
  if (!sinkhorn) return referenceAttentionMatrix(x, n, d, l, head, problem.causal);
  return referenceSinkhornMatrix(x, n, d, l.heads[head], l.beta, sinkhorn).matrix;
}

/** f(X) = sum_h P_h X V_h with the problem's attention, projected on the sphere's tangent spaces there. */
export function referenceField(x: Float64Array, problem: FlatProblem, layer: number): Float64Array {
  const { n, d, sinkhorn } = problem;
  const l = problem.layers[layer];
  const sphere = problem.geometry === 'sphere';
  if (!sinkhorn) return referenceAttentionRhs(x, n, d, l, sphere, problem.causal);
  const out = new Float64Array(n * d);
  l.heads.forEach((head, h) => {
    const p = referenceFieldMatrix(x, problem, layer, h);
    for (let i = 0; i < n; i++) {
      const z = new Float64Array(d);
      for (let j = 0; j < n; j++) for (let c = 0; c < d; c++) z[c] += p[i * n + j] * x[j * d + c];
      for (let c = 0; c < d; c++) {
        let v = z[c];
        if (head.value !== null) {
          v = 0;
          for (let a = 0; a < d; a++) v += z[a] * head.value[a * d + c];
        }
        out[i * d + c] += v;
      }
    }
  });
  if (sphere) {
    for (let i = 0; i < n; i++) {
      let dot = 0;
      for (let c = 0; c < d; c++) dot += x[i * d + c] * out[i * d + c];
      for (let c = 0; c < d; c++) out[i * d + c] -= dot * x[i * d + c];
    }
  }
  return out;
}
