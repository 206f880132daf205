"""Public behaviour: scale equivariance, bad input, convergence flags, pandas, filter, forecast."""

from __future__ import annotations

import itertools
import math
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import riskkit as rk
from riskkit import ConvergenceWarning, InputError
from riskkit.volatility import fit_windows


def _sim(n=1500, seed=0, mu=0.05, omega=0.05, alpha=0.08, gamma=0.0, beta=0.88):
    rng = np.random.default_rng(seed)
    z = rng.standard_normal(n + 200)
    e = np.empty(n + 200)
    s2 = omega / (1 - alpha - gamma / 2 - beta)
    for t in range(n + 200):
        if t:
            s2 = omega + (alpha + gamma * (e[t - 1] < 0)) * e[t - 1] ** 2 + beta * s2
        e[t] = math.sqrt(s2) * z[t]
    idx = pd.bdate_range("2001-01-01", periods=n)
    return pd.Series(mu + e[200:], index=idx, name="r")


@pytest.fixture(scope="module")
def r() -> pd.Series:
    return _sim()


@pytest.fixture(scope="module")
def res(r):
    return rk.GARCH(dist="t").fit(r)


def test_result_keeps_index_prints_and_pickles(r, res):
    assert res.conditional_volatility.index.equals(r.index)
    assert res.std_resid.index.equals(r.index)
    assert r.name == "r"  # caller's object untouched
    text = str(res)
    assert "omega" in text and "loglik" in text and "nu" in text
    back = pickle.loads(pickle.dumps(res))
    pd.testing.assert_series_equal(back.params, res.params)
    assert list(res.params.index) == ["mu", "omega", "alpha[1]", "beta[1]", "nu"]
    assert res.aic == pytest.approx(-2 * res.loglikelihood + 2 * 5)
    assert res.bic == pytest.approx(-2 * res.loglikelihood + math.log(res.nobs) * 5)
    np.testing.assert_allclose(res.tvalues, res.params / res.std_errors)
    assert ((res.pvalues >= 0) & (res.pvalues <= 1)).all()
    with pytest.raises(AttributeError):
        res.nobs = 3  # frozen


def test_ndarray_in_ndarray_out(r):
    out = rk.GARCH().fit(r.to_numpy())
    assert isinstance(out.conditional_volatility, np.ndarray)


@pytest.mark.parametrize(
    "spec", [rk.GARCH(), rk.GJR(dist="t"), rk.EGARCH(dist="ged"), rk.GARCH(init="fcp")]
)
def test_scale_equivariance(r, spec):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = spec.fit(r)
        b = spec.fit(0.01 * r)
    p, q = a.params, b.params
    assert q["mu"] == pytest.approx(0.01 * p["mu"], rel=1e-4, abs=1e-9)
    if isinstance(spec, rk.EGARCH):
        expect = p["omega"] + math.log(1e-4) * (1 - p["beta[1]"])
        assert q["omega"] == pytest.approx(expect, rel=1e-4)
    else:
        assert q["omega"] == pytest.approx(1e-4 * p["omega"], rel=1e-4)
    for name in p.index[2:]:
        assert q[name] == pytest.approx(p[name], rel=1e-4, abs=1e-6)
    assert b.loglikelihood == pytest.approx(a.loglikelihood + a.nobs * math.log(100), rel=1e-9)
    np.testing.assert_allclose(b.conditional_volatility, 0.01 * a.conditional_volatility, rtol=1e-4)


