"""Rolling (moving-window) risk measures.

A rolling statistic indexed at t uses the rows ``t - window + 1 .. t`` (data up to and
including t, like :meth:`pandas.DataFrame.rolling`); it is NOT a forecast for t (shift it
by one row for that). Historical VaR/ES, expectiles and EVaR run in one compiled pass per
column in O(n log n) (a buffer of the window's smallest values for small tails, else a
Fenwick tree over ranks, see :mod:`riskkit._kernels.rolling`);
the normal method uses rolling moments in a kernel. The other methods (t, skewt,
cornish_fisher, evt, kernel) refit the unconditional estimator on every window in a
Python loop: correct but slow.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtri

from riskkit._exceptions import InputError
from riskkit._kernels.rolling import (
    VAR_ONLY,
    WITH_ES,
    WITH_MOMENTS,
    argsort_columns,
    rolling_expectile,
    rolling_historical,
    rolling_moments,
    tail_size,
)
from riskkit._pandas import Meta, rewrap_like, unwrap
from riskkit._validation import (
    check_finite,
    check_index,
    check_int,
    check_levels,
    check_nan_policy,
    check_probability,
    clean_column,
)
from riskkit.measures._api import MIN_OBS, call_method, resolve_method
from riskkit.measures.evar import FITTED, EVaRResult, _check_match, expectile_es, matched_tau

__all__ = ["Rolling", "rolling"]

# "no argsort": the historical kernel ranks a column itself if it ever needs to
_NO_ORDER = np.empty((0, 0), dtype=np.int64)
# n_jobs=None starts one thread per this many values at most: below it, starting threads and
# splitting and joining the arrays cost more than the parallel kernels save
_VALUES_PER_THREAD = 500_000


def rolling(
    x: Any,
    window: int,
    min_periods: int | None = None,
    *,
    nan_policy: str = "raise",
    n_jobs: int | None = None,
) -> Rolling:
    """Moving-window risk measures of ``x``.

    Parameters
    ----------
    x : Series, DataFrame, ndarray or list
        Returns, in time order (a pandas index must be increasing without duplicates).
    window : int
        Number of rows in each window (>= 1).
    min_periods : int, optional
        Minimum number of valid values for a result (default ``window``): the first
        ``window - 1`` values are NaN unless ``min_periods`` is smaller.
    nan_policy : {"raise", "omit"}, default "raise"
        ``"omit"`` treats NaN as missing rows: windows keep their row span and count only
        valid values (as pandas does). Infinite values always raise.
    n_jobs : int, optional
        Threads over which the columns of a DataFrame are split (the compiled kernels
        release the GIL). Default: the number of CPUs, but at most one thread per 500,000
        values (smaller inputs run serially: threads would cost more than they save).
        ``1`` runs serially.

    Returns
    -------
    Rolling
        With methods :meth:`~Rolling.var`, :meth:`~Rolling.es`, :meth:`~Rolling.expectile`
        and :meth:`~Rolling.evar`.

    Notes
    -----
    Output layout: Series in and a scalar level -> Series with the caller's index and name;
    several levels -> DataFrame with one column per level (columns named by level, name
    ``"alpha"`` or ``"tau"``). DataFrame in and a scalar level -> DataFrame like the input;
    several levels -> DataFrame with MultiIndex columns ``(level, column)``, so
    ``out[0.01]`` is the DataFrame for ``alpha=0.01``. ndarray in: shape ``(n,)``/``(n, m)``
    for a scalar level, ``(n, L)``/``(n, m, L)`` for ``L`` levels.

    Methods: ``historical`` (same quantile rule as :func:`riskkit.var`), expectiles and
    empirical EVaR run in compiled O(n log n) kernels (historical VaR/ES at small ``alpha``
    in O(1) per row typically, from a buffer of the window's smallest values); ``normal``
    uses compiled rolling moments and gives NaN for windows with fewer than 2 values;
    ``t``, ``skewt``, ``cornish_fisher``, ``evt`` and ``kernel`` refit the unconditional
    estimator on each window in a Python loop (slow) and raise :class:`riskkit.InputError`
    on a window the method cannot handle (e.g. a constant window), naming the window's end.

    Examples
    --------
    >>> import numpy as np, riskkit as rk
    >>> x = np.random.default_rng(1).standard_normal(300)
    >>> v = rk.rolling(x, window=100).var(alpha=0.05)
    >>> bool(np.isnan(v[:99]).all()) and bool(np.isclose(v[-1], rk.var(x[-100:], 0.05)))
    True
    """
    return Rolling(x, window, min_periods, nan_policy, n_jobs)


class Rolling:
    """Moving-window risk measures; created by :func:`rolling`."""

    def __init__(
        self,
        x: Any,
        window: int,
        min_periods: int | None,
        nan_policy: str,
        n_jobs: int | None = None,
    ) -> None:
        nan_policy = check_nan_policy(nan_policy)
        # default: as many threads as CPUs, but only for inputs large enough to gain
        self._auto_jobs = n_jobs is None
        if n_jobs is None:
            self.n_jobs = os.cpu_count() or 1
        else:
            self.n_jobs = check_int(n_jobs, "n_jobs", minimum=1)
        values, meta = unwrap(x, "x")
        self.window = check_int(window, "window", minimum=1)
        if min_periods is None:
            self.min_periods = self.window
        else:
            self.min_periods = check_int(min_periods, "min_periods", 1, self.window)
        if meta.is_pandas:
            check_index(meta.index, "x")
        names = list(meta.columns) if meta.kind == "frame" else [None] * values.shape[1]
        all_finite = bool(np.isfinite(values).all())  # the common case: one vectorised check
        for j in range(values.shape[1]):
            col = values[:, j]
            if all_finite:
                valid = col.shape[0]
            else:
                check_finite(col, "x", nan_policy, index=meta.index, column=names[j])
                valid = int(np.sum(~np.isnan(col)))
            if valid < self.min_periods:
                where = "x" if names[j] is None else f"x[{names[j]!r}]"
                raise InputError(
                    f"{where} has {valid} valid observations; min_periods={self.min_periods} "
                    "needs at least that many for any result"
                )
        self._x = values
        self._meta = meta
        self._names = names
        self._argsort: np.ndarray | None = None

    def _order(self) -> np.ndarray:
        """Per-column argsort, computed once and shared by every historical/expectile call."""
        if self._argsort is None:
            self._argsort = argsort_columns(self._x)
        return self._argsort

    def __repr__(self) -> str:
        return (
            f"Rolling(window={self.window}, min_periods={self.min_periods}, shape={self._x.shape})"
        )

    # -- public methods -----------------------------------------------------------------
    def var(self, alpha: Any = 0.01, method: str = "historical", **method_options: Any) -> Any:
        """Rolling VaR (positive loss); see :func:`riskkit.var` for methods and options."""
        v, _, levels, is_scalar = self._var_es(alpha, method, method_options, False)
        return self._wrap(v, levels, is_scalar, "alpha")

    def es(self, alpha: Any = 0.01, method: str = "historical", **method_options: Any) -> Any:
        """Rolling expected shortfall (positive loss); see :func:`riskkit.es`."""
        _, e, levels, is_scalar = self._var_es(alpha, method, method_options, True)
        return self._wrap(e, levels, is_scalar, "alpha")

    def expectile(self, tau: Any = 0.05) -> Any:
        """Rolling exact tau-expectile in return units (see :func:`riskkit.expectile`)."""
        taus, is_scalar = check_levels(tau, "tau")
        out = self._by_columns(
            rolling_expectile, self._order(), self.window, self.min_periods, taus
        )
        return self._wrap(out, taus, is_scalar, "tau")

    def evar(
        self,
        alpha: Any = 0.01,
        *,
        tau: Any = None,
        match: Any = "empirical",
        return_tau: bool = False,
    ) -> Any:
        """Rolling expectile-based VaR; arguments as :func:`riskkit.evar`.

        With ``match="empirical"`` the window EVaR equals the rolling historical VaR and the
        reported tau varies by window; with ``"normal"``, a distribution or a given ``tau``,
        tau is fixed and the exact window expectile is reported.
        """
        alphas, is_scalar = check_levels(alpha, "alpha")
        if np.any(alphas >= 0.5):
            raise InputError(f"alpha must be below 0.5 for the expectile-based VaR; got {alpha!r}")
        if tau is not None:
            t0 = check_probability(tau, "tau")
            if t0 >= 0.5:
                raise InputError(f"tau must be below 0.5 for the expectile-based ES; got {tau!r}")
            label = "given"
            taus = np.full(alphas.shape[0], t0)
        else:
            label = _check_match(match)
            if label in FITTED:
                raise InputError(
                    f"match={match!r} refits a distribution per window and is not supported by "
                    "rolling(); use 'empirical', 'normal', a distribution object or tau="
                )
            taus = np.empty(0)
            if label != "empirical":
                taus = np.array([matched_tau(float(a), match) for a in alphas])
        if label == "empirical":
            v, _, tv, mean = self._historical(alphas, WITH_MOMENTS)
            ev = v
            e = -v
        else:
            e = self._by_columns(
                rolling_expectile, self._order(), self.window, self.min_periods, taus
            )
            ev = -e
            tv = np.broadcast_to(taus, e.shape).copy()
            tv[np.isnan(e)] = np.nan
            _, _, _, mean = self._historical(alphas[:1], WITH_MOMENTS)
        esv = expectile_es(e, tv, alphas, mean[:, :, None])
        out = self._wrap(ev, alphas, is_scalar, "alpha")
        if not return_tau:
            return out
        return EVaRResult(
            evar=out,
            tau=self._wrap(tv, alphas, is_scalar, "alpha"),
            es=self._wrap(esv, alphas, is_scalar, "alpha"),
            alpha=float(alphas[0]) if is_scalar else tuple(alphas.tolist()),
            match=label,
        )

    # -- internals ----------------------------------------------------------------------
    def _historical(self, alphas: np.ndarray, outputs: int) -> Any:
        """The historical kernel's ``(var, es, lpm_tau, mean)`` (``outputs`` as the kernel
        takes it); the columns are ranked (argsort) here only when the tail is too deep for
        the kernel's tail buffer."""
        if tail_size(self.window, alphas, outputs >= WITH_ES) > 0:
            order = _NO_ORDER
        else:
            order = self._order()
        return self._by_columns(
            rolling_historical, order, self.window, self.min_periods, alphas, outputs, True
        )

    def _by_columns(self, kernel: Any, order: np.ndarray | None, *args: Any) -> Any:
        """Run a column-wise kernel (with the argsort ``order`` as its second argument unless
        None; an empty order is passed as is), splitting the columns over ``n_jobs`` threads."""
        x = self._x
        workers = min(self.n_jobs, x.shape[1])
        if self._auto_jobs:
            workers = min(workers, max(1, x.size // _VALUES_PER_THREAD))
        if workers <= 1:
            return kernel(x, *args) if order is None else kernel(x, order, *args)

        def run(cols: np.ndarray) -> Any:
            xs = np.ascontiguousarray(x[:, cols])
            if order is None:
                return kernel(xs, *args)
            if order.shape[0] == 0:
                return kernel(xs, order, *args)
            return kernel(xs, np.ascontiguousarray(order[cols]), *args)

        groups = np.array_split(np.arange(x.shape[1]), workers)
        with ThreadPoolExecutor(workers) as pool:
            parts = list(pool.map(run, groups))
        if isinstance(parts[0], tuple):
            return tuple(np.concatenate(p, axis=1) for p in zip(*parts))
        return np.concatenate(parts, axis=1)

    def _var_es(
        self, alpha: Any, method: str, options: dict[str, Any], need_es: bool
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
        fn = resolve_method(method, options)
        levels, is_scalar = check_levels(alpha, "alpha")
        if method == "historical":
            v, e, _, _ = self._historical(levels, WITH_ES if need_es else VAR_ONLY)
        elif method == "normal":
            mean, sd = self._by_columns(rolling_moments, None, self.window, self.min_periods)
            z = ndtri(levels)
            phi = np.exp(-0.5 * z * z) / np.sqrt(2.0 * np.pi)
            v = -(mean[:, :, None] + sd[:, :, None] * z)
            e = sd[:, :, None] * (phi / levels) - mean[:, :, None]
        else:
            v, e = self._loop(fn, method, levels, options)
        return v, e, levels, is_scalar

    def _loop(
        self, fn: Any, method: str, levels: np.ndarray, options: dict[str, Any]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Refit the unconditional method on every window (slow path)."""
        x = self._x
        n, m = x.shape
        v = np.full((n, m, levels.shape[0]), np.nan)
        e = np.full_like(v, np.nan)
        need = max(self.min_periods, MIN_OBS)
        for j in range(m):
            for t in range(n):
                win = x[max(0, t - self.window + 1) : t + 1, j]
                win = win[~np.isnan(win)]
                if win.shape[0] < need:
                    continue
                label = t if self._meta.index is None else self._meta.index[t]
                col = clean_column(
                    win, f"x window ending at {label!r}", "raise", need, what=f"method={method!r}"
                )
                v[t, j], e[t, j] = call_method(fn, method, col, levels, options)
        return v, e

    def _wrap(self, values: np.ndarray, levels: np.ndarray, is_scalar: bool, name: str) -> Any:
        return wrap_rolling(self._meta, values, levels, is_scalar, name)


def wrap_rolling(
    meta: Meta, values: np.ndarray, levels: np.ndarray, is_scalar: bool, name: str
) -> Any:
    """Put a (n, m, L) array of rolling results into the caller's container.

    ``values`` must be a fresh array (the caller's object is never shared): a DataFrame
    result takes it over without a copy.
    """
    if is_scalar:
        if meta.kind == "frame":
            return pd.DataFrame(
                values[:, :, 0], index=meta.index.copy(), columns=meta.columns.copy(), copy=False
            )
        return rewrap_like(meta, values[:, :, 0])
    lev = pd.Index(np.asarray(levels, dtype=np.float64), name=name)
    if meta.kind == "series":
        return pd.DataFrame(values[:, 0, :], index=meta.index.copy(), columns=lev)
    if meta.kind == "frame":
        n, m, nl = values.shape
        cols = pd.MultiIndex.from_product([lev, meta.columns], names=[name, meta.columns.name])
        data = values.transpose(0, 2, 1).reshape(n, nl * m)
        return pd.DataFrame(data, index=meta.index.copy(), columns=cols)
    if meta.kind == "array1d":
        return values[:, 0, :].copy()
    return values.copy()
