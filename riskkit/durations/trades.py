"""From transaction timestamps to durations: trade, price and volume durations.

Every function returns a :class:`pandas.Series` of durations in seconds, indexed by the
timestamp at the END of each duration and named ``"duration"``. Durations never span two
calendar days (no overnight gaps): the first event of each day only starts the clock. With a
``session=(open, close)`` the events outside that time-of-day window are discarded first.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import numpy as np
import pandas as pd

from riskkit._exceptions import InputError
from riskkit._validation import check_choice, check_positive

__all__ = ["durations", "price_durations", "volume_durations"]

ZERO_POLICIES = ("aggregate", "drop", "keep", "raise")
KINDS = ("trade", "price", "volume")


def _timestamps(timestamps: Any) -> pd.DatetimeIndex:
    if isinstance(timestamps, (str, bytes)) or timestamps is None or np.isscalar(timestamps):
        raise InputError(f"timestamps must be a sequence of datetimes; got {timestamps!r}")
    if isinstance(timestamps, pd.DataFrame):
        raise InputError("timestamps must be one column of datetimes; got a DataFrame")
    if isinstance(timestamps, pd.DatetimeIndex):
        ts = timestamps
    else:
        data = timestamps if hasattr(timestamps, "dtype") else np.asarray(timestamps)
        dtype = data.dtype
        is_dt = pd.api.types.is_datetime64_any_dtype(dtype) or (
            getattr(dtype, "kind", "") == "O" and all(isinstance(v, _dt.datetime) for v in data)
        )
        if not is_dt:
            raise InputError(
                "timestamps must hold datetimes (datetime64 or Timestamp); got dtype "
                f"{dtype}; convert with pandas.to_datetime first"
            )
        ts = pd.DatetimeIndex(data)
    if len(ts) == 0:
        raise InputError("timestamps is empty; at least two events are needed")
    if ts.hasnans:
        pos = int(np.argmax(ts.isna()))
        raise InputError(f"timestamps contains a missing value (NaT) at position {pos}")
    if not ts.is_monotonic_increasing:
        bad = int(np.argmax(ts[1:] < ts[:-1])) + 1
        raise InputError(
            f"timestamps must be sorted increasing; at position {bad} {ts[bad]} comes after "
            f"{ts[bad - 1]}"
        )
    return ts


def _clock(value: Any, name: str) -> float:
    """Seconds after midnight of a time given as 'HH:MM[:SS]', datetime.time, Timedelta or number."""
    if isinstance(value, str):
        try:
            parts = [float(v) for v in value.split(":")]
        except ValueError:
            raise InputError(
                f"{name} must look like 'HH:MM' or 'HH:MM:SS'; got {value!r}"
            ) from None
        if not 2 <= len(parts) <= 3:
            raise InputError(f"{name} must look like 'HH:MM' or 'HH:MM:SS'; got {value!r}")
        secs = parts[0] * 3600 + parts[1] * 60 + (parts[2] if len(parts) == 3 else 0.0)
    elif isinstance(value, _dt.time):
        secs = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
    elif isinstance(value, (pd.Timedelta, _dt.timedelta)):
        secs = pd.Timedelta(value).total_seconds()
    elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        secs = float(value)
    else:
        raise InputError(f"{name} must be a time of day ('09:30'); got {value!r}")
    if not 0.0 <= secs <= 86400.0:
        raise InputError(f"{name} must be a time of day between 00:00 and 24:00; got {value!r}")
    return secs


def _session(session: Any) -> tuple[float, float] | None:
    if session is None:
        return None
    if not isinstance(session, (tuple, list)) or len(session) != 2:
        raise InputError(
            f"session must be a pair (open, close) such as ('09:30', '16:00'); got {session!r}"
        )
    lo, hi = _clock(session[0], "session open"), _clock(session[1], "session close")
    if not lo < hi:
        raise InputError(f"session open must be before close; got {session!r}")
    return lo, hi


def time_of_day(ts: pd.DatetimeIndex) -> np.ndarray:
    """Seconds after midnight (local to the timestamps' own time zone)."""
    return np.asarray((ts - ts.normalize()).total_seconds(), dtype=np.float64)


def _in_session(ts: pd.DatetimeIndex, session: tuple[float, float] | None) -> np.ndarray:
    if session is None:
        return np.ones(len(ts), dtype=bool)
    tod = time_of_day(ts)
    return (tod >= session[0]) & (tod <= session[1])


def _values(values: Any, name: str, n: int) -> np.ndarray:
    if values is None:
        raise InputError(f"{name} is required for this kind of duration")
    arr = values.to_numpy() if isinstance(values, (pd.Series, pd.Index)) else np.asarray(values)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.number):
        raise InputError(f"{name} must hold real numbers; got dtype {arr.dtype}")
    arr = arr.astype(np.float64).ravel()
    if arr.shape[0] != n:
        raise InputError(
            f"{name} has {arr.shape[0]} values but timestamps has {n}; they must align"
        )
    bad = ~np.isfinite(arr)
    if bad.any():
        pos = int(np.argmax(bad))
        raise InputError(f"{name} contains a non-finite value {arr[pos]} at position {pos}")
    return arr


