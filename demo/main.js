// The demo page: controls, drawing, and the conversation with the solver
// worker (worker.js). One request in flight at a time; while playing, the
// next frame is asked for as soon as the previous one is drawn.

const $ = (id) => document.getElementById(id);
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });

let nextId = 0;
const pending = new Map();
worker.onmessage = (event) => {
  const reply = event.data;
  const done = pending.get(reply.id);
  pending.delete(reply.id);
  if (reply.type === 'error') done?.reject(new Error(reply.message));
  else done?.resolve(reply);
};
function request(message) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ ...message, id });
  });
}

let playing = false;
let run = 0;
let history = []; // recent states, for trails
const rate = { window: [], value: 0 };

function config() {
  return {
    n: Math.max(1, Math.min(256, Math.round(Number($('n').value) || 1))),
    d: Number($('d').value),
    beta: Number($('beta').value),
    geometry: $('geometry').value,
    weights: $('weights').value,
    seed: Math.max(0, Math.round(Number($('seed').value) || 0)),
  };
}

const frameDt = () => 10 ** Number($('speed').value);

function viridis(v) {
  const stops = [
    [68, 1, 84],
    [59, 82, 139],
    [33, 145, 140],
    [94, 201, 98],
    [253, 231, 37],
  ];
  const x = Math.min(1, Math.max(0, v)) * (stops.length - 1);
  const k = Math.min(stops.length - 2, Math.floor(x));
  const f = x - k;
  return stops[k].map((a, j) => Math.round(a + f * (stops[k + 1][j] - a)));
}

const color = (i, alpha = 1) => `hsla(${Math.round((i * 137.508) % 360)}, 70%, 42%, ${alpha})`;

function drawHeatmap(p, n) {
  const canvas = $('heatmap');
  const image = new ImageData(n, n);
  for (let k = 0; k < n * n; k++) {
    const [r, g, b] = viridis(p[k]);
    image.data.set([r, g, b, 255], 4 * k);
  }
  const small = new OffscreenCanvas(n, n);
  small.getContext('2d').putImageData(image, 0, 0);
  const ctx = canvas.getContext('2d');
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
}

/** D = 1: tokens on a line (asinh scale, corridor [-v0, v0] shaded); earlier frames scroll upwards. */
function drawLine(ctx, w, h, f) {
  const extent = Math.max(3, 1.1 * Math.max(...history.flatMap((s) => Array.from(s, (x) => Math.asinh(Math.abs(x) / f.v0)))));
  const X = (x) => w / 2 + (Math.asinh(x / f.v0) / extent) * (w / 2 - 10);
  ctx.fillStyle = '#e8eef8';
  ctx.fillRect(X(-f.v0), 0, X(f.v0) - X(-f.v0), h);
  ctx.fillStyle = '#557';
  ctx.fillText(`corridor ±v0 = ±${f.v0.toFixed(3)} (asinh scale)`, 8, 14);
  history.forEach((s, k) => {
    const y = h - 20 - (history.length - 1 - k) * 2;
    for (let i = 0; i < f.n; i++) {
      ctx.fillStyle = color(i, k === history.length - 1 ? 1 : 0.35);
      const r = k === history.length - 1 ? 5 : 1.2;
      ctx.beginPath();
      ctx.arc(X(s[i]), y, r, 0, 2 * Math.PI);
      ctx.fill();
    }
  });
}

