"""Exact expectiles (vs scipy.stats.expectile) and the expectile-based VaR/ES."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

import riskkit as rk
from riskkit.measures.evar import EVaRResult, matched_tau

TAUS = [0.001, 0.01, 0.05, 0.2, 0.5, 0.8, 0.99]


def foc(x, e, tau):
    """First-order condition of the tau-expectile (zero at the root)."""
    return (1 - tau) * np.maximum(e - x, 0).sum() - tau * np.maximum(x - e, 0).sum()


@pytest.mark.parametrize("n", [2, 3, 10, 1000, 20_000])
def test_expectile_equals_scipy(n, rng):
    x = rng.standard_t(3, n)
    got = rk.expectile(x, TAUS)
    want = [stats.expectile(x, t) for t in TAUS]
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-10)
    # and it is the exact root: the first-order condition vanishes to rounding
    scale = np.abs(x).sum()
    for e, t in zip(got, TAUS):
        assert abs(foc(x, e, t)) <= 1e-13 * scale


def test_expectile_ties_and_docstring_example():
    a = np.array([1.0, 4.0, 2.0, -1.0])
    assert rk.expectile(a, 0.2) == pytest.approx(stats.expectile(a, alpha=0.2), abs=1e-15)
    assert rk.expectile(a, 0.8) == pytest.approx(stats.expectile(a, alpha=0.8), abs=1e-15)
    x = np.repeat([-2.0, 0.0, 1.0, 5.0], [3, 10, 10, 2])
    for t in TAUS:
        assert rk.expectile(x, t) == pytest.approx(stats.expectile(x, t), abs=1e-12)


def test_expectile_real_data_and_layout(stocks):
    df = stocks.iloc[:, :4]
    out = rk.expectile(df, [0.01, 0.05])
    assert isinstance(out, pd.DataFrame) and out.index.name == "tau"
    for c in df.columns:
        for t in (0.01, 0.05):
            x = df[c].to_numpy()
            # scipy's secant search stops at ~1e-11 here; ours is the exact root
            assert out.loc[t, c] == pytest.approx(stats.expectile(x, t), abs=1e-10)
            assert abs(foc(x, out.loc[t, c], t)) <= 1e-13 * np.abs(x).sum()
    assert rk.expectile(df["AAPL"], 0.5) == pytest.approx(df["AAPL"].mean(), abs=1e-15)
    # return units: a low expectile of returns is negative
    assert (out.to_numpy() < 0).all()


def test_expectile_bad_input():
    with pytest.raises(rk.InputError, match="tau"):
        rk.expectile([0.1, 0.2, -0.3], tau=1.2)
    with pytest.raises(rk.InputError, match="NaN"):
        rk.expectile([0.1, np.nan, -0.3])
    assert rk.expectile([0.1, np.nan, -0.3], 0.5, nan_policy="omit") == pytest.approx(-0.1)


# ---------------------------------------------------------------- EVaR ---------------------
def test_empirical_evar_is_the_historical_quantile(sp500):
    levels = [0.01, 0.025, 0.05]
    res = rk.evar(sp500, levels, return_tau=True)
    assert isinstance(res, EVaRResult)
    np.testing.assert_allclose(res.evar, rk.var(sp500, levels), rtol=1e-12)
    # tau = LPM1(q)/(LPM1(q)+UPM1(q)) at q = historical quantile, by brute force
    x = sp500.to_numpy()
    for a in levels:
        q = -rk.var(sp500, a)
        lpm = np.maximum(q - x, 0).mean()
        upm = np.maximum(x - q, 0).mean()
        assert res.tau[a] == pytest.approx(lpm / (lpm + upm), rel=1e-12)
        # the tau-expectile is q itself
        assert rk.expectile(sp500, res.tau[a]) == pytest.approx(q, rel=1e-12)
    assert "tau" in str(res) and "evar" in str(res)


def test_taylor_es_equals_acerbi_tasche_when_n_alpha_is_integer(rng):
    # with e_tau = q and tau = LPM/(LPM+UPM), Taylor's formula reduces to the mean of the
    # k = n alpha smallest values: the Acerbi–Tasche ES
    x = rng.standard_t(4, 1000)
    for a in (0.01, 0.02, 0.05):
        res = rk.evar(x, a, return_tau=True)
        assert res.es == pytest.approx(rk.es(x, a), rel=1e-12)


def test_taylor_es_formula_with_given_tau(rng):
    x = rng.standard_normal(500) + 0.1
    tau, a = 0.01, 0.05
    res = rk.evar(x, a, tau=tau, return_tau=True)
    e = stats.expectile(x, tau)
    c = tau / ((1 - 2 * tau) * a)
    assert res.evar == pytest.approx(-e, abs=1e-10)
    assert res.tau == tau
    assert res.es == pytest.approx(-((1 + c) * e - c * x.mean()), abs=1e-9)
    assert res.match == "given"


def test_normal_matched_tau_by_integration():
    for a in (0.01, 0.05):
        q = stats.norm.ppf(a)
        lpm, _ = integrate.quad(lambda z, q=q: (q - z) * stats.norm.pdf(z), -np.inf, q)
        upm, _ = integrate.quad(lambda z, q=q: (z - q) * stats.norm.pdf(z), q, np.inf)
        assert matched_tau(a, "normal") == pytest.approx(lpm / (lpm + upm), rel=1e-8)


class _ScipyNormal:
    """A duck-typed standardized distribution (ppf, partial_moment) built on scipy."""

    def ppf(self, p):
        return stats.norm.ppf(p)

    def partial_moment(self, q, k=1):
        if k == 0:
            return stats.norm.cdf(q)
        return integrate.quad(lambda z: z**k * stats.norm.pdf(z), -np.inf, q)[0]


def test_distribution_match_and_normal_match(rng):
    x = rng.standard_normal(2000)
    a = rk.evar(x, [0.01, 0.05], match="normal", return_tau=True)
    b = rk.evar(x, [0.01, 0.05], match=_ScipyNormal(), return_tau=True)
    np.testing.assert_allclose(a.tau, b.tau, rtol=1e-8)
    np.testing.assert_allclose(a.evar, -rk.expectile(x, a.tau), rtol=1e-12)
    # for a normal sample the normal-matched EVaR is close to the true quantile
    assert a.evar[0] == pytest.approx(-stats.norm.ppf(0.01), rel=0.1)


def test_distributions_module_if_present(rng):
    dist = pytest.importorskip("riskkit.distributions")
    if not hasattr(dist, "Normal"):
        pytest.skip("riskkit.distributions.Normal not available yet")
    x = rng.standard_normal(300)
    np.testing.assert_allclose(
        rk.evar(x, 0.01, match=dist.Normal(), return_tau=True).tau,
        rk.evar(x, 0.01, match="normal", return_tau=True).tau,
        rtol=1e-8,
    )


def test_evar_layouts_and_errors(stocks):
    df = stocks.iloc[:, :3]
    res = rk.evar(df, [0.01, 0.05], return_tau=True)
    assert isinstance(res.evar, pd.DataFrame) and res.evar.shape == (2, 3)
    assert res.to_frame().shape == (6, 3)
    assert isinstance(rk.evar(df["AAPL"], 0.01), float)
    with pytest.raises(rk.InputError, match=r"below 0\.5"):
        rk.evar(df, 0.6)
    with pytest.raises(rk.InputError, match=r"tau must be below 0\.5"):
        rk.evar(df, 0.01, tau=0.7)
    with pytest.raises(rk.InputError, match="match must be one of"):
        rk.evar(df, 0.01, match="entropic")
