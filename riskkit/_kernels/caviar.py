"""CAViaR / CARE recursions, their RQ / ALS objectives, gradients and a Nelder–Mead minimiser.

All recursions run on the *positive* risk level ``f_t`` (VaR for CAViaR, minus the
expectile for CARE), with ``f_0`` given and, for ``t >= 1``:

=====================  ====  ===========================================================
model                  code  recursion
=====================  ====  ===========================================================
symmetric abs. value   0     f_t = b1 + b2 f_{t-1} + b3 |y_{t-1}|
asymmetric slope       1     f_t = b1 + b2 f_{t-1} + b3 max(y_{t-1}, 0) + b4 max(-y_{t-1}, 0)
indirect GARCH         2     f_t = sqrt(b1 + b2 f_{t-1}^2 + b3 y_{t-1}^2)
adaptive               3     f_t = f_{t-1} + b1 (1 / (1 + exp(G (y_{t-1} + f_{t-1}))) - theta)
=====================  ====  ===========================================================

An exceedance on day t is ``y_t < -f_t``. Objectives (``loss`` code) sum over every
observation ``t = 0..n-1``:

* ``0`` (RQ, Koenker–Bassett check loss):  sum (theta - 1[y_t < -f_t]) (y_t + f_t)
* ``1`` (ALS, asymmetric least squares):   sum |theta - 1[y_t < -f_t]| (y_t + f_t)^2

A non-finite path gives the objective ``BAD`` (1e100), as in Engle & Manganelli's code,
so that the minimisers simply move away from it.
"""

from __future__ import annotations

import math

import numpy as np

from riskkit._jit import jit, register_warmup

SAV = 0
ASYMMETRIC_SLOPE = 1
INDIRECT_GARCH = 2
ADAPTIVE = 3

LOSS_RQ = 0
LOSS_ALS = 1

BAD = 1e100


@jit
def _step(
    beta: np.ndarray, f_prev: float, y_prev: float, model: int, G: float, theta: float
) -> float:
    """One step of the recursion: f_t from f_{t-1} and y_{t-1}."""
    if model == SAV:
        return beta[0] + beta[1] * f_prev + beta[2] * abs(y_prev)
    if model == ASYMMETRIC_SLOPE:
        return beta[0] + beta[1] * f_prev + beta[2] * max(y_prev, 0.0) + beta[3] * max(-y_prev, 0.0)
    if model == INDIRECT_GARCH:
        v = beta[0] + beta[1] * f_prev * f_prev + beta[2] * y_prev * y_prev
        if v < 0.0:
            return math.nan
        return math.sqrt(v)
    # adaptive
    x = G * (y_prev + f_prev)
    s = 0.0 if x > 700.0 else 1.0 / (1.0 + math.exp(x))
    return f_prev + beta[0] * (s - theta)


@jit
def caviar_path(
    beta: np.ndarray, y: np.ndarray, f0: float, model: int, G: float, theta: float
) -> np.ndarray:
    """Risk path ``f_0..f_n`` (length n+1): ``f[t]`` for t < n, and the next-period ``f[n]``."""
    n = y.shape[0]
    f = np.empty(n + 1)
    f[0] = f0
    for t in range(1, n + 1):
        f[t] = _step(beta, f[t - 1], y[t - 1], model, G, theta)
    return f


@jit
def _loss_term(u: float, theta: float, loss: int) -> float:
    """Loss of one residual ``u = y_t + f_t`` (u < 0 is an exceedance)."""
    w = theta - 1.0 if u < 0.0 else theta
    if loss == LOSS_RQ:
        return w * u
    return abs(w) * u * u


@jit
def caviar_objective(
    beta: np.ndarray,
    y: np.ndarray,
    f0: float,
    model: int,
    loss: int,
    G: float,
    theta: float,
) -> float:
    """RQ (loss 0) or ALS (loss 1) objective of the recursion at ``beta`` (no allocation)."""
    n = y.shape[0]
    f = f0
    total = _loss_term(y[0] + f, theta, loss)
    for t in range(1, n):
        f = _step(beta, f, y[t - 1], model, G, theta)
        total += _loss_term(y[t] + f, theta, loss)
    if not math.isfinite(total):
        return BAD
    return total


