"""riskkit: quantitative market risk in Python.

Value-at-Risk, expected shortfall, expectiles and expectile-based VaR; GARCH-family
volatility and ACD duration models; quantile and expectile regression (linear,
CAViaR, CARE); backtests with the full set of statistical tests.

Conventions (see ``docs/conventions.md``): ``alpha`` is the tail probability
(``alpha=0.01`` is the 99% VaR); VaR and ES are positive losses; an exception on
day t is ``-r_t > VaR_t``; a forecast indexed at t is made from data up to t-1.

Submodules are imported lazily, so ``import riskkit`` is fast and compiles no
Numba kernel; ``riskkit.warmup()`` compiles them all once.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from riskkit._exceptions import ConvergenceWarning, InputError, RiskkitWarning
from riskkit._jit import warmup

__version__ = "0.1.0"

# public name -> module that defines it (imported on first access)
_LAZY: dict[str, str] = {
    # risk measures
    "var": "riskkit.measures",
    "es": "riskkit.measures",
    "expectile": "riskkit.measures",
    "evar": "riskkit.measures",
    "rolling": "riskkit.measures",
    "fit_t": "riskkit.measures.parametric",
    "fit_skewt": "riskkit.measures.parametric",
    "fit_gpd": "riskkit.measures.evt",
    # volatility
    "GARCH": "riskkit.volatility",
    "GJR": "riskkit.volatility",
    "EGARCH": "riskkit.volatility",
    "EWMA": "riskkit.volatility",
    "IGARCH": "riskkit.volatility",
    "fit_windows": "riskkit.volatility",
    # durations
    "ACD": "riskkit.durations",
    "LogACD": "riskkit.durations",
    "durations": "riskkit.durations",
    "price_durations": "riskkit.durations",
    "volume_durations": "riskkit.durations",
    "diurnal_adjust": "riskkit.durations",
    "tail_index": "riskkit.durations",
    "infinite_mean_test": "riskkit.durations",
    # regression
    "QuantReg": "riskkit.regression",
    "ExpectileReg": "riskkit.regression",
    "CAViaR": "riskkit.regression",
    "CARE": "riskkit.regression",
    "QuantileAggregator": "riskkit.regression",
    "conformal_interval": "riskkit.regression",
    "conformal_quantile": "riskkit.regression",
    # backtesting, scoring and comparison
    "backtest": "riskkit.backtest",
    "tick_loss": "riskkit.backtest",
    "fz0_loss": "riskkit.backtest",
    "expectile_loss": "riskkit.backtest",
    "crps": "riskkit.backtest",
    "log_score": "riskkit.backtest",
    "pit": "riskkit.backtest",
    "diebold_mariano": "riskkit.backtest",
    "model_confidence_set": "riskkit.backtest",
}
_SUBMODULES = (
    "datasets",
    "distributions",
    "measures",
    "volatility",
    "durations",
    "regression",
    "backtest",
    "tests",
)

__all__ = [
    "ConvergenceWarning",
    "InputError",
    "RiskkitWarning",
    "__version__",
    "warmup",
    *_LAZY,
    *_SUBMODULES,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name == "tests":  # rk.tests.kupiec(...): the statistical tests of riskkit.backtest
        module = importlib.import_module("riskkit.backtest.tests")
        globals()[name] = module
        return module
    if name in _SUBMODULES:
        module = importlib.import_module(f"riskkit.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'riskkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


# The .risk accessor registers itself with pandas on import; it imports no kernel.
from riskkit import accessor as _accessor  # noqa: E402,F401

if TYPE_CHECKING:  # pragma: no cover
    from riskkit import datasets, distributions  # noqa: F401
