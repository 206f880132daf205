"""Numba kernels of the ACD family: recursion, log-likelihood, analytic score, simulation.

Parameter vector ``theta = [omega, alpha_1..alpha_p, beta_1..beta_q, shape...]``.

``model`` codes: ``ACD=0`` (Engle & Russell 1998, the recursion is on psi),
``LOGACD1=1`` and ``LOGACD2=2`` (Bauwens & Giot 2000, the recursion is on log psi).

Innovations eps = x / psi have unit mean. ``dist`` codes and shape parameters:

==============  ====  =====================================  ======================
name            code  shape 1                                shape 2
==============  ====  =====================================  ======================
exponential     0     --                                     --
weibull         1     k > 0                                  --
burr            2     kappa > 0                              sigma2 in (0, kappa)
gengamma        3     gamma > 0 (power)                      nu > 0
==============  ====  =====================================  ======================

The first ``m = max(p, q)`` conditional durations are fixed at ``start`` (no
parameter dependence) and the log-likelihood sums over ``i = m .. n-1``.
"""

from __future__ import annotations

import math

import numpy as np

from riskkit._jit import jit, register_warmup

ACD = 0
LOGACD1 = 1
LOGACD2 = 2

EXPONENTIAL = 0
WEIBULL = 1
BURR = 2
GENGAMMA = 3

N_SHAPE = (0, 1, 2, 2)
EXP_MAX = 709.0  # math.exp overflows above ~709.78 (plain Python raises, Numba gives inf)


@jit
def sexp(v: float) -> float:
    """exp(v) capped at exp(709): the same finite result compiled or as plain Python."""
    return math.exp(min(v, EXP_MAX))


@jit
def psi_of_level(v: float, model: int) -> tuple[float, float]:
    """``(psi, log psi)`` from the recursion's level ``v`` (psi itself for the ACD, log psi
    for the Log-ACDs); ``psi = nan`` flags an invalid level (psi <= 0, or log psi above
    the exp limit), on which the likelihood is ``-inf``."""
    if model == ACD:
        if not v > 0.0:
            return math.nan, math.nan
        return v, math.log(v)
    if v > EXP_MAX:
        return math.nan, math.nan
    return math.exp(v), v


@jit
def digamma(x: float) -> float:
    """Digamma function for x > 0 (recurrence to x >= 10, then the asymptotic series)."""
    r = 0.0
    while x < 10.0:
        r -= 1.0 / x
        x += 1.0
    f = 1.0 / (x * x)
    t = f * (-1.0 / 12.0 + f * (1.0 / 120.0 + f * (-1.0 / 252.0 + f * (1.0 / 240.0 - f / 132.0))))
    return r + math.log(x) - 0.5 / x + t


@jit
def burr_logxi(kappa: float, s2: float) -> float:
    """log of the Burr scale giving unit mean."""
    a = 1.0 / s2
    return (
        math.lgamma(a)
        + math.log(s2) / kappa
        - math.lgamma(1.0 + 1.0 / kappa)
        - math.lgamma(a - 1.0 / kappa)
    )


@jit
def gengamma_loglam(gam: float, nu: float) -> float:
    """log of the generalized-gamma scale giving unit mean."""
    return math.lgamma(nu) - math.lgamma(nu + 1.0 / gam)


@jit
def innov_logpdf(e: float, dist: int, s1: float, s2: float) -> float:
    """log f(e) of the unit-mean innovation density."""
    if dist == EXPONENTIAL:
        return -e
    le = math.log(e)
    if dist == WEIBULL:
        lc = math.lgamma(1.0 + 1.0 / s1)
        return math.log(s1) + s1 * lc + (s1 - 1.0) * le - sexp(s1 * (lc + le))
    if dist == BURR:
        lxi = burr_logxi(s1, s2)
        u = s2 * sexp(s1 * (le - lxi))
        return math.log(s1) - s1 * lxi + (s1 - 1.0) * le - (1.0 / s2 + 1.0) * math.log1p(u)
    llam = gengamma_loglam(s1, s2)
    return (
        math.log(s1)
        + (s1 * s2 - 1.0) * le
        - s1 * s2 * llam
        - math.lgamma(s2)
        - sexp(s1 * (le - llam))
    )


