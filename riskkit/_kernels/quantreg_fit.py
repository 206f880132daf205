"""Drivers of the exact quantile regression solver: large-n preprocessing, many tau,
bootstrap replicates.

The LP machinery (interior point, vertex identification, certified simplex) lives in
:mod:`riskkit._kernels.quantreg`; this module combines it:

* ``rq_fit`` -- one tau, optionally warm-started from a basis; n >= ``PPRO_MIN`` uses
  ``rq_fit_ppro`` (Portnoy & Koenker 1997, sec. 6 preprocessing);
* ``rq_fit_many`` -- several tau, warm-started from the previous optimal basis for
  small n (``WARM_MAX_N``);
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
    check_loss,
    rq_fit_direct,
    rq_interior,
    solve_from,
)

__all__ = [
    "CYCLING",
    "MAXITER",
    "OPTIMAL",
    "PPRO_MIN",
    "SINGULAR",
    "WARM_MAX_N",
    "check_loss",
    "rq_bootstrap",
    "rq_fit",
    "rq_fit_many",
    "rq_fit_ppro",
    "smallest_abs",
    "standardise",
]


# relative duality gap at which the pilot fit of the preprocessing stops
PILOT_TOL = 1e-3


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
def _take_rows(X: np.ndarray, y: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows ``idx`` of X and y as new C-contiguous arrays."""
    m = idx.shape[0]
    p = X.shape[1]
    Xs = np.empty((m, p))
    ys = np.empty(m)
    for j in range(m):
        for k in range(p):
            Xs[j, k] = X[idx[j], k]
        ys[j] = y[idx[j]]
    return Xs, ys


@jit
def _band_scores(
    X: np.ndarray, y: np.ndarray, beta: np.ndarray, Xs: np.ndarray
) -> tuple[np.ndarray, bool]:
    """Standardised residuals ``z_i = r_i / sqrt(x_i' (Xs'Xs)^{-1} x_i)`` of the pilot fit.

    ``x_i'(Xs'Xs)^{-1} x_i = ||L^{-1} x_i||^2`` with ``L L' = Xs'Xs`` (Cholesky). Returns
    ``(z, ok)``; ``ok`` is False when ``Xs'Xs`` is not positive definite.
    """
    n, p = X.shape
    G = np.zeros((p, p))
    for j in range(Xs.shape[0]):
        for k in range(p):
            v = Xs[j, k]
            for q in range(k + 1):
                G[k, q] += v * Xs[j, q]
    L = np.zeros((p, p))
    for j in range(p):
        sjj = G[j, j]
        for k in range(j):
            sjj -= L[j, k] * L[j, k]
        if not sjj > 1e-13 * G[j, j]:
            return np.empty(0), False
        L[j, j] = math.sqrt(sjj)
        for i in range(j + 1, p):
            t = G[i, j]
            for k in range(j):
                t -= L[i, k] * L[j, k]
            L[i, j] = t / L[j, j]
    # Li = L^{-1} (lower triangular), so each row costs p(p+1)/2 independent products
    Li = np.zeros((p, p))
    for j in range(p):
        Li[j, j] = 1.0 / L[j, j]
        for i in range(j + 1, p):
            t = 0.0
            for k in range(j, i):
                t -= L[i, k] * Li[k, j]
            Li[i, j] = t / L[i, i]
    z = np.empty(n)
    for i in range(n):
        r = y[i]
        quad = 0.0
        for k in range(p):
            r -= X[i, k] * beta[k]
            t = 0.0
            for q in range(k + 1):
                t += Li[k, q] * X[i, q]
            quad += t * t
        z[i] = r / max(math.sqrt(quad), 1e-300)
    return z, True


