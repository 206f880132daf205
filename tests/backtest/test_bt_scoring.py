"""Scoring functions and forecast comparison: oracles, consistency, pandas handling."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

import riskkit as rk
from riskkit.backtest import comparison as cmp
from riskkit.backtest import scoring as sc


@pytest.fixture
def sample():
    return np.random.default_rng(20261123).standard_normal(20000)


# --------------------------------------------------------------------------- point losses


def test_tick_loss_vs_hand_and_pandas():
    idx = pd.date_range("2024-01-01", periods=3, freq="B")
    r = pd.Series([-0.03, 0.01, -0.015], index=idx, name="ret")
    var = pd.Series([0.02, 0.02, 0.01], index=idx)
    out = sc.tick_loss(r, var, 0.05)
    assert isinstance(out, pd.Series) and out.index.equals(idx)
    hand = [(0.05 - 1) * (-0.03 + 0.02), 0.05 * (0.01 + 0.02), (0.05 - 1) * (-0.015 + 0.01)]
    assert np.allclose(out.to_numpy(), hand)
    assert sc.tick_loss(r, var, 0.05, average=True) == pytest.approx(np.mean(hand))
    assert isinstance(sc.tick_loss(r.to_numpy(), var.to_numpy(), 0.05), np.ndarray)


def test_tick_loss_minimised_at_true_quantile(sample):
    alpha = 0.05
    grid = np.linspace(1.2, 2.1, 91)
    means = [sc.tick_loss(sample, np.full(sample.size, v), alpha, average=True) for v in grid]
    best = grid[int(np.argmin(means))]
    assert best == pytest.approx(-np.quantile(sample, alpha), abs=0.011)


def _fz0_return_space(y, v, e, alpha):
    """Patton, Ziegel & Chen (2019) eq. (6), written in return terms (v, e < 0)."""
    return -1.0 / (alpha * e) * (y <= v) * (v - y) + v / e + np.log(-e) - 1.0


def test_fz0_matches_return_space_form():
    rng = np.random.default_rng(1)
    y = rng.standard_normal(500)
    var = rng.uniform(1.0, 2.0, 500)
    es = var + rng.uniform(0.1, 0.5, 500)
    ours = sc.fz0_loss(y, var, es, 0.025)
    assert np.allclose(ours, _fz0_return_space(y, -var, -es, 0.025))


def test_fz0_strictly_consistent(sample):
    # expected loss over a (VaR, ES) grid is smallest at the true normal values
    alpha = 0.025
    q = stats.norm.ppf(alpha)
    v_true, e_true = -q, stats.norm.pdf(q) / alpha
    vs = v_true + np.array([-0.3, -0.15, 0.0, 0.15, 0.3])
    es_grid = e_true + np.array([-0.3, -0.15, 0.0, 0.15, 0.3])
    n = sample.size
    losses = {
        (i, j): sc.fz0_loss(sample, np.full(n, v), np.full(n, max(e, v)), alpha, average=True)
        for i, v in enumerate(vs)
        for j, e in enumerate(es_grid)
    }
    assert min(losses, key=losses.get) == (2, 2)


def test_expectile_loss_vs_hand_and_consistency(sample):
    r = np.array([-0.5, 0.2])
    out = sc.expectile_loss(r, np.array([0.3, 0.3]), 0.1)
    assert np.allclose(out, [0.9 * 0.2**2, 0.1 * 0.5**2])
    tau = 0.05
    grid = np.linspace(0.9, 1.5, 61)
    means = [sc.expectile_loss(sample, np.full(sample.size, g), tau, average=True) for g in grid]
    best = -grid[int(np.argmin(means))]
    # first-order condition of the sample expectile at the grid optimum
    foc = (
        tau * np.maximum(sample - best, 0).mean() - (1 - tau) * np.maximum(best - sample, 0).mean()
    )
    assert abs(foc) < 2e-3


# --------------------------------------------------------------------------- distribution scores


def _crps_numeric(y, cdf):
    f = lambda x: (cdf(x) - (x >= y)) ** 2  # noqa: E731
    return integrate.quad(f, -np.inf, y, limit=200)[0] + integrate.quad(f, y, np.inf, limit=200)[0]


@pytest.mark.parametrize("y, mu, s", [(0.3, 0.0, 1.0), (-2.5, 0.1, 0.5), (4.0, -1.0, 2.0)])
def test_crps_normal_closed_form_vs_integration(y, mu, s):
    ours = sc.crps(np.array([y]), mu, s)[0]
    closed = s * (
        ((y - mu) / s) * (2 * stats.norm.cdf((y - mu) / s) - 1)
        + 2 * stats.norm.pdf((y - mu) / s)
        - 1 / math.sqrt(math.pi)
    )
    assert ours == pytest.approx(closed, rel=1e-12)
    assert ours == pytest.approx(_crps_numeric(y, lambda x: stats.norm.cdf(x, mu, s)), rel=1e-6)


@pytest.mark.parametrize(
    "dist",
    [rk.distributions.StudentT(5.0), rk.distributions.SkewT(6.0, -0.3), rk.distributions.GED(1.4)],
)
def test_crps_other_distributions_vs_integration(dist):
    for y in (-2.0, 0.4):
        ours = sc.crps(np.array([y]), 0.2, 1.5, dist=dist)[0]
        num = _crps_numeric(y, lambda x: float(dist.cdf((x - 0.2) / 1.5)))
        assert ours == pytest.approx(num, rel=1e-5)


def test_crps_sample_vs_brute_force_and_closed_form():
    rng = np.random.default_rng(4)
    y = rng.standard_normal(5)
    x = rng.standard_normal((5, 40))
    brute = np.abs(x - y[:, None]).mean(1) - 0.5 * np.abs(x[:, :, None] - x[:, None, :]).mean(
        (1, 2)
    )
    assert np.allclose(sc.crps_sample(y, x), brute)
    big = rng.standard_normal((5, 20000))
    assert np.allclose(sc.crps_sample(y, big), sc.crps(y), atol=0.02)
    with pytest.raises(rk.InputError, match="shape"):
        sc.crps_sample(y, x[:3])


def test_log_score_and_pit_vs_scipy():
    rng = np.random.default_rng(5)
    y, mu, s = rng.standard_normal(10), rng.normal(size=10) * 0.1, rng.uniform(0.5, 2, 10)
    assert np.allclose(sc.log_score(y, mu, s), -stats.norm.logpdf(y, mu, s))
    t5 = rk.distributions.StudentT(5.0)
    scale_t = math.sqrt(3.0 / 5.0)  # unit-variance t(5) = t(5) * sqrt(3/5)
    ours = sc.log_score(y, mu, s, dist=t5)
    assert np.allclose(ours, -stats.t.logpdf(y, 5, mu, s * scale_t))
    assert np.allclose(sc.pit(y, mu, s, dist=t5), stats.t.cdf(y, 5, mu, s * scale_t))


# --------------------------------------------------------------------------- Diebold-Mariano


def _dm_hand(d, h):
    n = len(d)
    dbar = sum(d) / n
    gam = [sum((d[t] - dbar) * (d[t - k] - dbar) for t in range(k, n)) / n for k in range(h)]
    f = gam[0] + 2 * sum(gam[1:])
    dm = dbar / math.sqrt(f / n)
    return dm * math.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n)


@pytest.mark.parametrize("h", [1, 3])
def test_diebold_mariano_vs_hand(h):
    rng = np.random.default_rng(h)
    e = rng.standard_normal(203)
    l1 = (np.convolve(e, [1, 0.5, 0.25], "valid") + 0.1) ** 2
    l2 = rng.standard_normal(201) ** 2
    res = cmp.diebold_mariano(l1, l2, h=h)
    hand = _dm_hand(list(l1 - l2), h)
    assert res.statistic == pytest.approx(hand, rel=1e-10)
    assert res.pvalue == pytest.approx(2 * stats.t.sf(abs(hand), 200))
    asym = cmp.diebold_mariano(l1, l2, h=h, hln=False)
    assert asym.pvalue == pytest.approx(2 * stats.norm.sf(abs(asym.statistic)))
    less = cmp.diebold_mariano(l1, l2, h=h, alternative="less")
    assert less.pvalue == pytest.approx(stats.t.cdf(hand, 200))


def test_diebold_mariano_bartlett_and_power_and_ties(sample):
    n = 2000
    good = sc.tick_loss(sample[:n], np.full(n, 1.645), 0.05)
    bad = sc.tick_loss(sample[:n], np.full(n, 1.0), 0.05)
    res = cmp.diebold_mariano(good, bad, lags=5, kernel="bartlett")
    assert res.statistic < 0 and res.pvalue < 1e-3
    tie = cmp.diebold_mariano(good, good)
    assert tie.statistic == 0.0 and tie.pvalue == 1.0


def test_model_confidence_set_wraps_arch(sample):
    from arch.bootstrap import MCS

    n = 3000
    x = sample[:n]
    losses = pd.DataFrame(
        {
            "right": sc.tick_loss(x, np.full(n, 1.645), 0.05),
            "near": sc.tick_loss(x, np.full(n, 1.6), 0.05),
            "wrong": sc.tick_loss(x, np.full(n, 0.8), 0.05),
        }
    )
    res = cmp.model_confidence_set(losses, 0.1, reps=300, seed=11)
    again = cmp.model_confidence_set(losses, 0.1, reps=300, seed=11)
    assert res.pvalues.equals(again.pvalues)
    assert "wrong" in res.excluded and "right" in res.included
    ref = MCS(losses, 0.1, reps=300, seed=np.random.default_rng(11))
    ref.compute()
    assert np.allclose(res.pvalues.to_numpy(), ref.pvalues.iloc[:, 0].reindex(losses.columns))
    assert "included" in str(res)
    with pytest.raises(rk.InputError, match="2 models"):
        cmp.model_confidence_set(losses[["right"]])


# --------------------------------------------------------------------------- properties


@given(
    scale=st.floats(1e-3, 1e3),
    seed=st.integers(0, 2**31 - 1),
)
@settings(max_examples=30, deadline=None)
def test_fz0_scale_invariance_and_tick_homogeneity(scale, seed):
    rng = np.random.default_rng(seed)
    y = rng.standard_normal(50)
    var = rng.uniform(1, 2, 50)
    es = var * 1.2
    a = sc.fz0_loss(y, var, es, 0.05)
    b = sc.fz0_loss(scale * y, scale * var, scale * es, 0.05)
    # FZ0 is zero-homogeneous up to the additive log(scale)
    assert np.allclose(b - a, math.log(scale), atol=1e-9)
    assert np.allclose(
        sc.tick_loss(scale * y, scale * var, 0.05), scale * sc.tick_loss(y, var, 0.05)
    )


def test_scoring_bad_input():
    with pytest.raises(rk.InputError, match="mixed sign"):
        sc.tick_loss([0.1, 0.2], [0.1, -0.1], 0.05)
    with pytest.raises(rk.InputError, match="tau"):
        sc.expectile_loss([0.1, 0.2], [0.1, 0.1], 1.0)
    with pytest.raises(rk.InputError, match="es must be >= var"):
        sc.fz0_loss([0.1, 0.2], [0.2, 0.2], [0.1, 0.3], 0.05)
    with pytest.raises(rk.InputError, match="strictly positive"):
        sc.fz0_loss([0.1, 0.2], [0.0, 0.0], [0.0, 0.0], 0.05)
    with pytest.raises(rk.InputError, match="NaN"):
        sc.crps([0.1, np.nan])
