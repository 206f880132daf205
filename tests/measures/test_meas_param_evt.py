"""Peaks over threshold: GPD fit vs scipy, McNeil-Frey VaR/ES vs a scipy/quad oracle."""

from __future__ import annotations

import math
import pickle
import warnings

import numpy as np
import pytest
import scipy.stats as st
from scipy.integrate import quad

from riskkit import ConvergenceWarning, InputError, RiskkitWarning
from riskkit.measures import evt as E
from riskkit.measures.evt import MIN_EXCEEDANCES, evt_var_es, fit_gpd

ALPHAS = np.array([0.0005, 0.001, 0.005, 0.01, 0.05])


@pytest.mark.parametrize("xi", [-0.6, -0.2, 0.0, 0.25, 0.7])
@pytest.mark.parametrize("n", [30, 400])
def test_fit_gpd_agrees_with_scipy(xi, n):
    y = st.genpareto.rvs(xi, scale=1.7, size=n, random_state=np.random.default_rng(n + 100))
    f = fit_gpd(y)
    c, _, s = st.genpareto.fit(y, floc=0)
    ll_scipy = st.genpareto.logpdf(y, c, 0, s).sum()
    assert f.converged
    assert f.loglik >= ll_scipy - 1e-9 * abs(ll_scipy)
    assert f.loglik == pytest.approx(st.genpareto.logpdf(y, f.xi, 0, f.beta).sum(), rel=1e-12)
    assert f.xi == pytest.approx(c, abs=2e-4)
    assert f.beta == pytest.approx(s, rel=2e-4)


def test_fit_gpd_is_scale_equivariant_and_picklable():
    y = st.genpareto.rvs(0.3, scale=1.0, size=200, random_state=np.random.default_rng(4))
    f, g = fit_gpd(y), fit_gpd(1e-5 * y)
    assert g.xi == pytest.approx(f.xi, rel=1e-9)
    assert g.beta == pytest.approx(1e-5 * f.beta, rel=1e-9)
    assert pickle.loads(pickle.dumps(f)) == f
    xi, beta, loglik, converged = f
    assert (xi, beta, loglik) == (f.xi, f.beta, f.loglik)
    assert converged and "GPD fit" in str(f)


def test_fit_gpd_input_errors():
    with pytest.raises(InputError, match=f"at least {MIN_EXCEEDANCES}"):
        fit_gpd(np.ones(5))
    with pytest.raises(InputError, match="non-negative"):
        fit_gpd(np.r_[np.arange(1.0, 20.0), -1.0])
    with pytest.raises(InputError, match="constant"):
        fit_gpd(np.ones(20))
    with pytest.raises(InputError, match="NaN"):
        fit_gpd(np.r_[np.arange(1.0, 20.0), np.nan])


def _oracle(x, alpha, threshold=None, tail_fraction=0.1, fit=None):
    """VaR/ES of the POT tail model with a given GPD fit (default: scipy's), via scipy and quad."""
    loss = -x
    n = loss.size
    if threshold is None:
        k = math.floor(tail_fraction * n)
        u = np.sort(loss)[::-1][k]  # (k+1)-th largest loss
    else:
        u = threshold
    y = loss[loss > u] - u
    if fit is None:
        c, _, s = st.genpareto.fit(y, floc=0)
    else:
        c, s = fit(y)
    p_u = y.size / n
    # P(L > v) = p_u * sf_GPD(v - u) = alpha
    var = u + st.genpareto.isf(alpha / p_u, c, 0, s)
    # ES = (1/alpha) int_0^alpha VaR_p dp
    es = quad(lambda p: u + st.genpareto.isf(p / p_u, c, 0, s), 0, alpha, limit=200)[0] / alpha
    return var, es


def _ours(y):
    f = fit_gpd(y)
    return f.xi, f.beta


