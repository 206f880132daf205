"""Basel Committee (1996) traffic-light zones for VaR backtests.

The zones are defined by the binomial cumulative probability of the observed number
of exceptions, ``P(X <= x)`` with ``X ~ Binomial(n, alpha)``:

* green  when ``P(X <= x) < 95%``,
* yellow when ``95% <= P(X <= x) < 99.99%``,
* red    when ``P(X <= x) >= 99.99%``.

For 250 days at alpha = 1% this gives the published table: 0-4 exceptions green,
5-9 yellow, 10 or more red, with plus factors 0.40, 0.50, 0.65, 0.75, 0.85 for 5-9
exceptions and 1.00 in the red zone (Basel Committee 1996, Table 2).

Generalisation to any window and level (riskkit's convention): the yellow-zone plus
factor is the one of the largest Basel count k in 5..9 whose Basel cumulative
probability (250 days, 1%) does not exceed the observed cumulative probability
(0.40 below the Basel 5-exception probability); green gives 0, red 1. For 250 days
at 1% this reproduces the Basel table exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from riskkit._results import TestResult
from riskkit._validation import check_probability
from riskkit.backtest._inputs import check_counts

__all__ = ["traffic_light", "traffic_light_table"]

YELLOW = 0.95
RED = 0.9999
_BASEL_N, _BASEL_ALPHA = 250, 0.01
_BASEL_PLUS = {5: 0.40, 6: 0.50, 7: 0.65, 8: 0.75, 9: 0.85}


def _zone(cum: float) -> str:
    if cum >= RED:
        return "red"
    if cum >= YELLOW:
        return "yellow"
    return "green"


def _plus_factor(cum: float) -> float:
    zone = _zone(cum)
    if zone == "green":
        return 0.0
    if zone == "red":
        return 1.0
    factor = _BASEL_PLUS[5]
    for k, f in _BASEL_PLUS.items():
        if stats.binom.cdf(k, _BASEL_N, _BASEL_ALPHA) <= cum + 1e-15:
            factor = f
    return factor


def traffic_light(n_obs: Any = 250, n_exceptions: Any = 0, alpha: float = 0.01) -> TestResult:
    """Basel traffic-light zone of ``n_exceptions`` exceptions in ``n_obs`` days.

    Parameters
    ----------
    n_obs : int
        Backtest window (250 in the Basel framework).
    n_exceptions : int
        Number of exceptions ``-r_t > VaR_t``.
    alpha : float
        VaR tail probability (0.01 in the Basel framework).

    Returns
    -------
    TestResult
        ``statistic`` is the number of exceptions, ``pvalue`` is ``P(X >= x)`` under
        ``Binomial(n_obs, alpha)``; ``details`` holds ``zone``, ``cumulative_probability``
        ``P(X <= x)``, ``plus_factor`` and ``multiplier`` (3 + plus factor).

    Notes
    -----
    Zones by cumulative probability: green below 95%, red from 99.99%; see the module
    docstring for the plus factors away from 250 days at 1%.

    References
    ----------
    Basel Committee on Banking Supervision (1996). *Supervisory framework for the use of
    "backtesting" in conjunction with the internal models approach to market risk capital
    requirements*, Table 2.

    Examples
    --------
    >>> res = traffic_light(250, 5, 0.01)
    >>> res.details["zone"], res.details["plus_factor"]
    ('yellow', 0.4)
    """
    alpha = check_probability(alpha, "alpha")
    n, x = check_counts(n_obs, n_exceptions)
    cum = float(stats.binom.cdf(x, n, alpha))
    plus = _plus_factor(cum)
    zone = _zone(cum)
    return TestResult(
        name="Basel traffic light",
        statistic=float(x),
        pvalue=float(stats.binom.sf(x - 1, n, alpha)),
        null="the exception probability equals alpha (zones at 95% / 99.99% cumulative)",
        distribution=f"binomial({n}, {alpha:g})",
        details={
            "zone": zone,
            "cumulative_probability": cum,
            "plus_factor": plus,
            "multiplier": 3.0 + plus,
            "n_obs": n,
            "n_exceptions": x,
        },
    )


def traffic_light_table(n_obs: Any = 250, alpha: float = 0.01, max_exceptions: Any = None) -> Any:
    """The zone table for every exception count (the Basel 1996 Table 2 layout).

    Returns a DataFrame indexed by ``n_exceptions`` with columns ``zone``,
    ``cumulative_probability``, ``plus_factor``; the rows run up to the first red count
    (or ``max_exceptions``).
    """
    alpha = check_probability(alpha, "alpha")
    n, _ = check_counts(n_obs, 0)
    rows = []
    top = n if max_exceptions is None else check_counts(n, max_exceptions)[1]
    for k in range(top + 1):
        res = traffic_light(n, k, alpha)
        rows.append(
            (
                k,
                res.details["zone"],
                res.details["cumulative_probability"],
                res.details["plus_factor"],
            )
        )
        if max_exceptions is None and res.details["zone"] == "red":
            break
    frame = pd.DataFrame(
        rows, columns=["n_exceptions", "zone", "cumulative_probability", "plus_factor"]
    )
    return frame.set_index("n_exceptions").astype({"cumulative_probability": np.float64})
