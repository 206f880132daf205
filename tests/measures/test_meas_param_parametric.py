"""Normal, Student t and skew-t VaR/ES: peers (scipy, arch), closed forms vs quad, contract."""

from __future__ import annotations

import math
import pickle
import warnings

import numpy as np
import pytest
import scipy.stats as st
from scipy.integrate import quad
from scipy.optimize import brentq

from riskkit import ConvergenceWarning, InputError
from riskkit.distributions import SkewT
from riskkit.measures import parametric as P
from riskkit.measures.parametric import (
    fit_skewt,
    fit_t,
    normal_var_es,
    skewt_var_es,
    t_var_es,
)

ALPHAS = np.array([0.001, 0.01, 0.025, 0.05, 0.1])


@pytest.fixture(scope="module")
def t_data():
    return 0.012 * np.random.default_rng(7).standard_t(4.5, 2500) + 0.0004


@pytest.fixture(scope="module")
def skew_data():
    return 0.015 * SkewT(5.0, -0.35).rvs(3000, seed=8) - 0.0002


def _numeric_var_es(pdf, alpha, lo, hi):
    """Oracle: VaR solves int_{-inf}^{q} pdf = alpha (brentq on quad); ES = -E[X | X <= q]."""
    cdf = lambda q: quad(pdf, -np.inf, q, limit=400, epsabs=1e-13, epsrel=1e-12)[0]  # noqa: E731
    q = brentq(lambda v: cdf(v) - alpha, lo, hi, xtol=1e-14, rtol=1e-13)
    tail = quad(lambda v: v * pdf(v), -np.inf, q, limit=400, epsabs=1e-14, epsrel=1e-12)[0]
    return -q, -tail / alpha


def test_normal_matches_formula_with_ddof1():
    x = np.random.default_rng(1).normal(0.001, 0.02, 300)
    var, es = normal_var_es(x, ALPHAS)
    m, s = x.mean(), x.std(ddof=1)
    np.testing.assert_allclose(var, -st.norm.ppf(ALPHAS, m, s), rtol=1e-12)
    oracle = [_numeric_var_es(lambda v: st.norm.pdf(v, m, s), a, -1.0, 1.0)[1] for a in ALPHAS]
    np.testing.assert_allclose(es, oracle, rtol=1e-8)


def test_t_fit_not_worse_than_scipy_and_matches_arch(t_data):
    from arch import arch_model

    f = fit_t(t_data)
    assert f.converged and f.nobs == t_data.size
    df, loc, scale = st.t.fit(t_data)
    ll_scipy = st.t.logpdf(t_data, df, loc, scale).sum()
    assert f.loglik >= ll_scipy - 1e-7 * abs(ll_scipy)
    # our loglik is the true log-likelihood of the fitted parameters
    ours = st.t.logpdf(t_data, f.nu, f.mu, f.sigma * math.sqrt((f.nu - 2) / f.nu)).sum()
    assert f.loglik == pytest.approx(ours, rel=1e-12)
    assert f.nu == pytest.approx(df, rel=1e-3)
    # arch: constant mean, constant variance, standardized t errors (fitted on 100 * x)
    res = arch_model(100 * t_data, mean="Constant", vol="Constant", dist="t").fit(disp="off")
    assert f.mu == pytest.approx(res.params["mu"] / 100, rel=1e-3, abs=1e-7)
    assert f.sigma == pytest.approx(math.sqrt(res.params["sigma2"]) / 100, rel=1e-4)
    assert f.nu == pytest.approx(res.params["nu"], rel=1e-3)
    assert f.loglik >= res.loglikelihood + t_data.size * math.log(100) - 1e-6


