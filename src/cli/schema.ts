// The configuration of `attnflow run`: its JSON schema (published as
// dist/config.schema.json and `attnflow schema`) and a validator driven by
// that same schema, so that the two cannot drift apart. Every key is also a
// flag: `maxSteps` is `--max-steps`.

import { AttnflowError } from '../errors.js';
import { editDistance } from '../keys.js';

/** The subset of JSON Schema (draft 2020-12) that the config uses and validateConfig checks. */
export interface Schema {
  readonly type?: 'object' | 'array' | 'number' | 'integer' | 'string' | 'boolean';
  readonly description?: string;
  readonly enum?: readonly string[];
  readonly minimum?: number;
  readonly exclusiveMinimum?: number;
  readonly minItems?: number;
  readonly pattern?: string;
  readonly items?: Schema;
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly additionalProperties?: boolean;
  readonly oneOf?: readonly Schema[];
  readonly default?: unknown;
}

const number: Schema = { type: 'number' };
const matrix: Schema = { type: 'array', items: { type: 'array', items: number } };
const head: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    query: { ...matrix, description: 'Q_h, D x d_k; default identity' },
    key: { ...matrix, description: 'K_h, D x d_k; default identity' },
    value: { ...matrix, description: 'V_h, D x D (folded with W_O); default identity' },
  },
};

export const PRESET_NAMES = ['gisin-1d', 'sphere-clusters', 'metastability'] as const;
export const FORMATS = ['json', 'csv', 'npy', 'svg'] as const;

/** The JSON schema of a run configuration. */
export const RUN_CONFIG_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://www.npmjs.com/package/attnflow/config.schema.json',
  title: 'attnflow run configuration',
  description:
    'Options of `attnflow run [config.json]`. Each key is also a flag in kebab case (maxSteps: --max-steps); flags override the file, the file overrides the preset.',
  type: 'object',
  additionalProperties: false,
  properties: {
    $schema: { type: 'string', description: 'ignored; lets editors find this schema' },
    preset: { type: 'string', enum: PRESET_NAMES, description: 'start from a preset (see `attnflow presets`)' },
    name: {
      type: 'string',
      pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
      description: 'stem of the output files; a plain file name, never a path',
    },
    tokens: { ...matrix, description: 'X(0), N rows of D numbers; default: n x d seeded normal samples' },
    n: { type: 'integer', minimum: 1, description: 'number of random tokens when tokens is not given' },
    d: { type: 'integer', minimum: 1, description: 'their dimension' },
    seed: { type: 'integer', minimum: 0, description: 'seed of the random tokens' },
    scale: { type: 'number', exclusiveMinimum: 0, description: 'standard deviation of the random tokens' },
    heads: { type: 'array', items: head, description: 'heads of a time-independent field; default one identity head' },
    layers: { type: 'array', items: { type: 'array', items: head }, description: 'layers[l] acts on t in [l, l + 1)' },
    beta: { type: 'number', description: 'inverse temperature; default 1 / sqrt(D / H)' },
    geometry: { type: 'string', enum: ['euclidean', 'sphere'] },
    t1: { type: 'number', exclusiveMinimum: 0, description: 'end time' },
    saveAt: { type: 'array', items: number, description: 'save times in [0, t1]; default: `saves` evenly spaced times' },
    saves: { type: 'integer', minimum: 2, description: 'number of evenly spaced save times, 0 and t1 included (default 201)' },
    method: { type: 'string', enum: ['dopri5', 'dopri8', 'dop853', 'rk4', 'heun', 'euler'] },
    dt: {
      type: 'number',
      exclusiveMinimum: 0,
      description: 'fixed step (rk4, heun, euler) or first trial step (dopri5, dopri8, dop853)',
    },
    dtMax: { type: 'number', exclusiveMinimum: 0, description: 'largest step of dopri5, dopri8, dop853 (default none)' },
    rtol: { type: 'number', exclusiveMinimum: 0 },
    atol: { type: 'number', exclusiveMinimum: 0 },
    maxSteps: { type: 'integer', minimum: 1, description: 'attempted steps allowed over the whole run' },
    controller: {
      type: 'object',
      additionalProperties: false,
      description: "step-size control of dopri5, dopri8, dop853 (default dopri5.f's; beta 0: SciPy's controller)",
      properties: {
        beta: { type: 'number', minimum: 0, description: "weight of the previous step's error, <= 0.2" },
        safety: { type: 'number', exclusiveMinimum: 0, description: 'safety factor, < 1 (default 0.9)' },
        minFactor: { type: 'number', exclusiveMinimum: 0, description: 'smallest new step / last step (default 0.2)' },
        maxFactor: { type: 'number', minimum: 1, description: 'largest new step / last step (default 10)' },
      },
    },
    saveAttention: { type: 'boolean', description: 'write the attention matrices at every save time (JSON and .npy)' },
    heatmapTimes: { type: 'array', items: number, description: 'times of the attention heatmaps (added to the save times)' },
    clusterTolerance: {
      type: 'number',
      exclusiveMinimum: 0,
      description: 'tokens closer than this are one cluster (default 1e-3)',
    },
    backend: { type: 'string', enum: ['relaxed', 'simd', 'scalar', 'js'] },
    precision: {
      type: 'string',
      enum: ['float64', 'float32'],
      description: "the field's arithmetic (float32: about 1e-6 relative, ~2x faster); default float64",
    },
    kernel: {
      type: 'string',
      enum: ['auto', 'row-max'],
      description: 'softmax kernel: auto (the tied kernel for one head with W_Q = W_K) or row-max; default auto',
    },
    formats: {
      type: 'array',
      items: { type: 'string', enum: FORMATS },
      description: 'outputs to write (default all): json, csv (long format), npy, svg',
    },
  },
} as const satisfies Schema & Record<string, unknown>;

