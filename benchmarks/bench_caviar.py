"""CAViaR multi-start fit: riskkit (compiled) vs a straightforward numpy/scipy implementation.

Both run the same procedure on the same data (Engle–Manganelli GM returns, first 2,892
observations, alpha = 1%): screen 10,000 uniform random parameter vectors by their RQ,
run Nelder–Mead from the 40 best, then alternate BFGS and Nelder–Mead on the 3 best.
The baseline uses a Python-loop recursion, a numpy RQ and ``scipy.optimize.minimize``.
It is timed on a reduced number of draws and starts and scaled linearly to the full
procedure (the work is proportional to both counts); this is stated in the output.

Run: ``python benchmarks/bench_caviar.py`` (needs ../shared/reference).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize

DATA = Path(__file__).resolve().parents[2] / "shared" / "reference" / "caviar_gm_ibm_sp500.csv.gz"
N_IN, ALPHA, N_DRAWS, N_STARTS = 2892, 0.01, 10_000, 40


def load() -> np.ndarray:
    return pd.read_csv(DATA)["GM"].to_numpy()[:N_IN].copy()


# ---------------------------------------------------------------- straightforward baseline
def py_path(beta, y, f0, spec):
    f = np.empty(len(y))
    f[0] = f0
    for t in range(1, len(y)):
        if spec == "sav":
            f[t] = beta[0] + beta[1] * f[t - 1] + beta[2] * abs(y[t - 1])
        else:  # asymmetric slope
            f[t] = (
                beta[0]
                + beta[1] * f[t - 1]
                + beta[2] * max(y[t - 1], 0.0)
                + beta[3] * max(-y[t - 1], 0.0)
            )
    return f


def py_rq(beta, y, f0, spec):
    f = py_path(beta, y, f0, spec)
    u = y + f
    v = float(np.sum((ALPHA - (u < 0)) * u))
    return v if np.isfinite(v) else 1e100


def baseline(y, f0, spec, k, n_draws, n_starts, rng):
    """Return (time of screening, time of local searches, time of polish)."""
    t0 = time.perf_counter()
    draws = rng.uniform(size=(n_draws, k))
    vals = np.array([py_rq(b, y, f0, spec) for b in draws])
    t1 = time.perf_counter()
    best = []
    for i in np.argsort(vals)[:n_starts]:
        r = optimize.minimize(
            py_rq,
            draws[i],
            args=(y, f0, spec),
            method="Nelder-Mead",
            options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 5000},
        )
        best.append((r.fun, r.x))
    t2 = time.perf_counter()
    best.sort(key=lambda r: r[0])
    for fx, x in best[:3]:
        for _ in range(10):
            q = optimize.minimize(py_rq, x, args=(y, f0, spec), method="BFGS")
            r = optimize.minimize(
                py_rq,
                q.x,
                args=(y, f0, spec),
                method="Nelder-Mead",
                options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 5000},
            )
            if r.fun < fx - 1e-10:
                fx, x = r.fun, r.x
            else:
                break
    t3 = time.perf_counter()
    return t1 - t0, t2 - t1, t3 - t2, best[0][0]


def cold_compile_seconds() -> float:
    """First fit in a fresh process with an empty Numba cache (compile included)."""
    code = (
        "import time, numpy as np, pandas as pd;"
        f"y = pd.read_csv({str(DATA)!r})['GM'].to_numpy()[:{N_IN}];"
        "from riskkit.regression.caviar import CAViaR;"
        "t = time.perf_counter();"
        "CAViaR('asymmetric_slope', alpha=0.01, seed=0, n_draws=10, n_starts=1).fit(y);"
        "print(time.perf_counter() - t)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "NUMBA_CACHE_DIR": tmp}
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
    return float(out.stdout.strip().splitlines()[-1])


def best_of(fn, n):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> None:
    from riskkit.regression.caviar import CAViaR

    y = load()
    f0 = -np.sort(y[:300])[2]
    compile_s = cold_compile_seconds()
    CAViaR("asymmetric_slope", alpha=ALPHA, seed=0, n_draws=10, n_starts=1).fit(y)  # warm-up
    rows = []
    for spec, name, k in (("sav", "symmetric_absolute_value", 3), ("as", "asymmetric_slope", 4)):
        t_rk, res = best_of(
            lambda name=name: CAViaR(
                name, alpha=ALPHA, seed=1, n_draws=N_DRAWS, n_starts=N_STARTS
            ).fit(y),
            3,
        )
        red_draws, red_starts = 500, 4
        ts, tl, tp, rq_b = baseline(y, f0, spec, k, red_draws, red_starts, np.random.default_rng(1))
        t_base = ts * N_DRAWS / red_draws + tl * N_STARTS / red_starts + tp
        rows.append((name, t_rk, res.rq, ts, tl, tp, t_base, rq_b))
    print(
        f"CAViaR multi-start fit, GM returns, {N_IN} obs, alpha={ALPHA}, "
        f"{N_DRAWS} draws, {N_STARTS} local starts, 3 polished\n"
    )
    print(
        "| spec | riskkit (s, best of 3) | riskkit RQ | baseline screening 500 draws (s) "
        "| baseline 4 NM starts (s) | baseline polish (s) | baseline scaled to full (s) "
        "| ratio |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, t_rk, rq, ts, tl, tp, tb, _ in rows:
        print(
            f"| {name} | {t_rk:.2f} | {rq:.4f} | {ts:.2f} | {tl:.2f} | {tp:.2f} | "
            f"{tb:.1f} | {tb / t_rk:.0f}x |"
        )
    print(f"\nfirst call in a fresh process with an empty Numba cache (compile): {compile_s:.1f} s")
    print("baseline scaled = screening x 10000/500 + NM x 40/4 + polish (measured).")


if __name__ == "__main__":
    main()
