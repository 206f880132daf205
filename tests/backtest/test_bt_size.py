"""Monte Carlo size and power of the backtests under correctly specified / misspecified models.

Correct model: returns iid N(0, 1) with the true VaR and ES (constant), so hits are iid
Bernoulli(alpha) and PIT values iid U(0, 1). Rejection rates at the 5% level must be near
5%: with R replications the band is about +-3 binomial standard errors.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from riskkit.backtest import es_tests as es
from riskkit.backtest import tests as bt

pytestmark = pytest.mark.slow

ALPHA = 0.05
N = 1000
Q = stats.norm.ppf(ALPHA)
VAR, ES = -Q, stats.norm.pdf(Q) / ALPHA


def _band(rate, reps, level=0.05):
    se = np.sqrt(level * (1 - level) / reps)
    return level - 3.2 * se <= rate <= level + 3.2 * se


def test_size_of_count_duration_and_density_tests():
    rng = np.random.default_rng(2026)
    reps = 600
    var, esv = np.full(N, VAR), np.full(N, ES)
    tests = {
        "kupiec": lambda x, u, h: bt.kupiec(hits=h, alpha=ALPHA),
        "binomial": lambda x, u, h: bt.binomial(hits=h, alpha=ALPHA),
        "cc": lambda x, u, h: bt.christoffersen(hits=h, alpha=ALPHA),
        "ind": lambda x, u, h: bt.christoffersen(hits=h, alpha=ALPHA, test="ind"),
        "du_esc_uc": lambda x, u, h: es.du_escanciano(u, ALPHA),
        "du_esc_cc": lambda x, u, h: es.du_escanciano(u, ALPHA, test="conditional"),
        "berkowitz": lambda x, u, h: es.berkowitz(u),
        "berkowitz_tail": lambda x, u, h: es.berkowitz(u, ALPHA, test="tail"),
        "nolde_ziegel": lambda x, u, h: es.nolde_ziegel(x, var, esv, ALPHA),
    }
    rejections = dict.fromkeys(tests, 0)
    for _ in range(reps):
        x = rng.standard_normal(N)
        u = stats.norm.cdf(x)
        h = (x < Q).astype(float)
        for name, fn in tests.items():
            rejections[name] += fn(x, u, h).reject(0.05)
    rates = {k: v / reps for k, v in rejections.items()}
    # LR_ind, the Box-Pierce form of Du-Escanciano and the Nolde-Ziegel Wald test over-reject
    # mildly with their chi2 limits at ~50 exceptions (documented; the Monte Carlo p-values
    # of the first two are checked below)
    asymptotic_only = {k: rates.pop(k) for k in ("ind", "du_esc_cc", "nolde_ziegel")}
    bad = {k: r for k, r in rates.items() if not _band(r, reps)}
    assert not bad, f"size outside the band: {bad} (all: {rates})"
    assert all(0.02 <= r <= 0.12 for r in asymptotic_only.values()), asymptotic_only


def test_size_of_monte_carlo_pvalues():
    rng = np.random.default_rng(11)
    reps = 200
    rej_ind = rej_de = 0
    for i in range(reps):
        u = rng.random(N)
        h = (u < ALPHA).astype(float)
        rej_ind += bt.christoffersen(hits=h, alpha=ALPHA, test="ind", n_sim=99, seed=i).reject()
        rej_de += es.du_escanciano(u, ALPHA, test="conditional", n_sim=199, seed=i).reject()
    assert _band(rej_ind / reps, reps), rej_ind / reps
    assert _band(rej_de / reps, reps), rej_de / reps


def test_size_of_monte_carlo_duration_tests():
    # Dufour Monte Carlo p-values are exact under iid Bernoulli hits
    rng = np.random.default_rng(7)
    reps = 150
    rej_haas = rej_cp = 0
    for i in range(reps):
        h = (rng.random(500) < ALPHA).astype(float)
        rej_haas += bt.haas(hits=h, alpha=ALPHA, n_sim=99, seed=i).reject()
        rej_cp += bt.christoffersen_pelletier(hits=h, alpha=ALPHA, n_sim=49, seed=i).reject()
    assert _band(rej_haas / reps, reps), rej_haas / reps
    assert _band(rej_cp / reps, reps), rej_cp / reps


def test_size_of_simulation_es_tests():
    rng = np.random.default_rng(99)
    reps = 200
    var, esv = np.full(N, VAR), np.full(N, ES)
    counts = {"mf": 0, "z1": 0, "z2": 0, "z3": 0}
    for i in range(reps):
        x = rng.standard_normal(N)
        counts["mf"] += es.mcneil_frey(x, var, esv, n_boot=499, seed=i).reject()
        for z in ("z1", "z2", "z3"):
            res = es.acerbi_szekely(x, var, esv, ALPHA, test=z, scale=1.0, n_sim=499, seed=i)
            counts[z] += res.reject()
    rates = {k: v / reps for k, v in counts.items()}
    bad = {k: r for k, r in rates.items() if not _band(r, reps)}
    assert not bad, f"size outside the band: {bad} (all: {rates})"


def test_power_against_underestimated_volatility():
    # true sigma = 1.25, forecasts assume sigma = 1: every coverage and ES test should reject
    rng = np.random.default_rng(5)
    reps = 100
    var, esv = np.full(N, VAR), np.full(N, ES)
    counts = {"kupiec": 0, "cc": 0, "de": 0, "nz": 0, "z2": 0}
    for i in range(reps):
        x = 1.25 * rng.standard_normal(N)
        h = (x < Q).astype(float)
        counts["kupiec"] += bt.kupiec(hits=h, alpha=ALPHA).reject()
        counts["cc"] += bt.christoffersen(hits=h, alpha=ALPHA).reject()
        counts["de"] += es.du_escanciano(stats.norm.cdf(x), ALPHA).reject()
        counts["nz"] += es.nolde_ziegel(x, var, esv, ALPHA, conditional=False).reject()
        counts["z2"] += es.acerbi_szekely(
            x, var, esv, ALPHA, test="z2", scale=1.0, n_sim=199, seed=i
        ).reject()
    rates = {k: v / reps for k, v in counts.items()}
    assert all(r > 0.8 for r in rates.values()), rates
