"""Parameter and data checks shared by every public function.

Each check raises :class:`~riskkit._exceptions.InputError` whose message names
the argument, the rule and the offending value, so users never get a silent
wrong number (DESIGN.md §5).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from riskkit._exceptions import InputError

__all__ = [
    "as_generator",
    "check_choice",
    "check_finite",
    "check_index",
    "check_int",
    "check_levels",
    "check_min_obs",
    "check_nan_policy",
    "check_not_constant",
    "check_positive",
    "check_probability",
    "clean_column",
]

NAN_POLICIES = ("raise", "omit")


def check_probability(value: Any, name: str = "alpha") -> float:
    """A scalar strictly inside (0, 1)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number in (0, 1); got {value!r}") from None
    if isinstance(value, bool) or not (0.0 < v < 1.0) or math.isnan(v):
        raise InputError(f"{name} must be in the open interval (0, 1); got {value!r}")
    return v


def check_levels(value: Any, name: str = "alpha") -> tuple[np.ndarray, bool]:
    """Scalar or sequence of probabilities in (0, 1).

    Returns ``(levels, is_scalar)``; ``levels`` is a 1-D float64 array, duplicates rejected.
    """
    if np.ndim(value) == 0:
        return np.array([check_probability(value, name)]), True
    seq = list(np.asarray(value, dtype=object).ravel())
    if len(seq) == 0:
        raise InputError(f"{name} must contain at least one level; got {value!r}")
    levels = np.array([check_probability(v, name) for v in seq])
    if len(np.unique(levels)) != len(levels):
        raise InputError(f"{name} must not repeat a level; got {value!r}")
    return levels, False


def check_nan_policy(nan_policy: Any) -> str:
    if nan_policy not in NAN_POLICIES:
        raise InputError(f"nan_policy must be one of {NAN_POLICIES}; got {nan_policy!r}")
    return str(nan_policy)


def check_choice(value: Any, name: str, choices: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise InputError(f"{name} must be one of {tuple(choices)}; got {value!r}")
    return value


def check_int(value: Any, name: str, minimum: int | None = None, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InputError(f"{name} must be an integer; got {value!r}")
    v = int(value)
    if minimum is not None and v < minimum:
        raise InputError(f"{name} must be >= {minimum}; got {v}")
    if maximum is not None and v > maximum:
        raise InputError(f"{name} must be <= {maximum}; got {v}")
    return v


def check_positive(value: Any, name: str, allow_zero: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a positive number; got {value!r}") from None
    ok = v >= 0 if allow_zero else v > 0
    if not ok or not math.isfinite(v):
        rule = "non-negative" if allow_zero else "positive"
        raise InputError(f"{name} must be a finite {rule} number; got {value!r}")
    return v


def _label(index: pd.Index | None, pos: int) -> str:
    if index is None:
        return f"position {pos}"
    return f"position {pos} (index {index[pos]!r})"


def check_finite(
    values: np.ndarray,
    name: str,
    nan_policy: str = "raise",
    index: pd.Index | None = None,
    column: Any = None,
) -> np.ndarray:
    """Check a 1-D array for NaN/inf.

    ``nan_policy="raise"``: any NaN or inf raises, naming the first bad position.
    ``nan_policy="omit"``: NaN are dropped; inf still raises (it is never missing data).
    Returns the (possibly shortened) array.
    """
    where = f"{name}" if column is None else f"{name}[{column!r}]"
    inf = np.isinf(values)
    if inf.any():
        pos = int(np.argmax(inf))
        raise InputError(
            f"{where} contains an infinite value {values[pos]} at {_label(index, pos)}"
        )
    nan = np.isnan(values)
    if nan.any():
        if nan_policy == "omit":
            return np.ascontiguousarray(values[~nan])
        pos = int(np.argmax(nan))
        raise InputError(
            f"{where} contains NaN at {_label(index, pos)} ({int(nan.sum())} NaN in all); "
            "pass nan_policy='omit' to drop them"
        )
    return values


def check_min_obs(values: np.ndarray, n_min: int, name: str, what: str = "this method") -> None:
    if values.shape[0] < n_min:
        raise InputError(
            f"{name} has {values.shape[0]} observations; {what} needs at least {n_min}"
        )


def check_not_constant(values: np.ndarray, name: str) -> None:
    if values.size and np.all(values == values[0]):
        raise InputError(
            f"{name} is constant (every value equals {values[0]!r}); a risk model needs variation"
        )


def clean_column(
    values: np.ndarray,
    name: str,
    nan_policy: str,
    n_min: int,
    index: pd.Index | None = None,
    column: Any = None,
    what: str = "this method",
    allow_constant: bool = False,
) -> np.ndarray:
    """NaN/inf policy, minimum length and non-constancy of one column, in that order."""
    where = name if column is None else f"{name}[{column!r}]"
    col = check_finite(values, name, nan_policy, index=index, column=column)
    check_min_obs(col, n_min, where, what)
    if not allow_constant:
        check_not_constant(col, where)
    return np.ascontiguousarray(col, dtype=np.float64)


def check_index(index: pd.Index, name: str) -> None:
    """A time index must be sorted increasing without duplicates."""
    if index.has_duplicates:
        dup = index[index.duplicated()][0]
        raise InputError(f"{name} has a duplicated index value {dup!r}")
    if not index.is_monotonic_increasing:
        bad = int(np.argmax(~(index[1:] >= index[:-1]))) + 1
        raise InputError(
            f"{name} index is not sorted increasing (at position {bad}: {index[bad]!r})"
        )


def as_generator(seed: Any, name: str = "seed") -> np.random.Generator:
    """``seed`` may be None, an int or a :class:`numpy.random.Generator`."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)):
        return np.random.default_rng(seed)
    raise InputError(f"{name} must be None, an int or a numpy.random.Generator; got {seed!r}")
