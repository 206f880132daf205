"""GARCH-family recursions, Gaussian/t/skew-t/GED log-likelihood and its exact score (Numba).

Parameter vector layout (one flat float64 array ``theta``)::

    [ b (kx regression coefficients) | ma (nma) | omega | alpha (p) | gamma (o) | beta (q) | shape (kd) ]

Mean: ``eps_t = y_t - X_t b - sum_j ma_j eps_{t-1-j}`` (pre-sample ``eps = 0``).
``X`` holds the constant, the AR lags of ``y`` and exogenous regressors, built by
the caller. ``deps`` is the derivative of ``eps`` w.r.t. the ``km = kx + nma`` mean
parameters, obtained by the same recursion.

Variance (``vol = 0``, GARCH/GJR, Glosten-Jagannathan-Runkle 1993)::

    s2_t = omega + sum_i alpha_i e_{t-i}^2 + sum_j gamma_j e_{t-j}^2 1(e_{t-j} < 0)
                 + sum_k beta_k s2_{t-k}

with pre-sample ``e^2 = s2 = bc`` and ``e^2 1(e<0) = bc / 2``.
(``vol = 1``, EGARCH, Nelson 1991)::

    h_t = log s2_t = omega + sum_i alpha_i (|z_{t-i}| - sqrt(2/pi)) + sum_j gamma_j z_{t-j}
                     + sum_k beta_k h_{t-k}

with pre-sample ``h = log bc`` and the ``z`` terms 0 (the conventions of arch).

``bc`` is either fixed (``init = 0``) or, for ``init = 1`` (Fiorentini, Calzolari &
Panattoni 1996), ``mean(eps_t^2)`` at the current mean parameters; its derivative
then enters the score.

Log-likelihood ``sum_t log f(z_t) - log(s2_t) / 2`` with ``z_t = eps_t / s_t`` (the
``-log(2 pi) / 2`` terms are inside ``log f``). The score is computed by
differentiating the recursions (Fiorentini, Calzolari & Panattoni 1996, sec. 2).
"""

from __future__ import annotations

import math

import numpy as np

from riskkit._jit import jit, register_warmup
from riskkit._kernels.garch_dist import dist_consts, dist_eval
from riskkit._kernels.garch_fast import fast_eligible, loglik11

SQRT2_OV_PI = math.sqrt(2.0 / math.pi)
GARCH = 0
EGARCH = 1
H_MAX = 700.0  # |log s2| cap in EGARCH (exp overflow/underflow guard)


@jit
def mean_resid(y: np.ndarray, x: np.ndarray, b: np.ndarray, ma: np.ndarray) -> tuple:
    """Residuals ``eps`` and their derivative ``deps`` (n x (kx + nma)) of the ARMAX mean."""
    n = y.shape[0]
    kx = x.shape[1]
    nma = ma.shape[0]
    km = kx + nma
    eps = np.empty(n)
    deps = np.zeros((n, km))
    for t in range(n):
        e = y[t]
        for j in range(kx):
            e -= x[t, j] * b[j]
            deps[t, j] = -x[t, j]
        for j in range(nma):
            lag = t - 1 - j
            if lag >= 0:
                e -= ma[j] * eps[lag]
                deps[t, kx + j] -= eps[lag]
                for i in range(km):
                    deps[t, i] -= ma[j] * deps[lag, i]
        eps[t] = e
    return eps, deps


@jit
def backcast_value(eps: np.ndarray, deps: np.ndarray, init: int, bc_fixed: float) -> tuple:
    """Start value ``bc`` and its derivative w.r.t. the mean parameters."""
    n = eps.shape[0]
    km = deps.shape[1]
    dbc = np.zeros(km)
    if init == 0:
        return bc_fixed, dbc
    bc = 0.0
    for t in range(n):
        bc += eps[t] * eps[t]
        for i in range(km):
            dbc[i] += 2.0 * eps[t] * deps[t, i]
    for i in range(km):
        dbc[i] /= n
    return bc / n, dbc


