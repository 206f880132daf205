"""One table of VaR / ES by method (and the expectile-based VaR), for reports and the CLI."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from riskkit._exceptions import InputError
from riskkit._validation import check_choice, check_levels
from riskkit.measures._api import METHODS, es, var
from riskkit.measures.evar import evar

__all__ = ["risk_table", "sample_info"]

EVAR_ROW = "evar (expectile)"


def _label(alpha: float) -> str:
    return f"{alpha:g}"


def risk_table(
    x: pd.Series, alpha: Any = (0.01, 0.025), methods: Sequence[str] = ("historical", "normal")
) -> tuple[pd.DataFrame, dict[str, str]]:
    """VaR and ES of one return series for several methods and levels.

    Returns ``(table, errors)``: ``table`` has one row per method plus the row
    ``"evar (expectile)"`` (expectile-based VaR with empirically matched tau and the Taylor
    (2008) expectile ES), and columns ``VaR <alpha>``, ``ES <alpha>`` and ``tau <alpha>``
    (tau filled for the EVaR row only). A method that cannot be applied (for example EVT
    with too few tail observations) gets a NaN row and its message in ``errors``.
    """
    levels, _ = check_levels(list(np.atleast_1d(alpha)), "alpha")
    for m in methods:
        check_choice(m, "methods", tuple(METHODS))
    cols = []
    for a in levels:
        cols += [f"VaR {_label(a)}", f"ES {_label(a)}", f"tau {_label(a)}"]
    table = pd.DataFrame(np.nan, index=pd.Index([*methods, EVAR_ROW], name="method"), columns=cols)
    errors: dict[str, str] = {}
    for m in methods:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                v = var(x, list(levels), method=m)
                e = es(x, list(levels), method=m)
            if caught:
                errors[m] = "; ".join(str(w.message) for w in caught)
        except InputError as exc:
            errors[m] = str(exc)
            continue
        for a in levels:
            table.loc[m, f"VaR {_label(a)}"] = v[a]
            table.loc[m, f"ES {_label(a)}"] = e[a]
    if np.all(levels < 0.5):
        res = evar(x, list(levels), return_tau=True)
        for a in levels:
            table.loc[EVAR_ROW, f"VaR {_label(a)}"] = res.evar[a]
            table.loc[EVAR_ROW, f"ES {_label(a)}"] = res.es[a]
            table.loc[EVAR_ROW, f"tau {_label(a)}"] = res.tau[a]
    else:
        errors[EVAR_ROW] = "alpha must be below 0.5 for the expectile-based VaR"
    return table, errors


def sample_info(x: pd.Series) -> dict[str, Any]:
    """Number of observations, period and moments of a return series."""
    values = x.to_numpy(dtype=np.float64)
    return {
        "observations": int(values.shape[0]),
        "first": x.index[0],
        "last": x.index[-1],
        "mean": float(values.mean()),
        "std": float(values.std(ddof=1)),
        "min": float(values.min()),
        "max": float(values.max()),
    }
