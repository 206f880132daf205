"""ACD kernels against slow obvious oracles: numpy recursion + scipy.stats densities, and the
analytic gradient against finite differences."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, special, stats

from riskkit._kernels import acd as K
from riskkit.durations import distributions as D

DISTS = {
    "exponential": (),
    "weibull": (0.8,),
    "burr": (1.3, 0.4),
    "gengamma": (1.4, 0.7),
}


def scipy_unit_mean(dist, shape):
    """Frozen scipy distribution with mean 1 (independent parametrisation)."""
    if dist == "exponential":
        return stats.expon()
    if dist == "weibull":
        family, args = stats.weibull_min, (shape[0],)
    elif dist == "burr":
        kappa, s2 = shape
        # Burr XII: survival (1 + (x/scale)^kappa)^(-1/s2)
        family, args = stats.burr12, (kappa, 1.0 / s2)
    else:
        gam, nu = shape
        family, args = stats.gengamma, (nu, gam)
    return family(*args, scale=1.0 / family(*args).mean())


def oracle_loglik(theta, x, p, q, model, dist, start):
    n = len(x)
    m = max(p, q)
    kd = 1 + p + q
    frozen = scipy_unit_mean(dist, tuple(theta[kd:]))
    psi = np.empty(n)
    ll = 0.0
    for i in range(n):
        if i < m:
            psi[i] = start
            continue
        eps = x[:i] / psi[:i]
        if model == K.ACD:
            v = theta[0] + sum(theta[j] * x[i - j] for j in range(1, p + 1))
            v += sum(theta[p + j] * psi[i - j] for j in range(1, q + 1))
            psi[i] = v
        else:
            f = np.log if model == K.LOGACD1 else (lambda e: e)
            v = theta[0] + sum(theta[j] * f(eps[i - j]) for j in range(1, p + 1))
            v += sum(theta[p + j] * math.log(psi[i - j]) for j in range(1, q + 1))
            psi[i] = math.exp(v)
        ll += frozen.logpdf(x[i] / psi[i]) - math.log(psi[i])
    return ll, psi


def _theta(model, dist, p, q):
    w = 0.1 if model == K.ACD else 0.02
    return np.array([w] + [0.06 / p] * p + [0.85 / q] * q + list(DISTS[dist]))


@pytest.fixture(scope="module")
def sample():
    return np.random.default_rng(7).gamma(0.8, 1.25, 300)


@pytest.mark.parametrize("model", [K.ACD, K.LOGACD1, K.LOGACD2])
@pytest.mark.parametrize("dist", list(DISTS))
@pytest.mark.parametrize(("p", "q"), [(1, 1), (2, 1), (1, 2)])
def test_loglik_and_filter_match_oracle(sample, model, dist, p, q):
    th = _theta(model, dist, p, q)
    ll, _ = K.acd_loglik_grad(
        th,
        sample,
        np.log(sample),
        p,
        q,
        model,
        D.DISTRIBUTIONS[dist].code,
        1.3,
        np.zeros((0, th.size)),
    )
    ll_o, psi_o = oracle_loglik(th, sample, p, q, model, dist, 1.3)
    assert ll == pytest.approx(ll_o, rel=1e-10)
    np.testing.assert_allclose(K.acd_filter(th, sample, p, q, model, 1.3), psi_o, rtol=1e-12)


@pytest.mark.parametrize("model", [K.ACD, K.LOGACD1, K.LOGACD2])
@pytest.mark.parametrize("dist", list(DISTS))
@pytest.mark.parametrize(("p", "q"), [(1, 1), (2, 2)])
def test_gradient_matches_finite_differences(sample, model, dist, p, q):
    th = _theta(model, dist, p, q)
    code = D.DISTRIBUTIONS[dist].code
    z = np.zeros((0, th.size))
    _, g = K.acd_loglik_grad(th, sample, np.log(sample), p, q, model, code, 1.0, z)
    fd = np.empty_like(th)
    for j in range(th.size):
        h = 1e-6 * max(1.0, abs(th[j]))
        up, dn = th.copy(), th.copy()
        up[j] += h
        dn[j] -= h
        fd[j] = (
            K.acd_loglik_grad(up, sample, np.log(sample), p, q, model, code, 1.0, z)[0]
            - K.acd_loglik_grad(dn, sample, np.log(sample), p, q, model, code, 1.0, z)[0]
        ) / (2 * h)
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-5)
    # per-observation scores sum to the gradient
    s = np.zeros((sample.size, th.size))
    K.acd_loglik_grad(th, sample, np.log(sample), p, q, model, code, 1.0, s)
    np.testing.assert_allclose(s.sum(axis=0), g, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("dist", list(DISTS))
def test_innovation_density_unit_mean_and_scipy(dist):
    shape = DISTS[dist]
    frozen = scipy_unit_mean(dist, shape)
    e = np.array([0.05, 0.3, 1.0, 2.5, 7.0])
    np.testing.assert_allclose(D.innovation_logpdf(e, dist, shape), frozen.logpdf(e), rtol=1e-10)
    np.testing.assert_allclose(D.innovation_sf(e, dist, shape), frozen.sf(e), rtol=1e-9)
    mean = integrate.quad(
        lambda v: v * np.exp(D.innovation_logpdf(np.array([v]), dist, shape)[0]), 0, np.inf
    )[0]
    assert mean == pytest.approx(1.0, rel=1e-7)
    draws = D.draw(dist, shape, 200_000, np.random.default_rng(3))
    assert draws.mean() == pytest.approx(1.0, abs=0.02)
    assert stats.kstest(draws[:5000], frozen.cdf).pvalue > 1e-3


def test_digamma_matches_scipy():
    v = np.array([1e-3, 0.1, 0.5, 1.0, 3.7, 6.0, 50.0, 1e4])
    np.testing.assert_allclose([K.digamma(float(a)) for a in v], special.digamma(v), rtol=1e-12)


def test_simulate_kernel_inverts_filter(sample):
    th = np.array([0.1, 0.1, 0.8])
    eps = sample / sample.mean()
    x = K.acd_simulate(th, eps, 1, 1, K.ACD, 1.0)
    psi = K.acd_filter(th, x, 1, 1, K.ACD, 1.0)
    np.testing.assert_allclose(x / psi, eps, rtol=1e-12)


def test_nonpositive_psi_gives_minus_inf(sample):
    th = np.array([-5.0, 0.1, 0.8])
    ll, g = K.acd_loglik_grad(th, sample, np.log(sample), 1, 1, K.ACD, 0, 1.0, np.zeros((0, 3)))
    assert ll == -np.inf
    assert np.all(g == 0)


@pytest.mark.parametrize("model", [K.ACD, K.LOGACD1, K.LOGACD2])
@pytest.mark.parametrize("dist", list(DISTS))
def test_first_order_kernel_matches_general(sample, model, dist):
    """The scalar p = q = 1 path equals the general (p, q) kernel, scores included."""
    th = _theta(model, dist, 1, 1)
    code = D.DISTRIBUTIONS[dist].code
    ly = np.log(sample)
    s_fast = np.full((sample.size, th.size), np.nan)
    s_ref = np.full((sample.size, th.size), np.nan)
    ll_f, g_f = K.acd_loglik_grad11(th, sample, ly, model, code, 1.3, s_fast)
    ll_r, g_r = K.acd_loglik_grad(th, sample, ly, 1, 1, model, code, 1.3, s_ref)
    assert ll_f == pytest.approx(ll_r, rel=1e-13)
    np.testing.assert_allclose(g_f, g_r, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(s_fast, s_ref, rtol=1e-12, atol=1e-14)
    # psi not positive (ACD) or log psi beyond the exp range (Log-ACD): -inf, zero gradient
    bad = th.copy()
    bad[0] = -5.0 if model == K.ACD else 800.0
    z = np.zeros((0, th.size))
    for ll, g in (
        K.acd_loglik_grad11(bad, sample, ly, model, code, 1.3, z),
        K.acd_loglik_grad(bad, sample, ly, 1, 1, model, code, 1.3, z),
    ):
        assert ll == -np.inf
        assert np.all(g == 0)
