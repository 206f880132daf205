"""The exact LP solution of QuantReg against HiGHS (scipy.optimize.linprog) as the oracle."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse
from scipy.optimize import linprog

from riskkit.regression import QuantReg


def highs_rq(X: np.ndarray, y: np.ndarray, tau: float, w: np.ndarray | None = None) -> float:
    """min sum_i w_i rho_tau(y_i - x_i'b) as an LP in (b, u, v), solved by HiGHS.

    Returns the objective evaluated at HiGHS's coefficients (``res.fun`` can be slightly
    below it, as HiGHS satisfies the equality constraints only to its feasibility
    tolerance, about 1e-7).
    """
    n, p = X.shape
    w = np.ones(n) if w is None else w
    c = np.concatenate([np.zeros(p), tau * w, (1 - tau) * w])
    eye = sparse.identity(n, format="csr")
    A = sparse.hstack([sparse.csr_matrix(X), eye, -eye], format="csr")
    bounds = [(None, None)] * p + [(0, None)] * (2 * n)
    res = linprog(c, A_eq=A, b_eq=y, bounds=bounds, method="highs")
    assert res.status == 0
    r = y - X @ res.x[:p]
    return float(np.sum(w * r * (tau - (r < 0))))


CASES = [(40, 1), (60, 2), (200, 3), (500, 5), (1500, 4)]


@pytest.mark.parametrize(("n", "k"), CASES)
@pytest.mark.parametrize("tau", [0.02, 0.3, 0.5, 0.81, 0.97])
def test_objective_not_above_highs(n, k, tau):
    rng = np.random.default_rng(n * 100 + k + int(tau * 100))
    X = rng.standard_normal((n, k))
    y = X @ rng.standard_normal(k) + rng.standard_t(3, n) * (1 + np.abs(X[:, 0]))
    res = QuantReg(tau=tau).fit(y, X)
    assert res.converged
    oracle = highs_rq(np.column_stack([np.ones(n), X]), y, tau)
    assert res.objective <= oracle + 1e-9 * abs(oracle)


@pytest.mark.parametrize("tau", [0.1, 0.5, 0.9])
def test_weighted_objective_not_above_highs(tau):
    rng = np.random.default_rng(7)
    n = 300
    X = rng.standard_normal((n, 2))
    y = X.sum(axis=1) + rng.standard_normal(n)
    w = rng.uniform(0.0, 3.0, n)
    w[:10] = 0.0  # zero weights drop rows
    res = QuantReg(tau=tau).fit(y, X, weights=w)
    assert res.converged
    oracle = highs_rq(np.column_stack([np.ones(n), X]), y, tau, w)
    assert res.objective <= oracle + 1e-9 * abs(oracle)


def test_integer_weights_equal_replication():
    rng = np.random.default_rng(3)
    n = 80
    x = rng.standard_normal(n)
    y = 1 + x + rng.standard_normal(n)
    w = rng.integers(1, 4, n)
    a = QuantReg(tau=0.3).fit(y, x, weights=w.astype(float))
    b = QuantReg(tau=0.3).fit(np.repeat(y, w), np.repeat(x, w))
    assert a.objective == pytest.approx(b.objective, rel=1e-10)


@pytest.mark.parametrize("tau", [0.05, 0.25, 0.5, 0.75])
def test_degenerate_integer_data(tau):
    """Heavily tied data (many zero residuals) exercises the degeneracy cure."""
    rng = np.random.default_rng(11)
    n = 150
    X = rng.integers(-3, 4, (n, 2)).astype(float)
    y = np.round(X @ [1.0, -1.0] + rng.standard_normal(n))
    res = QuantReg(tau=tau).fit(y, X)
    assert res.converged
    oracle = highs_rq(np.column_stack([np.ones(n), X]), y, tau)
    assert res.objective <= oracle + 1e-9 * abs(oracle)


def test_many_tau_each_optimal():
    rng = np.random.default_rng(5)
    n = 400
    X = rng.standard_normal((n, 3))
    y = X @ [1.0, 0.5, -1.0] + rng.standard_normal(n) * (1 + X[:, 0] ** 2)
    taus = np.linspace(0.05, 0.95, 19)
    res = QuantReg(tau=taus).fit(y, X)
    Xc = np.column_stack([np.ones(n), X])
    for tau in taus:
        oracle = highs_rq(Xc, y, tau)
        assert res.objective.loc[tau] <= oracle + 1e-9 * abs(oracle)


def test_intercept_only_is_sample_quantile():
    rng = np.random.default_rng(9)
    y = rng.standard_normal(101)
    res = QuantReg(tau=0.5).fit(y)
    assert res.params["const"] == pytest.approx(np.median(y), abs=1e-12)


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(15, 120),
    tau=st.floats(0.05, 0.95),
    seed=st.integers(0, 10_000),
    shift=st.floats(-100, 100),
)
def test_property_equivariance_and_optimality(n, tau, seed, shift):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    y = 2 * x + rng.standard_normal(n)
    base = QuantReg(tau=tau).fit(y, x)
    moved = QuantReg(tau=tau).fit(y + shift + 3 * x, x)
    # regression equivariance: b(y + X g) = b(y) + g (objective unchanged)
    assert moved.objective == pytest.approx(base.objective, rel=1e-8, abs=1e-9)
    oracle = highs_rq(np.column_stack([np.ones(n), x]), y, tau)
    assert base.objective <= oracle + 1e-9 * abs(oracle) + 1e-12


@pytest.mark.parametrize(
    ("n", "tau", "ties"), [(8000, 0.1, False), (12000, 0.6, False), (7000, 0.3, True)]
)
def test_large_n_preprocessing_is_exact(n, tau, ties):
    """n >= PPRO_MIN (1000) goes through the preprocessing solver; it must stay exact."""
    rng = np.random.default_rng(n)
    X = rng.standard_normal((n, 3))
    y = X @ [0.5, 1.0, -1.0] + rng.standard_t(4, n) * (1 + 0.5 * np.abs(X[:, 1]))
    if ties:
        X, y = np.round(X), np.round(y)
    res = QuantReg(tau=tau).fit(y, X)
    assert res.converged
    oracle = highs_rq(np.column_stack([np.ones(n), X]), y, tau)
    assert res.objective <= oracle + 1e-9 * abs(oracle)


@pytest.mark.parametrize("seed", [6, 37, 58, 63])
def test_near_degenerate_data_is_certified(seed):
    """Half the points on a plane plus noise of 1e-12..1e-6: near-ties stall the simplex."""
    rng = np.random.default_rng(5000 + seed)
    n = int(rng.integers(30, 300))
    k = int(rng.integers(1, 4))
    X = rng.standard_normal((n, k)) * 10 ** rng.uniform(-3, 3)
    on_plane = rng.random(n) < 0.5
    y = X @ np.ones(k) + on_plane * rng.standard_normal(n)
    y = (y + rng.standard_normal(n) * 10 ** rng.uniform(-12, -6)) * 10 ** rng.uniform(-4, 4)
    tau = float(rng.uniform(0.05, 0.95))
    res = QuantReg(tau=tau).fit(y, X)
    assert res.converged
    oracle = highs_rq(np.column_stack([np.ones(n), X]), y, tau)
    assert res.objective <= oracle + 1e-9 * abs(oracle)
