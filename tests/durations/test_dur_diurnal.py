"""Diurnal adjustment: recovery of a known time-of-day pattern."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

import riskkit.durations as rd
from riskkit import InputError

OPEN, CLOSE = 9.5 * 3600, 16 * 3600


def true_factor(s):
    """Inverted U of expected durations over the session (seconds after midnight)."""
    u = (np.asarray(s) - OPEN) / (CLOSE - OPEN)
    return 10.0 + 40.0 * u * (1 - u)


@pytest.fixture(scope="module")
def synthetic():
    rng = np.random.default_rng(5)
    ends, durs = [], []
    for day in pd.date_range("2022-01-03", periods=10, freq="B"):
        t = OPEN
        while True:
            d = true_factor(t) * rng.standard_exponential()
            if t + d > CLOSE:
                break
            t += d
            ends.append(day + pd.Timedelta(seconds=t))
            durs.append(d)
    return pd.Series(durs, index=pd.DatetimeIndex(ends), name="duration")


@pytest.mark.parametrize(
    ("method", "kw"), [("spline", {}), ("spline", {"knots": 4}), ("fourier", {"n_terms": 2})]
)
def test_recovers_shape_and_unit_mean(synthetic, method, kw):
    res = rd.diurnal_adjust(synthetic, method=method, **kw)
    adjusted, factor = res  # unpacks
    assert adjusted.mean() == pytest.approx(1.0, abs=1e-10)
    assert adjusted.index.equals(synthetic.index)
    grid = np.linspace(OPEN + 1800, CLOSE - 1800, 12)
    ratio = factor(grid) / true_factor(grid)
    assert np.all(np.abs(ratio / ratio.mean() - 1) < 0.12)
    mid = factor(12.75 * 3600)[0]
    assert mid > factor(OPEN + 600)[0] and mid > factor(CLOSE - 600)[0]  # inverted U
    np.testing.assert_allclose(
        res.fitted.to_numpy() * adjusted.to_numpy(), synthetic.to_numpy(), rtol=1e-12
    )


def test_by_weekday_and_pickle(synthetic):
    res = rd.diurnal_adjust(synthetic, by_weekday=True, knots=3)
    assert res.adjusted.mean() == pytest.approx(1.0, abs=1e-10)
    f = res.factor
    v = f(np.array([36000.0, 40000.0]), np.array([0, 4]))
    assert v.shape == (2,) and np.all(v > 0)
    with pytest.raises(InputError, match="weekday"):
        f(36000.0)
    g = pickle.loads(pickle.dumps(f))
    np.testing.assert_array_equal(g(36000.0, 1), f(36000.0, 1))


def test_at_end_differs_from_start(synthetic):
    a = rd.diurnal_adjust(synthetic, at="start").fitted
    b = rd.diurnal_adjust(synthetic, at="end").fitted
    assert not np.allclose(a, b)


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((np.ones(10),), {}, "DatetimeIndex"),
        (None, {"method": "loess"}, "method"),
        (None, {"knots": [OPEN - 10]}, "knots"),
        (None, {"knots": 0}, "knots"),
        (None, {"by_weekday": "yes"}, "by_weekday"),
        (None, {"at": "middle"}, "at"),
    ],
)
def test_bad_input(synthetic, args, kwargs, match):
    with pytest.raises(InputError, match=match):
        rd.diurnal_adjust(*(args or (synthetic,)), **kwargs)


def test_nan_and_negative_rejected(synthetic):
    x = synthetic.copy()
    x.iloc[3] = np.nan
    with pytest.raises(InputError, match="NaN"):
        rd.diurnal_adjust(x)
    x.iloc[3] = -1.0
    with pytest.raises(InputError, match="non-negative"):
        rd.diurnal_adjust(x)


def test_scale_invariance_of_adjusted(synthetic):
    """With the factor evaluated at the (fixed) end times, rescaling the durations rescales
    the factor and leaves the adjusted durations unchanged."""
    a = rd.diurnal_adjust(synthetic, at="end")
    c = rd.diurnal_adjust(synthetic * 3.0, at="end")
    grid = np.linspace(OPEN + 600, CLOSE - 600, 9)
    np.testing.assert_allclose(c.adjusted.to_numpy(), a.adjusted.to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(c.factor(grid), 3.0 * a.factor(grid), rtol=1e-10)
