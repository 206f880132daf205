"""Covariance estimators of linear regression quantiles (as in R quantreg's ``summary.rq``).

Every function takes the (weighted) design ``X`` and response ``y`` on which the
fit was made, ``tau``, the solution ``beta`` and returns the estimated covariance
matrix of ``beta``. The formulas follow Koenker (2005, section 3.4) and the
``summary.rq`` conventions of R quantreg (bandwidths, ``hs=TRUE`` default,
zeroing of non-positive density estimates).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special, stats

from riskkit._kernels import quantreg_fit as _k

__all__ = ["bandwidth", "cov_boot", "cov_iid", "cov_ker", "cov_nid"]

# sqrt(machine epsilon), R's .Machine$double.eps^(1/2)
SQRT_EPS = math.sqrt(np.finfo(float).eps)
IP_TOL = 1e-10
IP_MAXIT = 200


def bandwidth(tau: float, n: int, kind: str = "hall-sheather", alpha: float = 0.05) -> float:
    """Sparsity bandwidth in probability units.

    Notes
    -----
    Hall & Sheather (1988): ``h = n^{-1/3} z_{1-alpha/2}^{2/3} (1.5 phi(x0)^2 / (2 x0^2 + 1))^{1/3}``;
    Bofinger (1975): ``h = n^{-1/5} (4.5 phi(x0)^4 / (2 x0^2 + 1)^2)^{1/5}``, with
    ``x0 = Phi^{-1}(tau)`` (Koenker 2005, eq. 3.20-3.21).
    """
    # special.ndtri is what stats.norm.ppf evaluates, without the ~50 us of
    # argument checking per scalar call of a scipy.stats distribution
    x0 = float(special.ndtri(tau))
    f0 = math.exp(-0.5 * x0 * x0) / math.sqrt(2.0 * math.pi)
    if kind == "hall-sheather":
        return float(
            n ** (-1.0 / 3.0)
            * float(special.ndtri(1.0 - alpha / 2.0)) ** (2.0 / 3.0)
            * ((1.5 * f0**2) / (2.0 * x0**2 + 1.0)) ** (1.0 / 3.0)
        )
    return float(n**-0.2 * ((4.5 * f0**4) / (2.0 * x0**2 + 1.0) ** 2) ** 0.2)


def _sandwich(X: np.ndarray, f: np.ndarray, tau: float) -> np.ndarray:
    """tau (1 - tau) H^{-1} J H^{-1} with H = X' diag(f) X, J = X'X."""
    H = X.T @ (f[:, None] * X)
    J = X.T @ X
    Hinv = np.linalg.pinv(H)
    return tau * (1.0 - tau) * Hinv @ J @ Hinv


def _fit_one(X: np.ndarray, y: np.ndarray, tau: float, h0: np.ndarray) -> np.ndarray:
    warm = X.shape[0] < _k.WARM_MAX_N  # else a fresh solve is cheaper than the pivots
    beta, _h, _status = _k.rq_fit(X, y, tau, h0, warm, 20 * X.shape[1] + 20, IP_TOL, IP_MAXIT)
    return np.asarray(beta)


def cov_nid(
    X: np.ndarray, y: np.ndarray, tau: float, basis: np.ndarray, kind: str = "hall-sheather"
) -> tuple[np.ndarray, int]:
    """Hendricks & Koenker (1992) sandwich; returns ``(cov, number of non-positive f_i)``.

    Notes
    -----
    ``f_i = max(0, 2h / (x_i'(b(tau + h) - b(tau - h)) - eps))`` with ``h`` halved until
    ``tau +- h`` lies in (0, 1); ``cov = tau(1-tau) (X'FX)^{-1} X'X (X'FX)^{-1}``.
    """
    n = X.shape[0]
    h = bandwidth(tau, n, kind)
    while tau - h < 0.0 or tau + h > 1.0:
        h /= 2.0
    bhi = _fit_one(X, y, tau + h, basis)
    blo = _fit_one(X, y, tau - h, basis)
    dyhat = X @ (bhi - blo)
    n_bad = int((dyhat <= 0).sum())
    with np.errstate(divide="ignore"):
        f = np.maximum(0.0, (2.0 * h) / (dyhat - SQRT_EPS))
    f[~np.isfinite(f)] = 0.0
    return _sandwich(X, f, tau), n_bad


def cov_ker(
    X: np.ndarray, y: np.ndarray, tau: float, beta: np.ndarray, kind: str = "hall-sheather"
) -> np.ndarray:
    """Powell (1991) kernel sandwich with a Gaussian kernel.

    Notes
    -----
    ``c = (Phi^{-1}(tau+h) - Phi^{-1}(tau-h)) min(sd(u), IQR(u)/1.34)`` and
    ``f_i = phi(u_i / c) / c`` with ``u = y - X beta``.
    """
    n = X.shape[0]
    h = bandwidth(tau, n, kind)
    while tau - h < 0.0 or tau + h > 1.0:
        h /= 2.0
    u = y - X @ beta
    q75, q25 = np.quantile(u, [0.75, 0.25])
    c = (stats.norm.ppf(tau + h) - stats.norm.ppf(tau - h)) * min(
        float(np.std(u, ddof=1)), (q75 - q25) / 1.34
    )
    f = stats.norm.pdf(u / c) / c
    return _sandwich(X, f, tau)


def cov_iid(
    X: np.ndarray,
    y: np.ndarray,
    tau: float,
    beta: np.ndarray,
    kind: str = "hall-sheather",
    gram: np.ndarray | None = None,
) -> np.ndarray:
    """Koenker & Bassett (1978) iid covariance ``s^2 tau(1-tau) (X'X)^{-1}``.

    ``gram`` may pass ``X'X`` when the caller has it already.

    Notes
    -----
    The sparsity ``s`` is the slope of a median regression of the ordered
    smallest-in-absolute-value residuals on their ranks ``i / (n - p)`` (Koenker 2005,
    section 3.4.1; R quantreg ``summary.rq(se="iid")``).
    """
    n, p = X.shape
    resid = y - X @ beta
    pz = int((np.abs(resid) < SQRT_EPS).sum())
    hh = max(p + 1, math.ceil(n * bandwidth(tau, n, kind)))
    ir = np.arange(pz + 1, min(hh + pz + 1, n) + 1)
    # the `last` smallest |residuals| (stable order), as np.argsort(|r|, "stable")[:last]
    smallest = _k.smallest_abs(resid, int(ir[-1]))
    ord_resid = np.sort(smallest[ir - 1])
    xt = ir / (n - p)
    Z = np.empty((xt.size, 2))
    Z[:, 0] = 1.0
    Z[:, 1] = xt
    B, _H, _S = _k.rq_fit_many(Z, ord_resid, np.array([0.5]), IP_TOL, 200)
    sparsity = float(B[0, 1])
    G = X.T @ X if gram is None else gram
    return sparsity**2 * tau * (1.0 - tau) * np.linalg.inv(G)


def cov_boot(
    X: np.ndarray, y: np.ndarray, tau: float, n_boot: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, int]:
    """xy-pairs bootstrap covariance; returns ``(cov, replicates, n_failed)``.

    Resamples rows with replacement ``n_boot`` times (Efron 1979; Koenker 2005,
    section 3.9) and refits exactly; replicates with a singular design are dropped.
    """
    n = X.shape[0]
    idx = rng.integers(0, n, size=(n_boot, n)).astype(np.int64)
    B, status = _k.rq_bootstrap(X, y, tau, idx, IP_TOL, IP_MAXIT)
    ok = np.asarray(status) == _k.OPTIMAL
    B = np.asarray(B)[ok]
    return np.cov(B, rowvar=False).reshape(X.shape[1], X.shape[1]), B, int((~ok).sum())


def _rank_statistic(
    Z: np.ndarray, xj: np.ndarray, h: np.ndarray, r: np.ndarray, tau: float, qn: float
) -> float:
    """Regression rank-score statistic of Gutenbrunner et al. (1993) with sign scores.

    ``a_i`` are the dual values (regression rank scores) of the restricted fit of
    ``y - x_j b`` on ``Z``: 1 above, 0 below, and for the basic observations the
    values solving ``Z' a = (1 - tau) Z' 1``. ``T = x_j'(a - (1 - tau)) / sqrt(q_n tau (1 - tau))``.
    """
    n = r.shape[0]
    a = (r > 0).astype(float)
    inb = np.zeros(n, dtype=bool)
    inb[h] = True
    a[inb] = 0.0
    rhs = (1.0 - tau) * Z.sum(axis=0) - Z[~inb].T @ a[~inb]
    a[h] = np.linalg.solve(Z[h].T, rhs)
    return float(xj @ (a - (1.0 - tau)) / math.sqrt(qn * tau * (1.0 - tau)))


def _rank_bound(
    X: np.ndarray, y: np.ndarray, tau: float, j: int, bhat: float, cutoff: float, direction: int
) -> float:
    """One end of the rank-inversion interval of coefficient ``j``.

    Walks the parametric path ``b -> fit of y - x_j b on the other columns`` away
    from ``bhat``; between consecutive vertices ``b_k`` the rank statistic is
    constant (``T_k``). With ``T_m`` the last segment accepted (``|T| <= cutoff``)
    and ``T_{m+1}`` the first rejected, the bound is interpolated linearly,
    ``b_m + (b_{m+1} - b_m)(cutoff - |T_m|) / (|T_{m+1}| - |T_m|)`` (R quantreg's
    ``interp=TRUE``).
    """
    n, p = X.shape
    Z = np.ascontiguousarray(np.delete(X, j, axis=1))
    xj = np.ascontiguousarray(X[:, j])
    qn = 1.0 / np.linalg.inv(X.T @ X)[j, j]
    bcur = bhat
    h = np.zeros(p - 1, dtype=np.int64)
    warm = False
    prev_b, prev_t = bhat, 0.0
    for _step in range(20 * n + 100):
        eps = 1e-9 * max(1.0, abs(bcur))
        bm = bcur + direction * eps
        _b, h, status = _k.rq_fit(
            Z, np.ascontiguousarray(y - xj * bm), tau, h, warm, 20 * p + 20, IP_TOL, IP_MAXIT
        )
        warm = True
        if status != _k.OPTIMAL:
            return math.nan
        G = Z[h]
        r0 = y - Z @ np.linalg.solve(G, y[h])
        dd = xj - Z @ np.linalg.solve(G, xj[h])  # residuals r(b) = r0 - b dd
        t = abs(_rank_statistic(Z, xj, h, r0 - bm * dd, tau, qn))
        if t > cutoff:
            if bcur == bhat:
                return bhat
            return prev_b + (bcur - prev_b) * (cutoff - prev_t) / (t - prev_t)
        prev_b, prev_t = bcur, t
        inb = np.zeros(n, dtype=bool)
        inb[h] = True
        with np.errstate(divide="ignore", invalid="ignore"):
            bb = r0 / dd
        ok = ~inb & (dd != 0) & ((bb - bm) * direction > 0)
        if not ok.any():
            return direction * math.inf
        bcur = float(bb[ok][np.argmin(np.abs(bb[ok] - bm))])
    return math.nan


def rank_ci(X: np.ndarray, y: np.ndarray, tau: float, beta: np.ndarray, alpha: float) -> np.ndarray:
    """Rank-inversion confidence intervals, shape ``(p, 2)`` (R ``summary.rq(se="rank")``).

    Notes
    -----
    Inverts the regression rank-score test of ``H0: beta_j = b`` (Gutenbrunner,
    Jureckova, Koenker & Portnoy 1993; Koenker 1994) with the iid normalisation
    ``q_n = 1 / [(X'X)^{-1}]_jj`` and Student-t critical value ``t_{1-alpha/2, n-p}``
    (R quantreg ``rq.fit.br(ci=TRUE, iid=TRUE, interp=TRUE, tcrit=TRUE)``).
    Needs at least two columns (NaN otherwise, as R does not compute it).
    """
    n, p = X.shape
    out = np.full((p, 2), np.nan)
    if p < 2:
        return out
    cutoff = float(stats.t.ppf(1.0 - alpha / 2.0, n - p))
    for j in range(p):
        out[j, 0] = _rank_bound(X, y, tau, j, float(beta[j]), cutoff, -1)
        out[j, 1] = _rank_bound(X, y, tau, j, float(beta[j]), cutoff, +1)
    return out
