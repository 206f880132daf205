"""QuantReg on the Engel food-expenditure data against R quantreg's published values."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from statsmodels.datasets import engel

import riskkit as rk
from riskkit.regression import QuantReg

# R quantreg vignette ("Quantile regression in R: a vignette", Koenker), rq(foodexp ~ income)
# exact LP ("br") solutions; also ../shared/reference/README.md.
ENGEL_COEF = {
    0.1: (110.141574, 0.40176576),
    0.25: (95.483540, 0.47410321),
    0.5: (81.4822474, 0.5601806),
    0.75: (62.396586, 0.64401414),
    0.9: (67.350872, 0.68629948),
}
# summary(rq(foodexp ~ income, tau = .5), se = "nid") (Hall-Sheather bandwidth, hs = TRUE)
ENGEL_NID_SE = (19.25066, 0.02828)
# summary(rq(foodexp ~ income, tau = .5)) (se = "rank", the default for n < 1001): 90% intervals
ENGEL_RANK_CI = ((53.25915, 114.01156), (0.48702, 0.60199))


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return engel.load_pandas().data


@pytest.mark.parametrize("tau", sorted(ENGEL_COEF))
def test_engel_coefficients_match_r(data, tau):
    res = QuantReg(tau=tau).fit(data["foodexp"], data[["income"]])
    assert res.converged
    np.testing.assert_allclose(res.params.to_numpy(), ENGEL_COEF[tau], atol=1e-6, rtol=0)
    assert list(res.params.index) == ["const", "income"]


def test_engel_many_tau_at_once(data):
    taus = [0.9, 0.1, 0.5, 0.25, 0.75]  # unsorted on purpose
    res = QuantReg(tau=taus).fit(data["foodexp"], data["income"])
    assert isinstance(res.params, pd.DataFrame)
    assert list(res.params.index) == taus
    for tau in taus:
        np.testing.assert_allclose(res.params.loc[tau].to_numpy(), ENGEL_COEF[tau], atol=1e-6)
    assert res.std_errors.shape == (5, 2)
    assert res.conf_int().shape == (10, 2)


def test_engel_nid_standard_errors(data):
    res = QuantReg(tau=0.5, se="nid").fit(data["foodexp"], data[["income"]])
    se = res.std_errors.to_numpy()
    # agreement to the digits R prints (4 significant digits)
    assert [float(f"{v:.4g}") for v in se] == [float(f"{v:.4g}") for v in ENGEL_NID_SE]
    assert se[0] == pytest.approx(ENGEL_NID_SE[0], rel=1e-6)


def test_engel_exact_vertex(data):
    res = QuantReg(tau=0.5).fit(data["foodexp"], data[["income"]])
    r = res.residuals.to_numpy()
    # an exact basic solution interpolates p observations
    assert np.sum(np.abs(r) < 1e-9 * np.abs(data["foodexp"]).max()) >= 2
    np.testing.assert_allclose(np.abs(r[res.basis]), 0.0, atol=1e-9)
    # the optimality (subgradient) condition of Koenker (2005, Thm 2.1)
    X = np.column_stack([np.ones(len(data)), data["income"]])
    nb = np.setdiff1d(np.arange(len(data)), res.basis)
    psi = 0.5 - (r[nb] < 0)
    xi = np.linalg.solve(X[res.basis].T, X[nb].T @ psi)
    assert np.all(xi >= -0.5 - 1e-10) and np.all(xi <= 0.5 + 1e-10)


def test_objective_and_predict(data):
    res = QuantReg(tau=0.25).fit(data["foodexp"], data[["income"]])
    r = res.residuals.to_numpy()
    assert res.objective == pytest.approx(np.sum(r * (0.25 - (r < 0))), rel=1e-12)
    new = pd.DataFrame({"income": [500.0, 1000.0]}, index=["a", "b"])
    pred = res.predict(new)
    assert list(pred.index) == ["a", "b"]
    b = res.params
    np.testing.assert_allclose(pred.to_numpy(), b["const"] + b["income"] * new["income"])
    # the caller's index is kept on residuals
    assert res.residuals.index.equals(data.index)


def test_scale_equivariance(data):
    base = QuantReg(tau=0.25).fit(data["foodexp"], data[["income"]])
    scaled = QuantReg(tau=0.25).fit(0.001 * data["foodexp"], data[["income"]] * 1000.0)
    np.testing.assert_allclose(
        scaled.params.to_numpy(), base.params.to_numpy() * [0.001, 1e-6], rtol=1e-9
    )
    np.testing.assert_allclose(
        scaled.std_errors.to_numpy(), base.std_errors.to_numpy() * [0.001, 1e-6], rtol=1e-6
    )


def test_result_is_frozen_picklable_and_prints(data):
    res = QuantReg(tau=[0.25, 0.75]).fit(data["foodexp"], data[["income"]])
    again = pickle.loads(pickle.dumps(res))
    pd.testing.assert_frame_equal(again.params, res.params)
    text = str(res)
    assert "tau = 0.25" in text and "income" in text and "std err" in text
    with pytest.raises(AttributeError):
        res.converged = False  # type: ignore[misc]


def test_top_level_name():
    assert rk.QuantReg is QuantReg


def test_engel_rank_inversion_intervals(data):
    res = QuantReg(tau=0.5, se="rank").fit(data["foodexp"], data[["income"]])
    ci = res.conf_int()
    np.testing.assert_allclose(ci.loc["const"].to_numpy(), ENGEL_RANK_CI[0], atol=5e-6)
    np.testing.assert_allclose(ci.loc["income"].to_numpy(), ENGEL_RANK_CI[1], atol=5e-6)
    # standard errors alongside are the nid ones
    assert res.std_errors["const"] == pytest.approx(ENGEL_NID_SE[0], rel=1e-6)
    with pytest.raises(rk.InputError, match="alpha_ci"):
        res.conf_int(alpha=0.05)
