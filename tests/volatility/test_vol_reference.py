"""GARCH(1,1) on the Bollerslev-Ghysels DEM/GBP data: the FCP (1996) benchmark."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import load_reference_csv

import riskkit as rk

pytestmark = pytest.mark.reference

# Fiorentini, Calzolari & Panattoni (1996), as adopted by McCullough & Renfro (1999) and
# Brooks, Burke & Persand (2001) (../shared/reference/README.md): mu, omega, alpha, beta, loglik.
FCP = {"mu": -0.00619041, "omega": 0.0107613, "alpha[1]": 0.153134, "beta[1]": 0.805974}
FCP_LOGLIK = -1106.60788
# Same benchmark to 11+ digits with QMLE (Bollerslev-Wooldridge) standard errors:
# TSP International, "TSP 4.4 GARCH(1,1) benchmark from Bollerslev-Ghysels JBES 4/96",
# http://www.tspintl.com/code/bench/bgfcp.tsp (FCP column and "Consensus SEs").
TSP = {
    "mu": -0.0061904083799,
    "omega": 0.0107613978518,
    "alpha[1]": 0.15313406182,
    "beta[1]": 0.80597367031,
}
TSP_LOGLIK = -1106.60788104129
TSP_ROBUST_SE = {
    "mu": 0.0091893540,
    "omega": 0.006493186,
    "alpha[1]": 0.053531703,
    "beta[1]": 0.07246145,
}


@pytest.fixture(scope="module")
def dmbp() -> pd.Series:
    return load_reference_csv("dmbp.csv.gz")["ret"]


@pytest.fixture(scope="module")
def fcp_fit(dmbp):
    return rk.GARCH(init="fcp").fit(dmbp)


def test_fcp_benchmark_parameters_to_5_digits(fcp_fit):
    assert fcp_fit.converged
    for name, value in FCP.items():
        assert float(fcp_fit.params[name]) == pytest.approx(value, rel=1e-5), name
    assert fcp_fit.loglikelihood == pytest.approx(FCP_LOGLIK, abs=5e-6)


def test_fcp_benchmark_to_9_digits(fcp_fit):
    for name, value in TSP.items():
        assert float(fcp_fit.params[name]) == pytest.approx(value, rel=1e-9), name
    assert fcp_fit.loglikelihood == pytest.approx(TSP_LOGLIK, rel=1e-12)


def test_fcp_benchmark_robust_standard_errors(fcp_fit):
    for name, value in TSP_ROBUST_SE.items():
        assert float(fcp_fit.robust_std_errors[name]) == pytest.approx(value, rel=1e-5), name


def test_hessian_standard_errors_match_numerical_hessian_oracle(fcp_fit, dmbp):
    """Oracle: second differences of the log-likelihood itself (no gradient), at the estimate."""
    from riskkit._kernels import garch as kg

    y = dmbp.to_numpy(dtype=float)
    th = fcp_fit.params.to_numpy()
    x = np.ones((y.size, 1))

    def ll(t):
        return kg.loglik(np.ascontiguousarray(t), y, x, 0, kg.GARCH, 1, 0, 1, 0, 1, 0.0, False)[0]

    k = th.size
    H = np.empty((k, k))
    h = 1e-4 * np.maximum(np.abs(th), 1e-2)
    for i in range(k):
        for j in range(k):
            ei, ej = np.zeros(k), np.zeros(k)
            ei[i], ej[j] = h[i], h[j]
            H[i, j] = (
                ll(th + ei + ej) - ll(th + ei - ej) - ll(th - ei + ej) + ll(th - ei - ej)
            ) / (4 * h[i] * h[j])
    se = np.sqrt(np.diag(np.linalg.inv(-H)))
    np.testing.assert_allclose(fcp_fit.std_errors.to_numpy(), se, rtol=2e-3)


def test_backcast_start_is_less_accurate_on_benchmark(dmbp):
    """arch's backcast start reaches only ~2 digits of the benchmark (the start matters)."""
    res = rk.GARCH().fit(dmbp)
    assert abs(res.params["alpha[1]"] / FCP["alpha[1]"] - 1) > 1e-4
    assert res.loglikelihood == pytest.approx(FCP_LOGLIK, rel=1e-2)
