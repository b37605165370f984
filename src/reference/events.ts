// Built-in event functions and their location for the 'js' backend: the
// TypeScript twin of assembly/events.ts (same functions, same order, same
// root finder), so that the reference checks the kernels.

import type { FlatEventGroup, LocatedEvent } from '../backend.js';
import { crossing, locateRoot, ROOT_T_TOLERANCE } from '../events/root.js';

const CORRIDOR = 1;
const DISTANCE = 2;

/** g of one built-in kind on rows a (token i) and b (token j) of dimension d. */
function eventValue(kind: number, level: number, a: ArrayLike<number>, b: ArrayLike<number>, d: number): number {
  let acc = 0;
  if (kind === CORRIDOR) {
    for (let k = 0; k < d; k++) acc += a[k] * a[k];
    return Math.sqrt(acc) - level;
  }
  if (kind === DISTANCE) {
    for (let k = 0; k < d; k++) acc += (a[k] - b[k]) ** 2;
    return level * level - acc;
  }
  for (let k = 0; k < d; k++) acc += a[k] * b[k];
  return acc - level;
}

/** Calls visit(i, j) for each function of a group in order (j = 0 for corridor functions). */
function forEachTarget(group: FlatEventGroup, n: number, visit: (i: number, j: number) => void): void {
  const pair = group.kind !== CORRIDOR;
  if (group.targets === null && pair) {
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) visit(i, j);
    return;
  }
  for (let t = 0; t < group.count; t++) {
    if (group.targets === null) visit(t, 0);
    else if (pair) visit(group.targets[2 * t], group.targets[2 * t + 1]);
    else visit(group.targets[t], 0);
  }
}

/** g of every event function at state x. */
export function evaluateEvents(groups: readonly FlatEventGroup[], x: Float64Array, n: number, d: number): Float64Array {
  const out: number[] = [];
  for (const g of groups) {
    forEachTarget(g, n, (i, j) => {
      out.push(eventValue(g.kind, g.level, x.subarray(i * d, i * d + d), x.subarray(j * d, j * d + d), d));
    });
  }
  return Float64Array.from(out);
}

/** Rows of the last step's interpolant: first..first+count components at theta. */
export type StepInterpolant = (theta: number, first: number, count: number) => Float64Array;

function normalize(row: Float64Array, from: number, d: number): void {
  let sq = 0;
  for (let k = 0; k < d; k++) sq += row[from + k] ** 2;
  const inv = 1 / Math.sqrt(sq);
  for (let k = 0; k < d; k++) row[from + k] *= inv;
}

/**
 * Locates the sign changes between gOld (step start) and gNew (step end) on
 * the interpolant, in time order, dropping those after the earliest terminal
 * one. Returns the records and that terminal time (+Infinity if none).
 */
export function locateEvents(
  groups: readonly FlatEventGroup[],
  gOld: Float64Array,
  gNew: Float64Array,
  interpolant: StepInterpolant,
  t0: number,
  t1: number,
  n: number,
  d: number,
  sphere: boolean,
): { events: LocatedEvent[]; tTerminal: number } {
  const h = t1 - t0;
  const tol = ROOT_T_TOLERANCE * Math.max(1, Math.abs(t1));
  const found: (LocatedEvent & { terminal: boolean })[] = [];
  let f = 0;
  for (const group of groups) {
    forEachTarget(group, n, (i, j) => {
      const fn = f++;
      const direction = crossing(gOld[fn], gNew[fn]);
      if (direction === 0 || (group.direction !== 0 && group.direction !== direction)) return;
      const pair = group.kind !== CORRIDOR;
      const valueAt = (theta: number) => {
        const a = interpolant(theta, i * d, d);
        const b = pair ? interpolant(theta, j * d, d) : a;
        if (sphere) {
          normalize(a, 0, d);
          if (pair) normalize(b, 0, d);
        }
        return eventValue(group.kind, group.level, a, b, d);
      };
      const theta = locateRoot(valueAt, gOld[fn], gNew[fn], h, tol);
      const t = theta >= 1 ? t1 : t0 + theta * h;
      const sign = group.kind === CORRIDOR ? (interpolant(theta, i * d, 1)[0] >= 0 ? 1 : -1) : 0;
      found.push({ fn, t, direction, sign, terminal: group.terminal });
    });
  }
  let tTerminal = Number.POSITIVE_INFINITY;
  for (const e of found) if (e.terminal && e.t < tTerminal) tTerminal = e.t;
  const events = found
    .filter((e) => e.t <= tTerminal)
    .sort((a, b) => a.t - b.t)
    .map(({ fn, t, direction, sign }) => ({ fn, t, direction, sign }));
  return { events, tTerminal };
}
