// Checks SolveOptions.events and splits them into the built-in event groups
// the backends locate inside their Runge-Kutta loop and the user functions
// the solve driver evaluates in TypeScript; maps located events back to
// records naming the tokens involved.

import { EVENT_KIND_CODES, type FlatEventGroup, type LocatedEvent } from '../backend.js';
import { corridorHalfWidth } from '../corridor.js';
import { AttnflowError } from '../errors.js';
import { finite, oneOf, positive } from '../problem.js';
import type { EventDirection, EventRecord, EventSpec } from '../types.js';

const KINDS: readonly EventSpec['kind'][] = ['corridor', 'distance', 'innerProduct', 'user'];
const DIRECTIONS: readonly EventDirection[] = ['rising', 'falling', 'either'];
const DIRECTION_CODES = { rising: 1, falling: -1, either: 0 } as const;
const KEYS: Record<EventSpec['kind'], readonly string[]> = {
  corridor: ['kind', 'level', 'tokens', 'terminal', 'direction'],
  distance: ['kind', 'distance', 'pairs', 'terminal', 'direction'],
  innerProduct: ['kind', 'above', 'pairs', 'terminal', 'direction'],
  user: ['kind', 'fn', 'name', 'terminal', 'direction'],
};

/** A built-in group with what is needed to name its events. */
interface GroupInfo {
  readonly event: number;
  readonly kind: 'corridor' | 'distance' | 'innerProduct';
  /** Index of the group's first event function. */
  readonly offset: number;
  readonly group: FlatEventGroup;
}

/** A user event function. */
export interface UserEventPlan {
  readonly event: number;
  readonly fn: (t: number, tokens: Float64Array) => number;
  readonly direction: -1 | 0 | 1;
  readonly terminal: boolean;
  readonly name?: string;
}

/** The checked events of a solve. */
export interface EventPlan {
  readonly groups: readonly FlatEventGroup[];
  readonly functions: number;
  readonly user: readonly UserEventPlan[];
  readonly info: readonly GroupInfo[];
  readonly n: number;
  readonly d: number;
}

function tokenIndex(v: unknown, n: number, path: string): number {
  const i = finite(v, path);
  if (!Number.isInteger(i) || i < 0 || i >= n) {
    throw new AttnflowError('invalid_value', path, `must be a token index, an integer in [0, ${n - 1}], got ${i}`);
  }
  return i;
}

function pairTargets(pairs: unknown, n: number, path: string): Float64Array | null {
  if (pairs === undefined) return null;
  if (!Array.isArray(pairs) || pairs.length === 0) {
    throw new AttnflowError('invalid_option', path, 'must be a non-empty array of [i, j] token pairs');
  }
  const out = new Float64Array(2 * pairs.length);
  pairs.forEach((p: unknown, k: number) => {
    if (!Array.isArray(p) || p.length !== 2) throw new AttnflowError('invalid_shape', `${path}[${k}]`, 'must be a pair [i, j]');
    out[2 * k] = tokenIndex(p[0], n, `${path}[${k}][0]`);
    out[2 * k + 1] = tokenIndex(p[1], n, `${path}[${k}][1]`);
    if (out[2 * k] === out[2 * k + 1]) throw new AttnflowError('invalid_value', `${path}[${k}]`, 'needs two different tokens');
  });
  return out;
}

