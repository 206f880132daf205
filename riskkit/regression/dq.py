"""Engle–Manganelli dynamic quantile (DQ) test of a VaR path.

The public :func:`dq_test` is the out-of-sample form; :func:`dq_in_sample` is the
in-sample form with the correction matrix ``M`` for estimated CAViaR parameters,
used by :class:`riskkit.regression.caviar.CAViaR`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from riskkit._exceptions import InputError
from riskkit._pandas import unwrap
from riskkit._results import TestResult
from riskkit._validation import (
    check_finite,
    check_index,
    check_int,
    check_nan_policy,
    check_probability,
)

__all__ = ["dq_in_sample", "dq_test", "hit_sequence"]

_NULL = "hits are independent of the instruments and occur with probability alpha"


def hit_sequence(returns: np.ndarray, var: np.ndarray, alpha: float) -> np.ndarray:
    """Demeaned hits ``1(-r_t > VaR_t) - alpha`` (strict exceedance)."""
    return (-returns > var).astype(np.float64) - alpha


def _lagged(hit: np.ndarray, lags: int) -> np.ndarray:
    """Columns ``hit_{t-1}, ..., hit_{t-lags}`` for ``t = lags..n-1``."""
    n = hit.shape[0]
    return np.column_stack([hit[lags - s : n - s] for s in range(1, lags + 1)])


def dq_instruments(hit: np.ndarray, var: np.ndarray, lags: int, include_var: bool) -> np.ndarray:
    """Regressors of the out-of-sample DQ test: constant, [VaR_t,] hit_{t-1..t-lags}."""
    n = hit.shape[0]
    cols = [np.ones(n - lags)]
    if include_var:
        cols.append(var[lags:])
    if lags:
        cols.extend(_lagged(hit, lags).T)
    return np.column_stack(cols)


def _quadratic(h: np.ndarray, X: np.ndarray) -> tuple[float, int]:
    """``h'X (X'X)^+ X'h`` (the explained sum of squares) and the rank of ``X``."""
    coef, _, rank, _ = np.linalg.lstsq(X, h, rcond=None)
    fitted = X @ coef
    return float(fitted @ fitted), int(rank)


def dq_test(
    returns: Any,
    var: Any,
    alpha: float,
    lags: int = 4,
    include_var: bool = True,
    nan_policy: str = "raise",
) -> TestResult:
    """Dynamic quantile test of Engle & Manganelli (2004), out-of-sample form.

    Parameters
    ----------
    returns : Series or 1-D array
        Realised returns ``r_t``.
    var : Series or 1-D array
        VaR forecasts for the same dates, as positive losses (forecast for ``t`` made at ``t-1``).
        Series inputs must share the same index.
    alpha : float
        Tail probability of the VaR, in (0, 1).
    lags : int, default 4
        Number of lagged hits among the instruments.
    include_var : bool, default True
        Include the current VaR forecast among the instruments (as in the paper).
    nan_policy : {"raise", "omit"}
        ``"omit"`` drops dates where either input is NaN.

    Returns
    -------
    TestResult
        ``statistic`` ~ chi2(k) under H0, with ``k`` the rank of the instrument matrix
        (``1 + include_var + lags`` unless collinear, e.g. when there is no hit at all).

    Notes
    -----
    With ``Hit_t = 1(-r_t > VaR_t) - alpha`` and ``X_t = (1, VaR_t, Hit_{t-1}, ..., Hit_{t-p})``
    for ``t = p+1..T``,

    .. math:: DQ = \\frac{Hit' X (X'X)^{-1} X' Hit}{\\alpha (1 - \\alpha)} \\sim \\chi^2_k .

    A generalised inverse is used when ``X`` is rank deficient, with ``k`` its rank.

    References
    ----------
    Engle, R. F. and Manganelli, S. (2004). CAViaR: conditional autoregressive value at risk
    by regression quantiles. *Journal of Business & Economic Statistics* 22(4), 367-381,
    Section 6 (out-of-sample DQ test).

    Examples
    --------
    >>> import numpy as np
    >>> from riskkit.regression.dq import dq_test
    >>> r = np.random.default_rng(1).standard_normal(1000)
    >>> res = dq_test(r, np.full(1000, 1.6449), alpha=0.05, include_var=False)
    >>> res.details["df"], bool(0 <= res.pvalue <= 1)
    (5, True)
    """
    a = check_probability(alpha, "alpha")
    lags = check_int(lags, "lags", minimum=0)
    nan_policy = check_nan_policy(nan_policy)
    if not isinstance(include_var, (bool, np.bool_)):
        raise InputError(f"include_var must be True or False; got {include_var!r}")
    r, v = _aligned_pair(returns, var)
    bad = np.isnan(r) | np.isnan(v)
    if bad.any() and nan_policy == "omit":
        r, v = r[~bad], v[~bad]
    check_finite(r, "returns", "raise")
    check_finite(v, "var", "raise")
    if (v < 0).any():
        pos = int(np.argmax(v < 0))
        raise InputError(
            f"var must hold VaR as positive losses (VaR = -quantile); got {v[pos]!r} < 0 at "
            f"position {pos}" + (" (mixed signs)" if (v > 0).any() else "")
        )
    n_cols = 1 + int(include_var) + lags
    if r.shape[0] < lags + n_cols + 1:
        raise InputError(
            f"returns has {r.shape[0]} observations; the DQ test with lags={lags} needs at "
            f"least {lags + n_cols + 1}"
        )
    hit = hit_sequence(r, v, a)
    X = dq_instruments(hit, v, lags, bool(include_var))
    h = hit[lags:]
    q, rank = _quadratic(h, X)
    stat = q / (a * (1.0 - a))
    return TestResult(
        name="Dynamic quantile (DQ) test, out of sample",
        statistic=stat,
        pvalue=float(stats.chi2.sf(stat, rank)),
        null=_NULL,
        distribution=f"chi2({rank})",
        details={
            "n_obs": int(h.shape[0]),
            "hits": int((-r > v).sum()),
            "hit_rate": float((-r > v).mean()),
            "alpha": a,
            "lags": lags,
            "include_var": bool(include_var),
            "df": rank,
        },
    )


