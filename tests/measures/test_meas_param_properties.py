"""Hypothesis properties shared by the parametric, Cornish-Fisher and EVT measures."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from riskkit.distributions import SkewT
from riskkit.measures.cornish_fisher import cornish_fisher_var_es
from riskkit.measures.evt import evt_var_es
from riskkit.measures.parametric import normal_var_es, skewt_var_es, t_var_es

ALPHAS = np.array([0.002, 0.01, 0.03])
METHODS = {
    "normal": normal_var_es,
    "t": t_var_es,
    "skewt": skewt_var_es,
    "cornish_fisher": cornish_fisher_var_es,
    "evt": evt_var_es,
}
# relative tolerance of the equivariance (the ML fits stop at an optimizer tolerance)
RTOL = {"normal": 1e-10, "t": 1e-6, "skewt": 1e-6, "cornish_fisher": 1e-10, "evt": 1e-8}


def _sample(seed: int, eta: float, lam: float) -> np.ndarray:
    return SkewT(eta, lam).rvs(600, seed=seed)


@pytest.mark.parametrize("name", list(METHODS))
@settings(max_examples=6, deadline=None)
@given(
    seed=hs.integers(0, 10_000),
    eta=hs.floats(3.0, 30.0),
    lam=hs.floats(-0.5, 0.5),
    scale=hs.floats(1e-3, 1e3),
    shift=hs.floats(-1.0, 1.0),
)
def test_scale_and_translation_equivariance(name, seed, eta, lam, scale, shift):
    fn = METHODS[name]
    x = _sample(seed, eta, lam)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        var, es = fn(x, ALPHAS)
        var2, es2 = fn(scale * x + shift, ALPHAS)
    for got, ref in ((var2, var), (es2, es)):
        tol = 2 * RTOL[name] * scale * (np.abs(ref) + 1.0) + 1e-12 * abs(shift)
        assert np.all(np.abs(got - (scale * ref - shift)) <= tol), (got, scale * ref - shift)


@pytest.mark.parametrize("name", list(METHODS))
@settings(max_examples=5, deadline=None)
@given(seed=hs.integers(0, 10_000), eta=hs.floats(3.0, 30.0), lam=hs.floats(-0.5, 0.5))
def test_es_above_var_var_monotone_and_permutation_invariant(name, seed, eta, lam):
    fn = METHODS[name]
    x = _sample(seed, eta, lam)
    var, es = fn(x, ALPHAS)
    assert np.all(es >= var - 1e-12)
    assert np.all(np.diff(var) < 0)
    if name != "cornish_fisher":  # the modified ES need not be monotone in alpha
        assert np.all(np.diff(es) < 0)
    perm = np.random.default_rng(seed).permutation(x)
    var_p, es_p = fn(perm, ALPHAS)
    np.testing.assert_allclose(var_p, var, rtol=RTOL[name] * 10)
    np.testing.assert_allclose(es_p, es, rtol=RTOL[name] * 10)


@pytest.mark.parametrize(
    ("name", "truth", "rtol"),
    [
        ("normal", SkewT(500.0, 0.0), 0.03),  # ~normal
        ("t", SkewT(5.0, 0.0), 0.05),
        ("skewt", SkewT(5.0, -0.3), 0.05),
        ("cornish_fisher", SkewT(500.0, 0.0), 0.03),
        ("evt", SkewT(5.0, -0.3), 0.08),
    ],
)
def test_consistent_under_the_true_model(name, truth, rtol):
    """Large sample from a known law: estimates within a few % of the true VaR and ES."""
    x = 0.02 * truth.rvs(40_000, seed=99) + 0.001
    alphas = np.array([0.005, 0.025])
    var, es = METHODS[name](x, alphas)
    true_var = -(0.001 + 0.02 * truth.ppf(alphas))
    true_es = -0.001 + 0.02 * truth.es(alphas)
    np.testing.assert_allclose(var, true_var, rtol=rtol)
    np.testing.assert_allclose(es, true_es, rtol=rtol)
