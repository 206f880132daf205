"""Cross-check against arch: same likelihood (arch's backcast start), parameters, forecasts."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from arch import arch_model
from arch.data import sp500
from arch.univariate import EWMAVariance, ZeroMean
from conftest import reference_path

import riskkit as rk

PROCESSES = {
    "GARCH": (rk.GARCH, {"vol": "GARCH", "p": 1, "o": 0, "q": 1}),
    "GJR": (rk.GJR, {"vol": "GARCH", "p": 1, "o": 1, "q": 1}),
    "EGARCH": (rk.EGARCH, {"vol": "EGARCH", "p": 1, "o": 1, "q": 1}),
}
DISTS = ["normal", "t", "skewt", "ged"]


@pytest.fixture(scope="module")
def sp() -> pd.Series:
    px = sp500.load()["Adj Close"]
    return (100 * px.pct_change()).dropna()


@pytest.fixture(scope="module")
def dmbp() -> pd.Series:
    return pd.read_csv(reference_path("dmbp.csv.gz"))["ret"]


def _arch_fit(r, kind, dist):
    _, kw = PROCESSES[kind]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return arch_model(r, dist=dist, **kw).fit(disp="off")


def _check(r, kind, dist):
    spec, _ = PROCESSES[kind]
    ours = spec(dist=dist).fit(r)
    ref = _arch_fit(r, kind, dist)
    assert ours.converged
    # never worse than arch by more than 1e-4 relative (both start from arch's backcast)
    assert ours.loglikelihood >= ref.loglikelihood - 1e-4 * abs(ref.loglikelihood)
    # same names and order as arch (skewt: Hansen's eta, lambda in both)
    assert list(ours.params.index) == list(ref.params.index)
    if ours.loglikelihood - ref.loglikelihood < 1e-3:  # same optimum: parameters agree
        np.testing.assert_allclose(ours.params, ref.params, rtol=2e-2, atol=2e-3)


@pytest.mark.parametrize("kind", list(PROCESSES))
@pytest.mark.parametrize("dist", DISTS)
def test_sp500_matches_arch(sp, kind, dist):
    _check(sp, kind, dist)


@pytest.mark.reference
@pytest.mark.parametrize("kind", list(PROCESSES))
@pytest.mark.parametrize("dist", DISTS)
def test_dmbp_matches_arch(dmbp, kind, dist):
    _check(dmbp, kind, dist)


def test_ar_mean_matches_arch(sp):
    ours = rk.GARCH(mean="ar", ar=2, dist="t").fit(sp)
    ref = arch_model(sp, mean="AR", lags=2, dist="t").fit(disp="off")
    assert ours.loglikelihood >= ref.loglikelihood - 1e-6 * abs(ref.loglikelihood)
    np.testing.assert_allclose(ours.params.to_numpy(), ref.params.to_numpy(), rtol=2e-2, atol=2e-3)
    # first two observations are only AR lags: NaN volatility, caller's index kept
    assert ours.conditional_volatility.index.equals(sp.index)
    assert ours.conditional_volatility.iloc[:2].isna().all()
    np.testing.assert_allclose(
        ours.conditional_volatility.iloc[2:], ref.conditional_volatility.iloc[2:], rtol=2e-3
    )


def test_ewma_matches_arch_riskmetrics(sp):
    ours = rk.EWMA(lam=0.94).fit(sp)
    am = ZeroMean(sp, volatility=EWMAVariance(0.94))
    ref = am.fit(disp="off")
    assert ours.loglikelihood == pytest.approx(ref.loglikelihood, rel=1e-9)
    np.testing.assert_allclose(ours.conditional_volatility, ref.conditional_volatility, rtol=1e-9)


def test_analytic_forecast_matches_arch(sp):
    ours = rk.GJR(dist="t").fit(sp)
    ref = arch_model(sp, o=1, dist="t").fit(disp="off", starting_values=ours.params.to_numpy())
    f_ours = ours.forecast(horizon=10)
    # arch forecasts from its own estimates: compare at OUR parameters via arch's fix()
    fixed = arch_model(sp, o=1, dist="t").fix(ours.params.to_numpy())
    f_ref = fixed.forecast(horizon=10, reindex=False).variance.iloc[-1].to_numpy()
    np.testing.assert_allclose(f_ours["variance"].to_numpy(), f_ref, rtol=1e-8)
    np.testing.assert_allclose(f_ours["mean"].to_numpy(), ours.params["mu"], rtol=1e-12)
    assert ref.loglikelihood <= ours.loglikelihood + 1e-4 * abs(ours.loglikelihood)
