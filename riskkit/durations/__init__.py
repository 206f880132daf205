"""Durations between market events and their models.

* :func:`durations`, :func:`price_durations`, :func:`volume_durations`: timestamps -> durations
  (seconds, within the trading session, indexed by the end of each duration);
* :func:`diurnal_adjust`: time-of-day factor (cubic spline or flexible Fourier form);
* :class:`ACD` (Engle & Russell 1998) and :class:`LogACD` (Bauwens & Giot 2000) with exponential,
  Weibull, Burr and generalized gamma innovations;
* :func:`tail_index` and :func:`infinite_mean_test` for integrated ACD (Cavaliere, Mikosch,
  Rahbek & Vilandt 2025).
"""

from __future__ import annotations

from riskkit.durations.distributions import innovation_hazard, innovation_logpdf, innovation_sf
from riskkit.durations.diurnal import DiurnalAdjustment, DiurnalFactor, diurnal_adjust
from riskkit.durations.models import ACD, LogACD
from riskkit.durations.result import ACDResult
from riskkit.durations.tail import TailIndex, infinite_mean_test, tail_index
from riskkit.durations.trades import durations, price_durations, volume_durations

__all__ = [
    "ACD",
    "ACDResult",
    "DiurnalAdjustment",
    "DiurnalFactor",
    "LogACD",
    "TailIndex",
    "diurnal_adjust",
    "durations",
    "infinite_mean_test",
    "innovation_hazard",
    "innovation_logpdf",
    "innovation_sf",
    "price_durations",
    "tail_index",
    "volume_durations",
]
