"""Log-densities of the standardized innovation distributions, as Numba scalar kernels.

Every distribution has mean 0 and variance 1 so that it can be scaled by a
conditional volatility. Shape parameters are passed as two floats ``p0, p1``
(unused ones ignored) and the distribution as an integer code, so one compiled
likelihood loop serves all of them:

==========  ====  ==============================  ==========================
name        code  p0                              p1
==========  ====  ==============================  ==========================
normal      0     --                              --
t           1     nu > 2 (degrees of freedom)     --
skewt       2     eta > 2 (degrees of freedom)    lambda in (-1, 1) (skew)
ged         3     nu > 0 (shape; 2 is normal)     --
==========  ====  ==============================  ==========================

The public, validated and vectorised interface is :mod:`riskkit.distributions`.
"""

from __future__ import annotations

import math

import numpy as np

from riskkit._jit import jit, register_warmup

NORMAL = 0
STUDENT_T = 1
SKEWT = 2
GED = 3

LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


@jit
def normal_logpdf(z: float) -> float:
    return -LOG_SQRT_2PI - 0.5 * z * z


@jit
def t_logconst(nu: float) -> float:
    """log of Γ((ν+1)/2) / (sqrt(π(ν−2)) Γ(ν/2)), the standardized-t normalising constant."""
    return (
        math.lgamma(0.5 * (nu + 1.0)) - math.lgamma(0.5 * nu) - 0.5 * math.log(math.pi * (nu - 2.0))
    )


@jit
def t_logpdf(z: float, nu: float) -> float:
    """Student t scaled to unit variance: c (1 + z²/(ν−2))^(−(ν+1)/2)."""
    return t_logconst(nu) - 0.5 * (nu + 1.0) * math.log1p(z * z / (nu - 2.0))


@jit
def skewt_ab(eta: float, lam: float) -> tuple[float, float, float]:
    """Hansen (1994) constants (a, b, log c) of the skewed t with unit variance."""
    logc = t_logconst(eta)
    c = math.exp(logc)
    a = 4.0 * lam * c * (eta - 2.0) / (eta - 1.0)
    b = math.sqrt(1.0 + 3.0 * lam * lam - a * a)
    return a, b, logc


@jit
def skewt_logpdf(z: float, eta: float, lam: float) -> float:
    """Hansen's skewed t (mean 0, variance 1).

    f(z) = b c (1 + ((bz + a) / (1 ± λ))² / (η − 2))^(−(η+1)/2), with − for z < −a/b.
    """
    a, b, logc = skewt_ab(eta, lam)
    s = b * z + a
    d = 1.0 - lam if s < 0.0 else 1.0 + lam
    u = s / d
    return math.log(b) + logc - 0.5 * (eta + 1.0) * math.log1p(u * u / (eta - 2.0))


@jit
def ged_loglambda(nu: float) -> float:
    """log λ with λ = sqrt(2^(−2/ν) Γ(1/ν) / Γ(3/ν)), which gives unit variance."""
    return 0.5 * (-2.0 / nu * math.log(2.0) + math.lgamma(1.0 / nu) - math.lgamma(3.0 / nu))


@jit
def ged_logpdf(z: float, nu: float) -> float:
    """Generalized error distribution with unit variance.

    f(z) = ν exp(−½|z/λ|^ν) / (λ 2^(1+1/ν) Γ(1/ν)).
    """
    loglam = ged_loglambda(nu)
    lam = math.exp(loglam)
    return (
        math.log(nu)
        - loglam
        - (1.0 + 1.0 / nu) * math.log(2.0)
        - math.lgamma(1.0 / nu)
        - 0.5 * abs(z / lam) ** nu
    )


@jit
def std_logpdf(z: float, dist: int, p0: float, p1: float) -> float:
    """Log-density of the standardized distribution with code ``dist``."""
    if dist == NORMAL:
        return normal_logpdf(z)
    if dist == STUDENT_T:
        return t_logpdf(z, p0)
    if dist == SKEWT:
        return skewt_logpdf(z, p0, p1)
    return ged_logpdf(z, p0)


@jit
def std_logpdf_array(z: np.ndarray, dist: int, p0: float, p1: float) -> np.ndarray:
    out = np.empty(z.shape[0])
    for i in range(z.shape[0]):
        out[i] = std_logpdf(z[i], dist, p0, p1)
    return out


@register_warmup
def _warmup() -> None:
    z = np.linspace(-3.0, 3.0, 5)
    for code, p0, p1 in (
        (NORMAL, 0.0, 0.0),
        (STUDENT_T, 5.0, 0.0),
        (SKEWT, 5.0, -0.2),
        (GED, 1.5, 0.0),
    ):
        std_logpdf_array(z, code, p0, p1)