@jit
def vol_loglik(
    theta: np.ndarray,
    eps: np.ndarray,
    deps: np.ndarray,
    vol: int,
    p: int,
    o: int,
    q: int,
    dist: int,
    init: int,
    bc_fixed: float,
    want_grad: bool,
    scores: np.ndarray,
    sigma2: np.ndarray,
) -> tuple:
    """Log-likelihood and score of the variance model given mean residuals.

    ``sigma2`` (length n) is filled with the conditional variances. If
    ``want_grad``, ``scores`` (n x k) is filled with the per-observation scores
    and the summed gradient is returned; otherwise ``scores`` is not touched.
    Returns ``(loglik, grad)``; ``loglik = -inf`` when a variance is not positive
    and finite.
    """
    n = eps.shape[0]
    k = theta.shape[0]
    km = deps.shape[1]
    iv = km
    kd = k - (km + 1 + p + o + q)
    p0 = theta[k - kd] if kd >= 1 else 0.0
    p1 = theta[k - kd + 1] if kd >= 2 else 0.0
    grad = np.zeros(k)
    cst = dist_consts(dist, p0, p1)
    bc, dbc = backcast_value(eps, deps, init, bc_fixed)
    if not (bc > 0.0) or not math.isfinite(bc):
        return -np.inf, grad
    hbc = math.log(bc)
    ds = np.zeros((n, k)) if want_grad else np.zeros((1, k))  # d s2 (GARCH) or d h (EGARCH)
    dz = np.zeros((n, k)) if (want_grad and vol == EGARCH) else np.zeros((1, k))
    zs = np.zeros(n)
    hs = np.zeros(n)
    ll = 0.0
    omega = float(theta[iv])
    for t in range(n):
        s = omega
        g = ds[t] if want_grad else ds[0]
        if want_grad:
            g[iv] = 1.0
        if vol == GARCH:
            for j in range(p):
                a = theta[iv + 1 + j]
                lag = t - 1 - j
                if lag < 0:
                    s += a * bc
                    if want_grad:
                        g[iv + 1 + j] += bc
                        for i in range(km):
                            g[i] += a * dbc[i]
                else:
                    e = eps[lag]
                    s += a * e * e
                    if want_grad:
                        g[iv + 1 + j] += e * e
                        for i in range(km):
                            g[i] += 2.0 * a * e * deps[lag, i]
            for j in range(o):
                a = theta[iv + 1 + p + j]
                lag = t - 1 - j
                if lag < 0:
                    s += 0.5 * a * bc
                    if want_grad:
                        g[iv + 1 + p + j] += 0.5 * bc
                        for i in range(km):
                            g[i] += 0.5 * a * dbc[i]
                else:
                    e = eps[lag]
                    if e < 0.0:
                        s += a * e * e
                        if want_grad:
                            g[iv + 1 + p + j] += e * e
                            for i in range(km):
                                g[i] += 2.0 * a * e * deps[lag, i]
            for j in range(q):
                a = theta[iv + 1 + p + o + j]
                lag = t - 1 - j
                if lag < 0:
                    s += a * bc
                    if want_grad:
                        g[iv + 1 + p + o + j] += bc
                        for i in range(km):
                            g[i] += a * dbc[i]
                else:
                    s += a * sigma2[lag]
                    if want_grad:
                        g[iv + 1 + p + o + j] += sigma2[lag]
                        gl = ds[lag]
                        for i in range(k):
                            g[i] += a * gl[i]
            if not (s > 0.0) or not math.isfinite(s):
                return -np.inf, grad
            sigma2[t] = s
            h = math.log(s)
            sd = math.sqrt(s)
        else:
            for j in range(p):
                a = theta[iv + 1 + j]
                lag = t - 1 - j
                if lag >= 0:
                    az = abs(zs[lag])
                    s += a * (az - SQRT2_OV_PI)
                    if want_grad:
                        g[iv + 1 + j] += az - SQRT2_OV_PI
                        sg = 1.0 if zs[lag] >= 0.0 else -1.0
                        dzl = dz[lag]
                        for i in range(k):
                            g[i] += a * sg * dzl[i]
            for j in range(o):
                a = theta[iv + 1 + p + j]
                lag = t - 1 - j
                if lag >= 0:
                    s += a * zs[lag]
                    if want_grad:
                        g[iv + 1 + p + j] += zs[lag]
                        dzl = dz[lag]
                        for i in range(k):
                            g[i] += a * dzl[i]
            for j in range(q):
                a = theta[iv + 1 + p + o + j]
                lag = t - 1 - j
                if lag < 0:
                    s += a * hbc
                    if want_grad:
                        g[iv + 1 + p + o + j] += hbc
                        for i in range(km):
                            g[i] += a * dbc[i] / bc
                else:
                    s += a * hs[lag]
                    if want_grad:
                        g[iv + 1 + p + o + j] += hs[lag]
                        gl = ds[lag]
                        for i in range(k):
                            g[i] += a * gl[i]
            if not math.isfinite(s):
                return -np.inf, grad
            h = s if s < H_MAX else H_MAX
            if h < -H_MAX:
                h = -H_MAX
            sigma2[t] = math.exp(h)
            sd = math.exp(0.5 * h)
        hs[t] = h
        z = eps[t] / sd
        zs[t] = z
        logf, gz, g0, g1 = dist_eval(z, dist, p0, p1, cst)
        ll += logf - 0.5 * h
        if want_grad:
            sc = scores[t]
            # d l / d (log s2): from z = eps exp(-h/2) and the -h/2 term
            dlh = -0.5 * gz * z - 0.5
            if vol == GARCH:
                for i in range(k):
                    sc[i] = dlh * g[i] / sigma2[t]
            else:
                dzt = dz[t]
                for i in range(k):
                    sc[i] = dlh * g[i]
                    dzt[i] = -0.5 * z * g[i]
                for i in range(km):
                    dzt[i] += deps[t, i] / sd
            for i in range(km):
                sc[i] += gz * deps[t, i] / sd
            if kd >= 1:
                sc[k - kd] = g0
            if kd >= 2:
                sc[k - kd + 1] = g1
            for i in range(k):
                grad[i] += sc[i]
    return ll, grad


