"""The specialised (1, o, 1) likelihood kernel against the general p/o/q recursion.

Oracle: :func:`riskkit._kernels.garch.vol_loglik` (general orders, full derivative
history), fed with the residuals of :func:`riskkit._kernels.garch.mean_resid`.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from riskkit._kernels import garch as kg
from riskkit._kernels.garch_fast import fast_eligible, loglik11
from riskkit._kernels.garch_opt import objective

SHAPES = {0: [], 1: [6.5], 2: [6.5, -0.25], 3: [1.4]}


def _general(theta, y, x, vol, o, dist, init, bc):
    kx = x.shape[1]
    eps, deps = kg.mean_resid(y, x, theta[:kx], np.zeros(0))
    n, k = y.shape[0], theta.shape[0]
    scores = np.zeros((n, k))
    sigma2 = np.empty(n)
    ll, grad = kg.vol_loglik(theta, eps, deps, vol, 1, o, 1, dist, init, bc, True, scores, sigma2)
    return ll, grad, scores, sigma2, eps


def _data(kx, n=500):
    rng = np.random.default_rng(11)
    y = 0.05 + rng.standard_t(5, n) * np.exp(0.4 * np.sin(np.arange(n) / 40))
    x = np.ones((n, 1)) if kx == 1 else np.zeros((n, 0))
    if kx == 1:
        x[:, 0] += 0.3 * rng.standard_normal(n)  # a general regressor, not only a constant
    return y, x


@pytest.mark.parametrize(
    ("vol", "o", "dist", "init", "kx"),
    list(itertools.product([kg.GARCH, kg.EGARCH], [0, 1], [0, 1, 2, 3], [0, 1], [0, 1])),
)
def test_fast_kernel_equals_general_recursion(vol, o, dist, init, kx):
    y, x = _data(kx)
    if vol == kg.GARCH:
        v = [0.05, 0.07] + ([0.08] if o else []) + [0.85]
    else:
        v = [0.01, 0.12] + ([-0.07] if o else []) + [0.93]
    theta = np.array(([0.04] if kx else []) + v + SHAPES[dist], dtype=float)
    ref = _general(theta, y, x, vol, o, dist, init, 1.7)
    n, k = y.shape[0], theta.shape[0]
    grad, scores = np.empty(k), np.zeros((n, k))
    sigma2, eps = np.empty(n), np.empty(n)
    ll = loglik11(theta, y, x, vol, o, dist, init, 1.7, 2, grad, scores, sigma2, eps)
    assert ll == pytest.approx(ref[0], rel=1e-13)
    np.testing.assert_allclose(grad, ref[1], rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(scores, ref[2], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(sigma2, ref[3], rtol=1e-13)
    np.testing.assert_allclose(eps, ref[4], rtol=1e-15)
    # mode 0 and 1: same value, gradient only when asked
    g1 = np.empty(k)
    assert loglik11(theta, y, x, vol, o, dist, init, 1.7, 1, g1, scores, sigma2, eps) == ll
    np.testing.assert_array_equal(g1, grad)
    assert loglik11(theta, y, x, vol, o, dist, init, 1.7, 0, g1, scores, sigma2, eps) == ll
    # the optimiser objective (-loglik / n on the free parameters) uses the same kernel
    spec = np.array([0, vol, 1, o, 1, dist, init], dtype=np.int64)
    f, g = objective(theta, np.eye(k), np.zeros(k), y, x, spec, 1.7, True)
    assert f == pytest.approx(-ref[0] / n, rel=1e-13)
    np.testing.assert_allclose(g, -ref[1] / n, rtol=1e-10, atol=1e-12)


def test_fast_kernel_flags_invalid_variance():
    y, x = _data(1, 100)
    theta = np.array([0.0, -5.0, 0.1, 0.5])  # omega < 0 drives the variance negative
    grad = np.ones(4)
    ll = loglik11(
        theta, y, x, kg.GARCH, 0, 0, 0, 0.01, 1, grad, np.zeros((1, 4)), *np.empty((2, 100))
    )
    assert ll == -np.inf
    np.testing.assert_array_equal(grad, 0.0)


def test_eligibility():
    assert fast_eligible(0, 1, 0, 1, 1) and fast_eligible(0, 1, 1, 1, 0)
    assert not fast_eligible(1, 1, 0, 1, 1)  # MA terms
    assert not fast_eligible(0, 2, 0, 1, 1)  # p = 2
    assert not fast_eligible(0, 1, 0, 1, 2)  # AR / regressors
    assert not fast_eligible(0, 1, 2, 1, 1)
