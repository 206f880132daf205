"""Backtesting: statistical tests of VaR/ES/EVaR forecasts, scoring and comparison.

* :mod:`riskkit.backtest.engine` (``rk.backtest``) -- rolling / expanding refits of a model,
  one-step-ahead VaR/ES, :class:`~riskkit.backtest.result.BacktestResult`.
* :mod:`riskkit.backtest.tests` (``rk.tests``) -- coverage, duration, density and ES tests.
* :mod:`riskkit.backtest.scoring` -- tick, FZ0, expectile losses; CRPS, log score, PIT.
* :mod:`riskkit.backtest.comparison` -- Diebold-Mariano test, model confidence set.
* :mod:`riskkit.backtest.traffic_light` -- Basel traffic-light zones.

Submodules are imported on first use of a name (``import riskkit.backtest`` is light).
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

# public name -> submodule defining it
_NAMES: dict[str, str] = {
    # ---- engine (rolling / expanding refits)
    "backtest": "riskkit.backtest.engine",
    "BacktestResult": "riskkit.backtest.result",
    # ---- coverage, duration and density tests
    "kupiec": "riskkit.backtest.tests",
    "tuff": "riskkit.backtest.tests",
    "binomial": "riskkit.backtest.tests",
    "christoffersen": "riskkit.backtest.tests",
    "haas": "riskkit.backtest.tests",
    "christoffersen_pelletier": "riskkit.backtest.tests",
    "berkowitz": "riskkit.backtest.es_tests",
    "dq": "riskkit.backtest.tests",
    "exceptions": "riskkit.backtest.tests",
    "traffic_light": "riskkit.backtest.traffic_light",
    "traffic_light_table": "riskkit.backtest.traffic_light",
    # ---- ES and expectile tests
    "mcneil_frey": "riskkit.backtest.es_tests",
    "acerbi_szekely": "riskkit.backtest.es_tests",
    "du_escanciano": "riskkit.backtest.es_tests",
    "nolde_ziegel": "riskkit.backtest.es_tests",
    "expectile_exceedance": "riskkit.backtest.es_tests",
    "expectile_identification": "riskkit.backtest.es_tests",
    # ---- scoring
    "tick_loss": "riskkit.backtest.scoring",
    "fz0_loss": "riskkit.backtest.scoring",
    "expectile_loss": "riskkit.backtest.scoring",
    "crps": "riskkit.backtest.scoring",
    "crps_sample": "riskkit.backtest.scoring",
    "log_score": "riskkit.backtest.scoring",
    "pit": "riskkit.backtest.scoring",
    # ---- comparison
    "diebold_mariano": "riskkit.backtest.comparison",
    "model_confidence_set": "riskkit.backtest.comparison",
    "MCSResult": "riskkit.backtest.comparison",
}

__all__ = sorted(_NAMES)


def __getattr__(name: str) -> Any:
    if name in _NAMES:
        value = getattr(importlib.import_module(_NAMES[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'riskkit.backtest' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _CallableModule(types.ModuleType):
    """``riskkit.backtest`` is both this subpackage and the function ``rk.backtest``.

    Importing any ``riskkit.backtest.*`` module binds the name ``backtest`` in the
    ``riskkit`` namespace to this package (Python's import system does that), so the
    package itself forwards calls to :func:`riskkit.backtest.engine.backtest`:
    ``rk.backtest(returns, model, ...)`` works whichever of the two the name holds.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from riskkit.backtest.engine import backtest

        return backtest(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
