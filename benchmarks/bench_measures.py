"""Head-to-head timings of riskkit's risk measures against pandas and scipy.

Run: ``python benchmarks/bench_measures.py``. One process, same data for both sides;
the first (compile / cache-load) call of each riskkit kernel is timed separately and
excluded from the comparison, which is best-of-N with ``time.perf_counter``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import stats

import riskkit as rk


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best = float("inf")
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def first_call(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def numpy_es(w: np.ndarray, alpha: float = 0.01) -> float:
    """The obvious numpy Acerbi–Tasche ES of one window (full sort)."""
    s = np.sort(w)
    na = len(s) * alpha
    k = int(np.floor(na))
    return -(s[:k].sum() + (na - k) * s[k]) / na


def main() -> None:
    df = rk.datasets.load("sp500_stocks")
    n, m = df.shape
    alpha, window = 0.01, 250
    tiny = df.iloc[:300, :2]
    compile_s = {
        "rolling historical": first_call(lambda: rk.rolling(tiny, 50).var(alpha)),
        "rolling expectile": first_call(lambda: rk.rolling(tiny, 50).expectile(0.05)),
        "expectile": first_call(lambda: rk.expectile(tiny, 0.05)),
    }
    rows = []

    t_1, _ = best_of(lambda: rk.rolling(df, window, n_jobs=1).var(alpha), 7)
    t_rk, v_rk = best_of(lambda: rk.rolling(df, window).var(alpha), 7)
    t_pd, v_pd = best_of(lambda: -df.rolling(window).quantile(alpha, interpolation="lower"), 3)
    diff = float(np.nanmax(np.abs(v_rk.to_numpy() - v_pd.to_numpy())))
    rows.append(
        (
            f"rolling VaR, window {window}, {m} x {n}",
            "pandas rolling.quantile('lower')",
            t_rk,
            t_pd,
            diff,
        )
    )

    rows.append(
        (
            f"rolling VaR, window {window}, {m} x {n}, 1 thread (n_jobs=1)",
            "pandas rolling.quantile('lower')",
            t_1,
            t_pd,
            0.0,
        )
    )

    # a deep tail: the Fenwick tree path (columns ranked by argsort), not the tail buffer
    deep = 0.3
    t_rk, v_rk = best_of(lambda: rk.rolling(df, window).var(deep), 7)
    t_pd, v_pd = best_of(lambda: -df.rolling(window).quantile(deep, interpolation="lower"), 3)
    diff = float(np.nanmax(np.abs(v_rk.to_numpy() - v_pd.to_numpy())))
    rows.append(
        (
            f"rolling VaR alpha={deep} (tree path), window {window}, {m} x {n}",
            "pandas rolling.quantile('lower')",
            t_rk,
            t_pd,
            diff,
        )
    )

    t_1, _ = best_of(lambda: rk.rolling(df, window, n_jobs=1).es(alpha), 7)
    t_rk, e_rk = best_of(lambda: rk.rolling(df, window).es(alpha), 7)
    t_pd, e_pd = best_of(lambda: df.rolling(window).apply(numpy_es, raw=True), 1)
    diff = float(np.nanmax(np.abs(e_rk.to_numpy() - e_pd.to_numpy())))
    rows.append(
        (
            f"rolling ES, window {window}, {m} x {n}",
            "pandas rolling.apply(numpy ES)",
            t_rk,
            t_pd,
            diff,
        )
    )

    rows.append(
        (
            f"rolling ES, window {window}, {m} x {n}, 1 thread (n_jobs=1)",
            "pandas rolling.apply(numpy ES)",
            t_1,
            t_pd,
            0.0,
        )
    )

    x = np.random.default_rng(0).standard_t(4, 100_000)
    taus = np.linspace(0.005, 0.5, 10)
    t_rk, ex_rk = best_of(lambda: rk.expectile(x, taus), 7)
    t_sp, ex_sp = best_of(lambda: np.array([stats.expectile(x, t) for t in taus]), 3)
    diff = float(np.max(np.abs(ex_rk - ex_sp)))
    rows.append(("expectile, 1e5 obs, 10 levels", "scipy.stats.expectile", t_rk, t_sp, diff))

    t_rk, _ = best_of(lambda: rk.rolling(df, window).expectile(0.05), 5)
    t_pd, _ = best_of(
        lambda: df.iloc[:, :2].rolling(window).apply(lambda w: stats.expectile(w, 0.05), raw=True),
        1,
    )
    t_pd *= m / 2  # scipy loop timed on 2 of the columns, scaled to all of them
    rows.append(
        (
            f"rolling expectile, window {window}, {m} x {n}",
            "pandas rolling.apply(scipy expectile) (2 cols, scaled)",
            t_rk,
            t_pd,
            float("nan"),
        )
    )

    print(
        f"riskkit default threads (n_jobs=None): up to {os.cpu_count()} CPUs, one per 500,000 "
        f"values at most (so the {m} x {n} panel runs on one thread)"
    )
    print()
    print("| task | peer | riskkit (s) | peer (s) | speed-up | max abs diff |")
    print("|---|---|---:|---:|---:|---:|")
    for task, peer, a, b, d in rows:
        print(f"| {task} | {peer} | {a:.4f} | {b:.4f} | {b / a:.1f}x | {d:.2e} |")
    print()
    print("| first call (compile or cache load, excluded above) | seconds |")
    print("|---|---:|")
    for k, v in compile_s.items():
        print(f"| {k} | {v:.2f} |")


if __name__ == "__main__":
    main()
