"""Exact sample expectiles."""

from __future__ import annotations

from typing import Any

import numpy as np

from riskkit._kernels.expectiles import expectiles_unsorted
from riskkit._validation import check_levels
from riskkit.measures._api import columns, wrap_levels

__all__ = ["expectile", "expectile_values"]


def expectile_values(x: np.ndarray, taus: np.ndarray) -> np.ndarray:
    """Exact tau-expectiles of a validated 1-D sample (selection in O(n), no full sort)."""
    return np.asarray(
        expectiles_unsorted(
            np.ascontiguousarray(x, dtype=np.float64),
            np.ascontiguousarray(taus, dtype=np.float64),
        )
    )


def expectile(x: Any, tau: Any = 0.05, *, nan_policy: str = "raise") -> Any:
    """Sample expectile, in RETURN units (not sign-flipped).

    Parameters
    ----------
    x : Series, DataFrame, ndarray or list
        Returns. A DataFrame gives one result per column.
    tau : float or sequence of float, default 0.05
        Expectile level(s) in (0, 1); ``tau=0.5`` is the mean, small ``tau`` the lower tail.
    nan_policy : {"raise", "omit"}, default "raise"
        ``"omit"`` drops NaN (per column); infinite values always raise.

    Returns
    -------
    float, Series, DataFrame or ndarray
        The expectile as a return (a low expectile is usually negative; unlike
        :func:`riskkit.var` it is *not* turned into a positive loss). Several ``tau``
        are indexed by ``tau`` (index name ``"tau"``).

    Notes
    -----
    The tau-expectile ``e`` minimises ``sum_i |tau - 1(x_i <= e)| (x_i - e)^2``; it solves

    ``(1 - tau) sum_i (e - x_i)_+ = tau sum_i (x_i - e)_+``.

    The left minus the right side, ``G(e)``, is increasing and piecewise linear in ``e``
    with kinks at the data, so the root is the exact solution of a linear equation once the
    pair of neighbouring data values bracketing it is known: no iteration and no tolerance.
    The bracket is found without a full sort: one pass distributes the data into
    equal-width bins recording each bin's count, sum (double-double arithmetic), minimum and
    maximum; ``G`` at every bin minimum follows from these, so a binary search picks the
    bin holding each root; only the selected bins are gathered, re-binned while large and
    finally sorted (a few hundred values) and searched. All levels share the passes, so
    many ``tau`` cost little more than one; the expected cost is linear in ``n``. Agrees
    with :func:`scipy.stats.expectile` to rounding.

    References
    ----------
    Newey, W. K. and Powell, J. L. (1987). Asymmetric least squares estimation and testing.
    Econometrica 55(4), 819-847.

    Examples
    --------
    >>> import riskkit as rk
    >>> e = rk.expectile([1.0, 4.0, 2.0, -1.0], tau=0.2)   # exactly 3/7
    >>> abs(e - 3 / 7) < 1e-15
    True
    """
    taus, is_scalar = check_levels(tau, "tau")
    cols, meta = columns(x, nan_policy, 2, "expectile")
    out = np.empty((taus.shape[0], len(cols)))
    for j, col in enumerate(cols):
        out[:, j] = expectile_values(col, taus)
    return wrap_levels(meta, out, taus, is_scalar, "tau")
