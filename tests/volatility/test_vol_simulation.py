"""Simulation round trip: fitting simulated data recovers the parameters within sampling error."""

from __future__ import annotations

import math

import numpy as np
import pytest

import riskkit as rk
from riskkit import distributions as rkd

SHAPES = {"normal": (), "t": (7.0,), "skewt": (7.0, -0.2), "ged": (1.4,)}
VOL = {
    "GARCH": (rk.GARCH, {"omega": 0.05, "alpha[1]": 0.08, "beta[1]": 0.88}),
    "GJR": (rk.GJR, {"omega": 0.05, "alpha[1]": 0.04, "gamma[1]": 0.08, "beta[1]": 0.87}),
    "EGARCH": (rk.EGARCH, {"omega": 0.0, "alpha[1]": 0.15, "gamma[1]": -0.08, "beta[1]": 0.95}),
}


def simulate(kind, params, dist, n, seed):
    """Plain-Python simulator (oracle), independent of the package's recursion kernels."""
    z = np.asarray(rkd.get(dist, *SHAPES[dist]).rvs(size=n + 500, seed=seed))
    mu = 0.03
    y = np.empty(n + 500)
    om, a, b = params["omega"], params["alpha[1]"], params["beta[1]"]
    g = params.get("gamma[1]", 0.0)
    if kind == "EGARCH":
        h = om / (1 - b)
        zp = 0.0
        for t in range(n + 500):
            if t:
                h = om + a * (abs(zp) - math.sqrt(2 / math.pi)) + g * zp + b * h
            y[t] = mu + math.exp(h / 2) * z[t]
            zp = z[t]
    else:
        s2 = om / (1 - a - g / 2 - b)
        e = 0.0
        for t in range(n + 500):
            if t:
                s2 = om + (a + g * (e < 0)) * e * e + b * s2
            e = math.sqrt(s2) * z[t]
            y[t] = mu + e
    return y[500:]


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(VOL))
@pytest.mark.parametrize("dist", list(SHAPES))
def test_round_trip_recovers_parameters(kind, dist):
    spec, params = VOL[kind]
    seed = 100 + 10 * list(VOL).index(kind) + list(SHAPES).index(dist)
    y = simulate(kind, params, dist, 5000, seed)
    res = spec(dist=dist).fit(y)
    assert res.converged
    truth = {"mu": 0.03, **params}
    names = ["nu"] if dist in ("t", "ged") else (["eta", "lambda"] if dist == "skewt" else [])
    truth.update(dict(zip(names, SHAPES[dist])))
    for name, value in truth.items():
        est, se = res.params[name], res.std_errors[name]
        assert abs(est - value) < 4.5 * se, (name, est, value, se)
