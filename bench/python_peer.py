"""NumPy and SciPy peers of bench/run.mjs.

Reads a JSON spec (argv[1]): cases with N, D and a file of N*D float64 tokens
(the same tokens attnflow gets), timing settings, and the solve settings.
For each case it times the attention RHS in NumPy (matmul, stable softmax,
matmul; OpenBLAS threads as NumPy configures them), writes its output next to
the input so that the benchmark can check it, and, when SciPy is importable,
times solve_ivp with RK45 and DOP853 on the same problem and tolerances.
Prints one JSON line.
"""

import json
import sys
import time

import numpy as np

try:
    import scipy
    from scipy.integrate import solve_ivp
except ImportError:  # SciPy is optional
    scipy = None


def rhs(x, beta):
    s = (beta * x) @ x.T
    s -= s.max(axis=1, keepdims=True)
    np.exp(s, out=s)
    s /= s.sum(axis=1, keepdims=True)
    return s @ x


def timed(fn, max_time, min_samples, max_samples=200):
    """Median seconds per call: calls grouped so that one sample lasts at least 5 ms."""
    fn()
    t = time.perf_counter()
    fn()
    one = time.perf_counter() - t
    reps = max(1, int(0.005 / max(one, 1e-9)))
    samples = []
    start = time.perf_counter()
    while len(samples) < min_samples or (time.perf_counter() - start < max_time and len(samples) < max_samples):
        t = time.perf_counter()
        for _ in range(reps):
            fn()
        samples.append((time.perf_counter() - t) / reps)
    samples.sort()
    m = len(samples) // 2
    med = samples[m] if len(samples) % 2 else (samples[m - 1] + samples[m]) / 2
    return med, len(samples)


def median(xs):
    xs = sorted(xs)
    m = len(xs) // 2
    return xs[m] if len(xs) % 2 else (xs[m - 1] + xs[m]) / 2


def main():
    spec = json.load(open(sys.argv[1]))
    out = {
        "numpy": np.__version__,
        "scipy": scipy.__version__ if scipy else None,
        "blas": None,
        "rhs": [],
        "solve": [],
        "notes": [],
    }
    try:
        cfg = np.show_config(mode="dicts")
        out["blas"] = cfg.get("Build Dependencies", {}).get("blas", {}).get("name")
    except Exception:  # older NumPy
        pass
    for case in spec["cases"]:
        n, d = case["n"], case["d"]
        x = np.fromfile(case["file"], dtype=np.float64).reshape(n, d)
        beta = 1.0 / np.sqrt(d)
        rhs(x, beta).tofile(case["out"])
        med, count = timed(lambda: rhs(x, beta), spec["maxTime"], spec["minSamples"])
        out["rhs"].append({"n": n, "d": d, "medianMs": med * 1e3, "samples": count})
        if scipy is None:
            continue
        estimate = med * 100  # about 100 RHS evaluations for t1 = 1 at rtol 1e-8
        if estimate > spec["solveLimitS"]:
            out["notes"].append(
                f"SciPy solve_ivp {n} x {d} skipped: about 100 RHS evaluations x {med * 1e3:.0f} ms "
                f"is over the {spec['solveLimitS']} s limit"
            )
            continue
        y0 = x.ravel().copy()

        def f(_t, y):
            return rhs(y.reshape(n, d), beta).ravel()

        # DOP853saves: DOP853 with t_eval, interpolated on its dense output (attnflow: saveAt).
        for key, method, t_eval in (("RK45", "RK45", None), ("DOP853", "DOP853", None), ("DOP853saves", "DOP853", spec["saveAt"])):
            # The median of solveMinSamples or more solves, more while under solveMaxTime seconds (at most 21);
            # a solve still running past solveCapS seconds of them ends the sampling (the largest cases).
            times = []
            sol = None
            start = time.perf_counter()
            while True:
                t = time.perf_counter()
                sol = solve_ivp(
                    f, (0.0, spec["t1"]), y0, method=method, t_eval=t_eval, rtol=spec["rtol"], atol=spec["atol"]
                )
                times.append(time.perf_counter() - t)
                elapsed = time.perf_counter() - start
                enough = len(times) >= spec["solveMinSamples"]
                if len(times) >= 21 or (enough and elapsed >= spec["solveMaxTime"]) or elapsed >= spec["solveCapS"]:
                    break
            times.sort()
            out["solve"].append(
                {
                    "n": n,
                    "d": d,
                    "method": key,
                    "medianMs": median(times) * 1e3,
                    "samples": len(times),
                    "nfev": int(sol.nfev),
                    "steps": int(len(sol.t) - 1) if t_eval is None else None,
                    "success": bool(sol.success),
                    "final": sol.y[:, -1].tolist() if n * d <= 4096 else None,
                }
            )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