def _series(end: pd.DatetimeIndex, secs: np.ndarray) -> pd.Series:
    if np.any(secs < 0):
        pos = int(np.argmax(secs < 0))
        raise InputError(
            f"negative duration {secs[pos]} s ending at {end[pos]}; timestamps are not sorted"
        )
    return pd.Series(secs, index=end, name="duration")


def durations(
    timestamps: Any,
    *,
    session: Any = None,
    zero: str = "aggregate",
    kind: str = "trade",
    prices: Any = None,
    volumes: Any = None,
    threshold: float | None = None,
) -> pd.Series:
    """Durations (seconds) between consecutive events within each trading day.

    Parameters
    ----------
    timestamps : sequence of datetimes
        Event (trade or quote) times, sorted increasing (ties allowed, see ``zero``).
    session : (open, close), optional
        Time-of-day window such as ``("09:30", "16:00")`` (strings, ``datetime.time`` or seconds
        after midnight); events outside it are discarded. Both ends are included.
    zero : {"aggregate", "drop", "keep", "raise"}
        Handling of events with the same timestamp. ``"aggregate"`` merges them into one event
        (for volume durations their volumes are summed; for price durations the last price is
        kept); ``"drop"`` removes the resulting zero durations; ``"keep"`` keeps them (ACD
        fitting will then refuse the zeros); ``"raise"`` raises :class:`~riskkit.InputError`.
        For trade durations ``"aggregate"`` and ``"drop"`` give the same series.
    kind : {"trade", "price", "volume"}
        ``"price"`` and ``"volume"`` call :func:`price_durations` (with ``prices`` and
        ``threshold``) and :func:`volume_durations` (with ``volumes`` and ``threshold``).

    Returns
    -------
    pd.Series
        Durations in seconds, indexed by the timestamp at the end of each duration. The first
        event of each day starts the clock (no overnight durations).

    Examples
    --------
    >>> import pandas as pd, riskkit.durations as rd
    >>> t = pd.to_datetime(["2020-01-02 09:30:00", "2020-01-02 09:30:05", "2020-01-02 09:30:05",
    ...                     "2020-01-02 09:31:00", "2020-01-03 09:30:10", "2020-01-03 09:30:12"])
    >>> rd.durations(t, session=("09:30", "16:00")).tolist()
    [5.0, 55.0, 2.0]
    """
    kind = check_choice(kind, "kind", KINDS)
    zero = check_choice(zero, "zero", ZERO_POLICIES)
    if kind == "price":
        return price_durations(timestamps, prices, threshold, session=session)
    if kind == "volume":
        return volume_durations(timestamps, volumes, threshold, session=session)
    if prices is not None or volumes is not None or threshold is not None:
        raise InputError(
            "prices, volumes and threshold are only used with kind='price' or 'volume'"
        )
    ts = _timestamps(timestamps)
    ts = ts[_in_session(ts, _session(session))]
    dup = ts[1:] == ts[:-1]
    if zero == "raise" and dup.any():
        pos = int(np.argmax(dup)) + 1
        raise InputError(
            f"timestamps has a repeated value {ts[pos]} at position {pos} (after the session filter); "
            "choose zero='aggregate', 'drop' or 'keep'"
        )
    if zero == "aggregate":
        ts = ts[np.concatenate([[True], ~dup])] if len(ts) else ts
    if len(ts) < 2:
        raise InputError(f"fewer than two events remain in the session ({len(ts)}); no duration")
    day = ts.normalize()
    same_day = np.asarray(day[1:] == day[:-1])
    secs = np.asarray((ts[1:] - ts[:-1]).total_seconds(), dtype=np.float64)[same_day]
    end = ts[1:][same_day]
    if zero == "drop":
        keep = secs != 0.0
        secs, end = secs[keep], end[keep]
    return _series(end, secs)


