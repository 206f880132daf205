"""ES, density and expectile backtests: oracles, power, edge cases and bad input."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

import riskkit as rk
from riskkit.backtest import es_tests as es
from riskkit.backtest.scoring import pit

ALPHA = 0.025
Q = stats.norm.ppf(ALPHA)
VAR_N = -Q
ES_N = stats.norm.pdf(Q) / ALPHA  # normal ES at 2.5%


@pytest.fixture
def normal_sample():
    rng = np.random.default_rng(42)
    return rng.standard_normal(1500)


@pytest.fixture
def heavy_sample():
    # true law: 1.3 x unit-variance t(3); forecasts assume N(0, 1) (VaR and ES underestimated)
    rng = np.random.default_rng(7)
    return 1.3 * stats.t.rvs(3, size=1500, random_state=rng) / math.sqrt(3.0)


def _const(v, n):
    return np.full(n, v)


# --------------------------------------------------------------------------- Acerbi-Szekely


def test_acerbi_szekely_statistics_vs_hand(normal_sample):
    x = normal_sample
    n = x.size
    var, esv = _const(VAR_N, n), _const(ES_N, n)
    hit = x < -var
    z1 = es.acerbi_szekely(x, var, esv, ALPHA, test="z1", scale=1.0, n_sim=199, seed=0)
    z2 = es.acerbi_szekely(x, var, esv, ALPHA, test="z2", scale=1.0, n_sim=199, seed=0)
    assert z1.statistic == pytest.approx(np.mean(x[hit] / esv[hit]) + 1)
    assert z2.statistic == pytest.approx(np.sum(x[hit] / esv[hit]) / (n * ALPHA) + 1)


def test_acerbi_szekely_z3_expected_es_hat_vs_monte_carlo():
    # oracle: E[ES_hat] of the k smallest of n normal draws, by brute-force simulation
    n, k = 250, 6
    rng = np.random.default_rng(1)
    draws = np.sort(rng.standard_normal((40000, n)), axis=1)[:, :k]
    mc = -draws.mean()
    assert es._expected_es_hat(rk.distributions.Normal(), n, k) == pytest.approx(mc, rel=2e-3)
    t5 = rk.distributions.StudentT(5.0)
    draws = np.sort(t5.rvs(size=(20000, n), seed=2), axis=1)[:, :k]
    assert es._expected_es_hat(t5, n, k) == pytest.approx(-draws.mean(), rel=4e-3)


@pytest.mark.parametrize("test", ["z1", "z2", "z3"])
def test_acerbi_szekely_power_and_null(test, normal_sample, heavy_sample):
    n = normal_sample.size
    var, esv = _const(VAR_N, n), _const(ES_N, n)
    ok = es.acerbi_szekely(normal_sample, var, esv, ALPHA, test=test, scale=1.0, seed=3)
    bad = es.acerbi_szekely(heavy_sample, var, esv, ALPHA, test=test, scale=1.0, seed=3)
    assert ok.pvalue > 0.01
    assert bad.pvalue < 0.01 and bad.statistic < 0


def test_acerbi_szekely_sampler_equals_dist_route(normal_sample):
    n = normal_sample.size
    var, esv = _const(VAR_N, n), _const(ES_N, n)
    loc = pd.Series(np.zeros(n))
    x = pd.Series(normal_sample)

    def sampler(rng, m):
        return rk.distributions.Normal().rvs(size=(m, n), seed=rng)

    a = es.acerbi_szekely(x, var, esv, ALPHA, loc=loc, scale=1.0, seed=9, n_sim=299)
    b = es.acerbi_szekely(x, var, esv, ALPHA, sampler=sampler, seed=9, n_sim=299)
    assert a.statistic == b.statistic and a.pvalue == b.pvalue
    with pytest.raises(rk.InputError, match="shape"):
        es.acerbi_szekely(x, var, esv, ALPHA, sampler=lambda r, m: np.zeros((m, 3)))
    with pytest.raises(rk.InputError, match="z3"):
        es.acerbi_szekely(x, var, esv, ALPHA, test="z3", sampler=sampler)


def test_acerbi_szekely_z1_no_exception_convention():
    x = np.full(100, 0.5) + np.linspace(0, 0.1, 100)
    res = es.acerbi_szekely(x, _const(2.0, 100), _const(2.5, 100), 0.01, test="z1", scale=1.0)
    assert res.statistic == 0.0 and 0 < res.pvalue <= 1


# --------------------------------------------------------------------------- McNeil-Frey


def test_mcneil_frey_statistic_and_power(normal_sample, heavy_sample):
    n = normal_sample.size
    var, esv = _const(VAR_N, n), _const(ES_N, n)
    res = es.mcneil_frey(normal_sample, var, esv, seed=1)
    hit = -normal_sample > var
    e = -normal_sample[hit] - esv[hit]
    assert res.statistic == pytest.approx(stats.ttest_1samp(e, 0.0).statistic)
    assert res.pvalue > 0.01
    bad = es.mcneil_frey(heavy_sample, var, esv, seed=1)
    assert bad.pvalue < 0.01
    two = es.mcneil_frey(heavy_sample, var, esv, seed=1, alternative="two-sided")
    assert two.pvalue >= bad.pvalue
    # scale-invariance when residuals are standardized by sigma_t
    s = np.linspace(0.5, 2.0, n)
    a = es.mcneil_frey(normal_sample * s, var * s, esv * s, scale=s, seed=5)
    b = es.mcneil_frey(normal_sample, var, esv, seed=5)
    assert a.statistic == pytest.approx(b.statistic) and a.pvalue == b.pvalue


def test_mcneil_frey_too_few_exceptions():
    res = es.mcneil_frey(np.zeros(10) + 0.1, _const(1.0, 10), _const(1.2, 10))
    assert res.statistic == 0.0 and res.pvalue == 1.0


# --------------------------------------------------------------------------- Du-Escanciano


def test_du_escanciano_vs_hand(normal_sample):
    u = stats.norm.cdf(normal_sample)
    n = u.size
    h = np.array([(ALPHA - v) / ALPHA if v <= ALPHA else 0.0 for v in u])
    u_hand = math.sqrt(n) * (h.mean() - ALPHA / 2) / math.sqrt(ALPHA * (1 / 3 - ALPHA / 4))
    res = es.du_escanciano(u, ALPHA)
    assert res.statistic == pytest.approx(u_hand)
    x = h - ALPHA / 2
    rho = [sum(x[t] * x[t - j] for t in range(j, n)) / (n - j) / (x @ x / n) for j in (1, 2, 3)]
    c = es.du_escanciano(u, ALPHA, test="conditional", lags=3)
    assert c.statistic == pytest.approx(n * sum(r * r for r in rho))
    assert c.pvalue == pytest.approx(stats.chi2.sf(c.statistic, 3))


def test_du_escanciano_power(heavy_sample):
    u = stats.norm.cdf(heavy_sample)
    assert es.du_escanciano(u, ALPHA).pvalue < 0.01


# --------------------------------------------------------------------------- Berkowitz


def test_berkowitz_full_vs_statsmodels_arima(normal_sample):
    # peer: exact Gaussian AR(1) likelihood of statsmodels' ARIMA
    rng = np.random.default_rng(8)
    z = np.empty(600)
    z[0] = 0.0
    for t in range(1, 600):
        z[t] = 0.2 + 0.3 * z[t - 1] + 1.1 * rng.standard_normal()
    u = stats.norm.cdf(z)
    res = es.berkowitz(u)
    from statsmodels.tsa.arima.model import ARIMA

    fit = ARIMA(z, order=(1, 0, 0), trend="c").fit()
    lr = 2 * (fit.llf - stats.norm.logpdf(z).sum())
    assert res.statistic == pytest.approx(lr, rel=1e-4)
    assert res.details["rho"] == pytest.approx(fit.params[1], abs=2e-3)
    assert res.pvalue < 1e-6
    assert es.berkowitz(stats.norm.cdf(normal_sample)).pvalue > 0.01


def test_berkowitz_tail(normal_sample, heavy_sample):
    ok = es.berkowitz(stats.norm.cdf(normal_sample), ALPHA, test="tail")
    bad = es.berkowitz(stats.norm.cdf(heavy_sample), ALPHA, test="tail")
    assert ok.pvalue > 0.01 and bad.pvalue < 0.01
    # the fitted (mu, sigma) maximise the censored likelihood: compare with a grid
    z = stats.norm.ppf(stats.norm.cdf(heavy_sample))
    c = stats.norm.ppf(ALPHA)

    def ll(mu, s):
        tail = z < c
        return stats.norm.logpdf(z[tail], mu, s).sum() + (~tail).sum() * stats.norm.logsf(c, mu, s)

    best = ll(bad.details["mu"], bad.details["sigma"])
    for dm in (-0.05, 0.05):
        for ds in (-0.05, 0.05):
            assert ll(bad.details["mu"] + dm, bad.details["sigma"] + ds) <= best + 1e-9
    # no tail observation: LR = -2 n log(1 - alpha)
    none = es.berkowitz(np.linspace(0.2, 0.9, 50), 0.05, test="tail")
    assert none.statistic == pytest.approx(-2 * 50 * math.log(0.95))


def test_berkowitz_bad_pit():
    with pytest.raises(rk.InputError, match="inside"):
        es.berkowitz(np.array([0.1, 0.0, 0.5, 0.7]))
    with pytest.raises(rk.InputError, match="alpha"):
        es.berkowitz(np.array([0.1, 0.3, 0.5, 0.7]), test="tail")


# --------------------------------------------------------------------------- Nolde-Ziegel


def test_nolde_ziegel_simple_vs_hand(normal_sample):
    x = normal_sample
    n = x.size
    var, esv = _const(VAR_N, n), _const(ES_N, n)
    loss = -x
    hit = (loss > var).astype(float)
    z = np.column_stack([hit - ALPHA, var - esv + hit * (loss - var) / ALPHA])
    m = z.mean(0)
    omega = z.T @ z / n
    t_hand = n * m @ np.linalg.solve(omega, m)
    res = es.nolde_ziegel(x, var, esv, ALPHA, conditional=False)
    assert res.statistic == pytest.approx(t_hand)
    assert res.distribution == "chi2(2)"
    # constant forecasts make (1, VaR) collinear: rank 2 in the conditional test too
    assert es.nolde_ziegel(x, var, esv, ALPHA).distribution == "chi2(2)"


def test_nolde_ziegel_power(heavy_sample):
    n = heavy_sample.size
    s = np.linspace(0.8, 1.2, n)
    res = es.nolde_ziegel(heavy_sample * s, VAR_N * s, ES_N * s, ALPHA)
    assert res.distribution == "chi2(4)"
    assert res.pvalue < 0.01


# --------------------------------------------------------------------------- expectiles


def _normal_expectile(tau):
    from scipy import optimize

    def f(e):
        return tau * (stats.norm.pdf(e) - e * stats.norm.sf(e)) - (1 - tau) * (
            e * stats.norm.cdf(e) + stats.norm.pdf(e)
        )

    return optimize.brentq(f, -5, 5)


def test_expectile_identification_vs_hand_and_power(normal_sample):
    tau = 0.01
    e = _normal_expectile(tau)
    evar = _const(-e, normal_sample.size)
    res = es.expectile_identification(normal_sample, evar, tau, hac_lags=0)
    v = tau * np.maximum(normal_sample - e, 0) - (1 - tau) * np.maximum(e - normal_sample, 0)
    se = math.sqrt(np.sum((v - v.mean()) ** 2)) / v.size  # HC0 standard error of the mean
    assert res.statistic == pytest.approx(v.mean() / se, rel=1e-8)
    assert res.pvalue > 0.01
    bad = es.expectile_identification(normal_sample, evar * 0.7, tau)
    assert bad.pvalue < 1e-3
    # default Newey-West lags floor(4 (n/100)^(2/9)) = 7 for n = 1500; peer: statsmodels
    ols = sm.OLS(v, np.ones(v.size)).fit(cov_type="HAC", cov_kwds={"maxlags": 7})
    default = es.expectile_identification(normal_sample, evar, tau)
    assert default.details["hac_lags"] == 7
    assert default.statistic == pytest.approx(ols.tvalues[0], rel=1e-8)


def test_expectile_exceedance():
    rng = np.random.default_rng(2)
    x = rng.standard_normal(4000)
    tau = 0.01
    e = _normal_expectile(tau)
    p = stats.norm.cdf(e)  # exceedance probability of the normal tau-expectile
    res = es.expectile_exceedance(x, _const(-e, x.size), p)
    assert res.pvalue > 0.01
    assert es.expectile_exceedance(x, _const(-e, x.size), p / 3).pvalue < 1e-6


# --------------------------------------------------------------------------- bad input


def test_es_bad_input(normal_sample):
    n = normal_sample.size
    var, esv = _const(VAR_N, n), _const(ES_N, n)
    with pytest.raises(rk.InputError, match="es must be >= var"):
        es.mcneil_frey(normal_sample, var, var * 0.9)
    with pytest.raises(rk.InputError, match="scale"):
        es.acerbi_szekely(normal_sample, var, esv, ALPHA)
    with pytest.raises(rk.InputError, match="alpha"):
        es.nolde_ziegel(normal_sample, var, esv, 1.0)
    with pytest.raises(rk.InputError, match="NaN"):
        es.du_escanciano(np.array([0.1, np.nan, 0.3]), ALPHA)
    idx = pd.date_range("2020-01-01", periods=n, freq="D")
    with pytest.raises(rk.InputError, match="misaligned"):
        es.mcneil_frey(
            pd.Series(normal_sample, idx), pd.Series(var, idx + pd.Timedelta(days=1)), esv
        )
    with pytest.raises(rk.InputError, match="scale must be strictly positive"):
        pit(normal_sample, 0.0, -1.0)


def test_du_escanciano_monte_carlo_pvalue(normal_sample):
    u = stats.norm.cdf(normal_sample)
    a = es.du_escanciano(u, ALPHA, test="conditional", n_sim=199, seed=3)
    asym = es.du_escanciano(u, ALPHA, test="conditional")
    assert a.statistic == pytest.approx(asym.statistic)
    assert a.pvalue == es.du_escanciano(u, ALPHA, test="conditional", n_sim=199, seed=3).pvalue
    assert 0.005 <= a.pvalue <= 1


def test_simulation_blocks_cover_all_draws():
    assert es._chunks(10, 3, cells=9) == [3, 3, 3, 1]
    assert sum(es._chunks(2000, 5000)) == 2000


@pytest.mark.parametrize("c", [0.01, 100.0])
def test_es_tests_are_scale_invariant(c, heavy_sample):
    n = heavy_sample.size
    var, esv = np.full(n, VAR_N), np.full(n, ES_N)
    for fn in (
        lambda k: es.nolde_ziegel(k * heavy_sample, k * var, k * esv, ALPHA),
        lambda k: es.mcneil_frey(k * heavy_sample, k * var, k * esv, seed=1),
        lambda k: es.acerbi_szekely(
            k * heavy_sample, k * var, k * esv, ALPHA, test="z3", scale=k, seed=1, n_sim=199
        ),
    ):
        a, b = fn(1.0), fn(c)
        assert b.statistic == pytest.approx(a.statistic, rel=1e-8, abs=1e-10)
        assert b.pvalue == pytest.approx(a.pvalue, rel=1e-8)