def test_skewt_fit_not_worse_than_arch(skew_data):
    from arch import arch_model

    f = fit_skewt(skew_data)
    assert f.converged
    res = arch_model(100 * skew_data, mean="Constant", vol="Constant", dist="skewt").fit(disp="off")
    ll_arch = res.loglikelihood + skew_data.size * math.log(100)
    assert f.loglik >= ll_arch - 1e-6
    assert f.eta == pytest.approx(res.params["eta"], rel=2e-3)
    assert f.lam == pytest.approx(res.params["lambda"], abs=2e-3)
    assert f.sigma == pytest.approx(math.sqrt(res.params["sigma2"]) / 100, rel=1e-3)
    z = (skew_data - f.mu) / f.sigma
    ours = SkewT(f.eta, f.lam).logpdf(z).sum() - skew_data.size * math.log(f.sigma)
    assert f.loglik == pytest.approx(ours, rel=1e-12)


def test_skewt_fit_on_real_data(sp500):
    """S&P 500 daily returns: left skew (lam < 0), fat tails, at least arch's likelihood."""
    from arch import arch_model

    x = sp500.to_numpy()[-2500:]
    f = fit_skewt(x)
    res = arch_model(100 * x, mean="Constant", vol="Constant", dist="skewt").fit(disp="off")
    assert f.loglik >= res.loglikelihood + x.size * math.log(100) - 1e-6
    assert f.lam < 0 and 2.05 < f.eta < 10


@pytest.mark.parametrize("method", ["t", "skewt"])
def test_closed_form_var_es_equal_numerical_integration(method, t_data, skew_data):
    if method == "t":
        x, fit, fn = t_data, fit_t(t_data), t_var_es
        d = fit.distribution
    else:
        x, fit, fn = skew_data, fit_skewt(skew_data), skewt_var_es
        d = fit.distribution
    pdf = lambda v: d.pdf((v - fit.mu) / fit.sigma) / fit.sigma  # noqa: E731
    var, es = fn(x, ALPHAS)
    for a, v, e in zip(ALPHAS, var, es):
        v_num, e_num = _numeric_var_es(pdf, a, -2.0, 0.5)
        assert v == pytest.approx(v_num, rel=1e-8)
        assert e == pytest.approx(e_num, rel=1e-7)


@pytest.mark.parametrize("fn", [normal_var_es, t_var_es, skewt_var_es])
def test_contract_shape_es_above_var_monotone(fn, skew_data):
    var, es = fn(skew_data, ALPHAS)
    assert isinstance(var, np.ndarray) and var.shape == ALPHAS.shape == es.shape
    assert np.all(es >= var)
    assert np.all(np.diff(var) < 0) and np.all(np.diff(es) < 0)
    one_v, one_e = fn(skew_data, np.array([0.025]))
    assert one_v.shape == one_e.shape == (1,)
    assert one_v[0] == pytest.approx(var[2], rel=1e-9)
    assert one_e[0] == pytest.approx(es[2], rel=1e-9)


@pytest.mark.parametrize("fn", [t_var_es, skewt_var_es])
def test_scale_equivariance_without_warnings(fn, skew_data):
    var, es = fn(skew_data, ALPHAS)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        var_s, es_s = fn(1e-4 * skew_data, ALPHAS)
        var_b, es_b = fn(1e4 * skew_data + 3.0, ALPHAS)
    np.testing.assert_allclose(var_s, 1e-4 * var, rtol=1e-7)
    np.testing.assert_allclose(es_s, 1e-4 * es, rtol=1e-7)
    np.testing.assert_allclose(var_b, 1e4 * var - 3.0, rtol=1e-7)
    np.testing.assert_allclose(es_b, 1e4 * es - 3.0, rtol=1e-7)


def test_normal_data_gives_large_nu_close_to_normal_var():
    x = np.random.default_rng(3).normal(size=4000)
    f = fit_t(x)
    assert f.converged and f.nu > 30
    var_t, _ = t_var_es(x, np.array([0.05]))
    var_n, _ = normal_var_es(x, np.array([0.05]))
    assert var_t[0] == pytest.approx(var_n[0], rel=0.02)


