"""rk.backtest: forecasts equal slow oracle loops, no look-ahead, failures, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import riskkit as rk
from riskkit._exceptions import InputError, RiskkitWarning
from riskkit.backtest.engine import Block, backtest, make_blocks


@pytest.fixture(scope="module")
def r700() -> pd.Series:
    return rk.datasets.load("sp500")["return"].iloc[-700:]


def _held_fit_end(t: int, window: int, refit_every: int) -> int:
    """Position of the last refit at or before target position t."""
    return window + ((t - window) // refit_every) * refit_every


# --------------------------------------------------------------------------- oracles


@pytest.mark.parametrize("refit_every", [1, 5])
def test_historical_rolling_equals_oracle_loop(r700, refit_every):
    w = 250
    r = r700.iloc[:420]
    bt = backtest(r, "historical", alpha=[0.01, 0.05], window=w, refit_every=refit_every)
    f = bt.forecasts
    assert f.index.equals(r.index[w:])
    assert np.array_equal(f["return"].to_numpy(), r.to_numpy()[w:])
    for t in range(w, len(r)):
        s = _held_fit_end(t, w, refit_every)
        sample = r.iloc[s - w : s]
        for a in (0.01, 0.05):
            assert f[f"var_{a:g}"].iloc[t - w] == rk.var(sample, alpha=a)
            assert f[f"es_{a:g}"].iloc[t - w] == pytest.approx(rk.es(sample, alpha=a), rel=1e-14)


def test_expanding_scheme_equals_oracle_loop(r700):
    w, k = 200, 7
    r = r700.iloc[:300]
    bt = backtest(r, "normal", alpha=0.025, window=w, refit_every=k, scheme="expanding")
    for t in range(w, len(r)):
        s = _held_fit_end(t, w, k)
        expect = rk.var(r.iloc[:s], alpha=0.025, method="normal")
        assert bt.forecasts["var_0.025"].iloc[t - w] == pytest.approx(expect, rel=1e-13)


def test_make_blocks_schedule():
    assert make_blocks(10, 4, 3, "rolling") == [Block(0, 4, 7), Block(3, 7, 10)]
    assert make_blocks(10, 4, 4, "expanding") == [Block(0, 4, 8), Block(0, 8, 10)]


def test_garch_refit_every_day_equals_single_fits(r700):
    """Each forecast equals rk.GARCH(...).fit(window).forecast(1) up to optimiser accuracy."""
    w = 400
    r = r700.iloc[: w + 8]
    spec = rk.GARCH(dist="t")
    bt = backtest(r, spec, alpha=[0.01, 0.025], window=w, refit_every=1)
    for t in range(w, len(r)):
        fc = spec.fit(r.iloc[t - w : t]).forecast(horizon=1, alpha=[0.01, 0.025])
        for a in ("0.01", "0.025"):
            assert bt.forecasts[f"var_{a}"].iloc[t - w] == pytest.approx(
                fc[f"var_{a}"].iloc[0], rel=2e-4
            )
            assert bt.forecasts[f"es_{a}"].iloc[t - w] == pytest.approx(
                fc[f"es_{a}"].iloc[0], rel=2e-4
            )


@pytest.mark.parametrize(
    "spec",
    [rk.GARCH(dist="t"), rk.GJR(mean="ar", ar=1), rk.EGARCH(dist="normal")],
    ids=["garch-t", "gjr-ar1", "egarch"],
)
def test_filter_forward_equals_fit_then_filter(r700, spec):
    """At the fitted parameters, the block forecasts equal result.filter() of the same fit
    (exact oracle of the state reconstruction and the fixed-parameter filter)."""
    from riskkit.backtest.adapters_vol import VolatilityAdapter

    w, k = 300, 6
    x = np.ascontiguousarray(r700.to_numpy()[: w + k])
    res = spec.fit(x[:w])
    ad = VolatilityAdapter(spec, "parametric", None)
    out = ad.block_output(x, Block(0, w, w + k), res.params.to_numpy(), np.array([0.01]))
    vol = res.filter(x[w : w + k])  # day t from data up to t - 1
    assert vol[0] == pytest.approx(np.sqrt(res.forecast(horizon=1)["variance"].iloc[0]))
    np.testing.assert_allclose(out.scale, vol, rtol=1e-10)
    # mean of day t: AR/constant part from the past only
    cont = res.append(x[w : w + k])
    eps = np.asarray(cont.resid)[w:]
    np.testing.assert_allclose(out.loc, x[w : w + k] - eps, rtol=1e-9, atol=1e-12)
    d = rk.distributions.get(spec.dist, *([res.params["nu"]] if spec.dist == "t" else []))
    np.testing.assert_allclose(out.var[:, 0], -out.loc - out.scale * d.ppf(0.01), rtol=1e-12)


@pytest.mark.parametrize("vol_method", ["fhs", "evt"])
def test_fhs_and_garch_evt_equal_oracle(r700, vol_method):
    """FHS / GARCH-EVT: -mu + sigma * (VaR, ES) of the window's standardized residuals."""
    w = 500
    r = r700.iloc[: w + 3]
    spec = rk.GARCH()
    bt = backtest(r, spec, alpha=0.01, window=w, refit_every=3, vol_method=vol_method)
    res = spec.fit(r.iloc[:w])
    z = res.std_resid
    method = "historical" if vol_method == "fhs" else "evt"
    vz, ez = rk.var(z, alpha=0.01, method=method), rk.es(z, alpha=0.01, method=method)
    sigma = res.filter(r.iloc[w:]).to_numpy()
    mu = res.params["mu"]
    np.testing.assert_allclose(bt.forecasts["var_0.01"], -mu + sigma * vz, rtol=2e-4)
    np.testing.assert_allclose(bt.forecasts["es_0.01"], -mu + sigma * ez, rtol=2e-4)
    assert bt.predictive is not None and "volatility" in bt.predictive


