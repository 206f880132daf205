"""Peaks over threshold: generalized Pareto tail of the losses, VaR and ES (McNeil & Frey 2000)."""

from __future__ import annotations

import math
import warnings
from typing import Any, NamedTuple

import numpy as np
from scipy import optimize

from riskkit._exceptions import ConvergenceWarning, InputError, RiskkitWarning
from riskkit._validation import check_finite, check_probability

__all__ = ["MIN_EXCEEDANCES", "GPDFit", "evt_var_es", "fit_gpd"]

#: minimum number of exceedances for a GPD fit
MIN_EXCEEDANCES = 10
_XI_MIN = -1.0  # the GPD likelihood is unbounded for xi < -1: the ML estimate must have xi > -1
_GRID_POS = np.logspace(-6.0, 4.0, 81)
_GRID_NEG = 1.0 - np.logspace(-8.0, -0.0001, 40)[::-1]


class GPDFit(NamedTuple):
    """Maximum-likelihood generalized Pareto fit of exceedances (location 0)."""

    xi: float
    beta: float
    loglik: float
    converged: bool

    def __str__(self) -> str:
        return (
            f"GPD fit (ML): xi={self.xi:.6g}, beta={self.beta:.6g}, "
            f"loglik={self.loglik:.8g}, converged={self.converged}"
        )


def _gpd_loglik(y: np.ndarray, xi: float, beta: float) -> float:
    n = y.shape[0]
    if abs(xi) < 1e-12:
        return -n * math.log(beta) - float(np.sum(y)) / beta
    arg = xi * y / beta
    if np.any(arg <= -1.0):
        return -math.inf
    return -n * math.log(beta) - (1.0 + 1.0 / xi) * float(np.sum(np.log1p(arg)))


