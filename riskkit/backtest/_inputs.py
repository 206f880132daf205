"""Validation of the aligned inputs of the backtest statistics.

Every backtest statistic receives returns and forecasts (VaR, ES, EVaR, PIT values,
location/scale) for the same dates. :func:`aligned` checks that they really are
aligned (same length; equal indexes when pandas objects are given; a sorted,
duplicate-free time index), applies the NaN policy jointly (a date is dropped when any
of its inputs is NaN) and checks the sign conventions of DESIGN.md: VaR, ES and EVaR
are non-negative losses and ``ES >= VaR``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from riskkit._exceptions import InputError
from riskkit._pandas import unwrap
from riskkit._validation import check_index, check_int, check_nan_policy

__all__ = ["aligned", "check_counts", "resolve_hits"]

#: inputs that must be non-negative losses
_LOSSES = ("var", "es", "evar")


def _one_dimensional(x: Any, name: str) -> tuple[np.ndarray, pd.Index | None]:
    values, meta = unwrap(x, name)
    if meta.kind in ("frame", "array2d") and values.shape[1] != 1:
        raise InputError(
            f"{name} must be one series (1-D); got {values.shape[1]} columns. "
            "Test one model at a time."
        )
    return values[:, 0], (meta.index if meta.is_pandas else None)


def aligned(
    inputs: dict[str, Any], nan_policy: str = "raise", min_obs: int = 1
) -> tuple[dict[str, np.ndarray], pd.Index | None]:
    """Validate and align named 1-D inputs; scalars are broadcast.

    Returns ``(arrays, index)``: C-contiguous float64 arrays of equal length and the
    common pandas index (``None`` when no pandas object was given).
    """
    nan_policy = check_nan_policy(nan_policy)
    arrays: dict[str, np.ndarray] = {}
    scalars: dict[str, float] = {}
    index: pd.Index | None = None
    index_owner = ""
    for name, x in inputs.items():
        if np.ndim(x) == 0 and not isinstance(x, (pd.Series, pd.DataFrame)):
            try:
                scalars[name] = float(x)
            except (TypeError, ValueError):
                raise InputError(f"{name} must be a number or a series; got {x!r}") from None
            continue
        values, idx = _one_dimensional(x, name)
        if idx is not None:
            if index is None:
                check_index(idx, name)
                index, index_owner = idx, name
            elif not idx.equals(index):
                raise InputError(
                    f"{name} and {index_owner} are misaligned: their indexes differ "
                    f"(first {name} index {idx[0]!r}, first {index_owner} index {index[0]!r}, "
                    f"lengths {len(idx)} and {len(index)}); align them first, e.g. with "
                    "pandas.concat(..., axis=1).dropna()"
                )
        arrays[name] = values
    if not arrays:
        raise InputError(f"at least one of {tuple(inputs)} must be a series")
    lengths = {k: v.shape[0] for k, v in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise InputError(f"inputs must have the same length; got lengths {lengths}")
    n = next(iter(lengths.values()))
    for name, value in scalars.items():
        arrays[name] = np.full(n, value)

    bad = np.zeros(n, dtype=bool)
    for name, arr in arrays.items():
        v = arr
        inf = np.isinf(v)
        if inf.any():
            pos = int(np.argmax(inf))
            raise InputError(f"{name} contains an infinite value {v[pos]} at {_where(index, pos)}")
        nan = np.isnan(v)
        if nan.any() and nan_policy == "raise":
            pos = int(np.argmax(nan))
            raise InputError(
                f"{name} contains NaN at {_where(index, pos)} ({int(nan.sum())} NaN in all); "
                "pass nan_policy='omit' to drop those dates"
            )
        bad |= nan
    if bad.any():
        keep = ~bad
        arrays = {k: v[keep] for k, v in arrays.items()}
        if index is not None:
            index = index[keep]
    out = {k: np.ascontiguousarray(v, dtype=np.float64) for k, v in arrays.items()}
    n_left = next(iter(out.values())).shape[0]
    if n_left < min_obs:
        raise InputError(f"{min_obs} observation(s) are needed after dropping NaN; got {n_left}")
    for name in _LOSSES:
        if name in out:
            _check_losses(out[name], name, index)
    if "es" in out and "var" in out:
        gap = out["var"] - out["es"]
        tol = 1e-10 * np.maximum(1.0, np.abs(out["var"]))
        if np.any(gap > tol):
            pos = int(np.argmax(gap > tol))
            raise InputError(
                f"es must be >= var (expected shortfall is at least the VaR); got "
                f"es={out['es'][pos]!r} < var={out['var'][pos]!r} at {_where(index, pos)}"
            )
    return out, index


def _where(index: pd.Index | None, pos: int) -> str:
    return f"position {pos}" if index is None else f"position {pos} (index {index[pos]!r})"


def _check_losses(v: np.ndarray, name: str, index: pd.Index | None) -> None:
    neg = v < 0
    if neg.any():
        pos = int(np.argmax(neg))
        kind = "mixed sign" if (v > 0).any() else "all negative"
        raise InputError(
            f"{name} must be reported as a non-negative loss ({name} = -quantile of returns); "
            f"got {int(neg.sum())} negative value(s) ({kind}), first {v[pos]!r} at "
            f"{_where(index, pos)}. Did you pass a return quantile instead of a loss?"
        )


def check_counts(n_obs: Any, n_exceptions: Any) -> tuple[int, int]:
    """Counts of observations and exceptions: ``0 <= n_exceptions <= n_obs``, ``n_obs >= 1``."""
    n = check_int(n_obs, "n_obs", minimum=1)
    x = check_int(n_exceptions, "n_exceptions", minimum=0)
    if x > n:
        raise InputError(f"n_exceptions must be <= n_obs = {n}; got {x}")
    return n, x


def resolve_hits(
    returns: Any, var: Any, hits: Any, nan_policy: str = "raise"
) -> tuple[np.ndarray, pd.Index | None]:
    """The exception indicator ``1{-r_t > VaR_t}`` as float64 0/1, or a validated ``hits``.

    Exactly one of (``returns`` and ``var``) or ``hits`` must be given.
    """
    if hits is not None:
        if returns is not None or var is not None:
            raise InputError("give either returns and var, or hits; not both")
        if isinstance(hits, pd.DataFrame):
            raise InputError("hits must be one 1-D series of 0/1 values; got a DataFrame")
        index = hits.index if isinstance(hits, pd.Series) else None
        if index is not None:
            check_index(index, "hits")
        arr = np.asarray(hits)
        if arr.ndim != 1 or arr.size == 0:
            raise InputError(f"hits must be a non-empty 1-D sequence; got shape {arr.shape}")
        try:
            h = arr.astype(np.float64)
        except (TypeError, ValueError):
            raise InputError(f"hits must hold 0/1 or booleans; got dtype {arr.dtype}") from None
        nan = np.isnan(h)
        if nan.any():
            if check_nan_policy(nan_policy) == "raise":
                pos = int(np.argmax(nan))
                raise InputError(
                    f"hits contains NaN at {_where(index, pos)}; pass nan_policy='omit'"
                )
            h = h[~nan]
            index = None if index is None else index[~nan]
            if h.size == 0:
                raise InputError("hits has no observation left after dropping NaN")
        if not np.all((h == 0.0) | (h == 1.0)):
            bad = h[(h != 0.0) & (h != 1.0)][0]
            raise InputError(f"hits must hold only 0/1 (or booleans); got the value {bad!r}")
        return np.ascontiguousarray(h), index
    if returns is None or var is None:
        raise InputError("returns and var are both required (or pass hits=, or the counts)")
    arrays, index = aligned({"returns": returns, "var": var}, nan_policy)
    h = (-arrays["returns"] > arrays["var"]).astype(np.float64)
    return h, index