def test_caviar_forecasts_equal_fit_then_filter(r700):
    w = 300
    r = r700.iloc[: w + 10]
    model = rk.CAViaR("symmetric_absolute_value", n_draws=100, n_starts=2, seed=3, init_window=100)
    bt = backtest(r, model, alpha=0.05, window=w, refit_every=10)
    fit = rk.CAViaR(
        "symmetric_absolute_value", alpha=0.05, n_draws=100, n_starts=2, seed=3, init_window=100
    ).fit(r.iloc[:w])
    np.testing.assert_allclose(bt.forecasts["var_0.05"], fit.filter(r.iloc[w:]), rtol=1e-12)
    assert bt.forecasts["es_0.05"].isna().all()  # CAViaR gives no ES


def test_care_gives_var_and_taylor_es(r700):
    w = 300
    r = r700.iloc[: w + 5]
    model = rk.CARE("symmetric_absolute_value", n_draws=100, n_starts=2, seed=1, init_window=100)
    bt = backtest(r, model, alpha=0.05, window=w, refit_every=5)
    fit = rk.CARE(
        "symmetric_absolute_value", alpha=0.05, n_draws=100, n_starts=2, seed=1, init_window=100
    ).fit(r.iloc[:w])
    np.testing.assert_allclose(bt.forecasts["var_0.05"], fit.filter(r.iloc[w:]), rtol=1e-12)
    np.testing.assert_allclose(bt.forecasts["es_0.05"], fit.es_factor * bt.forecasts["var_0.05"])


# --------------------------------------------------------------------------- alignment


def _perturbed(r: pd.Series, pos: int) -> pd.Series:
    out = r.copy()
    noise = np.random.default_rng(7).normal(0.0, 0.05, len(r) - pos)
    out.iloc[pos:] = 4.0 * out.iloc[pos:].to_numpy() + noise
    return out


@pytest.mark.parametrize(
    ("model", "kw"),
    [
        ("historical", {"refit_every": 1}),
        ("normal", {"refit_every": 3}),
        (rk.GARCH(dist="t"), {"refit_every": 1}),
        (rk.GARCH(), {"refit_every": 4, "vol_method": "fhs"}),
        (
            rk.CAViaR("asymmetric_slope", n_draws=100, n_starts=2, init_window=100),
            {"refit_every": 5, "seed": 11},
        ),
    ],
    ids=["historical", "normal", "garch-t", "garch-fhs", "caviar"],
)
def test_no_look_ahead(r700, model, kw):
    """Altering the returns from position p onwards leaves every forecast for dates <= p
    unchanged (forecasts for p use data up to p - 1)."""
    w = 300
    r = r700.iloc[: w + 25]
    p = w + 12
    alpha = 0.05 if isinstance(model, rk.CAViaR) else [0.01, 0.05]
    a = backtest(r, model, alpha=alpha, window=w, **kw).forecasts
    b = backtest(_perturbed(r, p), model, alpha=alpha, window=w, **kw).forecasts
    cols = [c for c in a.columns if c != "return" and a[c].notna().any()]
    upto = a.index <= r.index[p]
    pd.testing.assert_frame_equal(a.loc[upto, cols], b.loc[upto, cols], check_exact=True)
    # and the perturbation does reach the later forecasts
    assert not np.allclose(a.loc[~upto, cols].to_numpy(), b.loc[~upto, cols].to_numpy())


# --------------------------------------------------------------------------- failures


