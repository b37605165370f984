// The demo's solver, in a Web Worker so that the page never blocks: the
// package's `browser` entry on the SIMD build (the scalar one where SIMD does
// not validate). Each frame integrates `dt` time units from the current state
// and sends the tokens and the attention matrix back.
import { corridorHalfWidth, createEngine, detectBackend } from '../dist/browser.js';

let engine = null;
let setup = null; // { n, d, beta, geometry, heads }
let state = null; // Float64Array, N * D
let t = 0;
let stopped = null;

/** mulberry32 + Box-Muller, seeded. */
function normals(seed) {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

const matrix = (next, rows, cols, scale) =>
  Array.from({ length: rows }, () => Array.from({ length: cols }, () => scale * next()));
const identity = (d, s = 1) => Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? s : 0)));

/** The weight presets of the page. */
function heads(preset, d, next) {
  switch (preset) {
    case 'random':
      return [
        {
          query: matrix(next, d, d, 1 / Math.sqrt(d)),
          key: matrix(next, d, d, 1 / Math.sqrt(d)),
          value: matrix(next, d, d, 0.5),
        },
      ];
    case 'repulsive':
      return [{ value: identity(d, -1) }];
    case 'rotation': {
      const v = identity(d, 0);
      if (d >= 2) {
        v[0][1] = 1;
        v[1][0] = -1;
      }
      return [{ value: v }];
    }
    default:
      return [{}];
  }
}

async function reset(config) {
  if (!engine) {
    // The SIMD build (with fused multiply-adds where relaxed SIMD validates); scalar only without SIMD.
    const detected = detectBackend();
    const backend = detected === 'relaxed' || detected === 'simd' ? detected : 'scalar';
    engine = await createEngine({ backend });
  }
  const next = normals(config.seed);
  const tokens = matrix(next, config.n, config.d, 1);
  setup = {
    n: config.n,
    d: config.d,
    beta: config.beta,
    geometry: config.geometry,
    heads: heads(config.weights, config.d, next),
  };
  // On the sphere X(0) is normalized, as solve() does with a prompt given off it.
  state = Float64Array.from(
    tokens.flatMap((row) => {
      const norm = config.geometry === 'sphere' ? Math.hypot(...row) : 1;
      return row.map((v) => v / norm);
    }),
  );
  t = 0;
  stopped = null;
  return frame(0, 0);
}

function field() {
  return { heads: setup.heads, beta: setup.beta, geometry: setup.geometry };
}

function frame(steps, ms) {
  const attention = engine.attentionMatrix({ ...field(), tokens: { data: state, n: setup.n, d: setup.d } });
  return {
    type: 'frame',
    t,
    n: setup.n,
    d: setup.d,
    tokens: state,
    attention,
    v0: corridorHalfWidth(setup.n),
    backend: engine.backend,
    steps,
    ms,
    stopped,
  };
}

function advance(dt) {
  if (stopped) return frame(0, 0);
  const started = performance.now();
  const sol = engine.solve({ ...field(), tokens: { data: state, n: setup.n, d: setup.d }, t1: dt, rtol: 1e-7, atol: 1e-9 });
  const ms = performance.now() - started;
  state = sol.finalTokens;
  t += sol.finalTime;
  if (sol.status !== 'success') stopped = sol.message;
  return frame(sol.stats.steps, ms);
}

self.onmessage = async (event) => {
  const message = event.data;
  try {
    const reply = message.type === 'reset' ? await reset(message.config) : advance(message.dt);
    reply.id = message.id;
    self.postMessage(reply);
  } catch (error) {
    self.postMessage({ type: 'error', id: message.id, message: String(error?.message ?? error) });
  }
};
