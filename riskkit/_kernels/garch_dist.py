"""Log-density of the standardized innovations with analytic derivatives (Numba).

``dist_derivs(z, dist, p0, p1)`` returns ``(log f, d/dz, d/dp0, d/dp1)`` for the
distribution codes of :mod:`riskkit._kernels.distributions` (normal 0, Student t 1,
Hansen skew-t 2, GED 3). The GARCH likelihood kernels use it to build the exact
score; the derivatives with respect to the shape parameters need the digamma
function, implemented here by recurrence plus the asymptotic series.
"""

from __future__ import annotations

import math

import numpy as np

from riskkit._jit import jit, register_warmup
from riskkit._kernels.distributions import (
    GED,
    LOG_SQRT_2PI,
    NORMAL,
    SKEWT,
    STUDENT_T,
    ged_loglambda,
    t_logconst,
)

LOG2 = math.log(2.0)


@jit
def digamma(x: float) -> float:
    """psi(x) for x > 0: shift to x >= 10, then ln x - 1/(2x) - sum B_2k / (2k x^2k)."""
    r = 0.0
    while x < 10.0:
        r -= 1.0 / x
        x += 1.0
    f = 1.0 / (x * x)
    series = f * (
        1.0 / 12.0 - f * (1.0 / 120.0 - f * (1.0 / 252.0 - f * (1.0 / 240.0 - f / 132.0)))
    )
    return r + math.log(x) - 0.5 / x - series


@jit
def t_dlogconst(nu: float) -> float:
    """d/dnu of the log normalising constant of the unit-variance t."""
    return 0.5 * digamma(0.5 * (nu + 1.0)) - 0.5 * digamma(0.5 * nu) - 0.5 / (nu - 2.0)


@jit
def dist_consts(dist: int, p0: float, p1: float) -> np.ndarray:
    """Observation-independent constants of :func:`dist_eval` (computed once per likelihood).

    Every ``lgamma``/``digamma``/``log`` that does not depend on ``z`` lives here, and
    the divisions by shape-only quantities are turned into multiplications, so the
    per-observation work of :func:`dist_eval` is one ``log`` (t, skew-t) or one
    ``log`` + ``exp`` (GED) and a few arithmetic operations. Entries 14 and 15 are
    the coefficients of ``log q`` in :func:`dist_terms`.
    """
    out = np.zeros(16)
    if dist == STUDENT_T:
        out[0] = t_logconst(p0)
        out[1] = t_dlogconst(p0)
        out[2] = 1.0 / (p0 - 2.0)
        out[14] = -0.5 * (p0 + 1.0)
        out[15] = -0.5
    elif dist == SKEWT:
        eta = p0
        lam = p1
        m = eta - 2.0
        logc = t_logconst(eta)
        c = math.exp(logc)
        dlogc = t_dlogconst(eta)
        a = 4.0 * lam * c * m / (eta - 1.0)
        da_eta = 4.0 * lam * (c * dlogc * m / (eta - 1.0) + c / ((eta - 1.0) * (eta - 1.0)))
        da_lam = 4.0 * c * m / (eta - 1.0)
        b = math.sqrt(1.0 + 3.0 * lam * lam - a * a)
        out[0] = logc
        out[1] = dlogc
        out[2] = a
        out[3] = da_eta
        out[4] = da_lam
        out[5] = b
        out[6] = -a * da_eta / b
        out[7] = (3.0 * lam - a * da_lam) / b
        out[8] = math.log(b) + logc
        out[9] = 1.0 / (1.0 - lam)
        out[10] = 1.0 / (1.0 + lam)
        out[11] = 1.0 / m
        out[12] = out[6] / b + dlogc  # z-free part of d log f / d eta
        out[13] = out[7] / b  # z-free part of d log f / d lambda
        out[14] = -0.5 * (eta + 1.0)
        out[15] = -0.5
    elif dist == GED:
        nu = p0
        loglam = ged_loglambda(nu)
        out[0] = loglam
        out[1] = math.exp(loglam)
        out[2] = 0.5 * (2.0 * LOG2 - digamma(1.0 / nu) + 3.0 * digamma(3.0 / nu)) / (nu * nu)
        out[3] = math.log(nu) - loglam - (1.0 + 1.0 / nu) * LOG2 - math.lgamma(1.0 / nu)
        out[4] = 1.0 / nu + LOG2 / (nu * nu) + digamma(1.0 / nu) / (nu * nu)
        out[5] = 1.0 / out[1]
    return out