@jit
def innov_consts(dist: int, s1: float, s2: float) -> tuple[float, float, float, float, float]:
    """Shape-only constants of :func:`innov_derivs` (computed once per likelihood call)."""
    if dist == WEIBULL:
        lc = math.lgamma(1.0 + 1.0 / s1)
        return lc, -digamma(1.0 + 1.0 / s1) / (s1 * s1), math.log(s1), 0.0, 0.0
    if dist == BURR:
        a = 1.0 / s2
        lxi = burr_logxi(s1, s2)
        dlxi_k = (-math.log(s2) + digamma(1.0 + 1.0 / s1) - digamma(a - 1.0 / s1)) / (s1 * s1)
        dlxi_s = -(digamma(a) - digamma(a - 1.0 / s1)) / (s2 * s2) + 1.0 / (s1 * s2)
        return lxi, dlxi_k, dlxi_s, 0.0, 0.0
    if dist == GENGAMMA:
        dig_nu = digamma(s2)
        dll_n = dig_nu - digamma(s2 + 1.0 / s1)
        dll_g = digamma(s2 + 1.0 / s1) / (s1 * s1)
        return gengamma_loglam(s1, s2), dll_g, dll_n, dig_nu, math.lgamma(s2)
    return 0.0, 0.0, 0.0, 0.0, 0.0


@jit
def innov_derivs(
    e: float,
    le: float,
    dist: int,
    s1: float,
    s2: float,
    c: tuple[float, float, float, float, float],
) -> tuple[float, float, float, float]:
    """(log f, e * dlogf/de, dlogf/ds1, dlogf/ds2) of the unit-mean innovation density.

    ``le = log(e)``; ``c`` are the constants from :func:`innov_consts` for ``dist, s1, s2``.
    """
    if dist == EXPONENTIAL:
        return -e, -e, 0.0, 0.0
    if dist == WEIBULL:
        k = s1
        lc, dlc, logk = c[0], c[1], c[2]
        w = sexp(k * (lc + le))
        g = logk + k * lc + (k - 1.0) * le - w
        ege = (k - 1.0) - k * w
        dk = 1.0 / k + lc + k * dlc + le - w * (lc + le + k * dlc)
        return g, ege, dk, 0.0
    if dist == BURR:
        kap = s1
        a = 1.0 / s2
        lxi, dlxi_k, dlxi_s = c[0], c[1], c[2]
        u = s2 * sexp(kap * (le - lxi))
        r = u / (1.0 + u)
        l1u = math.log1p(u)
        g = math.log(kap) - kap * lxi + (kap - 1.0) * le - (a + 1.0) * l1u
        ege = (kap - 1.0) - (a + 1.0) * kap * r
        dk = 1.0 / kap - lxi - kap * dlxi_k + le - (a + 1.0) * r * ((le - lxi) - kap * dlxi_k)
        ds = -kap * dlxi_s + l1u / (s2 * s2) - (a + 1.0) * r * (1.0 / s2 - kap * dlxi_s)
        return g, ege, dk, ds
    gam = s1
    nu = s2
    llam, dll_g, dll_n, dig_nu, lg_nu = c[0], c[1], c[2], c[3], c[4]
    d = le - llam
    zg = sexp(gam * d)
    g = math.log(gam) + (gam * nu - 1.0) * le - gam * nu * llam - lg_nu - zg
    ege = (gam * nu - 1.0) - gam * zg
    dg = 1.0 / gam + nu * d - gam * nu * dll_g - zg * (d - gam * dll_g)
    dn = gam * d - gam * nu * dll_n - dig_nu + zg * gam * dll_n
    return g, ege, dg, dn


