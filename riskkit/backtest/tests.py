"""Statistical backtests of VaR forecasts (``rk.tests``).

Every test returns a :class:`~riskkit._results.TestResult` (statistic, p-value, the
null hypothesis in words, the reference distribution and the counts behind it).

Inputs are the realised returns and the VaR forecasts for the same dates (VaR as a
non-negative loss, DESIGN.md §1). An exception (hit) on day t is ``-r_t > VaR_t``
(strict). The count-based tests also accept the counts directly
(``kupiec(n_obs=250, n_exceptions=5, alpha=0.01)``), and the hit-based ones a 0/1
``hits=`` sequence.

Conventions for degenerate samples (no exception, only exceptions, tiny samples):
likelihoods are written with ``xlogy`` so that ``0 log 0 = 0``; every statistic is then
a finite number. The test-specific conventions are stated in each docstring.

The ES and tail-density tests (:mod:`riskkit.backtest.es_tests`, including
:func:`berkowitz`) and the dynamic quantile test of
Engle & Manganelli (:func:`dq`) are re-exported here, as are the forecast comparisons
:func:`diebold_mariano` and :func:`model_confidence_set`, so ``rk.tests`` holds them all.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
from scipy import optimize, special, stats

from riskkit._exceptions import ConvergenceWarning, InputError
from riskkit._kernels.backtest import hit_durations
from riskkit._results import TestResult
from riskkit._validation import (
    as_generator,
    check_choice,
    check_int,
    check_probability,
)
from riskkit.backtest._inputs import check_counts, resolve_hits
from riskkit.backtest.comparison import diebold_mariano, model_confidence_set
from riskkit.backtest.es_tests import (
    acerbi_szekely,
    berkowitz,
    du_escanciano,
    expectile_exceedance,
    expectile_identification,
    mcneil_frey,
    nolde_ziegel,
)
from riskkit.backtest.traffic_light import traffic_light

__all__ = [
    "acerbi_szekely",
    "berkowitz",
    "binomial",
    "christoffersen",
    "christoffersen_pelletier",
    "diebold_mariano",
    "dq",
    "du_escanciano",
    "exceptions",
    "expectile_exceedance",
    "expectile_identification",
    "haas",
    "kupiec",
    "mcneil_frey",
    "model_confidence_set",
    "nolde_ziegel",
    "traffic_light",
    "tuff",
]

_UC_NULL = "the exception probability equals alpha"


# --------------------------------------------------------------------------- helpers


def exceptions(returns: Any, var: Any, *, nan_policy: str = "raise") -> Any:
    """The exception indicator ``1{-r_t > VaR_t}`` (1.0 for a hit, 0.0 otherwise).

    Series in -> float Series with the caller's index; arrays in -> ndarray.
    """
    import pandas as pd

    h, index = resolve_hits(returns, var, None, nan_policy)
    return h if index is None else pd.Series(h, index=index.copy(), name="exception")


def _bernoulli_loglik(n0: float, n1: float, p: float) -> float:
    """``n0 log(1-p) + n1 log p`` with ``0 log 0 = 0``."""
    return float(special.xlogy(n0, 1.0 - p) + special.xlogy(n1, p))


def _counts_or_hits(
    returns: Any, var: Any, hits: Any, n_obs: Any, n_exceptions: Any, nan_policy: str
) -> tuple[int, int, np.ndarray | None]:
    if n_obs is not None or n_exceptions is not None:
        if returns is not None or var is not None or hits is not None:
            raise InputError("give either the counts (n_obs, n_exceptions) or the data; not both")
        if n_obs is None or n_exceptions is None:
            raise InputError("n_obs and n_exceptions must be given together")
        n, x = check_counts(n_obs, n_exceptions)
        return n, x, None
    h, _ = resolve_hits(returns, var, hits, nan_policy)
    return int(h.size), int(h.sum()), h


def _lr_pof(n: int, x: int, alpha: float) -> float:
    lr = -2.0 * (_bernoulli_loglik(n - x, x, alpha) - _bernoulli_loglik(n - x, x, x / n))
    return max(lr, 0.0)


def _lr_first_failure(t: float, alpha: float) -> float:
    """TUFF likelihood ratio for a first failure on day ``t`` (geometric law)."""
    ll0 = math.log(alpha) + (t - 1.0) * math.log1p(-alpha)
    ll1 = -math.log(t) + float(special.xlogy(t - 1.0, 1.0 - 1.0 / t))
    return max(-2.0 * (ll0 - ll1), 0.0)


# --------------------------------------------------------------------------- coverage


def kupiec(
    returns: Any = None,
    var: Any = None,
    alpha: float = 0.01,
    *,
    hits: Any = None,
    n_obs: Any = None,
    n_exceptions: Any = None,
    nan_policy: str = "raise",
) -> TestResult:
    """Kupiec (1995) proportion-of-failures (POF) likelihood-ratio test.

    Parameters
    ----------
    returns, var : Series or 1-D array
        Realised returns and VaR forecasts (non-negative losses) for the same dates.
    alpha : float
        Tail probability of the VaR, in (0, 1).
    hits : 0/1 sequence, optional
        The exception indicators instead of ``returns`` and ``var``.
    n_obs, n_exceptions : int, optional
        The counts instead of data.
    nan_policy : {"raise", "omit"}

    Returns
    -------
    TestResult
        ``statistic`` is ``LR_POF`` ~ chi2(1) under H0.

    Notes
    -----
    With ``x`` exceptions in ``n`` days and ``p_hat = x / n``,

    .. math:: LR_{POF} = -2\\left[(n-x)\\log(1-\\alpha) + x\\log\\alpha
              - (n-x)\\log(1-\\hat p) - x\\log\\hat p\\right]

    with ``0 log 0 = 0``: zero exceptions give ``-2 n log(1 - alpha)`` and ``n``
    exceptions ``-2 n log(alpha)``.

    References
    ----------
    Kupiec, P. (1995). Techniques for verifying the accuracy of risk measurement models.
    *Journal of Derivatives* 3(2), 73-84.

    Examples
    --------
    >>> res = kupiec(n_obs=1043, n_exceptions=57, alpha=0.05)
    >>> round(res.statistic, 5), round(res.pvalue, 5)  # MathWorks varbacktest pof example
    (0.46147, 0.49694)
    """
    alpha = check_probability(alpha, "alpha")
    n, x, _ = _counts_or_hits(returns, var, hits, n_obs, n_exceptions, nan_policy)
    lr = _lr_pof(n, x, alpha)
    return TestResult(
        name="Kupiec POF",
        statistic=lr,
        pvalue=float(stats.chi2.sf(lr, 1)),
        null=_UC_NULL,
        distribution="chi2(1)",
        details={
            "n_obs": n,
            "n_exceptions": x,
            "expected_exceptions": n * alpha,
            "exception_rate": x / n,
        },
    )


def tuff(
    returns: Any = None,
    var: Any = None,
    alpha: float = 0.01,
    *,
    hits: Any = None,
    first_failure: Any = None,
    n_obs: Any = None,
    nan_policy: str = "raise",
) -> TestResult:
    """Kupiec (1995) time-until-first-failure (TUFF) likelihood-ratio test.

    Parameters
    ----------
    returns, var, alpha, hits, nan_policy
        As in :func:`kupiec`.
    first_failure : int, optional
        The (1-based) day of the first exception, instead of data. With ``n_obs``
        and ``first_failure=None`` this means "no exception in ``n_obs`` days".
    n_obs : int, optional
        Sample length (count mode only).

    Notes
    -----
    Under H0 the first exception day ``T`` is geometric, ``P(T=t) = alpha (1-alpha)^(t-1)``:

    .. math:: LR_{TUFF} = -2\\log\\frac{\\alpha(1-\\alpha)^{t-1}}
              {(1/t)(1-1/t)^{t-1}} \\sim \\chi^2(1).

    Convention: with no exception in ``n`` days the first failure is censored at ``n``;
    the censored likelihood ratio is ``-2 n log(1 - alpha)`` (the unrestricted maximum
    of ``(1-p)^n`` is 1), also referred to chi2(1).

    References
    ----------
    Kupiec, P. (1995). Techniques for verifying the accuracy of risk measurement models.
    *Journal of Derivatives* 3(2), 73-84.
    """
    alpha = check_probability(alpha, "alpha")
    if first_failure is not None or n_obs is not None:
        if returns is not None or var is not None or hits is not None:
            raise InputError("give either first_failure/n_obs or the data; not both")
        if first_failure is None:
            n = check_int(n_obs, "n_obs", minimum=1)
            t: int | None = None
        else:
            t = check_int(first_failure, "first_failure", minimum=1)
            n = t if n_obs is None else check_int(n_obs, "n_obs", minimum=t)
    else:
        h, _ = resolve_hits(returns, var, hits, nan_policy)
        n = int(h.size)
        t = int(np.argmax(h > 0.5)) + 1 if h.any() else None
    if t is None:
        lr = max(-2.0 * n * math.log1p(-alpha), 0.0)
        censored = True
    else:
        lr = _lr_first_failure(float(t), alpha)
        censored = False
    return TestResult(
        name="Kupiec TUFF",
        statistic=lr,
        pvalue=float(stats.chi2.sf(lr, 1)),
        null="the time until the first exception is geometric with probability alpha",
        distribution="chi2(1)",
        details={
            "first_failure": t,
            "n_obs": n,
            "expected_first_failure": 1.0 / alpha,
            "censored": censored,
        },
    )


def binomial(
    returns: Any = None,
    var: Any = None,
    alpha: float = 0.01,
    *,
    method: str = "exact",
    hits: Any = None,
    n_obs: Any = None,
    n_exceptions: Any = None,
    nan_policy: str = "raise",
) -> TestResult:
    """Two-sided binomial test of the number of exceptions.

    Parameters
    ----------
    method : {"exact", "normal"}
        ``"exact"``: :func:`scipy.stats.binomtest` two-sided p-value (the sum of the
        probabilities of outcomes no more likely than the observed one).
        ``"normal"``: ``2 * Phi(-|z|)`` (Jorion's normal approximation).
    Other parameters as in :func:`kupiec`.

    Notes
    -----
    The statistic is always the z-score :math:`z = (x - n\\alpha)/\\sqrt{n\\alpha(1-\\alpha)}`.

    References
    ----------
    Jorion, P. (2007). *Value at Risk*, 3rd ed., ch. 6 (the z-score test).
    """
    alpha = check_probability(alpha, "alpha")
    method = check_choice(method, "method", ("exact", "normal"))
    n, x, _ = _counts_or_hits(returns, var, hits, n_obs, n_exceptions, nan_policy)
    z = (x - n * alpha) / math.sqrt(n * alpha * (1.0 - alpha))
    if method == "exact":
        p = float(stats.binomtest(x, n, alpha, alternative="two-sided").pvalue)
        dist = f"binomial({n}, {alpha:g})"
    else:
        p = float(2.0 * stats.norm.sf(abs(z)))
        dist = "N(0, 1)"
    return TestResult(
        name=f"binomial ({method})",
        statistic=float(z),
        pvalue=min(p, 1.0),
        null=_UC_NULL,
        distribution=dist,
        details={"n_obs": n, "n_exceptions": x, "expected_exceptions": n * alpha},
    )


def _transitions(h: np.ndarray) -> tuple[int, int, int, int]:
    prev, cur = h[:-1] > 0.5, h[1:] > 0.5
    n00 = int(np.sum(~prev & ~cur))
    n01 = int(np.sum(~prev & cur))
    n10 = int(np.sum(prev & ~cur))
    n11 = int(np.sum(prev & cur))
    return n00, n01, n10, n11


def christoffersen(
    returns: Any = None,
    var: Any = None,
    alpha: float = 0.01,
    *,
    test: str = "cc",
    hits: Any = None,
    transitions: Any = None,
    n_obs: Any = None,
    n_exceptions: Any = None,
    n_sim: int | None = None,
    seed: Any = None,
    nan_policy: str = "raise",
) -> TestResult:
    """Christoffersen (1998) Markov independence and conditional coverage tests.

    Parameters
    ----------
    test : {"cc", "ind"}
        ``"ind"``: independence ``LR_ind`` ~ chi2(1); ``"cc"``: conditional coverage
        ``LR_cc = LR_POF + LR_ind`` ~ chi2(2).
    transitions : tuple of 4 ints, optional
        ``(n00, n01, n10, n11)`` instead of data (``nij`` = days in state j after a day in
        state i, 1 = exception). For ``test="cc"`` the POF part uses ``n_obs`` and
        ``n_exceptions`` when given, else the transition totals
        ``n00+n01+n10+n11`` and ``n01+n11``.
    n_sim : int, optional
        Dufour (2006) Monte Carlo p-value from ``n_sim`` iid Bernoulli(alpha) sequences
        (data input only). Recommended for ``LR_ind``: with few consecutive exceptions its
        chi2(1) limit over-rejects (about 8% at a nominal 5% for 1000 days at 5%).
    seed : int or numpy Generator, optional
    Other parameters as in :func:`kupiec`.

    Notes
    -----
    With ``pi01 = n01/(n00+n01)``, ``pi11 = n11/(n10+n11)`` and
    ``pi = (n01+n11)/(n00+n01+n10+n11)``,

    .. math:: LR_{ind} = -2\\left[\\log L(\\pi) - \\log L(\\pi_{01}, \\pi_{11})\\right]

    where ``log L(pi) = (n00+n10) log(1-pi) + (n01+n11) log(pi)``. Empty cells follow
    ``0 log 0 = 0`` (an empty row contributes nothing), so no exception or a single
    day gives ``LR_ind = 0``. The POF part is computed on all ``n`` days (as in
    MathWorks ``varbacktest``).

    References
    ----------
    Christoffersen, P. F. (1998). Evaluating interval forecasts. *International Economic
    Review* 39(4), 841-862, section 3.
    """
    alpha = check_probability(alpha, "alpha")
    test = check_choice(test, "test", ("cc", "ind"))
    if transitions is not None:
        if returns is not None or var is not None or hits is not None or n_sim is not None:
            raise InputError("give either transitions or the data (and n_sim); not both")
        try:
            cells = [check_int(c, "transitions", minimum=0) for c in transitions]
        except TypeError:
            raise InputError(f"transitions must be 4 counts; got {transitions!r}") from None
        if len(cells) != 4 or sum(cells) == 0:
            raise InputError(f"transitions must be 4 counts with a positive sum; got {cells}")
        n00, n01, n10, n11 = cells
        if n_obs is not None or n_exceptions is not None:
            n, x = check_counts(n_obs, n_exceptions)
        else:
            n, x = sum(cells), n01 + n11
    else:
        if n_obs is not None or n_exceptions is not None:
            raise InputError("counts n_obs/n_exceptions need transitions= as well")
        h, _ = resolve_hits(returns, var, hits, nan_policy)
        n00, n01, n10, n11 = _transitions(h)
        n, x = int(h.size), int(h.sum())
    lr_ind, pi01, pi11 = _lr_ind(n00, n01, n10, n11)
    lr_pof = _lr_pof(n, x, alpha)
    details: dict[str, Any] = {
        "n00": n00,
        "n01": n01,
        "n10": n10,
        "n11": n11,
        "pi01": pi01,
        "pi11": pi11,
        "lr_ind": lr_ind,
        "pvalue_ind": float(stats.chi2.sf(lr_ind, 1)),
        "lr_pof": lr_pof,
        "pvalue_pof": float(stats.chi2.sf(lr_pof, 1)),
        "n_obs": n,
        "n_exceptions": x,
    }
    if test == "ind":
        stat, p, dist = lr_ind, details["pvalue_ind"], "chi2(1)"
        name = "Christoffersen independence"
        null = "exceptions are independent (first-order Markov alternative)"
    else:
        stat = lr_pof + lr_ind
        p, dist = float(stats.chi2.sf(stat, 2)), "chi2(2)"
        name = "Christoffersen conditional coverage"
        null = "exceptions are independent and occur with probability alpha"
    if n_sim is not None:

        def statistic(hs: np.ndarray) -> float:
            lr = _lr_ind(*_transitions(hs))[0]
            return lr if test == "ind" else lr + _lr_pof(hs.size, int(hs.sum()), alpha)

        p = _monte_carlo_pvalue(stat, statistic, n, alpha, n_sim, seed)
        dist = f"Monte Carlo ({n_sim})"
    return TestResult(
        name=name, statistic=stat, pvalue=p, null=null, distribution=dist, details=details
    )


def _lr_ind(n00: int, n01: int, n10: int, n11: int) -> tuple[float, float, float]:
    tot = n00 + n01 + n10 + n11
    pi = (n01 + n11) / tot if tot else 0.0
    pi01 = n01 / (n00 + n01) if n00 + n01 else 0.0
    pi11 = n11 / (n10 + n11) if n10 + n11 else 0.0
    ll_restricted = _bernoulli_loglik(n00 + n10, n01 + n11, pi)
    ll_markov = _bernoulli_loglik(n00, n01, pi01) + _bernoulli_loglik(n10, n11, pi11)
    return max(-2.0 * (ll_restricted - ll_markov), 0.0), pi01, pi11


def haas(
    returns: Any = None,
    var: Any = None,
    alpha: float = 0.01,
    *,
    test: str = "tbf",
    hits: Any = None,
    n_sim: int | None = None,
    seed: Any = None,
    nan_policy: str = "raise",
) -> TestResult:
    """Haas (2001) time-between-failures tests (mixed Kupiec test).

    Parameters
    ----------
    test : {"tbf", "tbfi"}
        ``"tbfi"``: independence part ``LR_TBFI`` ~ chi2(x); ``"tbf"`` (mixed):
        ``LR_TBF = LR_POF + LR_TBFI`` ~ chi2(x + 1), ``x`` the number of exceptions.
    n_sim : int, optional
        If given, the p-value is a Dufour (2006) Monte Carlo p-value from ``n_sim``
        iid Bernoulli(alpha) hit sequences of the same length (recommended: the chi2
        approximation over-rejects, about 13% at a nominal 5% with 1000 days at
        alpha = 5% in our simulations, because each duration is a single observation).
    seed : int or numpy Generator, optional
        For ``n_sim``.
    Other parameters as in :func:`kupiec`.

    Notes
    -----
    With ``v_1`` the day of the first exception and ``v_i`` the days between
    exceptions ``i-1`` and ``i``, each duration is geometric under H0:

    .. math:: LR_{TBFI} = -2\\sum_{i=1}^{x}\\log\\frac{\\alpha(1-\\alpha)^{v_i-1}}
              {(1/v_i)(1-1/v_i)^{v_i-1}}.

    Convention: with no exception there is no duration to test, ``LR_TBFI = 0`` with
    p-value 1, and ``LR_TBF = LR_POF`` on chi2(1).

    References
    ----------
    Haas, M. (2001). New methods in backtesting. Financial Engineering Research Center
    caesar, Bonn.
    """
    alpha = check_probability(alpha, "alpha")
    test = check_choice(test, "test", ("tbf", "tbfi"))
    h, _ = resolve_hits(returns, var, hits, nan_policy)
    n, x = int(h.size), int(h.sum())
    lr_tbfi, durations = _lr_tbfi(h, alpha)
    p_tbfi = float(stats.chi2.sf(lr_tbfi, x)) if x > 0 else 1.0
    lr_pof = _lr_pof(n, x, alpha)
    details: dict[str, Any] = {
        "n_obs": n,
        "n_exceptions": x,
        "lr_tbfi": lr_tbfi,
        "pvalue_tbfi": p_tbfi,
        "lr_pof": lr_pof,
        "pvalue_pof": float(stats.chi2.sf(lr_pof, 1)),
        "durations": durations.tolist(),
    }
    if test == "tbfi":
        stat, p, dist = lr_tbfi, p_tbfi, f"chi2({x})"
        name = "Haas TBF independence"
        null = "the times between exceptions are geometric with probability alpha"
    else:
        stat = lr_pof + lr_tbfi
        p, dist = float(stats.chi2.sf(stat, x + 1)), f"chi2({x + 1})"
        name = "Haas TBF mixed"
        null = "exceptions occur with probability alpha at geometric (memoryless) intervals"
    if n_sim is not None:

        def statistic(hs: np.ndarray) -> float:
            lr = _lr_tbfi(hs, alpha)[0]
            return lr if test == "tbfi" else lr + _lr_pof(hs.size, int(hs.sum()), alpha)

        p = _monte_carlo_pvalue(stat, statistic, n, alpha, n_sim, seed)
        dist = f"Monte Carlo ({n_sim})"
    return TestResult(
        name=name, statistic=stat, pvalue=p, null=null, distribution=dist, details=details
    )


def _lr_tbfi(h: np.ndarray, alpha: float) -> tuple[float, np.ndarray]:
    times = np.flatnonzero(h > 0.5) + 1
    durations = np.diff(np.concatenate(([0], times))).astype(np.float64)
    return float(sum(_lr_first_failure(float(v), alpha) for v in durations)), durations


def _monte_carlo_pvalue(
    stat: float, statistic: Any, n: int, alpha: float, n_sim: Any, seed: Any
) -> float:
    """Dufour (2006) Monte Carlo p-value under iid Bernoulli(alpha) hits."""
    n_sim = check_int(n_sim, "n_sim", minimum=19)
    rng = as_generator(seed)
    sims = rng.random((n_sim, n)) < alpha
    count = sum(statistic(row.astype(np.float64)) >= stat - 1e-12 for row in sims)
    return float((1 + count) / (n_sim + 1))


# --------------------------------------------------------------------------- durations


def _weibull_loglik(b: float, d: np.ndarray, c: np.ndarray) -> tuple[float, float]:
    """Profile log-likelihood of the Weibull duration model at shape ``b``; returns (ll, a)."""
    n_unc = float(np.sum(1.0 - c))
    s = float(np.sum(d**b))
    a_b = n_unc / s  # a^b maximising the likelihood at this b
    ll = n_unc * (math.log(a_b) + math.log(b)) + (b - 1.0) * float(np.sum((1.0 - c) * np.log(d)))
    ll -= a_b * s
    return ll, a_b ** (1.0 / b)


def christoffersen_pelletier(
    returns: Any = None,
    var: Any = None,
    alpha: float = 0.01,
    *,
    hits: Any = None,
    n_sim: int | None = None,
    seed: Any = None,
    nan_policy: str = "raise",
) -> TestResult:
    """Christoffersen & Pelletier (2004) Weibull duration test of independence.

    Parameters
    ----------
    returns, var, alpha, hits, nan_policy
        As in :func:`kupiec`.
    n_sim : int, optional
        If given, a Dufour (2006) Monte Carlo p-value from ``n_sim`` iid Bernoulli(alpha)
        hit sequences, as Christoffersen & Pelletier recommend (the chi2(1) limit
        over-rejects in samples of a few dozen exceptions).
    seed : int or numpy Generator, optional

    Notes
    -----
    The durations ``D_i`` between exceptions get the Weibull density
    ``f(D) = a^b b D^(b-1) exp(-(aD)^b)`` with survival ``S(D) = exp(-(aD)^b)``. A first
    duration before the first exception (when the sample does not start with one) and a
    last duration after the last exception are censored (``C = 1``) and enter with
    ``log S(D)``:

    .. math:: \\log L = \\sum_i (1 - C_i)\\log f(D_i) + C_i \\log S(D_i).

    Under H0 (memoryless exceptions) ``b = 1``. For fixed ``b`` the maximising
    ``a^b = #uncensored / sum_i D_i^b``; ``b`` is found by a bounded scalar search on
    ``log b``. ``LR = 2[log L(a_hat, b_hat) - log L(a_hat_0, 1)]`` ~ chi2(1).

    ``alpha`` is not used by the statistic (the exponential rate is estimated), only
    reported. Convention: with fewer than two uncensored durations (fewer than 2
    exceptions) ``b`` is not identified; the statistic is 0 with p-value 1.

    References
    ----------
    Christoffersen, P. F. & Pelletier, D. (2004). Backtesting value-at-risk: a
    duration-based approach. *Journal of Financial Econometrics* 2(1), 84-108, section 2.
    """
    alpha = check_probability(alpha, "alpha")
    h, _ = resolve_hits(returns, var, hits, nan_policy)
    lr, details = _cp_statistic(h, alpha)
    p, dist = float(stats.chi2.sf(lr, 1)), "chi2(1)"
    if n_sim is not None:
        p = _monte_carlo_pvalue(
            lr, lambda hs: _cp_statistic(hs, alpha)[0], h.size, alpha, n_sim, seed
        )
        dist = f"Monte Carlo ({n_sim})"
    if not details["converged"]:
        warnings.warn(
            "Christoffersen-Pelletier: the Weibull shape search did not converge",
            ConvergenceWarning,
            stacklevel=2,
        )
    return TestResult(
        name="Christoffersen-Pelletier duration",
        statistic=lr,
        pvalue=1.0 if details["n_uncensored"] < 2 else p,
        null="durations between exceptions are exponential (Weibull b = 1)",
        distribution=dist,
        details=details,
    )


def _cp_statistic(h: np.ndarray, alpha: float) -> tuple[float, dict[str, Any]]:
    d, c = hit_durations(np.ascontiguousarray(h, dtype=np.float64))
    n_unc = int(np.sum(c == 0.0))
    details: dict[str, Any] = {
        "n_obs": int(h.size),
        "n_exceptions": int(h.sum()),
        "n_durations": int(d.size),
        "n_uncensored": n_unc,
        "mean_duration": float(np.mean(d[c == 0.0])) if n_unc else float("nan"),
        "expected_duration": 1.0 / alpha,
        "converged": True,
    }
    if n_unc < 2:
        details.update(weibull_b=1.0, weibull_a=float("nan"))
        return 0.0, details
    ll0, a0 = _weibull_loglik(1.0, d, c)
    res = optimize.minimize_scalar(
        lambda lb: -_weibull_loglik(math.exp(lb), d, c)[0],
        bounds=(math.log(1e-3), math.log(50.0)),
        method="bounded",
        options={"xatol": 1e-10},
    )
    b_hat = math.exp(float(res.x))
    ll1, a1 = _weibull_loglik(b_hat, d, c)
    if ll1 < ll0:  # the search cannot do worse than the null
        ll1, a1, b_hat = ll0, a0, 1.0
    details["converged"] = bool(res.success)
    details.update(weibull_b=b_hat, weibull_a=a1, loglik=ll1, loglik_null=ll0)
    return max(2.0 * (ll1 - ll0), 0.0), details


# --------------------------------------------------------------------------- DQ (helper H6)


def dq(
    returns: Any,
    var: Any,
    alpha: float = 0.01,
    lags: int = 4,
    *,
    include_var: bool = True,
    nan_policy: str = "raise",
) -> TestResult:
    """Engle & Manganelli (2004) dynamic quantile test.

    Thin re-export of :func:`riskkit.regression.dq.dq_test` (imported at call time, so
    ``rk.tests`` does not import the regression package); see that function for the
    statistic, its instruments and its reference.
    """
    from riskkit.regression.dq import dq_test

    return dq_test(returns, var, alpha, lags=lags, include_var=include_var, nan_policy=nan_policy)
