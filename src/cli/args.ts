// Command-line parsing for `attnflow`. Every key of the run configuration is
// a flag in kebab case; its value is parsed by the key's schema type:
// numbers, integers, strings, booleans (`--save-attention`,
// `--no-save-attention`, `--save-attention=false`), lists of numbers
// (`--save-at 0,1,2` or JSON) and matrices (`--tokens '[[1],[2]]'`, JSON).

import { AttnflowError } from '../errors.js';
import { didYouMean, RUN_CONFIG_SCHEMA, type RunConfig, type Schema, validateConfig } from './schema.js';

/** What the command line asked for. */
export interface ParsedArgs {
  readonly command: string;
  /** Positional arguments after the command (the config file of `run`). */
  readonly positional: readonly string[];
  /** Configuration keys given as flags. */
  readonly flags: RunConfig;
  /** Output folder (`--out`, default `out`). Only a flag: a config file cannot choose where files go. */
  readonly out: string;
  readonly quiet: boolean;
  readonly json: boolean;
  readonly help: boolean;
  /** `reproduce --quick`: the small report configuration (seconds instead of tens of seconds). */
  readonly quick: boolean;
}

const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

const CONFIG_KEYS = Object.keys(RUN_CONFIG_SCHEMA.properties).filter((k) => k !== '$schema');
const CLI_FLAGS = ['out', 'quiet', 'json', 'help', 'quick'];

function parseValue(raw: string, schema: Schema, flag: string): unknown {
  const fail = (what: string): never => {
    throw new AttnflowError('invalid_value', `--${flag}`, `${what}, got "${raw}"`);
  };
  const json = (): unknown => {
    try {
      return JSON.parse(raw);
    } catch (error) {
      return fail(`is not valid JSON (${(error as Error).message})`);
    }
  };
  switch (schema.type) {
    case 'number':
    case 'integer': {
      const v = Number(raw);
      if (raw.trim() === '' || Number.isNaN(v)) fail('needs a number');
      return v;
    }
    case 'boolean':
      if (raw === 'true') return true;
      if (raw === 'false') return false;
      return fail('needs true or false');
    case 'object':
      return raw.trim().startsWith('{') ? json() : fail('needs a JSON object');
    case 'array': {
      if (raw.trim().startsWith('[')) return json();
      if (schema.items?.type === 'number') return raw.split(',').map((s) => parseValue(s.trim(), { type: 'number' }, flag));
      if (schema.items?.type === 'string') return raw.split(',').map((s) => s.trim());
      return fail('needs JSON');
    }
    default:
      return raw;
  }
}

/** Parses argv (without node and the script). Throws AttnflowError on unknown or malformed flags. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const positional: string[] = [];
  const flags: Record<string, unknown> = {};
  let out = 'out';
  let quiet = false;
  let json = false;
  let help = false;
  let quick = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h') {
      help = true;
      continue;
    }
    if (arg === '-q') {
      quiet = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    let name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    let inline: string | undefined = eq >= 0 ? arg.slice(eq + 1) : undefined;
    let negated = false;
    if (name.startsWith('no-') && inline === undefined) {
      negated = true;
      name = name.slice(3);
    }
    const key = camel(name);
    const schema = (RUN_CONFIG_SCHEMA.properties as Record<string, Schema>)[key];
    if (CLI_FLAGS.includes(name)) {
      if (name === 'out') {
        const v = inline ?? argv[++i];
        if (v === undefined) throw new AttnflowError('invalid_option', '--out', 'needs a folder');
        out = v;
      } else if (name === 'quiet') quiet = !negated;
      else if (name === 'json') json = !negated;
      else if (name === 'quick') quick = !negated;
      else help = true;
      continue;
    }
    if (!schema || key === '$schema') {
      const known = [...CONFIG_KEYS.map(kebab), ...CLI_FLAGS];
      throw new AttnflowError('invalid_option', `--${name}`, `unknown flag${didYouMean(name, known)}; see attnflow --help`);
    }
    if (schema.type === 'boolean' && inline === undefined) {
      flags[key] = !negated;
      continue;
    }
    if (negated) throw new AttnflowError('invalid_option', `--no-${name}`, `only booleans have a --no- form`);
    inline ??= argv[++i];
    if (inline === undefined) throw new AttnflowError('invalid_option', `--${name}`, 'needs a value');
    flags[key] = parseValue(inline, schema, name);
  }
  const [command = 'help', ...rest] = positional;
  return { command, positional: rest, flags: validateConfig(flags, ''), out, quiet, json, help, quick };
}

/** How a flag's value is written, for --help. */
function flagType(s: Schema): string {
  if (s.enum) return s.enum.join('|');
  if (s.type === 'array') return s.items?.type === 'number' ? 'n,n,...' : 'JSON';
  if (s.type === 'object') return '{JSON}';
  return String(s.type);
}

/** One line per configuration key, for --help. */
export function flagHelp(): string {
  const props = RUN_CONFIG_SCHEMA.properties as Record<string, Schema>;
  return CONFIG_KEYS.map((key) => {
    const s = props[key];
    return `  --${kebab(key).padEnd(19)} ${flagType(s).padEnd(30)} ${s.description ?? ''}`;
  }).join('\n');
}
