// solveMany: a batch of independent solves. Every problem is checked before
// any runs; single-segment problems without saved attention go to the
// backend's batch kernel in one call (spread over its threads), the others
// (layers, saveAttention) run one by one on this thread. Each Solution is
// assembled by the same code as solve()'s (solvePlan), fed the batch's
// result: a batched solve returns exactly what solve() returns.

import type { Backend, BatchOutcome, Integration } from './backend.js';
import { AttnflowError } from './errors.js';
import { planSolve, type SolvePlan } from './options.js';
import { solvePlan } from './solve.js';
import type { Solution, SolveOptions } from './types.js';

/** The part of a backend solvePlan uses, replaying one batched solve's outcome. */
function replay(backend: Backend, outcome: BatchOutcome): Pick<Backend, 'name' | 'integrate'> {
  const integration: Integration = {
    runSegment: () => outcome.result,
    state: () => outcome.finalState,
    attentionMatrix: () => {
      throw new Error('attnflow: a batched solve saves no attention');
    },
    interpolate: () => {
      throw new Error('attnflow: a batched solve has no events');
    },
  };
  return { name: backend.name, integrate: () => integration };
}

/** Checks every problem ({ ...shared, ...problems[k] }), naming `problems[k]` in errors. */
export function planMany(problems: readonly Partial<SolveOptions>[], shared: Partial<SolveOptions>): SolvePlan[] {
  if (!Array.isArray(problems)) throw new AttnflowError('invalid_value', 'problems', 'must be an array of solve options');
  return problems.map((p, k) => {
    try {
      return planSolve({ ...shared, ...p } as SolveOptions);
    } catch (e) {
      if (e instanceof AttnflowError)
        throw new AttnflowError(
          e.code,
          `problems[${k}]${e.path ? `.${e.path}` : ''}`,
          e.message.slice(e.path ? e.path.length + 2 : 0),
        );
      throw e;
    }
  });
}

/** Runs the plans on `backend`; solutions in the order of the plans. */
export function solveManyOn(backend: Backend, plans: readonly SolvePlan[]): Solution[] {
  // The batch kernel runs plain rkSolves: no layers, events, saved attention or Sinkhorn (whose scratch is shared).
  const batchable = (p: SolvePlan): boolean => !p.layered && !p.saveAttention && p.events === null && !p.problem.sinkhorn;
  const batched = backend.solveMany ? plans.filter(batchable) : [];
  const outcomes = batched.length > 0 && backend.solveMany ? backend.solveMany(batched) : [];
  let next = 0;
  return plans.map((plan) => {
    if (backend.solveMany && batchable(plan)) return solvePlan(replay(backend, outcomes[next++]), plan);
    return solvePlan(backend, plan);
  });
}
