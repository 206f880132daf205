"""CARE: conditional autoregressive expectiles, with VaR and ES from the expectile.

``CARE(spec, tau=...)`` fits the dynamic tau-expectile by asymmetric least squares;
``CARE(spec, alpha=...)`` also chooses tau so that the in-sample exceedance rate of the
expectile equals alpha (refitting over a grid of tau, then bisection), and reports VaR and
ES at that alpha.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskkit._exceptions import ConvergenceWarning, InputError
from riskkit._kernels import caviar as _k
from riskkit._validation import as_generator, check_int, check_nan_policy, check_probability
from riskkit.regression import caviar_specs as _s

__all__ = ["CARE", "CAREResult", "empirical_expectile"]

_SPECS = ("symmetric_absolute_value", "asymmetric_slope", "indirect_garch")
_TAU_GRID = np.geomspace(1e-4, 0.3, 14)


def empirical_expectile(y: np.ndarray, tau: float, tol: float = 1e-12) -> float:
    """Sample tau-expectile: the e solving ``sum |tau - 1(y < e)| (y - e) = 0``."""
    e = float(np.mean(y))
    for _ in range(500):
        w = np.where(y < e, 1.0 - tau, tau)
        e_new = float(np.sum(w * y) / np.sum(w))
        if abs(e_new - e) <= tol * (1.0 + abs(e)):
            return e_new
        e = e_new
    return e


class CARE:
    """Conditional autoregressive expectile model (Taylor 2008; Kuan, Yeh & Hsu 2009).

    Parameters
    ----------
    spec : {"symmetric_absolute_value", "asymmetric_slope", "indirect_garch"}
        Dynamics, as in :class:`~riskkit.regression.caviar.CAViaR`, applied to
        ``f_t = -mu_t(tau)`` (minus the conditional tau-expectile, a positive number for
        small tau).
    tau : float, optional
        Expectile level in (0, 0.5). Give exactly one of ``tau`` and ``alpha``.
    alpha : float, optional
        VaR tail probability: tau is chosen so that the in-sample share of
        ``y_t < mu_t(tau)`` equals alpha (to within one observation).
    n_draws, n_starts : int
        Random screening vectors and local starts of the multi-start estimator
        (defaults 2000 and 10; the ALS criterion is smooth, fewer starts suffice than for RQ).
    seed : None, int or numpy.random.Generator
    in_sample : int or None
        Leading observations used for estimation (and tau calibration); the rest is
        filtered at the fitted parameters.
    init_window : int, default 300
        The recursion starts at minus the sample tau-expectile of the first
        ``init_window`` returns.
    nan_policy : {"raise", "omit"}

    Notes
    -----
    The parameters minimise the asymmetric least squares criterion

    .. math:: ALS(\\beta) = \\sum_t |\\tau - 1(y_t < \\mu_t)| (y_t - \\mu_t)^2,
              \\qquad \\mu_t = -f_t(\\beta).

    If ``alpha = P(y_t < mu_t)``, the expected shortfall below the expectile is

    .. math:: E[y_t | y_t < \\mu_t] = \\Big(1 + \\frac{\\tau}{(1 - 2\\tau)\\alpha}\\Big)\\mu_t
              - \\frac{\\tau}{(1 - 2\\tau)\\alpha} E_{t-1}[y_t],

    which for zero-mean returns (the assumption used here, as in Taylor 2008) gives
    ``ES_t = (1 + tau / ((1 - 2 tau) alpha)) VaR_t`` with ``VaR_t = f_t``. Standard errors
    are the sandwich ``H^{-1} S H^{-1}`` with ``H = sum w_t grad f_t grad f_t'`` and
    ``S = sum w_t^2 u_t^2 grad f_t grad f_t'``, ``w_t = |tau - 1(u_t < 0)|``,
    ``u_t = y_t + f_t`` (Kuan, Yeh & Hsu 2009, Theorem 2).

    References
    ----------
    Taylor, J. W. (2008). Estimating value at risk and expected shortfall using expectiles.
    *Journal of Financial Econometrics* 6(2), 231-252 (Sections 2-3, eq. for ES).
    Kuan, C.-M., Yeh, J.-H. and Hsu, Y.-C. (2009). Assessing value at risk with CARE, the
    conditional autoregressive expectile models. *Journal of Econometrics* 150, 261-270.
    Newey, W. K. and Powell, J. L. (1987). Asymmetric least squares estimation and testing.
    *Econometrica* 55(4), 819-847.

    Examples
    --------
    >>> import numpy as np
    >>> from riskkit.regression.care import CARE
    >>> r = np.random.default_rng(0).standard_t(5, size=1000)
    >>> res = CARE("symmetric_absolute_value", alpha=0.05, seed=0, n_draws=300, n_starts=3).fit(r)
    >>> bool(abs(res.exceedance_rate * 1000 - 50) <= 1), bool(res.es_factor > 1)
    (True, True)
    """

    def __init__(
        self,
        spec: str = "symmetric_absolute_value",
        *,
        tau: float | None = None,
        alpha: float | None = None,
        n_draws: int = 2000,
        n_starts: int = 10,
        seed: Any = None,
        in_sample: int | None = None,
        init_window: int = 300,
        nan_policy: str = "raise",
    ) -> None:
        self.spec = spec
        self.tau = tau
        self.alpha = alpha
        self.n_draws = n_draws
        self.n_starts = n_starts
        self.seed = seed
        self.in_sample = in_sample
        self.init_window = init_window
        self.nan_policy = nan_policy

    def fit(self, returns: Any) -> CAREResult:
        """Estimate the model (and calibrate tau when ``alpha`` was given)."""
        spec = _s.get_spec(self.spec, _SPECS)
        if (self.tau is None) == (self.alpha is None):
            raise InputError(
                f"give exactly one of tau and alpha; got tau={self.tau!r}, alpha={self.alpha!r}"
            )
        tau = None if self.tau is None else check_probability(self.tau, "tau")
        if tau is not None and tau >= 0.5:
            raise InputError(f"tau must be in (0, 0.5) (a lower-tail expectile); got {tau!r}")
        alpha = None if self.alpha is None else check_probability(self.alpha, "alpha")
        if alpha is not None and alpha >= 0.5:
            raise InputError(f"alpha must be in (0, 0.5); got {alpha!r}")
        n_draws = check_int(self.n_draws, "n_draws", minimum=0)
        n_starts = check_int(self.n_starts, "n_starts", minimum=1)
        nan_policy = check_nan_policy(self.nan_policy)
        rng = as_generator(self.seed)
        y, index, _ = _s.prepare_returns(returns, nan_policy, 20, "CARE")
        n = y.shape[0]
        n_in = _s.check_in_sample(self.in_sample, n, 20)
        window = _s.check_init_window(self.init_window, n_in)
        y_in = np.ascontiguousarray(y[:n_in])
        scale = float(np.std(y_in))
        z = np.ascontiguousarray(y_in / scale)
        fitter = _Fitter(z, window, spec, rng, n_draws, n_starts)

        if tau is not None:
            fit = fitter.fit(tau, None)
            calibrated = False
        else:
            assert alpha is not None
            fit, tau = _calibrate(fitter, alpha)
            calibrated = True
        beta = _s.to_original(fit.beta, spec, scale)
        f0 = fit.f0 * scale
        path = _k.caviar_path(beta, y, f0, spec.code, 0.0, tau)
        f_in = path[:n_in]
        exceed = float((y_in < -f_in).mean())
        a_used = alpha if alpha is not None else exceed
        es_factor = 1.0 + tau / ((1.0 - 2.0 * tau) * a_used) if a_used > 0 else math.nan
        if not fit.converged:
            warnings.warn(
                f"CARE({spec.name}) did not converge; the result is flagged converged=False",
                ConvergenceWarning,
                stacklevel=2,
            )
        grad = _k.caviar_gradient(beta, y_in, path, spec.code, 0.0, tau)
        se = _als_std_errors(y_in, f_in, grad, tau)
        names = _s.param_names(spec)
        oos = None
        if n_in < n:
            f_out = path[n_in:n]
            idx_out = index[n_in:] if index is not None else None
            oos = _CAREOut(
                var=_wrap(f_out, idx_out, "var"),
                es=_wrap(es_factor * f_out, idx_out, "es"),
                hit_rate=float((y[n_in:] < -f_out).mean()),
            )
        idx_in = index[:n_in] if index is not None else None
        return CAREResult(
            spec=spec.name,
            tau=tau,
            alpha=a_used,
            calibrated=calibrated,
            params=pd.Series(beta, index=names, name="params"),
            std_errors=pd.Series(se, index=names, name="std_errors"),
            als=fit.fval * scale**2,
            var=_wrap(f_in, idx_in, "var"),
            es=_wrap(es_factor * f_in, idx_in, "es"),
            es_factor=es_factor,
            exceedance_rate=exceed,
            out_of_sample=oos,
            converged=fit.converged,
            n_obs=n_in,
            _next_var=float(path[n]),
        )


@dataclass(frozen=True)
class _Fit:
    beta: np.ndarray
    fval: float
    f0: float
    converged: bool


class _Fitter:
    """ALS fits on standardised returns for any tau, warm-startable."""

    def __init__(
        self,
        z: np.ndarray,
        window: int,
        spec: _s.Spec,
        rng: np.random.Generator,
        n_draws: int,
        n_starts: int,
    ) -> None:
        self.z, self.window, self.spec = z, window, spec
        self.rng, self.n_draws, self.n_starts = rng, n_draws, n_starts

    def fit(self, tau: float, warm: np.ndarray | None, screen: bool = True) -> _Fit:
        f0 = -empirical_expectile(self.z[: self.window], tau)
        ms = _s.multistart(
            self.z,
            f0,
            self.spec,
            _k.LOSS_ALS,
            0.0,
            tau,
            self.rng,
            self.n_draws if screen else 0,
            self.n_starts if screen else 0,
            None if warm is None else [warm],
        )
        return _Fit(ms.beta, ms.fval, f0, ms.converged)

    def exceedances(self, fit: _Fit, tau: float) -> int:
        path = _k.caviar_path(fit.beta, self.z, fit.f0, self.spec.code, 0.0, tau)
        return int((self.z < -path[:-1]).sum())


def _calibrate(fitter: _Fitter, alpha: float) -> tuple[_Fit, float]:
    """tau whose fitted expectile is exceeded by alpha * n in-sample returns (within one)."""
    n = fitter.z.shape[0]
    target = alpha * n
    fits: list[tuple[float, _Fit, int]] = []
    warm = None
    for tau in _TAU_GRID:
        fit = fitter.fit(float(tau), warm)
        warm = fit.beta
        c = fitter.exceedances(fit, float(tau))
        fits.append((float(tau), fit, c))
        if abs(c - target) <= 1.0:
            return fit, float(tau)
        if c > target:
            break
    counts = [c for _, _, c in fits]
    if counts[-1] < target or counts[0] > target:
        raise InputError(
            f"alpha={alpha!r}: no expectile level tau in [{_TAU_GRID[0]:g}, {_TAU_GRID[-1]:g}] "
            f"gives an in-sample exceedance rate of alpha (rates {counts[0] / n:.4g} .. "
            f"{counts[-1] / n:.4g})"
        )
    (t_lo, f_lo, _), (t_hi, _, _) = fits[-2], fits[-1]
    best = min(fits, key=lambda r: abs(r[2] - target))
    for _ in range(40):
        t_mid = math.sqrt(t_lo * t_hi)
        fit = fitter.fit(t_mid, f_lo.beta, screen=False)
        c = fitter.exceedances(fit, t_mid)
        if abs(c - target) < abs(best[2] - target):
            best = (t_mid, fit, c)
        if abs(c - target) <= 1.0:
            return fit, t_mid
        if c < target:
            t_lo, f_lo = t_mid, fit
        else:
            t_hi = t_mid
    warnings.warn(
        f"tau calibration reached {best[2]} exceedances for a target of {target:.1f}",
        ConvergenceWarning,
        stacklevel=3,
    )
    return best[1], best[0]


def _als_std_errors(y: np.ndarray, f: np.ndarray, grad: np.ndarray, tau: float) -> np.ndarray:
    u = y + f
    w = np.where(u < 0, 1.0 - tau, tau)
    g = grad[1:]
    H = (g * w[1:, None]).T @ g
    S = (g * (w[1:] * u[1:])[:, None] ** 2).T @ g
    try:
        Hi = np.linalg.inv(H)
    except np.linalg.LinAlgError:
        return np.full(grad.shape[1], np.nan)
    return np.sqrt(np.clip(np.diag(Hi @ S @ Hi), 0.0, None))


def _wrap(values: np.ndarray, index: pd.Index | None, name: str) -> Any:
    if index is None:
        return np.asarray(values, dtype=np.float64).copy()
    return pd.Series(np.asarray(values, dtype=np.float64), index=index.copy(), name=name)


@dataclass(frozen=True)
class _CAREOut:
    var: Any
    es: Any
    hit_rate: float


@dataclass(frozen=True)
class CAREResult:
    """Frozen result of :meth:`CARE.fit` (``str(result)`` is the summary).

    ``var`` is minus the fitted expectile path (positive), ``es = es_factor * var``;
    ``tau`` is the expectile level used and ``alpha`` the target (or, when tau was given,
    the in-sample exceedance rate); ``exceedance_rate`` is the share of ``y_t < -var_t``.
    """

    spec: str
    tau: float
    alpha: float
    calibrated: bool
    params: pd.Series
    std_errors: pd.Series
    als: float
    var: Any
    es: Any
    es_factor: float
    exceedance_rate: float
    out_of_sample: _CAREOut | None
    converged: bool
    n_obs: int
    _next_var: float

    def forecast(self) -> pd.Series:
        """Next-period VaR and ES (after the last observation given to ``fit``)."""
        v = self._next_var
        return pd.Series({"var": v, "es": self.es_factor * v}, name="forecast")

    def filter(self, new_returns: Any) -> Any:
        """VaR path over returns that directly follow the fitted data (fixed parameters).

        Multiply by ``es_factor`` for the ES path.
        """
        y, index, _ = _s.prepare_returns(new_returns, "raise", 1, "CAREResult.filter")
        spec = _s.SPECS[self.spec]
        beta = np.ascontiguousarray(self.params.to_numpy())
        path = _k.caviar_path(beta, y, self._next_var, spec.code, 0.0, self.tau)
        return _wrap(path[:-1], index, "var")

    def summary(self) -> str:
        lines = [
            f"CARE ({self.spec}), tau = {self.tau:.6g}, alpha = {self.alpha:.6g}"
            + (" (tau calibrated to alpha)" if self.calibrated else " (implied by tau)"),
            f"observations: {self.n_obs}   ALS: {self.als:.6g}   converged: {self.converged}",
            f"{'':8s}{'coef':>12s}{'std err':>12s}",
        ]
        for k in self.params.index:
            lines.append(f"{k:8s}{self.params[k]:12.4f}{self.std_errors[k]:12.4f}")
        lines.append(f"in-sample exceedance rate: {100 * self.exceedance_rate:.2f}%")
        lines.append(f"ES / VaR factor: {self.es_factor:.4f}")
        if self.out_of_sample is not None:
            lines.append(f"hit rate (out of sample): {100 * self.out_of_sample.hit_rate:.2f}%")
        fc = self.forecast()
        lines.append(f"next-period VaR: {fc['var']:.6g}   ES: {fc['es']:.6g}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()
