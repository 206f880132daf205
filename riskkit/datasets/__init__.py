"""Real market data bundled with riskkit.

>>> import riskkit as rk
>>> sorted(rk.datasets.list())
['sp500', 'sp500_stocks', 'wti']
>>> r = rk.datasets.load("sp500")["return"]
>>> bool(r.index.is_monotonic_increasing)
True

Sources, licences and preparation: ``data/README.md`` in the repository
(installed beside the files as ``riskkit/datasets/data/README.md``).
"""

from __future__ import annotations

import builtins
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from riskkit._exceptions import InputError

__all__ = ["describe", "list", "load"]

_DATASETS: dict[str, str] = {
    "sp500": "S&P 500 index, daily close and simple return, 1990-01-02 to 2022-12-28 "
    "(8,313 days, includes 2008 and March 2020). Source: skfolio (BSD-3).",
    "sp500_stocks": "Daily simple returns of 20 S&P 500 stocks (AAPL ... XOM), 1990-01-02 to "
    "2022-12-28 (8,312 days after the first difference). Source: skfolio (BSD-3).",
    "wti": "WTI crude oil spot price (FRED DCOILWTICO), daily price and simple return, "
    "1986-01-02 to 2019-01-03. Source: arch (NCSA).",
}


def _data_dir() -> Path:
    installed = Path(__file__).resolve().parent / "data"
    if installed.is_dir():
        return installed
    # editable / source checkout: the files live in the top-level data/ folder
    return Path(__file__).resolve().parents[2] / "data"


def list() -> builtins.list[str]:  # mirrors the documented rk.datasets.list()
    """Names of the bundled data sets."""
    return [*_DATASETS]


def describe(name: str) -> str:
    """One-paragraph description (content, period, source, licence) of a data set."""
    _check_name(name)
    return _DATASETS[name]


def _check_name(name: str) -> None:
    if name not in _DATASETS:
        raise InputError(f"name must be one of {[*_DATASETS]}; got {name!r}")


@cache
def _read(name: str) -> pd.DataFrame:
    path = _data_dir() / f"{name}.csv.gz"
    frame = pd.read_csv(path, index_col="date", parse_dates=["date"])
    return frame.astype(np.float64)


def load(name: str) -> pd.DataFrame:
    """Load a bundled data set as a DataFrame with a DatetimeIndex.

    Parameters
    ----------
    name : str
        One of :func:`list`.

    Returns
    -------
    pandas.DataFrame
        ``"sp500"`` and ``"wti"``: columns ``price`` and ``return`` (simple
        daily return ``P_t / P_{t-1} - 1``; the first day is dropped).
        ``"sp500_stocks"``: one column of simple daily returns per stock.
        A fresh copy each call: modifying it does not affect later loads.
    """
    _check_name(name)
    raw = _read(name)
    if name == "sp500_stocks":
        return raw.pct_change().iloc[1:].copy()
    out = raw[["price"]].copy()
    out["return"] = out["price"].pct_change()
    return out.iloc[1:].copy()