/** A validated run configuration (before presets and defaults are applied). */
export interface RunConfig {
  preset?: (typeof PRESET_NAMES)[number];
  name?: string;
  tokens?: number[][];
  n?: number;
  d?: number;
  seed?: number;
  scale?: number;
  heads?: { query?: number[][]; key?: number[][]; value?: number[][] }[];
  layers?: { query?: number[][]; key?: number[][]; value?: number[][] }[][];
  beta?: number;
  geometry?: 'euclidean' | 'sphere';
  t1?: number;
  saveAt?: number[];
  saves?: number;
  method?: 'dopri5' | 'dopri8' | 'dop853' | 'rk4' | 'heun' | 'euler';
  dt?: number;
  dtMax?: number;
  rtol?: number;
  atol?: number;
  maxSteps?: number;
  controller?: { beta?: number; safety?: number; minFactor?: number; maxFactor?: number };
  saveAttention?: boolean;
  heatmapTimes?: number[];
  clusterTolerance?: number;
  backend?: 'relaxed' | 'simd' | 'scalar' | 'js';
  precision?: 'float64' | 'float32';
  kernel?: 'auto' | 'row-max';
  formats?: (typeof FORMATS)[number][];
}

/** ' (did you mean "x"?)' for the closest of `known`, or ''. */
export function didYouMean(key: string, known: readonly string[]): string {
  let best = '';
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? ` (did you mean "${best}"?)` : '';
}

function typeOf(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  return typeof value;
}

/** Checks `value` against `schema`; throws AttnflowError naming the path (e.g. `heads[0].query`). */
export function validate(value: unknown, schema: Schema, path: string): void {
  const where = path || 'config';
  switch (schema.type) {
    case 'object': {
      if (typeOf(value) !== 'object') throw new AttnflowError('invalid_option', where, `must be an object, got ${typeOf(value)}`);
      const known = Object.keys(schema.properties ?? {});
      for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
        const sub = schema.properties?.[key];
        const p = path ? `${path}.${key}` : key;
        if (!sub) {
          if (schema.additionalProperties === false) {
            throw new AttnflowError('invalid_option', p, `unknown key${didYouMean(key, known)}; known keys: ${known.join(', ')}`);
          }
          continue;
        }
        validate(v, sub, p);
      }
      return;
    }
    case 'array': {
      if (!Array.isArray(value)) throw new AttnflowError('invalid_option', where, `must be an array, got ${typeOf(value)}`);
      if (schema.minItems !== undefined && value.length < schema.minItems) {
        throw new AttnflowError('invalid_value', where, `needs at least ${schema.minItems} items`);
      }
      if (schema.items) {
        for (let i = 0; i < value.length; i++) validate(value[i], schema.items, `${path}[${i}]`);
      }
      return;
    }
    case 'number':
    case 'integer': {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new AttnflowError('invalid_value', where, `must be a finite number, got ${JSON.stringify(value)}`);
      }
      if (schema.type === 'integer' && !Number.isInteger(value)) {
        throw new AttnflowError('invalid_value', where, `must be an integer, got ${value}`);
      }
      if (schema.minimum !== undefined && value < schema.minimum) {
        throw new AttnflowError('invalid_value', where, `must be >= ${schema.minimum}, got ${value}`);
      }
      if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) {
        throw new AttnflowError('invalid_value', where, `must be > ${schema.exclusiveMinimum}, got ${value}`);
      }
      return;
    }
    case 'string': {
      if (typeof value !== 'string') throw new AttnflowError('invalid_option', where, `must be a string, got ${typeOf(value)}`);
      if (schema.enum && !schema.enum.includes(value)) {
        throw new AttnflowError(
          'invalid_option',
          where,
          `must be one of ${schema.enum.join(', ')}, got "${value}"${didYouMean(value, schema.enum)}`,
        );
      }
      if (schema.pattern && !new RegExp(schema.pattern).test(value)) {
        throw new AttnflowError('invalid_value', where, `must match ${schema.pattern}, got "${value}"`);
      }
      return;
    }
    case 'boolean':
      if (typeof value !== 'boolean')
        throw new AttnflowError('invalid_option', where, `must be true or false, got ${typeOf(value)}`);
      return;
    default:
      return;
  }
}

/** Validates a whole configuration (file or flags) and types it. */
export function validateConfig(value: unknown, path = ''): RunConfig {
  validate(value, RUN_CONFIG_SCHEMA, path);
  const config = { ...(value as RunConfig & { $schema?: string }) };
  delete config.$schema;
  return config;
}
