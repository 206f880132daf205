"""Forecasts, filtering at fixed parameters and simulation of a fitted volatility model."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from riskkit import distributions as rkd
from riskkit._exceptions import InputError
from riskkit._kernels import garch as kg
from riskkit._pandas import unwrap
from riskkit._validation import as_generator, check_choice, check_index, check_int, check_levels

if TYPE_CHECKING:
    from riskkit.volatility.result import VolatilityResult

METHODS = ("analytic", "simulation", "bootstrap")


def _dist(res: VolatilityResult) -> rkd.Distribution:
    st = res.structure
    sh = st.shape_params(res.params.to_numpy())
    return rkd.from_kernel(st.dist_code, *sh)


def _state(res: VolatilityResult) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Observed residuals, variances (without AR-lag padding) and the history window."""
    eps = res.resid_array
    vol = res.vol_array
    ok = ~np.isnan(eps)
    return eps[ok], vol[ok] ** 2, res.params.to_numpy()


def _history(res: VolatilityResult) -> tuple[np.ndarray, np.ndarray]:
    st = res.structure
    eps, s2, _ = _state(res)
    m = max(st.p, st.o, st.q, 1)
    return np.ascontiguousarray(eps[-m:]), np.ascontiguousarray(s2[-m:])


def _next_variance(res: VolatilityResult) -> float:
    st = res.structure
    eh, sh = _history(res)
    th = st.vol_params(res.params.to_numpy())
    out = kg.garch_filter(th, eh[:0], st.vol, st.p, st.o, st.q, eh, sh)
    return float(out[0])


def _mean_paths(res: VolatilityResult, eps_paths: np.ndarray) -> np.ndarray:
    """Returns along simulated innovation paths (n_paths x h), ARMA mean recursion included."""
    st = res.structure
    md = st.mean
    th = res.params.to_numpy()
    npath, h = eps_paths.shape
    const = th[0] if md.has_const else 0.0
    phi = th[int(md.has_const) : int(md.has_const) + md.ar]
    ma = th[md.kx : md.kx + md.ma]
    y_hist = res.y[-md.ar :] if md.ar else np.zeros(0)
    e_hist, _, _ = _state(res)
    e_hist = e_hist[-md.ma :] if md.ma else np.zeros(0)
    ys = np.empty((npath, md.ar + h))
    ys[:, : md.ar] = y_hist
    es = np.empty((npath, md.ma + h))
    es[:, : md.ma] = e_hist
    es[:, md.ma :] = eps_paths
    for t in range(h):
        v = const + eps_paths[:, t]
        for i in range(md.ar):
            v = v + phi[i] * ys[:, md.ar + t - 1 - i]
        for j in range(md.ma):
            v = v + ma[j] * es[:, md.ma + t - 1 - j]
        ys[:, md.ar + t] = v
    return ys[:, md.ar :]


def _check_no_exog(res: VolatilityResult, what: str) -> None:
    if res.structure.mean.x_names:
        raise InputError(
            f"{what} of a model with exogenous regressors x needs their future values; "
            "not supported (fit without x, or forecast the mean yourself)"
        )


def _empirical(sample: np.ndarray, alpha: float) -> tuple[float, float]:
    """VaR and ES (positive losses) of simulated returns; ES = mean loss beyond the VaR quantile."""
    q = float(np.quantile(sample, alpha))
    tail = sample[sample <= q]
    return -q, float(-tail.mean())


