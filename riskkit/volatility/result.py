"""The frozen result of a volatility-model fit."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from riskkit.volatility._structure import Structure

__all__ = ["VolatilityResult"]


@dataclass(frozen=True)
class VolatilityResult:
    """Fitted GARCH-family model (frozen, picklable; ``str(result)`` is the summary).

    Attributes
    ----------
    params, std_errors, robust_std_errors : pandas.Series
        Estimates on the scale of the data, inverse-Hessian standard errors and
        Bollerslev-Wooldridge (1992) sandwich standard errors (computed on first
        access, like arch). Parameters fixed by the model (e.g. ``omega = 0`` in
        EWMA) have NaN standard errors.
    loglikelihood : float
        Maximised log-likelihood including the ``-log(2 pi) / 2`` terms.
    nobs : int
        Observations in the likelihood (after AR lags).
    converged : bool
        Optimiser success flag; ``message`` holds its message.
    conditional_volatility, resid, std_resid
        Time series with the caller's index (NaN for the observations used only as AR lags);
        ndarrays for ndarray input. Built on first access from ``vol_array`` and
        ``resid_array`` (a fit in a loop does not pay for three pandas objects it may
        never read).
    """

    model: str
    structure: Structure
    params: pd.Series
    loglikelihood: float
    nobs: int
    converged: bool
    message: str
    vol_array: np.ndarray  # conditional volatility, data scale, NaN for AR-lag rows
    resid_array: np.ndarray  # residuals, data scale, NaN for AR-lag rows
    cov_inputs: tuple  # (problem on scaled data, free parameters, d theta / d phi)
    n_free: int
    # state needed by filter/append/forecast/simulate (original scale)
    y: np.ndarray
    x: np.ndarray | None
    index: Any
    bc: float
    scale: float
    theta_scaled: np.ndarray

    def _series(self, a: np.ndarray, name: str) -> Any:
        if self.index is None:
            return a.copy()
        return pd.Series(a, index=self.index.copy(), name=name)

    @cached_property
    def conditional_volatility(self) -> Any:
        """Conditional volatility ``sigma_t`` (caller's index; ndarray for ndarray input)."""
        return self._series(self.vol_array, "cond_vol")

    @cached_property
    def resid(self) -> Any:
        """Residuals ``eps_t = r_t - mu_t``."""
        return self._series(self.resid_array, "resid")

    @cached_property
    def std_resid(self) -> Any:
        """Standardized residuals ``eps_t / sigma_t``."""
        return self._series(self.resid_array / self.vol_array, "std_resid")

    @cached_property
    def _covariances(self) -> tuple[np.ndarray, np.ndarray]:
        """(inverse-Hessian, sandwich) covariance of ``params``, computed on first use."""
        from riskkit.volatility._optimize import covariances

        prob, phi, ja = self.cov_inputs
        cov_phi, rcov_phi = covariances(prob, phi)
        return ja @ cov_phi @ ja.T, ja @ rcov_phi @ ja.T

    @property
    def cov(self) -> np.ndarray:
        """Covariance of ``params`` from the inverse Hessian (numerical, of the analytic score)."""
        return self._covariances[0]

    @property
    def robust_cov(self) -> np.ndarray:
        """Bollerslev-Wooldridge (1992) sandwich covariance of ``params``."""
        return self._covariances[1]

    def _se(self, cov: np.ndarray, name: str) -> pd.Series:
        d = np.diag(cov).copy() if cov.size else np.zeros(len(self.params))
        se = np.sqrt(np.where(d >= 0, d, np.nan)) if cov.size else np.full(len(self.params), np.nan)
        ja = self.cov_inputs[2]
        se[~np.any(ja != 0.0, axis=1)] = np.nan  # fixed by the model
        return pd.Series(se, index=self.params.index.copy(), name=name)

    @property
    def std_errors(self) -> pd.Series:
        """Inverse-Hessian standard errors (NaN for parameters fixed by the model)."""
        return self._se(self.cov, "std_errors")

    @property
    def robust_std_errors(self) -> pd.Series:
        """Bollerslev-Wooldridge sandwich standard errors."""
        return self._se(self.robust_cov, "robust_std_errors")

    @property
    def tvalues(self) -> pd.Series:
        return self.params / self.std_errors

    @property
    def pvalues(self) -> pd.Series:
        t = self.tvalues.to_numpy(dtype=float)
        return pd.Series(2.0 * stats.norm.sf(np.abs(t)), index=self.params.index, name="pvalues")

    @property
    def aic(self) -> float:
        return -2.0 * self.loglikelihood + 2.0 * self.n_free

    @property
    def bic(self) -> float:
        return -2.0 * self.loglikelihood + math.log(self.nobs) * self.n_free

    @property
    def persistence(self) -> float:
        """``sum alpha + sum gamma / 2 + sum beta`` (GARCH/GJR) or ``sum beta`` (EGARCH)."""
        return self.structure.persistence(self.params.to_numpy())

    def summary(self) -> str:
        """Parameter table with standard errors, t-values, p-values and robust standard errors."""
        st = self.structure
        head = [
            f"{self.model} (mean={st.mean.kind}, dist={st.dist}, init={st.init})",
            f"nobs: {self.nobs}   loglik: {self.loglikelihood:.6f}   "
            f"AIC: {self.aic:.4f}   BIC: {self.bic:.4f}",
            f"converged: {self.converged} ({self.message})",
            "",
            f"{'':>10} {'coef':>12} {'std err':>11} {'t':>8} {'P>|t|':>8} {'robust se':>11}",
        ]
        pv = self.pvalues
        for name in self.params.index:
            head.append(
                f"{name:>10} {self.params[name]:>12.6g} {self.std_errors[name]:>11.4g} "
                f"{self.tvalues[name]:>8.3f} {pv[name]:>8.4f} {self.robust_std_errors[name]:>11.4g}"
            )
        return "\n".join(head)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return (
            f"<VolatilityResult {self.model} dist={self.structure.dist} "
            f"loglik={self.loglikelihood:.4f} converged={self.converged}>"
        )

    # the methods below live in forecast.py (one job per module)
    def forecast(
        self,
        horizon: int = 1,
        method: str = "analytic",
        alpha: Any = None,
        n_sims: int = 10_000,
        seed: Any = None,
    ) -> pd.DataFrame:
        """Forecasts after the last observation; see :func:`riskkit.volatility.forecast.forecast`."""
        from riskkit.volatility.forecast import forecast

        return forecast(self, horizon=horizon, method=method, alpha=alpha, n_sims=n_sims, seed=seed)

    def filter(self, new_returns: Any, x: Any = None) -> Any:
        """Conditional volatility over ``new_returns`` at the fitted parameters (no refit).

        The state continues from the end of the fitted sample; the value at date t
        uses data up to t-1. Same container as ``new_returns``.
        """
        from riskkit.volatility.forecast import filter_new

        return filter_new(self, new_returns, x)[0]

    def append(self, new_returns: Any, x: Any = None) -> VolatilityResult:
        """A result whose series continue over ``new_returns`` at the fitted parameters (no refit)."""
        from riskkit.volatility.forecast import filter_new

        return filter_new(self, new_returns, x)[1]

    def simulate(self, n: int, seed: Any = None, burn: int = 500) -> pd.DataFrame:
        """Simulate ``n`` observations (columns ``data``, ``volatility``, ``errors``)."""
        from riskkit.volatility.forecast import simulate

        return simulate(self, n, seed=seed, burn=burn)