def _profile(theta: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Profile log-likelihood / n of ``theta = xi / beta`` and the profiled ``xi(theta)``.

    For fixed theta the ML xi is ``mean(log(1 + theta y))`` and ``beta = xi / theta``, so
    ``l(theta) / n = -log(xi / theta) - 1 - xi`` (Grimshaw 1993); theta -> 0 is the
    exponential limit ``-log(mean(y)) - 1``.
    """
    theta = np.atleast_1d(theta)
    small = np.abs(theta) < 1e-12
    safe = np.where(small, 1.0, theta)
    with np.errstate(invalid="ignore", divide="ignore"):
        arg = np.log1p(np.multiply.outer(y, safe))  # (n, G)
        xi = arg.mean(axis=0)
        prof = -np.log(xi / safe) - 1.0 - xi
    mean_y = float(np.mean(y))
    prof = np.where(small, -math.log(mean_y) - 1.0, prof)
    xi = np.where(small, 0.0, xi)
    bad = ~np.isfinite(prof) | (xi <= _XI_MIN)
    return np.where(bad, -np.inf, prof), xi


def _profile_slope(theta: float, y: np.ndarray) -> float:
    """d/dtheta of the profile log-likelihood / n: ``-xi'/xi + 1/theta - xi'``."""
    if abs(theta) < 1e-10:  # the slope is smooth through 0; evaluate just beside it
        theta = 1e-10
    w = theta * y
    xi = float(np.mean(np.log1p(w)))
    dxi = float(np.mean(y / (1.0 + w)))
    return -dxi / xi + 1.0 / theta - dxi


def _fit_gpd_scaled(y: np.ndarray) -> tuple[float, float, bool]:
    """ML fit of exceedances scaled to mean 1: returns (xi, beta, converged)."""
    ymax = float(np.max(y))
    grid = np.concatenate([-_GRID_NEG[::-1] / ymax, [0.0], _GRID_POS])
    grid = np.unique(grid[grid > -1.0 / ymax])
    prof, _ = _profile(grid, y)
    i = int(np.argmax(prof))
    if not np.isfinite(prof[i]):
        return math.nan, math.nan, False
    lo = grid[max(i - 1, 0)]
    hi = grid[min(i + 1, grid.size - 1)]
    theta = float(grid[i])
    s_lo, s_hi = _profile_slope(lo, y), _profile_slope(hi, y)
    if s_lo > 0.0 > s_hi:
        # the maximum is the root of the profile slope: exact to rounding
        theta = float(optimize.brentq(_profile_slope, lo, hi, args=(y,), xtol=1e-300, rtol=1e-15))
    else:
        res = optimize.minimize_scalar(
            lambda t: -float(_profile(np.array([t]), y)[0][0]),
            bounds=(lo, hi),
            method="bounded",
            options={"xatol": 1e-12 * max(1.0, abs(hi)), "maxiter": 500},
        )
        if -res.fun >= prof[i]:
            theta = float(res.x)
    _, xi_arr = _profile(np.array([theta]), y)
    xi = float(xi_arr[0])
    beta = float(np.mean(y)) if abs(theta) < 1e-12 else xi / theta
    interior = 0 < i < grid.size - 1
    converged = bool(interior and np.isfinite(xi) and beta > 0.0 and xi > _XI_MIN)
    return xi, beta, converged


def fit_gpd(exceedances: Any) -> GPDFit:
    """Fit a generalized Pareto distribution (location 0) to exceedances by maximum likelihood.

    Parameters
    ----------
    exceedances : array_like
        1-D, finite, non-negative excesses over a threshold, not all equal; at least
        ``MIN_EXCEEDANCES = 10`` values.

    Returns
    -------
    GPDFit
        ``(xi, beta, loglik, converged)`` (a named tuple). ``converged=False`` comes with a
        :class:`~riskkit.ConvergenceWarning` (maximum on the search boundary, e.g. xi -> -1).

    Notes
    -----
    The density is :math:`g(y) = \\beta^{-1}(1 + \\xi y/\\beta)^{-1/\\xi - 1}` (exponential
    when :math:`\\xi = 0`). The likelihood is profiled over :math:`\\theta = \\xi/\\beta`
    (for fixed :math:`\\theta` the ML :math:`\\xi` is :math:`n^{-1}\\sum\\log(1+\\theta y_i)`),
    maximised first on a grid covering :math:`\\theta \\in (-1/y_{max}, 10^4/\\bar y)` and
    then by bounded Brent search between the grid neighbours of the best point. The data
    are scaled by their mean first (scale equivariance); only :math:`\\xi > -1` is
    admissible (the likelihood is unbounded otherwise).

    References
    ----------
    Grimshaw, S. D. (1993). Computing maximum likelihood estimates for the generalized
    Pareto distribution. *Technometrics* 35(2), 185-191.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.random.default_rng(0).pareto(3.0, 2000)  # Lomax: GPD with xi = 1/3, beta = 1/3
    >>> f = fit_gpd(y)
    >>> f.converged and abs(f.xi - 1 / 3) < 0.1 and abs(f.beta - 1 / 3) < 0.05
    True
    """
    arr = np.asarray(exceedances)
    if arr.dtype == bool or arr.dtype.kind not in "iuf":
        raise InputError(f"exceedances must hold real numbers; got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise InputError(f"exceedances must be 1-dimensional; got shape {arr.shape}")
    y = check_finite(np.ascontiguousarray(arr, dtype=np.float64), "exceedances")
    if y.shape[0] < MIN_EXCEEDANCES:
        raise InputError(
            f"exceedances has {y.shape[0]} values; a GPD fit needs at least {MIN_EXCEEDANCES}"
        )
    if np.any(y < 0.0):
        raise InputError(f"exceedances must be non-negative; got {float(np.min(y))!r}")
    if np.all(y == y[0]):
        raise InputError(f"exceedances are constant (all equal {y[0]!r}); a GPD fit needs spread")
    return _fit_gpd_array(y)


def _fit_gpd_array(y: np.ndarray) -> GPDFit:
    scale = float(np.mean(y))
    xi, beta_s, converged = _fit_gpd_scaled(y / scale)
    beta = beta_s * scale
    loglik = _gpd_loglik(y, xi, beta) if math.isfinite(xi) else -math.inf
    if not converged:
        warnings.warn(
            f"GPD maximum-likelihood fit did not converge (xi={xi:.4g}); the result is "
            "flagged converged=False",
            ConvergenceWarning,
            stacklevel=3,
        )
    return GPDFit(xi, beta, loglik, converged)


def _expm1_over(xi: float, t: np.ndarray) -> np.ndarray:
    """``(exp(xi t) - 1) / xi`` with its limit ``t`` at ``xi = 0``."""
    if abs(xi) < 1e-12:
        return t
    return np.expm1(xi * t) / xi


def evt_var_es(
    x: np.ndarray,
    alphas: np.ndarray,
    threshold: float | None = None,
    tail_fraction: float = 0.1,
) -> tuple[np.ndarray, np.ndarray]:
    """Peaks-over-threshold VaR and ES: GPD fitted to the losses above a threshold.

    Parameters
    ----------
    x : ndarray
        1-D float64 returns validated by the caller (finite, non-constant).
    alphas : ndarray
        1-D tail probabilities in (0, 1); each must be below ``N_u / n``.
    threshold : float, optional
        Threshold ``u`` on the LOSS scale (``-x``). When given, ``tail_fraction`` is ignored.
    tail_fraction : float, default 0.1
        When ``threshold`` is None, ``k = floor(tail_fraction * n)`` and ``u`` is the
        (k+1)-th largest loss (the empirical ``1 - tail_fraction`` quantile), so that
        (without ties) exactly ``k`` losses exceed it.

    Returns
    -------
    var, es : ndarray
        Positive losses of shape ``alphas.shape``.

    Raises
    ------
    InputError
        Fewer than ``MIN_EXCEEDANCES = 10`` losses strictly above ``u``; an ``alpha``
        not below ``N_u / n`` (the tail estimator only extrapolates beyond the threshold);
        a ``tail_fraction`` outside (0, 1) or a non-finite ``threshold``.

    Notes
    -----
    With losses :math:`L = -x`, :math:`N_u` exceedances :math:`y = L - u > 0` and GPD
    estimates :math:`(\\xi, \\beta)` from :func:`fit_gpd`:

    .. math:: \\mathrm{VaR}_\\alpha = u + \\frac{\\beta}{\\xi}
              \\Big(\\Big(\\frac{n}{N_u}\\alpha\\Big)^{-\\xi} - 1\\Big), \\qquad
              \\mathrm{ES}_\\alpha = \\frac{\\mathrm{VaR}_\\alpha + \\beta - \\xi u}{1 - \\xi}.

    At :math:`\\xi = 0` the VaR is :math:`u + \\beta \\log(N_u / (n\\alpha))` (computed with
    ``expm1`` so small :math:`|\\xi|` are exact). When :math:`\\xi \\ge 1` the ES is infinite:
    ``inf`` is returned with a :class:`~riskkit.RiskkitWarning`.

    References
    ----------
    McNeil, A. J. and Frey, R. (2000). Estimation of tail-related risk measures for
    heteroscedastic financial time series: an extreme value approach.
    *Journal of Empirical Finance* 7(3-4), 271-300, eqs. (5)-(6) and Sec. 2.3.
    """
    tail_fraction = check_probability(tail_fraction, "tail_fraction")
    losses = -np.asarray(x, dtype=np.float64)
    n = losses.shape[0]
    if threshold is None:
        k = math.floor(tail_fraction * n)
        if k < MIN_EXCEEDANCES:
            need = math.ceil(MIN_EXCEEDANCES / tail_fraction)
            raise InputError(
                f"x has {n} observations; method 'evt' with tail_fraction={tail_fraction} "
                f"needs at least {need} (for {MIN_EXCEEDANCES} exceedances)"
            )
        u = float(np.sort(losses)[n - k - 1])
    else:
        if isinstance(threshold, bool):
            raise InputError(f"threshold must be a finite number; got {threshold!r}")
        try:
            u = float(threshold)
        except (TypeError, ValueError):
            raise InputError(f"threshold must be a finite number; got {threshold!r}") from None
        if not math.isfinite(u):
            raise InputError(f"threshold must be a finite number; got {threshold!r}")
    y = losses[losses > u] - u
    n_u = y.shape[0]
    if n_u < MIN_EXCEEDANCES:
        raise InputError(
            f"threshold u={u:.6g} (loss scale) leaves {n_u} exceedances; method 'evt' needs "
            f"at least {MIN_EXCEEDANCES}: lower the threshold or raise tail_fraction"
        )
    if np.all(y == y[0]):
        raise InputError(f"the {n_u} exceedances over u={u:.6g} are all equal; no tail to fit")
    alphas = np.asarray(alphas, dtype=np.float64)
    limit = n_u / n
    if np.any(alphas >= limit):
        bad = float(alphas[alphas >= limit][0])
        raise InputError(
            f"alpha={bad} is not below N_u/n = {n_u}/{n} = {limit:.4g}: the POT estimator "
            "only describes the tail beyond the threshold; use a smaller alpha or a lower "
            "threshold (larger tail_fraction)"
        )
    fit = _fit_gpd_array(y)
    xi, beta = fit.xi, fit.beta
    var = u + beta * _expm1_over(xi, np.log(limit / alphas))
    if xi < 1.0:
        es = (var + beta - xi * u) / (1.0 - xi)
    else:
        warnings.warn(
            f"fitted GPD shape xi={xi:.4g} >= 1: the tail has no mean and ES is infinite",
            RiskkitWarning,
            stacklevel=2,
        )
        es = np.full_like(var, np.inf)
    return var, es