@settings(max_examples=5, deadline=None)
@given(st.floats(min_value=-4, max_value=4))
def test_scale_equivariance_property(logc):
    r = _sim(n=600, seed=5)
    c = 10.0**logc
    a = rk.GARCH(mean="zero").fit(r)
    b = rk.GARCH(mean="zero").fit(c * r)
    assert b.params["alpha[1]"] == pytest.approx(a.params["alpha[1]"], rel=1e-4, abs=1e-6)
    assert b.params["omega"] == pytest.approx(c * c * a.params["omega"], rel=1e-4)


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (np.ones(10), "at least"),
        (np.ones(500), "constant"),
        (np.r_[np.random.default_rng(1).standard_normal(300), np.nan], "NaN"),
        (np.r_[np.random.default_rng(1).standard_normal(300), np.inf], "infinite"),
        (np.array(["a"] * 300), "real numbers"),
        (1e12 * np.random.default_rng(1).standard_normal(300), "standard deviation"),
        (np.random.default_rng(1).standard_normal((300, 2)), "one series"),
    ],
)
def test_bad_input_raises(data, match):
    with pytest.raises(InputError, match=match):
        rk.GARCH().fit(data)


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        (rk.GARCH(p=0), "p must be"),
        (rk.GARCH(dist="cauchy"), "dist must be"),
        (rk.GARCH(init="zero"), "init must be"),
        (rk.GARCH(mean="arma", ar=1), "arma"),
        (rk.GARCH(mean="constant", ar=2), "ar/ma"),
        (rk.EWMA(lam=1.5), "lam"),
        (rk.GARCH(variance_targeting="yes"), "variance_targeting"),
    ],
)
def test_bad_spec_raises_in_fit(r, spec, match):
    with pytest.raises(InputError, match=match):
        spec.fit(r)


def test_nan_policy_omit(r):
    r2 = r.copy()
    r2.iloc[[10, 500]] = np.nan
    with pytest.raises(InputError, match="NaN"):
        rk.GARCH().fit(r2)
    out = rk.GARCH().fit(r2, nan_policy="omit")
    assert out.nobs == len(r) - 2
    ref = rk.GARCH().fit(r2.dropna())
    assert out.loglikelihood == pytest.approx(ref.loglikelihood, rel=1e-12)


def test_unsorted_index_raises(r):
    with pytest.raises(InputError, match="sorted"):
        rk.GARCH().fit(r.iloc[::-1])


def test_forced_non_convergence_flags_and_warns(r):
    with pytest.warns(ConvergenceWarning):
        out = rk.GARCH(dist="t").fit(r, maxiter=1)
    assert out.converged is False
    assert "converged: False" in str(out)


def test_exogenous_regressors_aligned_and_misaligned(r):
    rng = np.random.default_rng(2)
    x = pd.DataFrame({"x1": rng.standard_normal(len(r))}, index=r.index)
    y = r + 0.5 * x["x1"]
    out = rk.GARCH(x=x).fit(y)
    assert out.params["x1"] == pytest.approx(0.5, abs=0.05)
    with pytest.raises(InputError, match="index"):
        rk.GARCH(x=x.iloc[1:]).fit(y)
    with pytest.raises(InputError, match="index"):
        rk.GARCH(x=x.set_axis(x.index + pd.Timedelta(days=1))).fit(y)


def test_filter_and_append_continue_the_recursion(r):
    fit = rk.GJR(dist="t").fit(r.iloc[:1200])
    vol = fit.filter(r.iloc[1200:])
    assert vol.index.equals(r.index[1200:])
    # oracle: the same recursion run over the whole sample at fixed parameters
    th = fit.params
    e = (r - th["mu"]).to_numpy()
    s2 = fit.conditional_volatility.iloc[-1] ** 2
    expect = []
    prev_e = e[1199]
    for t in range(1200, len(r)):
        s2 = (
            th["omega"]
            + (th["alpha[1]"] + th["gamma[1]"] * (prev_e < 0)) * prev_e**2
            + th["beta[1]"] * s2
        )
        expect.append(math.sqrt(s2))
        prev_e = e[t]
    np.testing.assert_allclose(vol.to_numpy(), expect, rtol=1e-12)
    cont = fit.append(r.iloc[1200:])
    assert cont.conditional_volatility.index.equals(r.index)
    with pytest.raises(InputError, match="after the fitted sample"):
        fit.filter(r.iloc[1100:1300])


