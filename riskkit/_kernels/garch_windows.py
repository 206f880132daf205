"""Batched rolling/expanding refits of the GARCH family in one compiled call.

:func:`fit_windows_kernel` runs the compiled BFGS of
:mod:`riskkit._kernels.garch_opt` over many windows of one series, each window
rescaled by its own standard deviation and warm-started from the previous optimum.
"""

from __future__ import annotations

import math

import numpy as np

from riskkit._jit import jit, register_warmup
from riskkit._kernels.garch import GARCH, garch_filter, loglik
from riskkit._kernels.garch_opt import BIG, bfgs, ols_backcast, warmup_problem


@jit
def window_scales(y: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Standard deviation (two-pass, ``ddof=0``) of ``y[starts[w]:ends[w]]`` for every window."""
    nw = starts.shape[0]
    out = np.empty(nw)
    for w in range(nw):
        a = starts[w]
        b = ends[w]
        mu = 0.0
        for t in range(a, b):
            mu += y[t]
        mu /= b - a
        ss = 0.0
        for t in range(a, b):
            ss += (y[t] - mu) * (y[t] - mu)
        out[w] = math.sqrt(ss / (b - a))
    return out


@jit
def _fit_window(
    phi: np.ndarray,
    phi0: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    G: np.ndarray,
    h: np.ndarray,
    A: np.ndarray,
    c: np.ndarray,
    yw: np.ndarray,
    xw: np.ndarray,
    spec: np.ndarray,
    bc: float,
    maxiter: int,
    gtol: float,
    hprev: np.ndarray,
) -> tuple:
    """BFGS on one window from the warm start ``phi`` (and matrix ``hprev``).

    If that does not converge, two compiled restarts follow before anything is
    flagged: from the point reached with a fresh BHHH matrix (a stale warm-start
    matrix is the usual culprit), then from the grid start ``phi0``. The best
    converged result wins (else the lowest objective). Returns ``bfgs``'s tuple.
    """
    kf = phi.shape[0]
    start = phi.copy()
    for j in range(kf):
        start[j] = min(max(start[j], low[j] + 1e-9), high[j] - 1e-9)
    best = bfgs(start, low, high, G, h, A, c, yw, xw, spec, bc, maxiter, gtol, hprev)
    if best[2]:
        return best
    for attempt in range(2):
        if attempt == 0:
            start = best[0].copy() if best[1] < BIG else phi0.copy()
        else:
            start = phi0.copy()
        for j in range(kf):
            start[j] = min(max(start[j], low[j] + 1e-9), high[j] - 1e-9)
        res = bfgs(start, low, high, G, h, A, c, yw, xw, spec, bc, maxiter, gtol, np.zeros((0, 0)))
        if (res[2] and not best[2]) or (res[2] == best[2] and res[1] < best[1]):
            best = res
        if best[2]:
            break
    return best


@jit
def fit_windows_kernel(
    y: np.ndarray,
    x: np.ndarray,
    x_next: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    scales: np.ndarray,
    xscale: np.ndarray,
    phi0: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    G: np.ndarray,
    h: np.ndarray,
    A: np.ndarray,
    c: np.ndarray,
    spec: np.ndarray,
    rule: int,
    maxiter: int,
    gtol: float,
) -> tuple:
    """Warm-started refits on rows ``[starts[w], ends[w])`` of the design ``(y, x)``.

    Window ``w`` is fitted on ``y / scales[w]`` (regressor columns with ``xscale[j] = 1``,
    the lagged returns, are divided by ``scales[w]`` too), so its estimates use only data
    of that window -- the same problem as fitting it alone. ``x_next[w]`` is the (unscaled)
    design row of the day after window ``w``. Returns ``(theta (nw x k), loglik,
    converged, iterations, sigma2_next, mean_next)``, each window on its own scale.
    Bounds that depend on the data (omega) are given for unit variance and rescaled by
    each window's residual variance. Each window starts from the previous converged
    optimum (and its BFGS matrix); see :func:`_fit_window` for the restarts.
    """
    nw = starts.shape[0]
    k = A.shape[0]
    nma = spec[0]
    vol = spec[1]
    p = spec[2]
    o = spec[3]
    q = spec[4]
    kx = x.shape[1]
    iv = kx + nma
    m = max(p, max(o, q))
    thetas = np.full((nw, k), np.nan)
    lls = np.full(nw, np.nan)
    conv = np.zeros(nw, dtype=np.bool_)
    iters = np.zeros(nw, dtype=np.int64)
    s2n = np.full(nw, np.nan)
    mun = np.full(nw, np.nan)
    phi = phi0.copy()
    hprev = np.zeros((0, 0))
    for w in range(nw):
        a = starts[w]
        b = ends[w]
        sw = scales[w]
        yw = y[a:b] / sw
        xw = x[a:b].copy()
        for j in range(kx):
            if xscale[j] == 1:
                for t in range(b - a):
                    xw[t, j] /= sw
        _, bc, v = ols_backcast(yw, xw, rule)
        # data-dependent bounds of omega scale with the window's variance
        low = lo.copy()
        high = hi.copy()
        for j in range(phi.shape[0]):
            if A[iv, j] == 1.0:
                if vol == GARCH:
                    low[j] = lo[j] * v
                    high[j] = hi[j] * v
                else:
                    low[j] = lo[j] + math.log(v)
                    high[j] = hi[j] + math.log(v)
        res = _fit_window(phi, phi0, low, high, G, h, A, c, yw, xw, spec, bc, maxiter, gtol, hprev)
        phi_w = res[0]
        conv[w] = res[2]
        iters[w] = res[3]
        theta = A @ phi_w + c
        ll, _, _, s2, eps = loglik(theta, yw, xw, nma, vol, p, o, q, spec[5], spec[6], bc, False)
        thetas[w] = theta
        lls[w] = ll
        if math.isfinite(ll):
            if conv[w]:
                phi = phi_w.copy()
                hprev = np.ascontiguousarray(res[4])
            n = yw.shape[0]
            nxt = garch_filter(
                theta[iv : iv + 1 + p + o + q],
                eps[n - m : n][:0],
                vol,
                p,
                o,
                q,
                eps[n - m : n].copy(),
                s2[n - m : n].copy(),
            )
            s2n[w] = nxt[0]
            mu = 0.0
            for j in range(kx):
                xj = x_next[w, j] / sw if xscale[j] == 1 else x_next[w, j]
                mu += xj * theta[j]
            for j in range(nma):
                mu += theta[kx + j] * eps[n - 1 - j]
            mun[w] = mu
    return thetas, lls, conv, iters, s2n, mun


@register_warmup
def _warmup() -> None:
    y, x, A, c, lo, hi, G, h, spec, phi = warmup_problem()
    starts = np.array([0, 5])
    ends = np.array([55, 60])
    scales = window_scales(y, starts, ends)
    xscale = np.zeros(1, dtype=np.int64)
    fit_windows_kernel(
        y, x, x[:2], starts, ends, scales, xscale, phi, lo, hi, G, h, A, c, spec, 0, 5, 1e-6
    )
