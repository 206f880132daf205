"""Dynamic quantile test: oracle (statsmodels OLS), size, power and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from riskkit import InputError
from riskkit.regression.dq import dq_in_sample, dq_test


def garch_like(rng, n, alpha):
    """Returns with a time-varying scale and the exact VaR (hits iid Bernoulli(alpha))."""
    z = rng.standard_normal(n)
    s = np.empty(n)
    r = np.empty(n)
    s[0] = 1.0
    for t in range(n):
        if t:
            s[t] = np.sqrt(0.05 + 0.9 * s[t - 1] ** 2 + 0.05 * r[t - 1] ** 2)
        r[t] = s[t] * z[t]
    return r, -s * stats.norm.ppf(alpha)


def test_statistic_matches_ols_oracle(rng):
    r, v = garch_like(rng, 1500, 0.05)
    v = v * 0.9  # misspecified on purpose: too many hits
    res = dq_test(r, v, 0.05, lags=4)
    hit = (-r > v).astype(float) - 0.05
    X = np.column_stack([np.ones(1496), v[4:]] + [hit[4 - s : 1500 - s] for s in range(1, 5)])
    fit = sm.OLS(hit[4:], X).fit()
    ess = float(fit.fittedvalues @ fit.fittedvalues)
    assert res.statistic == pytest.approx(ess / (0.05 * 0.95), rel=1e-10)
    assert res.details["df"] == 6
    assert res.pvalue == pytest.approx(stats.chi2.sf(res.statistic, 6))
    no_var = dq_test(r, v, 0.05, lags=2, include_var=False)
    assert no_var.details["df"] == 3


def test_pandas_input_and_nan_omit(rng):
    r, v = garch_like(rng, 800, 0.05)
    idx = pd.date_range("2010-01-01", periods=800, freq="B")
    rs, vs = pd.Series(r, index=idx), pd.Series(v, index=idx)
    a = dq_test(rs, vs, 0.05)
    b = dq_test(r, v, 0.05)
    assert a.statistic == pytest.approx(b.statistic)
    rs.iloc[3] = np.nan
    c = dq_test(rs, vs, 0.05, nan_policy="omit")
    assert c.details["n_obs"] == 799 - 4
    with pytest.raises(InputError, match="NaN"):
        dq_test(rs, vs, 0.05)


def test_power_against_understated_var(rng):
    r, v = garch_like(rng, 2000, 0.05)
    assert dq_test(r, 0.7 * v, 0.05).pvalue < 0.01
    assert dq_test(r, v, 0.05).pvalue > 1e-4


def test_no_hits_is_rank_deficient_but_defined():
    r = np.linspace(-1, 1, 300)
    v = np.full(300, 5.0) + np.linspace(0, 1, 300)
    res = dq_test(r, v, 0.01)
    # Hit = -alpha everywhere: the lagged hits are collinear with the constant (rank 2) and the
    # projection of the constant Hit is Hit itself: DQ = T alpha^2 / (alpha (1 - alpha))
    assert res.details["hits"] == 0 and res.details["df"] == 2
    assert res.statistic == pytest.approx(296 * 0.01 / 0.99)


@pytest.mark.slow
def test_size_under_correct_model():
    rng = np.random.default_rng(2024)
    reps, rejections = 400, 0
    for _ in range(reps):
        r, v = garch_like(rng, 2000, 0.05)
        rejections += dq_test(r, v, 0.05).pvalue < 0.05
    rate = rejections / reps
    # binomial band around 5% (+/- ~3.3 sd); the DQ test is slightly oversized in finite samples
    assert 0.02 <= rate <= 0.09, rate


def test_in_sample_matches_the_paper_formula(rng):
    # oracle: Theorem 4 written with its (2 T c)^{-1} factors, D and the M matrix explicitly
    n, lags, a, c = 600, 4, 0.05, 0.3
    hit = (rng.uniform(size=n) < a).astype(float) - a
    grad = rng.normal(size=(n, 3)) + 1.0
    u = rng.normal(size=n)
    near = np.abs(u) <= c
    res = dq_in_sample(hit, grad, near, a, lags=lags)
    T = n - lags
    X = np.column_stack([hit[lags - s : n - s] for s in range(1, lags + 1)])
    h, g, nr = hit[lags:], grad[lags:], near[lags:]
    D = sum(np.outer(g[t], g[t]) for t in range(T) if nr[t]) / (2 * c * T)
    XHN = sum(np.outer(X[t], g[t]) for t in range(T) if nr[t]) / (2 * c * T)
    M = X.T - XHN @ np.linalg.inv(D) @ g.T
    want = h @ X @ np.linalg.inv(M @ M.T) @ X.T @ h / (a * (1 - a))
    assert res.statistic == pytest.approx(want, rel=1e-8)
    assert res.pvalue == pytest.approx(stats.chi2.sf(want, lags))


@pytest.mark.parametrize(
    ("r", "v", "alpha", "match"),
    [
        (np.zeros(100), np.ones(100), 1.2, "alpha"),
        (np.zeros(100), np.ones(100), 0.0, "alpha"),
        (np.zeros(100), np.ones(99), 0.05, "same length"),
        (np.zeros(100), np.r_[np.ones(50), -np.ones(50)], 0.05, "mixed"),
        (np.zeros(100), -np.ones(100), 0.05, "positive"),
        (np.zeros(100), np.r_[np.inf, np.ones(99)], 0.05, "infinite"),
        (np.zeros(8), np.ones(8), 0.05, "at least"),
        (np.zeros((100, 2)), np.ones(100), 0.05, "one series"),
        (["a"] * 100, np.ones(100), 0.05, "real numbers"),
    ],
)
def test_bad_input(r, v, alpha, match):
    with pytest.raises(InputError, match=match):
        dq_test(r, v, alpha)


def test_misaligned_index_raises():
    r = pd.Series(np.zeros(50), index=pd.RangeIndex(50))
    v = pd.Series(np.ones(50), index=pd.RangeIndex(1, 51))
    with pytest.raises(InputError, match="different indexes"):
        dq_test(r, v, 0.05)
    with pytest.raises(InputError, match="lags"):
        dq_test(r, r + 1, 0.05, lags=-1)