@jit
def acd_filter(
    theta: np.ndarray, x: np.ndarray, p: int, q: int, model: int, start: float
) -> np.ndarray:
    """Conditional expected durations psi_0..psi_{n-1} (psi_i = start for i < max(p, q))."""
    n = x.shape[0]
    m = max(p, q)
    lev = np.empty(n)  # psi (ACD) or log psi (Log-ACD)
    eps = np.empty(n)
    ls = math.log(start)
    omega = theta[0]
    for i in range(n):
        if i < m:
            lev[i] = start if model == ACD else ls
        else:
            v = omega
            for j in range(1, p + 1):
                a = theta[j]
                if model == ACD:
                    v += a * x[i - j]
                elif model == LOGACD1:
                    v += a * (math.log(x[i - j]) - lev[i - j])
                else:
                    v += a * eps[i - j]
            for j in range(1, q + 1):
                v += theta[p + j] * lev[i - j]
            lev[i] = v
        psi = lev[i] if model == ACD else sexp(lev[i])
        eps[i] = x[i] / psi
    if model == ACD:
        return lev
    return np.exp(lev)


@jit
def acd_loglik_grad(
    theta: np.ndarray,
    x: np.ndarray,
    logx: np.ndarray,
    p: int,
    q: int,
    model: int,
    dist: int,
    start: float,
    scores: np.ndarray,
) -> tuple[float, np.ndarray]:
    """Log-likelihood over i = max(p, q) .. n-1 and its analytic gradient.

    ``logx = log(x)`` (passed in: numpy's vectorised log is cheaper than a scalar log per term).

    ``scores`` is either an ``(n, k)`` array that receives the per-observation
    scores (rows i < max(p, q) set to zero) or a ``(0, k)`` array (not filled).
    Returns ``-inf`` (and a zero gradient) when some psi is not positive.
    """
    n = x.shape[0]
    k = theta.shape[0]
    kd = 1 + p + q
    m = max(p, q)
    want = scores.shape[0] == n
    s1 = theta[kd] if k > kd else 0.0
    s2 = theta[kd + 1] if k > kd + 1 else 0.0
    lev = np.empty(n)
    eps = np.empty(n)
    D = np.zeros((n, kd))
    grad = np.zeros(k)
    ll = 0.0
    ls = math.log(start)
    omega = theta[0]
    consts = innov_consts(dist, s1, s2)
    for i in range(n):
        if i < m:
            lev[i] = start if model == ACD else ls
            psi = start
            eps[i] = x[i] / psi
            if want:
                for c in range(k):
                    scores[i, c] = 0.0
            continue
        v = omega
        for j in range(1, p + 1):
            a = theta[j]
            if model == ACD:
                v += a * x[i - j]
            elif model == LOGACD1:
                v += a * (logx[i - j] - lev[i - j])
            else:
                v += a * eps[i - j]
        for j in range(1, q + 1):
            v += theta[p + j] * lev[i - j]
        lev[i] = v
        # derivatives of lev[i]
        D[i, 0] = 1.0
        for j in range(1, p + 1):
            if model == ACD:
                D[i, j] = x[i - j]
            elif model == LOGACD1:
                D[i, j] = logx[i - j] - lev[i - j]
            else:
                D[i, j] = eps[i - j]
        for j in range(1, q + 1):
            D[i, p + j] = lev[i - j]
        for c in range(kd):
            acc = D[i, c]
            for j in range(1, q + 1):
                acc += theta[p + j] * D[i - j, c]
            if model == LOGACD1:
                for j in range(1, p + 1):
                    acc -= theta[j] * D[i - j, c]
            elif model == LOGACD2:
                for j in range(1, p + 1):
                    acc -= theta[j] * eps[i - j] * D[i - j, c]
            D[i, c] = acc
        psi, logpsi = psi_of_level(v, model)
        if not psi > 0.0:
            return -np.inf, np.zeros(k)
        e = x[i] / psi
        eps[i] = e
        g, ege, d1, d2 = innov_derivs(e, logx[i] - logpsi, dist, s1, s2, consts)
        ll += g - logpsi
        dlev = -1.0 - ege  # d l_i / d log psi_i
        if model == ACD:
            dlev = dlev / psi
        for c in range(kd):
            sc = dlev * D[i, c]
            grad[c] += sc
            if want:
                scores[i, c] = sc
        if k > kd:
            grad[kd] += d1
            if want:
                scores[i, kd] = d1
        if k > kd + 1:
            grad[kd + 1] += d2
            if want:
                scores[i, kd + 1] = d2
    return ll, grad


