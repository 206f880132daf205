"""Head-to-head timings of riskkit's backtest statistics against peer implementations.

Peers (same data, same process, warm-up excluded, best of N with time.perf_counter):

* Diebold-Mariano: statsmodels OLS of the loss differential on a constant with a HAC
  (Newey-West) covariance, the usual way to get the DM statistic from statsmodels.
* Christoffersen-Pelletier: a direct joint maximisation of the censored Weibull
  likelihood with scipy.stats.weibull_min (what one writes without the profile trick).
* Berkowitz (full): statsmodels ARIMA(1, 0, 0) exact maximum likelihood.
* Model confidence set: arch.bootstrap.MCS directly (riskkit wraps it: overhead only).

Run: ``python benchmarks/bench_backtest.py``; prints a markdown table.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import optimize, stats


def best_of(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def _cp_scipy(h: np.ndarray) -> float:
    t = np.flatnonzero(h) + 1
    d = np.concatenate(([t[0]], np.diff(t), [h.size - t[-1]])).astype(float)
    c = np.zeros(d.size)
    c[0] = 1.0 if h[0] == 0 else 0.0
    c[-1] = 1.0

    def nll(th: np.ndarray) -> float:
        dist = stats.weibull_min(math.exp(th[1]), scale=math.exp(-th[0]))
        return -float(np.sum((1 - c) * dist.logpdf(d) + c * dist.logsf(d)))

    res1 = optimize.minimize(nll, [math.log(1 / d.mean()), 0.0], method="Nelder-Mead")
    res0 = optimize.minimize_scalar(lambda la: nll(np.array([la, 0.0])), (-6, 0))
    return 2 * (res0.fun - res1.fun)


def main() -> None:
    import statsmodels.api as sm
    from arch.bootstrap import MCS
    from statsmodels.tsa.arima.model import ARIMA

    import riskkit as rk
    from riskkit.backtest import comparison, es_tests, scoring

    rng = np.random.default_rng(0)
    n = 5000
    x = rng.standard_normal(n)
    h = (x < stats.norm.ppf(0.05)).astype(float)
    u = stats.norm.cdf(x)
    l1 = scoring.tick_loss(x, np.full(n, 1.645), 0.05)
    l2 = scoring.tick_loss(x, np.full(n, 1.5), 0.05)

    # first-call (compile) time of the kernels, reported separately
    t0 = time.perf_counter()
    comparison.diebold_mariano(l1, l2, lags=5, kernel="bartlett")
    rk.tests.christoffersen_pelletier(hits=h, alpha=0.05)
    compile_time = time.perf_counter() - t0

    rows = []

    def add(task: str, ours: Callable[[], object], peer: Callable[[], object], peer_name: str):
        ours()
        peer()
        t_ours, t_peer = best_of(ours), best_of(peer)
        rows.append((task, t_ours, peer_name, t_peer, t_peer / t_ours))

    add(
        f"Diebold-Mariano, n={n}, 5 Bartlett lags",
        lambda: comparison.diebold_mariano(l1, l2, lags=5, kernel="bartlett", hln=False),
        lambda: sm.OLS(l1 - l2, np.ones(n)).fit(cov_type="HAC", cov_kwds={"maxlags": 5}).tvalues,
        "statsmodels OLS+HAC",
    )
    warnings.simplefilter("ignore", RuntimeWarning)  # scipy peer: log(0) at trial points
    add(
        f"Christoffersen-Pelletier, n={n}",
        lambda: rk.tests.christoffersen_pelletier(hits=h, alpha=0.05),
        lambda: _cp_scipy(h),
        "scipy joint Weibull MLE",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        add(
            f"Berkowitz LR (AR(1) exact MLE), n={n}",
            lambda: es_tests.berkowitz(u),
            lambda: ARIMA(stats.norm.ppf(u), order=(1, 0, 0), trend="c").fit(),
            "statsmodels ARIMA",
        )
    losses = pd.DataFrame({"a": l1, "b": l2, "c": scoring.tick_loss(x, np.full(n, 1.8), 0.05)})
    add(
        "model confidence set, 3 models, 500 reps",
        lambda: comparison.model_confidence_set(losses, 0.1, reps=500, seed=1),
        lambda: MCS(losses, 0.1, reps=500, seed=np.random.default_rng(1)).compute(),
        "arch MCS",
    )

    print(f"first-call compile time of the backtest kernels: {compile_time:.3f} s\n")
    print("| task | riskkit (s) | peer | peer (s) | peer / riskkit |")
    print("|---|---:|---|---:|---:|")
    for task, t_ours, peer_name, t_peer, ratio in rows:
        print(f"| {task} | {t_ours:.4f} | {peer_name} | {t_peer:.4f} | {ratio:.1f}x |")

    # riskkit-only timings (no Python peer exists for these statistics)
    var, es = np.full(n, 1.645), np.full(n, 2.063)
    solo = [
        (
            "Kupiec + Christoffersen cc + Haas TBF (asymptotic)",
            lambda: (
                rk.tests.kupiec(hits=h, alpha=0.05),
                rk.tests.christoffersen(hits=h, alpha=0.05),
                rk.tests.haas(hits=h, alpha=0.05),
            ),
        ),
        (
            "Acerbi-Szekely Z2, 1000 simulations",
            lambda: es_tests.acerbi_szekely(
                x, var, es, 0.05, test="z2", scale=1.0, n_sim=1000, seed=0
            ),
        ),
        ("McNeil-Frey, 2000 bootstrap samples", lambda: es_tests.mcneil_frey(x, var, es, seed=0)),
    ]
    print("\n| riskkit only | time (s) |")
    print("|---|---:|")
    for name, fn in solo:
        fn()
        print(f"| {name}, n={n} | {best_of(fn):.4f} |")


if __name__ == "__main__":
    main()
