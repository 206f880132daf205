"""Kernel-smoothed historical VaR and ES (Gaussian kernel).

The empirical distribution is smoothed with a Gaussian kernel of bandwidth ``h``:

    F_h(q) = (1/n) sum_i Phi((q - x_i) / h),

VaR solves ``F_h(q) = alpha`` (``VaR = -q``) and ES is the exact tail expectation of the
smoothed distribution (a mixture of ``N(x_i, h^2)``):

    ES = -(1/alpha) (1/n) sum_i [ x_i Phi(z_i) - h phi(z_i) ],   z_i = (q - x_i) / h.

References
----------
Gourieroux, C., Laurent, J.-P. and Scaillet, O. (2000). Sensitivity analysis of Values at
Risk. Journal of Empirical Finance 7(3-4), 225-245 (kernel VaR, section 3).
Scaillet, O. (2004). Nonparametric estimation and sensitivity analysis of expected
shortfall. Mathematical Finance 14(1), 115-129 (kernel ES, eq. (2.3)).
Silverman, B. W. (1986). Density Estimation for Statistics and Data Analysis, eq. (3.31).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
from scipy.special import ndtri

from riskkit._exceptions import ConvergenceWarning, InputError
from riskkit._kernels.quantiles import kernel_var_es as _kernel_var_es

__all__ = ["bandwidth", "kernel_var_es"]

BANDWIDTH_RULES = ("silverman", "scott")


def bandwidth(x: np.ndarray, rule: str = "silverman") -> float:
    """Rule-of-thumb bandwidth of a Gaussian kernel.

    ``"silverman"``: ``h = 0.9 min(s, IQR/1.34) n^(-1/5)`` (Silverman 1986, eq. 3.31);
    ``"scott"``: ``h = 1.06 s n^(-1/5)``. ``s`` is the sample standard deviation (ddof=1).
    When the IQR is zero the standard deviation is used alone.
    """
    n = x.shape[0]
    s = float(np.std(x, ddof=1))
    if rule == "scott":
        return 1.06 * s * n ** (-0.2)
    q75, q25 = np.percentile(x, [75.0, 25.0])
    iqr = float(q75 - q25) / 1.34
    spread = min(s, iqr) if iqr > 0 else s
    return 0.9 * spread * n ** (-0.2)


def kernel_var_es(
    x: np.ndarray, alphas: np.ndarray, bandwidth: Any = "silverman"
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian-kernel smoothed VaR and ES (positive losses) of a validated 1-D sample.

    Parameters
    ----------
    x : ndarray
        1-D float64 returns (finite, non-constant).
    alphas : ndarray
        Tail probabilities in (0, 1).
    bandwidth : {"silverman", "scott"} or float
        Rule of thumb (scale-equivariant) or a positive bandwidth in the units of ``x``.

    Returns
    -------
    (var, es) : tuple of ndarray
        Arrays of shape ``alphas.shape``.
    """
    h = _resolve_bandwidth(x, bandwidth)
    zlo = np.asarray(ndtri(alphas), dtype=np.float64)
    var, es, conv = _kernel_var_es(np.ascontiguousarray(x), h, alphas, zlo)
    if not np.all(conv > 0):
        bad = alphas[conv == 0]
        warnings.warn(
            f"kernel quantile search did not converge for alpha={bad.tolist()}",
            ConvergenceWarning,
            stacklevel=3,
        )
    return var, es


def _resolve_bandwidth(x: np.ndarray, value: Any) -> float:
    if isinstance(value, str):
        if value not in BANDWIDTH_RULES:
            raise InputError(
                f"bandwidth must be one of {BANDWIDTH_RULES} or a positive number; got {value!r}"
            )
        h = bandwidth(x, value)
    else:
        try:
            h = float(value)
        except (TypeError, ValueError):
            raise InputError(
                f"bandwidth must be one of {BANDWIDTH_RULES} or a positive number; got {value!r}"
            ) from None
        if isinstance(value, bool) or not (h > 0 and math.isfinite(h)):
            raise InputError(f"bandwidth must be a finite positive number; got {value!r}")
    if not h > 0:
        raise InputError(f"bandwidth rule {value!r} gave a non-positive bandwidth {h!r}")
    return h
