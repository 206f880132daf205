"""Scoring functions (losses) for risk forecasts and distribution forecasts.

All are *losses*: smaller is better, and strictly consistent for their functional, so
the expected score is minimised by the true forecast. Per-day losses are returned:
Series in -> Series with the caller's index, arrays in -> ndarray; ``average=True``
returns their mean as a float.

Sign conventions (DESIGN.md §1): ``returns`` are returns; ``var``, ``es``, ``evar`` are
non-negative losses, i.e. minus the return quantile / tail mean / expectile.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from scipy import integrate

from riskkit._exceptions import InputError
from riskkit._validation import check_probability
from riskkit.backtest._inputs import aligned

__all__ = ["crps", "crps_sample", "expectile_loss", "fz0_loss", "log_score", "pit", "tick_loss"]


def _out(values: np.ndarray, index: pd.Index | None, name: str, average: bool) -> Any:
    if average:
        return float(np.mean(values))
    if index is None:
        return values
    return pd.Series(values, index=index.copy(), name=name)


def tick_loss(
    returns: Any, var: Any, alpha: float, *, average: bool = False, nan_policy: str = "raise"
) -> Any:
    """Tick (pinball, quantile) loss of a VaR forecast.

    Notes
    -----
    With the return quantile ``q_t = -VaR_t``:

    .. math:: S(q, r) = (\\alpha - 1\\{r < q\\})(r - q).

    It is non-negative and strictly consistent for the alpha-quantile (Gneiting 2011).

    References
    ----------
    Koenker, R. & Bassett, G. (1978). Regression quantiles. *Econometrica* 46(1), 33-50.
    Gneiting, T. (2011). Making and evaluating point forecasts. *JASA* 106, 746-762.
    """
    alpha = check_probability(alpha, "alpha")
    a, index = aligned({"returns": returns, "var": var}, nan_policy)
    r, q = a["returns"], -a["var"]
    loss = (alpha - (r < q)) * (r - q)
    return _out(loss, index, "tick_loss", average)


def fz0_loss(
    returns: Any,
    var: Any,
    es: Any,
    alpha: float,
    *,
    average: bool = False,
    nan_policy: str = "raise",
) -> Any:
    """FZ0 joint loss of (VaR, ES) of Patton, Ziegel & Chen (2019).

    Notes
    -----
    In return terms (``v = -VaR < 0``, ``e = -ES <= v``) the FZ0 loss is

    .. math:: L(r, v, e) = -\\frac{1}{\\alpha e} 1\\{r \\le v\\}(v - r) + \\frac{v}{e}
              + \\log(-e) - 1,

    which in the positive-loss convention of riskkit (``L_t = -r_t``) reads

    .. math:: \\frac{1\\{L_t \\ge VaR_t\\}(L_t - VaR_t)}{\\alpha\\, ES_t} + \\frac{VaR_t}{ES_t}
              + \\log ES_t - 1.

    It is strictly consistent for (VaR, ES) when ES > 0 and homogeneous of degree zero
    in the scale, so losses compare across assets. ES must be strictly positive.

    References
    ----------
    Patton, A. J., Ziegel, J. F. & Chen, R. (2019). Dynamic semiparametric models for
    expected shortfall (and value-at-risk). *Journal of Econometrics* 211, 388-413,
    eq. (6). Fissler, T. & Ziegel, J. F. (2016), *Annals of Statistics* 44(4).
    """
    alpha = check_probability(alpha, "alpha")
    a, index = aligned({"returns": returns, "var": var, "es": es}, nan_policy)
    loss_r, v, e = -a["returns"], a["var"], a["es"]
    if np.any(e <= 0):
        pos = int(np.argmax(e <= 0))
        raise InputError(f"es must be strictly positive for the FZ0 loss; got {e[pos]!r}")
    excess = np.where(loss_r >= v, loss_r - v, 0.0)
    loss = excess / (alpha * e) + v / e + np.log(e) - 1.0
    return _out(loss, index, "fz0_loss", average)


def expectile_loss(
    returns: Any, evar: Any, tau: float, *, average: bool = False, nan_policy: str = "raise"
) -> Any:
    """Asymmetric squared loss of an expectile (EVaR) forecast.

    Notes
    -----
    With the return expectile ``e_t = -EVaR_t``:
    ``S(e, r) = |tau - 1{r < e}| (r - e)^2`` (Newey & Powell 1987), strictly consistent
    for the tau-expectile.

    References
    ----------
    Newey, W. K. & Powell, J. L. (1987). Asymmetric least squares estimation and
    testing. *Econometrica* 55(4), 819-847.
    """
    tau = check_probability(tau, "tau")
    a, index = aligned({"returns": returns, "evar": evar}, nan_policy)
    r, e = a["returns"], -a["evar"]
    loss = np.abs(tau - (r < e)) * (r - e) ** 2
    return _out(loss, index, "expectile_loss", average)


def _location_scale(returns: Any, loc: Any, scale: Any, dist: Any, nan_policy: str) -> Any:
    from riskkit import distributions as rkd

    std = rkd.get(dist)
    a, index = aligned({"returns": returns, "loc": loc, "scale": scale}, nan_policy)
    if np.any(a["scale"] <= 0):
        pos = int(np.argmax(a["scale"] <= 0))
        raise InputError(f"scale must be strictly positive; got {a['scale'][pos]!r}")
    z = (a["returns"] - a["loc"]) / a["scale"]
    return std, z, a["scale"], index


@lru_cache(maxsize=64)
def _gini_mean_difference(std: Any) -> float:
    """``E|X - X'| = 2 int F(x)(1 - F(x)) dx`` of a standardized distribution."""
    if std.code == 0:
        return 2.0 / math.sqrt(math.pi)

    def f(x: float) -> float:
        c = float(std.cdf(x))
        return 2.0 * c * (1.0 - c)

    left = integrate.quad(f, -np.inf, 0.0, limit=200)[0]
    right = integrate.quad(f, 0.0, np.inf, limit=200)[0]
    return left + right


