"""Validation of a regression's response, design matrix and observation weights.

Shared by the linear quantile and expectile regressions (and read-only by the
CAViaR/CARE modules): one place turns ``y``, ``X`` and ``weights`` given as
ndarrays, Series or DataFrames into checked float64 arrays plus the names and
index needed to label results.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskkit._exceptions import InputError
from riskkit._pandas import unwrap
from riskkit._validation import check_nan_policy

__all__ = ["Design", "check_rank", "prepare_design", "prepare_new_X"]

CONST = "const"


@dataclass(frozen=True)
class Design:
    """A validated regression problem.

    ``X`` includes the intercept column (named ``"const"``, first) when requested;
    ``index`` is the caller's index of the kept rows (``None`` for ndarray input).
    """

    y: np.ndarray
    X: np.ndarray
    names: tuple[str, ...]
    weights: np.ndarray | None
    index: pd.Index | None
    fit_intercept: bool
    n_features_in: int

    @property
    def n(self) -> int:
        return int(self.y.shape[0])

    @property
    def p(self) -> int:
        return int(self.X.shape[1])


def _column_names(X: Any, k: int) -> list[str]:
    if isinstance(X, pd.DataFrame):
        return [str(c) for c in X.columns]
    if isinstance(X, pd.Series):
        return [str(X.name) if X.name is not None else "x1"]
    return [f"x{j + 1}" for j in range(k)]


def _same_index(a: pd.Index, b: pd.Index, what: str) -> None:
    if not a.equals(b):
        raise InputError(
            f"{what} is not aligned with y: the pandas indexes differ "
            f"(y has {len(a)} rows starting {list(a[:3])!r}, {what} has {len(b)} rows "
            f"starting {list(b[:3])!r}); align them first, e.g. with X.loc[y.index]"
        )


def prepare_design(
    y: Any,
    X: Any,
    *,
    fit_intercept: bool = True,
    weights: Any = None,
    nan_policy: str = "raise",
    min_obs: int | None = None,
    rank_check: bool = True,
) -> Design:
    """Validate ``y`` (1-D), ``X`` (2-D, 1-D or ``None``) and ``weights``.

    Rules: numeric, same length, identical pandas indexes when both are pandas,
    NaN/inf per ``nan_policy`` (``"omit"`` drops incomplete rows), non-negative
    finite weights (rows of weight zero are dropped), at least ``min_obs``
    (default ``p + 1``) rows, and a design of full column rank (the error names
    the first collinear column). ``rank_check=False`` leaves the rank check to a
    caller that already forms a Gram matrix of the design (it must then call
    :func:`check_rank` itself).
    """
    nan_policy = check_nan_policy(nan_policy)
    if not isinstance(fit_intercept, (bool, np.bool_)):
        raise InputError(f"fit_intercept must be True or False; got {fit_intercept!r}")
    yv, ymeta = unwrap(y, "y")
    if yv.shape[1] != 1:
        raise InputError(f"y must be one-dimensional; got shape {yv.shape}")
    yv = yv[:, 0]
    n = yv.shape[0]
    index = ymeta.index if ymeta.is_pandas else None
    if X is None:
        if not fit_intercept:
            raise InputError("X is None and fit_intercept=False: the model has no regressor")
        Xv = np.empty((n, 0))
        names: list[str] = []
    else:
        Xv, xmeta = unwrap(X, "X")
        names = _column_names(X, Xv.shape[1])
        if Xv.shape[0] != n:
            raise InputError(f"X has {Xv.shape[0]} rows but y has {n}; they must be equal")
        if ymeta.is_pandas and xmeta.is_pandas:
            _same_index(ymeta.index, xmeta.index, "X")
        if index is None and xmeta.is_pandas:
            index = xmeta.index
    if fit_intercept and CONST in names:
        raise InputError(
            f"X already has a column named {CONST!r}; drop it or pass fit_intercept=False"
        )
    if len(set(names)) != len(names):
        raise InputError(f"X has duplicated column names {names!r}")
    w = None
    if weights is not None:
        wv, wmeta = unwrap(weights, "weights")
        if wv.shape[1] != 1 or wv.shape[0] != n:
            raise InputError(f"weights must be one-dimensional of length {n}; got shape {wv.shape}")
        if ymeta.is_pandas and wmeta.is_pandas:
            _same_index(ymeta.index, wmeta.index, "weights")
        w = wv[:, 0]
    keep = np.ones(n, dtype=bool)
    arrays: list[tuple[str, np.ndarray]] = [("y", yv[:, None]), ("X", Xv)]
    if w is not None:
        arrays.append(("weights", w[:, None]))
    for what, arr in arrays:
        if np.isfinite(arr).all():
            continue  # the usual case in one pass; the checks below locate the bad row
        bad_inf = np.isinf(arr)
        if bad_inf.any():
            pos = int(np.argmax(bad_inf.any(axis=1)))
            raise InputError(f"{what} contains an infinite value at row {_where(index, pos)}")
        bad = np.isnan(arr).any(axis=1)
        if bad.any():
            if nan_policy == "raise":
                pos = int(np.argmax(bad))
                raise InputError(
                    f"{what} contains NaN at row {_where(index, pos)} ({int(bad.sum())} rows "
                    "in all); pass nan_policy='omit' to drop incomplete rows"
                )
            keep &= ~bad
    if w is not None:
        if (w[keep] < 0).any():
            pos = int(np.argmax((w < 0) & keep))
            raise InputError(f"weights must be non-negative; got {w[pos]!r} at row {pos}")
        keep &= w > 0
    if not keep.all():
        yv, Xv = yv[keep], Xv[keep]
        w = None if w is None else w[keep]
        index = None if index is None else index[keep]
    if fit_intercept:
        Xc = np.empty((Xv.shape[0], Xv.shape[1] + 1))
        Xc[:, 0] = 1.0
        Xc[:, 1:] = Xv
        Xv = Xc
        names = [CONST, *names]
    p = Xv.shape[1]
    need = p + 1 if min_obs is None else int(min_obs)
    if yv.shape[0] < need:
        raise InputError(
            f"y has {yv.shape[0]} usable observations; a regression on {p} columns needs at "
            f"least {need}"
        )
    if rank_check:
        check_rank(Xv, names)
    return Design(
        y=np.ascontiguousarray(yv, dtype=np.float64),
        X=np.ascontiguousarray(Xv, dtype=np.float64),
        names=tuple(names),
        weights=None if w is None else np.ascontiguousarray(w, dtype=np.float64),
        index=index,
        fit_intercept=bool(fit_intercept),
        n_features_in=p - int(fit_intercept),
    )


def _where(index: pd.Index | None, pos: int) -> str:
    return f"{pos}" if index is None else f"{pos} (index {index[pos]!r})"


def check_rank(X: np.ndarray, names: Sequence[str], gram: np.ndarray | None = None) -> None:
    """Raise :class:`InputError` naming the first column that is (numerically) a linear
    combination of the previous ones, or identically zero.

    Uses the Cholesky factor of the unit-diagonal Gram matrix: ``L_jj^2`` is the squared
    distance of (normalised) column j from the span of the previous columns; below
    ``1e-12`` (a correlation within 1e-12 of perfect) the design counts as rank-deficient.
    ``gram`` may pass ``X'X`` (or the Gram matrix of X with rescaled columns, which has
    the same unit-diagonal form) when the caller has it already.
    """
    G = X.T @ X if gram is None else gram
    d = np.sqrt(np.diag(G))
    p = X.shape[1]
    for j in range(p):
        if d[j] == 0.0:
            raise InputError(f"X column {names[j]!r} is identically zero (rank-deficient design)")
    C = G / np.outer(d, d)
    L = np.zeros((p, p))
    for j in range(p):
        s = C[j, j] - L[j, :j] @ L[j, :j]
        if s <= 1e-12:
            raise InputError(
                f"X is rank-deficient: column {names[j]!r} is collinear with the columns "
                f"before it {list(names[:j])!r}"
            )
        L[j, j] = np.sqrt(s)
        L[j + 1 :, j] = (C[j + 1 :, j] - L[j + 1 :, :j] @ L[j, :j]) / L[j, j]


def prepare_new_X(X: Any, names: Sequence[str], fit_intercept: bool) -> tuple[np.ndarray, Any]:
    """Design matrix for prediction; returns ``(matrix, index or None)``."""
    k = len(names) - int(fit_intercept)
    if X is None:
        raise InputError("X must be given for prediction")
    Xv, meta = unwrap(X, "X")
    if Xv.shape[1] != k:
        if k == 1 and Xv.shape[0] == 1 and meta.kind == "array1d":
            Xv = Xv.T
        else:
            raise InputError(f"X must have {k} columns (as in fit); got {Xv.shape[1]}")
    if isinstance(X, pd.DataFrame):
        want = list(names[int(fit_intercept) :])
        got = [str(c) for c in X.columns]
        if got != want:
            raise InputError(f"X columns {got!r} differ from the fitted columns {want!r}")
    if np.isnan(Xv).any() or np.isinf(Xv).any():
        raise InputError("X contains NaN or inf; prediction needs finite regressors")
    if fit_intercept:
        Xv = np.column_stack([np.ones(Xv.shape[0]), Xv])
    return np.ascontiguousarray(Xv), (meta.index if meta.is_pandas else None)