@jit
def skewt_parts(z: float, eta: float, cst: np.ndarray) -> tuple[float, float, float, float]:
    """Hansen skew-t pieces shared by :func:`dist_eval` and :func:`terms_skewt`.

    With ``u = (b z + a) / (1 -+ lambda)`` and ``q = 1 + u^2 / (eta - 2)``, returns
    ``(u^2 / (eta - 2), d log f/dz, d log f/d eta + log(q) / 2, d log f/d lambda)``:
    the ``log q`` terms are left to the caller, which may not need the log.
    """
    b = cst[5]
    im = cst[11]
    s = b * z + cst[2]
    if s < 0.0:
        invd = cst[9]
        dd_lam = -1.0
    else:
        invd = cst[10]
        dd_lam = 1.0
    u = s * invd
    u2m = u * u * im
    iq = 1.0 / (1.0 + u2m)
    k = (eta + 1.0) * u * im * iq  # = -d logf / du
    du_eta = (z * cst[6] + cst[3]) * invd
    du_lam = (z * cst[7] + cst[4] - u * dd_lam) * invd
    gz = -k * b * invd
    geta = cst[12] + 0.5 * (eta + 1.0) * u2m * im * iq - k * du_eta
    return u2m, gz, geta, cst[13] - k * du_lam


@jit
def dist_eval(
    z: float, dist: int, p0: float, p1: float, cst: np.ndarray
) -> tuple[float, float, float, float]:
    """(log f(z), d log f/dz, d log f/dp0, d log f/dp1) given ``cst = dist_consts(...)``."""
    if dist == NORMAL:
        return -LOG_SQRT_2PI - 0.5 * z * z, -z, 0.0, 0.0
    if dist == STUDENT_T:
        nu = p0
        im = cst[2]
        r = z * z * im
        lq = math.log1p(r)
        iq = 1.0 / (1.0 + r)
        logf = cst[0] - 0.5 * (nu + 1.0) * lq
        gz = -(nu + 1.0) * z * im * iq
        gnu = cst[1] - 0.5 * lq + 0.5 * (nu + 1.0) * r * im * iq
        return logf, gz, gnu, 0.0
    if dist == SKEWT:
        u2m, gz, geta, glam = skewt_parts(z, p0, cst)
        lq = math.log(1.0 + u2m)
        return cst[8] - 0.5 * (p0 + 1.0) * lq, gz, geta - 0.5 * lq, glam
    # GED
    nu = p0
    w = abs(z) * cst[5]
    if w > 0.0:
        lw = math.log(w)
        wn = math.exp(nu * lw)
        dwn = wn * (lw - nu * cst[2])
        gz = -0.5 * nu * wn / z
    else:
        wn = 0.0
        dwn = 0.0
        gz = 0.0
    return cst[3] - 0.5 * wn, gz, cst[4] - cst[2] - 0.5 * dwn, 0.0


@jit
def terms_normal(
    e: float, inv_s: float, isd: float, p0: float, p1: float, cst: np.ndarray
) -> tuple[float, float, float, float, float, float]:
    """:func:`dist_terms` of the normal."""
    z2 = e * e * inv_s
    return -LOG_SQRT_2PI - 0.5 * z2, 1.0, -z2, -e * inv_s, 0.0, 0.0


@jit
def terms_t(
    e: float, inv_s: float, isd: float, p0: float, p1: float, cst: np.ndarray
) -> tuple[float, float, float, float, float, float]:
    """:func:`dist_terms` of the standardized Student t (``p0 = nu``)."""
    im = cst[2]
    r = e * e * inv_s * im
    iq = 1.0 / (1.0 + r)
    c = (p0 + 1.0) * iq  # (nu + 1) / q
    return cst[0], 1.0 + r, -c * r, -c * e * inv_s * im, cst[1] + 0.5 * c * r * im, 0.0


@jit
def terms_skewt(
    e: float, inv_s: float, isd: float, p0: float, p1: float, cst: np.ndarray
) -> tuple[float, float, float, float, float, float]:
    """:func:`dist_terms` of Hansen's skew-t (``p0 = eta``, ``p1 = lambda``; reads ``isd``)."""
    z = e * isd
    u2m, gz, geta, glam = skewt_parts(z, p0, cst)
    return cst[8], 1.0 + u2m, gz * z, gz * isd, geta, glam


@jit
def ged_power(w2: float, nu: float) -> tuple[float, float]:
    """``(log w, w^nu)`` from ``w2 = w^2`` (no square root); ``(0, 0)`` when ``w = 0``.

    The one place the GED's ``|z / lambda|^nu`` is computed (likelihood terms,
    :func:`ged_powers` and the EGARCH recursion of ``garch_fast``).
    """
    if w2 > 0.0:
        lw = 0.5 * math.log(w2)
        return lw, math.exp(nu * lw)
    return 0.0, 0.0


@jit
def terms_ged(
    e: float, inv_s: float, isd: float, p0: float, p1: float, cst: np.ndarray
) -> tuple[float, float, float, float, float, float]:
    """:func:`dist_terms` of the GED (``p0 = nu``): ``log f = const - |z / lambda|^nu / 2``,
    with ``log |z / lambda|`` from ``z^2`` (no square root)."""
    nu = p0
    lw, wn = ged_power(e * e * inv_s * cst[5] * cst[5], nu)
    if wn > 0.0:
        gd0 = cst[4] - cst[2] - 0.5 * wn * (lw - nu * cst[2])
        return cst[3] - 0.5 * wn, 1.0, -0.5 * nu * wn, -0.5 * nu * wn / e, gd0, 0.0
    return cst[3], 1.0, 0.0, 0.0, cst[4] - cst[2], 0.0