def test_forecast_one_step_closed_form(res):
    f = res.forecast(horizon=1, alpha=[0.01, 0.05])
    assert list(f.index) == [1]
    p = res.params
    e = res.resid.iloc[-1]
    s2 = p["omega"] + p["alpha[1]"] * e**2 + p["beta[1]"] * res.conditional_volatility.iloc[-1] ** 2
    assert f["variance"].iloc[0] == pytest.approx(s2, rel=1e-12)
    from scipy import stats

    nu = p["nu"]
    q = stats.t.ppf(0.01, nu) * math.sqrt((nu - 2) / nu)
    assert f["var_0.01"].iloc[0] == pytest.approx(-p["mu"] - math.sqrt(s2) * q, rel=1e-9)
    assert (f["es_0.01"] >= f["var_0.01"]).all() and (f["var_0.01"] >= f["var_0.05"]).all()


def test_forecast_simulation_agrees_with_analytic(res):
    a = res.forecast(horizon=5, alpha=0.05)
    s = res.forecast(horizon=5, alpha=0.05, method="simulation", n_sims=40_000, seed=3)
    np.testing.assert_allclose(s["variance"], a["variance"], rtol=0.03)
    assert s["var_0.05"].iloc[0] == pytest.approx(a["var_0.05"].iloc[0], rel=0.03)
    assert (s["cum_var_0.05"].diff().dropna() > 0).all()
    b1 = res.forecast(horizon=3, alpha=0.05, method="bootstrap", n_sims=2000, seed=1)
    b2 = res.forecast(horizon=3, alpha=0.05, method="bootstrap", n_sims=2000, seed=1)
    pd.testing.assert_frame_equal(b1, b2)
    with pytest.raises(InputError, match="alpha"):
        res.forecast(alpha=1.5)
    with pytest.raises(InputError, match="EGARCH"):
        rk.EGARCH().fit(_sim(600)).forecast(horizon=2)


def test_simulate_reproducible(res):
    a = res.simulate(300, seed=4)
    b = res.simulate(300, seed=4)
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == ["data", "volatility", "errors"]


def test_restricted_models(r):
    ig = rk.IGARCH().fit(r)
    assert ig.persistence == pytest.approx(1.0, abs=1e-12)
    ew = rk.EWMA(lam=None).fit(r)
    assert ew.params["alpha[1]"] + ew.params["beta[1]"] == pytest.approx(1.0)
    assert math.isnan(ew.std_errors["omega"])
    vt = rk.GARCH(variance_targeting=True).fit(r)
    e = r - vt.params["mu"]
    # omega = v (1 - persistence) with v the residual variance around the OLS mean
    v = float(np.mean((r - r.mean()) ** 2))
    assert vt.params["omega"] == pytest.approx(v * (1 - vt.persistence), rel=1e-9)
    assert np.isfinite(e).all()


def test_fit_windows_matches_single_fits(r):
    starts = np.arange(0, 60, 20)
    ends = starts + 800
    spec = rk.GARCH(dist="t")
    b = fit_windows(r, starts, ends, spec, alpha=[0.01])
    assert b.converged.all() and not b.retried.any()
    for w in range(len(starts)):
        one = spec.fit(r.iloc[starts[w] : ends[w]])
        f = one.forecast(1, alpha=0.01)
        assert b.loglikelihood[w] == pytest.approx(one.loglikelihood, abs=1e-5)
        np.testing.assert_allclose(b.params.iloc[w], one.params, rtol=1e-3, atol=1e-4)
        assert b.sigma2_next[w] == pytest.approx(f["variance"].iloc[0], rel=1e-4)
        assert b.var.iloc[w, 0] == pytest.approx(f["var_0.01"].iloc[0], rel=1e-4)
        assert b.forecast_index[w] == r.index[ends[w]]
    with pytest.raises(InputError, match="window"):
        fit_windows(r, np.array([0]), np.array([20]), spec)
    with pytest.raises(InputError, match="exogenous"):
        fit_windows(r, starts, ends, rk.GARCH(x=pd.DataFrame({"a": r})))


def test_fit_windows_scipy_path_for_targeting(r):
    starts = np.array([0, 10])
    ends = starts + 700
    spec = rk.GARCH(variance_targeting=True)
    b = fit_windows(r, starts, ends, spec, alpha=0.05)
    assert b.method == "scipy"
    one = spec.fit(r.iloc[10:710])
    assert b.loglikelihood[1] == pytest.approx(one.loglikelihood, abs=1e-5)


