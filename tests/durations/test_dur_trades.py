"""Timestamps -> trade, price and volume durations."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import riskkit.durations as rd
from riskkit import InputError

T = pd.to_datetime(
    [
        "2020-01-02 09:29:00",  # before the open: dropped
        "2020-01-02 09:30:00",
        "2020-01-02 09:30:05",
        "2020-01-02 09:30:05",  # same stamp
        "2020-01-02 09:31:00",
        "2020-01-02 16:05:00",  # after the close: dropped
        "2020-01-03 09:30:10",  # new day: starts the clock
        "2020-01-03 09:30:12",
    ]
)
SESSION = ("09:30", "16:00")


def test_trade_durations_session_and_days():
    d = rd.durations(T, session=SESSION)
    assert d.tolist() == [5.0, 55.0, 2.0]
    assert list(d.index) == [T[2], T[4], T[7]]  # END timestamps
    assert d.name == "duration"


@pytest.mark.parametrize(
    ("zero", "expected"),
    [("aggregate", [5.0, 55.0, 2.0]), ("drop", [5.0, 55.0, 2.0]), ("keep", [5.0, 0.0, 55.0, 2.0])],
)
def test_zero_policies(zero, expected):
    assert rd.durations(T, session=SESSION, zero=zero).tolist() == expected


def test_zero_raise_and_keep_refused_by_acd():
    with pytest.raises(InputError, match="repeated"):
        rd.durations(T, session=SESSION, zero="raise")
    kept = rd.durations(T, session=SESSION, zero="keep")
    x = pd.concat([kept] * 20)
    with pytest.raises(InputError, match="zero"):
        rd.ACD().fit(x.to_numpy())


def test_session_formats_and_no_session():
    a = rd.durations(T, session=(dt.time(9, 30), dt.time(16, 0)))
    b = rd.durations(T, session=(9.5 * 3600, 16 * 3600))
    c = rd.durations(pd.Series(T), session=("09:30:00", "16:00:00"))
    assert a.equals(b) and a.equals(c)
    assert rd.durations(T).tolist() == [60.0, 5.0, 55.0, 23640.0, 2.0]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"timestamps": T[::-1]}, "sorted"),
        ({"timestamps": np.arange(5.0)}, "datetimes"),
        ({"timestamps": "2020-01-01"}, "datetimes"),
        ({"timestamps": pd.DatetimeIndex([T[1], pd.NaT, T[2]])}, "NaT"),
        ({"timestamps": T, "session": ("16:00", "09:30")}, "before close"),
        ({"timestamps": T, "session": ("9h30", "16:00")}, "HH:MM"),
        ({"timestamps": T, "session": ("09:30",)}, "pair"),
        ({"timestamps": T, "zero": "merge"}, "zero"),
        ({"timestamps": T, "kind": "quote"}, "kind"),
        ({"timestamps": T, "threshold": 1.0}, "only used"),
        ({"timestamps": T[:1]}, "fewer than two"),
    ],
)
def test_bad_input(kwargs, match):
    with pytest.raises(InputError, match=match):
        rd.durations(**kwargs)


def slow_price_durations(ts, p, thr):
    """Obvious oracle: one pass per day with an explicit reference price."""
    out = []
    df = pd.DataFrame({"t": ts, "p": p}).groupby("t", sort=False)["p"].last()
    for _, day in df.groupby(df.index.normalize()):
        ref_t, ref_p = day.index[0], day.iloc[0]
        for t, v in day.iloc[1:].items():
            if abs(v - ref_p) >= thr:
                out.append((t, (t - ref_t).total_seconds()))
                ref_t, ref_p = t, v
    return pd.Series([d for _, d in out], index=pd.DatetimeIndex([t for t, _ in out]))


def slow_volume_durations(ts, v, thr):
    out = []
    df = pd.DataFrame({"t": ts, "v": v}).groupby("t", sort=False)["v"].sum()
    for _, day in df.groupby(df.index.normalize()):
        ref_t, acc = day.index[0], 0.0
        for t, vol in day.iloc[1:].items():
            acc += vol
            if acc >= thr:
                out.append((t, (t - ref_t).total_seconds()))
                ref_t, acc = t, 0.0
    return pd.Series([d for _, d in out], index=pd.DatetimeIndex([t for t, _ in out]))


@pytest.fixture(scope="module")
def random_trades():
    rng = np.random.default_rng(11)
    days = []
    for day in ("2021-03-01", "2021-03-02", "2021-03-03"):
        secs = np.sort(rng.integers(9 * 3600 + 1800, 16 * 3600, 800))
        days.append(pd.Timestamp(day) + pd.to_timedelta(secs, unit="s"))
    ts = days[0].append(days[1]).append(days[2])
    price = 100 + np.cumsum(rng.choice([-0.125, 0.0, 0.125], len(ts)))
    vol = rng.integers(1, 50, len(ts)) * 100.0
    return ts, price, vol


def test_price_durations_match_oracle(random_trades):
    ts, p, _ = random_trades
    got = rd.price_durations(ts, p, 0.25)
    exp = slow_price_durations(ts, p, 0.25)
    np.testing.assert_array_equal(got.to_numpy(), exp.to_numpy())
    assert got.index.equals(exp.index)
    assert (got > 0).all()
    assert rd.durations(ts, kind="price", prices=p, threshold=0.25).equals(got)


def test_volume_durations_match_oracle(random_trades):
    ts, _, v = random_trades
    got = rd.volume_durations(ts, v, 20_000)
    exp = slow_volume_durations(ts, v, 20_000)
    np.testing.assert_array_equal(got.to_numpy(), exp.to_numpy())
    assert got.index.equals(exp.index)
    assert rd.durations(ts, kind="volume", volumes=v, threshold=20_000).equals(got)


def test_price_volume_bad_input(random_trades):
    ts, p, v = random_trades
    with pytest.raises(InputError, match="align"):
        rd.price_durations(ts, p[:-1], 0.25)
    with pytest.raises(InputError, match="threshold"):
        rd.price_durations(ts, p, -1.0)
    bad = p.copy()
    bad[3] = np.nan
    with pytest.raises(InputError, match="non-finite"):
        rd.price_durations(ts, bad, 0.25)
    with pytest.raises(InputError, match="required"):
        rd.durations(ts, kind="volume", threshold=10.0)
    with pytest.raises(InputError, match="never reached"):
        rd.volume_durations(ts, v, 1e12)
    with pytest.raises(InputError, match="non-negative"):
        rd.volume_durations(ts, -v, 10.0)


def test_timezone_aware_and_python_datetimes():
    tz = T.tz_localize("America/New_York")
    assert rd.durations(tz, session=SESSION).tolist() == [5.0, 55.0, 2.0]
    py = [t.to_pydatetime() for t in T]
    assert rd.durations(py, session=SESSION).tolist() == [5.0, 55.0, 2.0]


@settings(max_examples=60, deadline=None)
@given(
    secs=st.lists(st.integers(min_value=0, max_value=3 * 86400 - 1), min_size=2, max_size=80),
)
def test_durations_properties(secs):
    """Per day, aggregated durations are positive, sum to last - first stamp and number
    (distinct stamps - 1)."""
    ts = pd.Timestamp("2021-06-01") + pd.to_timedelta(np.sort(secs), unit="s")
    ts = pd.DatetimeIndex(ts)
    distinct = ts.unique()
    per_day = pd.Series(distinct, index=distinct).groupby(distinct.normalize())
    expected_n = int(sum(len(g) - 1 for _, g in per_day))
    if len(distinct) < 2:
        with pytest.raises(InputError, match="fewer than two"):
            rd.durations(ts)
        return
    d = rd.durations(ts)
    assert len(d) == expected_n
    assert (d > 0).all()
    for day, g in per_day:
        got = d[d.index.normalize() == day].sum()
        assert got == pytest.approx((g.iloc[-1] - g.iloc[0]).total_seconds())
    assert rd.durations(ts, zero="drop").equals(d)
    assert len(rd.durations(ts, zero="keep")) == expected_n + (len(ts) - len(distinct))