def test_failed_windows_recorded_and_run_continues(rng):
    x = rng.standard_t(5, size=700) * 0.01
    x[250:520] = 0.0  # a constant stretch: EVT windows inside it cannot be fitted
    r = pd.Series(x, index=pd.bdate_range("2015-01-01", periods=700))
    with pytest.warns(RiskkitWarning, match="refits failed"):
        bt = backtest(r, "evt", alpha=0.01, window=200, refit_every=10)
    fails = bt.failures
    assert len(fails) > 0
    assert list(fails.columns) == [
        "block",
        "fit_start",
        "fit_end",
        "first_target",
        "last_target",
        "message",
    ]
    assert fails["message"].str.startswith("InputError").all()
    for _, row in fails.iterrows():
        assert bt.forecasts.loc[row["first_target"] : row["last_target"], "var_0.01"].isna().all()
        window = r.loc[row["fit_start"] : row["fit_end"]]
        assert len(window) == 200
    ok = bt.forecasts["var_0.01"].notna()
    assert ok.sum() > 0 and ok.iloc[-1]  # the run went on after the failures
    # exceptions are <NA> where there is no forecast; tests run on the rest
    assert bt.exceptions[0.01].isna().sum() == (~ok).sum()
    kup = bt.tests().set_index("test").loc["kupiec"]
    assert kup["n_obs"] == ok.sum()


def test_resume_refits_only_failed_blocks(r700, monkeypatch):
    from riskkit.backtest import adapters_vol

    w = 300
    r = r700.iloc[: w + 20]
    real = adapters_vol.VolatilityAdapter._batched

    def flaky(self, x, blocks):  # force failures of blocks 1 and 3 in the batched fit
        thetas, msgs, nxt = real(self, x, blocks)
        for i in (1, 3):
            msgs[i] = "ConvergenceWarning: forced failure"
        return thetas, msgs, nxt

    monkeypatch.setattr(adapters_vol.VolatilityAdapter, "_batched", flaky)
    with pytest.warns(RiskkitWarning):
        bt = backtest(r, rk.GARCH(), alpha=0.01, window=w, refit_every=5)
    assert list(bt.failures["block"]) == [1, 3]
    assert bt.forecasts["var_0.01"].isna().sum() == 10
    fixed = bt.resume()
    assert len(fixed.failures) == 0 and fixed.forecasts["var_0.01"].notna().all()
    same = bt.forecasts["var_0.01"].notna()
    pd.testing.assert_series_equal(
        fixed.forecasts["var_0.01"][same], bt.forecasts["var_0.01"][same]
    )
    # the cold refits equal a plain fit of those windows
    res = rk.GARCH().fit(r.iloc[5 : w + 5])
    assert fixed.forecasts["var_0.01"].iloc[5] == pytest.approx(
        res.forecast(alpha=0.01)["var_0.01"].iloc[0], rel=1e-8
    )


# --------------------------------------------------------------------------- bad input


def test_bad_input_raises(r700):
    r = r700.iloc[:300]
    with pytest.raises(InputError, match="alpha"):
        backtest(r, "historical", alpha=1.5, window=100)
    with pytest.raises(InputError, match="alpha"):
        backtest(r, "historical", alpha=[0.01, 0.0], window=100)
    with pytest.raises(InputError, match="window"):
        backtest(r, "historical", window=300)
    with pytest.raises(InputError, match="sorted"):
        backtest(r.iloc[::-1], "historical", window=100)
    with pytest.raises(InputError, match="duplicated"):
        backtest(pd.concat([r.iloc[:150], r.iloc[149:]]), "historical", window=100)
    nan = r.copy()
    nan.iloc[120] = np.nan
    with pytest.raises(InputError, match="NaN"):
        backtest(nan, "historical", window=100)
    with pytest.raises(InputError, match="one series"):
        backtest(pd.concat([r, r], axis=1), "historical", window=100)
    with pytest.raises(InputError, match="model"):
        backtest(r, "garch", window=100)
    with pytest.raises(InputError, match="scheme"):
        backtest(r, "historical", window=100, scheme="growing")
    with pytest.raises(InputError, match="refit_every"):
        backtest(r, "historical", window=100, refit_every=0)
    with pytest.raises(InputError, match="options"):
        backtest(r, rk.GARCH(), window=100, options={"tail_fraction": 0.1})
    with pytest.raises(InputError, match="unknown option"):
        backtest(r, "historical", window=100, options={"bandwidth": 1.0})
    with pytest.raises(InputError, match="init_window"):
        backtest(r, rk.CAViaR(), window=100)
    with pytest.raises(InputError, match="window must be at least"):
        backtest(r, rk.GARCH(), window=30)


# --------------------------------------------------------------------------- result object


