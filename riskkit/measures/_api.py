"""Public dispatch of ``var`` and ``es`` over the estimation methods.

Every method is a function ``fn(x, alphas, **options) -> (var, es)`` taking one validated
1-D float64 sample and a 1-D array of tail probabilities and returning positive losses of
shape ``alphas.shape``. They are imported lazily by (module, function) name, so importing
:mod:`riskkit.measures` loads no method module and compiles nothing.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from riskkit._exceptions import InputError
from riskkit._pandas import Meta, rewrap_per_column, rewrap_per_level, unwrap
from riskkit._validation import check_choice, check_levels, check_nan_policy, clean_column

__all__ = ["METHODS", "es", "var"]

#: method name -> (module, function) implementing ``fn(x, alphas, **options) -> (var, es)``
METHODS: dict[str, tuple[str, str]] = {
    "historical": ("riskkit.measures.historical", "historical_var_es"),
    "normal": ("riskkit.measures.parametric", "normal_var_es"),
    "t": ("riskkit.measures.parametric", "t_var_es"),
    "skewt": ("riskkit.measures.parametric", "skewt_var_es"),
    "cornish_fisher": ("riskkit.measures.cornish_fisher", "cornish_fisher_var_es"),
    "evt": ("riskkit.measures.evt", "evt_var_es"),
    "kernel": ("riskkit.measures.kernel", "kernel_var_es"),
}

MIN_OBS = 2


def columns(
    x: Any, nan_policy: str, n_min: int = MIN_OBS, what: str = "this method"
) -> tuple[list[np.ndarray], Meta]:
    """Unwrap ``x`` and validate every column (NaN policy, length, not constant)."""
    nan_policy = check_nan_policy(nan_policy)
    values, meta = unwrap(x, "x")
    names = list(meta.columns) if meta.kind == "frame" else [None] * values.shape[1]
    cols = [
        clean_column(
            values[:, j], "x", nan_policy, n_min, index=meta.index, column=names[j], what=what
        )
        for j in range(values.shape[1])
    ]
    return cols, meta


def wrap_levels(
    meta: Meta, values: np.ndarray, levels: np.ndarray, is_scalar: bool, level_name: str
) -> Any:
    """``values`` (L, m): scalar level -> one number per column, else indexed by level."""
    if is_scalar:
        return rewrap_per_column(meta, values[0])
    return rewrap_per_level(meta, values, levels.tolist(), level_name)


def resolve_method(method: Any, options: dict[str, Any]) -> Callable[..., Any]:
    """The method function, after checking that every option is one of its keywords."""
    name = check_choice(method, "method", tuple(METHODS))
    module, attr = METHODS[name]
    fn: Callable[..., Any] = getattr(importlib.import_module(module), attr)
    params = list(inspect.signature(fn).parameters.values())[2:]
    if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        allowed = [p.name for p in params]
        for key in options:
            if key not in allowed:
                raise InputError(
                    f"unknown option {key!r} for method={name!r}; "
                    f"valid options: {tuple(allowed) if allowed else 'none'}"
                )
    return fn


def call_method(
    fn: Callable[..., Any], method: str, x: np.ndarray, alphas: np.ndarray, options: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray]:
    try:
        v, e = fn(x, alphas, **options)
    except TypeError as exc:  # a bad option value or name the signature check let through
        raise InputError(f"bad option for method={method!r}: {exc}") from None
    return np.asarray(v, dtype=np.float64), np.asarray(e, dtype=np.float64)


def var_es_table(
    x: Any, alpha: Any, method: Any, nan_policy: str, options: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool, Meta]:
    """VaR and ES arrays of shape (L, m) plus levels, scalar flag and meta."""
    fn = resolve_method(method, options)
    levels, is_scalar = check_levels(alpha, "alpha")
    cols, meta = columns(x, nan_policy, MIN_OBS, f"method={method!r}")
    v = np.empty((levels.shape[0], len(cols)))
    e = np.empty_like(v)
    for j, col in enumerate(cols):
        v[:, j], e[:, j] = call_method(fn, method, col, levels, options)
    return v, e, levels, is_scalar, meta


_COMMON_DOC = """
    Parameters
    ----------
    x : Series, DataFrame, ndarray or list
        Returns (P&L), not losses. A DataFrame gives one result per column.
    alpha : float or sequence of float, default 0.01
        Tail probability in (0, 1): ``alpha=0.01`` is the 99% VaR.
    method : str, default "historical"
        ``"historical"`` (empirical quantile rule below), ``"normal"``, ``"t"``,
        ``"skewt"`` (Hansen skewed t), ``"cornish_fisher"`` (modified VaR/ES),
        ``"evt"`` (peaks over threshold, GPD tail), ``"kernel"`` (Gaussian-kernel
        smoothed historical; option ``bandwidth=``).
    nan_policy : {"raise", "omit"}, default "raise"
        ``"raise"`` rejects NaN naming the first position; ``"omit"`` drops them
        (per column for a DataFrame). Infinite values always raise.
    **method_options
        Options of the chosen method only (``bandwidth`` for kernel; ``threshold``,
        ``tail_fraction`` for evt); an unknown option raises :class:`riskkit.InputError`.

    Returns
    -------
    float, Series, DataFrame or ndarray
        Positive loss. Scalar ``alpha``: a float for a Series/1-D input, a Series
        indexed by column for a DataFrame. Several levels: indexed by ``alpha``
        (index name ``"alpha"``), with one column per input column for a DataFrame.
        ndarray input gives ndarrays of the same layout.

    Notes
    -----
    Historical rule (shared by VaR and ES): with ``n`` observations, ``k = ceil(n alpha)``,
    ``w = floor(n alpha)`` (``n alpha`` within 1e-7, relative, of an integer counts as that
    integer) and order statistics ``x_(1) <= ... <= x_(n)``,
    ``VaR = -x_(k)`` (the lower empirical quantile, inverse of the empirical cdf) and
    ``ES = -(1/(n alpha)) [x_(1) + ... + x_(w) + (n alpha - w) x_(w+1)]``
    (Acerbi and Tasche 2002), hence ``ES >= VaR``.

    References
    ----------
    Acerbi, C. and Tasche, D. (2002). On the coherence of expected shortfall.
    Journal of Banking & Finance 26(7), 1487-1503.
