"""Quantile aggregation (Fakoor et al. 2023) and conformal calibration (CQR, weighted)."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from riskkit import InputError
from riskkit.regression import (
    QuantileAggregator,
    conformal_interval,
    conformal_quantile,
    pinball_loss,
)

LEVELS = np.array([0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95])


def simulate(n, rng):
    x = rng.uniform(0, 2, n)
    y = x + (0.3 + x) * rng.standard_normal(n)
    z = stats.norm.ppf(LEVELS)[None, :]
    m_homo = x[:, None] + 1.2 * z  # right mean, wrong (constant) spread
    m_het = x[:, None] + 0.8 * (0.3 + x)[:, None] * z  # right shape, too narrow
    m_unc = np.quantile(y, LEVELS)[None, :] + 0 * x[:, None]  # unconditional quantiles
    m_noisy = m_het + rng.normal(0, 0.4, (n, 1))  # noisy and crossing-free
    return np.stack([m_homo, m_het, m_unc, m_noisy], axis=1), y


@pytest.mark.parametrize("weights", ["per_model", "per_model_level"])
@pytest.mark.parametrize("noncrossing", ["sort", "isotonic"])
def test_aggregate_not_worse_than_best_model(weights, noncrossing):
    rng = np.random.default_rng(4)
    F, y = simulate(600, rng)
    res = QuantileAggregator(levels=LEVELS, weights=weights, noncrossing=noncrossing).fit(F, y)
    agg_train = res.train_loss.sum()
    best_train = res.model_loss.sum().min()
    assert agg_train <= best_train + 1e-9
    W = res.weights.to_numpy()
    assert np.all(W >= 0) and np.allclose(W.sum(axis=0), 1.0)
    # test set: reported, and the aggregate must not be much worse than the best model
    Ft, yt = simulate(2000, np.random.default_rng(5))
    q = res.predict(Ft)
    assert np.all(np.diff(q, axis=1) >= 0)  # no crossing
    agg_test = pinball_loss(yt, q, LEVELS).sum()
    best_test = min(pinball_loss(yt, Ft[:, m], LEVELS).sum() for m in range(Ft.shape[1]))
    assert agg_test <= best_test * 1.02


def test_lp_matches_bruteforce_two_models():
    """With two models the per-model weight is 1-D: compare with a fine grid search."""
    rng = np.random.default_rng(6)
    F, y = simulate(300, rng)
    F2 = F[:, [0, 1]]
    res = QuantileAggregator(levels=LEVELS).fit(F2, y)
    grid = np.linspace(0, 1, 2001)
    losses = [pinball_loss(y, g * F2[:, 0] + (1 - g) * F2[:, 1], LEVELS).sum() for g in grid]
    assert res.train_loss.sum() <= min(losses) + 1e-12
    assert res.weights.iloc[0, 0] == pytest.approx(grid[int(np.argmin(losses))], abs=1e-3)


def test_crossing_is_removed():
    q = np.array([[1.0, 0.5, 2.0, 1.5]])
    F = q[:, None, :]
    res = QuantileAggregator(levels=[0.1, 0.2, 0.3, 0.4], noncrossing="isotonic").fit(
        F, np.array([1.0])
    )
    np.testing.assert_allclose(res.predict(F), [[0.75, 0.75, 1.75, 1.75]])
    res = QuantileAggregator(levels=[0.1, 0.2, 0.3, 0.4], noncrossing="sort").fit(
        F, np.array([1.0])
    )
    np.testing.assert_allclose(res.predict(F), [[0.5, 1.0, 1.5, 2.0]])


def test_dataframe_input_keeps_index_and_bad_input():
    rng = np.random.default_rng(7)
    F, y = simulate(100, rng)
    idx = pd.date_range("2024-01-01", periods=100)
    cols = pd.MultiIndex.from_product([["a", "b", "c", "d"], LEVELS])
    df = pd.DataFrame(F.reshape(100, -1), index=idx, columns=cols)
    res = QuantileAggregator(levels=LEVELS).fit(df, pd.Series(y, index=idx))
    out = res.predict(df)
    assert out.index.equals(idx) and list(res.weights.index) == ["a", "b", "c", "d"]
    assert "weights" in str(res)
    again = pickle.loads(pickle.dumps(res))
    pd.testing.assert_frame_equal(again.predict(df), out)
    with pytest.raises(InputError, match="increasing"):
        QuantileAggregator(levels=LEVELS[::-1]).fit(F[:, :, ::-1], y)
    with pytest.raises(InputError, match="levels"):
        QuantileAggregator(levels=[0.1, 1.2]).fit(F[:, :, :2], y)
    with pytest.raises(InputError, match="aligned"):
        QuantileAggregator(levels=LEVELS).fit(df, pd.Series(y))
    with pytest.raises(InputError, match="NaN"):
        bad = F.copy()
        bad[0, 0, 0] = np.nan
        QuantileAggregator(levels=LEVELS).fit(bad, y)


def test_cqr_adjustment_is_order_statistic():
    rng = np.random.default_rng(8)
    n = 99
    y = rng.standard_normal(n)
    lo, hi = -np.ones(n), np.ones(n)
    res = conformal_interval(lo, hi, y, alpha=0.1)
    scores = np.sort(np.maximum(lo - y, y - hi))
    k = int(np.ceil(0.9 * (n + 1)))  # Romano et al. (2019), eq. (7)
    assert res.adjustment == scores[k - 1]
    assert conformal_interval(lo[:5], hi[:5], y[:5], alpha=0.05).adjustment == np.inf


def test_cqr_nominal_coverage():
    """Split-conformal intervals reach 1 - alpha coverage on new data (seeded)."""
    rng = np.random.default_rng(9)
    alpha, covered, total = 0.1, 0, 0
    for _ in range(200):
        x = rng.uniform(0, 2, 300)
        y = x + (0.3 + x) * rng.standard_t(5, 300)
        lo, hi = x - 1.0, x + 1.0  # a misspecified constant-width interval
        res = conformal_interval(lo[:200], hi[:200], y[:200], alpha=alpha)
        lo_t, hi_t = res.apply(lo[200:], hi[200:])
        covered += np.sum((y[200:] >= lo_t) & (y[200:] <= hi_t))
        total += 100
    rate = covered / total
    assert 0.885 <= rate <= 0.93, rate


def test_weighted_conformal_under_drift():
    """With a drifting spread, decay weights restore coverage that equal weights lose."""
    rng = np.random.default_rng(10)
    alpha = 0.1
    cov_eq, cov_dec = [], []
    for _ in range(100):
        n = 600
        # spread grows over the calibration window, then stays at its last level
        s = np.concatenate([np.linspace(0.5, 3.0, n), np.full(50, 3.0)])
        y = s * rng.standard_normal(n + 50)
        lo, hi = -np.ones(n + 50), np.ones(n + 50)
        eq = conformal_interval(lo[:n], hi[:n], y[:n], alpha=alpha)
        dec = conformal_interval(lo[:n], hi[:n], y[:n], alpha=alpha, decay=0.99)
        for res, acc in ((eq, cov_eq), (dec, cov_dec)):
            a, b = res.apply(lo[n:], hi[n:])
            acc.append(np.mean((y[n:] >= a) & (y[n:] <= b)))
    assert np.mean(cov_eq) < 0.87
    assert np.mean(cov_dec) >= 0.87
    assert dec.effective_n < 600


def test_conformal_quantile_and_errors():
    rng = np.random.default_rng(12)
    y = rng.standard_normal(5000)
    res = conformal_quantile(np.full(4000, -1.0), y[:4000], tau=0.05)
    new = res.apply(np.full(1000, -1.0))
    assert abs(np.mean(y[4000:] <= new) - 0.05) < 0.02
    with pytest.raises(InputError, match="alpha"):
        conformal_interval([0.0], [1.0], [0.5], alpha=1.0)
    with pytest.raises(InputError, match="not both"):
        conformal_interval([0.0], [1.0], [0.5], alpha=0.1, weights=[1.0], decay=0.9)
    with pytest.raises(InputError, match="aligned"):
        conformal_interval(
            pd.Series([0.0, 0.0]), pd.Series([1.0, 1.0], index=[5, 6]), [0.5, 0.5], alpha=0.1
        )