def forecast(
    res: VolatilityResult,
    horizon: int = 1,
    method: str = "analytic",
    alpha: Any = None,
    n_sims: int = 10_000,
    seed: Any = None,
) -> pd.DataFrame:
    """Forecast the conditional mean, variance, VaR and ES after the last observation.

    Parameters
    ----------
    horizon : int
        Number of steps ahead.
    method : {"analytic", "simulation", "bootstrap"}
        ``"analytic"``: recursive variance forecasts (GARCH/GJR with
        ``E[z^2 1(z<0)]`` of the innovation distribution; EGARCH only for
        ``horizon=1``), VaR/ES as ``-mean - sqrt(variance) q`` (exact for step 1,
        a location-scale approximation beyond; cumulative columns use the summed
        mean and variance). ``"simulation"``: ``n_sims`` paths with innovations from the
        fitted distribution. ``"bootstrap"``: filtered historical simulation, innovations
        resampled from the standardized residuals.
    alpha : float, sequence or None
        Tail probabilities for the ``var_<alpha>``, ``es_<alpha>``, ``cum_var_<alpha>``
        and ``cum_es_<alpha>`` columns (positive losses; cumulative = sum of the
        returns over steps 1..h); ``<alpha>`` is ``repr(float(alpha))``, e.g. ``var_0.01``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``horizon`` step 1..h, columns ``mean``, ``variance`` and the risk columns.
    """
    horizon = check_int(horizon, "horizon", 1, 10_000)
    method = check_choice(method, "method", METHODS)
    levels = None if alpha is None else check_levels(alpha, "alpha")[0]
    n_sims = check_int(n_sims, "n_sims", 100)
    _check_no_exog(res, "forecast")
    st = res.structure
    dist = _dist(res)
    idx = pd.RangeIndex(1, horizon + 1, name="horizon")
    if method == "analytic":
        if st.vol == kg.EGARCH and horizon > 1:
            raise InputError(
                "method='analytic' gives EGARCH variances only for horizon=1; "
                f"got horizon={horizon}: use method='simulation' or 'bootstrap'"
            )
        var = _analytic_variance(res, dist, horizon)
        mean = _mean_paths(res, np.zeros((1, horizon)))[0]
        out = pd.DataFrame({"mean": mean, "variance": var}, index=idx)
        if levels is not None:
            cm, cv = np.cumsum(mean), np.cumsum(var)
            for a in levels:
                q, es = float(dist.ppf(a)), float(dist.es(a))
                out[f"var_{float(a)!r}"] = -mean - np.sqrt(var) * q
                out[f"es_{float(a)!r}"] = -mean + np.sqrt(var) * es
                out[f"cum_var_{float(a)!r}"] = -cm - np.sqrt(cv) * q
                out[f"cum_es_{float(a)!r}"] = -cm + np.sqrt(cv) * es
        return out
    rng = as_generator(seed)
    if method == "simulation":
        z = np.asarray(dist.rvs(size=(n_sims, horizon), seed=rng), dtype=float)
    else:
        sr = res.resid_array / res.vol_array
        sr = sr[np.isfinite(sr)]
        z = rng.choice(sr, size=(n_sims, horizon), replace=True)
    eh, sh = _history(res)
    th = st.vol_params(res.params.to_numpy())
    eps_paths, var_paths = kg.simulate_paths(
        th, st.vol, st.p, st.o, st.q, np.zeros(horizon), np.ascontiguousarray(z), eh, sh
    )
    paths = _mean_paths(res, eps_paths)
    out = pd.DataFrame({"mean": paths.mean(axis=0), "variance": var_paths.mean(axis=0)}, index=idx)
    if levels is not None:
        cum = np.cumsum(paths, axis=1)
        for a in levels:
            one = np.array([_empirical(paths[:, h], a) for h in range(horizon)])
            tot = np.array([_empirical(cum[:, h], a) for h in range(horizon)])
            out[f"var_{float(a)!r}"] = one[:, 0]
            out[f"es_{float(a)!r}"] = one[:, 1]
            out[f"cum_var_{float(a)!r}"] = tot[:, 0]
            out[f"cum_es_{float(a)!r}"] = tot[:, 1]
    return out


def _analytic_variance(res: VolatilityResult, dist: rkd.Distribution, horizon: int) -> np.ndarray:
    """E[sigma^2_{T+h}] by the GARCH/GJR recursion with E[eps^2] = sigma^2, E[eps^2 1(eps<0)] = kappa sigma^2."""
    st = res.structure
    first = _next_variance(res)
    if horizon == 1:
        return np.array([first])
    th = st.vol_params(res.params.to_numpy())
    p, o, q = st.p, st.o, st.q
    kappa = float(dist.partial_moment(0.0, 2))
    eps, s2, _ = _state(res)
    m = max(p, o, q, 1)
    e2 = list(eps[-m:] ** 2)
    e2n = list(np.where(eps[-m:] < 0, eps[-m:] ** 2, 0.0))
    s = list(s2[-m:])
    out = [first]
    # step 1 is observed-history based; later steps use expectations
    e2.append(first)
    e2n.append(kappa * first)
    s.append(first)
    for _ in range(1, horizon):
        v = th[0]
        for j in range(p):
            v += th[1 + j] * e2[-1 - j]
        for j in range(o):
            v += th[1 + p + j] * e2n[-1 - j]
        for j in range(q):
            v += th[1 + p + o + j] * s[-1 - j]
        out.append(v)
        e2.append(v)
        e2n.append(kappa * v)
        s.append(v)
    return np.array(out)


