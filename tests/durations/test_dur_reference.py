"""ACD(1,1) on Tsay's IBM adjusted durations (1-7 Nov 1990) and a peer check against arch.

Published values: Tsay, *Analysis of Financial Time Series*, ACD chapter, Table 21.1 (as quoted
in ../shared/reference/README.md): recursion started at psi_1 = sample mean, likelihood over
i = 2..3534, standard errors in parentheses.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import reference_path

import riskkit.durations as rd

pytestmark = pytest.mark.reference

# Tsay, ACD chapter, Table 21.1: estimate, standard error
TSAY_EACD = {"omega": (0.129, 0.037), "alpha[1]": (0.056, 0.009), "beta[1]": (0.905, 0.018)}
TSAY_WACD = {
    "omega": (0.125, 0.040),
    "alpha[1]": (0.056, 0.010),
    "beta[1]": (0.906, 0.019),
    "shape": (0.880, 0.012),
}


@pytest.fixture(scope="module")
def ibm_adj() -> pd.Series:
    return pd.read_csv(reference_path("ibm_1990_adjusted_durations.csv.gz"))["adj_duration"]


@pytest.mark.parametrize(("dist", "table"), [("exponential", TSAY_EACD), ("weibull", TSAY_WACD)])
def test_tsay_table(ibm_adj, dist, table):
    res = rd.ACD(dist=dist, start="mean").fit(ibm_adj)
    assert res.converged
    assert res.nobs == 3533  # i = 2..3534
    assert res.start == pytest.approx(ibm_adj.mean())
    for name, (est, se) in table.items():
        # estimates to 3 decimals
        assert round(res.params[name], 3) == pytest.approx(est, abs=1e-12), name
        # Tsay reports Hessian (inverse observed information) standard errors: ours agree to
        # within one unit of the second significant digit (0.0364 vs 0.037, 0.0174 vs 0.018,
        # 0.0113 vs 0.012; the remaining four round identically). The sandwich ones do not.
        assert res.std_errors[name] == pytest.approx(se, abs=0.0011), name
    # the robust (QML) standard errors are clearly different (omega: 0.048 vs 0.037 / 0.045 vs 0.040)
    assert res.robust_std_errors["omega"] > table["omega"][1] + 0.004


def test_tsay_se_exact_digits(ibm_adj):
    """Four of the seven Hessian standard errors round exactly to Tsay's two significant digits."""
    e = rd.ACD(dist="exponential").fit(ibm_adj)
    w = rd.ACD(dist="weibull").fit(ibm_adj)
    assert round(e.std_errors["alpha[1]"], 3) == pytest.approx(0.009)
    assert round(w.std_errors["omega"], 3) == pytest.approx(0.040)
    assert round(w.std_errors["alpha[1]"], 3) == pytest.approx(0.010)
    assert round(w.std_errors["beta[1]"], 3) == pytest.approx(0.019)


@pytest.mark.parametrize("dist", ["exponential", "weibull"])
def test_start_one_moves_omega_by_40_percent(ibm_adj, dist):
    mean = rd.ACD(dist=dist, start="mean").fit(ibm_adj)
    one = rd.ACD(dist=dist, start="one").fit(ibm_adj)
    assert one.start == 1.0
    change = one.params["omega"] / mean.params["omega"] - 1.0
    assert 0.3 < change < 0.5  # README: "moves omega by about 40%"


def test_eacd_equals_arch_garch_on_sqrt_durations(ibm_adj):
    """EACD(1,1) on x is the Gaussian GARCH(1,1) QMLE on sqrt(x) with zero mean (Engle & Russell
    1998, Section 3). With x_0 set to the sample mean of the rest, riskkit's start='mean' equals
    arch's backcast=x_0, so both packages maximise the same likelihood."""
    arch = pytest.importorskip("arch")
    x = ibm_adj.to_numpy().copy()
    x[0] = x[1:].mean()
    ours = rd.ACD(dist="exponential").fit(x)
    am = arch.arch_model(np.sqrt(x[1:]), mean="Zero", vol="GARCH", p=1, q=1, rescale=False)
    peer = am.fit(backcast=x[0], disp="off", options={"ftol": 1e-12})
    np.testing.assert_allclose(ours.params.to_numpy(), peer.params.to_numpy(), rtol=2e-4)
    n = x.shape[0] - 1
    assert peer.loglikelihood == pytest.approx(
        -0.5 * n * np.log(2 * np.pi) + 0.5 * ours.loglikelihood, abs=1e-3
    )
    # arch's default (robust) covariance is the QML sandwich, invariant to the factor 1/2
    np.testing.assert_allclose(
        ours.robust_std_errors.to_numpy(), peer.std_err.to_numpy(), rtol=2e-3
    )
