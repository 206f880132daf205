"""Risk measures: VaR, expected shortfall, expectiles, expectile-based VaR, rolling versions.

Conventions: ``alpha`` is the tail probability (``alpha=0.01`` is the 99% VaR); VaR, ES and
EVaR are positive losses (``VaR = -q_alpha``) of returns; expectiles are in return units.
Method modules (historical, kernel, parametric, Cornish–Fisher, EVT) are imported only
when a method is used.
"""

from __future__ import annotations

from riskkit.measures._api import METHODS, es, var
from riskkit.measures.evar import EVaRResult, evar
from riskkit.measures.expectiles import expectile
from riskkit.measures.rolling import Rolling, rolling

__all__ = ["METHODS", "EVaRResult", "Rolling", "es", "evar", "expectile", "rolling", "var"]