def _aggregate(
    ts: pd.DatetimeIndex, values: np.ndarray, how: str
) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """One event per distinct timestamp: ``how="last"`` value or ``"sum"`` of values."""
    new = np.concatenate([[True], np.asarray(ts[1:] != ts[:-1])])
    starts = np.flatnonzero(new)
    if how == "sum":
        agg = np.add.reduceat(values, starts)
    else:
        ends = np.append(starts[1:], len(values)) - 1
        agg = values[ends]
    return ts[starts], agg


def _prepare(
    timestamps: Any, values: Any, name: str, threshold: Any, session: Any, how: str
) -> tuple[pd.DatetimeIndex, np.ndarray, float]:
    ts = _timestamps(timestamps)
    vals = _values(values, name, len(ts))
    thr = check_positive(threshold, "threshold")
    keep = _in_session(ts, _session(session))
    ts, vals = ts[keep], vals[keep]
    if len(ts) < 2:
        raise InputError(f"fewer than two events remain in the session ({len(ts)}); no duration")
    ts, vals = _aggregate(ts, vals, how)
    return ts, vals, thr


def price_durations(
    timestamps: Any, prices: Any, threshold: Any, *, session: Any = None
) -> pd.Series:
    """Time until the price moves by at least ``threshold`` from the last event price.

    Events with the same timestamp are aggregated first (the last price of the stamp is used).
    Each day starts with its first event as reference; a duration ends at the first later event
    whose price satisfies ``|p - p_ref| >= threshold``, which becomes the new reference. Use mid
    quotes (``(bid + ask) / 2``) to avoid bid-ask bounce, or trade prices.

    Returns
    -------
    pd.Series
        Durations in seconds indexed by the timestamp ending them.

    References
    ----------
    Engle and Russell (1998), Section 6 (price durations); Bauwens and Giot (2000).
    """
    ts, p, thr = _prepare(timestamps, prices, "prices", threshold, session, "last")
    day = np.asarray(ts.normalize().asi8)
    sec = np.asarray(ts.asi8)
    ends: list[int] = []
    starts: list[int] = []
    ref_i = 0
    for i in range(1, len(p)):
        if day[i] != day[ref_i]:
            ref_i = i
            continue
        if abs(p[i] - p[ref_i]) >= thr * (1.0 - 1e-12):
            starts.append(ref_i)
            ends.append(i)
            ref_i = i
    return _finish(ts, sec, starts, ends)


def volume_durations(
    timestamps: Any, volumes: Any, threshold: Any, *, session: Any = None
) -> pd.Series:
    """Time needed to trade at least ``threshold`` volume.

    Events with the same timestamp are aggregated first (volumes summed). Each day's clock
    starts at its first event; the volume of the events after the current start is accumulated
    and the duration ends at the event where it reaches ``threshold``; that event starts the next
    duration (the accumulated volume is reset to 0).

    Returns
    -------
    pd.Series
        Durations in seconds indexed by the timestamp ending them.
    """
    ts, v, thr = _prepare(timestamps, volumes, "volumes", threshold, session, "sum")
    if np.any(v < 0):
        raise InputError(f"volumes must be non-negative; got {v[np.argmax(v < 0)]}")
    day = np.asarray(ts.normalize().asi8)
    sec = np.asarray(ts.asi8)
    ends: list[int] = []
    starts: list[int] = []
    ref_i = 0
    acc = 0.0
    for i in range(1, len(v)):
        if day[i] != day[ref_i]:
            ref_i, acc = i, 0.0
            continue
        acc += v[i]
        if acc >= thr:
            starts.append(ref_i)
            ends.append(i)
            ref_i, acc = i, 0.0
    return _finish(ts, sec, starts, ends)


def _finish(ts: pd.DatetimeIndex, ns: np.ndarray, starts: list[int], ends: list[int]) -> pd.Series:
    if not ends:
        raise InputError("no duration was completed: threshold is never reached; lower threshold")
    s = np.asarray(starts)
    e = np.asarray(ends)
    unit = pd.Timedelta(1, unit=ts.unit).total_seconds()
    secs = (ns[e] - ns[s]).astype(np.float64) * unit
    return _series(ts[e], secs)
