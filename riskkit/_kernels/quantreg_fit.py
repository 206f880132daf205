"""Drivers of the exact quantile regression solver: large-n preprocessing, many tau,
bootstrap replicates.

The LP machinery (interior point, vertex identification, certified simplex) lives in
:mod:`riskkit._kernels.quantreg`; this module combines it:

* ``rq_fit`` -- one tau, optionally warm-started from a basis; n >= ``PPRO_MIN`` uses
  ``rq_fit_ppro`` (Portnoy & Koenker 1997, sec. 6 preprocessing);
* ``rq_fit_many`` -- several tau, each warm-started from the previous optimal basis;
* ``rq_bootstrap`` -- xy-pairs bootstrap refits in one compiled loop.

Status codes as in :mod:`riskkit._kernels.quantreg` (0 optimal).
"""

from __future__ import annotations

import math

import numpy as np

from riskkit._jit import jit, register_warmup
from riskkit._kernels.quantreg import (
    CYCLING,
    MAXITER,
    OPTIMAL,
    SINGULAR,
    _inverse,
    check_loss,
    rq_fit_direct,
    solve_from,
)

__all__ = [
    "CYCLING",
    "MAXITER",
    "OPTIMAL",
    "PPRO_MIN",
    "SINGULAR",
    "check_loss",
    "rq_bootstrap",
    "rq_fit",
    "rq_fit_many",
    "rq_fit_ppro",
]


@jit
def _subsample(n: int, m: int, seed: int) -> np.ndarray:
    """m distinct indices out of n (partial Fisher-Yates with xorshift64), sorted."""
    perm = np.arange(n)
    state = np.uint64(seed) * np.uint64(2685821657736338717) + np.uint64(1)
    for i in range(m):
        state ^= state << np.uint64(13)
        state ^= state >> np.uint64(7)
        state ^= state << np.uint64(17)
        j = i + int(state % np.uint64(n - i))
        t = perm[i]
        perm[i] = perm[j]
        perm[j] = t
    return np.sort(perm[:m])