/** Checks the events option against N tokens of dimension D. */
export function planEvents(events: unknown, n: number, d: number): EventPlan | null {
  if (events === undefined) return null;
  if (!Array.isArray(events)) throw new AttnflowError('invalid_option', 'events', 'must be an array of event specs');
  const groups: FlatEventGroup[] = [];
  const info: GroupInfo[] = [];
  const user: UserEventPlan[] = [];
  let functions = 0;
  events.forEach((spec: unknown, e: number) => {
    const path = `events[${e}]`;
    if (spec === null || typeof spec !== 'object')
      throw new AttnflowError('invalid_option', path, 'must be an event spec object');
    const s = spec as Record<string, unknown>;
    const kind = oneOf(s.kind, KINDS, `${path}.kind`);
    for (const key of Object.keys(s)) {
      if (!KEYS[kind].includes(key)) {
        throw new AttnflowError(
          'invalid_option',
          `${path}.${key}`,
          `is not an option of a '${kind}' event (${KEYS[kind].join(', ')})`,
        );
      }
    }
    const terminal = s.terminal ?? false;
    if (typeof terminal !== 'boolean') throw new AttnflowError('invalid_option', `${path}.terminal`, 'must be true or false');
    const direction =
      DIRECTION_CODES[oneOf(s.direction ?? (kind === 'user' ? 'either' : 'rising'), DIRECTIONS, `${path}.direction`)];
    if (kind === 'user') {
      if (typeof s.fn !== 'function')
        throw new AttnflowError('invalid_option', `${path}.fn`, 'must be a function (t, tokens) => number');
      if (s.name !== undefined && typeof s.name !== 'string')
        throw new AttnflowError('invalid_option', `${path}.name`, 'must be a string');
      user.push({
        event: e,
        fn: s.fn as UserEventPlan['fn'],
        direction,
        terminal,
        ...(s.name === undefined ? {} : { name: s.name as string }),
      });
      return;
    }
    let level: number;
    let targets: Float64Array | null;
    let count: number;
    if (kind === 'corridor') {
      if (s.level === undefined) {
        if (d !== 1) {
          throw new AttnflowError(
            'invalid_option',
            `${path}.level`,
            `is required when D = ${d} > 1 (v0 of eq. 13 is the 1-D corridor)`,
          );
        }
        level = corridorHalfWidth(n);
      } else {
        level = positive(s.level, `${path}.level`);
      }
      if (s.tokens === undefined) {
        targets = null;
        count = n;
      } else {
        if (!Array.isArray(s.tokens) || s.tokens.length === 0) {
          throw new AttnflowError('invalid_option', `${path}.tokens`, 'must be a non-empty array of token indices');
        }
        targets = Float64Array.from(s.tokens, (v: unknown, k: number) => tokenIndex(v, n, `${path}.tokens[${k}]`));
        count = targets.length;
      }
    } else {
      level = kind === 'distance' ? positive(s.distance, `${path}.distance`) : finite(s.above, `${path}.above`);
      targets = pairTargets(s.pairs, n, `${path}.pairs`);
      count = targets === null ? (n * (n - 1)) / 2 : targets.length / 2;
    }
    const group: FlatEventGroup = { kind: EVENT_KIND_CODES[kind], level, direction, terminal, count, targets };
    groups.push(group);
    info.push({ event: e, kind, offset: functions, group });
    functions += count;
  });
  return { groups, functions, user, info, n, d };
}

/** Pair number t of all pairs i < j in order (0, 1), (0, 2), ..., (1, 2), ... */
function allPairsIndex(t: number, n: number): [number, number] {
  let i = 0;
  let rest = t;
  while (rest >= n - 1 - i) {
    rest -= n - 1 - i;
    i++;
  }
  return [i, i + 1 + rest];
}

/** The public record of a built-in event located by a backend. */
export function builtinRecord(plan: EventPlan, located: LocatedEvent): EventRecord {
  let g = plan.info.length - 1;
  while (g > 0 && plan.info[g].offset > located.fn) g--;
  const { event, kind, offset, group } = plan.info[g];
  const t = located.fn - offset;
  let tokens: number[];
  if (kind === 'corridor') tokens = [group.targets === null ? t : group.targets[t]];
  else tokens = group.targets === null ? allPairsIndex(t, plan.n) : [group.targets[2 * t], group.targets[2 * t + 1]];
  return {
    kind,
    event,
    t: located.t,
    tokens,
    direction: located.direction > 0 ? 'rising' : 'falling',
    terminal: group.terminal,
    ...(kind === 'corridor' && plan.d === 1 ? { side: located.sign > 0 ? ('up' as const) : ('down' as const) } : {}),
  };
}