def test_result_containers_pickle_csv_plot(r700, tmp_path):
    import pickle

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    r = r700.iloc[:400]
    bt = backtest(r, rk.GARCH(), alpha=[0.01, 0.025], window=300, refit_every=10)
    f = bt.forecasts
    assert list(f.columns) == ["return", "var_0.01", "var_0.025", "es_0.01", "es_0.025"]
    assert (f["es_0.01"] >= f["var_0.01"]).all() and (f["var_0.01"] >= f["var_0.025"]).all()
    exc = bt.exceptions
    np.testing.assert_array_equal(
        exc[0.01].to_numpy(dtype=bool), (-f["return"] > f["var_0.01"]).to_numpy()
    )
    assert bt.params is not None and len(bt.params) == 10
    assert bt.predictive is not None and bt.dist == "normal"
    back = pickle.loads(pickle.dumps(bt))
    pd.testing.assert_frame_equal(back.forecasts, f)
    path = bt.to_csv(tmp_path / "fc.csv")
    pd.testing.assert_frame_equal(
        pd.read_csv(path, index_col=0, parse_dates=True),
        f,
        check_freq=False,
        check_index_type=False,
    )
    text = str(bt)
    assert "window=300" in text and "kupiec" in text and "Hit rates" in text
    fig = bt.plot(alpha=0.025)
    assert isinstance(fig, Figure)
    with pytest.raises(InputError, match="alpha"):
        bt.plot(alpha=0.05)


def test_ndarray_input_gives_positional_index(r700):
    x = r700.to_numpy()[:320]
    bt = backtest(x, "historical", alpha=0.05, window=300)
    assert list(bt.forecasts.index) == list(range(300, 320))


def test_rk_backtest_callable_after_subpackage_import(r700):
    import riskkit.backtest.tests  # noqa: F401  binds rk.backtest to the subpackage

    a = rk.backtest(r700.iloc[:300], "historical", alpha=0.05, window=250)
    b = backtest(r700.iloc[:300], "historical", alpha=0.05, window=250)
    pd.testing.assert_frame_equal(a.forecasts, b.forecasts)
    assert type(a) is type(b)


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(30, 80),
    window=st.integers(10, 29),
    refit_every=st.integers(1, 12),
    scheme=st.sampled_from(["rolling", "expanding"]),
    seed=st.integers(0, 10_000),
)
def test_historical_schedule_property(n, window, refit_every, scheme, seed):
    """Any schedule: the forecast of day t is the measure of the window of its last refit."""
    x = np.random.default_rng(seed).standard_t(4, size=n)
    bt = backtest(x, "historical", alpha=0.1, window=window, refit_every=refit_every, scheme=scheme)
    got = bt.forecasts["var_0.1"].to_numpy()
    for t in range(window, n):
        s = _held_fit_end(t, window, refit_every)
        sample = x[s - window : s] if scheme == "rolling" else x[:s]
        assert got[t - window] == rk.var(sample, alpha=0.1)


def test_garch_backtest_is_calibrated_on_simulated_garch():
    """Returns simulated from a GARCH(1,1)-normal: the backtested 5% VaR has a hit rate
    close to 5% and Kupiec does not reject (one fixed seed)."""
    rng = np.random.default_rng(42)
    n, omega, a1, b1 = 1800, 0.02, 0.08, 0.9
    z = rng.standard_normal(n + 200)
    r = np.empty(n + 200)
    s2 = omega / (1 - a1 - b1)
    for t in range(n + 200):
        r[t] = np.sqrt(s2) * z[t]
        s2 = omega + a1 * r[t] ** 2 + b1 * s2
    r = pd.Series(r[200:], index=pd.bdate_range("2010-01-01", periods=n))
    bt = backtest(r, rk.GARCH(mean="zero"), alpha=0.05, window=800, refit_every=50)
    hr = bt.hit_rates().loc[0.05, "hit_rate"]
    assert abs(hr - 0.05) < 3 * np.sqrt(0.05 * 0.95 / 1000)
    assert bt.tests().set_index("test").loc["kupiec", "pvalue"] > 0.01


def test_historical_daily_fast_path_equals_block_loop(rng):
    """The compiled rolling pass for daily historical refits gives the per-block loop's
    forecasts, PIT and failures (constant windows)."""
    from riskkit.backtest.adapters import Adapter, MeasureAdapter

    x = rng.standard_t(4, size=400)
    x[100:180] = 0.5  # constant windows inside
    blocks = make_blocks(400, 60, 1, "rolling")
    alphas = np.array([0.01, 0.05])
    ad = MeasureAdapter("historical", None)
    fast = ad.forecast_blocks(x, blocks, alphas)
    slow = Adapter.forecast_blocks(ad, x, blocks, alphas)
    assert [isinstance(o, str) for o in fast] == [isinstance(o, str) for o in slow]
    assert sum(isinstance(o, str) for o in fast) == 180 - 100 - 60 + 1
    for f, s in zip(fast, slow, strict=True):
        if isinstance(f, str):
            assert f == s
            continue
        np.testing.assert_array_equal(f.var, s.var)
        np.testing.assert_allclose(f.es, s.es, rtol=1e-14)
        np.testing.assert_array_equal(f.pit, s.pit)