@jit
def rq_fit_ppro(
    X: np.ndarray, y: np.ndarray, tau: float, tol: float, maxit: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """Exact regression quantile for large n with preprocessing.

    Portnoy & Koenker (1997, sec. 6): fit a subsample of size
    m = sqrt(2p) n^(2/3), predict which observations lie surely below / above
    the solution (outside a band of width ~ sqrt(x_i'(X_s'X_s)^{-1}x_i)), replace
    each group by one "glob" observation (the sums of its rows: its check loss is
    linear as long as the signs are right), solve the reduced problem, and
    repeat with fixed-up groups while any predicted sign is wrong. The optimal
    basis found is then certified (or improved by simplex pivots) on all data,
    so the result is exact whatever the preprocessing did.
    """
    n, p = X.shape
    m = int(math.sqrt(2.0 * p) * n ** (2.0 / 3.0))
    seed = 1
    while m < n // 2:
        idx = _subsample(n, m, seed)
        Xs = np.empty((m, p))
        ys = np.empty(m)
        for j in range(m):
            Xs[j] = X[idx[j]]
            ys[j] = y[idx[j]]
        b0, _h0, st0 = rq_fit_direct(Xs, ys, tau, tol, maxit)
        if st0 != OPTIMAL:
            break
        # band_i = || x_i' R^{-1} ||, R'R = Xs'Xs
        G = np.zeros((p, p))
        for j in range(m):
            for k in range(p):
                for q in range(k + 1):
                    G[k, q] += Xs[j, k] * Xs[j, q]
        for k in range(p):
            for q in range(k):
                G[q, k] = G[k, q]
        Ginv, ok = _inverse(G)
        if not ok:
            break
        r = np.empty(n)
        z = np.empty(n)
        for i in range(n):
            t = y[i]
            for k in range(p):
                t -= X[i, k] * b0[k]
            r[i] = t
            quad = 0.0
            for k in range(p):
                v = 0.0
                for q in range(p):
                    v += Ginv[k, q] * X[i, q]
                quad += X[i, k] * v
            z[i] = t / max(math.sqrt(max(quad, 0.0)), 1e-300)
        lo_q = max(1.0 / n, tau - m / (2.0 * n))
        hi_q = min(tau + m / (2.0 * n), (n - 1.0) / n)
        zs = np.sort(z)
        klo = zs[min(n - 1, int(lo_q * n))]
        khi = zs[min(n - 1, int(hi_q * n))]
        below = z < klo
        above = z > khi
        fixups = 0
        while fixups < 6:
            fixups += 1
            nmid = 0
            for i in range(n):
                if not below[i] and not above[i]:
                    nmid += 1
            nr = nmid + 2
            Xr = np.zeros((nr, p))
            yr = np.zeros(nr)
            where = np.empty(nr, dtype=np.int64)
            j = 0
            for i in range(n):
                if below[i]:
                    for k in range(p):
                        Xr[nmid, k] += X[i, k]
                    yr[nmid] += y[i]
                elif above[i]:
                    for k in range(p):
                        Xr[nmid + 1, k] += X[i, k]
                    yr[nmid + 1] += y[i]
                else:
                    Xr[j] = X[i]
                    yr[j] = y[i]
                    where[j] = i
                    j += 1
            where[nmid] = -1
            where[nmid + 1] = -1
            b, hr, st = rq_fit_direct(Xr, yr, tau, tol, maxit)
            if st != OPTIMAL:
                break
            nbad = 0
            for i in range(n):
                if below[i] or above[i]:
                    t = y[i]
                    for k in range(p):
                        t -= X[i, k] * b[k]
                    if (below[i] and t > 0.0) or (above[i] and t < 0.0):
                        below[i] = False
                        above[i] = False
                        nbad += 1
            if nbad == 0:
                hfull = np.empty(p, dtype=np.int64)
                okmap = True
                for k in range(p):
                    hfull[k] = where[hr[k]]
                    if hfull[k] < 0:
                        okmap = False
                if okmap:
                    beta, h, status = solve_from(X, y, tau, hfull, 10 * p + 10)
                    if status == OPTIMAL:
                        return beta, h, status
                break
            if nbad > 0.1 * m:
                break
        m *= 2
        seed += 1
    return rq_fit_direct(X, y, tau, tol, maxit)


PPRO_MIN = 5000


@jit
def rq_fit(
    X: np.ndarray,
    y: np.ndarray,
    tau: float,
    h0: np.ndarray,
    warm: bool,
    warm_pivots: int,
    tol: float,
    maxit: int,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Exact regression quantile; returns (beta, basis, status).

    With ``warm`` (and n below ``PPRO_MIN``) the simplex starts at basis ``h0``
    and is abandoned after ``warm_pivots`` pivots. Large problems use the
    preprocessing solver.
    """
    n = X.shape[0]
    if n >= PPRO_MIN:
        return rq_fit_ppro(X, y, tau, tol, maxit)
    if warm:
        beta, h, status = solve_from(X, y, tau, h0, warm_pivots)
        if status == OPTIMAL:
            return beta, h, status
    return rq_fit_direct(X, y, tau, tol, maxit)


@jit
def rq_fit_many(
    X: np.ndarray, y: np.ndarray, taus: np.ndarray, tol: float, maxit: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Regression quantiles for each tau (in the given order), warm-started.

    Returns (coefficients (k, p), bases (k, p), statuses (k,)).
    """
    p = X.shape[1]
    k = taus.shape[0]
    B = np.zeros((k, p))
    H = np.zeros((k, p), dtype=np.int64)
    S = np.zeros(k, dtype=np.int64)
    h = np.zeros(p, dtype=np.int64)
    warm = False
    cap = 20 * p + 20
    for j in range(k):
        beta, h2, status = rq_fit(X, y, taus[j], h, warm, cap, tol, maxit)
        B[j] = beta
        H[j] = h2
        S[j] = status
        if status == OPTIMAL:
            h = h2
            warm = True
    return B, H, S


@jit
def rq_bootstrap(
    X: np.ndarray, y: np.ndarray, tau: float, idx: np.ndarray, tol: float, maxit: int
) -> tuple[np.ndarray, np.ndarray]:
    """xy-pairs bootstrap: one fit per row of ``idx`` (resampled row numbers)."""
    R, n = idx.shape
    p = X.shape[1]
    out = np.zeros((R, p))
    status = np.zeros(R, dtype=np.int64)
    Xb = np.empty((n, p))
    yb = np.empty(n)
    h = np.zeros(p, dtype=np.int64)
    for rep in range(R):
        for i in range(n):
            Xb[i] = X[idx[rep, i]]
            yb[i] = y[idx[rep, i]]
        beta, _h2, st = rq_fit(Xb, yb, tau, h, False, 0, tol, maxit)
        out[rep] = beta
        status[rep] = st
    return out, status


@register_warmup
def _warmup() -> None:
    X = np.ones((6, 2))
    X[:, 1] = np.arange(6.0)
    y = np.array([0.1, 1.3, 1.9, 3.2, 4.1, 4.8])
    rq_fit_many(X, y, np.array([0.3, 0.5]), 1e-10, 50)
    rq_bootstrap(X, y, 0.5, np.zeros((1, 6), dtype=np.int64) + np.arange(6), 1e-10, 50)
    check_loss(y, 0.5)
