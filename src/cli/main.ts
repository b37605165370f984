#!/usr/bin/env node
// attnflow, the command line (the package's `bin`):
//   attnflow run [config.json] [--flags]   integrate, write JSON/CSV/.npy/SVG to --out (default out/)
//   attnflow reproduce [--out DIR]         the report of the mathematics issue
//   attnflow presets | schema | help
// It reads only the config file it is given and writes only inside --out.

import { readFileSync } from 'node:fs';
import { createEngine } from '../entries/node.js';
import { AttnflowError } from '../errors.js';
import { flagHelp, type ParsedArgs, parseArgs } from './args.js';
import { writeOutputs } from './outputs.js';
import { PRESETS } from './presets.js';
import { progressBar } from './progress.js';
import { reproduce } from './reproduce.js';
import { executeRun, planRun, type RunResult } from './run.js';
import { RUN_CONFIG_SCHEMA, type RunConfig, validateConfig } from './schema.js';

const HELP = `attnflow: self-attention as a dynamical system (tokens = particles, depth = time)

usage:
  attnflow run [config.json] [--flags]   integrate dX/dt = sum_h P_h X V_h and write results
  attnflow reproduce [--out DIR] [--quick]  regenerate the report of the paper's results (--quick: small)
  attnflow presets                       list the presets
  attnflow schema                        print the JSON schema of config files

run writes <name>.json, <name>.csv (t,token,coordinate,value), <name>.npy (T x N x D),
<name>.t.npy, <name>.attention.npy and SVG figures into --out (default out/).
Precedence: flags > config file > --preset. Every config key is a flag:

${flagHelp()}
  --out DIR                                          output folder (default out)
  --quiet, -q                                        no summary, no progress bar
  --json                                             print the summary as JSON on stdout
`;

function readConfig(path: string | undefined): RunConfig {
  if (path === undefined) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new AttnflowError('invalid_option', 'config', `cannot read ${path}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new AttnflowError('invalid_option', 'config', `${path} is not valid JSON: ${(error as Error).message}`);
  }
  return validateConfig(value, '');
}

/** 1-D runs: per token x(0), x(t end), its corridor exit and its largest attention weight at the end (sorted by x(0)). */
function tokenTable(r: RunResult, corridor: NonNullable<RunResult['corridor']>): string {
  const n = r.plan.n;
  const last = r.states.length - 1;
  const tEnd = r.t[last];
  const k = r.attentionTimes.indexOf(tEnd);
  const p = k >= 0 ? r.attention[k]?.[0] : undefined;
  const rows = [`token        x(0)   x(${tEnd})   left corridor      max_j P_ij(${tEnd}) (j)`];
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => r.states[0][a] - r.states[0][b]);
  for (const i of order) {
    const exit = corridor.exits.find((e) => e.token === i);
    let best = 0;
    if (p) for (let j = 1; j < n; j++) if (p[i * n + j] > p[i * n + best]) best = j;
    rows.push(
      `${String(i).padStart(5)} ${r.states[0][i].toFixed(6).padStart(11)} ${r.states[last][i].toExponential(4).padStart(12)}   ${(exit ? `${exit.direction.padEnd(4)} (t ~ ${exit.t.toFixed(2)})` : 'no').padEnd(18)} ${p ? `${p[i * n + best].toFixed(6)} (${best})` : '-'}`,
    );
  }
  return rows.join('\n');
}

/** The summary printed after a run, as plain text. */
function summaryText(r: RunResult, files: readonly string[]): string {
  const p = r.plan;
  const lines = [
    `attnflow run ${p.name}${p.config.preset ? ` (preset ${p.config.preset})` : ''}: N = ${p.n}, D = ${p.d}, beta = ${p.beta}, ${p.config.geometry ?? 'euclidean'}, t in [0, ${p.config.t1}]`,
    `backend ${r.backend}, ${p.config.method ?? 'dopri5'}: ${r.stats.steps} steps, ${r.stats.rejected} rejected, ${r.stats.rhsEvaluations} field evaluations, ${r.milliseconds.toFixed(1)} ms`,
    `status ${r.status}: ${r.message}`,
    `clusters (distance < ${p.clusterTolerance}): ${r.clusters[0]} at t = ${r.t[0]}, ${r.clusters[r.clusters.length - 1]} at t = ${r.t[r.t.length - 1]}`,
    `ln E_beta: ${r.logEnergy[0]?.toFixed(6)} -> ${r.logEnergy[r.logEnergy.length - 1]?.toFixed(6)}`,
  ];
  if (r.corridor) {
    lines.push(`corridor [-v0, v0] with v0(${p.n}) = ${r.corridor.v0.toFixed(6)} (eq. 13)`);
    if (p.n <= 64) lines.push(tokenTable(r, r.corridor));
  }
  lines.push(`wrote ${files.length} files:`, ...files.map((f) => `  ${f}`));
  return lines.join('\n');
}

async function run(args: ParsedArgs): Promise<void> {
  if (args.positional.length > 1) {
    throw new AttnflowError('invalid_option', 'config', `run takes one config file, got ${args.positional.join(' ')}`);
  }
  const plan = planRun(readConfig(args.positional[0]), args.flags);
  const engine = await createEngine(plan.config.backend ? { backend: plan.config.backend } : {});
  const bar = progressBar(process.stderr, !args.quiet && !args.json);
  const result = executeRun(engine, plan, (f) => bar.update(f, `t = ${(f * (plan.config.t1 ?? 0)).toPrecision(4)}`));
  bar.done();
  const files = writeOutputs(result, args.out);
  if (args.json) {
    const { plan: _, t, states, attention, ...summary } = result;
    console.log(JSON.stringify({ ...summary, name: plan.name, n: plan.n, d: plan.d, beta: plan.beta, files }));
  } else if (!args.quiet) {
    console.log(summaryText(result, files));
  }
  if (result.status !== 'success') process.exitCode = 3;
}

async function main(argv: readonly string[]): Promise<void> {
  if (argv.includes('--version')) {
    console.log('attnflow 0.1.0');
    return;
  }
  const args = parseArgs(argv);
  if (args.help || args.command === 'help') {
    console.log(HELP);
    return;
  }
  switch (args.command) {
    case 'run':
      return run(args);
    case 'reproduce':
      return reproduce(args.out, args.quiet, args.quick);
    case 'presets':
      for (const [name, p] of Object.entries(PRESETS))
        console.log(`${name.padEnd(16)} ${p.summary}\n${' '.repeat(17)}${JSON.stringify(p.config)}`);
      return;
    case 'schema':
      console.log(JSON.stringify(RUN_CONFIG_SCHEMA, null, 2));
      return;
    default:
      throw new AttnflowError(
        'invalid_option',
        'command',
        `unknown command "${args.command}"; commands: run, reproduce, presets, schema, help`,
      );
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof AttnflowError) {
    console.error(`attnflow: ${error.message}`);
    process.exitCode = 2;
  } else {
    // Anything else is a bug of ours: still one line, the stack only on request.
    const message = error instanceof Error ? error.message : String(error);
    console.error(`attnflow: internal error: ${message.split('\n')[0]} (set ATTNFLOW_DEBUG=1 for the stack)`);
    if (process.env.ATTNFLOW_DEBUG) console.error(error);
    process.exitCode = 1;
  }
});
