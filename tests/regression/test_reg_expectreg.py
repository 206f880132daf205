"""ExpectileReg against a slow scipy.optimize oracle and scipy.stats.expectile."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from riskkit.regression import ExpectileReg


def als_objective(b, X, y, tau):
    r = y - X @ b
    return np.sum(np.abs(tau - (r < 0)) * r**2)


@pytest.mark.parametrize("tau", [0.01, 0.1, 0.5, 0.8, 0.99])
def test_intercept_only_equals_scipy_expectile(tau):
    rng = np.random.default_rng(int(tau * 1000))
    y = rng.standard_t(4, 400)
    res = ExpectileReg(tau=tau).fit(y)
    assert res.converged
    assert res.params["const"] == pytest.approx(stats.expectile(y, alpha=tau), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("tau", [0.05, 0.3, 0.9])
def test_matches_slow_optimizer(tau):
    rng = np.random.default_rng(1)
    n = 300
    X = rng.standard_normal((n, 2))
    y = X @ [1.0, -2.0] + (1 + np.abs(X[:, 0])) * rng.standard_normal(n)
    res = ExpectileReg(tau=tau).fit(y, X)
    Xc = np.column_stack([np.ones(n), X])
    opt = optimize.minimize(
        als_objective, np.zeros(3), args=(Xc, y, tau), method="BFGS", options={"gtol": 1e-10}
    )
    np.testing.assert_allclose(res.params.to_numpy(), opt.x, atol=1e-5)
    assert res.objective <= opt.fun * (1 + 1e-12)
    # exact first-order condition: sum a_i r_i x_i = 0
    r = res.residuals
    grad = Xc.T @ (np.abs(tau - (r < 0)) * r)
    np.testing.assert_allclose(grad, 0.0, atol=1e-9 * np.abs(y).sum())


def test_weights_equal_replication():
    rng = np.random.default_rng(2)
    n = 100
    x = rng.standard_normal(n)
    y = x + rng.standard_normal(n)
    w = rng.integers(1, 4, n)
    a = ExpectileReg(tau=0.2).fit(y, x, weights=w.astype(float))
    b = ExpectileReg(tau=0.2).fit(np.repeat(y, w), np.repeat(x, w))
    np.testing.assert_allclose(a.params.to_numpy(), b.params.to_numpy(), rtol=1e-10)


def test_tau_half_is_ols_and_sandwich_is_hc0():
    rng = np.random.default_rng(3)
    n = 200
    X = pd.DataFrame({"x": rng.standard_normal(n)})
    y = pd.Series(1 + 0.5 * X["x"] + rng.standard_normal(n) * (1 + X["x"] ** 2))
    import statsmodels.api as sm

    ols = sm.OLS(y, sm.add_constant(X)).fit(cov_type="HC0")
    res = ExpectileReg(tau=0.5).fit(y, X)
    np.testing.assert_allclose(res.params.to_numpy(), ols.params.to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(res.std_errors.to_numpy(), ols.bse.to_numpy(), rtol=1e-8)
    pred = res.predict(X.iloc[:3])
    assert pred.index.equals(X.index[:3])
    assert "Expectile regression" in str(res)
    again = pickle.loads(pickle.dumps(res))
    pd.testing.assert_series_equal(again.params, res.params)


@pytest.mark.slow
def test_sandwich_coverage():
    """90% intervals of the slope cover the true tau-expectile slope about 90% of the time."""
    rng = np.random.default_rng(11)
    tau, n, reps = 0.2, 300, 300
    # y = 1 + 2x + e with e ~ N(0,1) homoscedastic: the tau-expectile slope is 2
    hits = 0
    for _ in range(reps):
        x = rng.uniform(0, 2, n)
        y = 1 + 2 * x + rng.standard_normal(n)
        ci = ExpectileReg(tau=tau).fit(y, x).conf_int().loc["x1"]
        hits += ci["lower"] <= 2.0 <= ci["upper"]
    assert 0.85 <= hits / reps <= 0.95
