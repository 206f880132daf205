"""The frozen result of an ACD / Log-ACD fit: estimates, standard errors, diagnostics, forecasts."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from riskkit._exceptions import InputError
from riskkit._kernels import acd as _k
from riskkit._results import TestResult
from riskkit._validation import as_generator, check_int, check_positive
from riskkit.durations import distributions as _d
from riskkit.durations.estimation import Spec, simulate

__all__ = ["ACDResult"]


@dataclass(frozen=True)
class ACDResult:
    """Result of :meth:`ACD.fit <riskkit.durations.ACD.fit>` or :meth:`LogACD.fit`.

    Attributes
    ----------
    spec : Spec
        Model, orders, distribution and start rule.
    params : pd.Series
        Estimates ``omega, alpha[1..p], beta[1..q]`` then the innovation shape parameters.
    std_errors : pd.Series
        Standard errors from the inverse of the observed information (numerical Hessian of the
        log-likelihood, computed from the analytic score). These are the ones Tsay's ACD table
        reports.
    robust_std_errors : pd.Series
        QML (sandwich) standard errors ``H^-1 (sum s_i s_i') H^-1``.
    cov, robust_cov : pd.DataFrame
        The two covariance matrices.
    loglikelihood : float
        Log-likelihood over ``i = max(p, q) + 1 .. n`` (1-based), in the caller's time unit.
    nobs : int
        Number of log-likelihood terms.
    durations, conditional_durations : pd.Series or np.ndarray
        The data and the fitted ``psi_i = E[x_i | F_{i-1}]``, with the caller's index.
    converged : bool
        False when the optimiser failed or the Hessian is not negative definite.
    start : float
        The value of psi_1 used (the sample mean for ``start="mean"``, 1 for ``start="one"``).
    """

    spec: Spec
    params: pd.Series
    std_errors: pd.Series
    robust_std_errors: pd.Series
    cov: pd.DataFrame
    robust_cov: pd.DataFrame
    loglikelihood: float
    nobs: int
    durations: Any
    conditional_durations: Any
    converged: bool
    message: str
    iterations: int
    start: float

    # ------------------------------------------------------------------ basic quantities
    @property
    def resid(self) -> Any:
        """Standardised durations ``eps_i = x_i / psi_i`` (unit mean under the model)."""
        return self.durations / self.conditional_durations

    @property
    def shape(self) -> tuple[float, ...]:
        kd = 1 + self.spec.p + self.spec.q
        return tuple(float(v) for v in self.params.to_numpy()[kd:])

    @property
    def persistence(self) -> float:
        """``sum(alpha) + sum(beta)`` for ACD; ``sum(beta)`` (AR root of log psi) for Log-ACD."""
        kd = 1 + self.spec.p + self.spec.q
        v = self.params.to_numpy()
        if self.spec.model == _k.ACD:
            return float(np.sum(v[1:kd]))
        return float(np.sum(v[1 + self.spec.p : kd]))

    @property
    def tvalues(self) -> pd.Series:
        return self.params / self.std_errors

    @property
    def aic(self) -> float:
        return -2.0 * self.loglikelihood + 2.0 * self.spec.k

    @property
    def bic(self) -> float:
        return -2.0 * self.loglikelihood + math.log(self.nobs) * self.spec.k

    def _resid_array(self) -> np.ndarray:
        return np.asarray(self.resid, dtype=np.float64)[self.spec.m :]

    # ------------------------------------------------------------------ diagnostics
    def excess_dispersion(self) -> TestResult:
        """Engle & Russell (1998) excess-dispersion test.

        ``z = sqrt(n) (var(e) - 1) / sqrt(8)`` with ``e`` the residuals for exponential
        innovations (``Var[(eps - 1)^2] = 8`` under Exp(1)); for the other distributions ``e`` are
        the generalised residuals ``-log S(eps_i)``, which are Exp(1) under the fitted model.
        Two-sided p-value from N(0, 1).

        References
        ----------
        Engle and Russell (1998), Section 5 (dispersion of the standardised durations).
        """
        e = self._resid_array()
        if self.spec.dist != "exponential":
            e = -np.log(_d.innovation_sf(e, self.spec.dist, self.shape))
        n = e.shape[0]
        var = float(np.var(e, ddof=1))
        z = math.sqrt(n) * (var - 1.0) / math.sqrt(8.0)
        return TestResult(
            name="Excess dispersion (Engle-Russell)",
            statistic=z,
            pvalue=float(2.0 * stats.norm.sf(abs(z))),
            null="the (generalised) residuals have unit variance (no excess dispersion)",
            distribution="N(0,1)",
            details={"variance": var, "nobs": n},
        )

    def diagnostics(self, lags: int = 20) -> pd.DataFrame:
        """Ljung–Box on resid and squared resid, and the excess-dispersion test.

        One row per test with ``statistic`` and ``pvalue``. The Ljung–Box statistic is
        ``Q = n (n + 2) sum_{k=1}^{lags} r_k^2 / (n - k)`` with chi2(lags) p-values, exactly as
        statsmodels' ``acorr_ljungbox``, but with the autocorrelations from statsmodels'
        ``acf(..., fft=True)``: ``acorr_ljungbox`` uses the O(n^2) direct sum, which takes
        seconds on tens of thousands of durations.
        """
        from statsmodels.tsa.stattools import acf

        lags = check_int(lags, "lags", minimum=1)
        e = self._resid_array()
        n = e.shape[0]
        if lags >= n:
            raise InputError(f"lags must be smaller than the number of residuals {n}; got {lags}")
        rows = {}
        for label, series in (("ljung_box_resid", e), ("ljung_box_resid_sq", e * e)):
            r = acf(series, nlags=lags, fft=True)[1:]
            q = float(n * (n + 2) * np.sum(r**2 / (n - np.arange(1, lags + 1))))
            rows[f"{label}({lags})"] = (q, float(stats.chi2.sf(q, lags)))
        ed = self.excess_dispersion()
        rows["excess_dispersion"] = (ed.statistic, ed.pvalue)
        return pd.DataFrame.from_dict(rows, orient="index", columns=["statistic", "pvalue"])

    # ------------------------------------------------------------------ forecasting, hazard
    def _next_level(self) -> float:
        """psi_{n+1} (ACD) or log psi_{n+1} (Log-ACD) from the end of the sample."""
        sp = self.spec
        v = self.params.to_numpy()
        x = np.asarray(self.durations, dtype=np.float64)
        psi = np.asarray(self.conditional_durations, dtype=np.float64)
        eps = x / psi
        lev = psi if sp.model == _k.ACD else np.log(psi)
        out = v[0]
        for j in range(1, sp.p + 1):
            if sp.model == _k.ACD:
                out += v[j] * x[-j]
            elif sp.model == _k.LOGACD1:
                out += v[j] * math.log(eps[-j])
            else:
                out += v[j] * eps[-j]
        for j in range(1, sp.q + 1):
            out += v[sp.p + j] * lev[-j]
        return float(out)

    def forecast(self, horizon: int = 1, *, n_sims: int = 10_000, seed: Any = None) -> pd.Series:
        """Expected durations ``E[x_{n+h} | F_n]`` for ``h = 1..horizon``.

        ACD: exact, ``psi_{n+h|n} = omega + sum alpha_j psi_{n+h-j|n} + sum beta_j psi_{n+h-j|n}``
        (observed values where available). Log-ACD: ``h = 1`` exact (``exp(log psi_{n+1})``),
        longer horizons by Monte Carlo with ``n_sims`` paths (``seed``).
        """
        sp = self.spec
        horizon = check_int(horizon, "horizon", minimum=1)
        v = self.params.to_numpy()
        x = list(np.asarray(self.durations, dtype=np.float64)[-sp.m :])
        psi = list(np.asarray(self.conditional_durations, dtype=np.float64)[-sp.m :])
        out = np.empty(horizon)
        nxt = self._next_level()
        if sp.model == _k.ACD:
            out[0] = nxt
            x.append(nxt)
            psi.append(nxt)
            for h in range(1, horizon):
                f = v[0]
                for j in range(1, sp.p + 1):
                    f += v[j] * x[-j]
                for j in range(1, sp.q + 1):
                    f += v[sp.p + j] * psi[-j]
                out[h] = f
                x.append(f)
                psi.append(f)
        else:
            out[0] = math.exp(nxt)
            if horizon > 1:
                n_sims = check_int(n_sims, "n_sims", minimum=100)
                rng = as_generator(seed)
                out[1:] = self._simulate_paths(nxt, horizon, n_sims, rng)[:, 1:].mean(axis=0)
        return pd.Series(
            out, index=pd.RangeIndex(1, horizon + 1, name="horizon"), name="expected_duration"
        )

    def _simulate_paths(
        self, l1: float, horizon: int, n_sims: int, rng: np.random.Generator
    ) -> np.ndarray:
        """Log-ACD paths of durations from log psi_{n+1} = l1 (shape n_sims x horizon)."""
        sp = self.spec
        v = self.params.to_numpy()
        x = np.asarray(self.durations, dtype=np.float64)
        psi = np.asarray(self.conditional_durations, dtype=np.float64)
        lev_hist = [np.full(n_sims, math.log(p)) for p in psi[-sp.m :]]
        eps_hist = [np.full(n_sims, e) for e in (x / psi)[-sp.m :]]
        out = np.empty((n_sims, horizon))
        lev = np.full(n_sims, l1)
        for h in range(horizon):
            if h > 0:
                lev = np.full(n_sims, v[0])
                for j in range(1, sp.p + 1):
                    e = eps_hist[-j]
                    lev += v[j] * (np.log(e) if sp.model == _k.LOGACD1 else e)
                for j in range(1, sp.q + 1):
                    lev += v[sp.p + j] * lev_hist[-j]
            e_new = _d.draw(sp.dist, self.shape, n_sims, rng)
            out[:, h] = np.exp(lev) * e_new
            lev_hist.append(lev)
            eps_hist.append(e_new)
        return out

    def hazard(self, t: Any, psi: float | None = None) -> np.ndarray:
        """Conditional hazard of the next duration: ``lambda(t) = h_eps(t / psi) / psi``.

        ``h_eps`` is the hazard of the fitted unit-mean innovation; ``psi`` defaults to the
        one-step forecast ``psi_{n+1}``.
        """
        if psi is None:
            psi = float(self.forecast(1).iloc[0])
        psi = check_positive(psi, "psi")
        t = np.asarray(t, dtype=np.float64)
        return _d.innovation_hazard(t / psi, self.spec.dist, self.shape) / psi

    def simulate(self, n: int, *, seed: Any = None, burn: int = 500) -> np.ndarray:
        """``n`` durations simulated from the fitted model (``burn`` initial values dropped)."""
        n = check_int(n, "n", minimum=1)
        burn = check_int(burn, "burn", minimum=0)
        return simulate(self.spec, self.params.to_numpy(), n, as_generator(seed), burn)

    # ------------------------------------------------------------------ tail / infinite mean
    def tail_index(
        self, *, level: float = 0.95, method: str = "delta", n_boot: int = 199, seed: Any = None
    ) -> Any:
        """Tail index kappa of the durations; see :func:`riskkit.durations.tail_index`."""
        from riskkit.durations.tail import tail_index

        return tail_index(self, level=level, method=method, n_boot=n_boot, seed=seed)

    def infinite_mean_test(
        self,
        *,
        alternative: str = "two-sided",
        robust: bool = False,
        method: str = "normal",
        n_boot: int = 199,
        seed: Any = None,
        sampling: str = "count",
    ) -> TestResult:
        """Test of H0: alpha + beta = 1; see :func:`riskkit.durations.infinite_mean_test`."""
        from riskkit.durations.tail import infinite_mean_test

        return infinite_mean_test(
            self,
            alternative=alternative,
            robust=robust,
            method=method,
            n_boot=n_boot,
            seed=seed,
            sampling=sampling,
        )

    # ------------------------------------------------------------------ printing
    def summary(self) -> str:
        sp = self.spec
        lines = [
            f"{sp.title}",
            f"start psi_1 = {self.start:.6g} ({sp.start!r}); likelihood over i = {sp.m + 1}..{sp.m + self.nobs}",
            f"log-likelihood {self.loglikelihood:.4f}   AIC {self.aic:.2f}   BIC {self.bic:.2f}   "
            f"nobs {self.nobs}   converged {self.converged}",
            f"persistence {self.persistence:.4f}",
            f"{'':>12} {'estimate':>12} {'std.err':>10} {'robust se':>10} {'t':>8}",
        ]
        for name in self.params.index:
            lines.append(
                f"{name:>12} {self.params[name]:12.6f} {self.std_errors[name]:10.5f} "
                f"{self.robust_std_errors[name]:10.5f} {self.tvalues[name]:8.2f}"
            )
        lines.append("std.err: inverse observed information (Hessian); robust se: QML sandwich")
        if not self.converged:
            lines.append(f"WARNING: not converged: {self.message}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"<ACDResult {self.spec.title}: loglik {self.loglikelihood:.4f}>"
