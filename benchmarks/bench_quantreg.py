"""Head-to-head: riskkit QuantReg vs statsmodels QuantReg (same data, one process).

Run: ``python benchmarks/bench_quantreg.py``. Prints a markdown table of best-of-N
wall times (time.perf_counter), the speed ratio and both objectives (riskkit's is
the exact LP optimum; statsmodels' IRLS is approximate). First-call (compile or
cache-load) time of riskkit is reported separately and excluded from the ratio.
"""

from __future__ import annotations

import time
import warnings

import numpy as np


def _best(fn, repeat: int) -> float:
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _loss(y: np.ndarray, X: np.ndarray, b: np.ndarray, tau: float) -> float:
    u = y - X @ b
    return float(np.sum(u * (tau - (u < 0))))


def main() -> None:
    import statsmodels.api as sm

    from riskkit.regression import QuantReg

    rng = np.random.default_rng(20261123)
    p = 5
    t0 = time.perf_counter()
    Xw = rng.standard_normal((50, p - 1))
    QuantReg(tau=0.5, se="iid").fit(Xw @ np.ones(p - 1) + rng.standard_normal(50), Xw)
    Xw = rng.standard_normal((6000, p - 1))
    QuantReg(tau=0.5, se="iid").fit(Xw @ np.ones(p - 1) + rng.standard_normal(6000), Xw)
    first = time.perf_counter() - t0
    rows = []
    for n in (10_000, 100_000):
        X = rng.standard_normal((n, p - 1))
        y = X @ np.ones(p - 1) + rng.standard_t(3, n) * (1 + 0.5 * np.abs(X[:, 0]))
        Xc = np.column_stack([np.ones(n), X])
        for tau in (0.05, 0.5):
            repeat = 7 if n <= 10_000 else 3
            model = QuantReg(tau=tau, se="iid")
            t_rk = _best(lambda m=model, y=y, X=X: m.fit(y, X), repeat)
            res = model.fit(y, X)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t_sm = _best(lambda y=y, Xc=Xc, tau=tau: sm.QuantReg(y, Xc).fit(q=tau), repeat)
                sm_res = sm.QuantReg(y, Xc).fit(q=tau)
            obj_rk = res.objective
            obj_sm = _loss(y, Xc, np.asarray(sm_res.params), tau)
            rows.append((n, tau, t_rk, t_sm, obj_rk, obj_sm))
    print(f"riskkit first call (compile or cache load, excluded below): {first:.2f} s\n")
    print(
        "| n | p | tau | riskkit QuantReg (s) | statsmodels QuantReg (s) | speed-up |"
        " riskkit objective (exact) | statsmodels objective | statsmodels excess (rel.) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, tau, a, b, oa, ob in rows:
        print(
            f"| {n:,} | {p} | {tau:g} | {a:.4f} | {b:.4f} | {b / a:.1f}x | {oa:.12g} | {ob:.12g} "
            f"| {(ob - oa) / oa:.1e} |"
        )
    print(
        "\nBoth timings include the fit only (riskkit with se='iid', the cheapest covariance;"
        " statsmodels' fit always computes its default robust covariance)."
    )


if __name__ == "__main__":
    main()
