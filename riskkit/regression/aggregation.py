"""Quantile aggregation: convex combinations of several models' quantile forecasts.

Fakoor, Kim, Mueller, Smola & Tibshirani (2023), "Flexible model aggregation for
quantile regression", *JMLR* 24(162): the aggregate quantile at level tau_k is
``sum_m w_{m(k)} q_{m,k}(x)`` with weights on the simplex, fitted by minimising
the summed pinball loss over levels (equivalently the weighted interval score
when the levels come in symmetric pairs). The fit is a linear program solved
with HiGHS (``scipy.optimize.linprog``). Quantile crossing of the aggregate is
removed by sorting (monotone rearrangement, Chernozhukov, Fernandez-Val &
Galichon 2010) or by isotonic (L2) projection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linprog

from riskkit._exceptions import InputError
from riskkit._kernels import quantreg as _k
from riskkit._validation import check_choice, check_levels

__all__ = ["QuantileAggregator", "QuantileAggregatorResult", "pinball_loss"]


def pinball_loss(y: Any, q: Any, levels: Any) -> np.ndarray:
    """Mean pinball (check) loss per level: ``mean_i rho_tau_k(y_i - q_ik)``.

    ``y`` has shape ``(n,)``, ``q`` shape ``(n, K)``; returns shape ``(K,)``.
    """
    yv = np.asarray(y, dtype=float)
    qv = np.asarray(q, dtype=float)
    lev = np.asarray(levels, dtype=float)
    u = yv[:, None] - qv
    return np.asarray((u * (lev[None, :] - (u < 0))).mean(axis=0))


def _forecast_array(forecasts: Any, n_levels: int, name: str) -> tuple[np.ndarray, Any, list[str]]:
    """(n, M, K) array, index, model names from an ndarray or a DataFrame with
    MultiIndex columns (model, level)."""
    if isinstance(forecasts, pd.DataFrame):
        if not isinstance(forecasts.columns, pd.MultiIndex) or forecasts.columns.nlevels != 2:
            raise InputError(
                f"{name} as a DataFrame needs MultiIndex columns (model, level); got "
                f"{list(forecasts.columns[:4])!r}"
            )
        models = list(dict.fromkeys(forecasts.columns.get_level_values(0)))
        arr = np.stack([forecasts[m].to_numpy(dtype=float) for m in models], axis=1)  # (n, M, K)
        index = forecasts.index
        names = [str(m) for m in models]
    else:
        arr = np.asarray(forecasts, dtype=float)
        index = None
        if arr.ndim != 3:
            raise InputError(
                f"{name} must have shape (n_obs, n_models, n_levels); got shape {arr.shape}"
            )
        names = [f"model{m}" for m in range(arr.shape[1])]
    if arr.shape[2] != n_levels:
        raise InputError(f"{name} has {arr.shape[2]} levels per model; levels has {n_levels}")
    if not np.isfinite(arr).all():
        raise InputError(f"{name} contains NaN or inf")
    return np.ascontiguousarray(arr), index, names


@dataclass(frozen=True, eq=False)
class QuantileAggregatorResult:
    """Fitted aggregation weights.

    ``weights`` is a DataFrame (models x levels); with ``weights="per_model"`` every
    column is the same. ``train_loss`` is the mean pinball loss of the aggregate
    on the training data per level, ``model_loss`` the same for each model.
    """

    levels: np.ndarray
    model_names: tuple[str, ...]
    W: np.ndarray  # (M, K)
    noncrossing: str
    mode: str
    train_loss: pd.Series
    model_loss: pd.DataFrame
    status: int

    @property
    def weights(self) -> pd.DataFrame:
        return pd.DataFrame(
            self.W, index=list(self.model_names), columns=pd.Index(self.levels, name="level")
        )

    def predict(self, forecasts: Any) -> Any:
        """Aggregate, non-crossing quantiles: shape ``(n, K)`` (DataFrame for DataFrame input)."""
        arr, index, _ = _forecast_array(forecasts, self.levels.size, "forecasts")
        if arr.shape[1] != self.W.shape[0]:
            raise InputError(
                f"forecasts has {arr.shape[1]} models; the aggregator was fitted on {self.W.shape[0]}"
            )
        q = np.einsum("nmk,mk->nk", arr, self.W)
        q = _noncross(q, self.noncrossing)
        if index is None:
            return q
        return pd.DataFrame(q, index=index, columns=pd.Index(self.levels, name="level"))

    def summary(self) -> str:
        lines = [
            f"Quantile aggregation ({self.mode} weights, non-crossing by {self.noncrossing})",
            "weights:",
            self.weights.round(4).to_string(),
            "mean pinball loss (training), aggregate vs models:",
            pd.concat([self.train_loss.rename("aggregate"), self.model_loss], axis=1)
            .round(6)
            .to_string(),
        ]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _noncross(q: np.ndarray, how: str) -> np.ndarray:
    if how == "sort":
        return np.sort(q, axis=1)
    return np.asarray(_k.isotonic_rows(np.ascontiguousarray(q)))


class QuantileAggregator:
    r"""Aggregate several models' quantile forecasts with simplex weights.

    Parameters
    ----------
    levels : sequence of float
        Quantile levels in (0, 1), increasing, shared by all models.
    weights : {"per_model", "per_model_level"}
        One weight per model for all levels, or one per model and level.
    noncrossing : {"sort", "isotonic"}
        Removal of quantile crossing in :meth:`QuantileAggregatorResult.predict`.

    Notes
    -----
    With forecasts ``q_{i,m,k}``, ``per_model`` solves

    ``min_w sum_i sum_k rho_{tau_k}(y_i - sum_m w_m q_{i,m,k})``, ``w >= 0``, ``sum w = 1``,

    as the LP with ``u - v = y_i - sum_m w_m q_{imk}``, ``u, v >= 0``, cost
    ``tau_k u + (1 - tau_k) v``. ``per_model_level`` gives each level its own
    simplex (K separate LPs). The interval score of the central ``(1-a)`` interval
    equals ``2/a`` times the sum of the pinball losses at ``a/2`` and ``1-a/2``, so
    symmetric levels minimise the weighted interval score (Fakoor et al. 2023, sec. 2).
    Each single model is feasible (a vertex of the simplex), so the training loss
    of the aggregate is never above the best single model's.

    References
    ----------
    Fakoor, R., Kim, T., Mueller, J., Smola, A. J. & Tibshirani, R. J. (2023).
    Flexible model aggregation for quantile regression. *JMLR* 24(162), 1-45.
    Chernozhukov, V., Fernandez-Val, I. & Galichon, A. (2010). Quantile and
    probability curves without crossing. *Econometrica* 78, 1093-1125.
    """

    def __init__(
        self, *, levels: Any, weights: str = "per_model", noncrossing: str = "sort"
    ) -> None:
        self.levels = levels
        self.weights = weights
        self.noncrossing = noncrossing

    def __repr__(self) -> str:
        return (
            f"QuantileAggregator(levels={self.levels!r}, weights={self.weights!r}, "
            f"noncrossing={self.noncrossing!r})"
        )

    def fit(self, forecasts: Any, y: Any) -> QuantileAggregatorResult:
        """Fit on ``forecasts`` (n, models, levels) and outcomes ``y`` (n,)."""
        levels, _ = check_levels(self.levels, "levels")
        if np.any(np.diff(levels) <= 0):
            raise InputError(f"levels must be strictly increasing; got {list(levels)!r}")
        mode = check_choice(self.weights, "weights", ("per_model", "per_model_level"))
        nc = check_choice(self.noncrossing, "noncrossing", ("sort", "isotonic"))
        arr, index, names = _forecast_array(forecasts, levels.size, "forecasts")
        if isinstance(y, pd.Series) and index is not None and not y.index.equals(index):
            raise InputError("y is not aligned with forecasts: the pandas indexes differ")
        yv = np.asarray(y, dtype=float).ravel()
        if yv.shape[0] != arr.shape[0]:
            raise InputError(f"y has {yv.shape[0]} values; forecasts has {arr.shape[0]} rows")
        if not np.isfinite(yv).all():
            raise InputError("y contains NaN or inf")
        _n, M, K = arr.shape
        if M < 1:
            raise InputError("forecasts must hold at least one model")
        status = 0
        if mode == "per_model":
            w, status = _solve_lp(arr, yv, levels)
            W = np.repeat(w[:, None], K, axis=1)
        else:
            W = np.empty((M, K))
            for k in range(K):
                w, st = _solve_lp(arr[:, :, k : k + 1], yv, levels[k : k + 1])
                W[:, k] = w
                status = max(status, st)
        agg = _noncross(np.einsum("nmk,mk->nk", arr, W), nc)
        lev_idx = pd.Index(levels, name="level")
        train = pd.Series(pinball_loss(yv, agg, levels), index=lev_idx, name="aggregate")
        per_model = pd.DataFrame(
            {names[m]: pinball_loss(yv, arr[:, m, :], levels) for m in range(M)}, index=lev_idx
        )
        return QuantileAggregatorResult(
            levels=levels,
            model_names=tuple(names),
            W=W,
            noncrossing=nc,
            mode=mode,
            train_loss=train,
            model_loss=per_model,
            status=status,
        )


def _solve_lp(arr: np.ndarray, y: np.ndarray, levels: np.ndarray) -> tuple[np.ndarray, int]:
    """Simplex weights minimising the summed pinball loss (HiGHS)."""
    n, M, K = arr.shape
    nk = n * K
    Q = arr.transpose(0, 2, 1).reshape(nk, M)  # row (i, k)
    scale = float(np.std(y)) or float(np.max(np.abs(y))) or 1.0
    eye = sparse.identity(nk, format="csr")
    A = sparse.hstack([sparse.csr_matrix(Q / scale), eye, -eye], format="csr")
    A = sparse.vstack(
        [A, sparse.hstack([sparse.csr_matrix(np.ones((1, M))), sparse.csr_matrix((1, 2 * nk))])],
        format="csr",
    )
    b = np.concatenate([np.repeat(y / scale, K), [1.0]])
    tau = np.tile(levels, n)
    c = np.concatenate([np.zeros(M), tau, 1.0 - tau])
    res = linprog(c, A_eq=A, b_eq=b, bounds=(0, None), method="highs")
    if res.status != 0 or res.x is None:
        raise InputError(f"aggregation LP failed: {res.message}")
    w = np.clip(res.x[:M], 0.0, None)
    return w / w.sum(), int(res.status)