@jit
def loglik(
    theta: np.ndarray,
    y: np.ndarray,
    x: np.ndarray,
    nma: int,
    vol: int,
    p: int,
    o: int,
    q: int,
    dist: int,
    init: int,
    bc_fixed: float,
    want_grad: bool,
) -> tuple:
    """Full model: ``(loglik, grad, scores, sigma2, eps)`` at ``theta``.

    (1, o, 1) models with a constant or zero mean go to the specialised
    :func:`riskkit._kernels.garch_fast.loglik11` (same values, one pass).
    """
    kx = x.shape[1]
    n = y.shape[0]
    k = theta.shape[0]
    if fast_eligible(nma, p, o, q, kx):
        scores = np.zeros((n, k)) if want_grad else np.zeros((1, k))
        sigma2 = np.empty(n)
        eps = np.empty(n)
        grad = np.zeros(k)
        ll = loglik11(
            theta,
            y,
            x,
            vol,
            o,
            dist,
            init,
            bc_fixed,
            2 if want_grad else 0,
            grad,
            scores,
            sigma2,
            eps,
        )
        return ll, grad, scores, sigma2, eps
    eps, deps = mean_resid(y, x, theta[:kx], theta[kx : kx + nma])
    scores = np.zeros((n, k)) if want_grad else np.zeros((1, k))
    sigma2 = np.empty(n)
    ll, grad = vol_loglik(
        theta, eps, deps, vol, p, o, q, dist, init, bc_fixed, want_grad, scores, sigma2
    )
    return ll, grad, scores, sigma2, eps


