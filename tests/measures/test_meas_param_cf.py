"""Cornish-Fisher modified VaR and modified ES (Boudt, Peterson & Croux 2008)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats as st
from scipy.integrate import quad

from riskkit.measures.cornish_fisher import cornish_fisher_var_es, sample_moments
from riskkit.measures.parametric import normal_var_es

ALPHAS = np.array([0.005, 0.01, 0.025, 0.05, 0.1])


def _hand_moments(x):
    """Moment estimators written out with scipy's biased skewness and kurtosis."""
    return (
        float(np.mean(x)),
        float(np.std(x, ddof=0)),
        float(st.skew(x, bias=True)),
        float(st.kurtosis(x, fisher=True, bias=True)),
    )


def _edgeworth_pdf(u, s, k):
    he3 = u**3 - 3 * u
    he4 = u**4 - 6 * u**2 + 3
    he6 = u**6 - 15 * u**4 + 45 * u**2 - 15
    return st.norm.pdf(u) * (1 + s * he3 / 6 + k * he4 / 24 + s * s * he6 / 72)


@pytest.fixture(scope="module")
def data():
    # mildly skewed, fat-tailed returns (|S|, K small enough for a proper Edgeworth density)
    rng = np.random.default_rng(21)
    return 0.01 * (rng.standard_t(12, 4000) - 0.15 * rng.exponential(1.0, 4000))


def test_moments_are_the_biased_estimators(data):
    np.testing.assert_allclose(sample_moments(data), _hand_moments(data), rtol=1e-10)


def test_var_matches_cornish_fisher_formula(data):
    mu, sd, s, k = _hand_moments(data)
    assert -0.5 < s < 0 and 0 < k < 2
    var, _ = cornish_fisher_var_es(data, ALPHAS)
    for a, v in zip(ALPHAS, var):
        z = st.norm.ppf(a)
        g = z + (z**2 - 1) * s / 6 + (z**3 - 3 * z) * k / 24 - (2 * z**3 - 5 * z) * s**2 / 36
        assert v == pytest.approx(-(mu + sd * g), rel=1e-12)


def test_es_is_the_tail_mean_of_the_edgeworth_density(data):
    """Oracle: -(1/alpha) * int_{-inf}^{g} u f_E(u) du by quad, f_E the Edgeworth density."""
    mu, sd, s, k = _hand_moments(data)
    var, es = cornish_fisher_var_es(data, ALPHAS)
    unfloored = 0
    for a, v, e in zip(ALPHAS, var, es):
        g = -(v + mu) / sd
        tail = quad(lambda u: u * _edgeworth_pdf(u, s, k), -np.inf, g, epsabs=1e-14)[0]
        oracle = -mu - sd * tail / a
        unfloored += oracle > v
        # the modified ES is floored at the modified VaR
        assert e == pytest.approx(max(oracle, v), rel=1e-9)
    assert unfloored >= 3


def test_symmetric_mesokurtic_design_collapses_to_normal():
    # {-1, -1, 1, 1, 0 x 8}: m2 = m4 = 1/3, so skewness 0 and excess kurtosis 0 exactly
    base = np.array([-1.0, -1.0, 1.0, 1.0] + [0.0] * 8)
    x = 0.02 * base + 0.001
    _, sd, s, k = sample_moments(x)
    assert abs(s) < 1e-12 and abs(k) < 1e-12
    var, es = cornish_fisher_var_es(x, ALPHAS)
    # normal VaR/ES with the biased standard deviation sqrt(m2)
    var_n, es_n = normal_var_es(x, ALPHAS)
    ratio = math.sqrt(11 / 12)  # ddof=0 vs ddof=1 standard deviation, n = 12
    np.testing.assert_allclose(var + 0.001, ratio * (var_n + 0.001), rtol=1e-10)
    np.testing.assert_allclose(es + 0.001, ratio * (es_n + 0.001), rtol=1e-10)
    z = st.norm.ppf(ALPHAS)
    np.testing.assert_allclose(es, -0.001 + sd * st.norm.pdf(z) / ALPHAS, rtol=1e-10)


def test_es_floored_at_var_for_extreme_moments():
    # very heavy tail: the Edgeworth tail mean falls below VaR and is floored
    x = np.random.default_rng(2).standard_t(2.5, 3000)
    var, es = cornish_fisher_var_es(x, ALPHAS)
    assert np.all(es >= var)
    assert var.shape == es.shape == ALPHAS.shape
