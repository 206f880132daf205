"""Numba kernels of the backtesting statistics.

* :func:`hit_durations` -- the durations between VaR exceptions with the censoring
  flags of Christoffersen & Pelletier (2004), used by the duration tests.
* :func:`long_run_variance` -- the Newey-West (Bartlett) or truncated (rectangular)
  long-run variance of a demeaned series, used by the Diebold-Mariano and
  calibration tests.

Plain ndarrays in and out, no validation (the public wrappers validate).
"""

from __future__ import annotations

import numpy as np

from riskkit._jit import jit, register_warmup

__all__ = ["hit_durations", "long_run_variance"]


@jit
def hit_durations(hits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Durations between hits (float64 0/1 array) and their censoring flags.

    If the sequence does not start with a hit, the first duration is the number of
    days up to and including the first hit and is censored (flag 1). Durations between
    consecutive hits are uncensored. If the sequence does not end with a hit, the days
    after the last hit form a final censored duration. Without any hit the whole sample
    is one censored duration.
    """
    n = hits.shape[0]
    dur = np.empty(n + 1, dtype=np.float64)
    cens = np.empty(n + 1, dtype=np.float64)
    k = 0
    last = -1
    for t in range(n):
        if hits[t] > 0.5:
            if last < 0:
                if t > 0:
                    dur[k] = t + 1.0
                    cens[k] = 1.0
                    k += 1
            else:
                dur[k] = float(t - last)
                cens[k] = 0.0
                k += 1
            last = t
    if last < 0:
        dur[k] = float(n)
        cens[k] = 1.0
        k += 1
    elif last < n - 1:
        dur[k] = float(n - 1 - last)
        cens[k] = 1.0
        k += 1
    return dur[:k].copy(), cens[:k].copy()


@jit
def long_run_variance(x: np.ndarray, lags: int, bartlett: bool) -> float:
    """``gamma_0 + 2 sum_{j=1}^{lags} w_j gamma_j`` of ``x`` around its mean.

    ``w_j = 1 - j / (lags + 1)`` (Bartlett, Newey & West 1987) or ``w_j = 1``
    (rectangular, Diebold & Mariano 1995). Autocovariances divide by ``n``.
    """
    n = x.shape[0]
    m = 0.0
    for t in range(n):
        m += x[t]
    m /= n
    out = 0.0
    for t in range(n):
        out += (x[t] - m) * (x[t] - m)
    out /= n
    for j in range(1, lags + 1):
        if j >= n:
            break
        g = 0.0
        for t in range(j, n):
            g += (x[t] - m) * (x[t - j] - m)
        g /= n
        w = 1.0 - j / (lags + 1.0) if bartlett else 1.0
        out += 2.0 * w * g
    return out


@register_warmup
def _warmup() -> None:
    hit_durations(np.array([0.0, 1.0, 0.0, 1.0, 0.0]))
    long_run_variance(np.array([0.1, -0.2, 0.3, 0.0]), 1, True)
