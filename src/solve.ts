// The solve driver: splits [0, t1] into one segment per layer (no step
// crosses a layer boundary), runs each on the backend and assembles the
// Solution. Built-in events are located by the backend inside its loop (one
// call per segment); user event functions need TypeScript after every
// accepted step, so with them the backend returns after each step and the
// driver resumes it.

import { type Backend, STATUS_EVENT, STATUS_NAMES } from './backend.js';
import { builtinRecord } from './events/plan.js';
import { UserEvents } from './events/user.js';
import { planSolve, type SolvePlan } from './options.js';
import type { EventRecord, Solution, SolveOptions, SolveStatus } from './types.js';

/** Accepted steps between two progress callbacks: a JS crossing each is negligible next to 16 field evaluations. */
const PROGRESS_STEPS = 16;

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
  const eventPlan = plan.events;
  const userEvents = eventPlan !== null && eventPlan.user.length > 0 ? new UserEvents(eventPlan.user) : null;
  const integration = backend.integrate(
    problem,
    method,
    plan.y0,
    saveAt.length,
    plan.saveAttention,
    eventPlan === null ? null : { groups: eventPlan.groups, functions: eventPlan.functions, keepStep: userEvents !== null },
  );
  const times: number[] = [];
  const tokens: Float64Array[] = [];
  const events: EventRecord[] = [];
  if (saveAt[0] === 0) {
    times.push(0);
    tokens.push(Float64Array.from(plan.y0));
  }
  userEvents?.start(0, plan.y0);

  const segmentEnds = plan.layered ? Array.from({ length: Math.ceil(t1) }, (_, l) => Math.min(l + 1, t1)) : [t1];
  let t0 = 0;
  let dt = plan.dt;
  let facold = 0;
  let status = 0;
  let tReached = 0;
  let steps = 0;
  let rejected = 0;
  let rhsEvaluations = 0;
  let stoppedAt: Float64Array | null = null; // the state at a terminal user event
  for (let layer = 0; layer < segmentEnds.length && status === 0; layer++) {
    const tEnd = segmentEnds[layer];
    let tStart = t0;
    let resume = false;
    // One call per segment, or one per accepted step with user events.
    while (status === 0) {
      const saveTimes = saveAt.filter((ts) => ts > tStart && ts <= tEnd);
      const r = integration.runSegment(layer, {
        t0: tStart,
        t1: tEnd,
        dt,
        rtol: plan.rtol,
        atol: plan.atol,
        maxSteps: plan.maxSteps - steps - rejected,
        facold,
        controller: plan.controller,
        dtMax: plan.dtMax,
        saveTimes,
        resume,
        // User events look at every accepted step; a progress callback every PROGRESS_STEPS.
        stepLimit: userEvents !== null ? 1 : plan.onProgress !== null ? PROGRESS_STEPS : 0,
      });
      steps += r.steps;
      rejected += r.rejected;
      rhsEvaluations += r.rhsEvaluations;
      status = r.status;
      tReached = r.tReached;
      let saves = r.saves;
      const found = eventPlan === null ? [] : r.events.map((e) => builtinRecord(eventPlan, e));
      if (userEvents !== null && r.steps > 0) {
        const u = userEvents.check(r.stepStart, r.tReached, integration.state(), (t) => integration.interpolate(t));
        if (u.tTerminal < r.tReached) {
          // A user event ends the solve inside this step: drop what lies beyond it.
          tReached = u.tTerminal;
          stoppedAt = integration.interpolate(u.tTerminal);
          saves = saves.filter((_, i) => saveTimes[i] <= u.tTerminal);
          for (let k = found.length - 1; k >= 0; k--) if (found[k].t > u.tTerminal) found.splice(k, 1);
        }
        if (u.tTerminal <= r.tReached) status = STATUS_EVENT;
        found.push(...u.events);
        found.sort((a, b) => a.t - b.t);
      }
      saves.forEach((y, i) => {
        times.push(saveTimes[i]);
        tokens.push(y);
      });
      events.push(...found);
      if (status !== 0) break;
      if (method.adaptive) dt = r.dtNext;
      facold = r.facold;
      plan.onProgress?.(r.tReached);
      if (r.tReached >= tEnd) break;
      tStart = r.tReached;
      resume = true;
    }
    t0 = tEnd;
  }

  const finalTokens = stoppedAt ?? integration.state();
  let attention: Float64Array[][] | undefined;
  if (plan.saveAttention) {
    // The weights at time t are those of the layer owning [l, l + 1); t1 itself belongs to the last one.
    attention = times.map((ts, i) => {
      const layer = plan.layered ? Math.min(Math.floor(ts), problem.layers.length - 1) : 0;
      return problem.layers[layer].heads.map((_, h) => integration.attentionMatrix(layer, tokens[i], h));
    });
  }

  const statusName = STATUS_NAMES[status] ?? 'non_finite';
  const last = events.filter((e) => e.terminal).pop();
  return {
    status: statusName,
    message: statusMessage(statusName, {
      t1,
      steps,
      tReached,
      maxSteps: plan.maxSteps,
      finalTokens,
      last,
      float32: problem.precision === 'float32' && backend.name !== 'js', // the js backend computes in float64
    }),
    t: Float64Array.from(times),
    tokens,
    ...(attention ? { attention } : {}),
    stats: { steps, rejected, rhsEvaluations },
    finalTime: tReached,
    finalTokens,
    events,
    n: problem.n,
    d: problem.d,
    backend: backend.name,
  };
}

/** The Solution's message for its status (built for that status only: the non-finite one scans the state). */
function statusMessage(
  status: SolveStatus,
  r: {
    t1: number;
    steps: number;
    tReached: number;
    maxSteps: number;
    finalTokens: Float64Array;
    last: EventRecord | undefined;
    float32: boolean;
  },
): string {
  const { t1, tReached, last } = r;
  switch (status) {
    case 'success':
      return `reached t1 = ${t1} in ${r.steps} steps`;
    case 'max_steps':
      return `stopped at t = ${tReached}: maxSteps = ${r.maxSteps} attempted steps used up before t1 = ${t1}`;
    case 'dt_min':
      return `stopped at t = ${tReached}: the step size fell below 1e-14 |t|, too small to move t in float64`;
    case 'event':
      return `stopped at t = ${tReached}: terminal event events[${last?.event}] (${last?.kind}${last && last.tokens.length > 0 ? `, tokens ${last.tokens.join(', ')}` : ''})`;
    case 'non_finite':
      return `stopped at t = ${tReached}: the attention field became non-finite (Inf or NaN) past this time; the largest |x| was ${largestMagnitude(r.finalTokens).toExponential(3)}, products x_i x_j overflow ${r.float32 ? 'float32 near 1.8e19' : 'float64 near 1.3e154'}`;
  }
}
