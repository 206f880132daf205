"""GARCH-family volatility models: spec -> ``fit()`` -> frozen :class:`VolatilityResult`.

>>> import riskkit as rk
>>> spec = rk.GARCH(p=1, q=1, dist="t")
>>> spec.p, spec.dist
(1, 't')

Models: :class:`GARCH` (GJR with ``o > 0``), :class:`GJR`, :class:`EGARCH`,
:class:`EWMA` (RiskMetrics), :class:`IGARCH`. Batched rolling refits for the
backtest engine: :func:`fit_windows`. See ``docs/volatility.md``.
"""

from __future__ import annotations

from riskkit.volatility.batch import BatchResult, fit_windows
from riskkit.volatility.models import EGARCH, EWMA, GARCH, GJR, IGARCH
from riskkit.volatility.result import VolatilityResult

__all__ = [
    "EGARCH",
    "EWMA",
    "GARCH",
    "GJR",
    "IGARCH",
    "BatchResult",
    "VolatilityResult",
    "fit_windows",
]