@jit
def _loglik_grad11(
    theta: np.ndarray,
    x: np.ndarray,
    logx: np.ndarray,
    model: int,
    dist: int,
    start: float,
    scores: np.ndarray,
) -> tuple[float, np.ndarray]:
    """:func:`acd_loglik_grad` for p = q = 1, the derivative recursion carried in scalars.

    The same operations in the same order as the general kernel (the same result to the last
    bit), without the ``n x k`` derivative array and the lag loops. Called with literal
    ``model`` and ``dist`` codes by the specialised kernels of :func:`acd_loglik_grad11`, so
    each compiled loop has its model and density branches resolved.
    """
    n = x.shape[0]
    k = theta.shape[0]
    want = scores.shape[0] == n
    s1 = theta[3] if k > 3 else 0.0
    s2 = theta[4] if k > 4 else 0.0
    omega = theta[0]
    a = theta[1]
    b = theta[2]
    consts = innov_consts(dist, s1, s2)
    g0 = 0.0
    g1 = 0.0
    g2 = 0.0
    g3 = 0.0
    g4 = 0.0
    ll = 0.0
    if n == 0:
        return ll, np.zeros(k)
    # observation 0: psi = start, no parameter dependence
    lev_p = start if model == ACD else math.log(start)
    eps_p = x[0] / start
    d0 = 0.0
    d1 = 0.0
    d2 = 0.0
    if want:
        for c in range(k):
            scores[0, c] = 0.0
    for i in range(1, n):
        if model == ACD:
            term = x[i - 1]
        elif model == LOGACD1:
            term = logx[i - 1] - lev_p
        else:
            term = eps_p
        v = omega
        v += a * term
        v += b * lev_p
        # derivatives of lev[i]
        n0 = 1.0 + b * d0
        n1 = term + b * d1
        n2 = lev_p + b * d2
        if model == LOGACD1:
            n0 -= a * d0
            n1 -= a * d1
            n2 -= a * d2
        elif model == LOGACD2:
            ae = a * eps_p
            n0 -= ae * d0
            n1 -= ae * d1
            n2 -= ae * d2
        d0 = n0
        d1 = n1
        d2 = n2
        psi, logpsi = psi_of_level(v, model)
        if not psi > 0.0:
            return -np.inf, np.zeros(k)
        e = x[i] / psi
        lev_p = v
        eps_p = e
        g, ege, ds1, ds2 = innov_derivs(e, logx[i] - logpsi, dist, s1, s2, consts)
        ll += g - logpsi
        dlev = -1.0 - ege  # d l_i / d log psi_i
        if model == ACD:
            dlev = dlev / psi
        sc0 = dlev * d0
        sc1 = dlev * d1
        sc2 = dlev * d2
        g0 += sc0
        g1 += sc1
        g2 += sc2
        g3 += ds1
        g4 += ds2
        if want:
            scores[i, 0] = sc0
            scores[i, 1] = sc1
            scores[i, 2] = sc2
            if k > 3:
                scores[i, 3] = ds1
            if k > 4:
                scores[i, 4] = ds2
    grad = np.zeros(k)
    grad[0] = g0
    grad[1] = g1
    grad[2] = g2
    if k > 3:
        grad[3] = g3
    if k > 4:
        grad[4] = g4
    return ll, grad


