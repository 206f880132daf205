"""ACD / Log-ACD estimation: simulation round trips, equivariance, forecasts, results, bad input."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import riskkit.durations as rd
from riskkit import ConvergenceWarning, InputError

SHAPES = {"exponential": [], "weibull": [0.8], "burr": [1.2, 0.3], "gengamma": [0.7, 2.0]}


def _true(model, dist):
    if model == "acd":
        return np.array([0.1, 0.1, 0.8, *SHAPES[dist]])
    return np.array([0.0, 0.08, 0.9, *SHAPES[dist]])


def _spec(model, dist):
    if model == "acd":
        return rd.ACD(dist=dist)
    return rd.LogACD(type=int(model[-1]), dist=dist)


@pytest.mark.slow
@pytest.mark.parametrize("model", ["acd", "log1", "log2"])
@pytest.mark.parametrize("dist", list(SHAPES))
def test_simulation_round_trip(model, dist):
    truth = _true(model, dist)
    if model == "log2":
        truth[0] = -truth[1]
    spec = _spec(model, dist)
    x = spec.simulate(truth, 8000, seed=42)
    res = spec.fit(x)
    assert res.converged
    z = (res.params.to_numpy() - truth) / res.std_errors.to_numpy()
    assert np.all(np.abs(z) < 4.0), dict(zip(res.params.index, z, strict=True))


@pytest.mark.parametrize(("model", "dist"), [("acd", "weibull"), ("log1", "exponential")])
def test_simulation_round_trip_fast(model, dist):
    truth = _true(model, dist)
    spec = _spec(model, dist)
    res = spec.fit(spec.simulate(truth, 4000, seed=1))
    z = (res.params.to_numpy() - truth) / res.std_errors.to_numpy()
    assert np.all(np.abs(z) < 4.0)


def test_higher_order_fits():
    x = rd.ACD(p=2, q=1).simulate([0.1, 0.05, 0.1, 0.75], 5000, seed=3)
    res = rd.ACD(p=2, q=1).fit(x)
    assert list(res.params.index) == ["omega", "alpha[1]", "alpha[2]", "beta[1]"]
    assert res.converged
    assert res.persistence == pytest.approx(0.9, abs=0.05)


@pytest.mark.parametrize(
    ("spec", "truth"),
    [
        (rd.ACD(dist="weibull"), [0.1, 0.1, 0.8, 0.8]),
        (rd.LogACD(type=1, dist="weibull"), [0.0, 0.08, 0.9, 0.8]),
        (rd.LogACD(type=2), [-0.05, 0.05, 0.9]),
    ],
)
def test_scale_equivariance(spec, truth):
    x = spec.simulate(truth, 3000, seed=9)
    a = spec.fit(x)
    b = spec.fit(60.0 * x)
    np.testing.assert_allclose(b.params.iloc[1:], a.params.iloc[1:], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(b.std_errors.iloc[1:], a.std_errors.iloc[1:], rtol=1e-3)
    if isinstance(spec, rd.LogACD):
        beta = a.params["beta[1]"]
        assert b.params["omega"] == pytest.approx(
            a.params["omega"] + (1 - beta) * np.log(60.0), abs=1e-5
        )
    else:
        assert b.params["omega"] == pytest.approx(60.0 * a.params["omega"], rel=1e-5)
        assert b.std_errors["omega"] == pytest.approx(60.0 * a.std_errors["omega"], rel=1e-3)
    assert b.loglikelihood == pytest.approx(a.loglikelihood - b.nobs * np.log(60.0), abs=1e-4)
    np.testing.assert_allclose(np.asarray(b.resid), np.asarray(a.resid), rtol=1e-4)


@pytest.fixture(scope="module")
def fitted():
    idx = pd.date_range("2021-01-04 09:30", periods=3000, freq="7s")
    x = rd.ACD(dist="weibull").simulate([0.1, 0.1, 0.8, 0.9], 3000, seed=5)
    return rd.ACD(dist="weibull").fit(pd.Series(x, index=idx, name="dur"))


def test_result_keeps_index_and_is_picklable(fitted):
    assert isinstance(fitted.conditional_durations, pd.Series)
    assert fitted.resid.index.equals(fitted.durations.index)
    assert fitted.durations.name == "dur"
    clone = pickle.loads(pickle.dumps(fitted))
    assert clone.params.equals(fitted.params)
    text = str(fitted)
    assert "ACD(1,1), weibull" in text and "beta[1]" in text and "robust" in text
    with pytest.raises(AttributeError):
        fitted.converged = False  # frozen


def test_forecast_matches_recursion(fitted):
    p = fitted.params
    x = fitted.durations.to_numpy()
    psi = fitted.conditional_durations.to_numpy()
    f1 = p["omega"] + p["alpha[1]"] * x[-1] + p["beta[1]"] * psi[-1]
    expected = [f1]
    for _ in range(4):
        expected.append(p["omega"] + (p["alpha[1]"] + p["beta[1]"]) * expected[-1])
    fc = fitted.forecast(5)
    np.testing.assert_allclose(fc.to_numpy(), expected, rtol=1e-12)
    assert list(fc.index) == [1, 2, 3, 4, 5]


def test_logacd_forecast_monte_carlo_consistent():
    spec = rd.LogACD(type=2)
    res = spec.fit(spec.simulate([-0.05, 0.05, 0.9], 3000, seed=2))
    fc = res.forecast(3, n_sims=20000, seed=1)
    assert fc.iloc[0] == pytest.approx(np.exp(res._next_level()))
    assert fc.equals(res.forecast(3, n_sims=20000, seed=1))  # reproducible
    assert np.all(fc > 0)


def test_hazard(fitted):
    k = fitted.params["shape"]
    c = np.exp(np.log(stats.weibull_min(k).mean()))
    psi = 2.0
    t = np.array([0.5, 1.0, 4.0])
    dist = stats.weibull_min(k, scale=psi / c)
    np.testing.assert_allclose(fitted.hazard(t, psi=psi), dist.pdf(t) / dist.sf(t), rtol=1e-8)
    # Weibull shape < 1 -> decreasing hazard
    h = fitted.hazard(np.linspace(0.1, 5, 20))
    assert np.all(np.diff(h) < 0)


def test_simulate_reproducible(fitted):
    a = fitted.simulate(100, seed=3)
    b = fitted.simulate(100, seed=np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    assert np.all(a > 0)


def test_diagnostics_and_excess_dispersion(fitted):
    d = fitted.diagnostics(lags=10)
    assert list(d.index) == ["ljung_box_resid(10)", "ljung_box_resid_sq(10)", "excess_dispersion"]
    assert np.all((d["pvalue"] > 0) & (d["pvalue"] <= 1))
    assert d.loc["ljung_box_resid(10)", "pvalue"] > 0.001  # correctly specified model
    ed = fitted.excess_dispersion()
    assert ed.pvalue > 0.001


def test_ljung_box_equals_statsmodels(fitted):
    from statsmodels.stats.diagnostic import acorr_ljungbox

    e = fitted.resid.to_numpy()[1:]
    d = fitted.diagnostics(lags=15)
    for label, series in (("ljung_box_resid(15)", e), ("ljung_box_resid_sq(15)", e**2)):
        ref = acorr_ljungbox(series, lags=[15])
        assert d.loc[label, "statistic"] == pytest.approx(float(ref["lb_stat"].iloc[0]), rel=1e-9)
        assert d.loc[label, "pvalue"] == pytest.approx(float(ref["lb_pvalue"].iloc[0]), rel=1e-7)
    with pytest.raises(InputError, match="lags"):
        fitted.diagnostics(lags=0)


def test_excess_dispersion_detects_misspecification():
    """Exponential ACD fitted to Weibull(0.6) data: the residual variance exceeds 1."""
    x = rd.ACD(dist="weibull").simulate([0.1, 0.1, 0.8, 0.6], 4000, seed=8)
    res = rd.ACD().fit(x)
    ed = res.excess_dispersion()
    assert ed.statistic > 5 and ed.pvalue < 1e-6


def test_excess_dispersion_formula(fitted):
    res = rd.ACD().fit(fitted.durations)
    e = res.resid.to_numpy()[1:]
    z = np.sqrt(e.size) * (np.var(e, ddof=1) - 1) / np.sqrt(8)
    assert res.excess_dispersion().statistic == pytest.approx(z)


def test_nonconvergence_flagged():
    x = rd.ACD().simulate([0.1, 0.1, 0.8], 2000, seed=4)
    with pytest.warns(ConvergenceWarning):
        res = rd.ACD().fit(x, maxiter=1, starting_values=[0.5, 0.5, 0.1])
    assert res.converged is False
    assert "not converged" in str(res)


def test_nan_policy():
    x = rd.ACD().simulate([0.1, 0.1, 0.8], 500, seed=4)
    s = pd.Series(x, index=pd.date_range("2021-01-04", periods=500, freq="s"))
    s.iloc[10] = np.nan
    with pytest.raises(InputError, match="NaN"):
        rd.ACD().fit(s)
    res = rd.ACD().fit(s, nan_policy="omit")
    assert len(res.durations) == 499
    assert s.index[10] not in res.durations.index


@pytest.mark.parametrize(
    ("spec", "data", "match"),
    [
        (rd.ACD(), np.r_[np.ones(50), 0.0], "zero"),
        (rd.ACD(), np.r_[np.linspace(1, 2, 50), -1.0], "positive"),
        (rd.ACD(), np.ones(100), "constant"),
        (rd.ACD(), np.linspace(1, 2, 10), "at least"),
        (rd.ACD(), np.c_[np.ones(50), np.ones(50)], "1-dimensional"),
        (rd.ACD(), pd.DataFrame({"a": np.linspace(1, 2, 50)}), "DataFrame"),
        (rd.ACD(), np.array(["a"] * 50), "real numbers"),
        (rd.ACD(), np.r_[np.linspace(1, 2, 50), np.inf], "infinite"),
        (rd.ACD(dist="lognormal"), np.linspace(1, 2, 50), "dist"),
        (rd.ACD(p=0), np.linspace(1, 2, 50), "p must be"),
        (rd.ACD(start="zero"), np.linspace(1, 2, 50), "start"),
        (rd.LogACD(type=3), np.linspace(1, 2, 50), "type"),
        (
            rd.ACD(),
            pd.Series(np.linspace(1, 2, 50), index=pd.date_range("2021", periods=50)[::-1]),
            "sorted",
        ),
    ],
)
def test_bad_input(spec, data, match):
    with pytest.raises(InputError, match=match):
        spec.fit(data)


def test_bad_params_for_simulate_and_starting_values():
    with pytest.raises(InputError, match="params"):
        rd.ACD(dist="weibull").simulate([0.1, 0.1, 0.8], 10)
    with pytest.raises(InputError, match="starting_values"):
        rd.ACD().fit(np.linspace(1, 2, 50), starting_values=[0.1])


def test_zero_durations_from_keep_policy_refused():
    t = pd.to_datetime(["2020-01-02 10:00:00", "2020-01-02 10:00:00"] * 1).append(
        pd.date_range("2020-01-02 10:00:01", periods=60, freq="3s")
    )
    d = rd.durations(t, zero="keep")
    with pytest.raises(InputError, match="zero='aggregate'"):
        rd.ACD().fit(d)
    assert rd.ACD().fit(rd.durations(t) + np.linspace(0, 1, 60)).converged


def test_duplicated_zero_stamps_report_zeros_first():
    t = pd.to_datetime(["2020-01-02 10:00:00"] * 3).append(
        pd.date_range("2020-01-02 10:00:01", periods=60, freq="3s")
    )
    d = rd.durations(t, zero="keep")
    assert d.index.has_duplicates
    with pytest.raises(InputError, match="zero"):
        rd.ACD().fit(d)


def test_logacd_spec_repr():
    assert "type=2" in repr(rd.LogACD(type=2))
    assert repr(rd.ACD(dist="burr")) == "ACD(p=1, q=1, dist='burr', start='mean')"