def test_one_column_frame_is_its_series(r):
    a = rk.GARCH().fit(r.to_frame())
    b = rk.GARCH().fit(r)
    assert a.loglikelihood == pytest.approx(b.loglikelihood, rel=1e-12)
    assert a.conditional_volatility.index.equals(r.index)


def test_fit_windows_flags_non_convergence(r):
    starts = np.array([0, 50])
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        b = fit_windows(r, starts, starts + 700, rk.GARCH(dist="t"), maxiter=1)
    assert not b.converged.any() and b.retried.all()  # the refit (maxiter=1) fails too
    assert np.isfinite(b.loglikelihood).all()


_CACHE: dict = {}


def _fit_skewt():
    if "fit" not in _CACHE:
        _CACHE["fit"] = rk.GARCH(dist="skewt").fit(_sim(n=800, seed=11))
    return _CACHE["fit"]


@settings(max_examples=10, deadline=None)
@given(st.lists(st.floats(min_value=0.001, max_value=0.2), min_size=2, max_size=4, unique=True))
def test_forecast_risk_columns_are_coherent(levels):
    f = _fit_skewt().forecast(horizon=3, alpha=levels)
    lv = sorted(float(a) for a in levels)
    assert f.shape[1] == 2 + 4 * len(lv)  # one column set per level, none overwritten
    for a in lv:
        assert (f[f"es_{a!r}"] >= f[f"var_{a!r}"] - 1e-12).all()
        assert (f[f"cum_es_{a!r}"] >= f[f"cum_var_{a!r}"] - 1e-12).all()
    for lo, hi in itertools.pairwise(lv):  # smaller tail probability = larger loss
        assert (f[f"var_{lo!r}"] >= f[f"var_{hi!r}"] - 1e-12).all()


@pytest.mark.parametrize(
    "spec",
    [rk.GARCH(dist="t"), rk.EGARCH(dist="skewt"), rk.GARCH(mean="ar", ar=1)],
    ids=["garch-t", "egarch-skewt", "ar1-garch"],
)
def test_fit_windows_has_no_look_ahead(r, spec):
    """Altering the returns after a window's end leaves that window's estimates and
    one-step forecast bit-for-bit unchanged (each window is scaled by its own standard
    deviation and warm-started only from earlier windows)."""
    starts = np.arange(0, 40, 4)
    ends = starts + 600
    k = 5  # windows 0..k end at or before position ends[k]
    changed = r.copy()
    changed.iloc[ends[k] + 1 :] = 30.0 * changed.iloc[ends[k] + 1 :]  # a much wilder future
    a = fit_windows(r, starts, ends, spec, alpha=[0.01, 0.05])
    b = fit_windows(changed, starts, ends, spec, alpha=[0.01, 0.05])
    assert a.converged.all() and b.converged.all()
    upto = slice(0, k + 1)
    np.testing.assert_array_equal(a.params.iloc[upto], b.params.iloc[upto])
    np.testing.assert_array_equal(a.sigma2_next[upto], b.sigma2_next[upto])
    np.testing.assert_array_equal(a.mean_next[upto], b.mean_next[upto])
    np.testing.assert_array_equal(a.var.iloc[upto], b.var.iloc[upto])
    np.testing.assert_array_equal(a.es.iloc[upto], b.es.iloc[upto])
    # the change does reach the windows that contain it
    assert not np.allclose(a.params.iloc[k + 1 :], b.params.iloc[k + 1 :])


def test_fit_windows_flags_unusable_windows(r):
    """A window of constant returns cannot be scaled: flagged and NaN, the others fitted."""
    x = r.to_numpy().copy()
    x[:300] = 0.0
    starts = np.array([0, 400])
    with pytest.warns(ConvergenceWarning, match="standard deviation outside"):
        b = fit_windows(x, starts, starts + 250, rk.GARCH())
    assert not b.converged[0] and np.isnan(b.params.iloc[0]).all()
    assert b.converged[1] and np.isfinite(b.params.iloc[1]).all()