@jit
def _grad11_acd_exp(
    theta: np.ndarray, x: np.ndarray, logx: np.ndarray, start: float, scores: np.ndarray
) -> tuple[float, np.ndarray]:
    return _loglik_grad11(theta, x, logx, ACD, EXPONENTIAL, start, scores)


@jit
def _grad11_acd_weibull(
    theta: np.ndarray, x: np.ndarray, logx: np.ndarray, start: float, scores: np.ndarray
) -> tuple[float, np.ndarray]:
    return _loglik_grad11(theta, x, logx, ACD, WEIBULL, start, scores)


@jit
def _grad11_acd_burr(
    theta: np.ndarray, x: np.ndarray, logx: np.ndarray, start: float, scores: np.ndarray
) -> tuple[float, np.ndarray]:
    return _loglik_grad11(theta, x, logx, ACD, BURR, start, scores)


@jit
def _grad11_acd_gengamma(
    theta: np.ndarray, x: np.ndarray, logx: np.ndarray, start: float, scores: np.ndarray
) -> tuple[float, np.ndarray]:
    return _loglik_grad11(theta, x, logx, ACD, GENGAMMA, start, scores)


@jit
def _grad11_log1_exp(
    theta: np.ndarray, x: np.ndarray, logx: np.ndarray, start: float, scores: np.ndarray
) -> tuple[float, np.ndarray]:
    return _loglik_grad11(theta, x, logx, LOGACD1, EXPONENTIAL, start, scores)


@jit
def _grad11_log1_weibull(
    theta: np.ndarray, x: np.ndarray, logx: np.ndarray, start: float, scores: np.ndarray
) -> tuple[float, np.ndarray]:
    return _loglik_grad11(theta, x, logx, LOGACD1, WEIBULL, start, scores)


@jit
def _grad11_log1_burr(
    theta: np.ndarray, x: np.ndarray, logx: np.ndarray, start: float, scores: np.ndarray
) -> tuple[float, np.ndarray]:
    return _loglik_grad11(theta, x, logx, LOGACD1, BURR, start, scores)


@jit
def _grad11_log1_gengamma(
    theta: np.ndarray, x: np.ndarray, logx: np.ndarray, start: float, scores: np.ndarray
) -> tuple[float, np.ndarray]:
    return _loglik_grad11(theta, x, logx, LOGACD1, GENGAMMA, start, scores)


@jit
def _grad11_log2_exp(
    theta: np.ndarray, x: np.ndarray, logx: np.ndarray, start: float, scores: np.ndarray
) -> tuple[float, np.ndarray]:
    return _loglik_grad11(theta, x, logx, LOGACD2, EXPONENTIAL, start, scores)


@jit
def _grad11_log2_weibull(
    theta: np.ndarray, x: np.ndarray, logx: np.ndarray, start: float, scores: np.ndarray
) -> tuple[float, np.ndarray]:
    return _loglik_grad11(theta, x, logx, LOGACD2, WEIBULL, start, scores)


@jit
def _grad11_log2_burr(
    theta: np.ndarray, x: np.ndarray, logx: np.ndarray, start: float, scores: np.ndarray
) -> tuple[float, np.ndarray]:
    return _loglik_grad11(theta, x, logx, LOGACD2, BURR, start, scores)


@jit
def _grad11_log2_gengamma(
    theta: np.ndarray, x: np.ndarray, logx: np.ndarray, start: float, scores: np.ndarray
) -> tuple[float, np.ndarray]:
    return _loglik_grad11(theta, x, logx, LOGACD2, GENGAMMA, start, scores)


