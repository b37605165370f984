// Checks solve() options and turns them into a plan. Every check runs before
// any work starts, and every error names the field.

import { AttnflowError } from './errors.js';
import { type EventPlan, planEvents } from './events/plan.js';
import { rejectUnknownKeys } from './keys.js';
import {
  type FlatLayer,
  type FlatProblem,
  finite,
  finiteEntry,
  flag,
  flattenHeads,
  flattenTokens,
  GEOMETRIES,
  kernelChoice,
  oneOf,
  PRECISIONS,
  positive,
  positiveInteger,
  sinkhornPlan,
} from './problem.js';
import { FAC_MAX, FAC_MIN, PI_BETA_MAX, SAFETY, type StepControl } from './solvers/control.js';
import { METHOD_NAMES, METHODS } from './solvers/index.js';
import { type NumericTableau, numericTableau } from './solvers/tableau.js';
import type { MethodName, SolveOptions, StepController } from './types.js';
import { formatBytes, MAX_WASM_BYTES } from './wasm/arena.js';

const SOLVE_KEYS: readonly (keyof SolveOptions)[] = [
  'tokens',
  'heads',
  'layers',
  'beta',
  'geometry',
  'causal',
  'precision',
  't1',
  'saveAt',
  'method',
  'dt',
  'dtMax',
  'rtol',
  'atol',
  'maxSteps',
  'controller',
  'saveAttention',
  'onProgress',
  'events',
  'attention',
  'sinkhornIterations',
  'kernel',
  'sinkhornTolerance',
];

/** A checked solve. */
export interface SolvePlan {
  readonly problem: FlatProblem;
  readonly y0: Float64Array;
  readonly method: NumericTableau;
  readonly t1: number;
  readonly saveAt: Float64Array;
  /** Fixed step, or trial step (0: choose). */
  readonly dt: number;
  /** Largest attempted step (Infinity: none). */
  readonly dtMax: number;
  readonly rtol: number;
  readonly atol: number;
  readonly maxSteps: number;
  /** Step-size control (its defaults filled in). */
  readonly controller: StepControl;
  readonly saveAttention: boolean;
  /** Whether the weights change per unit of time. */
  readonly layered: boolean;
  /** The checked events, or null without the option. */
  readonly events: EventPlan | null;
  /** Progress callback, or null. */
  readonly onProgress: ((t: number) => void) | null;
}

/** The float64 tableaus, converted from their exact fractions once per method (read only). */
const NUMERIC_TABLEAUS = new Map<MethodName, NumericTableau>();

function methodTableau(name: MethodName): NumericTableau {
  let t = NUMERIC_TABLEAUS.get(name);
  if (t === undefined) {
    t = numericTableau(METHODS[name]);
    NUMERIC_TABLEAUS.set(name, t);
  }
  return t;
}

const CONTROLLER_KEYS: readonly (keyof StepController)[] = ['beta', 'safety', 'minFactor', 'maxFactor'];

/** The step-size controller: the user's settings, checked, over dopri5.f's defaults and the method's beta. */
function stepControl(options: StepController | undefined, method: NumericTableau, methodName: MethodName): StepControl {
  if (options === undefined) return { beta: method.piBeta, safety: SAFETY, minFactor: FAC_MIN, maxFactor: FAC_MAX };
  if (options === null || typeof options !== 'object') {
    throw new AttnflowError('invalid_option', 'controller', 'must be an object { beta, safety, minFactor, maxFactor }');
  }
  if (!method.adaptive) {
    throw new AttnflowError(
      'invalid_option',
      'controller',
      `method '${methodName}' takes fixed steps: it has no step-size controller`,
    );
  }
  rejectUnknownKeys(options, CONTROLLER_KEYS, 'controller');
  const inRange = (v: number | undefined, fallback: number, name: string, ok: (x: number) => boolean, range: string) => {
    if (v === undefined) return fallback;
    const x = finite(v, `controller.${name}`);
    if (!ok(x)) throw new AttnflowError('invalid_value', `controller.${name}`, `is ${x}; must be ${range}`);
    return x;
  };
  return {
    beta: inRange(options.beta, method.piBeta, 'beta', (x) => x >= 0 && x <= PI_BETA_MAX, `in [0, ${PI_BETA_MAX}]`),
    safety: inRange(options.safety, SAFETY, 'safety', (x) => x > 1e-4 && x < 1, 'in (1e-4, 1)'),
    minFactor: inRange(options.minFactor, FAC_MIN, 'minFactor', (x) => x > 0 && x <= 1, 'in (0, 1]'),
    maxFactor: inRange(options.maxFactor, FAC_MAX, 'maxFactor', (x) => x >= 1, 'at least 1'),
  };
}

