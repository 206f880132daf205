"""Full pipeline on raw trades: timestamps -> durations -> diurnal adjustment -> fit -> diagnostics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import reference_path

import riskkit.durations as rd

pytestmark = pytest.mark.reference

CASES = {
    # file, timestamp column, session, number of raw trades
    "ibm": ("ibm_trades_1990_1991.csv.gz", "datetime", ("09:30", "16:00"), 60_328),
    "acdm": ("acdm_trades_2009.csv.gz", "time", ("10:00", "18:25"), None),
}


@pytest.fixture(scope="module", params=list(CASES))
def pipeline(request):
    fname, col, session, n_raw = CASES[request.param]
    raw = pd.read_csv(reference_path(fname))
    if n_raw is not None:
        assert len(raw) == n_raw
    ts = pd.to_datetime(raw[col])
    x = rd.durations(ts, session=session, zero="aggregate")
    adj = rd.diurnal_adjust(x, method="spline", session=session)
    res = rd.ACD(dist="weibull").fit(adj.adjusted)
    return session, x, adj, res


def _clock(hhmm):
    h, m = hhmm.split(":")
    return int(h) * 3600 + int(m) * 60


def test_durations_positive_within_session(pipeline):
    session, x, _, _ = pipeline
    assert (x > 0).all()
    assert x.index.is_monotonic_increasing
    tod = (x.index - x.index.normalize()).total_seconds()
    assert tod.min() >= _clock(session[0]) and tod.max() <= _clock(session[1])
    # no duration spans the night
    assert x.max() < _clock(session[1]) - _clock(session[0])


def test_diurnal_factor_inverted_u(pipeline):
    session, _, adj, _ = pipeline
    lo, hi = _clock(session[0]), _clock(session[1])
    f = adj.factor
    open_, close = f(lo + 900)[0], f(hi - 900)[0]
    mid = f(np.linspace(lo + 0.35 * (hi - lo), lo + 0.65 * (hi - lo), 7)).mean()
    assert mid > open_ and mid > close  # trades are slowest around lunch time
    assert adj.adjusted.mean() == pytest.approx(1.0, abs=1e-9)
    fourier = rd.diurnal_adjust(pipeline[1], method="fourier", session=session).factor
    assert fourier(lo + 0.5 * (hi - lo))[0] > fourier(lo + 900)[0]


def test_fit_and_diagnostics(pipeline):
    _, x, adj, res = pipeline
    assert res.converged
    assert 0.0 < res.persistence < 1.05
    assert 0.5 < res.params["shape"] < 1.0  # over-dispersed durations
    assert res.conditional_durations.index.equals(x.index)
    d = res.diagnostics(lags=20)
    assert np.all(np.isfinite(d["statistic"]))
    # the ACD removes most of the serial correlation of the adjusted durations
    from statsmodels.tsa.stattools import acf

    a = adj.adjusted.to_numpy()
    n = a.size
    r = acf(a, nlags=20, fft=True)[1:]
    raw_lb = n * (n + 2) * np.sum(r**2 / (n - np.arange(1, 21)))
    assert d.loc["ljung_box_resid(20)", "statistic"] < 0.2 * raw_lb
    test = res.infinite_mean_test(alternative="less")
    assert np.isfinite(test.statistic)
