"""The compiled building blocks of QuantReg against slow numpy oracles written here."""

from __future__ import annotations

import math

import numpy as np
import pytest

from riskkit import InputError
from riskkit._kernels import quantreg as kq
from riskkit._kernels import quantreg_fit as kf
from riskkit.regression import QuantReg
from riskkit.regression import qr_inference as inf


def _data(n: int, k: int, seed: int, df: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.standard_normal((n, k))])
    y = X[:, 1:].sum(axis=1) + rng.standard_t(df, n) * (1 + 0.5 * np.abs(X[:, 1]))
    return X, y


@pytest.mark.parametrize(("n", "m"), [(10, 3), (1000, 200), (1000, 1000), (50, 49), (7, 1)])
def test_smallest_abs_is_a_stable_partial_argsort(n, m):
    r = np.round(np.random.default_rng(n + m).standard_normal(n), 1)  # many ties in |r|
    expected = r[np.argsort(np.abs(r), kind="stable")[:m]]
    np.testing.assert_array_equal(kf.smallest_abs(r, m), expected)


@pytest.mark.parametrize("weighted", [False, True])
def test_standardise_matches_numpy(weighted):
    X, y = _data(300, 3, 1)
    X[:, 2] *= 1e4
    rng = np.random.default_rng(2)
    w = rng.uniform(0.1, 3.0, 300) if weighted else np.empty(0)
    Xs, ys, sy, sx = kf.standardise(X, y, w)
    sx_ref = np.std(X, axis=0)
    sx_ref[sx_ref == 0] = 1.0
    ww = w if weighted else np.ones(300)
    np.testing.assert_allclose(sx, sx_ref, rtol=1e-12)
    assert sy == pytest.approx(np.std(y), rel=1e-12)
    np.testing.assert_allclose(Xs, X / sx_ref * ww[:, None], rtol=1e-12)
    np.testing.assert_allclose(ys, y / np.std(y) * ww, rtol=1e-12)


def test_standardise_constant_response_falls_back_to_max_abs():
    X, _ = _data(20, 1, 3)
    _Xs, ys, sy, _sx = kf.standardise(X, np.full(20, -4.0), np.empty(0))
    assert sy == 4.0
    np.testing.assert_array_equal(ys, -1.0)


def test_band_scores_match_numpy():
    X, y = _data(2000, 4, 4)
    Xs = X[::7].copy()
    beta = np.random.default_rng(5).standard_normal(5)
    z, ok = kf._band_scores(X, y, beta, Xs)
    quad = np.einsum("ij,jk,ik->i", X, np.linalg.inv(Xs.T @ Xs), X)
    assert ok
    np.testing.assert_allclose(z, (y - X @ beta) / np.sqrt(quad), rtol=1e-10)


def test_band_scores_flag_a_singular_pilot():
    X, y = _data(100, 2, 6)
    Xs = X[:10].copy()
    Xs[:, 2] = 2.0 * Xs[:, 1]
    assert not kf._band_scores(X, y, np.zeros(3), Xs)[1]


@pytest.mark.parametrize("tau", [0.05, 0.5, 0.9])
def test_interior_point_is_dual_feasible_and_near_optimal(tau):
    X, y = _data(800, 3, 7)
    beta, a, _it, converged = kq.rq_interior(X, y, tau, 1e-10, 200)
    assert converged
    assert np.all((a > 0) & (a < 1))
    np.testing.assert_allclose(X.T @ a, (1 - tau) * X.sum(axis=0), rtol=1e-7, atol=1e-7)
    b_exact, _h, status = kq.rq_fit_direct(X, y, tau, 1e-10, 200)
    assert status == kq.OPTIMAL
    loss = kq.check_loss(y - X @ beta, tau)
    exact = kq.check_loss(y - X @ b_exact, tau)
    assert exact <= loss <= exact * (1 + 1e-8)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("tau", [0.01, 0.25, 0.5, 0.97])
def test_preprocessing_reaches_the_direct_optimum(seed, tau):
    """Pilot fit to a loose gap, band, globs and fix-ups: the same LP optimum as the direct solver."""
    X, y = _data(5000 + 997 * seed, 3, 100 + seed, df=1.5 + seed)
    b_pp, _h, st_pp = kf.rq_fit_ppro(X, y, tau, 1e-10, 200)
    b_d, _h, st_d = kq.rq_fit_direct(X, y, tau, 1e-10, 200)
    assert st_pp == kq.OPTIMAL and st_d == kq.OPTIMAL
    lp, ld = kq.check_loss(y - X @ b_pp, tau), kq.check_loss(y - X @ b_d, tau)
    assert lp <= ld * (1 + 1e-12)