@jit
def garch_filter(
    omega_alpha_gamma_beta: np.ndarray,
    eps: np.ndarray,
    vol: int,
    p: int,
    o: int,
    q: int,
    eps_hist: np.ndarray,
    s2_hist: np.ndarray,
) -> np.ndarray:
    """Conditional variances of ``eps`` continuing from the last ``max(p, o, q)`` history values.

    ``eps_hist``/``s2_hist`` hold the most recent past residuals and variances
    (oldest first, the same length ``m >= max(p, o, q)``). Returns ``n + 1``
    variances: the last one is the one-step-ahead forecast after ``eps``.
    """
    th = omega_alpha_gamma_beta
    m = eps_hist.shape[0]
    n = eps.shape[0]
    e_all = np.empty(m + n)
    s_all = np.empty(m + n + 1)
    e_all[:m] = eps_hist
    s_all[:m] = s2_hist
    e_all[m:] = eps
    for t in range(m, m + n + 1):
        s = th[0]
        if vol == GARCH:
            for j in range(p):
                e = e_all[t - 1 - j]
                s += th[1 + j] * e * e
            for j in range(o):
                e = e_all[t - 1 - j]
                if e < 0.0:
                    s += th[1 + p + j] * e * e
            for j in range(q):
                s += th[1 + p + o + j] * s_all[t - 1 - j]
            s_all[t] = s
        else:
            for j in range(p):
                z = e_all[t - 1 - j] / math.sqrt(s_all[t - 1 - j])
                s += th[1 + j] * (abs(z) - SQRT2_OV_PI)
            for j in range(o):
                z = e_all[t - 1 - j] / math.sqrt(s_all[t - 1 - j])
                s += th[1 + p + j] * z
            for j in range(q):
                s += th[1 + p + o + j] * math.log(s_all[t - 1 - j])
            s_all[t] = math.exp(min(s, H_MAX))
    return s_all[m:]


@jit
def simulate_paths(
    th: np.ndarray,
    vol: int,
    p: int,
    o: int,
    q: int,
    mu: np.ndarray,
    z: np.ndarray,
    eps_hist: np.ndarray,
    s2_hist: np.ndarray,
) -> tuple:
    """Simulate ``z.shape[0]`` paths of ``z.shape[1]`` steps from the history state.

    ``mu`` (length h) is the conditional mean added to each step (a constant or
    zero mean; ARMA dynamics are not simulated here). Returns ``(returns, sigma2)``
    arrays of shape (n_paths, h).
    """
    npath = z.shape[0]
    h = z.shape[1]
    m = eps_hist.shape[0]
    ret = np.empty((npath, h))
    var = np.empty((npath, h))
    e_all = np.empty(m + h)
    s_all = np.empty(m + h)
    for r in range(npath):
        e_all[:m] = eps_hist
        s_all[:m] = s2_hist
        for t in range(m, m + h):
            s = th[0]
            if vol == GARCH:
                for j in range(p):
                    e = e_all[t - 1 - j]
                    s += th[1 + j] * e * e
                for j in range(o):
                    e = e_all[t - 1 - j]
                    if e < 0.0:
                        s += th[1 + p + j] * e * e
                for j in range(q):
                    s += th[1 + p + o + j] * s_all[t - 1 - j]
            else:
                for j in range(p):
                    zz = e_all[t - 1 - j] / math.sqrt(s_all[t - 1 - j])
                    s += th[1 + j] * (abs(zz) - SQRT2_OV_PI)
                for j in range(o):
                    zz = e_all[t - 1 - j] / math.sqrt(s_all[t - 1 - j])
                    s += th[1 + p + j] * zz
                for j in range(q):
                    s += th[1 + p + o + j] * math.log(s_all[t - 1 - j])
                s = math.exp(min(s, H_MAX))
            s_all[t] = s
            e_all[t] = math.sqrt(s) * z[r, t - m]
            ret[r, t - m] = mu[t - m] + e_all[t]
            var[r, t - m] = s
    return ret, var


@register_warmup
def _warmup() -> None:
    rng = np.random.default_rng(0)
    y = rng.standard_normal(20)
    x = np.ones((20, 1))
    for vol, th in (
        (GARCH, np.array([0.0, 0.1, 0.1, 0.05, 0.8])),
        (EGARCH, np.array([0.0, 0.0, 0.1, -0.05, 0.9])),
    ):
        loglik(th, y, x, 0, vol, 1, 1, 1, 0, 0, 1.0, True)
        loglik(th, y, x, 0, vol, 1, 1, 1, 0, 1, 1.0, False)
        garch_filter(th[1:], y, vol, 1, 1, 1, np.ones(1), np.ones(1))
        simulate_paths(th[1:], vol, 1, 1, 1, np.zeros(3), np.ones((2, 3)), np.ones(1), np.ones(1))