def _aligned_pair(returns: Any, var: Any) -> tuple[np.ndarray, np.ndarray]:
    r, mr = unwrap(returns, "returns")
    v, mv = unwrap(var, "var")
    for arr, m, nm in ((r, mr, "returns"), (v, mv, "var")):
        if arr.shape[1] != 1:
            raise InputError(f"{nm} must be one series (1-D); got shape {arr.shape}")
        if m.is_pandas:
            check_index(m.index, nm)
    if r.shape[0] != v.shape[0]:
        raise InputError(
            f"returns and var must have the same length; got {r.shape[0]} and {v.shape[0]}"
        )
    if mr.is_pandas and mv.is_pandas and not pd.Index(mr.index).equals(pd.Index(mv.index)):
        raise InputError("returns and var have different indexes; align them first")
    return np.ascontiguousarray(r[:, 0]), np.ascontiguousarray(v[:, 0])


def dq_in_sample(
    hit: np.ndarray,
    grad: np.ndarray,
    near: np.ndarray,
    alpha: float,
    lags: int = 4,
) -> TestResult:
    """In-sample DQ test for estimated CAViaR parameters (Engle & Manganelli 2004, Thm 4).

    Parameters
    ----------
    hit : ndarray (n,)
        Demeaned hits at the estimate.
    grad : ndarray (n, p)
        ``d f_t / d beta`` at the estimate.
    near : ndarray of bool (n,)
        ``|y_t + f_t| <= c`` (the k-nearest-neighbour bandwidth of the standard errors).
    alpha : float
        Tail probability.
    lags : int
        Lagged hits used as instruments.

    Notes
    -----
    With instruments ``X_t = (Hit_{t-1}, ..., Hit_{t-p})`` (the lagged hits, as in the
    authors' code; the constant and VaR are nearly spanned by the gradient, which makes
    ``M M'`` singular),

    .. math:: M = X' - \\Big(\\sum_{t \\in N} X_t \\nabla f_t'\\Big)
              \\Big(\\sum_{t \\in N} \\nabla f_t \\nabla f_t'\\Big)^{-1} \\nabla f',
              \\qquad DQ_{IS} = \\frac{Hit' X (M M')^{-1} X' Hit}{\\alpha(1-\\alpha)} \\sim \\chi^2_p,

    where ``N`` is the set of observations within the bandwidth (the ``(2 T c)^{-1}``
    factors of the paper cancel).
    """
    X = _lagged(hit, lags)
    h = hit[lags:]
    g = grad[lags:]
    nr = near[lags:]
    D = g[nr].T @ g[nr]
    XH = X[nr].T @ g[nr]
    M = X.T - XH @ np.linalg.solve(D, g.T)
    xh = X.T @ h
    stat = float(xh @ np.linalg.solve(M @ M.T, xh)) / (alpha * (1.0 - alpha))
    return TestResult(
        name="Dynamic quantile (DQ) test, in sample",
        statistic=stat,
        pvalue=float(stats.chi2.sf(stat, lags)),
        null=_NULL,
        distribution=f"chi2({lags})",
        details={"n_obs": int(h.shape[0]), "alpha": alpha, "lags": lags},
    )
