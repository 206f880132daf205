"""Diurnal (time-of-day) adjustment of durations: cubic regression spline or flexible Fourier form."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.interpolate import BSpline

from riskkit._exceptions import InputError, RiskkitWarning
from riskkit._validation import check_choice, check_finite, check_int
from riskkit.durations.trades import _session, time_of_day

__all__ = ["DiurnalAdjustment", "DiurnalFactor", "diurnal_adjust"]

METHODS = ("spline", "fourier")


def _basis(
    tod: np.ndarray, method: str, lo: float, hi: float, knots: np.ndarray, n_terms: int
) -> np.ndarray:
    u = np.clip(tod, lo, hi)
    if method == "spline":
        t = np.concatenate([[lo] * 4, knots, [hi] * 4])
        return np.asarray(BSpline.design_matrix(u, t, 3).toarray())
    tau = (u - lo) / (hi - lo)
    cols = [np.ones_like(tau), tau, tau * tau]
    for k in range(1, n_terms + 1):
        cols += [np.cos(2 * np.pi * k * tau), np.sin(2 * np.pi * k * tau)]
    return np.column_stack(cols)


@dataclass(frozen=True)
class DiurnalFactor:
    """The fitted time-of-day factor ``phi(s)``, callable on seconds after midnight.

    ``factor(s)`` or, when fitted ``by_weekday``, ``factor(s, weekday)`` (0 = Monday). Times
    outside the fitted range are clamped to its ends.
    """

    method: str
    lo: float
    hi: float
    knots: np.ndarray
    n_terms: int
    coefs: dict[int, np.ndarray] = field(default_factory=dict)  # weekday (-1: all days) -> coef
    floors: dict[int, float] = field(default_factory=dict)  # weekday -> lower bound of phi

    def __call__(self, seconds: Any, weekday: Any = None) -> np.ndarray:
        s = np.atleast_1d(np.asarray(seconds, dtype=np.float64))
        basis = _basis(s, self.method, self.lo, self.hi, self.knots, self.n_terms)
        if -1 in self.coefs:
            out = np.maximum(basis @ self.coefs[-1], self.floors[-1])
        else:
            if weekday is None:
                raise InputError("this factor was fitted by weekday; pass weekday= (0 = Monday)")
            wd = np.broadcast_to(np.asarray(weekday), s.shape)
            out = np.full(s.shape, np.nan)
            for d, coef in self.coefs.items():
                sel = wd == d
                out[sel] = np.maximum(basis[sel] @ coef, self.floors[d])
            if np.isnan(out).any():
                raise InputError(f"weekday must be one of the fitted days {sorted(self.coefs)}")
        return out if np.ndim(seconds) else out[:1].copy()


@dataclass(frozen=True)
class DiurnalAdjustment:
    """Result of :func:`diurnal_adjust`; unpacks as ``adjusted, factor = diurnal_adjust(...)``.

    Attributes
    ----------
    adjusted : pd.Series
        ``x_i / phi(t_i)``, mean 1, with the caller's index.
    factor : DiurnalFactor
        The fitted time-of-day function.
    fitted : pd.Series
        ``phi(t_i)`` at each duration.
    """

    adjusted: pd.Series
    factor: DiurnalFactor
    fitted: pd.Series

    def __iter__(self) -> Any:
        return iter((self.adjusted, self.factor))


def diurnal_adjust(
    durations: pd.Series,
    *,
    method: str = "spline",
    by_weekday: bool = False,
    knots: Any = None,
    n_terms: int = 3,
    at: str = "start",
    session: Any = None,
) -> DiurnalAdjustment:
    r"""Remove the deterministic time-of-day pattern from durations.

    Parameters
    ----------
    durations : pd.Series
        Non-negative durations (seconds) indexed by the timestamp ending each duration (the
        output of :func:`~riskkit.durations.durations`).
    method : {"spline", "fourier"}
        ``"spline"``: least-squares cubic B-spline regression of ``x_i`` on time of day;
        ``"fourier"``: flexible Fourier form ``d0 + d1 tau + d2 tau^2 + sum_k (g_k cos 2 pi k
        tau + s_k sin 2 pi k tau)`` with ``tau`` the time of day rescaled to [0, 1].
    by_weekday : bool
        Fit a separate factor for every weekday.
    knots : int or sequence of float, optional
        Spline interior knots: their number (equally spaced, default one per trading hour, at
        least 3) or their positions in seconds after midnight.
    n_terms : int
        Number of Fourier pairs (``method="fourier"``).
    at : {"start", "end"}
        Time of day at which the factor is evaluated: the start of the duration (the default,
        known when the duration begins, as in Engle & Russell 1998) or its end.
    session : (open, close), optional
        Domain of the factor; by default the range of the observed times of day.

    Returns
    -------
    DiurnalAdjustment
        ``adjusted`` durations ``x_i / phi(t_i)``, the callable ``factor`` and ``fitted`` values.

    Notes
    -----
    ``phi`` is the least-squares fit of ``E[x | time of day]`` rescaled by ``c`` so that the
    adjusted durations have mean exactly 1: ``phi = c * phi_ols`` with
    ``c = mean(x_i / phi_ols(t_i))``. Values of ``phi`` below 1% of the mean duration (a
    spline overshooting near the session ends) are floored there with a warning.

    References
    ----------
    Engle and Russell (1998), Section 5 (diurnal factor by a spline regression on time of day).
    Andersen, T. G. and Bollerslev, T. (1997), "Intraday periodicity and volatility persistence in
    financial markets", *Journal of Empirical Finance* 4, 115-158, Section 4 (flexible Fourier form).
    """
    method = check_choice(method, "method", METHODS)
    at = check_choice(at, "at", ("start", "end"))
    if not isinstance(by_weekday, bool):
        raise InputError(f"by_weekday must be True or False; got {by_weekday!r}")
    if not isinstance(durations, pd.Series) or not isinstance(durations.index, pd.DatetimeIndex):
        raise InputError(
            "durations must be a pandas Series indexed by timestamps (DatetimeIndex), as returned "
            f"by riskkit.durations.durations; got {type(durations).__name__}"
        )
    if not pd.api.types.is_numeric_dtype(durations.dtype) or pd.api.types.is_bool_dtype(
        durations.dtype
    ):
        raise InputError(f"durations must hold real numbers; got dtype {durations.dtype}")
    x = check_finite(
        durations.to_numpy(dtype=np.float64, na_value=np.nan),
        "durations",
        "raise",
        index=durations.index,
    )
    if np.any(x < 0):
        pos = int(np.argmax(x < 0))
        raise InputError(f"durations must be non-negative; got {x[pos]} at position {pos}")
    if not durations.index.is_monotonic_increasing:
        raise InputError("durations index must be sorted increasing")
    end = durations.index
    tod = time_of_day(end)
    if at == "start":
        tod = tod - x
    weekday = np.asarray((end - pd.to_timedelta(x if at == "start" else 0.0, unit="s")).day_of_week)
    sess = _session(session)
    lo, hi = (float(tod.min()), float(tod.max())) if sess is None else sess
    if not hi > lo:
        raise InputError("durations cover a single time of day; cannot estimate a diurnal factor")
    n_terms = check_int(n_terms, "n_terms", minimum=1, maximum=20)
    if knots is None:
        kn = np.linspace(lo, hi, max(3, round((hi - lo) / 3600.0)) + 2)[1:-1]
    elif np.ndim(knots) == 0:
        nk = check_int(knots, "knots", minimum=1, maximum=100)
        kn = np.linspace(lo, hi, nk + 2)[1:-1]
    else:
        kn = np.sort(np.asarray(knots, dtype=np.float64))
        if kn.size == 0 or np.any(kn <= lo) or np.any(kn >= hi) or np.any(np.diff(kn) <= 0):
            raise InputError(
                f"knots must be distinct times strictly inside ({lo}, {hi}) seconds; got {knots!r}"
            )
    basis = _basis(tod, method, lo, hi, kn, n_terms)
    groups = np.unique(weekday) if by_weekday else np.array([-1])
    coefs: dict[int, np.ndarray] = {}
    floors: dict[int, float] = {}
    phi = np.empty_like(x)
    floor = 0.01 * float(x.mean())
    floored = 0
    for g in groups:
        sel = np.ones(len(x), dtype=bool) if g == -1 else weekday == g
        b = basis[sel]
        if sel.sum() < 5 * b.shape[1]:
            raise InputError(
                f"too few durations ({int(sel.sum())}) to fit a {b.shape[1]}-parameter diurnal "
                f"factor{'' if g == -1 else f' for weekday {g}'}; use fewer knots/terms"
            )
        coef, *_ = np.linalg.lstsq(b, x[sel], rcond=None)
        fit = b @ coef
        low = fit < floor
        floored += int(low.sum())
        fit = np.maximum(fit, floor)
        c = float(np.mean(x[sel] / fit))
        coefs[int(g)] = coef * c
        floors[int(g)] = floor * c
        phi[sel] = fit * c
    if floored:
        warnings.warn(
            f"the diurnal factor fell below 1% of the mean duration at {floored} points and was "
            "floored there; consider fewer knots or a session range",
            RiskkitWarning,
            stacklevel=2,
        )
    factor = DiurnalFactor(method, lo, hi, kn, n_terms, coefs, floors)
    adjusted = pd.Series(x / phi, index=durations.index.copy(), name=durations.name)
    fitted = pd.Series(phi, index=durations.index.copy(), name="diurnal_factor")
    return DiurnalAdjustment(adjusted, factor, fitted)
