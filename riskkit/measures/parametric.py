"""Parametric (location-scale) VaR and ES: normal, Student t and Hansen skew-t.

The returns are modelled as ``X = mu + sigma * Z`` with ``Z`` one of the
standardized (mean 0, variance 1) distributions of :mod:`riskkit.distributions`,
so ``sigma`` is the standard deviation of ``X``. Then, as positive losses,

.. math:: \\mathrm{VaR}_\\alpha = -(\\mu + \\sigma q_\\alpha(Z)), \\qquad
          \\mathrm{ES}_\\alpha = -\\mu + \\sigma\\, \\mathrm{ES}_\\alpha(Z)

with ``ES_alpha(Z) = -E[Z | Z <= q_alpha(Z)]`` in closed form.

The ``*_var_es(x, alphas)`` functions follow the contract of the
:mod:`riskkit.measures` dispatcher: ``x`` is a validated 1-D float64 array,
``alphas`` a 1-D array in (0, 1); they return ``(var, es)`` of ``alphas.shape``.
``fit_t`` / ``fit_skewt`` are the public, validated maximum-likelihood fitters.

All fits standardize the data first (``(x - mean) / std``) and transform the
estimates back, so fitting ``c * x + d`` gives exactly the transformed
parameters (scale and translation equivariance) with the same number of
optimizer iterations.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, NamedTuple

import numpy as np
from scipy import optimize, special

from riskkit._exceptions import ConvergenceWarning, InputError
from riskkit._validation import check_finite, check_min_obs, check_not_constant
from riskkit.distributions import SkewT, StudentT, skewt_constants

__all__ = [
    "SkewTFit",
    "TFit",
    "fit_skewt",
    "fit_t",
    "normal_var_es",
    "skewt_var_es",
    "t_var_es",
]

#: bounds of the degrees of freedom in the t and skew-t fits (nu > 2 for a finite variance)
NU_BOUNDS = (2.05, 500.0)
# the optimizers work on 1/nu (1/eta): the likelihood is much flatter in nu at large nu
_INV_NU_BOUNDS = (1.0 / NU_BOUNDS[1], 1.0 / NU_BOUNDS[0])
#: bounds of Hansen's skewness parameter lambda in the skew-t fit
LAM_BOUNDS = (-0.99, 0.99)
#: a fitted standard deviation below this fraction of the sample one is a degenerate spike
DEGENERATE_SCALE = 1e-6
#: minimum number of observations of the t and skew-t fits
MIN_OBS_T = 10
MIN_OBS_SKEWT = 20


# --------------------------------------------------------------------------- normal


def normal_var_es(x: np.ndarray, alphas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian VaR and ES from the sample mean and the sample standard deviation.

    Parameters
    ----------
    x : ndarray
        1-D float64 returns (validated by the caller: finite, non-constant, >= 2 obs).
    alphas : ndarray
        1-D tail probabilities in (0, 1).

    Returns
    -------
    var, es : ndarray
        Positive losses, shape ``alphas.shape``.

    Notes
    -----
    With ``m`` the sample mean, ``s`` the sample standard deviation with ``ddof=1``
    (the unbiased variance estimator) and ``z = Phi^{-1}(alpha)``:

    .. math:: \\mathrm{VaR} = -(m + s z), \\qquad \\mathrm{ES} = -m + s\\,\\varphi(z)/\\alpha.

    References
    ----------
    McNeil, A. J., Frey, R. and Embrechts, P. (2015). *Quantitative Risk Management*,
    2nd ed., Princeton University Press, Example 2.14.
    """
    m = float(np.mean(x))
    s = float(np.std(x, ddof=1))
    z = special.ndtri(alphas)
    phi = np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    return -(m + s * z), -m + s * phi / alphas


# --------------------------------------------------------------------------- shared


