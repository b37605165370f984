import type { MethodName } from '../types.js';
import { dop853 } from './dop853.js';
import { dopri5 } from './dopri5.js';
import { dopri8 } from './dopri8.js';
import { euler } from './euler.js';
import { heun } from './heun.js';
import { rk4 } from './rk4.js';
import type { ButcherTableau } from './tableau.js';

export type { ButcherTableau };
export { dop853, dopri5, dopri8, euler, heun, rk4 };

/** Every method solve() knows, by name. */
export const METHODS: Readonly<Record<MethodName, ButcherTableau>> = { dopri5, dopri8, dop853, rk4, heun, euler };
export const METHOD_NAMES = Object.keys(METHODS) as MethodName[];
