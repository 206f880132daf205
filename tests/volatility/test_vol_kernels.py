"""Kernel checks: analytic score vs finite differences, derivative of each density, digamma."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from riskkit._kernels import distributions as kd
from riskkit._kernels import garch as kg
from riskkit._kernels.garch_dist import digamma, dist_derivs

DISTS = [
    (0, (), 0.0, 0.0),
    (1, (6.5,), 6.5, 0.0),
    (2, (6.5, -0.3), 6.5, -0.3),
    (3, (1.4,), 1.4, 0.0),
]


@pytest.mark.parametrize("x", [0.05, 0.3, 1.0, 2.5, 7.5, 40.0, 333.3])
def test_digamma_matches_scipy(x):
    assert digamma(x) == pytest.approx(special.digamma(x), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize(("code", "shape", "p0", "p1"), DISTS)
def test_density_value_and_derivatives(code, shape, p0, p1):
    h = 1e-6
    for z in (-2.7, -0.6, 0.01, 0.9, 3.3):
        f, gz, g0, g1 = dist_derivs(z, code, p0, p1)
        # value equals the shared density kernel
        assert f == pytest.approx(kd.std_logpdf(z, code, p0, p1), rel=1e-13, abs=1e-13)
        fz = (dist_derivs(z + h, code, p0, p1)[0] - dist_derivs(z - h, code, p0, p1)[0]) / (2 * h)
        f0 = (dist_derivs(z, code, p0 + h, p1)[0] - dist_derivs(z, code, p0 - h, p1)[0]) / (2 * h)
        f1 = (dist_derivs(z, code, p0, p1 + h)[0] - dist_derivs(z, code, p0, p1 - h)[0]) / (2 * h)
        assert gz == pytest.approx(fz, abs=1e-7)
        if code:
            assert g0 == pytest.approx(f0, abs=1e-7)
        if code == 2:
            assert g1 == pytest.approx(f1, abs=1e-7)


def _fd_grad(theta, args):
    out = np.empty_like(theta)
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = 1e-6 * max(1.0, abs(theta[i]))
        up = kg.loglik(theta + e, *args, False)[0]
        dn = kg.loglik(theta - e, *args, False)[0]
        out[i] = (up - dn) / (2 * e[i])
    return out


CASES = [
    # vol, p, o, q, dist, init, nma, theta (mean | vol | shape)
    (kg.GARCH, 1, 0, 1, 0, 0, 0, [0.02, 0.05, 0.1, 0.85]),
    (kg.GARCH, 1, 1, 1, 1, 1, 0, [0.02, 0.05, 0.05, 0.1, 0.8, 7.0]),
    (kg.GARCH, 2, 1, 2, 2, 1, 1, [0.02, 0.3, -0.2, 0.05, 0.05, 0.04, 0.1, 0.5, 0.25, 7.0, -0.2]),
    (kg.GARCH, 1, 0, 1, 3, 0, 1, [0.0, 0.2, 0.3, 0.05, 0.1, 0.8, 1.3]),
    (kg.EGARCH, 1, 1, 1, 0, 1, 0, [0.02, 0.0, 0.15, -0.08, 0.9]),
    (kg.EGARCH, 2, 1, 2, 2, 0, 1, [0.01, 0.2, -0.1, 0.0, 0.1, 0.05, -0.05, 0.6, 0.3, 6.0, 0.2]),
    (kg.EGARCH, 1, 1, 1, 3, 1, 0, [0.01, 0.0, 0.1, -0.05, 0.92, 1.6]),
]


@pytest.mark.parametrize("case", CASES)
def test_analytic_score_equals_finite_differences(case):
    vol, p, o, q, dist, init, nma, theta = case
    rng = np.random.default_rng(7)
    y = rng.standard_normal(400) * np.exp(0.3 * np.sin(np.arange(400) / 30))
    theta = np.array(theta, dtype=float)
    # AR(1) + constant regressors when the vector has room for them
    kx = len(theta) - nma - (1 + p + o + q) - {0: 0, 1: 1, 2: 2, 3: 1}[dist]
    if kx == 2:
        x = np.column_stack([np.ones(399), y[:-1]])
        yy = y[1:].copy()
    else:
        x = np.ones((400, 1))
        yy = y
    args = (yy, x, nma, vol, p, o, q, dist, init, 1.3)
    ll, grad, scores, _, _ = kg.loglik(theta, *args, True)
    assert np.isfinite(ll)
    np.testing.assert_allclose(grad, _fd_grad(theta, args), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(scores.sum(axis=0), grad, rtol=1e-12, atol=1e-9)


def test_loglik_matches_slow_oracle():
    """GJR-t likelihood against a plain-Python oracle with scipy's t density."""
    from scipy import stats

    rng = np.random.default_rng(3)
    y = rng.standard_normal(300)
    mu, om, a, g, b, nu = 0.03, 0.05, 0.06, 0.1, 0.85, 6.0
    theta = np.array([mu, om, a, g, b, nu])
    ll = kg.loglik(theta, y, np.ones((300, 1)), 0, kg.GARCH, 1, 1, 1, 1, 0, 1.1, False)[0]
    e = y - mu
    s2 = np.empty(300)
    prev_e2, prev_neg, prev_s2 = 1.1, 0.55, 1.1
    tot = 0.0
    for t in range(300):
        s2[t] = om + a * prev_e2 + g * prev_neg + b * prev_s2
        sc = np.sqrt(s2[t] * (nu - 2) / nu)
        tot += stats.t.logpdf(e[t] / sc, nu) - np.log(sc)
        prev_e2, prev_neg, prev_s2 = e[t] ** 2, e[t] ** 2 * (e[t] < 0), s2[t]
    assert ll == pytest.approx(tot, rel=1e-12)