@pytest.mark.parametrize("n", [kf.PPRO_MIN, 2500])
@pytest.mark.parametrize("tau", [0.02, 0.5, 0.9])
def test_preprocessing_at_moderate_n_with_ties(n, tau):
    """Rounded data (many tied residuals) just above PPRO_MIN: still the direct optimum."""
    X, y = _data(n, 2, n + int(100 * tau))
    X, y = np.round(X, 1), np.round(y)
    X[:, 0] = 1.0
    b_pp, _h, st_pp = kf.rq_fit(X, y, tau, np.zeros(3, dtype=np.int64), False, 0, 1e-10, 200)
    b_d, _h, st_d = kq.rq_fit_direct(X, y, tau, 1e-10, 200)
    assert st_pp == kq.OPTIMAL and st_d == kq.OPTIMAL
    lp, ld = kq.check_loss(y - X @ b_pp, tau), kq.check_loss(y - X @ b_d, tau)
    assert lp <= ld * (1 + 1e-12)


def test_many_tau_without_warm_start_match_single_fits():
    """From WARM_MAX_N on, several tau are solved afresh: identical to one fit per tau."""
    X, y = _data(3 * kf.WARM_MAX_N, 2, 12)
    taus = np.array([0.1, 0.3, 0.5, 0.7, 0.9])
    res = QuantReg(tau=taus).fit(y, X[:, 1:])
    for tau in taus:
        one = QuantReg(tau=float(tau)).fit(y, X[:, 1:])
        assert res.objective.loc[tau] == pytest.approx(one.objective, rel=1e-12)


def test_cov_iid_with_precomputed_gram_is_the_same():
    X, y = _data(500, 2, 8)
    beta = kq.rq_fit_direct(X, y, 0.3, 1e-10, 200)[0]
    a = inf.cov_iid(X, y, 0.3, beta)
    b = inf.cov_iid(X, y, 0.3, beta, gram=X.T @ X)
    np.testing.assert_array_equal(a, b)


def test_bandwidth_matches_scipy_stats_formula():
    from scipy import stats

    for tau in (0.01, 0.3, 0.5, 0.95):
        x0 = stats.norm.ppf(tau)
        f0 = stats.norm.pdf(x0)
        hs = 1e4 ** (-1 / 3) * stats.norm.ppf(0.975) ** (2 / 3)
        hs *= (1.5 * f0**2 / (2 * x0**2 + 1)) ** (1 / 3)
        bo = 1e4**-0.2 * (4.5 * f0**4 / (2 * x0**2 + 1) ** 2) ** 0.2
        assert inf.bandwidth(tau, 10_000) == pytest.approx(hs, rel=1e-14)
        assert inf.bandwidth(tau, 10_000, "bofinger") == pytest.approx(bo, rel=1e-14)


@pytest.mark.parametrize("weights", [None, "uniform"])
def test_rank_check_on_rescaled_gram_names_the_column(weights):
    """The rank check now runs on the Gram matrix of the standardised design."""
    rng = np.random.default_rng(9)
    n = 200
    X = rng.standard_normal((n, 3)) * [1e-5, 1.0, 1e6]
    X = np.column_stack([X, 3e5 * X[:, 0] - 2e-6 * X[:, 2]])
    y = rng.standard_normal(n)
    w = None if weights is None else rng.uniform(0.5, 2.0, n)
    with pytest.raises(InputError, match="'x4'"):
        QuantReg(tau=0.5).fit(y, X, weights=w)
    res = QuantReg(tau=0.5).fit(y, X[:, :3], weights=w)  # full rank despite the scales
    assert res.converged


@pytest.mark.parametrize("seed", ["a", 1.5, True])
def test_bad_seed_rejected_even_without_bootstrap(seed):
    X, y = _data(50, 1, 10)
    with pytest.raises(InputError, match="seed"):
        QuantReg(tau=0.5, se="iid", seed=seed).fit(y, X[:, 1])


def test_max_step_matches_the_ratio_test():
    rng = np.random.default_rng(11)
    for n in (1, 7, 8, 9, 100):
        v, u = rng.uniform(0.1, 1.0, n), rng.uniform(0.1, 1.0, n)
        dv, du = rng.standard_normal(n), rng.standard_normal(n)
        ratios = np.concatenate([-v[dv < 0] / dv[dv < 0], -u[du < 0] / du[du < 0]])
        expected = ratios.min() if ratios.size else 1e300
        got = kq._max_step(1 / v, dv, 1 / u, du)
        assert got == pytest.approx(expected, rel=1e-14)
    assert kq._max_step(np.ones(3), np.ones(3), np.ones(3), np.ones(3)) == 1e300
    assert math.isfinite(kq._max_step(np.ones(3), -np.ones(3), np.ones(3), np.ones(3)))
