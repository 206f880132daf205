"""Historical VaR/ES, the dispatcher and its input validation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import riskkit as rk
from riskkit.measures.historical import historical_var_es


def oracle_var_es(x, alpha):
    """Slow, obvious Acerbi–Tasche estimator from a full sort (Acerbi & Tasche 2002, Prop. 4.1)."""
    s = sorted(float(v) for v in x)
    n = len(s)
    na = n * alpha
    if abs(na - round(na)) <= 1e-7 * max(1.0, na):
        na = float(round(na))
    k = max(1, math.ceil(na))
    w = math.floor(na)
    var = -s[k - 1]
    es = -(sum(s[:w]) + (na - w) * s[w]) / na
    return var, es


def test_worked_example():
    # -49.5, ..., 49.5: 5% of 100 obs -> k = w = 5
    x = np.arange(1.0, 101.0) - 50.5
    assert rk.var(x, 0.05) == 45.5
    assert rk.es(x, 0.05) == pytest.approx(np.mean([49.5, 48.5, 47.5, 46.5, 45.5]), abs=1e-14)
    # alpha = 0.075: na = 7.5, k = 8, w = 7: ES = (sum of 7 worst + 0.5 * 8th) / 7.5
    assert rk.var(x, 0.075) == 42.5
    worst = 49.5 - np.arange(8)
    assert rk.es(x, 0.075) == pytest.approx((worst[:7].sum() + 0.5 * worst[7]) / 7.5, abs=1e-13)
    # 100 * 0.07 = 7.000000000000001 in floating point: still k = 7
    assert rk.var(x, 0.07) == 43.5
    # a float32 alpha means the same level
    assert rk.var(x, np.float32(0.05)) == rk.var(x, 0.05)
    assert rk.es(x, np.float32(0.07)) == pytest.approx(rk.es(x, 0.07), rel=1e-12)


@pytest.mark.parametrize("n", [2, 3, 7, 50, 251, 1000])
@pytest.mark.parametrize("alpha", [0.001, 0.01, 0.025, 0.05, 0.1, 0.3, 0.5, 0.9])
def test_matches_sort_oracle(n, alpha, rng):
    x = rng.standard_t(3, n)
    x[: n // 3] = np.round(x[: n // 3], 1)  # some ties
    v, e = historical_var_es(x, np.array([alpha]))
    ov, oe = oracle_var_es(x, alpha)
    assert v[0] == ov
    assert e[0] == pytest.approx(oe, rel=1e-13, abs=1e-15)
    assert e[0] >= v[0] - 1e-15


def test_var_is_numpy_inverted_cdf_quantile(sp500):
    # peer check: the lower empirical quantile is numpy's "inverted_cdf" quantile
    x = sp500.to_numpy()
    for a in (0.01, 0.025, 0.05, 0.1):
        assert rk.var(sp500, a) == -np.quantile(x, a, method="inverted_cdf")


def test_many_levels_at_once_equal_one_by_one(rng):
    x = rng.standard_normal(997)
    levels = [0.001, 0.01, 0.02, 0.05, 0.3, 0.5]
    v, e = historical_var_es(x, np.array(levels))
    for j, a in enumerate(levels):
        v1, e1 = historical_var_es(x, np.array([a]))
        assert v[j] == v1[0]
        assert e[j] == pytest.approx(e1[0], rel=1e-14)


def test_output_layouts(stocks):
    s = stocks["AAPL"]
    assert isinstance(rk.var(s, 0.01), float)
    out = rk.var(s, [0.01, 0.05])
    assert isinstance(out, pd.Series) and out.index.name == "alpha"
    assert list(out.index) == [0.01, 0.05]
    df = stocks.iloc[:, :3]
    by_col = rk.es(df, 0.025)
    assert isinstance(by_col, pd.Series) and list(by_col.index) == list(df.columns)
    for c in df.columns:
        assert by_col[c] == rk.es(df[c], 0.025)
    table = rk.var(df, [0.01, 0.05])
    assert isinstance(table, pd.DataFrame) and table.index.name == "alpha"
    assert list(table.columns) == list(df.columns)
    assert table.loc[0.05, "AMD"] == rk.var(df["AMD"], 0.05)
    arr = df.to_numpy()
    np.testing.assert_array_equal(rk.var(arr, 0.01), rk.var(df, 0.01).to_numpy())
    assert rk.var(arr, [0.01, 0.05]).shape == (2, 3)
    assert rk.var(list(arr[:, 0]), 0.01) == rk.var(df.iloc[:, 0], 0.01)
    # the caller's object is untouched
    assert df.columns.tolist() == stocks.columns[:3].tolist()


def test_nan_policy(rng):
    x = pd.Series(rng.standard_normal(200))
    x.iloc[[5, 17]] = np.nan
    with pytest.raises(rk.InputError, match=r"NaN at position 5"):
        rk.var(x)
    assert rk.var(x, nan_policy="omit") == rk.var(x.dropna())
    df = pd.DataFrame({"a": x, "b": rng.standard_normal(200)})
    got = rk.es(df, 0.05, nan_policy="omit")
    assert got["a"] == rk.es(x.dropna(), 0.05) and got["b"] == rk.es(df["b"], 0.05)
    y = x.fillna(0.0)
    y.iloc[3] = np.inf
    with pytest.raises(rk.InputError, match="infinite"):
        rk.var(y, nan_policy="omit")
    with pytest.raises(rk.InputError, match="nan_policy"):
        rk.var(x.dropna(), nan_policy="drop")


@pytest.mark.parametrize(
    ("x", "kwargs", "match"),
    [
        ([], {}, "empty"),
        ([0.1], {}, "at least 2"),
        ([0.1, 0.1, 0.1], {}, "constant"),
        (["a", "b"], {}, "real numbers"),
        ([True, False, True], {}, "real numbers"),
        ([0.1, -0.2, 0.3], {"alpha": 0.0}, "alpha"),
        ([0.1, -0.2, 0.3], {"alpha": 1.0}, "alpha"),
        ([0.1, -0.2, 0.3], {"alpha": float("nan")}, "alpha"),
        ([0.1, -0.2, 0.3], {"alpha": [0.01, 0.01]}, "repeat"),
        ([0.1, -0.2, 0.3], {"alpha": "0.05x"}, "alpha"),
        ([0.1, -0.2, 0.3], {"method": "montecarlo"}, "method must be one of"),
        ([0.1, -0.2, 0.3], {"bandwidth": 0.1}, "unknown option 'bandwidth'"),
        ([0.1, -0.2, 0.3], {"method": "kernel", "bw": 0.1}, "unknown option 'bw'"),
        ([0.1, -0.2, 0.3], {"method": "kernel", "bandwidth": -1.0}, "bandwidth"),
        ([0.1, -0.2, 0.3], {"method": "kernel", "bandwidth": "wide"}, "bandwidth"),
        (np.zeros((2, 2, 2)), {}, "dimensional"),
    ],
)
def test_bad_input(x, kwargs, match):
    for fn in (rk.var, rk.es):
        with pytest.raises(rk.InputError, match=match):
            fn(x, **kwargs)


def test_dataframe_error_names_column(rng):
    df = pd.DataFrame({"ok": rng.standard_normal(5), "flat": np.ones(5)})
    with pytest.raises(rk.InputError, match=r"x\['flat'\] is constant"):
        rk.var(df)


def test_es_not_below_var_on_real_data(stocks):
    levels = [0.001, 0.01, 0.025, 0.05, 0.1]
    v = rk.var(stocks, levels)
    e = rk.es(stocks, levels)
    assert (e.to_numpy() >= v.to_numpy()).all()
    # non-increasing in alpha
    assert (np.diff(v.to_numpy(), axis=0) <= 0).all()
    assert (np.diff(e.to_numpy(), axis=0) <= 0).all()
