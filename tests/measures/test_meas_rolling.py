"""Rolling measures against slow oracles that call the unconditional functions per window."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs
from hypothesis.extra import numpy as hnp
from scipy import stats

import riskkit as rk
from riskkit._kernels.expectiles import expectiles_sorted
from riskkit.measures.historical import historical_var_es

LEVELS = [0.01, 0.025, 0.05, 0.2]


def windows(x, window, min_periods):
    """(t, valid values of the window ending at t) for every t with a result."""
    for t in range(len(x)):
        win = x[max(0, t - window + 1) : t + 1]
        win = win[~np.isnan(win)]
        if len(win) >= min_periods:
            yield t, win


def oracle(x, window, min_periods, fn, levels):
    out = np.full((len(x), len(levels)), np.nan)
    for t, win in windows(x, window, min_periods):
        out[t] = fn(win, levels)
    return out


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    x = 0.01 * rng.standard_t(4, 700)
    x[100:110] = np.nan
    x[300:305] = np.round(x[300:305], 2)
    return x


def assert_close(got, want, rtol=1e-12, atol=1e-15):
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


@pytest.mark.parametrize(("window", "min_periods"), [(100, 100), (100, 20), (37, 5)])
def test_historical_var_es_match_oracle(data, window, min_periods):
    roll = rk.rolling(data, window, min_periods, nan_policy="omit")
    want_v = oracle(data, window, min_periods, lambda w, a: rk.var(w, a), LEVELS)
    want_e = oracle(data, window, min_periods, lambda w, a: rk.es(w, a), LEVELS)
    assert_close(roll.var(LEVELS), want_v)
    assert_close(roll.es(LEVELS), want_e)


def test_expectile_matches_oracle(data):
    taus = [0.01, 0.1, 0.5]
    got = rk.rolling(data, 120, 30, nan_policy="omit").expectile(taus)
    want = oracle(data, 120, 30, lambda w, t: rk.expectile(w, t), taus)
    assert_close(got, want, rtol=1e-12, atol=1e-16)
    # and scipy on a few windows
    for t in (200, 450, 699):
        win = data[t - 119 : t + 1]
        win = win[~np.isnan(win)]
        assert got[t, 0] == pytest.approx(stats.expectile(win, 0.01), abs=1e-10)


def test_normal_matches_oracle(data):
    levels = [0.01, 0.05]
    roll = rk.rolling(data, 90, 10, nan_policy="omit")
    z = stats.norm.ppf(levels)

    def v(w, a):
        return -(w.mean() + w.std(ddof=1) * z)

    def e(w, a):
        return w.std(ddof=1) * stats.norm.pdf(z) / np.asarray(a) - w.mean()

    assert_close(roll.var(levels, method="normal"), oracle(data, 90, 10, v, levels), rtol=1e-10)
    assert_close(roll.es(levels, method="normal"), oracle(data, 90, 10, e, levels), rtol=1e-10)
    # same numbers as the unconditional normal method
    last = data[-90:]
    assert roll.var(0.01, method="normal")[-1] == pytest.approx(
        rk.var(last, 0.01, method="normal"), rel=1e-10
    )


def test_normal_on_trending_levels_has_no_cancellation():
    # price-like levels drifting from 100 to 10,000 with small local noise
    rng = np.random.default_rng(5)
    x = np.exp(np.linspace(np.log(100), np.log(1e4), 3000)) + rng.standard_normal(3000)
    # at alpha = 0.5 (z = 0): VaR = -mean and ES - VaR = sd * phi(0) / 0.5
    roll = rk.rolling(x, 60)
    minus_mean = roll.var(0.5, method="normal")
    got_sd = roll.es(0.5, method="normal") - minus_mean
    want_mean = np.array([np.nan] * 59 + [x[t - 59 : t + 1].mean() for t in range(59, 3000)])
    want_sd = np.array([np.nan] * 59 + [x[t - 59 : t + 1].std(ddof=1) for t in range(59, 3000)])
    phi0 = stats.norm.pdf(0.0) / 0.5
    assert_close(-minus_mean, want_mean, rtol=1e-13)
    assert_close(got_sd / phi0, want_sd, rtol=1e-11)


def test_loop_methods_match_unconditional(data):
    x = data[200:420]
    roll = rk.rolling(x, 150)
    got = roll.es([0.01, 0.05], method="kernel", bandwidth="scott")
    want = oracle(
        x, 150, 150, lambda w, a: rk.es(w, a, method="kernel", bandwidth="scott"), [0.01, 0.05]
    )
    assert_close(got, want, rtol=1e-13)
    with pytest.raises(rk.InputError, match="unknown option 'bw'"):
        roll.var(0.01, method="kernel", bw=1.0)


def test_evar_matches_oracle(data):
    levels = [0.01, 0.05]
    roll = rk.rolling(data, 100, 50, nan_policy="omit")
    res = roll.evar(levels, return_tau=True)
    want_tau = np.full((len(data), 2), np.nan)
    want_es = np.full((len(data), 2), np.nan)
    for t, win in windows(data, 100, 50):
        r = rk.evar(win, levels, return_tau=True)
        want_tau[t], want_es[t] = r.tau, r.es
    assert_close(res.evar, roll.var(levels))
    assert_close(res.tau, want_tau, rtol=1e-11)
    assert_close(res.es, want_es, rtol=1e-11)
    fixed = roll.evar(levels, match="normal", return_tau=True)
    want = oracle(data, 100, 50, lambda w, a: rk.evar(w, a, match="normal"), levels)
    assert_close(fixed.evar, want, rtol=1e-12)
    with pytest.raises(rk.InputError, match="not supported by rolling"):
        roll.evar(0.01, match="t")


def test_layouts_and_alignment(stocks):
    df = stocks.iloc[:400, :3]
    s = df["AAPL"]
    roll = rk.rolling(s, 250)
    out = roll.var(0.01)
    assert isinstance(out, pd.Series) and out.index.equals(s.index) and out.name == "AAPL"
    assert out.iloc[:249].isna().all() and out.iloc[249:].notna().all()
    # value at t uses data up to and including t
    t = s.index[300]
    assert out[t] == rk.var(s.loc[:t].iloc[-250:], 0.01)
    multi = roll.es([0.01, 0.05])
    assert isinstance(multi, pd.DataFrame) and multi.columns.name == "alpha"
    assert list(multi.columns) == [0.01, 0.05]
    frame = rk.rolling(df, 250).var([0.01, 0.05])
    assert frame.columns.names == ["alpha", None]
    pd.testing.assert_frame_equal(frame[0.05], rk.rolling(df, 250).var(0.05))
    pd.testing.assert_series_equal(frame[0.05]["BAC"], rk.rolling(df["BAC"], 250).var(0.05))
    arr = df.to_numpy()
    assert rk.rolling(arr, 250).var([0.01, 0.05]).shape == (400, 3, 2)
    assert rk.rolling(arr[:, 0], 250).var([0.01, 0.05]).shape == (400, 2)
    np.testing.assert_array_equal(rk.rolling(arr[:, 0], 250).var(0.01), out.to_numpy())
    # accessor is the same function
    pd.testing.assert_series_equal(s.risk.rolling(250).var(0.01), out)


def test_rolling_bad_input(stocks):
    s = stocks["AAPL"].iloc[:300]
    with pytest.raises(rk.InputError, match="window"):
        rk.rolling(s, 0)
    with pytest.raises(rk.InputError, match="window must be an integer"):
        rk.rolling(s, 2.5)
    with pytest.raises(rk.InputError, match="min_periods"):
        rk.rolling(s, 50, min_periods=60)
    with pytest.raises(rk.InputError, match="needs at least"):
        rk.rolling(s, 500)
    with pytest.raises(rk.InputError, match="not sorted"):
        rk.rolling(s.iloc[::-1], 50)
    with pytest.raises(rk.InputError, match="duplicated"):
        rk.rolling(pd.concat([s, s.iloc[-1:]]), 50)
    bad = s.copy()
    bad.iloc[10] = np.nan
    with pytest.raises(rk.InputError, match="NaN"):
        rk.rolling(bad, 50)
    with pytest.raises(rk.InputError, match="alpha"):
        rk.rolling(s, 50).var(1.5)
    with pytest.raises(rk.InputError, match="method must be one of"):
        rk.rolling(s, 50).es(0.01, method="garch")


def test_threads_give_identical_results(stocks):
    df = stocks.iloc[:600, :5].copy()
    df.iloc[100:130, 2] = np.nan
    serial = rk.rolling(df, 200, 50, nan_policy="omit", n_jobs=1)
    threaded = rk.rolling(df, 200, 50, nan_policy="omit", n_jobs=3)
    for name in ("var", "es"):
        pd.testing.assert_frame_equal(
            getattr(serial, name)([0.01, 0.05]), getattr(threaded, name)([0.01, 0.05])
        )
    pd.testing.assert_frame_equal(serial.expectile(0.05), threaded.expectile(0.05))
    pd.testing.assert_frame_equal(
        serial.es(0.05, method="normal"), threaded.es(0.05, method="normal")
    )
    r1 = serial.evar(0.01, return_tau=True)
    r2 = threaded.evar(0.01, return_tau=True)
    pd.testing.assert_frame_equal(r1.tau, r2.tau)
    pd.testing.assert_frame_equal(r1.es, r2.es)
    with pytest.raises(rk.InputError, match="n_jobs"):
        rk.rolling(df, 200, n_jobs=0)


@pytest.mark.slow
def test_rolling_var_forecast_coverage_is_exact_order_statistic_rate():
    # iid continuous data: P(X_new < x_(k) of the previous w values) = k / (w + 1) exactly,
    # so the exception rate of the shifted rolling historical VaR is k/(w+1) (= 3/251 here).
    rng = np.random.default_rng(123)
    w, alpha = 250, 0.01
    x = rng.standard_normal((40_000, 20))
    v = rk.rolling(x, w).var(alpha)
    forecast = v[:-1]
    realised = x[1:]
    ok = ~np.isnan(forecast)
    rate = np.mean(-realised[ok] > forecast[ok])
    expected = 3 / 251
    # exceptions of overlapping windows are correlated: allow 10 naive standard errors
    # (0.0012; the neighbouring rules k = 2 or 4 would give 0.0080 or 0.0159)
    se = np.sqrt(expected * (1 - expected) / ok.sum())
    assert abs(rate - expected) < 10 * se


@settings(max_examples=30, deadline=None)
@given(
    x=hnp.arrays(
        np.float64,
        hs.integers(1, 80),
        elements=hs.one_of(hs.floats(-100, 100), hs.just(np.nan), hs.sampled_from([0.0, 1.0])),
    ),
    window=hs.integers(1, 30),
    mp=hs.integers(1, 30),
    alpha=hs.floats(0.01, 0.99),
    tau=hs.floats(0.01, 0.99),
)
def test_rolling_random_inputs_match_oracle(x, window, mp, alpha, tau):
    mp = min(mp, window)
    if np.sum(~np.isnan(x)) < mp:
        with pytest.raises(rk.InputError):
            rk.rolling(x, window, mp, nan_policy="omit")
        return
    roll = rk.rolling(x, window, mp, nan_policy="omit")
    v, e, ex = roll.var(alpha), roll.es(alpha), roll.expectile(tau)
    for t in range(len(x)):
        win = x[max(0, t - window + 1) : t + 1]
        win = win[~np.isnan(win)]
        if len(win) < mp:
            assert np.isnan(v[t]) and np.isnan(e[t]) and np.isnan(ex[t])
            continue
        s = np.sort(win)
        ov, oe = historical_var_es(s, np.array([alpha]))
        assert v[t] == ov[0]
        assert e[t] == pytest.approx(oe[0], rel=1e-12, abs=1e-12)
        assert ex[t] == pytest.approx(
            expectiles_sorted(s, np.array([tau]))[0], rel=1e-12, abs=1e-12
        )


def test_var_only_finger_path_equals_tree_path():
    # the VaR-only kernel path (finger moves) must give exactly the order statistic of the
    # full (tree descent) path, on ties, NaN gaps, trends, short windows and several levels
    from riskkit._kernels.rolling import argsort_columns, rolling_historical

    rng = np.random.default_rng(11)
    for it in range(400):
        n, m = int(rng.integers(1, 300)), int(rng.integers(1, 3))
        kind = it % 4
        if kind == 0:
            x = rng.standard_normal((n, m))
        elif kind == 1:
            x = rng.integers(0, 4, (n, m)).astype(float)
        elif kind == 2:
            x = np.cumsum(rng.standard_normal((n, m)), axis=0)
        else:
            x = rng.standard_t(2, (n, m))
        x[rng.random((n, m)) < rng.random() * 0.3] = np.nan
        w = int(rng.integers(1, 80))
        mp = int(rng.integers(1, w + 1))
        levels = np.unique(rng.uniform(0.001, 0.999, int(rng.integers(1, 4))))
        order = argsort_columns(x)
        fast = rolling_historical(x, order, w, mp, levels, 0, False)[0]
        full = rolling_historical(x, order, w, mp, levels, 2, False)[0]
        np.testing.assert_array_equal(fast, full)


@pytest.mark.parametrize(("window", "alpha"), [(250, 0.01), (250, 0.05), (100, 0.025)])
def test_rolling_var_equals_pandas_lower_quantile(stocks, window, alpha):
    # with n alpha non-integer and frac(n alpha) >= alpha, pandas' "lower" quantile picks the
    # same order statistic x_(ceil(n alpha)): the values must agree exactly
    got = rk.rolling(stocks, window).var(alpha)
    want = -stocks.rolling(window).quantile(alpha, interpolation="lower")
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def _tail_vs_tree_data(rng, it):
    n, m = int(rng.integers(1, 400)), int(rng.integers(1, 3))
    kind = it % 6
    if kind == 0:
        x = rng.standard_normal((n, m))
    elif kind == 1:  # heavy ties: few distinct values, many zeros
        x = rng.integers(-2, 3, (n, m)).astype(float) * (rng.random((n, m)) < 0.5)
    elif kind == 2:  # random-walk levels (long drifts)
        x = np.cumsum(rng.standard_normal((n, m)), axis=0)
    elif kind == 3:  # monotone trends
        x = np.cumsum(rng.random((n, m)), axis=0) * rng.choice([-1.0, 1.0])
    elif kind == 4:  # volatility regimes
        x = rng.standard_normal((n, m)) * np.repeat(rng.uniform(0.1, 10, n // 50 + 1), 50)[:n, None]
    else:
        x = rng.standard_t(2, (n, m))
    x[rng.random((n, m)) < rng.random() * 0.3] = np.nan
    return x


def test_tail_buffer_path_equals_tree_path():
    # the tail-buffer kernel (small tails) against the Fenwick tree (any tail): identical
    # order statistics, and ES / lpm_tau / mean equal to rounding, on ties, NaN gaps,
    # trends, volatility regimes, short windows and several levels
    from riskkit._kernels.rolling import argsort_columns, rolling_historical, tail_size

    rng = np.random.default_rng(21)
    tried = 0
    for it in range(600):
        x = _tail_vs_tree_data(rng, it)
        w = int(rng.integers(1, 120))
        mp = int(rng.integers(1, w + 1))
        levels = np.unique(rng.choice([0.005, 0.01, 0.025, 0.05, 0.1, 0.3], rng.integers(1, 3)))
        order = argsort_columns(x)
        for outputs in (0, 1, 2):
            if tail_size(w, levels, outputs > 0) == 0:
                continue
            tried += 1
            tail = rolling_historical(
                x, np.empty((0, 0), dtype=np.int64), w, mp, levels, outputs, True
            )
            tree = rolling_historical(x, order, w, mp, levels, outputs, False)
            np.testing.assert_array_equal(tail[0], tree[0])
            for a, b in zip(tail[1:], tree[1:]):
                assert a.shape == b.shape
                np.testing.assert_allclose(a, b, rtol=1e-14, atol=1e-300)
    assert tried > 600  # the tail path was exercised


def test_tail_buffer_hands_adversarial_columns_to_the_tree():
    # an increasing series drains the buffer every few rows (each refill scans the window):
    # past its work budget the tail buffer gives up and the tree recomputes the column
    from riskkit._kernels.rolling import (
        _tail_column,
        _tail_tables,
        argsort_columns,
        rolling_historical,
        tail_size,
    )

    n, w = 6000, 3000
    x = np.linspace(-1.0, 1.0, n)[:, None]
    levels = np.array([0.01])
    size = tail_size(w, levels, False)
    assert size > 0
    out = np.empty((1, n))
    empty = np.empty((1, 0))
    tables = _tail_tables(w, levels, False)
    assert not _tail_column(x[:, 0].copy(), w, w, tables, 0, size, out, empty, empty, empty[0])
    got = rolling_historical(x, np.empty((0, 0), dtype=np.int64), w, w, levels, 0, True)[0]
    want = rolling_historical(x, argsort_columns(x), w, w, levels, 0, False)[0]
    np.testing.assert_array_equal(got, want)
    assert got[w - 1, 0, 0] == -x[29, 0]  # k = ceil(3000 * 0.01) = 30