/** D = 2, 3: the circle, the sphere seen from a tilted viewpoint (far side faded), or the plane. */
function drawPlane(ctx, w, h, f) {
  const sphere = $('geometry').value === 'sphere';
  const tilt = f.d === 3 ? 0.5 : 0;
  const project = (s, i) => {
    const x = s[i * f.d];
    const y = s[i * f.d + 1];
    const z = f.d === 3 ? s[i * f.d + 2] : 0;
    return [x, y * Math.cos(tilt) - z * Math.sin(tilt), y * Math.sin(tilt) + z * Math.cos(tilt)];
  };
  let extent = 1.1;
  if (!sphere)
    for (const s of history) for (let i = 0; i < f.n; i++) extent = Math.max(extent, ...project(s, i).slice(0, 2).map(Math.abs));
  const scale = (Math.min(w, h) / 2 - 10) / extent;
  const P = ([x, y]) => [w / 2 + x * scale, h / 2 - y * scale];
  ctx.strokeStyle = '#bbb';
  ctx.beginPath();
  if (sphere) ctx.arc(w / 2, h / 2, scale, 0, 2 * Math.PI);
  ctx.moveTo(0, h / 2);
  ctx.lineTo(w, h / 2);
  ctx.moveTo(w / 2, 0);
  ctx.lineTo(w / 2, h);
  ctx.stroke();
  for (let i = 0; i < f.n; i++) {
    ctx.strokeStyle = color(i, 0.4);
    ctx.beginPath();
    history.forEach((s, k) => {
      const [x, y] = P(project(s, i));
      if (k === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    ctx.stroke();
    const q = project(f.tokens, i);
    const [x, y] = P(q);
    ctx.fillStyle = color(i, q[2] < 0 && f.d === 3 ? 0.35 : 1);
    ctx.beginPath();
    ctx.arc(x, y, 5, 0, 2 * Math.PI);
    ctx.fill();
  }
}

function draw(f) {
  history.push(Float64Array.from(f.tokens));
  if (history.length > 200) history.shift();
  const canvas = $('tokens');
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.font = '12px system-ui, sans-serif';
  if (f.d === 1) drawLine(ctx, canvas.width, canvas.height, f);
  else drawPlane(ctx, canvas.width, canvas.height, f);
  drawHeatmap(f.attention, f.n);
  $('time').textContent = f.t.toFixed(3);
  $('backend').textContent = f.backend;
  $('stopped').textContent = f.stopped ? `stopped: ${f.stopped}` : '';
  const now = performance.now();
  rate.window.push({ at: now, steps: f.steps });
  while (rate.window.length > 0 && rate.window[0].at < now - 1000) rate.window.shift();
  const span = rate.window.length > 1 ? (now - rate.window[0].at) / 1000 : 0;
  if (span > 0) rate.value = rate.window.slice(1).reduce((s, r) => s + r.steps, 0) / span;
  $('rate').textContent = rate.value.toFixed(0);
  $('tokens-caption').textContent =
    f.d === 1
      ? `N = ${f.n} tokens on the line`
      : `N = ${f.n} tokens ${$('geometry').value === 'sphere' ? `on S^${f.d - 1}` : `in R^${f.d}`}${f.d === 3 ? ' (projection)' : ''}`;
  document.body.dataset.n = String(f.n);
}

// Requests are serialized: a reset waits for the frame in flight, and frames of an old run are dropped.
let queue = Promise.resolve();
const serial = (job) => {
  queue = queue.then(job, job);
  return queue;
};

function reset() {
  return serial(async () => {
    run += 1;
    history = [];
    rate.window = [];
    const f = await request({ type: 'reset', config: config() });
    draw(f);
    document.body.dataset.run = String(run);
  });
}

function step() {
  const mine = run;
  return serial(async () => {
    if (mine !== run) return;
    const f = await request({ type: 'step', dt: frameDt() });
    if (mine === run) draw(f);
  });
}

async function loop() {
  while (playing) {
    await step();
    await new Promise((r) => requestAnimationFrame(r));
  }
}

function setPlaying(on) {
  playing = on;
  $('play').textContent = on ? 'pause' : 'play';
  document.body.dataset.playing = String(on);
  if (on) loop();
}

$('play').addEventListener('click', () => setPlaying(!playing));
$('step').addEventListener('click', () => {
  setPlaying(false);
  step();
});
$('reset').addEventListener('click', () => reset());
for (const id of ['n', 'd', 'beta', 'geometry', 'weights', 'seed']) $(id).addEventListener('change', () => reset());
const showSpeed = () => {
  $('speed-value').textContent = `Δt ${frameDt().toPrecision(2)} per frame`;
};
$('speed').addEventListener('input', showSpeed);
showSpeed();
reset().catch((error) => {
  $('stopped').textContent = String(error);
});