"""


def var(
    x: Any,
    alpha: Any = 0.01,
    method: str = "historical",
    *,
    nan_policy: str = "raise",
    **method_options: Any,
) -> Any:
    v, _, levels, is_scalar, meta = var_es_table(x, alpha, method, nan_policy, method_options)
    return wrap_levels(meta, v, levels, is_scalar, "alpha")


def es(
    x: Any,
    alpha: Any = 0.01,
    method: str = "historical",
    *,
    nan_policy: str = "raise",
    **method_options: Any,
) -> Any:
    _, e, levels, is_scalar, meta = var_es_table(x, alpha, method, nan_policy, method_options)
    return wrap_levels(meta, e, levels, is_scalar, "alpha")


var.__doc__ = (
    """Value-at-Risk: ``VaR = -q_alpha`` of the return distribution, a positive loss.
"""
    + _COMMON_DOC
    + """
    Examples
    --------
    >>> import numpy as np, riskkit as rk
    >>> x = np.arange(1.0, 101.0) - 50.5          # -49.5, ..., 49.5
    >>> rk.var(x, alpha=0.05)                      # k = 5: -x_(5) = 45.5
    45.5
"""
)
es.__doc__ = (
    """Expected shortfall (CVaR): the average loss in the worst ``alpha`` share, a positive loss.
"""
    + _COMMON_DOC
    + """
    Examples
    --------
    >>> import numpy as np, riskkit as rk
    >>> x = np.arange(1.0, 101.0) - 50.5
    >>> rk.es(x, alpha=0.05)                       # mean of the 5 worst: 47.5
    47.5
"""
)