def test_fit_results_are_picklable_and_print(t_data):
    f = fit_t(t_data)
    assert pickle.loads(pickle.dumps(f)) == f
    assert "Student t fit" in str(f) and "converged=True" in str(f)
    mu, sigma, nu, loglik, converged, nobs = f
    assert (mu, nu, loglik, converged) == (f.mu, f.nu, f.loglik, True)
    assert sigma > 0 and nobs == t_data.size
    g = fit_skewt(t_data)
    assert pickle.loads(pickle.dumps(g)) == g
    assert "skew-t" in str(g)


def test_minimum_observations_and_bad_input():
    x = np.random.default_rng(0).normal(size=15)
    with pytest.raises(InputError, match="needs at least 20"):
        skewt_var_es(x, ALPHAS)
    with pytest.raises(InputError, match="needs at least 10"):
        t_var_es(x[:9], ALPHAS)
    with pytest.raises(InputError, match="needs at least 10"):
        fit_t(x[:5])
    with pytest.raises(InputError, match="contains NaN"):
        fit_t(np.r_[x, np.nan])
    with pytest.raises(InputError, match="constant"):
        fit_skewt(np.ones(30))
    with pytest.raises(InputError, match="1-dimensional"):
        fit_t(np.ones((20, 2)))
    with pytest.raises(InputError, match="real numbers"):
        fit_t(np.array(["a"] * 20))


def test_non_convergence_is_flagged_and_warned(monkeypatch, t_data):
    real = P.optimize.minimize

    def failing(*args, **kwargs):
        res = real(*args, **{**kwargs, "options": {"maxiter": 1}})
        res.success = False
        return res

    monkeypatch.setattr(P.optimize, "minimize", failing)
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        f = fit_t(t_data)
    assert f.converged is False
    with pytest.warns(ConvergenceWarning, match="skew-t"):
        g = fit_skewt(t_data)
    assert g.converged is False


@pytest.mark.reference
@pytest.mark.parametrize("dist", ["t", "skewt"])
def test_fits_on_dmbp_reference_data_not_worse_than_arch(dist):
    """Bollerslev-Ghysels DEM/GBP returns (../shared/reference/dmbp.csv.gz): arch as peer."""
    from arch import arch_model
    from conftest import load_reference_csv

    x = load_reference_csv("dmbp.csv.gz")["ret"].to_numpy()
    f = fit_t(x) if dist == "t" else fit_skewt(x)
    res = arch_model(x, mean="Constant", vol="Constant", dist=dist).fit(disp="off")
    assert f.converged
    assert f.loglik >= res.loglikelihood - 1e-6
    assert f.mu == pytest.approx(res.params["mu"], abs=2e-4)
    assert f.sigma == pytest.approx(math.sqrt(res.params["sigma2"]), rel=1e-3)


def test_normal_es_at_975_matches_published_constant():
    """Standard normal 97.5% ES = 2.3378 and 99% VaR = 2.3263 (the tabulated constants behind
    the Basel "97.5% ES ~ 99% VaR" calibration; e.g. McNeil, Frey & Embrechts 2015, Sec. 2.3)."""
    var, es = normal_var_es(np.array([-1.0, 1.0]) / math.sqrt(2.0), np.array([0.025, 0.01]))
    assert es[0] == pytest.approx(2.3378, abs=1e-4)
    assert var[1] == pytest.approx(2.3263, abs=1e-4)


def test_degenerate_spike_is_flagged():
    """Mostly tied values: the t likelihood is unbounded as the scale -> 0."""
    x = np.r_[np.zeros(1000), np.random.default_rng(2).normal(size=30)]
    with pytest.warns(ConvergenceWarning, match="degenerate"):
        f = fit_t(x)
    assert f.converged is False
    with pytest.warns(ConvergenceWarning, match="degenerate"):
        g = fit_skewt(x)
    assert g.converged is False