def crps(
    returns: Any,
    loc: Any = 0.0,
    scale: Any = 1.0,
    *,
    dist: Any = "normal",
    average: bool = False,
    nan_policy: str = "raise",
) -> Any:
    """Continuous ranked probability score of location-scale forecasts ``loc + scale * Z``.

    Parameters
    ----------
    returns : Series or 1-D array
    loc, scale : Series, 1-D arrays or floats
    dist : str or riskkit.distributions.Distribution
        Standardized law of ``Z`` (``"normal"``, ``"t"`` needs an instance, ...).

    Notes
    -----
    ``CRPS(F, y) = E|X - y| - E|X - X'| / 2``. For the standardized law with
    ``z = (y - loc) / scale``, partial moment ``M(z) = E[Z 1{Z <= z}]`` and mean zero,

    .. math:: CRPS = scale\\,[z(2F(z) - 1) - 2M(z) - G/2], \\quad G = E|Z - Z'|,

    which for the normal is the closed form
    ``scale [z(2 Phi(z) - 1) + 2 phi(z) - 1/sqrt(pi)]`` (Gneiting & Raftery 2007,
    eq. 21). ``G`` is integrated numerically (once per distribution) otherwise.

    References
    ----------
    Gneiting, T. & Raftery, A. E. (2007). Strictly proper scoring rules, prediction, and
    estimation. *JASA* 102, 359-378, section 4.2.
    """
    std, z, s, index = _location_scale(returns, loc, scale, dist, nan_policy)
    g = _gini_mean_difference(std)
    cdf = np.asarray(std.cdf(z))
    pm1 = np.asarray(std.partial_moment(z, 1))
    score = s * (z * (2.0 * cdf - 1.0) - 2.0 * pm1 - 0.5 * g)
    return _out(score, index, "crps", average)


def crps_sample(returns: Any, samples: Any, *, average: bool = False) -> Any:
    """Sample (ensemble) CRPS: ``mean|X_i - y| - mean|X_i - X_j| / 2`` per day.

    Parameters
    ----------
    returns : Series or 1-D array of length n
    samples : array of shape (n, m)
        ``m`` draws of the forecast distribution of each day.

    Notes
    -----
    The pairwise term uses the sorted-sample identity
    ``sum_{i,j}|x_i - x_j| = 2 sum_i (2i - m - 1) x_(i)`` (O(m log m) per day).
    """
    a, index = aligned({"returns": returns}, "raise")
    y = a["returns"]
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] != y.size or x.shape[1] < 1:
        raise InputError(f"samples must have shape ({y.size}, m); got {x.shape}")
    if not np.all(np.isfinite(x)):
        raise InputError("samples must be finite")
    m = x.shape[1]
    xs = np.sort(x, axis=1)
    w = 2.0 * np.arange(1, m + 1) - m - 1.0
    pair = 2.0 * (xs @ w) / (m * m)
    score = np.mean(np.abs(x - y[:, None]), axis=1) - 0.5 * pair
    return _out(score, index, "crps", average)


def log_score(
    returns: Any,
    loc: Any = 0.0,
    scale: Any = 1.0,
    *,
    dist: Any = "normal",
    average: bool = False,
    nan_policy: str = "raise",
) -> Any:
    """Logarithmic score ``-log f_t(r_t)`` of location-scale forecasts (a loss).

    ``f_t(r) = phi_Z((r - loc_t) / scale_t) / scale_t`` (Good 1952; Gneiting &
    Raftery 2007, section 4.1).
    """
    std, z, s, index = _location_scale(returns, loc, scale, dist, nan_policy)
    score = -np.asarray(std.logpdf(z)) + np.log(s)
    return _out(score, index, "log_score", average)


def pit(
    returns: Any,
    loc: Any = 0.0,
    scale: Any = 1.0,
    *,
    dist: Any = "normal",
    nan_policy: str = "raise",
) -> Any:
    """Probability integral transform ``u_t = F_Z((r_t - loc_t) / scale_t)``.

    iid U(0, 1) under a correct forecast (Diebold, Gunther & Tay 1998); input of
    :func:`riskkit.backtest.tests.berkowitz` and :func:`~riskkit.backtest.tests.du_escanciano`.
    """
    std, z, _, index = _location_scale(returns, loc, scale, dist, nan_policy)
    return _out(np.asarray(std.cdf(z), dtype=np.float64), index, "pit", False)
