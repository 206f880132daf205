"""CAViaR/CARE kernels against slow, obvious plain-Python oracles."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskkit._kernels import caviar as K

MODELS = [
    (K.SAV, np.array([0.2, 0.8, 0.3])),
    (K.ASYMMETRIC_SLOPE, np.array([0.2, 0.8, 0.1, 0.4])),
    (K.INDIRECT_GARCH, np.array([0.3, 0.8, 0.2])),
    (K.ADAPTIVE, np.array([0.4])),
]


def oracle_path(beta, y, f0, model, G, theta):
    f = [f0]
    for t in range(1, len(y) + 1):
        fp, yp = f[-1], y[t - 1]
        if model == K.SAV:
            f.append(beta[0] + beta[1] * fp + beta[2] * abs(yp))
        elif model == K.ASYMMETRIC_SLOPE:
            up = yp if yp > 0 else 0.0
            dn = -yp if yp < 0 else 0.0
            f.append(beta[0] + beta[1] * fp + beta[2] * up + beta[3] * dn)
        elif model == K.INDIRECT_GARCH:
            f.append(math.sqrt(beta[0] + beta[1] * fp**2 + beta[2] * yp**2))
        else:
            f.append(fp + beta[0] * (1.0 / (1.0 + math.exp(G * (yp + fp))) - theta))
    return np.array(f)


def oracle_rq(y, f, theta):
    return sum((theta - (1.0 if yt < -ft else 0.0)) * (yt + ft) for yt, ft in zip(y, f))


def oracle_als(y, f, theta):
    return sum(abs(theta - (1.0 if yt < -ft else 0.0)) * (yt + ft) ** 2 for yt, ft in zip(y, f))


@pytest.fixture
def y(rng):
    return rng.standard_t(5, size=400)


@pytest.mark.parametrize(("model", "beta"), MODELS)
def test_path_and_objectives_match_python_loop(model, beta, y):
    theta, G, f0 = 0.05, 10.0, 1.7
    want = oracle_path(beta, y, f0, model, G, theta)
    got = K.caviar_path(beta, y, f0, model, G, theta)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    rq = K.caviar_objective(beta, y, f0, model, K.LOSS_RQ, G, theta)
    assert rq == pytest.approx(oracle_rq(y, want[:-1], theta), rel=1e-12)
    als = K.caviar_objective(beta, y, f0, model, K.LOSS_ALS, G, theta)
    assert als == pytest.approx(oracle_als(y, want[:-1], theta), rel=1e-12)
    many = K.caviar_objective_many(np.vstack([beta, beta * 0.9]), y, f0, model, 0, G, theta)
    assert many[0] == pytest.approx(rq, rel=1e-14)
    assert many[1] == pytest.approx(
        oracle_rq(y, oracle_path(beta * 0.9, y, f0, model, G, theta)[:-1], theta), rel=1e-12
    )


@pytest.mark.parametrize(("model", "beta"), MODELS)
def test_gradient_matches_finite_differences(model, beta, y):
    theta, G, f0 = 0.05, 10.0, 1.7
    f = K.caviar_path(beta, y, f0, model, G, theta)
    g = K.caviar_gradient(beta, y, f, model, G, theta)
    for j in range(beta.shape[0]):
        h = 1e-6 * max(1.0, abs(beta[j]))
        bp, bm = beta.copy(), beta.copy()
        bp[j] += h
        bm[j] -= h
        fd = (oracle_path(bp, y, f0, model, G, theta) - oracle_path(bm, y, f0, model, G, theta)) / (
            2 * h
        )
        np.testing.assert_allclose(g[:, j], fd[:-1], rtol=1e-5, atol=1e-7)


def test_invalid_paths_give_the_bad_objective(y):
    # indirect GARCH with a negative argument of the square root
    beta = np.array([-5.0, 0.1, 0.0])
    assert K.caviar_objective(beta, y, 1.0, K.INDIRECT_GARCH, 0, 10.0, 0.05) == K.BAD
    # adaptive with an overflowing exponent stays finite (no OverflowError)
    f = K.caviar_path(np.array([1.0]), np.array([500.0, 0.0]), 1.0, K.ADAPTIVE, 10.0, 0.05)
    assert np.all(np.isfinite(f))


def test_nelder_mead_minimises_a_smooth_als_objective(rng):
    # ALS with a constant-expectile "SAV" model (b2 = b3 = 0) has the sample expectile as optimum;
    # compare the minimum reached against a brute-force 1-D search over b1 with b2, b3 fixed at 0
    y = rng.normal(size=300)
    theta = 0.2
    _x, fx, _ = K.nelder_mead_restarts(
        np.array([0.5, 0.5, 0.5]), y, 0.8, K.SAV, K.LOSS_ALS, 0.0, theta, 5000, 1e-10, 1e-10, 20
    )
    grid = np.linspace(-2, 2, 4001)
    brute = min(
        K.caviar_objective(np.array([b, 0.0, 0.0]), y, b, K.SAV, K.LOSS_ALS, 0.0, theta)
        for b in grid
    )
    assert fx <= brute + 1e-6


@settings(max_examples=60, deadline=None)
@given(
    b1=st.floats(0.0, 2.0),
    b2=st.floats(0.0, 0.99),
    b3=st.floats(0.0, 1.0),
    theta=st.floats(0.005, 0.5),
    seed=st.integers(0, 1000),
)
def test_losses_nonnegative_and_sav_path_monotone_in_intercept(b1, b2, b3, theta, seed):
    y = np.random.default_rng(seed).normal(size=60)
    beta = np.array([b1, b2, b3])
    f = K.caviar_path(beta, y, 1.0, K.SAV, 0.0, theta)
    rq = K.caviar_objective(beta, y, 1.0, K.SAV, K.LOSS_RQ, 0.0, theta)
    assert rq >= 0.0
    assert rq == pytest.approx(K.loss_sum(y, f[:-1].copy(), theta, K.LOSS_RQ), rel=1e-12)
    assert K.caviar_objective(beta, y, 1.0, K.SAV, K.LOSS_ALS, 0.0, theta) >= 0.0
    f_up = K.caviar_path(beta + np.array([0.1, 0.0, 0.0]), y, 1.0, K.SAV, 0.0, theta)
    assert np.all(f_up[1:] > f[1:])