export function planSolve(options: SolveOptions): SolvePlan {
  if (options === null || typeof options !== 'object')
    throw new AttnflowError('invalid_option', '', 'solve() takes an options object');
  rejectUnknownKeys(options, SOLVE_KEYS, '');
  const geometry = oneOf(options.geometry ?? 'euclidean', GEOMETRIES, 'geometry');
  const causal = flag(options.causal, 'causal');
  const precision = oneOf(options.precision ?? 'float64', PRECISIONS, 'precision');
  const methodName: MethodName = oneOf(options.method ?? 'dopri5', METHOD_NAMES, 'method');
  const method = methodTableau(methodName);
  if (options.t1 === undefined) throw new AttnflowError('invalid_option', 't1', 'is required (the end time; t0 = 0)');
  const t1 = positive(options.t1, 't1');
  const beta = options.beta === undefined ? undefined : finite(options.beta, 'beta');
  const { data: y0, n, d } = flattenTokens(options.tokens, geometry);

  if (options.heads !== undefined && options.layers !== undefined) {
    throw new AttnflowError('invalid_option', 'layers', 'give heads or layers, not both');
  }
  let layers: FlatLayer[];
  if (options.layers !== undefined) {
    if (!Array.isArray(options.layers) || options.layers.length === 0) {
      throw new AttnflowError('invalid_shape', 'layers', 'must be a non-empty array of head arrays');
    }
    layers = options.layers.map((heads, l) => flattenHeads(heads, d, beta, `layers[${l}]`));
    if (t1 > layers.length) {
      throw new AttnflowError(
        'invalid_value',
        't1',
        `is ${t1} but only ${layers.length} layers were given (layer l acts on [l - 1, l)); need t1 <= ${layers.length}`,
      );
    }
  } else {
    layers = [flattenHeads(options.heads, d, beta, 'heads')];
  }

  let saveAt: Float64Array;
  if (options.saveAt === undefined) {
    saveAt = Float64Array.of(t1);
  } else {
    if (!Array.isArray(options.saveAt) || options.saveAt.length === 0) {
      throw new AttnflowError('invalid_option', 'saveAt', 'must be a non-empty array of times');
    }
    saveAt = Float64Array.from(options.saveAt, (v, i) => finiteEntry(v, 'saveAt', i));
    for (let i = 0; i < saveAt.length; i++) {
      if (saveAt[i] < 0 || saveAt[i] > t1) {
        throw new AttnflowError('invalid_value', `saveAt[${i}]`, `is ${saveAt[i]}, outside [0, t1] = [0, ${t1}]`);
      }
      if (i > 0 && !(saveAt[i] > saveAt[i - 1])) {
        throw new AttnflowError('invalid_value', `saveAt[${i}]`, `is ${saveAt[i]}; save times must be strictly increasing`);
      }
    }
  }

  let dt = 0;
  if (options.dt !== undefined) dt = positive(options.dt, 'dt');
  else if (!method.adaptive) {
    throw new AttnflowError('invalid_option', 'dt', `method '${methodName}' takes fixed steps: give dt`);
  }
  let dtMax = Number.POSITIVE_INFINITY;
  if (options.dtMax !== undefined) {
    if (!method.adaptive) {
      throw new AttnflowError(
        'invalid_option',
        'dtMax',
        `method '${methodName}' takes fixed steps (dt); dtMax bounds the adaptive methods' steps`,
      );
    }
    dtMax = positive(options.dtMax, 'dtMax');
  }
  const rtol = options.rtol === undefined ? 1e-8 : positive(options.rtol, 'rtol');
  const atol = options.atol === undefined ? 1e-10 : positive(options.atol, 'atol');
  const maxSteps = options.maxSteps === undefined ? 100000 : positiveInteger(options.maxSteps, 'maxSteps');
  const controller = stepControl(options.controller, method, methodName);
  const sinkhorn = sinkhornPlan(options);
  const onProgress = options.onProgress ?? null;
  if (onProgress !== null && typeof onProgress !== 'function') {
    throw new AttnflowError('invalid_option', 'onProgress', 'must be a function (t) => void');
  }
  const saveAttention = options.saveAttention ?? false;
  if (typeof saveAttention !== 'boolean') throw new AttnflowError('invalid_option', 'saveAttention', 'must be true or false');
  const events = planEvents(options.events, n, d);

  // What the results alone will hold, before anything is allocated.
  const resultBytes = 8 * saveAt.length * (n * d + (saveAttention ? layers[0].heads.length * n * n : 0));
  // Events: values, records (2 per function + slack, 4 slots each) and the kept step (4 states).
  const eventBytes = events === null ? 0 : 8 * (9 * events.functions + 4 * n * d + 2048);
  const workBytes =
    8 * n * d * (method.denseStages + 4 + saveAt.length) + (saveAttention || sinkhorn ? 8 * n * n : 0) + eventBytes;
  if (resultBytes + workBytes > MAX_WASM_BYTES) {
    throw new AttnflowError(
      'too_large',
      'tokens',
      `N = ${n}, D = ${d} with ${saveAt.length} save points${saveAttention ? ' and attention matrices' : ''}${events === null ? '' : ` and ${events.functions} event functions`} needs ${formatBytes(resultBytes + workBytes)}; the limit is ${formatBytes(MAX_WASM_BYTES)}`,
    );
  }

  return {
    problem: { n, d, geometry, layers, causal, precision, ...kernelChoice(options), ...(sinkhorn ? { sinkhorn } : {}) },
    y0,
    method,
    t1,
    saveAt,
    dt,
    dtMax,
    rtol,
    atol,
    maxSteps,
    controller,
    saveAttention,
    layered: options.layers !== undefined,
    events,
    onProgress,
  };
}
