"""Empirical tail rule and the Gaussian-kernel smoothed quantile/ES, as Numba kernels.

The empirical rule is shared by the unconditional historical estimator
(:mod:`riskkit.measures.historical`) and the rolling kernel
(:mod:`riskkit._kernels.rolling`), so both use exactly the same order statistics.
"""

from __future__ import annotations

import math

import numpy as np

from riskkit._jit import jit, register_warmup

SQRT2 = math.sqrt(2.0)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
# n * alpha within this relative distance of an integer is treated as that integer,
# so that e.g. 100 * 0.07 = 7.000000000000001 gives k = 7, not 8, and a float32 alpha
# (float32(0.05) = 0.0500000007...) gives the same k as the float64 one.
_INT_TOL = 1e-7


@jit
def tail_counts(n: int, alpha: float) -> tuple[int, int, float]:
    """Order-statistic indices of the empirical alpha-tail of ``n`` observations.

    Returns ``(k, w, na)`` with ``na = n * alpha``, ``k = ceil(na)`` (1-based rank of the
    VaR order statistic, at least 1) and ``w = floor(na)`` (number of observations that enter
    the Acerbi–Tasche ES with full weight). ``na`` within 1e-7 (relative) of an integer is
    rounded to it.
    """
    na = n * alpha
    r = math.floor(na + 0.5)
    if abs(na - r) <= _INT_TOL * max(1.0, na):
        na = float(r)
    k = math.ceil(na)
    w = math.floor(na)
    if k < 1:
        k = 1
    if k > n:
        k = n
    if w > n - 1:
        w = n - 1
    return k, w, na


@jit
def norm_cdf(z: float) -> float:
    return 0.5 * math.erfc(-z / SQRT2)


@jit
def norm_pdf(z: float) -> float:
    return INV_SQRT_2PI * math.exp(-0.5 * z * z)


@jit
def kernel_cdf(x: np.ndarray, h: float, q: float) -> tuple[float, float]:
    """Smoothed cdf F_h(q) = mean(Phi((q - x_i)/h)) and its derivative f_h(q)."""
    n = x.shape[0]
    f = 0.0
    d = 0.0
    for i in range(n):
        z = (q - x[i]) / h
        f += norm_cdf(z)
        d += norm_pdf(z)
    return f / n, d / (n * h)


@jit
def kernel_var_es(
    x: np.ndarray, h: float, alphas: np.ndarray, zlo: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """VaR and ES (positive losses) of the Gaussian-kernel smoothed distribution.

    ``zlo[j]`` is the standard normal ``alphas[j]``-quantile, which brackets the root:
    ``F_h(min(x) + h zlo) <= alpha <= F_h(max(x) + h zlo)``. The quantile is found by
    Newton steps safeguarded by bisection (relative tolerance 1e-14 of the bracket width
    scale). Returns ``(var, es, converged)``; ``converged`` is 1.0 or 0.0 per level.
    """
    n = x.shape[0]
    m = alphas.shape[0]
    var = np.empty(m)
    es = np.empty(m)
    conv = np.zeros(m)
    xmin = x.min()
    xmax = x.max()
    for j in range(m):
        a = alphas[j]
        lo = xmin + h * zlo[j]
        hi = xmax + h * zlo[j]
        tol = 1e-14 * (abs(lo) + abs(hi) + h)
        q = 0.5 * (lo + hi)
        for _ in range(200):
            f, d = kernel_cdf(x, h, q)
            g = f - a
            if g > 0.0:
                hi = q
            else:
                lo = q
            step_ok = False
            if d > 0.0:
                qn = q - g / d
                if lo < qn < hi:
                    step_ok = True
            if not step_ok:
                qn = 0.5 * (lo + hi)
            if abs(qn - q) <= tol or hi - lo <= tol:
                q = qn
                conv[j] = 1.0
                break
            q = qn
        # tail expectation of the mixture of N(x_i, h^2): E[X 1(X <= q)]
        pm = 0.0
        for i in range(n):
            z = (q - x[i]) / h
            pm += x[i] * norm_cdf(z) - h * norm_pdf(z)
        pm /= n
        var[j] = -q
        es[j] = -pm / a
    return var, es, conv


@register_warmup
def _warmup() -> None:
    tail_counts(10, 0.05)
    x = np.array([-1.0, 0.5, 0.2, -0.3, 1.1])
    kernel_var_es(x, 0.3, np.array([0.05, 0.1]), np.array([-1.6448536, -1.2815516]))