@pytest.mark.parametrize("df", [3.0, 6.0])
def test_var_es_match_scipy_oracle(df):
    x = 0.01 * np.random.default_rng(int(df)).standard_t(df, 4000) + 0.0003
    var, es = evt_var_es(x, ALPHAS)
    for a, v, e in zip(ALPHAS, var, es):
        # the McNeil-Frey formulas vs scipy's GPD quantile and a quad ES, same (xi, beta)
        v_o, e_o = _oracle(x, a, fit=_ours)
        assert v == pytest.approx(v_o, rel=1e-9)
        assert e == pytest.approx(e_o, rel=1e-8)
        # and end to end with scipy's own GPD fit
        v_s, e_s = _oracle(x, a)
        assert v == pytest.approx(v_s, rel=5e-4)
        assert e == pytest.approx(e_s, rel=5e-4)
    assert np.all(es > var) and np.all(np.diff(var) < 0) and np.all(np.diff(es) < 0)


def test_threshold_and_tail_fraction_options():
    x = 0.01 * np.random.default_rng(9).standard_t(4, 3000)
    v1, e1 = evt_var_es(x, ALPHAS, threshold=0.015)
    v_o, e_o = _oracle(x, 0.001, threshold=0.015)
    assert v1[1] == pytest.approx(v_o, rel=1e-4) and e1[1] == pytest.approx(e_o, rel=1e-4)
    v2, _ = evt_var_es(x, ALPHAS[:-1], tail_fraction=0.05)
    assert v2[1] == pytest.approx(_oracle(x, 0.001, tail_fraction=0.05)[0], rel=1e-4)
    with pytest.raises(InputError, match="not below N_u/n"):  # alpha = N_u/n is excluded
        evt_var_es(x, np.array([0.05]), tail_fraction=0.05)
    # the threshold takes precedence over tail_fraction
    v3, _ = evt_var_es(x, ALPHAS, threshold=0.015, tail_fraction=0.3)
    np.testing.assert_array_equal(v3, v1)


def test_translation_and_scale_equivariance_without_warnings():
    x = 0.01 * np.random.default_rng(12).standard_t(4, 2000)
    var, es = evt_var_es(x, ALPHAS)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        var2, es2 = evt_var_es(1e-3 * x - 0.5, ALPHAS)
    np.testing.assert_allclose(var2, 1e-3 * var + 0.5, rtol=1e-9)
    np.testing.assert_allclose(es2, 1e-3 * es + 0.5, rtol=1e-9)


def test_xi_zero_limit_is_continuous():
    t = np.array([0.5, 2.0, 4.0])
    np.testing.assert_array_equal(E._expm1_over(0.0, t), t)
    np.testing.assert_allclose(E._expm1_over(1e-9, t), t, rtol=1e-8)
    np.testing.assert_allclose(E._expm1_over(-1e-13, t), t, rtol=1e-12)
    np.testing.assert_allclose(E._expm1_over(0.5, t), (np.exp(0.5 * t) - 1) / 0.5, rtol=1e-14)


def test_infinite_mean_tail_gives_infinite_es_with_warning():
    rng = np.random.default_rng(1)
    x = -st.genpareto.rvs(1.6, size=3000, random_state=rng)
    with pytest.warns(RiskkitWarning, match="ES is infinite"):
        var, es = evt_var_es(x, ALPHAS)
    assert np.all(np.isinf(es)) and np.all(np.isfinite(var))


def test_input_errors():
    x = np.random.default_rng(0).standard_t(4, 500)
    with pytest.raises(InputError, match=r"alpha=0\.2 is not below N_u/n"):
        evt_var_es(x, np.array([0.01, 0.2]))
    with pytest.raises(InputError, match=r"needs at least 200"):
        evt_var_es(x[:150], ALPHAS, tail_fraction=0.05)
    with pytest.raises(InputError, match="leaves 0 exceedances"):
        evt_var_es(x, ALPHAS, threshold=1e6)
    with pytest.raises(InputError, match="tail_fraction must be"):
        evt_var_es(x, ALPHAS, tail_fraction=1.5)
    with pytest.raises(InputError, match="threshold must be a finite number"):
        evt_var_es(x, ALPHAS, threshold=np.inf)
    with pytest.raises(InputError, match="threshold must be a finite number"):
        evt_var_es(x, ALPHAS, threshold="high")


def test_non_convergence_is_flagged(monkeypatch):
    y = st.genpareto.rvs(0.2, size=100, random_state=np.random.default_rng(5))
    monkeypatch.setattr(E, "_fit_gpd_scaled", lambda y: (0.2, 1.0, False))
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        f = fit_gpd(y)
    assert f.converged is False
