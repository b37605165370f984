// `attnflow run`: merges preset, config file and flags, integrates (one
// solve, whose onProgress callback drives the progress bar), and measures.

import { clusterCount } from '../analysis/measures.js';
import type { Engine } from '../core.js';
import { corridorHalfWidth } from '../corridor.js';
import { AttnflowError } from '../errors.js';
import { randomMatrix, seededRandom } from '../random.js';
import type { BackendName, Head, SolveStats, SolveStatus } from '../types.js';
import { type CorridorExit, corridorExits, logEnergy } from './measures.js';
import { PRESETS } from './presets.js';
import type { RunConfig } from './schema.js';

/** A configuration with every default filled in. */
export interface RunPlan {
  readonly config: RunConfig;
  readonly name: string;
  readonly tokens: number[][];
  readonly n: number;
  readonly d: number;
  readonly beta: number;
  readonly saveAt: number[];
  readonly heatmapTimes: number[];
  readonly clusterTolerance: number;
  readonly formats: NonNullable<RunConfig['formats']>;
}

export interface RunResult {
  readonly plan: RunPlan;
  readonly backend: BackendName;
  readonly status: SolveStatus;
  readonly message: string;
  readonly stats: SolveStats;
  readonly milliseconds: number;
  readonly finalTime: number;
  readonly t: Float64Array;
  readonly states: Float64Array[];
  readonly clusters: number[];
  readonly logEnergy: number[];
  /** D = 1 only: v0 and the first exit of each token that leaves the corridor. */
  readonly corridor?: { readonly v0: number; readonly exits: CorridorExit[] };
  /** Attention matrices [save index][head] at `attentionTimes`. */
  readonly attentionTimes: number[];
  readonly attention: Float64Array[][];
}

/** Preset < config file < flags, then defaults. */
export function planRun(file: RunConfig, flags: RunConfig): RunPlan {
  const presetName = flags.preset ?? file.preset;
  const config: RunConfig = { ...(presetName ? PRESETS[presetName].config : {}), ...file, ...flags };
  if (presetName) config.preset = presetName;
  const userTokens = (flags.tokens ?? file.tokens) !== undefined;
  const userRandom = (['n', 'd', 'seed', 'scale'] as const).some((k) => flags[k] !== undefined || file[k] !== undefined);
  if (userTokens && userRandom) {
    throw new AttnflowError(
      'invalid_option',
      'tokens',
      'explicit tokens exclude n, d, seed and scale (which generate random ones)',
    );
  }
  if (userTokens) for (const k of ['n', 'd', 'seed', 'scale'] as const) delete config[k];
  if (userRandom) delete config.tokens;
  if (config.t1 === undefined) throw new AttnflowError('invalid_option', 't1', 'is required (or start from a --preset)');
  if (config.heads && config.layers) throw new AttnflowError('invalid_option', 'layers', 'give heads or layers, not both');
  const tokens = config.tokens ?? randomMatrix(seededRandom(config.seed ?? 0), config.n ?? 16, config.d ?? 1, config.scale ?? 1);
  const n = tokens.length;
  const d = tokens[0]?.length ?? 0;
  const firstHeads = config.layers?.[0] ?? config.heads;
  const beta = config.beta ?? 1 / Math.sqrt(d / (firstHeads?.length ?? 1));
  const t1 = config.t1;
  const saves = config.saves ?? 201;
  const grid = config.saveAt ?? Array.from({ length: saves }, (_, k) => (k === saves - 1 ? t1 : (k * t1) / (saves - 1)));
  let heatmapTimes = config.heatmapTimes ?? [t1];
  if ((flags.heatmapTimes ?? file.heatmapTimes) === undefined && heatmapTimes.some((t) => t > t1)) {
    // A preset's heatmap times past a shorter t1 given by the user: keep those inside, and t1.
    heatmapTimes = [...new Set([...heatmapTimes.filter((t) => t <= t1), t1])];
  }
  heatmapTimes.forEach((t, k) => {
    if (!(t >= 0 && t <= t1))
      throw new AttnflowError('invalid_value', `heatmapTimes[${k}]`, `must lie in [0, t1 = ${t1}], got ${t}`);
  });
  const saveAt = [...new Set([...grid, ...heatmapTimes])].sort((a, b) => a - b);
  return {
    config,
    name: config.name ?? config.preset ?? 'run',
    tokens,
    n,
    d,
    beta,
    saveAt,
    heatmapTimes,
    clusterTolerance: config.clusterTolerance ?? 1e-3,
    formats: config.formats ?? ['json', 'csv', 'npy', 'svg'],
  };
}

function headsAt(config: RunConfig, t: number): readonly Head[] | undefined {
  if (!config.layers) return config.heads;
  return config.layers[Math.min(Math.floor(t), config.layers.length - 1)];
}

/** Integrates the plan on `engine`, calling `progress(fraction)` every few steps. */
export function executeRun(engine: Engine, plan: RunPlan, progress: (fraction: number) => void = () => {}): RunResult {
  const { config, n, d } = plan;
  const t1 = config.t1 as number;
  const common = {
    beta: config.beta,
    geometry: config.geometry,
    method: config.method,
    dt: config.dt,
    dtMax: config.dtMax,
    rtol: config.rtol,
    atol: config.atol,
    controller: config.controller,
    precision: config.precision,
    kernel: config.kernel,
  };
  const started = performance.now();
  // One solve; onProgress feeds the progress bar without changing a bit of the result.
  const sol = engine.solve({
    ...common,
    tokens: plan.tokens,
    ...(config.layers ? { layers: config.layers } : { heads: config.heads }),
    t1,
    saveAt: plan.saveAt,
    maxSteps: config.maxSteps ?? 100_000,
    onProgress: (t) => progress(t / t1),
  });
  const { status, message, finalTime, stats } = sol;
  const times = Array.from(sol.t);
  const states = sol.tokens;
  const milliseconds = performance.now() - started;
  const t = Float64Array.from(times);
  const clusters = states.map((x) => clusterCount({ data: x, n, d }, { distance: plan.clusterTolerance }));
  const energy = states.map((x) => logEnergy(x, n, d, plan.beta));
  const corridor = d === 1 ? { v0: corridorHalfWidth(n), exits: corridorExits(t, states, corridorHalfWidth(n)) } : undefined;
  const wanted = config.saveAttention ? times : plan.heatmapTimes;
  const attentionTimes = wanted.filter((tt) => times.includes(tt));
  const attention = attentionTimes.map((tt) => {
    const x = states[times.indexOf(tt)];
    const heads = headsAt(config, tt);
    const field = { tokens: { data: x, n, d }, heads, beta: config.beta, geometry: config.geometry };
    return (heads ?? [{}]).map((_, h) => engine.attentionMatrix(field, h));
  });
  return {
    plan,
    backend: engine.backend,
    status,
    message,
    stats,
    milliseconds,
    finalTime,
    t,
    states,
    clusters,
    logEnergy: energy,
    corridor,
    attentionTimes,
    attention,
  };
}