def _prepare(x: Any, n_min: int, what: str) -> np.ndarray:
    """Validate public input of the fitters: 1-D, real, finite, long enough, not constant."""
    arr = np.asarray(x)
    if arr.dtype == bool or arr.dtype.kind not in "iuf":
        raise InputError(f"x must hold real numbers; got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise InputError(f"x must be 1-dimensional; got shape {arr.shape}")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    check_finite(arr, "x")
    check_min_obs(arr, n_min, "x", what)
    check_not_constant(arr, "x")
    return arr


def _standardize(x: np.ndarray) -> tuple[np.ndarray, float, float]:
    m = float(np.mean(x))
    s = float(np.std(x))
    return (x - m) / s, m, s


def _kurtosis_start(z: np.ndarray) -> float:
    """Degrees of freedom matching the sample excess kurtosis ``6 / (nu - 4)``."""
    k = float(np.mean(z**4) / np.mean(z**2) ** 2 - 3.0)
    nu = 4.0 + 6.0 / k if k > 0.06 else 100.0
    return float(np.clip(nu, 3.0, 100.0))


_GTOL_ACCEPT = 1e-6  # a line-search stop ("ABNORMAL") at a stationary point still counts


def _projected_gradient(res: Any, bounds: list[tuple[float, float]]) -> float:
    """Largest gradient component not blocked by an active bound."""
    g = np.asarray(res.jac, dtype=np.float64).copy()
    for i, (lo, hi) in enumerate(bounds):
        if (res.x[i] <= lo and g[i] > 0.0) or (res.x[i] >= hi and g[i] < 0.0):
            g[i] = 0.0
    return float(np.max(np.abs(g)))


def _minimize(
    fun: Any, starts: list[np.ndarray], bounds: list[tuple[float, float]], jac: Any, args: tuple
) -> tuple[Any, bool]:
    """L-BFGS-B from each start; the best converged result (else the best one).

    Converged: L-BFGS-B reports success, or it stopped in the line search at a point whose
    projected gradient (of the average log-likelihood) is below ``_GTOL_ACCEPT``.
    """
    best = None
    for x0 in starts:
        res = optimize.minimize(
            fun,
            x0,
            args=args,
            jac=jac,
            method="L-BFGS-B",
            bounds=bounds,
            options={"maxiter": 500, "ftol": 1e-13, "gtol": 1e-9},
        )
        ok = bool(np.isfinite(res.fun)) and (
            bool(res.success) or _projected_gradient(res, bounds) < _GTOL_ACCEPT
        )
        if best is None or (ok, -res.fun) > (best[1], -best[0].fun):
            best = (res, ok)
    assert best is not None
    return best


def _check_fit(ok: bool, sigma_std: float, what: str) -> bool:
    """Final convergence flag; warns when the optimizer failed or the scale collapsed."""
    if sigma_std < DEGENERATE_SCALE:
        warnings.warn(
            f"{what} maximum-likelihood fit is degenerate (the fitted scale collapsed to "
            f"{sigma_std:.3g} x the sample standard deviation: the likelihood is unbounded, "
            "e.g. many tied values); the result is flagged converged=False",
            ConvergenceWarning,
            stacklevel=4,
        )
        return False
    if not ok:
        warnings.warn(
            f"{what} maximum-likelihood fit did not converge; the result is flagged "
            "converged=False",
            ConvergenceWarning,
            stacklevel=4,
        )
    return ok


# --------------------------------------------------------------------------- Student t


class TFit(NamedTuple):
    """Maximum-likelihood location-scale Student t: ``X = mu + sigma * Z``, ``Z ~ StudentT(nu)``.

    ``sigma`` is the standard deviation of ``X``; the usual t scale is
    ``sigma * sqrt((nu - 2) / nu)``. ``loglik`` is the full log-likelihood of the data.
    """

    mu: float
    sigma: float
    nu: float
    loglik: float
    converged: bool
    nobs: int

    @property
    def distribution(self) -> StudentT:
        return StudentT(self.nu)

    def var_es(self, alphas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """VaR and ES (positive losses) of the fitted distribution at ``alphas``."""
        d = self.distribution
        a = np.asarray(alphas, dtype=np.float64)
        return -(self.mu + self.sigma * d.ppf(a)), -self.mu + self.sigma * d.es(a)

    def __str__(self) -> str:
        return (
            f"Student t fit (ML, {self.nobs} obs): mu={self.mu:.6g}, sigma={self.sigma:.6g}, "
            f"nu={self.nu:.6g}, loglik={self.loglik:.8g}, converged={self.converged}"
        )


def _t_negloglik(theta: np.ndarray, z: np.ndarray) -> tuple[float, np.ndarray]:
    """Average negative log-likelihood of ``m + k T`` (standard t scale ``k``) and its gradient.

    theta = (m, log k, 1/nu).
    """
    m, logk, inv_nu = theta
    nu = 1.0 / inv_nu
    k = math.exp(logk)
    r = (z - m) / k
    r2 = r * r
    q = nu + r2
    ll = (
        math.lgamma(0.5 * (nu + 1.0))
        - math.lgamma(0.5 * nu)
        - 0.5 * math.log(nu * math.pi)
        - logk
        - 0.5 * (nu + 1.0) * np.log1p(r2 / nu)
    )
    g_m = (nu + 1.0) * r / (k * q)
    g_logk = -1.0 + (nu + 1.0) * r2 / q
    g_nu = (
        0.5 * special.digamma(0.5 * (nu + 1.0))
        - 0.5 * special.digamma(0.5 * nu)
        - 0.5 / nu
        - 0.5 * np.log1p(r2 / nu)
        + 0.5 * (nu + 1.0) * r2 / (nu * q)
    )
    grad = -np.array([g_m.mean(), g_logk.mean(), -nu * nu * g_nu.mean()])
    return -float(ll.mean()), grad


def _fit_t_standardized(z: np.ndarray) -> tuple[float, float, float, float, bool]:
    """ML on standardized data: (mu, sigma, nu, mean loglik, success)."""
    nu0 = _kurtosis_start(z)
    starts = [np.array([0.0, 0.5 * math.log((nu0 - 2.0) / nu0), 1.0 / nu0])]
    starts.append(np.array([float(np.median(z)), math.log(0.7), 0.2]))
    bounds = [(-10.0, 10.0), (-20.0, 5.0), _INV_NU_BOUNDS]
    res, ok = _minimize(_t_negloglik, starts[:1], bounds, jac=True, args=(z,))
    if not ok:
        res, ok = _minimize(_t_negloglik, starts, bounds, jac=True, args=(z,))
    m, logk, inv_nu = (float(v) for v in res.x)
    nu = 1.0 / inv_nu
    sigma = math.exp(logk) * math.sqrt(nu / (nu - 2.0))
    return m, sigma, nu, -float(res.fun), ok


def _t_fit_array(x: np.ndarray) -> TFit:
    z, loc, scale = _standardize(x)
    m, sigma, nu, mean_ll, ok = _fit_t_standardized(z)
    n = x.shape[0]
    loglik = n * mean_ll - n * math.log(scale)
    ok = _check_fit(ok, sigma, "Student t")
    return TFit(loc + scale * m, scale * sigma, nu, loglik, ok, n)


def fit_t(x: Any) -> TFit:
    """Fit a location-scale Student t by maximum likelihood.

    Parameters
    ----------
    x : array_like
        1-D returns, finite, non-constant, at least 10 observations.

    Returns
    -------
    TFit
        ``(mu, sigma, nu, loglik, converged, nobs)``; ``sigma`` is the standard deviation.
        A :class:`~riskkit.ConvergenceWarning` is issued when ``converged`` is False.

    Notes
    -----
    Maximises :math:`\\sum_i \\log f_\\nu((x_i - \\mu)/k) - n \\log k` over
    :math:`(\\mu, \\log k, 1/\\nu)` with the analytic gradient (L-BFGS-B), ``nu`` constrained
    to ``NU_BOUNDS = (2.05, 500)`` so that the variance is finite; ``sigma = k sqrt(nu/(nu-2))``.
    The data are standardized before the fit and the estimates transformed back. A fitted
    standard deviation below ``DEGENERATE_SCALE = 1e-6`` times the sample one (unbounded
    likelihood, e.g. mostly tied values) is flagged ``converged=False``; an optimum on a bound
    of ``nu`` is a constrained optimum and counts as converged.

    Examples
    --------
    >>> import numpy as np
    >>> from riskkit.measures.parametric import fit_t
    >>> x = 0.01 * np.random.default_rng(0).standard_t(5, 2000)
    >>> f = fit_t(x)
    >>> bool(f.converged) and 3.5 < f.nu < 7.5
    True
    """
    return _t_fit_array(_prepare(x, MIN_OBS_T, "a Student t fit"))


def t_var_es(x: np.ndarray, alphas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """VaR and ES of a location-scale Student t fitted by maximum likelihood.

    Parameters
    ----------
    x : ndarray
        1-D float64 returns validated by the caller; at least 10 observations.
    alphas : ndarray
        1-D tail probabilities in (0, 1).

    Returns
    -------
    var, es : ndarray
        Positive losses of shape ``alphas.shape``.

    Notes
    -----
    See :func:`fit_t`. With :math:`W` the unit-variance t, :math:`c = t_\\nu^{-1}(\\alpha)`
    and :math:`s = \\sqrt{(\\nu-2)/\\nu}`:

    .. math:: \\mathrm{VaR} = -(\\mu + \\sigma s c), \\qquad
              \\mathrm{ES} = -\\mu + \\sigma s \\frac{f_\\nu(c)(\\nu + c^2)}{(\\nu - 1)\\alpha}.

    References
    ----------
    McNeil, A. J., Frey, R. and Embrechts, P. (2015). *Quantitative Risk Management*,
    2nd ed., Example 2.15 (ES of the t distribution).
    """
    check_min_obs(x, MIN_OBS_T, "x", "method 't'")
    return _t_fit_array(np.ascontiguousarray(x, dtype=np.float64)).var_es(alphas)


# --------------------------------------------------------------------------- skew t


class SkewTFit(NamedTuple):
    """Maximum-likelihood location-scale Hansen skew-t: ``X = mu + sigma * Z``, ``Z ~ SkewT``."""

    mu: float
    sigma: float
    eta: float
    lam: float
    loglik: float
    converged: bool
    nobs: int

    @property
    def distribution(self) -> SkewT:
        return SkewT(self.eta, self.lam)

    def var_es(self, alphas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """VaR and ES (positive losses) of the fitted distribution at ``alphas``."""
        d = self.distribution
        a = np.asarray(alphas, dtype=np.float64)
        return -(self.mu + self.sigma * d.ppf(a)), -self.mu + self.sigma * d.es(a)

    def __str__(self) -> str:
        return (
            f"Hansen skew-t fit (ML, {self.nobs} obs): mu={self.mu:.6g}, "
            f"sigma={self.sigma:.6g}, eta={self.eta:.6g}, lam={self.lam:.6g}, "
            f"loglik={self.loglik:.8g}, converged={self.converged}"
        )


def _skewt_negloglik(theta: np.ndarray, z: np.ndarray) -> tuple[float, np.ndarray]:
    """Average negative log-likelihood of ``m + sigma Z`` (Hansen skew-t) and its gradient.

    theta = (m, log sigma, 1/eta, lam). With ``y = b r + a``, ``d = 1 -+ lam``, ``u = y / d``
    and ``Q = 1 + u^2 / (eta - 2)``: ``l = log b + log c - (eta+1)/2 log Q - log sigma``.
    """
    m, logs, inv_eta, lam = theta
    eta = 1.0 / inv_eta
    sigma = math.exp(logs)
    r = (z - m) / sigma
    # constants and their derivatives
    dlogc = 0.5 * (
        special.digamma(0.5 * (eta + 1.0)) - special.digamma(0.5 * eta) - 1.0 / (eta - 2.0)
    )
    a, b, c = skewt_constants(eta, lam)
    ratio = (eta - 2.0) / (eta - 1.0)
    da_dlam = 4.0 * c * ratio
    da_deta = 4.0 * lam * c * (dlogc * ratio + 1.0 / (eta - 1.0) ** 2)
    db_dlam = (3.0 * lam - a * da_dlam) / b
    db_deta = -a * da_deta / b
    # per-observation pieces
    y = b * r + a
    sgn = np.where(y < 0.0, -1.0, 1.0)
    d = 1.0 + lam * sgn
    u = y / d
    u2 = u * u
    q = 1.0 + u2 / (eta - 2.0)
    logq = np.log(q)
    ll = math.log(b) + math.log(c) - 0.5 * (eta + 1.0) * logq - logs
    g = -(eta + 1.0) * u / ((eta - 2.0) * q)  # dl/du
    g_m = g * (-b / (sigma * d))
    g_logs = g * (-b * r / d) - 1.0
    g_lam = db_dlam / b + g * ((r * db_dlam + da_dlam) / d - u * sgn / d)
    g_eta = (
        db_deta / b
        + dlogc
        - 0.5 * logq
        + 0.5 * (eta + 1.0) * u2 / ((eta - 2.0) ** 2 * q)
        + g * (r * db_deta + da_deta) / d
    )
    grad = -np.array([g_m.mean(), g_logs.mean(), -eta * eta * g_eta.mean(), g_lam.mean()])
    return -float(ll.mean()), grad


def _skewt_fit_array(x: np.ndarray) -> SkewTFit:
    z, loc, scale = _standardize(x)
    m_t, sigma_t, nu_t, _, _ = _fit_t_standardized(z)
    skew = float(np.mean(z**3))
    lam0 = float(np.clip(-0.1 if skew < 0 else 0.1, *LAM_BOUNDS))
    starts = [
        np.array([m_t, math.log(sigma_t), 1.0 / nu_t, 0.0]),
        np.array([0.0, 0.0, 1.0 / nu_t, lam0]),
    ]
    bounds = [(-10.0, 10.0), (-20.0, 5.0), _INV_NU_BOUNDS, LAM_BOUNDS]
    res, ok = _minimize(_skewt_negloglik, starts, bounds, jac=True, args=(z,))
    m, logs, inv_eta, lam = (float(v) for v in res.x)
    eta = 1.0 / inv_eta
    n = x.shape[0]
    loglik = -n * float(res.fun) - n * math.log(scale)
    ok = _check_fit(ok, math.exp(logs), "skew-t")
    return SkewTFit(loc + scale * m, scale * math.exp(logs), eta, lam, loglik, ok, n)


def fit_skewt(x: Any) -> SkewTFit:
    """Fit a location-scale Hansen (1994) skewed t by maximum likelihood.

    Parameters
    ----------
    x : array_like
        1-D returns, finite, non-constant, at least 20 observations.

    Returns
    -------
    SkewTFit
        ``(mu, sigma, eta, lam, loglik, converged, nobs)``; ``sigma`` is the standard
        deviation. A :class:`~riskkit.ConvergenceWarning` is issued when not converged.

    Notes
    -----
    Maximises :math:`\\sum_i \\log g_{\\eta,\\lambda}((x_i - \\mu)/\\sigma) - n\\log\\sigma`,
    :math:`g` Hansen's unit-variance density, over :math:`(\\mu, \\log\\sigma, 1/\\eta, \\lambda)`
    by L-BFGS-B with ``eta`` in ``NU_BOUNDS = (2.05, 500)`` and ``lam`` in
    ``LAM_BOUNDS = (-0.99, 0.99)``, started from the Student t fit (lambda = 0) and from a
    start with the sign of the sample skewness; the better optimum is kept.

    References
    ----------
    Hansen, B. E. (1994). Autoregressive conditional density estimation.
    *International Economic Review* 35(3), 705-730.
    """
    return _skewt_fit_array(_prepare(x, MIN_OBS_SKEWT, "a skew-t fit"))


def skewt_var_es(x: np.ndarray, alphas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """VaR and ES of a location-scale Hansen skew-t fitted by maximum likelihood.

    Parameters
    ----------
    x : ndarray
        1-D float64 returns validated by the caller; at least 20 observations.
    alphas : ndarray
        1-D tail probabilities in (0, 1).

    Returns
    -------
    var, es : ndarray
        Positive losses of shape ``alphas.shape``.

    Notes
    -----
    See :func:`fit_skewt`. The quantile and ES of the standardized skew-t come from its
    two half-t pieces (:class:`riskkit.distributions.SkewT`).

    References
    ----------
    Hansen, B. E. (1994). *International Economic Review* 35(3), 705-730.
    """
    check_min_obs(x, MIN_OBS_SKEWT, "x", "method 'skewt'")
    return _skewt_fit_array(np.ascontiguousarray(x, dtype=np.float64)).var_es(alphas)
