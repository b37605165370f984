// The solve driver: splits [0, t1] into one segment per layer (no step
// crosses a layer boundary), runs each on the backend and assembles the
// Solution.

import { type Backend, STATUS_NAMES } from './backend.js';
import { planSolve, type SolvePlan } from './options.js';
import type { Solution, SolveOptions } from './types.js';

function largestMagnitude(x: Float64Array): number {
  let m = 0;
  for (let l = 0; l < x.length; l++) m = Math.max(m, Math.abs(x[l]));
  return m;
}

export function solveOn(backend: Backend, options: SolveOptions): Solution {
  return solvePlan(backend, planSolve(options));
}

/** solveOn for an already checked plan (solveMany checks all plans before it runs any). */
export function solvePlan(backend: Pick<Backend, 'name' | 'integrate'>, plan: SolvePlan): Solution {
  const { problem, method, t1, saveAt } = plan;
  const integration = backend.integrate(problem, method, plan.y0, saveAt.length, plan.saveAttention);
  const times: number[] = [];
  const tokens: Float64Array[] = [];
  if (saveAt[0] === 0) {
    times.push(0);
    tokens.push(Float64Array.from(plan.y0));
  }

  const segmentEnds = plan.layered ? Array.from({ length: Math.ceil(t1) }, (_, l) => Math.min(l + 1, t1)) : [t1];
  let t0 = 0;
  let dt = plan.dt;
  let facold = 0;
  let status = 0;
  let tReached = 0;
  let steps = 0;
  let rejected = 0;
  let rhsEvaluations = 0;
  for (let layer = 0; layer < segmentEnds.length; layer++) {
    const tEnd = segmentEnds[layer];
    const saveTimes = saveAt.filter((ts) => ts > t0 && ts <= tEnd);
    const r = integration.runSegment(layer, {
      t0,
      t1: tEnd,
      dt,
      rtol: plan.rtol,
      atol: plan.atol,
      maxSteps: plan.maxSteps - steps - rejected,
      facold,
      saveTimes,
    });
    r.saves.forEach((y, i) => {
      times.push(saveTimes[i]);
      tokens.push(y);
    });
    steps += r.steps;
    rejected += r.rejected;
    rhsEvaluations += r.rhsEvaluations;
    status = r.status;
    tReached = r.tReached;
    if (status !== 0) break;
    if (method.adaptive) dt = r.dtNext;
    facold = r.facold;
    t0 = tEnd;
  }

  const finalTokens = integration.state();
  let attention: Float64Array[][] | undefined;
  if (plan.saveAttention) {
    // The weights at time t are those of the layer owning [l, l + 1); t1 itself belongs to the last one.
    attention = times.map((ts, i) => {
      const layer = plan.layered ? Math.min(Math.floor(ts), problem.layers.length - 1) : 0;
      return problem.layers[layer].heads.map((_, h) => integration.attentionMatrix(layer, tokens[i], h));
    });
  }

  const statusName = STATUS_NAMES[status] ?? 'non_finite';
  const messages = {
    success: `reached t1 = ${t1} in ${steps} steps`,
    max_steps: `stopped at t = ${tReached}: maxSteps = ${plan.maxSteps} attempted steps used up before t1 = ${t1}`,
    non_finite: `stopped at t = ${tReached}: the attention field became non-finite (Inf or NaN) past this time; the largest |x| was ${largestMagnitude(finalTokens).toExponential(3)}, products x_i x_j overflow near 1.3e154`,
    dt_min: `stopped at t = ${tReached}: the step size fell below 1e-14 of the time scale`,
  } as const;
  return {
    status: statusName,
    message: messages[statusName],
    t: Float64Array.from(times),
    tokens,
    ...(attention ? { attention } : {}),
    stats: { steps, rejected, rhsEvaluations },
    finalTime: tReached,
    finalTokens,
    n: problem.n,
    d: problem.d,
    backend: backend.name,
  };
}
