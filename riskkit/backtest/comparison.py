"""Comparison of competing forecasts by their losses.

* :func:`diebold_mariano` -- equal predictive accuracy of two forecasts, with the
  Harvey-Leybourne-Newbold small-sample correction.
* :func:`model_confidence_set` -- Hansen, Lunde & Nason (2011) model confidence set,
  a seeded wrapper of :class:`arch.bootstrap.MCS`.

Losses come from :mod:`riskkit.backtest.scoring` (e.g. ``tick_loss``, ``fz0_loss``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from riskkit._exceptions import InputError
from riskkit._kernels.backtest import long_run_variance
from riskkit._results import TestResult
from riskkit._validation import as_generator, check_choice, check_int, check_probability
from riskkit.backtest._inputs import aligned

__all__ = ["MCSResult", "diebold_mariano", "model_confidence_set"]


def diebold_mariano(
    loss1: Any,
    loss2: Any,
    *,
    h: int = 1,
    lags: int | None = None,
    kernel: str = "rectangular",
    hln: bool = True,
    alternative: str = "two-sided",
    nan_policy: str = "raise",
) -> TestResult:
    """Diebold-Mariano test of equal expected loss of two forecasts.

    Parameters
    ----------
    loss1, loss2 : Series or 1-D arrays
        Per-period losses of forecasts 1 and 2 for the same dates.
    h : int
        Forecast horizon; the long-run variance uses ``h - 1`` autocovariances unless
        ``lags`` is given.
    lags : int, optional
        Autocovariances in the long-run variance.
    kernel : {"rectangular", "bartlett"}
        Weights of the autocovariances: 1 (Diebold & Mariano 1995) or the Newey-West
        Bartlett weights ``1 - j/(lags+1)``. A non-positive rectangular estimate falls
        back to Bartlett (reported in ``details``).
    hln : bool
        Apply the Harvey, Leybourne & Newbold (1997) correction and use t(n-1)
        p-values; ``False`` gives the asymptotic N(0, 1) test.
    alternative : {"two-sided", "less", "greater"}
        ``"less"``: H1 is that forecast 1 has the smaller expected loss.

    Notes
    -----
    With ``d_t = loss1_t - loss2_t`` and ``f = gamma_0 + 2 sum_j w_j gamma_j``
    (autocovariances divided by ``n``),

    .. math:: DM = \\bar d / \\sqrt{f / n}, \\qquad
              DM^* = DM \\sqrt{\\frac{n + 1 - 2h + h(h-1)/n}{n}}.

    A positive statistic means forecast 2 is more accurate. Convention: identical
    losses (``f = 0`` and ``d = 0``) give statistic 0 and p-value 1.

    References
    ----------
    Diebold, F. X. & Mariano, R. S. (1995). Comparing predictive accuracy. *JBES* 13(3),
    253-263. Harvey, D., Leybourne, S. & Newbold, P. (1997). Testing the equality of
    prediction mean squared errors. *IJF* 13, 281-291, eq. (9).
    """
    h = check_int(h, "h", minimum=1)
    kernel = check_choice(kernel, "kernel", ("rectangular", "bartlett"))
    alternative = check_choice(alternative, "alternative", ("two-sided", "less", "greater"))
    a, _ = aligned({"loss1": loss1, "loss2": loss2}, nan_policy, min_obs=3)
    d = np.ascontiguousarray(a["loss1"] - a["loss2"])
    n = d.size
    lags = h - 1 if lags is None else check_int(lags, "lags", minimum=0, maximum=n - 1)
    f = float(long_run_variance(d, lags, kernel == "bartlett"))
    used = kernel
    if f <= 0 and kernel == "rectangular":
        f = float(long_run_variance(d, lags, True))
        used = "bartlett (fallback)"
    dbar = float(d.mean())
    if f <= 0:
        stat = 0.0 if dbar == 0 else math.copysign(math.inf, dbar)
    else:
        stat = dbar / math.sqrt(f / n)
    if hln:
        stat *= math.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n)
        ref: Any = stats.t(n - 1)
        dist = f"t({n - 1})"
    else:
        ref = stats.norm()
        dist = "N(0, 1)"
    if alternative == "two-sided":
        p = 2.0 * float(ref.sf(abs(stat)))
    elif alternative == "less":
        p = float(ref.cdf(stat))
    else:
        p = float(ref.sf(stat))
    return TestResult(
        name="Diebold-Mariano" + (" (HLN)" if hln else ""),
        statistic=float(stat),
        pvalue=min(p, 1.0),
        null="both forecasts have equal expected loss",
        distribution=dist,
        details={
            "mean_loss_difference": dbar,
            "long_run_variance": f,
            "lags": lags,
            "kernel": used,
            "n_obs": n,
            "h": h,
            "alternative": alternative,
        },
    )


@dataclass(frozen=True)
class MCSResult:
    """Model confidence set: the surviving models and the MCS p-value of every model."""

    included: list[Any]
    excluded: list[Any]
    pvalues: pd.Series
    size: float
    method: str
    details: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        lines = [
            f"Model confidence set (size {self.size:g}, method {self.method})",
            f"included: {self.included}",
            f"excluded: {self.excluded}",
            "MCS p-values:",
        ]
        lines += [f"  {k}: {v:.4g}" for k, v in self.pvalues.items()]
        return "\n".join(lines)


def model_confidence_set(
    losses: Any,
    size: float = 0.1,
    *,
    reps: int = 1000,
    block_size: int | None = None,
    method: str = "R",
    bootstrap: str = "stationary",
    seed: Any = None,
) -> MCSResult:
    """Hansen, Lunde & Nason (2011) model confidence set, via :class:`arch.bootstrap.MCS`.

    Parameters
    ----------
    losses : DataFrame or 2-D array (n_obs x n_models)
        Per-period losses; DataFrame columns name the models.
    size : float
        Test size in (0, 1): the set contains the best model with probability
        ``1 - size`` asymptotically.
    reps, block_size, method, bootstrap
        Passed to :class:`arch.bootstrap.MCS` (``method`` "R" or "max").
    seed : int or numpy Generator, optional
        Makes the bootstrap reproducible.

    References
    ----------
    Hansen, P. R., Lunde, A. & Nason, J. M. (2011). The model confidence set.
    *Econometrica* 79(2), 453-497.
    """
    from arch.bootstrap import MCS

    size = check_probability(size, "size")
    reps = check_int(reps, "reps", minimum=10)
    method = check_choice(method, "method", ("R", "max"))
    bootstrap = check_choice(
        bootstrap, "bootstrap", ("stationary", "sb", "circular", "cbb", "moving block", "mbb")
    )
    if block_size is not None:
        block_size = check_int(block_size, "block_size", minimum=1)
    if isinstance(losses, pd.DataFrame):
        frame = losses
    else:
        arr = np.asarray(losses)
        if arr.ndim != 2:
            raise InputError(f"losses must be 2-D (n_obs x n_models); got shape {arr.shape}")
        frame = pd.DataFrame(arr, columns=[f"model_{i}" for i in range(arr.shape[1])])
    if frame.shape[1] < 2 or frame.shape[0] < 3:
        raise InputError(
            f"losses needs at least 2 models and 3 observations; got shape {frame.shape}"
        )
    try:
        values = frame.to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError("losses must hold real numbers") from None
    if not np.all(np.isfinite(values)):
        raise InputError("losses must be finite (drop the NaN dates first)")
    frame = pd.DataFrame(values, index=frame.index, columns=frame.columns)
    mcs = MCS(
        frame,
        size,
        reps=reps,
        block_size=block_size,
        method=method,  # type: ignore[arg-type]
        bootstrap=bootstrap,  # type: ignore[arg-type]
        seed=as_generator(seed),
    )
    mcs.compute()
    pvals = mcs.pvalues.iloc[:, 0].reindex(frame.columns)
    pvals.name = "pvalue"
    return MCSResult(
        included=list(mcs.included),
        excluded=list(mcs.excluded),
        pvalues=pvals,
        size=size,
        method=method,
        details={"reps": reps, "bootstrap": bootstrap, "mean_loss": frame.mean().to_dict()},
    )
