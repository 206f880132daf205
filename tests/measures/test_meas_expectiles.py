"""Exact expectiles (vs scipy.stats.expectile) and the expectile-based VaR/ES."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

import riskkit as rk
from riskkit._kernels.expectiles import expectiles_sorted, expectiles_unsorted
from riskkit.measures.evar import EVaRResult, matched_tau

TAUS = [0.001, 0.01, 0.05, 0.2, 0.5, 0.8, 0.99]


def foc(x, e, tau):
    """First-order condition of the tau-expectile (zero at the root)."""
    return (1 - tau) * np.maximum(e - x, 0).sum() - tau * np.maximum(x - e, 0).sum()


@pytest.mark.parametrize("n", [2, 3, 10, 1000, 20_000])
def test_expectile_equals_scipy(n, rng):
    x = rng.standard_t(3, n)
    got = rk.expectile(x, TAUS)
    want = [stats.expectile(x, t) for t in TAUS]
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-10)
    # and it is the exact root: the first-order condition vanishes to rounding
    scale = np.abs(x).sum()
    for e, t in zip(got, TAUS):
        assert abs(foc(x, e, t)) <= 1e-13 * scale


def test_expectile_ties_and_docstring_example():
    a = np.array([1.0, 4.0, 2.0, -1.0])
    assert rk.expectile(a, 0.2) == pytest.approx(stats.expectile(a, alpha=0.2), abs=1e-15)
    assert rk.expectile(a, 0.8) == pytest.approx(stats.expectile(a, alpha=0.8), abs=1e-15)
    x = np.repeat([-2.0, 0.0, 1.0, 5.0], [3, 10, 10, 2])
    for t in TAUS:
        assert rk.expectile(x, t) == pytest.approx(stats.expectile(x, t), abs=1e-12)


def _oracle_sample(rng, kind, n):
    """Random samples of several shapes: continuous, heavy ties, point mass, wide range."""
    if kind == "t3":
        return rng.standard_t(3, n)
    if kind == "integers":  # seven distinct values: heavy ties everywhere
        return rng.integers(-3, 4, n).astype(float)
    if kind == "zeros":  # a point mass of 60% at zero
        return np.where(rng.random(n) < 0.6, 0.0, rng.standard_normal(n))
    if kind == "ticks":  # rounded returns on a price level: ties and a large offset
        return np.round(rng.standard_normal(n) * 100) / 1e4 + 1e6
    if kind == "cauchy":
        return rng.standard_cauchy(n) * 1e-3
    return np.exp(rng.normal(0.0, 30.0, n))  # values spread over ~30 orders of magnitude


EXTREME_TAUS = [1e-12, 1e-6, 0.001, 0.05, 0.3, 0.5, 0.7, 0.99, 1 - 1e-9, 1 - 1e-12]


@pytest.mark.parametrize("kind", ["t3", "integers", "zeros", "ticks", "cauchy", "lognormal"])
def test_selection_kernel_equals_sorted_kernel(kind, rng):
    # the selection kernel (no full sort) against the sort + binary search kernel, on many
    # samples; leaf_max=1..8 forces the binning levels, re-binning and tie handling on
    # small samples, -1 is the default (selection above 512 values)
    for n in (1, 2, 3, 5, 17, 100, 700, 3000):
        for _ in range(4):
            x = _oracle_sample(rng, kind, n)
            before = x.copy()
            taus = rng.choice(EXTREME_TAUS, size=int(rng.integers(1, 9)))
            want = expectiles_sorted(np.sort(x), taus)
            for leaf_max in (-1, 1, 2, 8):
                got = expectiles_unsorted(x, taus, leaf_max)
                np.testing.assert_allclose(got, want, rtol=0, atol=1e-14 * np.abs(x).max())
                assert (got >= x.min()).all() and (got <= x.max()).all()
            np.testing.assert_array_equal(x, before)  # the input is not modified


@pytest.mark.parametrize("kind", ["t3", "integers", "zeros"])
def test_selection_kernel_equals_scipy(kind, rng):
    taus = np.array([0.001, 0.01, 0.05, 0.2, 0.5, 0.8, 0.99])
    for n in (2, 9, 600, 5000, 50_000):
        x = _oracle_sample(rng, kind, n)
        want = [stats.expectile(x, t) for t in taus]
        for leaf_max in (-1, 4):
            got = expectiles_unsorted(x, taus, leaf_max)
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-10)
            scale = np.abs(x).sum()
            for e, t in zip(got, taus):
                assert abs(foc(x, e, t)) <= 1e-13 * scale


def test_selection_kernel_exact_small_cases():
    f = expectiles_unsorted
    # on [-1, 1]: G(e) = 0.8 (e + 1) - 0.2 (7 - 3 e) = 1.4 e - 0.6, so the 0.2-expectile of
    # [1, 4, 2, -1] is 3/7 (to rounding: 0.8 / 1.4 in floating point)
    a = np.array([1.0, 4.0, 2.0, -1.0])
    for leaf_max in (-1, 1, 2):
        assert f(a, np.array([0.2]), leaf_max)[0] == pytest.approx(3 / 7, abs=1e-15)
        assert (
            f(a, np.array([0.2]), leaf_max)[0] == expectiles_sorted(np.sort(a), np.array([0.2]))[0]
        )
        # one observation, all-equal data: the value itself at every level
        assert f(np.array([2.5]), np.array([1e-9, 0.5, 0.999]), leaf_max).tolist() == [2.5] * 3
        assert f(np.full(40, -0.3), np.array([0.01, 0.99]), leaf_max).tolist() == [-0.3] * 2
    # extreme levels go to the extremes, and many levels (the sort path) agree as well
    x = np.random.default_rng(5).standard_normal(2000)
    e = f(x, np.array([1e-15, 1 - 1e-15]))
    assert e[0] == pytest.approx(x.min(), abs=1e-9) and e[1] == pytest.approx(x.max(), abs=1e-9)
    taus = np.linspace(0.001, 0.999, 101)
    np.testing.assert_array_equal(f(x, taus), expectiles_sorted(np.sort(x), taus))


def test_selection_kernel_without_jit():
    # RISKKIT_DISABLE_JIT=1 runs the identical code as plain Python
    code = (
        "import numpy as np\n"
        "from riskkit._kernels.expectiles import expectiles_sorted, expectiles_unsorted\n"
        "x = np.round(np.random.default_rng(3).standard_t(3, 400), 1)\n"
        "t = np.array([0.001, 0.2, 0.5, 0.97])\n"
        "assert np.allclose(expectiles_unsorted(x, t, 4), expectiles_sorted(np.sort(x), t),\n"
        "                   rtol=0, atol=1e-13)\n"
        "assert not hasattr(expectiles_unsorted, 'py_func')\n"
    )
    env = {**os.environ, "RISKKIT_DISABLE_JIT": "1"}
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=120)


def test_expectile_real_data_and_layout(stocks):
    df = stocks.iloc[:, :4]
    out = rk.expectile(df, [0.01, 0.05])
    assert isinstance(out, pd.DataFrame) and out.index.name == "tau"
    for c in df.columns:
        for t in (0.01, 0.05):
            x = df[c].to_numpy()
            # scipy's secant search stops at ~1e-11 here; ours is the exact root
            assert out.loc[t, c] == pytest.approx(stats.expectile(x, t), abs=1e-10)
            assert abs(foc(x, out.loc[t, c], t)) <= 1e-13 * np.abs(x).sum()
    assert rk.expectile(df["AAPL"], 0.5) == pytest.approx(df["AAPL"].mean(), abs=1e-15)
    # return units: a low expectile of returns is negative
    assert (out.to_numpy() < 0).all()


def test_expectile_bad_input():
    with pytest.raises(rk.InputError, match="tau"):
        rk.expectile([0.1, 0.2, -0.3], tau=1.2)
    with pytest.raises(rk.InputError, match="NaN"):
        rk.expectile([0.1, np.nan, -0.3])
    assert rk.expectile([0.1, np.nan, -0.3], 0.5, nan_policy="omit") == pytest.approx(-0.1)


# ---------------------------------------------------------------- EVaR ---------------------
def test_empirical_evar_is_the_historical_quantile(sp500):
    levels = [0.01, 0.025, 0.05]
    res = rk.evar(sp500, levels, return_tau=True)
    assert isinstance(res, EVaRResult)
    np.testing.assert_allclose(res.evar, rk.var(sp500, levels), rtol=1e-12)
    # tau = LPM1(q)/(LPM1(q)+UPM1(q)) at q = historical quantile, by brute force
    x = sp500.to_numpy()
    for a in levels:
        q = -rk.var(sp500, a)
        lpm = np.maximum(q - x, 0).mean()
        upm = np.maximum(x - q, 0).mean()
        assert res.tau[a] == pytest.approx(lpm / (lpm + upm), rel=1e-12)
        # the tau-expectile is q itself
        assert rk.expectile(sp500, res.tau[a]) == pytest.approx(q, rel=1e-12)
    assert "tau" in str(res) and "evar" in str(res)


def test_taylor_es_equals_acerbi_tasche_when_n_alpha_is_integer(rng):
    # with e_tau = q and tau = LPM/(LPM+UPM), Taylor's formula reduces to the mean of the
    # k = n alpha smallest values: the Acerbi–Tasche ES
    x = rng.standard_t(4, 1000)
    for a in (0.01, 0.02, 0.05):
        res = rk.evar(x, a, return_tau=True)
        assert res.es == pytest.approx(rk.es(x, a), rel=1e-12)


def test_taylor_es_formula_with_given_tau(rng):
    x = rng.standard_normal(500) + 0.1
    tau, a = 0.01, 0.05
    res = rk.evar(x, a, tau=tau, return_tau=True)
    e = stats.expectile(x, tau)
    c = tau / ((1 - 2 * tau) * a)
    assert res.evar == pytest.approx(-e, abs=1e-10)
    assert res.tau == tau
    assert res.es == pytest.approx(-((1 + c) * e - c * x.mean()), abs=1e-9)
    assert res.match == "given"


def test_normal_matched_tau_by_integration():
    for a in (0.01, 0.05):
        q = stats.norm.ppf(a)
        lpm, _ = integrate.quad(lambda z, q=q: (q - z) * stats.norm.pdf(z), -np.inf, q)
        upm, _ = integrate.quad(lambda z, q=q: (z - q) * stats.norm.pdf(z), q, np.inf)
        assert matched_tau(a, "normal") == pytest.approx(lpm / (lpm + upm), rel=1e-8)


class _ScipyNormal:
    """A duck-typed standardized distribution (ppf, partial_moment) built on scipy."""

    def ppf(self, p):
        return stats.norm.ppf(p)

    def partial_moment(self, q, k=1):
        if k == 0:
            return stats.norm.cdf(q)
        return integrate.quad(lambda z: z**k * stats.norm.pdf(z), -np.inf, q)[0]


def test_distribution_match_and_normal_match(rng):
    x = rng.standard_normal(2000)
    a = rk.evar(x, [0.01, 0.05], match="normal", return_tau=True)
    b = rk.evar(x, [0.01, 0.05], match=_ScipyNormal(), return_tau=True)
    np.testing.assert_allclose(a.tau, b.tau, rtol=1e-8)
    np.testing.assert_allclose(a.evar, -rk.expectile(x, a.tau), rtol=1e-12)
    # for a normal sample the normal-matched EVaR is close to the true quantile
    assert a.evar[0] == pytest.approx(-stats.norm.ppf(0.01), rel=0.1)


def test_distributions_module_if_present(rng):
    dist = pytest.importorskip("riskkit.distributions")
    if not hasattr(dist, "Normal"):
        pytest.skip("riskkit.distributions.Normal not available yet")
    x = rng.standard_normal(300)
    np.testing.assert_allclose(
        rk.evar(x, 0.01, match=dist.Normal(), return_tau=True).tau,
        rk.evar(x, 0.01, match="normal", return_tau=True).tau,
        rtol=1e-8,
    )


def test_evar_layouts_and_errors(stocks):
    df = stocks.iloc[:, :3]
    res = rk.evar(df, [0.01, 0.05], return_tau=True)
    assert isinstance(res.evar, pd.DataFrame) and res.evar.shape == (2, 3)
    assert res.to_frame().shape == (6, 3)
    assert isinstance(rk.evar(df["AAPL"], 0.01), float)
    with pytest.raises(rk.InputError, match=r"below 0\.5"):
        rk.evar(df, 0.6)
    with pytest.raises(rk.InputError, match=r"tau must be below 0\.5"):
        rk.evar(df, 0.01, tau=0.7)
    with pytest.raises(rk.InputError, match="match must be one of"):
        rk.evar(df, 0.01, match="entropic")
