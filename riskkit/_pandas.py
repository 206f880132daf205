"""The only module that knows about pandas index and columns.

:func:`unwrap` turns a Series, DataFrame, ndarray or sequence into a 2-D
C-contiguous float64 array (observations in rows, one column per series) plus
a :class:`Meta` record; the ``rewrap_*`` functions put results back into the
caller's container, so every public function keeps "pandas in, pandas out"
(DESIGN.md §1) without repeating the bookkeeping.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from riskkit._exceptions import InputError

__all__ = ["Meta", "rewrap_like", "rewrap_per_column", "rewrap_per_level", "unwrap"]

Kind = Literal["series", "frame", "array1d", "array2d"]


@dataclass(frozen=True)
class Meta:
    """What is needed to give results back in the caller's container."""

    kind: Kind
    index: Any  # pd.Index, or None for ndarray input
    columns: Any  # pd.Index, or None unless DataFrame input
    name: Any = None

    @property
    def is_pandas(self) -> bool:
        return self.kind in ("series", "frame")

    @property
    def is_1d(self) -> bool:
        return self.kind in ("series", "array1d")


def unwrap(x: Any, name: str = "x") -> tuple[np.ndarray, Meta]:
    """Return ``(values, meta)`` with ``values`` a 2-D C-contiguous float64 copy-free view.

    Raises :class:`InputError` for empty, non-numeric (including boolean) and
    more than 2-dimensional input. NaN and inf are *not* checked here (see
    :func:`riskkit._validation.check_finite`).
    """
    if isinstance(x, pd.Series):
        _check_numeric_dtype(x.dtype, name)
        values = x.to_numpy(dtype=np.float64, na_value=np.nan)[:, None]
        meta = Meta("series", x.index, None, x.name)
    elif isinstance(x, pd.DataFrame):
        for col, dt in x.dtypes.items():
            _check_numeric_dtype(dt, f"{name}[{col!r}]")
        values = x.to_numpy(dtype=np.float64, na_value=np.nan)
        meta = Meta("frame", x.index, x.columns, None)
    else:
        if isinstance(x, (str, bytes)) or np.isscalar(x) or x is None:
            raise InputError(f"{name} must be an array, Series or DataFrame of returns; got {x!r}")
        arr = np.asarray(x)
        _check_numeric_dtype(arr.dtype, name)
        if arr.ndim == 1:
            values = arr.astype(np.float64, copy=False)[:, None]
            meta = Meta("array1d", None, None, None)
        elif arr.ndim == 2:
            values = arr.astype(np.float64, copy=False)
            meta = Meta("array2d", None, None, None)
        else:
            raise InputError(
                f"{name} must be 1- or 2-dimensional; got an array of shape {arr.shape}"
            )
    if values.shape[0] == 0 or values.shape[1] == 0:
        raise InputError(
            f"{name} is empty (shape {values.shape}); at least one observation is needed"
        )
    return np.ascontiguousarray(values), meta


def _check_numeric_dtype(dtype: Any, name: str) -> None:
    if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
        raise InputError(f"{name} must hold real numbers; got dtype {dtype}")
    if pd.api.types.is_complex_dtype(dtype):
        raise InputError(f"{name} must hold real numbers; got dtype {dtype}")


def rewrap_per_column(meta: Meta, values: np.ndarray, name: str | None = None) -> Any:
    """One number per column: Series in -> scalar; DataFrame in -> Series by column.

    ``values`` has shape ``(n_columns,)``.
    """
    values = np.asarray(values, dtype=np.float64)
    if meta.kind in ("series", "array1d"):
        return float(values[0])
    if meta.kind == "frame":
        return pd.Series(values, index=meta.columns.copy(), name=name)
    return values


def rewrap_per_level(
    meta: Meta,
    values: np.ndarray,
    levels: Sequence[float],
    level_name: str,
    name: str | None = None,
) -> Any:
    """Results for several levels (alpha or tau): ``values`` has shape ``(n_levels, n_columns)``.

    Series in -> Series indexed by level; DataFrame in -> DataFrame (levels x columns);
    ndarray in -> ndarray of the same shape (1-D input gives shape ``(n_levels,)``).
    """
    values = np.asarray(values, dtype=np.float64)
    lev = pd.Index(np.asarray(levels, dtype=np.float64), name=level_name)
    if meta.kind == "series":
        return pd.Series(values[:, 0], index=lev, name=name)
    if meta.kind == "frame":
        return pd.DataFrame(values, index=lev, columns=meta.columns.copy())
    if meta.kind == "array1d":
        return values[:, 0].copy()
    return values.copy()


def rewrap_like(meta: Meta, values: np.ndarray, name: Any = None) -> Any:
    """A time series result with the caller's shape: ``values`` has shape ``(n_obs, n_columns)``."""
    values = np.asarray(values, dtype=np.float64)
    if meta.kind == "series":
        return pd.Series(
            values[:, 0], index=meta.index.copy(), name=meta.name if name is None else name
        )
    if meta.kind == "frame":
        return pd.DataFrame(values, index=meta.index.copy(), columns=meta.columns.copy())
    if meta.kind == "array1d":
        return values[:, 0].copy()
    return values.copy()