def filter_new(
    res: VolatilityResult, new_returns: Any, x: Any = None
) -> tuple[Any, VolatilityResult]:
    """Conditional volatility over ``new_returns`` at fixed parameters and the continued result."""
    vals, meta = unwrap(new_returns, "new_returns")
    if vals.shape[1] != 1:
        raise InputError(f"new_returns must be one series; got shape {vals.shape}")
    new = vals[:, 0]
    if not np.all(np.isfinite(new)):
        pos = int(np.argmax(~np.isfinite(new)))
        raise InputError(f"new_returns contains NaN or inf at position {pos}")
    st = res.structure
    index = None
    if meta.kind == "series":
        check_index(meta.index, "new_returns")
        if res.index is not None and len(res.index) and not (meta.index[0] > res.index[-1]):
            raise InputError(
                f"new_returns must start after the fitted sample (last date {res.index[-1]!r}); "
                f"got first date {meta.index[0]!r}"
            )
        index = meta.index
    xv = None
    if st.mean.x_names:
        if x is None:
            raise InputError("x (exogenous regressors for the new dates) is required by this model")
        xvals, _ = unwrap(x, "x")
        if xvals.shape != (new.shape[0], len(st.mean.x_names)):
            raise InputError(
                f"x must have shape {(new.shape[0], len(st.mean.x_names))}; got {xvals.shape}"
            )
        xv = np.vstack([res.x, xvals]) if res.x is not None else xvals
    th = res.params.to_numpy()
    y_all = np.concatenate([res.y, new])
    y_eff, X = st.mean.design(y_all, xv)
    eps_all, _ = kg.mean_resid(
        y_eff,
        X,
        np.ascontiguousarray(th[: st.mean.kx]),
        np.ascontiguousarray(th[st.mean.kx : st.mean.k]),
    )
    n_new = new.shape[0]
    eps_new = np.ascontiguousarray(eps_all[-n_new:])
    eh, sh = _history(res)
    s2 = kg.garch_filter(st.vol_params(th), eps_new, st.vol, st.p, st.o, st.q, eh, sh)[:n_new]
    vol = np.sqrt(s2)
    if meta.kind == "series":
        vol_out: Any = pd.Series(vol, index=meta.index.copy(), name="cond_vol")
    else:
        vol_out = vol

    cont = dataclasses.replace(
        res,
        vol_array=np.concatenate([res.vol_array, vol]),
        resid_array=np.concatenate([res.resid_array, eps_new]),
        y=y_all,
        x=xv,
        index=res.index.append(index) if (res.index is not None and index is not None) else None,
    )
    return vol_out, cont


def simulate(res: VolatilityResult, n: int, seed: Any = None, burn: int = 500) -> pd.DataFrame:
    """Simulate ``n`` observations of the fitted model after ``burn`` discarded ones."""
    n = check_int(n, "n", 1)
    burn = check_int(burn, "burn", 0)
    _check_no_exog(res, "simulate")
    st = res.structure
    th = res.params.to_numpy()
    rng = as_generator(seed)
    z = np.asarray(_dist(res).rvs(size=(1, n + burn), seed=rng), dtype=float)
    m = max(st.p, st.o, st.q, 1)
    pers = st.persistence(th)
    if st.vol == kg.GARCH:
        v = th[st.iv] / (1.0 - pers) if pers < 1.0 and th[st.iv] > 0 else float(np.mean(res.y**2))
    else:
        v = float(np.exp(th[st.iv] / (1.0 - pers))) if pers < 1.0 else float(np.mean(res.y**2))
    eps, s2 = kg.simulate_paths(
        st.vol_params(th),
        st.vol,
        st.p,
        st.o,
        st.q,
        np.zeros(n + burn),
        np.ascontiguousarray(z),
        np.zeros(m),
        np.full(m, v),
    )
    md = st.mean
    const = th[0] if md.has_const else 0.0
    phi = th[int(md.has_const) : int(md.has_const) + md.ar]
    ma = th[md.kx : md.k]
    e = eps[0]
    y = np.empty(n + burn)
    for t in range(n + burn):
        val = const + e[t]
        for i in range(md.ar):
            if t - 1 - i >= 0:
                val += phi[i] * y[t - 1 - i]
        for j in range(md.ma):
            if t - 1 - j >= 0:
                val += ma[j] * e[t - 1 - j]
        y[t] = val
    return pd.DataFrame({"data": y[burn:], "volatility": np.sqrt(s2[0, burn:]), "errors": e[burn:]})
