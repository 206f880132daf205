"""Regression models for conditional quantiles and expectiles.

Linear quantile regression (exact LP solution), expectile regression, quantile
aggregation, conformal calibration, and the CAViaR / CARE dynamic models.
"""

# CAViaR and CARE come from helper H6's modules caviar.py and care.py
from riskkit.regression.aggregation import (
    QuantileAggregator,
    QuantileAggregatorResult,
    pinball_loss,
)
from riskkit.regression.care import CARE
from riskkit.regression.caviar import CAViaR
from riskkit.regression.conformal import (
    ConformalResult,
    conformal_interval,
    conformal_quantile,
)
from riskkit.regression.expectreg import ExpectileReg, ExpectileRegResult
from riskkit.regression.quantreg import QuantReg, QuantRegResult

__all__ = [
    "CARE",
    "CAViaR",
    "ConformalResult",
    "ExpectileReg",
    "ExpectileRegResult",
    "QuantReg",
    "QuantRegResult",
    "QuantileAggregator",
    "QuantileAggregatorResult",
    "conformal_interval",
    "conformal_quantile",
    "pinball_loss",
]