# One compiled kernel per (model, dist) pair, each compiled only when first used (a single
# jitted dispatcher would compile all twelve loops on its first call).
_GRAD11 = {
    (ACD, EXPONENTIAL): _grad11_acd_exp,
    (ACD, WEIBULL): _grad11_acd_weibull,
    (ACD, BURR): _grad11_acd_burr,
    (ACD, GENGAMMA): _grad11_acd_gengamma,
    (LOGACD1, EXPONENTIAL): _grad11_log1_exp,
    (LOGACD1, WEIBULL): _grad11_log1_weibull,
    (LOGACD1, BURR): _grad11_log1_burr,
    (LOGACD1, GENGAMMA): _grad11_log1_gengamma,
    (LOGACD2, EXPONENTIAL): _grad11_log2_exp,
    (LOGACD2, WEIBULL): _grad11_log2_weibull,
    (LOGACD2, BURR): _grad11_log2_burr,
    (LOGACD2, GENGAMMA): _grad11_log2_gengamma,
}


def acd_loglik_grad11(
    theta: np.ndarray,
    x: np.ndarray,
    logx: np.ndarray,
    model: int,
    dist: int,
    start: float,
    scores: np.ndarray,
) -> tuple[float, np.ndarray]:
    """:func:`acd_loglik_grad` for p = q = 1 (same arguments without ``p, q``), the fast path.

    Plain Python: picks the kernel specialised for ``model`` and ``dist``.
    """
    return _GRAD11[(model, dist)](theta, x, logx, start, scores)  # type: ignore[no-any-return]


@jit
def acd_simulate(
    theta: np.ndarray, eps: np.ndarray, p: int, q: int, model: int, start: float
) -> np.ndarray:
    """Durations x_i = psi_i * eps_i from innovations ``eps`` (psi_i = start for i < max(p, q))."""
    n = eps.shape[0]
    m = max(p, q)
    lev = np.empty(n)
    x = np.empty(n)
    ls = math.log(start)
    for i in range(n):
        if i < m:
            lev[i] = start if model == ACD else ls
        else:
            v = theta[0]
            for j in range(1, p + 1):
                a = theta[j]
                if model == ACD:
                    v += a * x[i - j]
                elif model == LOGACD1:
                    v += a * math.log(eps[i - j])
                else:
                    v += a * eps[i - j]
            for j in range(1, q + 1):
                v += theta[p + j] * lev[i - j]
            lev[i] = v
        psi = lev[i] if model == ACD else sexp(lev[i])
        x[i] = psi * eps[i]
    return x


@jit
def kappa_moment(a: np.ndarray, kappa: float) -> tuple[float, float]:
    """mean(a_i ** kappa) - 1 and its derivative in kappa (a_i > 0)."""
    n = a.shape[0]
    s = 0.0
    d = 0.0
    for i in range(n):
        la = math.log(a[i])
        v = sexp(kappa * la)
        s += v
        d += v * la
    return s / n - 1.0, d / n


@register_warmup
def _warmup() -> None:
    x = np.array([1.0, 0.5, 2.0, 1.5, 0.7, 1.1])
    for model in (ACD, LOGACD1, LOGACD2):
        for dist, th in (
            (EXPONENTIAL, np.array([0.1, 0.1, 0.8])),
            (WEIBULL, np.array([0.1, 0.1, 0.8, 0.9])),
            (BURR, np.array([0.1, 0.1, 0.8, 1.2, 0.3])),
            (GENGAMMA, np.array([0.1, 0.1, 0.8, 1.2, 0.8])),
        ):
            z = np.zeros((0, th.shape[0]))
            acd_loglik_grad(th, x, np.log(x), 1, 1, model, dist, 1.0, z)
            acd_loglik_grad11(th, x, np.log(x), model, dist, 1.0, z)
        acd_filter(np.array([0.1, 0.1, 0.8]), x, 1, 1, model, 1.0)
        acd_simulate(np.array([0.1, 0.1, 0.8]), x, 1, 1, model, 1.0)
    kappa_moment(x, 1.0)
