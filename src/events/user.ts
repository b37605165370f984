// User event functions g(t, tokens), evaluated in TypeScript after every
// accepted step; a sign change is located on the step's interpolant (the
// backend's dense output or Hermite interpolant) with the same root finder
// as the built-in events.

import { AttnflowError } from '../errors.js';
import type { EventRecord } from '../types.js';
import type { UserEventPlan } from './plan.js';
import { crossing, locateRoot, ROOT_T_TOLERANCE } from './root.js';

export class UserEvents {
  private values: Float64Array;

  constructor(private readonly specs: readonly UserEventPlan[]) {
    this.values = new Float64Array(specs.length);
  }

  private value(k: number, t: number, tokens: Float64Array): number {
    const spec = this.specs[k];
    const v = spec.fn(t, tokens);
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new AttnflowError(
        'invalid_value',
        `events[${spec.event}].fn`,
        `returned ${String(v)} at t = ${t}; it must return a finite number`,
      );
    }
    return v;
  }

  /** Evaluates every function at the initial state. */
  start(t: number, y: Float64Array): void {
    this.values = Float64Array.from(this.specs, (_, k) => this.value(k, t, Float64Array.from(y)));
  }

  /**
   * After an accepted step [t0, t1] ending in state y1: the sign changes in
   * the wanted directions, located on `interpolate`, in time order and cut
   * after the earliest terminal one (whose time is returned, or +Infinity).
   */
  check(
    t0: number,
    t1: number,
    y1: Float64Array,
    interpolate: (t: number) => Float64Array,
  ): { events: EventRecord[]; tTerminal: number } {
    const h = t1 - t0;
    const tol = ROOT_T_TOLERANCE * Math.max(1, Math.abs(t1));
    const found: EventRecord[] = [];
    const next = new Float64Array(this.specs.length);
    this.specs.forEach((spec, k) => {
      const g0 = this.values[k];
      const g1 = this.value(k, t1, Float64Array.from(y1));
      next[k] = g1;
      const direction = crossing(g0, g1);
      if (direction === 0 || (spec.direction !== 0 && spec.direction !== direction)) return;
      const theta = h > 0 ? locateRoot((th) => this.value(k, t0 + th * h, interpolate(t0 + th * h)), g0, g1, h, tol) : 1;
      found.push({
        kind: 'user',
        event: spec.event,
        t: theta >= 1 ? t1 : t0 + theta * h,
        tokens: [],
        direction: direction > 0 ? 'rising' : 'falling',
        terminal: spec.terminal,
        ...(spec.name === undefined ? {} : { name: spec.name }),
      });
    });
    this.values = next;
    let tTerminal = Number.POSITIVE_INFINITY;
    for (const e of found) if (e.terminal && e.t < tTerminal) tTerminal = e.t;
    return { events: found.filter((e) => e.t <= tTerminal).sort((a, b) => a.t - b.t), tTerminal };
  }
}
