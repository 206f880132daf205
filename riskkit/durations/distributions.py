"""Unit-mean innovation densities of the ACD family (exponential, Weibull, Burr, generalized gamma).

Every density is scaled so that ``E[eps] = 1``; the ACD model ``x_i = psi_i eps_i`` then makes
``psi_i`` the conditional expected duration. The compiled log-densities live in
:mod:`riskkit._kernels.acd`; this module holds the names, parameter bounds, starting values, the
density, survival and hazard functions (vectorised numpy/scipy) and the random generators.

===========  ==================  ===========================================================
name         shape parameters    unit-mean density f(e)
===========  ==================  ===========================================================
exponential  --                  exp(-e)
weibull      k > 0               k c^k e^(k-1) exp(-(c e)^k),  c = Γ(1 + 1/k)
burr         kappa, sigma2       kappa/xi (e/xi)^(kappa-1) (1 + sigma2 (e/xi)^kappa)^(-1/sigma2-1),
                                 xi = Γ(1/sigma2) sigma2^(1/kappa) / (Γ(1+1/kappa) Γ(1/sigma2 - 1/kappa)),
                                 0 < sigma2 < kappa
gengamma     gamma, nu > 0       gamma e^(gamma nu - 1) / (lam^(gamma nu) Γ(nu)) exp(-(e/lam)^gamma),
                                 lam = Γ(nu) / Γ(nu + 1/gamma)
===========  ==================  ===========================================================

References
----------
Engle, R. F. and Russell, J. R. (1998), "Autoregressive conditional duration", *Econometrica* 66,
1127-1162 (exponential and Weibull). Grammig, J. and Maurer, K.-O. (2000), "Non-monotonic hazard
functions and the autoregressive conditional duration model", *Econometrics Journal* 3, 16-38
(Burr). Lunde, A. (1999), "A generalized gamma autoregressive conditional duration model"; Zhang,
Russell and Tsay (2001) (generalized gamma). Tsay, R. S., *Analysis of Financial Time Series*,
ACD chapter (all four, same parametrisations).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from riskkit._kernels import acd as _k

__all__ = ["DISTRIBUTIONS", "innovation_hazard", "innovation_logpdf", "innovation_sf"]


@dataclass(frozen=True)
class _Dist:
    name: str
    code: int
    shape_names: tuple[str, ...]
    start: tuple[float, ...]
    bounds: tuple[tuple[float, float], ...]


DISTRIBUTIONS: dict[str, _Dist] = {
    "exponential": _Dist("exponential", _k.EXPONENTIAL, (), (), ()),
    "weibull": _Dist("weibull", _k.WEIBULL, ("shape",), (0.9,), ((0.05, 20.0),)),
    "burr": _Dist("burr", _k.BURR, ("kappa", "sigma2"), (1.0, 0.2), ((0.05, 20.0), (1e-4, 10.0))),
    "gengamma": _Dist(
        "gengamma", _k.GENGAMMA, ("gamma", "nu"), (1.0, 1.0), ((0.05, 20.0), (0.02, 100.0))
    ),
}


def _shape(dist: str, shape: np.ndarray | tuple[float, ...]) -> tuple[float, float]:
    s = [float(v) for v in np.asarray(shape, dtype=np.float64).ravel()]
    need = len(DISTRIBUTIONS[dist].shape_names)
    if len(s) != need:
        raise ValueError(f"{dist} needs {need} shape parameter(s); got {len(s)}")
    s += [0.0] * (2 - len(s))
    return s[0], s[1]


def innovation_logpdf(e: np.ndarray, dist: str, shape: tuple[float, ...] = ()) -> np.ndarray:
    """log f(e) of the unit-mean innovation density (vectorised)."""
    code = DISTRIBUTIONS[dist].code
    s1, s2 = _shape(dist, shape)
    e = np.asarray(e, dtype=np.float64)
    return np.array([_k.innov_logpdf(float(v), code, s1, s2) for v in e.ravel()]).reshape(e.shape)


def innovation_sf(e: np.ndarray, dist: str, shape: tuple[float, ...] = ()) -> np.ndarray:
    """Survival function P(eps > e) of the unit-mean innovation."""
    s1, s2 = _shape(dist, shape)
    e = np.asarray(e, dtype=np.float64)
    if dist == "exponential":
        return np.exp(-e)
    if dist == "weibull":
        c = special.gamma(1.0 + 1.0 / s1)
        return np.exp(-((c * e) ** s1))
    if dist == "burr":
        xi = np.exp(_k.burr_logxi(s1, s2))
        return np.exp(-np.log1p(s2 * (e / xi) ** s1) / s2)
    lam = np.exp(_k.gengamma_loglam(s1, s2))
    return special.gammaincc(s2, (e / lam) ** s1)


def innovation_hazard(e: np.ndarray, dist: str, shape: tuple[float, ...] = ()) -> np.ndarray:
    """Hazard f(e) / P(eps > e) of the unit-mean innovation.

    Exponential: constant 1; Weibull: monotone (decreasing for k < 1); Burr and generalized gamma:
    can be non-monotone (hump-shaped).
    """
    e = np.asarray(e, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.exp(innovation_logpdf(e, dist, shape)) / innovation_sf(e, dist, shape)


def draw(dist: str, shape: tuple[float, ...], size: int, rng: np.random.Generator) -> np.ndarray:
    """``size`` unit-mean innovations."""
    s1, s2 = _shape(dist, shape)
    if dist == "exponential":
        return rng.standard_exponential(size)
    if dist == "weibull":
        return rng.weibull(s1, size) / special.gamma(1.0 + 1.0 / s1)
    if dist == "burr":
        xi = np.exp(_k.burr_logxi(s1, s2))
        u = 1.0 - rng.random(size)  # in (0, 1]
        return xi * (np.expm1(-s2 * np.log(u)) / s2) ** (1.0 / s1)
    lam = np.exp(_k.gengamma_loglam(s1, s2))
    return lam * rng.gamma(s2, 1.0, size) ** (1.0 / s1)
