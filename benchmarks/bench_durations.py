"""Benchmark: ACD(1,1)-Weibull fit on ~53,000 IBM trade durations (Nov 1990 - Jan 1991).

riskkit (Numba recursion + analytic score, SLSQP, Hessian and sandwich standard errors) against
what a user would write: the recursion as a Python loop over a numpy array and
``scipy.optimize.minimize`` (L-BFGS-B with finite-difference gradient, no standard errors); and
a vectorised variant with the recursion in ``scipy.signal.lfilter``. Same data, one process,
warm-up excluded (compile time reported separately, measured in a fresh process with an empty
Numba cache). Run: ``python benchmarks/bench_durations.py``.
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
from scipy import optimize, signal
from scipy.special import gammaln

import riskkit.durations as rd

REF = Path(__file__).resolve().parents[2] / "shared" / "reference" / "ibm_trades_1990_1991.csv.gz"


def load() -> np.ndarray:
    if REF.exists():
        ts = pd.to_datetime(pd.read_csv(REF)["datetime"])
        x = rd.durations(ts, session=("09:30", "16:00"))
        return rd.diurnal_adjust(x).adjusted.to_numpy()
    return rd.ACD(dist="weibull").simulate([0.01, 0.06, 0.93, 0.9], 60_000, seed=0)


def weibull_nll(e: np.ndarray, psi: np.ndarray, k: float) -> float:
    lc = gammaln(1 + 1 / k)
    return -float(
        np.sum(
            np.log(k) + k * lc + (k - 1) * np.log(e) - np.exp(k * (lc + np.log(e))) - np.log(psi)
        )
    )


def naive_fit(x: np.ndarray) -> np.ndarray:
    """Python-loop recursion + scipy.optimize.minimize."""
    n = x.shape[0]

    def nll(th: np.ndarray) -> float:
        w, a, b, k = th
        psi = np.empty(n)
        psi[0] = x.mean()
        for i in range(1, n):
            psi[i] = w + a * x[i - 1] + b * psi[i - 1]
        return weibull_nll(x[1:] / psi[1:], psi[1:], k)

    bounds = [(1e-6, None), (0.0, 1.0), (0.0, 0.9999), (0.05, 20)]
    res = optimize.minimize(nll, [0.05, 0.05, 0.9, 0.9], method="L-BFGS-B", bounds=bounds)
    return np.asarray(res.x)


def lfilter_fit(x: np.ndarray) -> np.ndarray:
    """Vectorised recursion with scipy.signal.lfilter + scipy.optimize.minimize."""
    xm = x.mean()

    def nll(th: np.ndarray) -> float:
        w, a, b, k = th
        # psi_i - b psi_{i-1} = w + a x_{i-1}, psi_0 = mean
        u = w + a * x[:-1]
        psi = signal.lfilter([1.0], [1.0, -b], u, zi=[b * xm])[0]
        return weibull_nll(x[1:] / psi, psi, k)

    bounds = [(1e-6, None), (0.0, 1.0), (0.0, 0.9999), (0.05, 20)]
    res = optimize.minimize(nll, [0.05, 0.05, 0.9, 0.9], method="L-BFGS-B", bounds=bounds)
    return np.asarray(res.x)


def riskkit_fit(x: np.ndarray) -> np.ndarray:
    return rd.ACD(dist="weibull").fit(x).params.to_numpy()


def best_of(fn, x: np.ndarray, repeat: int) -> tuple[float, np.ndarray]:
    best, out = np.inf, None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn(x)
        best = min(best, time.perf_counter() - t)
    return best, out


def cold_compile_seconds() -> float:
    """First fit in a fresh process with an empty Numba cache (compilation included)."""
    code = (
        "import time, numpy as np, riskkit.durations as rd\n"
        "x = np.random.default_rng(0).exponential(size=1000)\n"
        "t = time.perf_counter(); rd.ACD(dist='weibull').fit(x); print(time.perf_counter() - t)\n"
    )
    with tempfile.TemporaryDirectory() as d:
        env = {**os.environ, "NUMBA_CACHE_DIR": d}
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    x = load()
    riskkit_fit(x)  # warm-up (cache load / compile)
    t_rk, p_rk = best_of(riskkit_fit, x, 5)
    t_lf, p_lf = best_of(lfilter_fit, x, 3)
    t_nv, p_nv = best_of(naive_fit, x, 2)
    compile_s = cold_compile_seconds()
    print(
        f"ACD(1,1)-Weibull on {x.shape[0]:,} diurnally adjusted IBM trade durations (best of N)\n"
    )
    print("| implementation | time (s) | ratio vs riskkit | omega | alpha | beta | shape |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, t, p in (
        ("riskkit `ACD(dist='weibull').fit` (incl. Hessian + sandwich s.e.)", t_rk, p_rk),
        ("numpy Python-loop recursion + scipy L-BFGS-B (no s.e.)", t_nv, p_nv),
        ("scipy.signal.lfilter recursion + scipy L-BFGS-B (no s.e.)", t_lf, p_lf),
    ):
        print(
            f"| {name} | {t:.3f} | {t / t_rk:.1f}x | {p[0]:.5f} | {p[1]:.5f} | {p[2]:.5f} | {p[3]:.5f} |"
        )
    print(
        f"\nFirst call in a fresh process with an empty Numba cache (compilation): {compile_s:.1f} s"
    )


if __name__ == "__main__":
    main()