@jit
def _reduced_problem(
    X: np.ndarray, y: np.ndarray, below: np.ndarray, above: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Observations in the band plus the two globs (sums of the rows below / above).

    Returns ``(Xr, yr, where)``; ``where[j]`` is the row of X behind row j of Xr
    (-1 for the globs, the last two rows).
    """
    n, p = X.shape
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
            for k in range(p):
                Xr[j, k] = X[i, k]
            yr[j] = y[i]
            where[j] = i
            j += 1
    where[nmid] = -1
    where[nmid + 1] = -1
    return Xr, yr, where


@jit
def _fix_signs(
    X: np.ndarray, y: np.ndarray, beta: np.ndarray, below: np.ndarray, above: np.ndarray
) -> int:
    """Return the observations of a glob on the wrong side of ``X beta`` to the band."""
    n, p = X.shape
    nbad = 0
    for i in range(n):
        if below[i] or above[i]:
            t = y[i]
            for k in range(p):
                t -= X[i, k] * beta[k]
            if (below[i] and t > 0.0) or (above[i] and t < 0.0):
                below[i] = False
                above[i] = False
                nbad += 1
    return nbad


@jit
def rq_fit_ppro(
    X: np.ndarray, y: np.ndarray, tau: float, tol: float, maxit: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """Exact regression quantile for large n with preprocessing.

    Portnoy & Koenker (1997, sec. 6): fit a subsample of size
    m = sqrt(2p) n^(2/3) (interior point to the relative gap ``PILOT_TOL``: the
    pilot only positions the band), predict which observations lie surely below / above
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
        Xs, ys = _take_rows(X, y, _subsample(n, m, seed))
        # the pilot only places the band, so an interior point to a loose gap is enough
        # (no vertex needed): errors in it cost at most a fix-up round, never exactness
        b0, _a0, _it0, _conv0 = rq_interior(Xs, ys, tau, PILOT_TOL, maxit)
        finite = True
        for k in range(p):
            finite = finite and math.isfinite(b0[k])
        if not finite:
            break
        z, ok = _band_scores(X, y, b0, Xs)
        if not ok:
            break
        lo_q = max(1.0 / n, tau - m / (2.0 * n))
        hi_q = min(tau + m / (2.0 * n), (n - 1.0) / n)
        # two order statistics of z: a partial sort (introselect) instead of a full one
        ilo = min(n - 1, int(lo_q * n))
        ihi = min(n - 1, int(hi_q * n))
        zp = np.partition(z, np.array([ilo, ihi]))
        below = z < zp[ilo]
        above = z > zp[ihi]
        fixups = 0
        while fixups < 6:
            fixups += 1
            Xr, yr, where = _reduced_problem(X, y, below, above)
            b, hr, st = rq_fit_direct(Xr, yr, tau, tol, maxit)
            if st != OPTIMAL:
                break
            nbad = _fix_signs(X, y, b, below, above)
            if nbad == 0:
                hfull = where[hr]
                if np.all(hfull >= 0):
                    beta, h, status = solve_from(X, y, tau, hfull, 10 * p + 10)
                    if status == OPTIMAL:
                        return beta, h, status
                break
            if nbad > 0.1 * m:
                break
        m *= 2
        seed += 1
    return rq_fit_direct(X, y, tau, tol, maxit)


# Preprocessing pays from about n = 700 on (pilot m = sqrt(2p) n^(2/3) rows, reduced
# problem of about m rows); below PPRO_MIN the interior point runs on all rows.
PPRO_MIN = 1000
# A warm start from a neighbouring tau needs some 10-30 simplex pivots of O(n log n)
# each; from about n = 100 on a fresh interior point solve is cheaper.
WARM_MAX_N = 100


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

    With ``warm`` the simplex starts at basis ``h0`` and is abandoned after
    ``warm_pivots`` pivots (callers warm-start only when few pivots are expected:
    a nearby parametric-path vertex, or n below ``WARM_MAX_N``). Otherwise, or
    if that fails, n >= ``PPRO_MIN`` uses the preprocessing solver and smaller
    problems the interior point on all rows.
    """
    n = X.shape[0]
    if warm:
        beta, h, status = solve_from(X, y, tau, h0, warm_pivots)
        if status == OPTIMAL:
            return beta, h, status
    if n >= PPRO_MIN:
        return rq_fit_ppro(X, y, tau, tol, maxit)
    return rq_fit_direct(X, y, tau, tol, maxit)


@jit
def rq_fit_many(
    X: np.ndarray, y: np.ndarray, taus: np.ndarray, tol: float, maxit: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Regression quantiles for each tau (in the given order).

    Each tau is warm-started from the previous optimal basis when n < ``WARM_MAX_N``.

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
            warm = X.shape[0] < WARM_MAX_N
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


@jit
def standardise(
    X: np.ndarray, y: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
    """Scaled, weighted problem ``Xs = diag(w) X / sx``, ``ys = w y / sy``.

    ``sx`` holds the population standard deviations of the columns of X (1 for a
    constant column), ``sy`` that of y (``max |y|``, or 1, when it is zero or not
    finite). ``w`` of length 0 means unit weights. Returns ``(Xs, ys, sy, sx)``.
    Written as one compiled pass per moment because numpy's column-wise ``std`` and
    broadcast scaling of a tall narrow array cost several temporaries each.
    """
    n, p = X.shape
    weighted = w.shape[0] > 0
    mx = np.zeros(p)
    my = 0.0
    for i in range(n):
        my += y[i]
        for k in range(p):
            mx[k] += X[i, k]
    my /= n
    for k in range(p):
        mx[k] /= n
    vx = np.zeros(p)
    vy = 0.0
    ymax = 0.0
    for i in range(n):
        e = y[i] - my
        vy += e * e
        ymax = max(ymax, abs(y[i]))
        for k in range(p):
            e = X[i, k] - mx[k]
            vx[k] += e * e
    sy = math.sqrt(vy / n)
    if not (math.isfinite(sy) and sy > 0.0):
        sy = ymax if ymax > 0.0 else 1.0
    isx = np.empty(p)
    sx = np.empty(p)
    for k in range(p):
        sk = math.sqrt(vx[k] / n)
        sx[k] = sk if sk != 0.0 else 1.0
        isx[k] = 1.0 / sx[k]
    isy = 1.0 / sy
    Xs = np.empty((n, p))
    ys = np.empty(n)
    for i in range(n):
        wi = w[i] if weighted else 1.0
        ys[i] = y[i] * isy * wi
        for k in range(p):
            Xs[i, k] = X[i, k] * isx[k] * wi
    return Xs, ys, sy, sx


@jit
def smallest_abs(r: np.ndarray, m: int) -> np.ndarray:
    """The m entries of r smallest in absolute value, ordered by ``|r|`` (ties by position).

    The same entries as ``r[np.argsort(np.abs(r), kind="stable")[:m]]``, found by
    selecting the m-th order statistic (introselect) and sorting only the entries at
    or below it.
    """
    n = r.shape[0]
    a = np.abs(r)
    if m >= n:
        return r[np.argsort(a, kind="mergesort")]
    thr = np.partition(a, m - 1)[m - 1]
    cnt = 0
    for i in range(n):
        if a[i] <= thr:
            cnt += 1
    cand = np.empty(cnt, dtype=np.int64)
    j = 0
    for i in range(n):
        if a[i] <= thr:
            cand[j] = i
            j += 1
    order = np.argsort(a[cand], kind="mergesort")
    out = np.empty(m)
    for j in range(m):
        out[j] = r[cand[order[j]]]
    return out


@register_warmup
def _warmup() -> None:
    X = np.ones((6, 2))
    X[:, 1] = np.arange(6.0)
    y = np.array([0.1, 1.3, 1.9, 3.2, 4.1, 4.8])
    rq_fit_many(X, y, np.array([0.3, 0.5]), 1e-10, 50)
    rq_bootstrap(X, y, 0.5, np.zeros((1, 6), dtype=np.int64) + np.arange(6), 1e-10, 50)
    check_loss(y, 0.5)
    standardise(X, y, np.empty(0))
    smallest_abs(y - 2.0, 3)
