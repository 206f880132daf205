"""Split-conformal calibration of quantile forecasts and prediction intervals.

Conformalized quantile regression (CQR, Romano, Patterson & Candes 2019) and its
weighted, non-exchangeable version for drifting time series (Barber, Candes,
Ramdas & Tibshirani 2023; Farinhas, Zerva, Ulmer & Martins 2024), where the
calibration scores are weighted, typically by a geometric decay in age.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskkit._exceptions import InputError
from riskkit._validation import check_probability

__all__ = ["ConformalResult", "conformal_interval", "conformal_quantile", "weighted_quantile"]


@dataclass(frozen=True)
class ConformalResult:
    """Outcome of a conformal calibration.

    Attributes
    ----------
    adjustment : float
        The conformal correction ``q_hat`` (added to the upper bound and
        subtracted from the lower bound; may be negative, which shrinks the interval).
        ``inf`` when too few calibration points exist for the requested level.
    alpha : float
        Target miscoverage (intervals) or the quantile level (one-sided).
    coverage_before, coverage_after : float
        (Weighted) empirical coverage on the calibration data before and after the
        adjustment (in-sample; the guarantee is for a new point).
    n_calibration : int
    effective_n : float
        Kish effective sample size of the normalised weights.
    kind : str
        ``"interval"`` or ``"quantile"``.
    """

    adjustment: float
    alpha: float
    coverage_before: float
    coverage_after: float
    n_calibration: int
    effective_n: float
    kind: str

    def apply(self, lower: Any, upper: Any = None) -> Any:
        """Calibrated forecasts: ``(lower - q, upper + q)`` for intervals, ``q_tau + q`` for
        a quantile. Pandas objects keep their index."""
        if self.kind == "quantile":
            if upper is not None:
                raise InputError("a quantile calibration takes one forecast; got lower and upper")
            return lower + self.adjustment
        if upper is None:
            raise InputError("an interval calibration needs lower and upper")
        return lower - self.adjustment, upper + self.adjustment

    def __str__(self) -> str:
        what = (
            f"interval at 1 - alpha = {1 - self.alpha:g}"
            if self.kind == "interval"
            else f"quantile at tau = {self.alpha:g}"
        )
        return (
            f"Split-conformal calibration ({what})\n"
            f"adjustment: {self.adjustment:.6g}\n"
            f"calibration coverage: {self.coverage_before:.4f} -> {self.coverage_after:.4f}\n"
            f"n = {self.n_calibration}, effective n = {self.effective_n:.1f}"
        )


def weighted_quantile(scores: np.ndarray, p: np.ndarray, level: float) -> float:
    """Quantile at ``level`` of ``sum_i p_i delta_{s_i} + (1 - sum p) delta_{+inf}``.

    The smallest ``s`` whose cumulative weight reaches ``level`` (``inf`` if none).
    """
    order = np.argsort(scores, kind="stable")
    cum = np.cumsum(p[order])
    pos = int(np.searchsorted(cum, level - 1e-12, side="left"))
    if pos >= scores.size:
        return math.inf
    return float(scores[order][pos])


def _weights(n: int, weights: Any, decay: Any) -> np.ndarray:
    if weights is not None and decay is not None:
        raise InputError("give weights or decay, not both")
    if decay is not None:
        rho = check_probability(decay, "decay") if decay != 1 else 1.0
        # w_i = rho^(n + 1 - i), i = 1..n: the newest calibration point has weight rho
        return np.asarray(rho ** np.arange(n, 0, -1, dtype=float))
    if weights is None:
        return np.ones(n)
    w = np.asarray(weights, dtype=float).ravel()
    if w.shape[0] != n:
        raise InputError(f"weights has {w.shape[0]} values; the calibration set has {n}")
    if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise InputError("weights must be finite, non-negative and not all zero")
    return w


def _vector(x: Any, name: str, n: int | None = None) -> tuple[np.ndarray, Any]:
    idx = x.index if isinstance(x, pd.Series) else None
    v = np.asarray(x, dtype=float).ravel()
    if v.size == 0:
        raise InputError(f"{name} is empty")
    if not np.isfinite(v).all():
        raise InputError(f"{name} contains NaN or inf")
    if n is not None and v.size != n:
        raise InputError(f"{name} has {v.size} values; expected {n}")
    return v, idx


def _check_aligned(*items: tuple[Any, str]) -> None:
    idx = [(i, name) for i, name in items if i is not None]
    for i, name in idx[1:]:
        if not i.equals(idx[0][0]):
            raise InputError(f"{name} is not aligned with {idx[0][1]}: the pandas indexes differ")


def conformal_interval(
    lower: Any,
    upper: Any,
    y: Any,
    alpha: float,
    *,
    weights: Any = None,
    decay: float | None = None,
) -> ConformalResult:
    r"""Calibrate a ``1 - alpha`` prediction interval ``[lower, upper]`` (CQR).

    Parameters
    ----------
    lower, upper, y : array-like of shape (n,)
        Interval forecasts and outcomes on a calibration set (in time order when
        ``decay`` is used: the last row is the most recent).
    alpha : float
        Target miscoverage in (0, 1).
    weights : array-like, optional
        Non-exchangeable weights ``w_i`` of the calibration points (the test point
        has weight 1).
    decay : float in (0, 1], optional
        Geometric weights ``w_i = decay^(n + 1 - i)`` (Barber et al. 2023, sec. 5).

    Notes
    -----
    Scores ``E_i = max(lower_i - y_i, y_i - upper_i)``. With normalised weights
    ``p_i = w_i / (sum_j w_j + 1)`` and ``p_{n+1} = 1 / (sum_j w_j + 1)``, the
    adjustment is the ``1 - alpha`` quantile of ``sum_i p_i delta_{E_i} + p_{n+1}
    delta_{+inf}``; with equal weights this is the ``ceil((1-alpha)(n+1))``-th smallest
    score (Romano et al. 2019, Theorem 1). The calibrated interval is
    ``[lower - q, upper + q]``; coverage is at least ``1 - alpha`` under
    exchangeability and ``1 - alpha - sum_i p_i d_TV(Z, Z^i)`` in general
    (Barber et al. 2023, Theorem 2).

    References
    ----------
    Romano, Y., Patterson, E. & Candes, E. (2019). Conformalized quantile regression. NeurIPS.
    Barber, R. F., Candes, E. J., Ramdas, A. & Tibshirani, R. J. (2023). Conformal
    prediction beyond exchangeability. *Annals of Statistics* 51(2), 816-845.
    Farinhas, A., Zerva, C., Ulmer, D. & Martins, A. F. T. (2024). Non-exchangeable
    conformal risk control. ICLR.
    """
    a = check_probability(alpha, "alpha")
    yv, iy = _vector(y, "y")
    lo, il = _vector(lower, "lower", yv.size)
    hi, ih = _vector(upper, "upper", yv.size)
    _check_aligned((iy, "y"), (il, "lower"), (ih, "upper"))
    w = _weights(yv.size, weights, decay)
    scores = np.maximum(lo - yv, yv - hi)
    total = w.sum() + 1.0
    q = weighted_quantile(scores, w / total, 1.0 - a)
    wn = w / w.sum()
    before = float(np.sum(wn * ((yv >= lo) & (yv <= hi))))
    after = float(np.sum(wn * ((yv >= lo - q) & (yv <= hi + q))))
    return ConformalResult(
        adjustment=q,
        alpha=a,
        coverage_before=before,
        coverage_after=after,
        n_calibration=int(yv.size),
        effective_n=float(w.sum() ** 2 / np.sum(w**2)),
        kind="interval",
    )


def conformal_quantile(
    q: Any, y: Any, tau: float, *, weights: Any = None, decay: float | None = None
) -> ConformalResult:
    r"""Calibrate a one-sided quantile forecast so that ``P(y <= q + adj) >= tau``.

    Scores ``E_i = y_i - q_i``; the adjustment is the (weighted) ``tau`` quantile of the
    scores with the extra mass at ``+inf`` as in :func:`conformal_interval`. For VaR
    at tail probability ``alpha`` calibrate the ``alpha`` quantile of returns with
    ``tau = alpha`` (coverage is then ``P(r <= q) >= alpha``; use ``1 - alpha`` on
    losses for the conservative direction).
    """
    t = check_probability(tau, "tau")
    yv, iy = _vector(y, "y")
    qv, iq = _vector(q, "q", yv.size)
    _check_aligned((iy, "y"), (iq, "q"))
    w = _weights(yv.size, weights, decay)
    scores = yv - qv
    adj = weighted_quantile(scores, w / (w.sum() + 1.0), t)
    wn = w / w.sum()
    return ConformalResult(
        adjustment=adj,
        alpha=t,
        coverage_before=float(np.sum(wn * (yv <= qv))),
        coverage_after=float(np.sum(wn * (yv <= qv + adj))),
        n_calibration=int(yv.size),
        effective_n=float(w.sum() ** 2 / np.sum(w**2)),
        kind="quantile",
    )
