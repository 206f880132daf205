"""CARE: expectile dynamics by ALS, tau calibration and ES from expectiles."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from conftest import reference_path
from scipy import integrate, optimize, stats

from riskkit import InputError
from riskkit.regression.care import CARE, empirical_expectile


def normal_expectile(tau: float) -> float:
    """tau-expectile of N(0,1) from its definition (numerical integrals, an oracle)."""

    def foc(e):
        up = integrate.quad(lambda z: (z - e) * stats.norm.pdf(z), e, np.inf)[0]
        lo = integrate.quad(lambda z: (e - z) * stats.norm.pdf(z), -np.inf, e)[0]
        return tau * up - (1 - tau) * lo

    return optimize.brentq(foc, -10, 10, xtol=1e-14)


def simulate_expectile_sav(rng, n, b, tau):
    """y_t = s_t z_t with SAV scale; the tau-expectile is s_t e_tau(z), i.e. CARE-SAV with
    parameters (c b0, b1, c b2), c = -e_tau(z)."""
    z = rng.standard_normal(n)
    y = np.empty(n)
    s = b[0] / (1 - b[1] - b[2] * np.sqrt(2 / np.pi))
    for t in range(n):
        if t:
            s = b[0] + b[1] * s + b[2] * abs(y[t - 1])
        y[t] = s * z[t]
    c = -normal_expectile(tau)
    return y, np.array([c * b[0], b[1], c * b[2]])


def test_empirical_expectile_matches_definition(rng):
    y = rng.standard_t(4, size=500)
    for tau in (0.01, 0.1, 0.5, 0.8):
        e = empirical_expectile(y, tau)
        w = np.where(y < e, 1 - tau, tau)
        assert abs(np.sum(w * (y - e))) < 1e-9
    assert empirical_expectile(y, 0.5) == pytest.approx(y.mean())


def test_parameters_recovered_on_simulated_expectile_model():
    rng = np.random.default_rng(11)
    tau = 0.05
    y, true = simulate_expectile_sav(rng, 5000, (0.05, 0.85, 0.10), tau)
    res = CARE("symmetric_absolute_value", tau=tau, seed=2).fit(y)
    assert res.converged
    z = (res.params.to_numpy() - true) / res.std_errors.to_numpy()
    assert np.all(np.abs(z) < 4), (res.params, true, res.std_errors)
    assert res.params.iloc[1] == pytest.approx(true[1], abs=0.05)
    # the implied alpha is the in-sample exceedance rate; for N(0,1) it is Phi(e_tau)
    assert res.alpha == pytest.approx(res.exceedance_rate)
    assert abs(res.alpha - stats.norm.cdf(normal_expectile(tau))) < 0.01


def test_tau_calibration_hits_alpha_within_one_observation():
    rng = np.random.default_rng(5)
    y, _ = simulate_expectile_sav(rng, 2500, (0.05, 0.85, 0.10), 0.05)
    alpha = 0.02
    res = CARE("asymmetric_slope", alpha=alpha, seed=1).fit(y)
    assert res.calibrated and 0 < res.tau < alpha
    assert abs(res.exceedance_rate * 2500 - alpha * 2500) <= 1.0
    var = np.asarray(res.var)
    assert abs((y < -var).sum() - alpha * 2500) <= 1.0
    # Taylor's ES for zero-mean returns
    factor = 1 + res.tau / ((1 - 2 * res.tau) * alpha)
    np.testing.assert_allclose(np.asarray(res.es), factor * var)
    assert np.all(np.asarray(res.es) >= var)


@pytest.mark.reference
def test_calibration_on_real_data_with_out_of_sample():
    d = pd.read_csv(reference_path("caviar_gm_ibm_sp500.csv.gz"))
    res = CARE("symmetric_absolute_value", alpha=0.01, seed=0, in_sample=2892).fit(d["IBM"])
    assert abs(res.exceedance_rate * 2892 - 28.92) <= 1.0
    assert len(res.out_of_sample.var) == 500
    ins = CARE("symmetric_absolute_value", tau=res.tau, seed=0).fit(d["IBM"].iloc[:2892])
    assert ins.als <= res.als * (1 + 1e-8)
    fc = ins.forecast()
    assert fc["es"] == pytest.approx(fc["var"] * ins.es_factor)


def test_expected_shortfall_formula_general_form(rng):
    # E[y | y < mu] = (1 + k) mu - k E[y], k = tau / ((1 - 2 tau) alpha): exact in-sample identity
    # for the sample expectile with alpha the empirical share below it
    y = rng.standard_t(5, size=20000) + 0.3
    tau = 0.01
    mu = empirical_expectile(y, tau)
    alpha = np.mean(y < mu)
    k = tau / ((1 - 2 * tau) * alpha)
    assert y[y < mu].mean() == pytest.approx((1 + k) * mu - k * y.mean(), rel=1e-9)


def test_result_pickles_prints_and_filters(rng):
    y, _ = simulate_expectile_sav(rng, 1200, (0.05, 0.85, 0.10), 0.05)
    r = pd.Series(y, index=pd.date_range("2000-01-03", periods=1200, freq="B"))
    res = CARE("indirect_garch", tau=0.05, seed=3, n_draws=500, n_starts=4).fit(r.iloc[:1000])
    assert res.var.index.equals(r.index[:1000])
    nxt = res.filter(r.iloc[1000:])
    assert nxt.index.equals(r.index[1000:])
    assert nxt.iloc[0] == pytest.approx(res.forecast()["var"])
    again = pickle.loads(pickle.dumps(res))
    assert again.tau == res.tau
    assert "CARE (indirect_garch)" in str(res)


def test_scale_equivariance(rng):
    y, _ = simulate_expectile_sav(rng, 1500, (0.05, 0.85, 0.10), 0.05)
    a = CARE("indirect_garch", tau=0.05, seed=4, n_draws=300, n_starts=3).fit(y)
    b = CARE("indirect_garch", tau=0.05, seed=4, n_draws=300, n_starts=3).fit(100 * y)
    np.testing.assert_allclose(b.params.to_numpy(), a.params.to_numpy() * [1e4, 1, 1], rtol=1e-6)
    assert b.als == pytest.approx(1e4 * a.als, rel=1e-8)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"tau": 0.05, "alpha": 0.01}, "exactly one"),
        ({}, "exactly one"),
        ({"tau": 0.7}, "tau"),
        ({"tau": -0.1}, "tau"),
        ({"alpha": 0.6}, "alpha"),
        ({"spec": "adaptive", "tau": 0.05}, "spec"),
        ({"tau": 0.05, "init_window": 5000}, "init_window"),
    ],
)
def test_bad_input_raises(kwargs, match, rng):
    with pytest.raises(InputError, match=match):
        CARE(**kwargs).fit(rng.normal(size=700))


def test_bad_data_raises():
    with pytest.raises(InputError, match="NaN"):
        CARE(tau=0.05).fit(np.r_[np.nan, np.arange(400.0)])
    with pytest.raises(InputError, match="constant"):
        CARE(tau=0.05).fit(np.zeros(400))
