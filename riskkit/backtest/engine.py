"""The rolling / expanding refit engine behind :func:`riskkit.backtest`.

The engine only schedules work and assembles results: it splits the sample into
*blocks* (one refit followed by ``refit_every`` one-step-ahead forecasts) and asks
a model adapter (:mod:`riskkit.backtest.adapters`) for the VaR and ES forecasts of
each block. Adapters that can fit all windows in one compiled call (the GARCH
family) override the whole run.

Alignment (DESIGN.md §1): the forecast indexed at date t uses returns up to and
including t-1 only. A block whose fit fails is recorded in
``BacktestResult.failures`` and its forecasts are NaN; the run continues.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskkit._exceptions import InputError
from riskkit._validation import check_choice, check_finite, check_index, check_int, check_levels

__all__ = ["Block", "backtest", "make_blocks"]


@dataclass(frozen=True)
class Block:
    """Fit on ``x[fit_start:fit_end]``, forecast positions ``fit_end .. target_end - 1``."""

    fit_start: int
    fit_end: int
    target_end: int


def make_blocks(n: int, window: int, refit_every: int, scheme: str) -> list[Block]:
    """Refit schedule: first target is position ``window``; a refit every ``refit_every`` targets."""
    blocks = []
    for t in range(window, n, refit_every):
        start = t - window if scheme == "rolling" else 0
        blocks.append(Block(start, t, min(t + refit_every, n)))
    return blocks


def backtest(
    returns: Any,
    model: Any = "historical",
    alpha: Any = 0.01,
    *,
    window: int = 250,
    refit_every: int = 1,
    scheme: str = "rolling",
    vol_method: str = "parametric",
    options: dict[str, Any] | None = None,
    seed: Any = None,
) -> Any:
    """One-step-ahead VaR/ES backtest with rolling or expanding refits.

    Parameters
    ----------
    returns : pandas.Series or 1-D array
        Daily returns (P&L), sorted in time with a unique index. NaN/inf raise.
    model : str or model spec
        A risk-measure method name (``"historical"``, ``"normal"``, ``"t"``, ``"skewt"``,
        ``"cornish_fisher"``, ``"evt"``, ``"kernel"``), a volatility spec
        (``rk.GARCH(...)``, ``rk.GJR(...)``, ``rk.EGARCH(...)``, ``rk.EWMA(...)``,
        ``rk.IGARCH(...)``), ``rk.CAViaR(...)`` or ``rk.CARE(...)``. For CAViaR/CARE the
        backtest's ``alpha`` replaces the spec's (one model per alpha; CARE calibrates
        tau to each alpha); CAViaR gives VaR only (ES is NaN).
    alpha : float or list of float
        Tail probabilities in (0, 1).
    window : int
        Estimation window length (the first window for ``scheme="expanding"``).
    refit_every : int
        Refit every this many days; between refits a volatility or CAViaR/CARE model is
        filtered forward at fixed parameters, and an unconditional measure is held.
    scheme : {"rolling", "expanding"}
    vol_method : {"parametric", "fhs", "evt"}
        For volatility models: VaR/ES from the innovation distribution, by filtered
        historical simulation (empirical quantile and Acerbi-Tasche ES of the
        standardized residuals of the window), or by the GARCH-EVT approach of McNeil &
        Frey (2000) (GPD tail of the standardized-residual losses).
    options : dict, optional
        Options of the risk-measure method (e.g. ``{"tail_fraction": 0.1}`` for
        ``"evt"``; also for ``vol_method="evt"``).
    seed : int or numpy.random.Generator, optional
        For models with random components (CAViaR/CARE multi-start) whose own ``seed``
        is None.

    Returns
    -------
    BacktestResult
        ``forecasts`` (DataFrame indexed by target date: ``return``, ``var_<alpha>``,
        ``es_<alpha>``), ``exceptions``, ``tests()``, ``summary()``, ``plot()``,
        ``to_csv()``, ``params``, ``predictive``, ``failures``, ``resume()``.

    Notes
    -----
    Refits happen at target positions ``t_j = window + j * refit_every``. The forecast
    for target position t (``t_j <= t < t_{j+1}``) comes from the model fitted on
    ``returns[t_j - window : t_j]`` (rolling) or ``returns[:t_j]`` (expanding), filtered
    with the returns up to t - 1: for a volatility model
    ``VaR_t = -mu_t + sigma_t VaR_z`` and ``ES_t = -mu_t + sigma_t ES_z`` with
    ``mu_t, sigma_t`` known at t - 1. An exception on day t is ``-r_t > VaR_t``.

    Volatility refits are estimated in one call of
    :func:`riskkit.volatility.fit_windows` (compiled, each window warm-started from the
    previous optimum); CAViaR refits are warm-started from the previous estimate.
    A refit that fails (degenerate window, optimiser not converged) is recorded in
    ``result.failures``, its days get NaN forecasts, one :class:`~riskkit.RiskkitWarning`
    is issued and the run continues; ``result.resume()`` refits those blocks from a
    cold start.

    References
    ----------
    Christoffersen, P. F. (2012). *Elements of Financial Risk Management*, 2nd ed.,
    Academic Press, chapter 13 (backtesting with rolling estimation windows).
    McNeil, A. J. & Frey, R. (2000). *Journal of Empirical Finance* 7, 271-300, section 5.

    Examples
    --------
    >>> import riskkit as rk
    >>> r = rk.datasets.load("sp500")["return"].iloc[-600:]
    >>> bt = rk.backtest(r, "historical", alpha=0.01, window=500, refit_every=1)
    >>> bool(bt.forecasts["var_0.01"].iloc[0] == rk.var(r.iloc[:500], alpha=0.01))
    True
    """
    from riskkit.backtest.adapters import adapter_for
    from riskkit.backtest.result import BacktestResult

    values, index, name = _returns_input(returns)
    alphas, _ = check_levels(alpha, "alpha")
    window = check_int(window, "window", minimum=2)
    refit_every = check_int(refit_every, "refit_every", minimum=1)
    scheme = check_choice(scheme, "scheme", ("rolling", "expanding"))
    vol_method = check_choice(vol_method, "vol_method", ("parametric", "fhs", "evt"))
    if window >= values.shape[0]:
        raise InputError(
            f"window must be shorter than returns (n={values.shape[0]}) to leave days to forecast; "
            f"got window={window}"
        )
    if options is not None and not isinstance(options, dict):
        raise InputError(f"options must be a dict or None; got {options!r}")
    adapter = adapter_for(model, vol_method=vol_method, options=options, seed=seed)
    check_window = getattr(adapter, "check_window", None)
    if check_window is not None:
        check_window(window)
    blocks = make_blocks(values.shape[0], window, refit_every, scheme)
    outputs = adapter.forecast_blocks(values, blocks, alphas)
    settings = {
        "model": adapter.description,
        "alpha": [float(a) for a in alphas],
        "window": window,
        "refit_every": refit_every,
        "scheme": scheme,
        "vol_method": vol_method if adapter.kind == "volatility" else None,
        "n_refits": len(blocks),
    }
    result = BacktestResult.from_outputs(
        outputs,
        returns=values,
        index=index,
        name=name,
        alphas=alphas,
        blocks=blocks,
        settings=settings,
        adapter=adapter,
    )
    result.warn_failures()
    return result


def _returns_input(returns: Any) -> tuple[np.ndarray, pd.Index | None, Any]:
    from riskkit._pandas import unwrap

    values, meta = unwrap(returns, "returns")
    if values.shape[1] != 1:
        raise InputError(
            f"returns must be one series (a Series or 1-D array); got shape {values.shape}; "
            "run one backtest per column"
        )
    col = values[:, 0]
    if meta.index is not None:
        check_index(meta.index, "returns")
    check_finite(col, "returns", "raise", index=meta.index)
    return np.ascontiguousarray(col), meta.index, meta.name
