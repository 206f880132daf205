"""Batched rolling/expanding refits of a volatility model, for the backtest engine.

:func:`fit_windows` fits one spec on many windows of one series and returns the
parameters, convergence flags, log-likelihoods and the one-step-ahead forecasts
(mean, variance, VaR, ES) for the day after each window. The whole loop -- OLS
start, backcast, warm-started optimisation, forecast -- runs inside one compiled
kernel (:func:`riskkit._kernels.garch_windows.fit_windows_kernel`), each window
starting from the previous window's optimum.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskkit import distributions as rkd
from riskkit._exceptions import ConvergenceWarning, InputError
from riskkit._kernels import garch_opt as kopt
from riskkit._kernels import garch_windows as kwin
from riskkit._pandas import unwrap
from riskkit._validation import check_index, check_int, check_levels
from riskkit.volatility import _optimize as opt
from riskkit.volatility.models import MIN_OBS, SCALE_RANGE, _Spec, fit_structure

__all__ = ["BatchResult", "fit_windows"]

_RULES = {"backcast": 0, "sample": 1, "fcp": 2}


@dataclass(frozen=True)
class BatchResult:
    """Results of :func:`fit_windows`, one row per window (in the order given).

    Attributes
    ----------
    starts, ends : ndarray
        Window bounds (positions; the window is ``returns[start:end]``).
    params : pandas.DataFrame
        Estimates (windows x parameters) on the scale of the data.
    converged : ndarray of bool
    loglikelihood : ndarray
    iterations : ndarray
        Optimiser iterations per window.
    retried : ndarray of bool
        Windows the compiled kernel did not converge on, refitted with the single-fit
        path (their ``converged`` is the refit's flag).
    sigma2_next, mean_next : ndarray
        One-step-ahead conditional variance and mean for position ``end`` (the day
        after the window), made from data up to ``end - 1``.
    var, es : pandas.DataFrame
        One-step-ahead VaR and ES (positive losses), one column per alpha.
    forecast_index : pandas.Index or None
        Label of position ``end`` in the caller's index (``None`` for ndarray input or
        when ``end`` is past the data, which is then NaT/None in the list).
    """

    starts: np.ndarray
    ends: np.ndarray
    params: pd.DataFrame
    converged: np.ndarray
    loglikelihood: np.ndarray
    iterations: np.ndarray
    retried: np.ndarray
    sigma2_next: np.ndarray
    mean_next: np.ndarray
    var: pd.DataFrame
    es: pd.DataFrame
    forecast_index: Any
    method: str

    def __str__(self) -> str:
        return (
            f"BatchResult: {len(self.starts)} windows, {int(self.converged.sum())} converged "
            f"({int(self.retried.sum())} refitted off the compiled path; {self.method}); "
            f"parameters {list(self.params.columns)}"
        )


def _check_windows(starts: Any, ends: Any, n: int, ar: int) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(starts)
    e = np.asarray(ends)
    if s.ndim != 1 or e.ndim != 1 or s.shape != e.shape or s.size == 0:
        raise InputError(
            f"starts and ends must be 1-D integer arrays of the same non-zero length; "
            f"got shapes {s.shape} and {e.shape}"
        )
    if not (np.issubdtype(s.dtype, np.integer) and np.issubdtype(e.dtype, np.integer)):
        raise InputError(f"starts and ends must hold integers; got {s.dtype} and {e.dtype}")
    if s.min() < 0 or e.max() > n:
        raise InputError(
            f"windows must lie in [0, {n}]; got starts.min()={s.min()}, ends.max()={e.max()}"
        )
    short = np.flatnonzero(e - s - ar < MIN_OBS)
    if short.size:
        w = int(short[0])
        raise InputError(
            f"window {w} ([{s[w]}, {e[w]})) has {e[w] - s[w]} observations; "
            f"at least {MIN_OBS + ar} are needed"
        )
    return s.astype(np.int64), e.astype(np.int64)


def fit_windows(
    returns: Any,
    starts: Any,
    ends: Any,
    spec: Any,
    *,
    alpha: Any = None,
    maxiter: int = 200,
    gtol: float = 1e-5,
) -> BatchResult:
    """Fit ``spec`` on ``returns[starts[w]:ends[w]]`` for every window ``w``, warm-started.

    Parameters
    ----------
    returns : pandas.Series or 1-D ndarray
        The whole series (finite values).
    starts, ends : array of int
        Window bounds (end exclusive); any order, rolling or expanding.
    spec : GARCH, GJR, EGARCH, IGARCH or EWMA
        The model (exogenous regressors ``x`` are not supported here).
    alpha : float or sequence, optional
        Tail probabilities of the one-step VaR/ES columns.
    maxiter, gtol : int, float
        Compiled BFGS iteration cap and projected-gradient tolerance (mean log-likelihood).

    Returns
    -------
    BatchResult

    Notes
    -----
    Each window is rescaled by its own standard deviation (estimates are mapped
    back), exactly as when it is fitted alone with ``spec.fit``: a window's estimates
    and forecast use no return after its end (windows are warm-started from the
    previous window in the order given, so give them in time order). Windows whose
    standard deviation is outside the usable range (e.g. a constant stretch) are not
    fitted: NaN and flagged.
    The start value of the variance recursion follows ``spec.init`` within each window.
    Variance-targeting specs have a window-dependent constraint and use the
    scipy path window by window (``method="scipy"``), warm-started as well.
    Non-converged windows are flagged (and warned about once), never fatal.
    """
    if not isinstance(spec, _Spec):
        raise InputError(f"spec must be a riskkit volatility model (e.g. rk.GARCH()); got {spec!r}")
    if spec.x is not None:  # type: ignore[attr-defined]
        raise InputError("fit_windows does not support exogenous regressors (spec.x must be None)")
    maxiter = check_int(maxiter, "maxiter", 1)
    levels = None if alpha is None else check_levels(alpha, "alpha")[0]
    vals, meta = unwrap(returns, "returns")
    if vals.shape[1] != 1:
        raise InputError(f"returns must be one series; got shape {vals.shape}")
    y = vals[:, 0]
    if not np.all(np.isfinite(y)):
        pos = int(np.argmax(~np.isfinite(y)))
        raise InputError(f"returns contains NaN or inf at position {pos}")
    if meta.index is not None:
        check_index(meta.index, "returns")
    mean = spec._mean_design(())
    st = spec._structure(mean)
    s0, e0 = _check_windows(starts, ends, y.shape[0], mean.ar)
    # each window is scaled by its own standard deviation (as when fitted alone), so
    # no window's estimates depend on returns after its end
    scales = kwin.window_scales(np.ascontiguousarray(y, dtype=np.float64), s0, e0)
    usable = (scales > SCALE_RANGE[0]) & (scales < SCALE_RANGE[1])
    if st.restriction == "targeting":
        out = _scipy_loop(st, spec, y, s0, e0, maxiter, usable)
        method = "scipy"
    else:
        out = _compiled(st, y, s0, e0, scales, usable, maxiter, gtol)
        method = "compiled"
    thetas, lls, conv, iters, s2n, mun = out
    retried = np.zeros(conv.shape[0], dtype=bool)
    if method == "compiled" and not conv[usable].all():
        retried = ~conv & usable
        _retry(st, spec, y, s0, e0, maxiter, usable, out=(thetas, lls, conv, s2n, mun))
    nbad = int((~conv).sum())
    if nbad:
        nscale = int((~usable).sum())
        note = (
            f"; {nscale} of them have a standard deviation outside {SCALE_RANGE} (not fitted)"
            if nscale
            else ""
        )
        warnings.warn(
            f"fit_windows: {nbad} of {len(conv)} windows did not converge "
            f"(flagged in .converged){note}",
            ConvergenceWarning,
            stacklevel=2,
        )
    var_df, es_df = _risk(st, thetas, s2n, mun, levels)
    fidx = None
    if meta.index is not None:
        fidx = [meta.index[e] if e < len(meta.index) else None for e in e0]
    return BatchResult(
        starts=s0,
        ends=e0,
        params=pd.DataFrame(thetas, columns=st.names),
        converged=conv,
        loglikelihood=lls,
        iterations=iters,
        retried=retried,
        sigma2_next=s2n,
        mean_next=mun,
        var=var_df,
        es=es_df,
        forecast_index=fidx,
        method=method,
    )


def _compiled(
    st: Any,
    y: np.ndarray,
    s0: np.ndarray,
    e0: np.ndarray,
    scales: np.ndarray,
    usable: np.ndarray,
    maxiter: int,
    gtol: float,
) -> tuple:
    """All usable windows in one compiled call; results mapped to the data scale."""
    md = st.mean
    nw = s0.shape[0]
    thetas = np.full((nw, st.k), np.nan)
    lls = np.full(nw, np.nan)
    conv = np.zeros(nw, dtype=bool)
    iters = np.zeros(nw, dtype=np.int64)
    s2n = np.full(nw, np.nan)
    mun = np.full(nw, np.nan)
    idx = np.flatnonzero(usable)
    if idx.size == 0:
        return thetas, lls, conv, iters, s2n, mun
    y_eff, X = md.design(np.concatenate([y, [0.0]]), None)
    ylast = np.ascontiguousarray(y_eff[:-1])
    xfit = np.ascontiguousarray(X[:-1])
    ks, ke, sc = s0[idx], e0[idx] - md.ar, scales[idx]
    x_next = np.ascontiguousarray(X[ke])
    # the design's AR-lag columns scale with the data, the constant does not
    xscale = np.array([0] * int(md.has_const) + [1] * md.ar, dtype=np.int64)
    # first window: grid start in Python (its own scale), then everything compiled
    yw = ylast[ks[0] : ke[0]] / sc[0]
    xw = xfit[ks[0] : ke[0]] / np.where(xscale == 1, sc[0], 1.0)
    b0, bc, v = kopt.ols_backcast(yw, np.ascontiguousarray(xw), _RULES[st.init])
    A, c = st.affine(1.0)
    prob = opt.Problem(st, yw, np.ascontiguousarray(xw), float(bc), A, c)
    mean0 = np.concatenate([b0, np.zeros(md.ma)])
    starts = opt.thetas_to_phi(prob, opt.starting_theta(st, mean0, float(v)))
    phi0 = max(starts, key=prob.loglik)
    bnd = opt.phi_bounds(prob, 1.0)
    th, ll, ok, it, s2, mu = kwin.fit_windows_kernel(
        ylast,
        xfit,
        x_next,
        ks,
        ke,
        np.ascontiguousarray(sc),
        xscale,
        np.ascontiguousarray(phi0),
        bnd.lo,
        bnd.hi,
        bnd.G,
        bnd.h,
        np.ascontiguousarray(A),
        np.ascontiguousarray(c),
        prob.spec,
        _RULES[st.init],
        maxiter,
        gtol,
    )
    good = np.all(np.isfinite(th), axis=1)
    th[good] = st.to_original_rows(th[good], sc[good])
    thetas[idx] = th
    lls[idx] = ll - (ke - ks) * np.log(sc)
    conv[idx] = ok
    iters[idx] = it
    s2n[idx] = s2 * sc * sc
    mun[idx] = mu * sc
    return thetas, lls, conv, iters, s2n, mun


def _retry(
    st: Any,
    spec: Any,
    y: np.ndarray,
    s0: np.ndarray,
    e0: np.ndarray,
    maxiter: int,
    usable: np.ndarray,
    out: tuple,
) -> None:
    """Refit the windows the compiled optimiser did not converge on with the full
    single-fit path (compiled BFGS then SLSQP), in place on the original scale."""
    from riskkit.volatility.forecast import _mean_paths, _next_variance

    thetas, lls, conv, s2n, mun = out
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for w in np.flatnonzero(~conv & usable):
            sv = thetas[w] if np.all(np.isfinite(thetas[w])) else None
            r = fit_structure(
                st, spec._model, y[s0[w] : e0[w]], None, None, "array1d", sv, maxiter, 1e-12
            )
            if not np.isfinite(lls[w]) or r.loglikelihood >= lls[w] - 1e-9 * abs(lls[w]):
                thetas[w] = r.params.to_numpy()
                lls[w] = r.loglikelihood
                conv[w] = r.converged
                s2n[w] = _next_variance(r)
                mun[w] = _mean_paths(r, np.zeros((1, 1)))[0, 0]


def _scipy_loop(
    st: Any,
    spec: Any,
    y: np.ndarray,
    s0: np.ndarray,
    e0: np.ndarray,
    maxiter: int,
    usable: np.ndarray,
) -> tuple:
    from riskkit.volatility.forecast import _mean_paths, _next_variance

    nw = len(s0)
    thetas = np.full((nw, st.k), np.nan)
    lls = np.full(nw, np.nan)
    conv = np.zeros(nw, dtype=bool)
    s2n = np.full(nw, np.nan)
    mun = np.full(nw, np.nan)
    prev = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for w in np.flatnonzero(usable):
            r = fit_structure(
                st, spec._model, y[s0[w] : e0[w]], None, None, "array1d", prev, maxiter, 1e-12
            )
            thetas[w] = r.params.to_numpy()
            lls[w] = r.loglikelihood
            conv[w] = r.converged
            s2n[w] = _next_variance(r)
            mun[w] = _mean_paths(r, np.zeros((1, 1)))[0, 0]
            if r.converged:
                prev = thetas[w]
    return thetas, lls, conv, np.zeros(nw, dtype=np.int64), s2n, mun


def _risk(st: Any, thetas: np.ndarray, s2n: np.ndarray, mun: np.ndarray, levels: Any) -> tuple:
    cols = [] if levels is None else [float(a) for a in levels]
    var = np.full((thetas.shape[0], len(cols)), np.nan)
    es = np.full_like(var, np.nan)
    if cols:
        sd = np.sqrt(s2n)
        kd = st.kd
        cache: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
        for w in range(thetas.shape[0]):
            if not np.isfinite(sd[w]):
                continue
            sh = tuple(thetas[w, st.k - kd :]) if kd else ()
            if sh not in cache:
                d = rkd.from_kernel(st.dist_code, *sh)
                cache[sh] = (np.asarray(d.ppf(np.array(cols))), np.asarray(d.es(np.array(cols))))
            q, e = cache[sh]
            var[w] = -mun[w] - sd[w] * q
            es[w] = -mun[w] + sd[w] * e
    return pd.DataFrame(var, columns=cols), pd.DataFrame(es, columns=cols)