@jit
def ged_powers(
    eps: np.ndarray, inv_s: np.ndarray, nu: float, ilam: float, wn: np.ndarray, lw: np.ndarray
) -> None:
    """``wn = |z / lambda|^nu`` and ``lw = log |z / lambda|`` (0 and 0 where ``z = 0``) for
    ``z_t = eps_t sqrt(inv_s_t)``, ``ilam = 1 / lambda``, in place.

    The log and exp of the GED are computed here, in a loop of their own, rather than
    per observation in the likelihood loop: there each call forced the ~20 live
    derivative states to be spilled to memory and reloaded (the SysV ABI preserves no
    floating-point register across a call), which cost twice the log and exp
    themselves. Same arithmetic as :func:`terms_ged`.
    """
    for t in range(eps.shape[0]):
        e = eps[t]
        lw[t], wn[t] = ged_power(e * e * inv_s[t] * ilam * ilam, nu)


@jit
def terms_ged_pow(
    e: float, wn: float, lw: float, p0: float, cst: np.ndarray
) -> tuple[float, float, float, float, float, float]:
    """:func:`terms_ged` from the powers of :func:`ged_powers` (``wn``, ``lw`` at ``e``).

    ``wn = 0`` covers ``z = 0`` and an underflowed power alike: :func:`terms_ged` gives
    the same values in both cases.
    """
    nu = p0
    if wn > 0.0:
        gd0 = cst[4] - cst[2] - 0.5 * wn * (lw - nu * cst[2])
        return cst[3] - 0.5 * wn, 1.0, -0.5 * nu * wn, -0.5 * nu * wn / e, gd0, 0.0
    return cst[3], 1.0, 0.0, 0.0, cst[4] - cst[2], 0.0


@jit
def dist_terms(
    e: float, inv_s: float, isd: float, dist: int, p0: float, p1: float, cst: np.ndarray
) -> tuple[float, float, float, float, float, float]:
    """Per-observation terms of the log-density for the specialised likelihood kernel.

    For ``z = e * isd`` (``inv_s = isd^2``; ``isd`` is only read by the skew-t) returns
    ``(lf, q, gzz, gzi, gd0, gd1)`` with

    * ``log f(z) = lf + cst[14] * log q`` and ``d log f / d p0 = gd0 + cst[15] * log q``,
    * ``gzz = z d log f/dz``, ``gzi = isd d log f/dz``, ``gd1 = d log f / d p1``.

    Splitting off ``log q`` (``q = 1 + z^2 / (nu - 2)`` for the t, its skewed analogue for
    the skew-t, 1 otherwise) lets the caller sum it as the log of a running product:
    the t and skew-t then cost no transcendental function per observation, and the
    normal, t and GED need no square root (everything is a function of ``z^2``).
    Same values as :func:`dist_eval` up to rounding. The likelihood kernel calls the
    per-distribution functions ``terms_*`` directly (one compiled loop per density).
    """
    if dist == NORMAL:
        return terms_normal(e, inv_s, isd, p0, p1, cst)
    if dist == STUDENT_T:
        return terms_t(e, inv_s, isd, p0, p1, cst)
    if dist == SKEWT:
        return terms_skewt(e, inv_s, isd, p0, p1, cst)
    return terms_ged(e, inv_s, isd, p0, p1, cst)


@jit
def dist_derivs(z: float, dist: int, p0: float, p1: float) -> tuple[float, float, float, float]:
    """(log f(z), d log f/dz, d log f/dp0, d log f/dp1) of a standardized density."""
    return dist_eval(z, dist, p0, p1, dist_consts(dist, p0, p1))


@jit
def dist_derivs_array(z: np.ndarray, dist: int, p0: float, p1: float) -> np.ndarray:
    """Rows (log f, d/dz, d/dp0, d/dp1) for every element of ``z``."""
    out = np.empty((z.shape[0], 4))
    for i in range(z.shape[0]):
        a, b, c, d = dist_derivs(z[i], dist, p0, p1)
        out[i, 0] = a
        out[i, 1] = b
        out[i, 2] = c
        out[i, 3] = d
    return out


@register_warmup
def _warmup() -> None:
    z = np.linspace(-2.0, 2.0, 3)
    for code, p0, p1 in (
        (NORMAL, 0.0, 0.0),
        (STUDENT_T, 6.0, 0.0),
        (SKEWT, 6.0, -0.2),
        (GED, 1.5, 0.0),
    ):
        dist_derivs_array(z, code, p0, p1)
