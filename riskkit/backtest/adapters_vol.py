"""Backtest adapter of the GARCH-family volatility models (GARCH, GJR, EGARCH, EWMA, IGARCH).

All refit windows are estimated in one call of
:func:`riskkit.volatility.fit_windows` (compiled, each window warm-started from the
previous optimum). For each block the fitted model is then run over its window and
filtered forward, at the block's fixed parameters, through the days it forecasts:

.. math:: r_t = \\mu_t + \\sigma_t z_t, \\qquad \\mu_t, \\sigma_t^2 \\text{ known at } t-1.

VaR and ES for day t are ``-mu_t + sigma_t * VaR_z`` and ``-mu_t + sigma_t * ES_z``
where ``(VaR_z, ES_z)`` come from

* ``vol_method="parametric"``: the fitted innovation distribution (quantile and ES of the
  standardized normal / t / skew-t / GED);
* ``"fhs"``: filtered historical simulation (Barone-Adesi, Giannopoulos & Vosper 1999):
  the empirical quantile and Acerbi-Tasche ES of the window's standardized residuals
  ``z_s = eps_s / sigma_s``;
* ``"evt"``: the GARCH-EVT approach of McNeil & Frey (2000), section 2.3: a generalized
  Pareto tail fitted to the losses ``-z_s`` above a threshold
  (:func:`riskkit.measures.evt.evt_var_es`; ``options`` sets ``tail_fraction`` or
  ``threshold``).

References
----------
McNeil, A. J. & Frey, R. (2000). Estimation of tail-related risk measures for
heteroscedastic financial time series: an extreme value approach. *Journal of Empirical
Finance* 7, 271-300.
Barone-Adesi, G., Giannopoulos, K. & Vosper, L. (1999). VaR without correlations for
portfolios of derivative securities. *Journal of Futures Markets* 19(5), 583-602.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from riskkit import distributions as rkd
from riskkit._exceptions import ConvergenceWarning, InputError
from riskkit._kernels import garch as kg
from riskkit._kernels import garch_opt as kopt
from riskkit.backtest.adapters import BLOCK_ERRORS, Adapter, BlockOutput, empirical_pit
from riskkit.backtest.engine import Block

__all__ = ["VolatilityAdapter"]

_RULES = {"backcast": 0, "sample": 1, "fcp": 2}


class VolatilityAdapter(Adapter):
    """VaR/ES of a volatility model spec, refitted per block and filtered in between."""

    kind = "volatility"

    def __init__(self, spec: Any, vol_method: str, options: dict[str, Any] | None) -> None:
        self.spec = spec
        self.vol_method = vol_method
        self.options = dict(options or {})
        if self.options and vol_method != "evt":
            raise InputError(
                f"options are only used with vol_method='evt' (tail_fraction, threshold); "
                f"got {self.options!r} with vol_method={vol_method!r}"
            )
        if getattr(spec, "x", None) is not None:
            raise InputError("the backtest does not support exogenous regressors (spec.x)")
        self.st = spec._structure(spec._mean_design(()))
        self.description = f"{spec!r}, vol_method={vol_method!r}"
        self.label = f"{type(spec).__name__}-{self.st.dist}, {vol_method}"
        if vol_method == "parametric":
            self.dist = self.st.dist
            self.shape_names = tuple(self.st.names[self.st.k - self.st.kd :])
        if vol_method == "evt":
            from riskkit.measures._api import resolve_method

            self._evt = resolve_method("evt", self.options)

    def check_window(self, window: int) -> None:
        from riskkit.volatility.models import MIN_OBS

        need = MIN_OBS + self.st.mean.ar
        if window < need:
            raise InputError(f"window must be at least {need} for {self.spec!r}; got {window}")

    def forecast_blocks(
        self, x: np.ndarray, blocks: list[Block], alphas: np.ndarray, cold: bool = False
    ) -> list[BlockOutput | str]:
        if cold:
            thetas, messages = self._cold(x, blocks)
            nxt = np.full((len(blocks), 2), np.nan)
        else:
            thetas, messages, nxt = self._batched(x, blocks)
        out: list[BlockOutput | str] = []
        for block, theta, msg, (mu1, s21) in zip(blocks, thetas, messages, nxt, strict=True):
            if msg:
                out.append(msg)
                continue
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("error", ConvergenceWarning)
                    if block.target_end - block.fit_end == 1 and self.vol_method == "parametric":
                        # one-day block: fit_windows already gave mu and sigma^2 of that day
                        out.append(self._one_day(x, block, theta, mu1, s21, alphas))
                    else:
                        out.append(self.block_output(x, block, theta, alphas))
            except BLOCK_ERRORS as exc:
                out.append(f"{type(exc).__name__}: {exc}")
        return out

    def _batched(
        self, x: np.ndarray, blocks: list[Block]
    ) -> tuple[list[np.ndarray], list[str], np.ndarray]:
        from riskkit.volatility.batch import fit_windows

        starts = np.array([b.fit_start for b in blocks], dtype=np.int64)
        ends = np.array([b.fit_end for b in blocks], dtype=np.int64)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            batch = fit_windows(x, starts, ends, self.spec)
        thetas = list(batch.params.to_numpy())
        msgs = [
            "" if ok else "ConvergenceWarning: the likelihood maximisation did not converge"
            for ok in batch.converged
        ]
        nxt = np.column_stack([batch.mean_next, batch.sigma2_next])
        return thetas, msgs, nxt

    def _cold(self, x: np.ndarray, blocks: list[Block]) -> tuple[list[np.ndarray], list[str]]:
        thetas, msgs = [], []
        for b in blocks:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("error", ConvergenceWarning)
                    res = self.spec.fit(x[b.fit_start : b.fit_end])
                thetas.append(res.params.to_numpy())
                msgs.append("")
            except BLOCK_ERRORS as exc:
                thetas.append(np.full(self.st.k, np.nan))
                msgs.append(f"{type(exc).__name__}: {exc}")
        return thetas, msgs

    def _one_day(
        self,
        x: np.ndarray,
        block: Block,
        theta: np.ndarray,
        mu: float,
        s2: float,
        alphas: np.ndarray,
    ) -> BlockOutput:
        """Parametric forecast of a one-day block from fit_windows' next mean and variance."""
        st = self.st
        if not (math.isfinite(mu) and math.isfinite(s2) and s2 > 0):
            return self.block_output(x, block, theta, alphas)
        shape = st.shape_params(theta)
        d = rkd.from_kernel(st.dist_code, *shape)
        sigma = math.sqrt(s2)
        var = -mu - sigma * np.asarray(d.ppf(alphas), dtype=np.float64)
        es = -mu + sigma * np.asarray(d.es(alphas), dtype=np.float64)
        realised = x[block.fit_end]
        return BlockOutput(
            var=var[None, :],
            es=es[None, :],
            params=dict(zip(st.names, theta.tolist(), strict=True)),
            pit=np.array([float(d.cdf((realised - mu) / sigma))]),
            loc=np.array([mu]),
            scale=np.array([sigma]),
            shape=shape,
        )

    def block_output(
        self, x: np.ndarray, block: Block, theta: np.ndarray, alphas: np.ndarray
    ) -> BlockOutput:
        """Forecasts of one block at the fitted parameters ``theta`` (data scale)."""
        st = self.st
        md = st.mean
        theta = np.ascontiguousarray(theta, dtype=np.float64)
        if not np.all(np.isfinite(theta)):
            raise InputError("the fit returned non-finite parameters")
        y_eff, X = md.design(x[block.fit_start : block.target_end], None)
        nw = block.fit_end - block.fit_start - md.ar  # likelihood rows of the window
        k = block.target_end - block.fit_end
        yw, xw = np.ascontiguousarray(y_eff[:nw]), np.ascontiguousarray(X[:nw])
        _, bc, _ = kopt.ols_backcast(yw, xw, _RULES[st.init])
        init = 1 if st.init == "fcp" else 0
        ll, _, _, s2w, epsw = kg.loglik(
            theta, yw, xw, md.ma, st.vol, st.p, st.o, st.q, st.dist_code, init, float(bc), False
        )
        if not math.isfinite(ll) or not np.all(s2w > 0):
            raise InputError(
                f"the model is degenerate on the window ending at position {block.fit_end - 1} "
                "(non-finite log-likelihood or zero variance)"
            )
        b = np.ascontiguousarray(theta[: md.kx])
        ma = np.ascontiguousarray(theta[md.kx : md.k])
        eps_all, _ = kg.mean_resid(y_eff, X, b, ma)
        eps_new = np.ascontiguousarray(eps_all[nw:])
        m = max(st.p, st.o, st.q, 1)
        s2 = kg.garch_filter(
            st.vol_params(theta),
            eps_new,
            st.vol,
            st.p,
            st.o,
            st.q,
            np.ascontiguousarray(epsw[nw - m :]),
            np.ascontiguousarray(s2w[nw - m :]),
        )[:k]
        # conditional mean of day t from data before t: X_t b + sum_j ma_j eps_{t-1-j}
        mu = X[nw:] @ b
        for j in range(md.ma):
            mu = mu + ma[j] * eps_all[nw - 1 - j : nw - 1 - j + k]
        sigma = np.sqrt(s2)
        realised = x[block.fit_end : block.target_end]
        params = dict(zip(st.names, theta.tolist(), strict=True))
        shape: tuple[float, ...] = ()
        pit = None
        if self.vol_method == "parametric":
            shape = st.shape_params(theta)
            d = rkd.from_kernel(st.dist_code, *shape)
            vz = -np.asarray(d.ppf(alphas), dtype=np.float64)
            ez = np.asarray(d.es(alphas), dtype=np.float64)
            pit = np.asarray(d.cdf((realised - mu) / sigma), dtype=np.float64)
        else:
            z = epsw / np.sqrt(s2w)
            if self.vol_method == "fhs":
                from riskkit.measures.historical import historical_var_es

                vz, ez = historical_var_es(np.ascontiguousarray(z), alphas)
                pit = empirical_pit(z, (realised - mu) / sigma)
            else:
                vz, ez = self._evt(np.ascontiguousarray(z), alphas, **self.options)
        var = -mu[:, None] + sigma[:, None] * np.asarray(vz)[None, :]
        es = -mu[:, None] + sigma[:, None] * np.asarray(ez)[None, :]
        return BlockOutput(
            var=var,
            es=es,
            params=params,
            pit=pit,
            loc=mu if self.vol_method == "parametric" else None,
            scale=sigma,
            shape=shape,
        )
