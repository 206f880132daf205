"""The .risk accessor delegates to the public functions."""

from __future__ import annotations

import pandas as pd
import pytest

import riskkit as rk


def test_series_accessor(sp500):
    r = sp500
    assert r.risk.var(0.01) == rk.var(r, 0.01)
    assert r.risk.es(0.025, method="normal") == rk.es(r, 0.025, method="normal")
    pd.testing.assert_series_equal(r.risk.var([0.01, 0.05]), rk.var(r, [0.01, 0.05]))
    assert r.risk.expectile(0.05) == rk.expectile(r, 0.05)
    assert r.risk.evar(0.01) == rk.evar(r, 0.01)
    res = r.risk.evar(0.01, return_tau=True)
    assert res.tau == rk.evar(r, 0.01, return_tau=True).tau
    pd.testing.assert_series_equal(r.risk.rolling(250).es(0.01), rk.rolling(r, 250).es(0.01))
    assert r.risk.var(0.01, method="kernel", bandwidth="scott") == rk.var(
        r, 0.01, method="kernel", bandwidth="scott"
    )


def test_frame_accessor_and_errors(stocks):
    df = stocks.iloc[:, :3]
    pd.testing.assert_series_equal(df.risk.es(0.025), rk.es(df, 0.025))
    pd.testing.assert_frame_equal(df.risk.expectile([0.01, 0.1]), rk.expectile(df, [0.01, 0.1]))
    pd.testing.assert_frame_equal(
        df.risk.rolling(100, min_periods=50).var(0.05), rk.rolling(df, 100, 50).var(0.05)
    )
    with pytest.raises(rk.InputError, match="unknown option 'foo'"):
        df.risk.var(0.01, foo=1)
    with pytest.raises(rk.InputError, match="nan_policy"):
        df.risk.var(0.01, nan_policy="ignore")
