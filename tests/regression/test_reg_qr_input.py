"""Bad input to QuantReg and ExpectileReg raises InputError naming the problem."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskkit import InputError
from riskkit.regression import ExpectileReg, QuantReg

rng = np.random.default_rng(0)
Y = pd.Series(rng.standard_normal(50), index=pd.RangeIndex(50))
X = pd.DataFrame({"a": rng.standard_normal(50), "b": rng.standard_normal(50)})


@pytest.mark.parametrize("model", [QuantReg, ExpectileReg])
def test_rank_deficient_names_column(model):
    Xd = X.assign(c=2 * X["a"] - X["b"])
    with pytest.raises(InputError, match="'c'"):
        model(tau=0.5).fit(Y, Xd)
    with pytest.raises(InputError, match="rank-deficient"):
        model(tau=0.5).fit(Y, X.assign(one=1.0))


@pytest.mark.parametrize("model", [QuantReg, ExpectileReg])
@pytest.mark.parametrize("tau", [0.0, 1.0, -0.2, 1.5, np.nan, "a"])
def test_tau_outside_unit_interval(model, tau):
    with pytest.raises(InputError, match="tau"):
        model(tau=tau).fit(Y, X)


@pytest.mark.parametrize("model", [QuantReg, ExpectileReg])
def test_nan_raises_and_omit_drops(model):
    y = Y.copy()
    y.iloc[7] = np.nan
    with pytest.raises(InputError, match="NaN"):
        model(tau=0.5).fit(y, X)
    res = model(tau=0.5, nan_policy="omit").fit(y, X)
    assert res.nobs == 49
    assert 7 not in res.residuals.index


@pytest.mark.parametrize("model", [QuantReg, ExpectileReg])
def test_length_mismatch_and_misaligned(model):
    with pytest.raises(InputError, match="rows"):
        model(tau=0.5).fit(Y.to_numpy(), X.to_numpy()[:40])
    shifted = X.set_axis(pd.RangeIndex(1, 51))
    with pytest.raises(InputError, match="aligned"):
        model(tau=0.5).fit(Y, shifted)


def test_other_bad_options():
    with pytest.raises(InputError, match="se"):
        QuantReg(se="bootstrap").fit(Y, X)
    with pytest.raises(InputError, match="bandwidth"):
        QuantReg(bandwidth="silverman").fit(Y, X)
    with pytest.raises(InputError, match="weights"):
        QuantReg().fit(Y, X, weights=-np.ones(50))
    with pytest.raises(InputError, match="infinite"):
        QuantReg().fit(Y.replace(Y.iloc[0], np.inf), X)
    with pytest.raises(InputError, match="real numbers"):
        QuantReg().fit(Y.astype(str), X)
    with pytest.raises(InputError, match="at least"):
        QuantReg().fit(Y.iloc[:3], X.iloc[:3])
    with pytest.raises(InputError, match="n_boot"):
        QuantReg(se="boot", n_boot=1).fit(Y, X)