@jit
def caviar_objective_many(
    betas: np.ndarray,
    y: np.ndarray,
    f0: float,
    model: int,
    loss: int,
    G: float,
    theta: float,
) -> np.ndarray:
    """Objective for each row of ``betas`` (m, k): the multi-start screening step."""
    m = betas.shape[0]
    out = np.empty(m)
    for i in range(m):
        out[i] = caviar_objective(betas[i], y, f0, model, loss, G, theta)
    return out


@jit
def loss_sum(y: np.ndarray, f: np.ndarray, theta: float, loss: int) -> float:
    """Objective of a given path ``f`` (same length as ``y``)."""
    total = 0.0
    for t in range(y.shape[0]):
        total += _loss_term(y[t] + f[t], theta, loss)
    return total


@jit
def caviar_gradient(
    beta: np.ndarray, y: np.ndarray, f: np.ndarray, model: int, G: float, theta: float
) -> np.ndarray:
    """Derivatives ``d f_t / d beta`` (n, k) by the recursive chain rule; row 0 is zero.

    ``f`` is the path at ``beta`` (at least ``n`` values).
    """
    n = y.shape[0]
    k = beta.shape[0]
    g = np.zeros((n, k))
    for t in range(1, n):
        fp = f[t - 1]
        yp = y[t - 1]
        if model == SAV:
            g[t, 0] = 1.0
            g[t, 1] = fp
            g[t, 2] = abs(yp)
            for j in range(k):
                g[t, j] += beta[1] * g[t - 1, j]
        elif model == ASYMMETRIC_SLOPE:
            g[t, 0] = 1.0
            g[t, 1] = fp
            g[t, 2] = max(yp, 0.0)
            g[t, 3] = max(-yp, 0.0)
            for j in range(k):
                g[t, j] += beta[1] * g[t - 1, j]
        elif model == INDIRECT_GARCH:
            g[t, 0] = 1.0
            g[t, 1] = fp * fp
            g[t, 2] = yp * yp
            for j in range(k):
                g[t, j] = (g[t, j] + 2.0 * beta[1] * fp * g[t - 1, j]) / (2.0 * f[t])
        else:
            x = G * (yp + fp)
            if x > 700.0:
                s = 0.0
                ds = 0.0
            else:
                e = math.exp(x)
                s = 1.0 / (1.0 + e)
                ds = -G * e / ((1.0 + e) * (1.0 + e))
            g[t, 0] = g[t - 1, 0] + (s - theta) + beta[0] * ds * g[t - 1, 0]
    return g


