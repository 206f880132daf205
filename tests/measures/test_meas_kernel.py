"""Gaussian-kernel smoothed VaR/ES against numerical integration of the smoothed density."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, optimize, stats

import riskkit as rk
from riskkit.measures.kernel import bandwidth


def oracle(x, alpha, h):
    """Root of the smoothed cdf by brentq and the tail expectation by quadrature."""

    def cdf(q):
        return stats.norm.cdf((q - x) / h).mean()

    def pdf(q):
        return stats.norm.pdf((q - x) / h).mean() / h

    lo, hi = x.min() - 20 * h, x.max() + 20 * h
    q = optimize.brentq(lambda q: cdf(q) - alpha, lo, hi, xtol=1e-14, rtol=1e-15)
    tail, _ = integrate.quad(lambda u: u * pdf(u), lo, q, limit=500, epsabs=1e-13, epsrel=1e-12)
    return -q, -tail / alpha


@pytest.mark.parametrize("alpha", [0.005, 0.01, 0.05, 0.2])
def test_kernel_matches_numerical_integration(alpha, rng):
    x = rng.standard_t(4, 300) * 0.02
    h = bandwidth(x, "silverman")
    ov, oe = oracle(x, alpha, h)
    assert rk.var(x, alpha, method="kernel") == pytest.approx(ov, rel=1e-9)
    assert rk.es(x, alpha, method="kernel") == pytest.approx(oe, rel=1e-7)


def test_explicit_bandwidth_and_scott(rng):
    x = rng.standard_normal(150)
    ov, oe = oracle(x, 0.05, 0.3)
    assert rk.var(x, 0.05, method="kernel", bandwidth=0.3) == pytest.approx(ov, rel=1e-9)
    assert rk.es(x, 0.05, method="kernel", bandwidth=0.3) == pytest.approx(oe, rel=1e-7)
    h = bandwidth(x, "scott")
    assert h == pytest.approx(1.06 * x.std(ddof=1) * 150 ** (-0.2))
    ov, _ = oracle(x, 0.05, h)
    assert rk.var(x, 0.05, method="kernel", bandwidth="scott") == pytest.approx(ov, rel=1e-9)


def test_silverman_rule():
    x = np.array([-3.0, -1.0, 0.0, 0.5, 1.0, 2.0, 8.0])
    s = x.std(ddof=1)
    iqr = np.subtract(*np.percentile(x, [75, 25])) / 1.34
    assert bandwidth(x) == pytest.approx(0.9 * min(s, iqr) * 7 ** (-0.2))


def test_kernel_close_to_historical_on_long_sample(sp500):
    # the smoothing bias vanishes as n grows: within 5% of the historical value on 8,000 days
    for a in (0.01, 0.05):
        h = rk.var(sp500, a)
        k = rk.var(sp500, a, method="kernel")
        assert abs(k - h) / h < 0.05
        assert rk.es(sp500, a, method="kernel") >= k


def test_kernel_extreme_alpha_is_bracketed(rng):
    x = rng.standard_normal(50)
    v = rk.var(x, 1e-6, method="kernel")
    assert v > -x.min()
    assert rk.es(x, 1e-6, method="kernel") > v
