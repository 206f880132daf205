"""QuantReg covariance estimators: slow oracles written here, seeded bootstrap, coverage."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from scipy.optimize import linprog
from statsmodels.datasets import engel

from riskkit.regression import QuantReg


@pytest.fixture(scope="module")
def data():
    d = engel.load_pandas().data
    return d["foodexp"], d[["income"]]


def hs_bandwidth(tau: float, n: int) -> float:
    """Hall & Sheather (1988) bandwidth (Koenker 2005, eq. 3.21), alpha = 0.05."""
    x0 = stats.norm.ppf(tau)
    return (
        n ** (-1 / 3)
        * stats.norm.ppf(0.975) ** (2 / 3)
        * (1.5 * stats.norm.pdf(x0) ** 2 / (2 * x0**2 + 1)) ** (1 / 3)
    )


def lp_median_slope(x: np.ndarray, y: np.ndarray) -> float:
    """Median regression y ~ 1 + x by HiGHS (independent LP solver)."""
    n = len(y)
    c = np.concatenate([[0, 0], 0.5 * np.ones(2 * n)])
    A = np.hstack([np.column_stack([np.ones(n), x]), np.eye(n), -np.eye(n)])
    res = linprog(c, A_eq=A, b_eq=y, bounds=[(None, None)] * 2 + [(0, None)] * 2 * n)
    return float(res.x[1])


def test_iid_matches_slow_oracle(data):
    y, X = data
    res = QuantReg(tau=0.5, se="iid").fit(y, X)
    Xm = np.column_stack([np.ones(len(y)), X["income"]])
    n, p = Xm.shape
    r = res.residuals.to_numpy()
    # Koenker (2005, sec. 3.4.1): sparsity = slope of the ordered residuals near zero on ranks
    pz = int(np.sum(np.abs(r) < math.sqrt(np.finfo(float).eps)))
    h = max(p + 1, math.ceil(n * hs_bandwidth(0.5, n)))
    ir = np.arange(pz + 1, h + pz + 2)
    ordered = np.sort(r[np.argsort(np.abs(r), kind="stable")][ir - 1])
    s = lp_median_slope(ir / (n - p), ordered)
    cov = s**2 * 0.25 * np.linalg.inv(Xm.T @ Xm)
    np.testing.assert_allclose(res.std_errors.to_numpy(), np.sqrt(np.diag(cov)), rtol=1e-6)


def test_ker_matches_slow_oracle(data):
    y, X = data
    tau = 0.75
    res = QuantReg(tau=tau, se="ker").fit(y, X)
    Xm = np.column_stack([np.ones(len(y)), X["income"]])
    u = res.residuals.to_numpy()
    n = len(u)
    h = hs_bandwidth(tau, n)
    iqr = np.subtract(*np.percentile(u, [75, 25]))
    c = (stats.norm.ppf(tau + h) - stats.norm.ppf(tau - h)) * min(u.std(ddof=1), iqr / 1.34)
    # Powell (1991): H = sum f_i x_i x_i', f_i = phi(u_i / c) / c
    H = sum(stats.norm.pdf(u[i] / c) / c * np.outer(Xm[i], Xm[i]) for i in range(n))
    J = sum(np.outer(Xm[i], Xm[i]) for i in range(n))
    cov = tau * (1 - tau) * np.linalg.inv(H) @ J @ np.linalg.inv(H)
    np.testing.assert_allclose(res.std_errors.to_numpy(), np.sqrt(np.diag(cov)), rtol=1e-8)


def test_nid_bofinger_is_wider_smoother_option(data):
    y, X = data
    hs = QuantReg(tau=0.5).fit(y, X).std_errors
    bof = QuantReg(tau=0.5, bandwidth="bofinger").fit(y, X).std_errors
    assert not np.allclose(hs.to_numpy(), bof.to_numpy())
    assert np.all(bof.to_numpy() > 0)


def test_boot_seeded_and_reasonable(data):
    y, X = data
    a = QuantReg(tau=0.5, se="boot", n_boot=100, seed=3).fit(y, X)
    b = QuantReg(tau=0.5, se="boot", n_boot=100, seed=3).fit(y, X)
    c = QuantReg(tau=0.5, se="boot", n_boot=100, seed=4).fit(y, X)
    np.testing.assert_array_equal(a.std_errors.to_numpy(), b.std_errors.to_numpy())
    assert not np.array_equal(a.std_errors.to_numpy(), c.std_errors.to_numpy())
    nid = QuantReg(tau=0.5).fit(y, X).std_errors.to_numpy()
    ratio = a.std_errors.to_numpy() / nid
    assert np.all((ratio > 0.5) & (ratio < 2.0))


def test_pvalues_and_conf_int_consistent(data):
    y, X = data
    res = QuantReg(tau=0.5, alpha_ci=0.05).fit(y, X)
    t = res.params / res.std_errors
    np.testing.assert_allclose(res.tvalues, t)
    np.testing.assert_allclose(res.pvalues, 2 * stats.t.sf(np.abs(t), len(y) - 2))
    ci = res.conf_int()
    crit = stats.t.ppf(0.975, len(y) - 2)
    np.testing.assert_allclose(ci["upper"] - ci["lower"], 2 * crit * res.std_errors)


@pytest.mark.slow
@pytest.mark.parametrize("se", ["nid", "ker", "iid"])
def test_coverage_under_correct_model(se):
    """90% Wald intervals of the slope cover the true tau-quantile slope about 90% of the time."""
    rng = np.random.default_rng(2026)
    tau, n, reps = 0.25, 300, 300
    zq = stats.norm.ppf(tau)
    hits = 0
    for _ in range(reps):
        x = rng.uniform(0, 2, n)
        scale = 1.0 if se == "iid" else 1 + 0.5 * x
        y = 1 + 2 * x + scale * rng.standard_normal(n)
        true_slope = 2 + (0.0 if se == "iid" else 0.5 * zq)
        ci = QuantReg(tau=tau, se=se).fit(y, x).conf_int().loc["x1"]
        hits += ci["lower"] <= true_slope <= ci["upper"]
    rate = hits / reps
    assert 0.84 <= rate <= 0.96, rate
