"""BacktestResult.tests(): every row equals the rk.tests function called on the forecasts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import riskkit as rk
from riskkit.backtest import es_tests, tests, traffic_light


@pytest.fixture(scope="module")
def bt_garch():
    r = rk.datasets.load("sp500")["return"].iloc[-900:]
    return rk.backtest(r, rk.GARCH(), alpha=[0.01, 0.05], window=500, refit_every=20)


def _row(table: pd.DataFrame, alpha: float, test: str) -> pd.Series:
    sel = table[(table["alpha"] == alpha) & (table["test"] == test)]
    assert len(sel) == 1, (alpha, test)
    return sel.iloc[0]


def test_table_matches_direct_calls(bt_garch):
    table = bt_garch.tests(seed=5)
    f = bt_garch.forecasts
    p = bt_garch.predictive
    assert set(table["alpha"]) == {0.01, 0.05}
    for a in (0.01, 0.05):
        r, v, e = f["return"], f[f"var_{a:g}"], f[f"es_{a:g}"]
        n, x = len(r), int((-r > v).sum())
        expected = {
            "kupiec": tests.kupiec(r, v, a),
            "tuff": tests.tuff(r, v, a),
            "binomial": tests.binomial(r, v, a),
            "christoffersen_ind": tests.christoffersen(r, v, a, test="ind"),
            "christoffersen_cc": tests.christoffersen(r, v, a, test="cc"),
            "haas_tbf": tests.haas(r, v, a),
            "christoffersen_pelletier": tests.christoffersen_pelletier(r, v, a),
            "dq": tests.dq(r, v, a),
            "traffic_light": traffic_light.traffic_light(n, x, a),
            "mcneil_frey": es_tests.mcneil_frey(r, v, e, scale=p["volatility"], seed=5),
            "du_escanciano_u": es_tests.du_escanciano(p["pit"], a),
            "du_escanciano_c": es_tests.du_escanciano(p["pit"], a, test="conditional"),
            "acerbi_szekely_z2": es_tests.acerbi_szekely(
                r, v, e, a, test="z2", dist="normal", loc=p["mean"], scale=p["volatility"], seed=5
            ),
        }
        for name, res in expected.items():
            row = _row(table, a, name)
            assert row["statistic"] == pytest.approx(res.statistic, rel=1e-12), name
            assert row["pvalue"] == pytest.approx(res.pvalue, rel=1e-12), name
            assert row["H0"] == res.null
            assert row["n_obs"] == n and row["n_exceptions"] == x
        assert _row(table, a, "traffic_light")["note"] in ("green", "yellow", "red")


def test_pit_is_predictive_cdf(bt_garch):
    p, f = bt_garch.predictive, bt_garch.forecasts
    z = (f["return"] - p["mean"]) / p["volatility"]
    from scipy import stats

    np.testing.assert_allclose(p["pit"], stats.norm.cdf(z), rtol=1e-10)
    # the 1% VaR is the 1% quantile of the same predictive distribution
    np.testing.assert_allclose(
        f["var_0.01"], -(p["mean"] + p["volatility"] * stats.norm.ppf(0.01)), rtol=1e-10
    )


def test_varying_shape_uses_sampler_and_runs():
    r = rk.datasets.load("sp500")["return"].iloc[-700:]
    bt = rk.backtest(r, "t", alpha=0.025, window=500, refit_every=50)
    table = bt.tests(seed=1)
    row = _row(table, 0.025, "acerbi_szekely_z2")
    assert np.isfinite(row["pvalue"]) and 0.0 < row["pvalue"] <= 1.0
    assert bt.predictive is not None and bt.predictive["nu"].nunique() == 4
    # CAViaR has no ES: no ES test rows
    cav = rk.backtest(
        r.iloc[:400],
        rk.CAViaR(n_draws=50, n_starts=2, init_window=100, seed=0),
        alpha=0.05,
        window=300,
        refit_every=50,
    )
    names = set(cav.tests()["test"])
    assert "kupiec" in names and not any(n.startswith(("mcneil", "acerbi", "du_")) for n in names)


def test_historical_pit_is_empirical_cdf_of_window():
    r = rk.datasets.load("sp500")["return"].iloc[-300:]
    bt = rk.backtest(r, "historical", alpha=0.05, window=250, refit_every=1)
    for t in (250, 260, 299):
        window = r.iloc[t - 250 : t].to_numpy()
        assert bt.predictive["pit"].iloc[t - 250] == np.mean(window <= r.iloc[t])
