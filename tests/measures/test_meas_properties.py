"""Hypothesis properties of rk.var / rk.es / rk.expectile through the public dispatcher."""

from __future__ import annotations

import importlib
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs
from hypothesis.extra import numpy as hnp

import riskkit as rk
from riskkit.measures import METHODS

# methods whose module is present (H1's parametric modules are expected to be; historical,
# kernel and normal are always tested)
AVAILABLE = [
    m
    for m, (module, _) in METHODS.items()
    if m in ("historical", "kernel") or importlib.util.find_spec(module) is not None
]
assert {"historical", "kernel", "normal"} <= set(AVAILABLE)
ALPHAS = [0.005, 0.01, 0.025, 0.05]
RTOL = {"historical": 1e-12, "kernel": 1e-9, "normal": 1e-10, "cornish_fisher": 1e-10}

finite = hs.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
samples = hnp.arrays(np.float64, hs.integers(2, 60), elements=finite).filter(
    lambda a: np.ptp(a) > 1e-6 * max(1.0, np.abs(a).max())
)


@settings(max_examples=50, deadline=None)
@given(x=samples, c=hs.floats(-10, 10), s=hs.floats(1e-3, 1e3))
def test_historical_properties(x, c, s):
    v = np.asarray(rk.var(x, ALPHAS))
    e = np.asarray(rk.es(x, ALPHAS))
    assert (e >= v - 1e-12 * np.abs(x).max()).all()
    assert (np.diff(v) <= 0).all() and (np.diff(e) <= 1e-12 * np.abs(x).max()).all()
    tol = 1e-12 * (np.abs(x).max() + abs(c)) * 10
    np.testing.assert_allclose(rk.var(x + c, ALPHAS), v - c, atol=tol, rtol=0)
    np.testing.assert_allclose(rk.es(x + c, ALPHAS), e - c, atol=tol, rtol=0)
    np.testing.assert_allclose(rk.var(s * x, ALPHAS), s * v, rtol=1e-12)
    np.testing.assert_allclose(rk.es(s * x, ALPHAS), s * e, rtol=1e-12, atol=1e-300)
    perm = np.random.default_rng(len(x)).permutation(x)
    np.testing.assert_array_equal(rk.var(perm, ALPHAS), v)
    np.testing.assert_allclose(rk.es(perm, ALPHAS), e, rtol=1e-12, atol=1e-12 * np.abs(x).max())


@settings(max_examples=50, deadline=None)
@given(x=samples, taus=hs.lists(hs.floats(0.001, 0.999), min_size=2, max_size=5, unique=True))
def test_expectile_monotone_and_bounded(x, taus):
    taus = sorted(taus)
    e = rk.expectile(x, taus)
    assert (np.diff(e) >= -1e-12 * np.abs(x).max()).all()
    assert (e >= x.min()).all() and (e <= x.max()).all()


def _sample(seed, n=400):
    rng = np.random.default_rng(seed)
    return 0.01 * rng.standard_t(5, n) + 0.0005 * rng.standard_normal(n)


@pytest.mark.parametrize("method", AVAILABLE)
@settings(max_examples=5, deadline=None)
@given(seed=hs.integers(0, 10_000), c=hs.floats(-0.05, 0.05), s=hs.floats(1e-2, 1e2))
def test_method_properties(method, seed, c, s):
    x = _sample(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rk.ConvergenceWarning)
        v = np.asarray(rk.var(x, ALPHAS, method=method))
        e = np.asarray(rk.es(x, ALPHAS, method=method))
        assert (e >= v).all()
        assert (np.diff(v) < 0).all()
        if method != "cornish_fisher":
            # the Cornish–Fisher expansion is not monotone in alpha for heavy tails (known
            # limitation of modified ES outside its domain of validity)
            assert (np.diff(e) < 0).all()
        rtol = RTOL.get(method, 1e-5)
        np.testing.assert_allclose(rk.var(s * x, ALPHAS, method=method), s * v, rtol=rtol)
        np.testing.assert_allclose(rk.es(s * x, ALPHAS, method=method), s * e, rtol=rtol)
        np.testing.assert_allclose(
            rk.var(x + c, ALPHAS, method=method), v - c, rtol=rtol, atol=rtol * 0.05
        )
        perm = np.random.default_rng(seed).permutation(x)
        np.testing.assert_allclose(rk.es(perm, ALPHAS, method=method), e, rtol=rtol)


@pytest.mark.parametrize("method", AVAILABLE)
def test_dataframe_equals_columns(method):
    df = pd.DataFrame({"a": _sample(1), "b": _sample(2), "c": _sample(3)})
    df.iloc[5, 1] = np.nan
    for fn in (rk.var, rk.es):
        table = fn(df, [0.01, 0.05], method=method, nan_policy="omit")
        for col in df.columns:
            pd.testing.assert_series_equal(
                table[col],
                fn(df[col], [0.01, 0.05], method=method, nan_policy="omit"),
                check_names=False,
            )