@jit
def nelder_mead(
    x0: np.ndarray,
    y: np.ndarray,
    f0: float,
    model: int,
    loss: int,
    G: float,
    theta: float,
    max_iter: int,
    xtol: float,
    ftol: float,
) -> tuple[np.ndarray, float, int, bool]:
    """Nelder–Mead minimisation of :func:`caviar_objective` from ``x0``.

    Standard coefficients (reflection 1, expansion 2, contraction 1/2, shrink 1/2) and the
    usual initial simplex (each coordinate moved by 5%, or by 0.00025 when it is zero).
    Stops when the simplex spread is below ``xtol`` in every coordinate and below ``ftol``
    in objective (absolute), or after ``max_iter`` iterations.
    Returns ``(x, fval, iterations, converged)``.
    """
    k = x0.shape[0]
    sim = np.empty((k + 1, k))
    fs = np.empty(k + 1)
    for i in range(k + 1):
        for j in range(k):
            sim[i, j] = x0[j]
        if i > 0:
            j = i - 1
            sim[i, j] = x0[j] * 1.05 if x0[j] != 0.0 else 0.00025
        fs[i] = caviar_objective(sim[i], y, f0, model, loss, G, theta)
    xr = np.empty(k)
    xe = np.empty(k)
    xc = np.empty(k)
    cen = np.empty(k)
    it = 0
    converged = False
    while it < max_iter:
        order = np.argsort(fs)
        sim = sim[order].copy()
        fs = fs[order].copy()
        spread_x = 0.0
        for i in range(1, k + 1):
            for j in range(k):
                d = abs(sim[i, j] - sim[0, j])
                if d > spread_x:
                    spread_x = d
        spread_f = fs[k] - fs[0]
        if spread_x <= xtol and spread_f <= ftol:
            converged = True
            break
        it += 1
        for j in range(k):
            c = 0.0
            for i in range(k):
                c += sim[i, j]
            cen[j] = c / k
        for j in range(k):
            xr[j] = 2.0 * cen[j] - sim[k, j]
        fr = caviar_objective(xr, y, f0, model, loss, G, theta)
        if fr < fs[0]:
            for j in range(k):
                xe[j] = 3.0 * cen[j] - 2.0 * sim[k, j]
            fe = caviar_objective(xe, y, f0, model, loss, G, theta)
            if fe < fr:
                sim[k] = xe
                fs[k] = fe
            else:
                sim[k] = xr
                fs[k] = fr
        elif fr < fs[k - 1]:
            sim[k] = xr
            fs[k] = fr
        else:
            if fr < fs[k]:
                for j in range(k):
                    xc[j] = 1.5 * cen[j] - 0.5 * sim[k, j]  # outside contraction
                fc = caviar_objective(xc, y, f0, model, loss, G, theta)
                accept = fc <= fr
            else:
                for j in range(k):
                    xc[j] = 0.5 * cen[j] + 0.5 * sim[k, j]  # inside contraction
                fc = caviar_objective(xc, y, f0, model, loss, G, theta)
                accept = fc < fs[k]
            if accept:
                sim[k] = xc
                fs[k] = fc
            else:
                for i in range(1, k + 1):
                    for j in range(k):
                        sim[i, j] = sim[0, j] + 0.5 * (sim[i, j] - sim[0, j])
                    fs[i] = caviar_objective(sim[i], y, f0, model, loss, G, theta)
    best = int(np.argmin(fs))
    return sim[best].copy(), fs[best], it, converged


@jit
def nelder_mead_restarts(
    x0: np.ndarray,
    y: np.ndarray,
    f0: float,
    model: int,
    loss: int,
    G: float,
    theta: float,
    max_iter: int,
    xtol: float,
    ftol: float,
    max_restarts: int,
) -> tuple[np.ndarray, float, bool]:
    """Restart Nelder–Mead from its own optimum until the objective stops improving."""
    x, fx, _, conv = nelder_mead(x0, y, f0, model, loss, G, theta, max_iter, xtol, ftol)
    for _ in range(max_restarts):
        x2, f2, _, conv = nelder_mead(x, y, f0, model, loss, G, theta, max_iter, xtol, ftol)
        improved = f2 < fx - ftol
        if f2 < fx:
            x = x2
            fx = f2
        if not improved:
            break
    return x, fx, conv


@register_warmup
def _warmup() -> None:
    y = np.array([0.5, -1.0, 0.3, -0.2, 1.1, -2.0, 0.4, 0.1])
    for model, beta in (
        (SAV, np.array([0.1, 0.8, 0.2])),
        (ASYMMETRIC_SLOPE, np.array([0.1, 0.8, 0.1, 0.3])),
        (INDIRECT_GARCH, np.array([0.1, 0.8, 0.2])),
        (ADAPTIVE, np.array([0.3])),
    ):
        f = caviar_path(beta, y, 1.0, model, 10.0, 0.05)
        caviar_gradient(beta, y, f, model, 10.0, 0.05)
        caviar_objective_many(beta[None, :].copy(), y, 1.0, model, LOSS_RQ, 10.0, 0.05)
        loss_sum(y, f[:-1].copy(), 0.05, LOSS_ALS)
        nelder_mead_restarts(beta, y, 1.0, model, LOSS_RQ, 10.0, 0.05, 20, 1e-8, 1e-8, 1)
