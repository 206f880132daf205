"""VaR coverage, duration and traffic-light tests: published examples, oracles, edge cases."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, stats

import riskkit as rk
from riskkit.backtest import tests as bt
from riskkit.backtest.traffic_light import traffic_light, traffic_light_table

# --------------------------------------------------------------------------- published values
# MathWorks Risk Management Toolbox documentation, varbacktest examples on the data set
# VaRBacktestData (EquityIndex, Normal95): 1043 observations, 57 failures at VaRLevel 0.95,
# first failure on day 58, transitions N00=932, N10=53, N01=53, N11=4.
MW_N, MW_X, MW_ALPHA = 1043, 57, 0.05


def test_kupiec_mathworks_pof():
    # varbacktest/pof: LRatioPOF 0.46147, PValuePOF 0.49694
    res = bt.kupiec(n_obs=MW_N, n_exceptions=MW_X, alpha=MW_ALPHA)
    assert res.statistic == pytest.approx(0.46147, abs=5e-6)
    assert res.pvalue == pytest.approx(0.49694, abs=5e-6)


def test_kupiec_mathworks_pof_decisions():
    # MathWorks risk.validation.proportionOfFailuresTest example: 3 events in 250 trials,
    # probabilities 0.05 and 0.01 at the 95% level -> hPOFTest = [1; 0] (reject, accept)
    assert bt.kupiec(n_obs=250, n_exceptions=3, alpha=0.05).reject(0.05)
    assert not bt.kupiec(n_obs=250, n_exceptions=3, alpha=0.01).reject(0.05)


def test_tuff_mathworks():
    # varbacktest/tuff: FirstFailure 58, LRatioTUFF 1.7354, PValueTUFF 0.18773
    res = bt.tuff(first_failure=58, n_obs=MW_N, alpha=MW_ALPHA)
    assert res.statistic == pytest.approx(1.7354, abs=5e-5)
    assert res.pvalue == pytest.approx(0.18773, abs=5e-6)


def test_binomial_normal_mathworks():
    # varbacktest/bin: ZScoreBin 0.68905, PValueBin 0.49079 (two-sided)
    res = bt.binomial(n_obs=MW_N, n_exceptions=MW_X, alpha=MW_ALPHA, method="normal")
    assert res.statistic == pytest.approx(0.68905, abs=5e-6)
    assert res.pvalue == pytest.approx(0.49079, abs=5e-6)


def test_christoffersen_mathworks_cc_and_cci():
    # varbacktest/cc: LRatioCC 0.72013, PValueCC 0.69763; LRatioCCI 0.25866, PValueCCI 0.61104
    res = bt.christoffersen(
        transitions=(932, 53, 53, 4), n_obs=MW_N, n_exceptions=MW_X, alpha=MW_ALPHA
    )
    assert res.statistic == pytest.approx(0.72013, abs=5e-6)
    assert res.pvalue == pytest.approx(0.69763, abs=5e-6)
    assert res.details["lr_ind"] == pytest.approx(0.25866, abs=5e-6)
    ind = bt.christoffersen(transitions=(932, 53, 53, 4), alpha=MW_ALPHA, test="ind")
    assert ind.statistic == pytest.approx(0.25866, abs=5e-6)
    assert ind.pvalue == pytest.approx(0.61104, abs=5e-6)


def test_haas_mixed_is_pof_plus_tbfi_mathworks_relation():
    # varbacktest/tbf: LRatioTBF 88.952 = LRatioPOF 0.46147 + LRatioTBFI 88.491 on chi2(58),
    # PValueTBF 0.0055565, PValueTBFI 0.0047475 (chi2(57)); checks the degrees of freedom.
    assert stats.chi2.sf(88.952, MW_X + 1) == pytest.approx(0.0055565, rel=1e-3)
    assert stats.chi2.sf(88.491, MW_X) == pytest.approx(0.0047475, rel=1e-3)
    rng = np.random.default_rng(5)
    h = (rng.random(MW_N) < 0.055).astype(float)
    mixed, ind = bt.haas(hits=h, alpha=MW_ALPHA), bt.haas(hits=h, alpha=MW_ALPHA, test="tbfi")
    pof = bt.kupiec(hits=h, alpha=MW_ALPHA)
    assert mixed.statistic == pytest.approx(pof.statistic + ind.statistic, rel=1e-12)
    x = int(h.sum())
    assert mixed.pvalue == pytest.approx(stats.chi2.sf(mixed.statistic, x + 1))
    assert ind.pvalue == pytest.approx(stats.chi2.sf(ind.statistic, x))


# Basel Committee (1996), "Supervisory framework for the use of backtesting ...", Table 2:
# 250 observations, 99% VaR: cumulative probabilities (%), zones and plus factors.
BASEL = {
    0: (8.11, "green", 0.0),
    1: (28.58, "green", 0.0),
    2: (54.32, "green", 0.0),
    3: (75.81, "green", 0.0),
    4: (89.22, "green", 0.0),
    5: (95.88, "yellow", 0.40),
    6: (98.63, "yellow", 0.50),
    7: (99.60, "yellow", 0.65),
    8: (99.89, "yellow", 0.75),
    9: (99.97, "yellow", 0.85),
    10: (99.99, "red", 1.00),
}


@pytest.mark.parametrize("k", sorted(BASEL))
def test_traffic_light_basel_table(k):
    cum, zone, plus = BASEL[k]
    res = traffic_light(250, k, 0.01)
    assert round(100 * res.details["cumulative_probability"], 2) == pytest.approx(cum)
    assert res.details["zone"] == zone
    assert res.details["plus_factor"] == pytest.approx(plus)
    assert res.details["multiplier"] == pytest.approx(3 + plus)


def test_traffic_light_table_and_generalisation():
    table = traffic_light_table(250, 0.01)
    assert list(table.index) == list(range(11))
    assert table["zone"].iloc[-1] == "red"
    # a longer window at 1%: zones follow the same cumulative-probability cut-offs
    big = traffic_light_table(1000, 0.01)
    cum = stats.binom.cdf(big.index, 1000, 0.01)
    assert ((big["zone"] == "green") == (cum < 0.95)).all()
    assert ((big["zone"] == "red") == (cum >= 0.9999)).all()
    assert big["plus_factor"].is_monotonic_increasing
    assert traffic_light(250, 300 - 50, 0.01).details["zone"] == "red"


@given(n=st.integers(1, 2000), x=st.integers(0, 2000), alpha=st.floats(0.001, 0.5))
@settings(max_examples=80, deadline=None)
def test_traffic_light_zone_is_monotone(n, x, alpha):
    x = min(x, n)
    order = {"green": 0, "yellow": 1, "red": 2}
    z0 = order[traffic_light(n, x, alpha).details["zone"]]
    if x < n:
        assert order[traffic_light(n, x + 1, alpha).details["zone"]] >= z0


# --------------------------------------------------------------------------- oracles


def test_kupiec_equals_binomial_loglik_ratio():
    # peer: scipy's binomial log-pmf (the binomial coefficient cancels in the ratio)
    for n, x, a in [(250, 7, 0.01), (1000, 31, 0.05), (500, 0, 0.025), (40, 40, 0.1)]:
        lr = bt.kupiec(n_obs=n, n_exceptions=x, alpha=a).statistic
        oracle = 2 * (stats.binom.logpmf(x, n, x / n) - stats.binom.logpmf(x, n, a))
        assert lr == pytest.approx(oracle, rel=1e-10, abs=1e-10)


def test_christoffersen_ind_equals_g_test():
    # peer: the independence LR is the G statistic of the 2x2 transition table
    rng = np.random.default_rng(11)
    h = (rng.random(800) < 0.06).astype(float)
    h[100:104] = 1.0  # a cluster
    res = bt.christoffersen(hits=h, alpha=0.05, test="ind")
    d = res.details
    table = np.array([[d["n00"], d["n01"]], [d["n10"], d["n11"]]])
    g = stats.chi2_contingency(table, correction=False, lambda_="log-likelihood")[0]
    assert res.statistic == pytest.approx(g, rel=1e-10)
    # transitions counted by a slow loop
    counts = np.zeros((2, 2), dtype=int)
    for a, b in itertools.pairwise(h):
        counts[int(a), int(b)] += 1
    assert np.array_equal(table, counts)


def test_tuff_from_data_equals_counts():
    h = np.zeros(300)
    h[[44, 200]] = 1.0
    r_data = bt.tuff(hits=h, alpha=0.02)
    r_count = bt.tuff(first_failure=45, n_obs=300, alpha=0.02)
    assert r_data.statistic == pytest.approx(r_count.statistic)
    # no failure: censored convention -2 n log(1 - alpha)
    r0 = bt.tuff(hits=np.zeros(300), alpha=0.02)
    assert r0.statistic == pytest.approx(-2 * 300 * math.log(0.98))
    assert r0.details["censored"]


def _weibull_cp_oracle(h):
    """Slow oracle: the censored Weibull likelihood maximised over (a, b) jointly."""
    t = np.flatnonzero(h) + 1
    n = h.size
    d, c = [], []
    if h[0] == 0:
        d.append(t[0])
        c.append(1)
    d += list(np.diff(t))
    c += [0] * (len(t) - 1)
    if h[-1] == 0:
        d.append(n - t[-1])
        c.append(1)
    d, c = np.array(d, float), np.array(c, float)

    def ll(a, b):
        dist = stats.weibull_min(b, scale=1.0 / a)
        return np.sum((1 - c) * dist.logpdf(d) + c * dist.logsf(d))

    ll0 = -optimize.minimize_scalar(lambda la: -ll(math.exp(la), 1.0), (-5, 0)).fun
    res = optimize.minimize(
        lambda th: -ll(math.exp(th[0]), math.exp(th[1])),
        [math.log(1 / d.mean()), 0.0],
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 5000},
    )
    return 2 * (-res.fun - ll0), math.exp(res.x[1])


@pytest.mark.parametrize("seed", [1, 2])
def test_christoffersen_pelletier_vs_joint_mle(seed):
    rng = np.random.default_rng(seed)
    h = (rng.random(1500) < 0.03).astype(float)
    res = bt.christoffersen_pelletier(hits=h, alpha=0.03)
    lr, b = _weibull_cp_oracle(h)
    assert res.statistic == pytest.approx(lr, rel=1e-5, abs=1e-6)
    assert res.details["weibull_b"] == pytest.approx(b, rel=1e-4)


def test_duration_tests_detect_clustering():
    # hits in bursts: memoryless durations rejected, coverage still right
    h = np.zeros(2000)
    starts = np.arange(15, 2000, 100)
    for s in starts:
        h[s : s + 5] = 1.0
    assert bt.christoffersen_pelletier(hits=h, alpha=0.05).pvalue < 1e-3
    assert bt.christoffersen(hits=h, alpha=0.05, test="ind").pvalue < 1e-6
    assert bt.haas(hits=h, alpha=0.05, test="tbfi").pvalue < 1e-6


def test_monte_carlo_pvalues_reproducible_and_consistent():
    rng = np.random.default_rng(3)
    h = (rng.random(500) < 0.05).astype(float)
    a = bt.haas(hits=h, alpha=0.05, n_sim=199, seed=4)
    b = bt.haas(hits=h, alpha=0.05, n_sim=199, seed=4)
    assert a.pvalue == b.pvalue and 0 < a.pvalue <= 1
    assert a.distribution.startswith("Monte Carlo")
    c = bt.christoffersen_pelletier(hits=h, alpha=0.05, n_sim=99, seed=4)
    assert 0.01 <= c.pvalue <= 1


# --------------------------------------------------------------------------- edge cases


@pytest.mark.parametrize("kind", ["none", "all", "one_day", "single_hit"])
def test_degenerate_hit_sequences_give_finite_results(kind):
    h = {
        "none": np.zeros(50),
        "all": np.ones(50),
        "one_day": np.array([1.0]),
        "single_hit": np.eye(1, 50, 10).ravel(),
    }[kind]
    results = [
        bt.kupiec(hits=h, alpha=0.01),
        bt.tuff(hits=h, alpha=0.01),
        bt.binomial(hits=h, alpha=0.01),
        bt.binomial(hits=h, alpha=0.01, method="normal"),
        bt.christoffersen(hits=h, alpha=0.01),
        bt.christoffersen(hits=h, alpha=0.01, test="ind"),
        bt.haas(hits=h, alpha=0.01),
        bt.haas(hits=h, alpha=0.01, test="tbfi"),
        bt.christoffersen_pelletier(hits=h, alpha=0.01),
    ]
    for res in results:
        assert math.isfinite(res.statistic), res.name
        assert 0.0 <= res.pvalue <= 1.0, res.name
        assert str(res).startswith(res.name)
    if kind == "none":
        assert results[0].statistic == pytest.approx(-2 * 50 * math.log(0.99))
        assert results[5].statistic == 0.0 and results[7].pvalue == 1.0
    if kind == "all":
        assert results[0].statistic == pytest.approx(-2 * 50 * math.log(0.01))


@given(n=st.integers(1, 5000), x=st.integers(0, 5000), alpha=st.floats(1e-4, 0.9999))
@settings(max_examples=100, deadline=None)
def test_kupiec_finite_and_nonnegative(n, x, alpha):
    x = min(x, n)
    res = bt.kupiec(n_obs=n, n_exceptions=x, alpha=alpha)
    assert math.isfinite(res.statistic) and res.statistic >= 0
    assert 0 <= res.pvalue <= 1


# --------------------------------------------------------------------------- data path, pandas


def test_exception_definition_is_strict_and_pandas_in():
    idx = pd.date_range("2024-01-01", periods=5, freq="B")
    r = pd.Series([-0.02, -0.01, 0.0, -0.03, 0.01], index=idx)
    var = pd.Series([0.01, 0.01, 0.01, 0.02, 0.01], index=idx)
    hits = bt.exceptions(r, var)
    assert isinstance(hits, pd.Series) and hits.index.equals(idx)
    assert hits.tolist() == [1.0, 0.0, 0.0, 1.0, 0.0]  # -r == VaR is not an exception
    res = rk.tests.kupiec(r, var, alpha=0.2)
    assert res.details["n_exceptions"] == 2 and res.details["n_obs"] == 5


def test_nan_policy_omit_drops_dates():
    r = np.array([-0.02, np.nan, 0.01, -0.05])
    var = np.array([0.01, 0.01, np.nan, 0.01])
    with pytest.raises(rk.InputError, match="NaN"):
        bt.kupiec(r, var, alpha=0.05)
    res = bt.kupiec(r, var, alpha=0.05, nan_policy="omit")
    assert res.details["n_obs"] == 2 and res.details["n_exceptions"] == 2


def test_dq_reexport_calls_h6():
    pytest.importorskip("riskkit.regression.dq")
    rng = np.random.default_rng(0)
    r = rng.standard_normal(600)
    res = rk.tests.dq(r, np.full(600, 1.645), 0.05)
    assert 0 <= res.pvalue <= 1


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: bt.kupiec([0.1, -0.2], [0.1, 0.1], alpha=1.5), "alpha"),
        (lambda: bt.kupiec([0.1, -0.2], [0.1, 0.1], alpha=0.0), "alpha"),
        (lambda: bt.kupiec([0.1, -0.2], [0.1, -0.1], alpha=0.05), "mixed sign"),
        (lambda: bt.kupiec([0.1, -0.2], [-0.1, -0.1], alpha=0.05), "negative"),
        (lambda: bt.kupiec([0.1, -0.2, 0.3], [0.1, 0.1], alpha=0.05), "same length"),
        (lambda: bt.kupiec([0.1, np.inf], [0.1, 0.1], alpha=0.05), "infinite"),
        (lambda: bt.kupiec(["a", "b"], [0.1, 0.1], alpha=0.05), "real numbers"),
        (lambda: bt.kupiec([], [], alpha=0.05), "empty"),
        (lambda: bt.kupiec(n_obs=10, n_exceptions=11, alpha=0.05), "n_exceptions"),
        (lambda: bt.kupiec(n_obs=10, alpha=0.05), "together"),
        (lambda: bt.kupiec(hits=[0, 2, 1], alpha=0.05), "0/1"),
        (lambda: bt.christoffersen(transitions=(1, 2, 3), alpha=0.05), "4 counts"),
        (lambda: bt.binomial(hits=[0, 1], alpha=0.05, method="bogus"), "method"),
        (lambda: traffic_light(250, -1), "n_exceptions"),
    ],
)
def test_bad_input_raises(call, match):
    with pytest.raises(rk.InputError, match=match):
        call()


def test_misaligned_unsorted_duplicated_index():
    idx = pd.date_range("2024-01-01", periods=4, freq="D")
    r = pd.Series([0.01, -0.02, 0.0, 0.01], index=idx)
    var = pd.Series([0.01] * 4, index=idx + pd.Timedelta(days=1))
    with pytest.raises(rk.InputError, match="misaligned"):
        bt.kupiec(r, var, alpha=0.05)
    with pytest.raises(rk.InputError, match="sorted"):
        bt.kupiec(r.iloc[::-1], var.iloc[::-1].set_axis(idx[::-1]), alpha=0.05)
    dup = pd.Series([0.01] * 4, index=[idx[0], idx[0], idx[1], idx[2]])
    with pytest.raises(rk.InputError, match="duplicated"):
        bt.kupiec(dup, dup.abs(), alpha=0.05)


def test_christoffersen_monte_carlo_pvalue():
    rng = np.random.default_rng(21)
    h = (rng.random(400) < 0.05).astype(float)
    a = bt.christoffersen(hits=h, alpha=0.05, test="ind", n_sim=199, seed=1)
    b = bt.christoffersen(hits=h, alpha=0.05, test="ind", n_sim=199, seed=1)
    assert a.pvalue == b.pvalue and a.distribution == "Monte Carlo (199)"
    assert a.statistic == bt.christoffersen(hits=h, alpha=0.05, test="ind").statistic
    with pytest.raises(rk.InputError, match="not both"):
        bt.christoffersen(transitions=(10, 1, 1, 0), alpha=0.05, n_sim=99)


def test_public_names_resolve():
    import riskkit.backtest as pkg

    for name in pkg.__all__:
        assert getattr(pkg, name) is not None
    for name in bt.__all__:
        assert callable(getattr(rk.tests, name))
    with pytest.raises(AttributeError):
        pkg.not_a_name


@given(
    hits=st.lists(st.integers(0, 1), min_size=1, max_size=60),
    alpha=st.floats(0.001, 0.5),
)
@settings(max_examples=60, deadline=None)
def test_hit_based_tests_always_defined(hits, alpha):
    h = np.array(hits, dtype=float)
    lr_tests = (
        bt.christoffersen(hits=h, alpha=alpha),
        bt.haas(hits=h, alpha=alpha),
        bt.tuff(hits=h, alpha=alpha),
        bt.christoffersen_pelletier(hits=h, alpha=alpha),
    )
    for res in lr_tests:
        assert math.isfinite(res.statistic) and res.statistic >= 0.0, res.name
        assert 0.0 <= res.pvalue <= 1.0, res.name
    z = bt.binomial(hits=h, alpha=alpha)
    assert math.isfinite(z.statistic) and 0.0 <= z.pvalue <= 1.0
