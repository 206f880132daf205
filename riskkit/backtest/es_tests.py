"""Backtests of expected shortfall and of expectile-based VaR.

* :func:`mcneil_frey` -- exceedance residuals, bootstrap test of zero mean.
* :func:`acerbi_szekely` -- Z1, Z2, Z3 with p-values simulated from the forecast law.
* :func:`berkowitz` -- LR tests of the PIT values, full density and tail (censored).
* :func:`du_escanciano` -- cumulative violations (unconditional and Box-Pierce).
* :func:`nolde_ziegel` -- conditional calibration test of the (VaR, ES) pair
  (chosen instead of the Bayer-Dimitriadis regression test: it needs no nonconvex
  joint regression and has a chi-square limit).
* :func:`expectile_exceedance`, :func:`expectile_identification` -- EVaR backtests.

Sign conventions (DESIGN.md §1): returns ``r_t``; VaR, ES, EVaR are non-negative losses;
an exception is ``L_t = -r_t > VaR_t``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import integrate, optimize, special, stats

from riskkit._exceptions import ConvergenceWarning, InputError
from riskkit._results import TestResult
from riskkit._validation import (
    as_generator,
    check_choice,
    check_int,
    check_nan_policy,
    check_probability,
)
from riskkit.backtest._inputs import aligned

__all__ = [
    "acerbi_szekely",
    "berkowitz",
    "du_escanciano",
    "expectile_exceedance",
    "expectile_identification",
    "mcneil_frey",
    "nolde_ziegel",
]


# --------------------------------------------------------------------------- McNeil-Frey


def _t_stats(x: np.ndarray) -> np.ndarray:
    """Row-wise one-sample t statistics (0 where the row is constant at 0)."""
    k = x.shape[-1]
    m = x.mean(axis=-1)
    s = x.std(axis=-1, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = m / (s / math.sqrt(k))
    constant = np.where(m == 0.0, 0.0, np.copysign(np.inf, m))
    return np.where(s > 0, t, constant)


def mcneil_frey(
    returns: Any,
    var: Any,
    es: Any,
    *,
    scale: Any = None,
    alternative: str = "greater",
    n_boot: int = 2000,
    seed: Any = None,
    nan_policy: str = "raise",
) -> TestResult:
    """McNeil & Frey (2000) exceedance-residual test of an ES forecast.

    Parameters
    ----------
    returns, var, es : Series or 1-D arrays
        Returns and the VaR/ES forecasts (non-negative losses, ``es >= var``).
    scale : Series, 1-D array or float, optional
        Conditional volatility ``sigma_t``; residuals are divided by it (as in the
        paper). ``None`` uses raw residuals.
    alternative : {"greater", "two-sided"}
        ``"greater"``: H1 is that ES is underestimated (mean residual > 0).
    n_boot : int
        Bootstrap replications.
    seed : int or numpy Generator, optional

    Notes
    -----
    On exception days ``L_t > VaR_t`` the residuals ``e_t = (L_t - ES_t) / sigma_t`` have
    mean zero under H0. The statistic is ``t = mean(e) / (sd(e) / sqrt(k))``; its
    distribution is bootstrapped from the centred residuals ``e - mean(e)`` (Efron &
    Tibshirani 1993, section 16.4). The p-value is ``(1 + #{t* >= t}) / (B + 1)``
    (``|t*| >= |t|`` two-sided). Convention: with fewer than two exceptions the
    statistic is 0 and the p-value 1.

    References
    ----------
    McNeil, A. J. & Frey, R. (2000). Estimation of tail-related risk measures for
    heteroscedastic financial time series: an extreme value approach. *Journal of
    Empirical Finance* 7, 271-300, section 5.
    """
    alternative = check_choice(alternative, "alternative", ("greater", "two-sided"))
    n_boot = check_int(n_boot, "n_boot", minimum=99)
    rng = as_generator(seed)
    inputs = {"returns": returns, "var": var, "es": es}
    if scale is not None:
        inputs["scale"] = scale
    a, _ = aligned(inputs, nan_policy)
    loss = -a["returns"]
    hit = loss > a["var"]
    sig = a["scale"][hit] if scale is not None else np.ones(int(hit.sum()))
    if scale is not None and np.any(a["scale"] <= 0):
        raise InputError("scale must be positive")
    e = (loss[hit] - a["es"][hit]) / sig
    k = e.size
    details: dict[str, Any] = {"n_exceptions": k, "mean_residual": float(e.mean()) if k else 0.0}
    if k < 2 or np.all(e == e[0]):
        return TestResult(
            name="McNeil-Frey exceedance residuals",
            statistic=0.0,
            pvalue=1.0,
            null="exceedance residuals have mean zero (ES correctly forecast)",
            distribution="bootstrap",
            details={**details, "note": "fewer than two distinct residuals; not testable"},
        )
    t_obs = float(_t_stats(e[None, :])[0])
    centred = e - e.mean()
    boot = centred[rng.integers(0, k, size=(n_boot, k))]
    t_star = _t_stats(boot)
    if alternative == "greater":
        count = np.sum(t_star >= t_obs)
    else:
        count = np.sum(np.abs(t_star) >= abs(t_obs))
    return TestResult(
        name="McNeil-Frey exceedance residuals",
        statistic=t_obs,
        pvalue=float((1 + count) / (n_boot + 1)),
        null="exceedance residuals have mean zero (ES correctly forecast)",
        distribution=f"bootstrap ({n_boot}, {alternative})",
        details=details,
    )


# --------------------------------------------------------------------------- Acerbi-Szekely


def _expected_es_hat(dist: Any, n: int, k: int) -> float:
    """E[ES_hat] of the k smallest of n draws of ``dist``: -(n/k) int I_{1-p}(n-k,k) Q(p) dp."""
    if k >= n:
        return 0.0  # the mean of all draws (distributions have mean zero)

    def f(p: float) -> float:
        return float(special.betainc(n - k, k, 1.0 - p) * dist.ppf(p))

    mid = min(k / n, 0.5)
    upper = min(1.0, 10.0 * k / n + 20.0 / n)
    val = integrate.quad(f, 0.0, mid, limit=200)[0] + integrate.quad(f, mid, upper, limit=200)[0]
    if upper < 1.0:
        val += integrate.quad(f, upper, 1.0, limit=200)[0]
    return -n / k * val


def _chunks(n_sim: int, n: int, cells: int = 4_000_000) -> list[int]:
    """Row counts of simulation blocks holding at most ``cells`` numbers (bounded memory)."""
    rows = max(1, cells // max(n, 1))
    return [min(rows, n_sim - i) for i in range(0, n_sim, rows)]


def _es_hat(z: np.ndarray, k: int) -> np.ndarray:
    """Row-wise -(mean of the k smallest values)."""
    part = np.partition(z, k - 1, axis=-1)[..., :k]
    return -np.asarray(part.mean(axis=-1))


def acerbi_szekely(
    returns: Any,
    var: Any,
    es: Any,
    alpha: float,
    *,
    test: str = "z2",
    dist: Any = "normal",
    loc: Any = 0.0,
    scale: Any = None,
    sampler: Callable[[np.random.Generator, int], np.ndarray] | None = None,
    n_sim: int = 2000,
    seed: Any = None,
    nan_policy: str = "raise",
) -> TestResult:
    """Acerbi & Szekely (2014) ES backtests Z1, Z2 and Z3.

    Parameters
    ----------
    returns, var, es : Series or 1-D arrays
        Returns and VaR/ES forecasts (non-negative losses) for the same dates.
    alpha : float
        Tail probability of VaR and ES.
    test : {"z1", "z2", "z3"}
    dist : str or riskkit.distributions.Distribution
        Standardized forecast distribution: the forecast of ``r_t`` is
        ``loc_t + scale_t * Z`` with ``Z ~ dist``.
    loc, scale : Series, 1-D arrays or floats
        Location and scale of the forecast distribution (``scale`` required unless a
        ``sampler`` is given).
    sampler : callable, optional
        ``sampler(rng, n_sim)`` returning an ``(n_sim, n_obs)`` array of returns drawn
        from the forecast distributions (instead of ``dist``/``loc``/``scale``; Z1 and
        Z2 only).
    n_sim : int
        Simulated samples under H0 for the p-value.

    Notes
    -----
    With ``I_t = 1{r_t < -VaR_t}``, ``N = sum I_t``, ``T`` days:

    .. math:: Z_1 = \\frac{1}{N}\\sum_t \\frac{r_t I_t}{ES_t} + 1, \\qquad
              Z_2 = \\sum_t \\frac{r_t I_t}{T\\alpha ES_t} + 1,

    .. math:: Z_3 = -\\frac{1}{T}\\sum_t \\frac{\\widehat{ES}(Y_t)}{E_V[\\widehat{ES}(Y_t)]} + 1

    where ``Y_t = {P_t^{-1}(U_s)}_s`` applies the day-t forecast quantile function to all
    PIT values ``U_s``, ``ES_hat`` is minus the mean of the ``[T alpha]`` smallest values,
    and ``E_V[ES_hat] = -(T/[T alpha]) int I_{1-p}(T-[T alpha], [T alpha]) P_t^{-1}(p) dp``
    (location-scale forecasts make both closed in ``loc`` and ``scale``). Each ``Z`` is
    0 in expectation under H0 and negative when risk is underestimated; the one-sided
    p-value is ``(1 + #{Z_i <= Z}) / (M + 1)`` over ``M`` samples drawn from the forecast
    distributions. Convention: ``Z_1 = 0`` when there is no exception.

    References
    ----------
    Acerbi, C. & Szekely, B. (2014). Backtesting expected shortfall. *Risk*, December,
    76-81 (tests 1-3). Z3 as in Acerbi & Szekely (2017), "General properties of
    backtestable statistics", section 4.
    """
    from riskkit import distributions as rkd

    alpha = check_probability(alpha, "alpha")
    test = check_choice(test, "test", ("z1", "z2", "z3"))
    n_sim = check_int(n_sim, "n_sim", minimum=99)
    rng = as_generator(seed)
    inputs: dict[str, Any] = {"returns": returns, "var": var, "es": es}
    if sampler is None:
        if scale is None:
            raise InputError("scale is required (or pass a sampler)")
        inputs.update(loc=loc, scale=scale)
    elif test == "z3":
        raise InputError("test='z3' needs the forecast quantile function: pass dist/loc/scale")
    a, _ = aligned(inputs, nan_policy)
    r, v, e = a["returns"], a["var"], a["es"]
    if np.any(e <= 0):
        raise InputError("es must be strictly positive for the Acerbi-Szekely tests")
    n = r.size
    std = rkd.get(dist) if sampler is None else None
    if sampler is None and np.any(a["scale"] <= 0):
        raise InputError("scale must be strictly positive")

    def z12(x: np.ndarray) -> np.ndarray:
        hit = x < -v
        s = np.sum(np.where(hit, x / e, 0.0), axis=-1)
        if test == "z2":
            return np.asarray(s / (n * alpha) + 1.0)
        cnt = hit.sum(axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(np.where(cnt > 0, s / np.maximum(cnt, 1) + 1.0, 0.0))

    details: dict[str, Any] = {"n_obs": n, "n_exceptions": int(np.sum(r < -v))}
    if test in ("z1", "z2"):
        z_obs = float(z12(r))
        if sampler is not None:
            sims = np.asarray(sampler(rng, n_sim), dtype=np.float64)
            if sims.shape != (n_sim, n):
                raise InputError(
                    f"sampler must return an array of shape ({n_sim}, {n}); got {sims.shape}"
                )
            z_sim = z12(sims)
        else:
            assert std is not None
            z_sim = np.concatenate(
                [
                    z12(a["loc"] + a["scale"] * std.rvs(size=(m, n), seed=rng))
                    for m in _chunks(n_sim, n)
                ]
            )
    else:
        assert std is not None
        k = max(math.floor(n * alpha), 1)
        m_loc, m_scale = a["loc"], a["scale"]
        expected = _expected_es_hat(std, n, k)
        denom = -m_loc + m_scale * expected
        if np.any(denom <= 0):
            raise InputError("Z3: the expected ES estimate is not positive for some day")

        def z3(es_hat_std: np.ndarray) -> np.ndarray:
            ratio = (-m_loc + m_scale * es_hat_std[..., None]) / denom
            return np.asarray(-ratio.mean(axis=-1) + 1.0)

        resid = (r - m_loc) / m_scale
        z_obs = float(z3(_es_hat(resid, k)))
        z_sim = np.concatenate(
            [z3(_es_hat(std.rvs(size=(m, n), seed=rng), k)) for m in _chunks(n_sim, n)]
        )
        details.update(k=k, expected_es_hat_std=expected)
    p = float((1 + np.sum(z_sim <= z_obs)) / (n_sim + 1))
    details.update(
        sim_mean=float(np.mean(z_sim)), critical_value_5pct=float(np.quantile(z_sim, 0.05))
    )
    return TestResult(
        name=f"Acerbi-Szekely {test.upper()}",
        statistic=z_obs,
        pvalue=p,
        null="returns follow the forecast distributions (ES correctly forecast)",
        distribution=f"simulated ({n_sim})",
        details=details,
    )


# --------------------------------------------------------------------------- density (PIT)


def _ar1_negloglik(theta: np.ndarray, z: np.ndarray) -> float:
    """Exact Gaussian AR(1) negative log-likelihood; theta = (mu, log sigma, atanh rho)."""
    mu, sigma, rho = theta[0], math.exp(theta[1]), math.tanh(theta[2])
    e0 = z[0] - mu
    var0 = sigma**2 / (1.0 - rho**2)
    ll = -0.5 * (math.log(2 * math.pi * var0) + e0**2 / var0)
    e = (z[1:] - mu) - rho * (z[:-1] - mu)
    ll += float(np.sum(-0.5 * (math.log(2 * math.pi) + 2 * theta[1]) - 0.5 * (e / sigma) ** 2))
    return -ll


def _censored_negloglik(theta: np.ndarray, z: np.ndarray, cut: float) -> float:
    mu, sigma = theta[0], math.exp(theta[1])
    tail = z < cut
    ll = float(np.sum(stats.norm.logpdf(z[tail], mu, sigma)))
    ll += float(np.sum(~tail)) * float(stats.norm.logsf(cut, mu, sigma))
    return -ll


def berkowitz(
    pit: Any,
    alpha: float | None = None,
    *,
    test: str = "full",
    nan_policy: str = "raise",
) -> TestResult:
    """Berkowitz (2001) likelihood-ratio tests on PIT values.

    Parameters
    ----------
    pit : Series or 1-D array
        Probability integral transforms ``u_t = F_t(r_t)`` of the realised returns under
        the forecast distributions, strictly inside (0, 1) (``u = 1`` allowed for the
        tail test, where it is censored)
        (see :func:`riskkit.backtest.scoring.pit`).
    alpha : float, optional
        Tail probability for ``test="tail"`` (the cut-off ``Phi^{-1}(alpha)``).
    test : {"full", "tail"}

    Notes
    -----
    ``z_t = Phi^{-1}(u_t)`` is iid N(0, 1) under H0.

    *full*: ``z_t - mu = rho (z_{t-1} - mu) + e_t``, ``e_t ~ N(0, sigma^2)``, fitted by
    exact maximum likelihood (stationary first observation);
    ``LR = -2[L(0, 1, 0) - L(mu_hat, sigma_hat, rho_hat)]`` ~ chi2(3).

    *tail*: only the tail is observed: ``z_t`` below ``c = Phi^{-1}(alpha)`` enters with
    its normal density, the others are censored at ``c``; ``mu`` and ``sigma`` are
    estimated, ``LR = -2[L(0, 1) - L(mu_hat, sigma_hat)]`` ~ chi2(2). Convention: with
    no tail observation the unrestricted likelihood tends to 1, so
    ``LR = -2 n log(1 - alpha)``.

    References
    ----------
    Berkowitz, J. (2001). Testing density forecasts, with applications to risk
    management. *Journal of Business & Economic Statistics* 19(4), 465-474, eq. (5)-(8).
    """
    test = check_choice(test, "test", ("full", "tail"))
    check_nan_policy(nan_policy)
    arrays, _ = aligned({"pit": pit}, nan_policy, min_obs=3)
    u = arrays["pit"]
    # the tail test censors everything above alpha, so u = 1 (a rounded cdf) is harmless there
    bad = (u <= 0.0) | ((u >= 1.0) if test == "full" else (u > 1.0))
    if bad.any():
        pos = int(np.argmax(bad))
        rule = "strictly inside (0, 1)" if test == "full" else "in (0, 1]"
        raise InputError(f"pit must lie {rule}; got {u[pos]!r} at position {pos}")
    z = stats.norm.ppf(u)
    n = z.size
    converged = True
    if test == "full":
        ll0 = float(np.sum(stats.norm.logpdf(z)))
        mu0 = float(z.mean())
        x0, x1 = z[:-1] - mu0, z[1:] - mu0
        rho0 = float(np.clip(np.dot(x0, x1) / max(np.dot(x0, x0), 1e-300), -0.95, 0.95))
        s0 = max(float(np.std(x1 - rho0 * x0)), 1e-3)
        start = np.array([mu0, math.log(s0), math.atanh(rho0)])
        res = optimize.minimize(_ar1_negloglik, start, args=(z,), method="BFGS")
        ll1 = -float(res.fun)
        # BFGS may stop on "precision loss" at the optimum: judge by the gradient
        converged = bool(np.isfinite(res.fun) and (res.success or np.max(np.abs(res.jac)) < 1e-3))
        mu, sigma, rho = float(res.x[0]), math.exp(res.x[1]), math.tanh(res.x[2])
        lr = max(2.0 * (ll1 - ll0), 0.0)
        df = 3
        details: dict[str, Any] = {"mu": mu, "sigma": sigma, "rho": rho, "n_obs": n}
        name = "Berkowitz LR (full density)"
        null = "Phi^-1(PIT) is iid N(0, 1) (mu=0, sigma=1, rho=0)"
    else:
        if alpha is None:
            raise InputError("alpha is required for test='tail'")
        alpha = check_probability(alpha, "alpha")
        cut = float(stats.norm.ppf(alpha))
        ll0 = _censored_negloglik(np.array([0.0, 0.0]), z, cut) * -1.0
        n_tail = int(np.sum(z < cut))
        if n_tail == 0:
            ll1, mu, sigma = 0.0, float("inf"), float("nan")
        else:
            tz = z[z < cut]
            start = np.array([float(tz.mean()), math.log(max(float(tz.std()), 0.5))])
            res = optimize.minimize(
                _censored_negloglik,
                start,
                args=(z, cut),
                method="Nelder-Mead",
                options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 4000},
            )
            ll1 = max(-float(res.fun), ll0)
            converged = bool(res.success)
            mu, sigma = float(res.x[0]), math.exp(res.x[1])
        lr = max(2.0 * (ll1 - ll0), 0.0)
        df = 2
        details = {"mu": mu, "sigma": sigma, "n_tail": n_tail, "cutoff": cut, "n_obs": n}
        name = "Berkowitz LR (tail)"
        null = "the tail of Phi^-1(PIT) below Phi^-1(alpha) is N(0, 1)"
    if not converged:
        warnings.warn(f"{name}: the maximisation did not converge", ConvergenceWarning, 2)
    details["converged"] = converged
    return TestResult(
        name=name,
        statistic=lr,
        pvalue=float(stats.chi2.sf(lr, df)),
        null=null,
        distribution=f"chi2({df})",
        details=details,
    )


# --------------------------------------------------------------------------- Du-Escanciano


def du_escanciano(
    pit: Any,
    alpha: float,
    *,
    test: str = "unconditional",
    lags: int = 5,
    n_sim: int | None = None,
    seed: Any = None,
    nan_policy: str = "raise",
) -> TestResult:
    """Du & Escanciano (2017) cumulative-violation backtests of ES.

    Parameters
    ----------
    pit : Series or 1-D array
        PIT values ``u_t = F_t(r_t)`` in [0, 1].
    alpha : float
    test : {"unconditional", "conditional"}
    lags : int
        Autocorrelations in the Box-Pierce statistic (conditional test).
    n_sim : int, optional
        Monte Carlo p-value from ``n_sim`` iid U(0, 1) PIT samples (exact under H0;
        Du & Escanciano recommend it for the conditional test, whose chi2 limit
        over-rejects at small alpha: about 8% at a nominal 5% for 1000 days at 5%).
    seed : int or numpy Generator, optional

    Notes
    -----
    The cumulative violation ``H_t = (alpha - u_t) 1{u_t <= alpha} / alpha`` has mean
    ``alpha/2`` and variance ``alpha (1/3 - alpha/4)`` under H0.

    Unconditional: ``U = sqrt(n) (mean(H) - alpha/2) / sqrt(alpha (1/3 - alpha/4))``
    ~ N(0, 1), two-sided p-value.

    Conditional: with ``rho_j`` the lag-j autocorrelation of ``H_t - alpha/2``
    (autocovariances over ``n - j`` terms, around ``alpha/2``),
    ``C = n sum_{j=1}^{m} rho_j^2`` ~ chi2(m).

    Estimation effects of the forecast parameters are not corrected (the out-of-sample
    form with a long estimation window).

    References
    ----------
    Du, Z. & Escanciano, J. C. (2017). Backtesting expected shortfall: accounting for
    tail risk. *Management Science* 63(4), 940-958, eq. (9)-(12).
    """
    alpha = check_probability(alpha, "alpha")
    test = check_choice(test, "test", ("unconditional", "conditional"))
    a, _ = aligned({"pit": pit}, nan_policy, min_obs=2)
    u = a["pit"]
    if np.any((u < 0) | (u > 1)):
        raise InputError("pit must lie in [0, 1]")
    n = u.size
    h = np.where(u <= alpha, (alpha - u) / alpha, 0.0)
    if test == "unconditional":
        stat = math.sqrt(n) * (h.mean() - alpha / 2) / math.sqrt(alpha * (1 / 3 - alpha / 4))
        return TestResult(
            name="Du-Escanciano unconditional",
            statistic=float(stat),
            pvalue=float(2 * stats.norm.sf(abs(stat))),
            null="the mean cumulative violation equals alpha/2",
            distribution="N(0, 1)",
            details={
                "n_obs": n,
                "mean_h": float(h.mean()),
                "n_exceptions": int(np.sum(u <= alpha)),
            },
        )
    lags = check_int(lags, "lags", minimum=1, maximum=n - 1)
    stat, rho = _box_pierce(h[None, :], alpha, lags)
    p, dist = float(stats.chi2.sf(stat[0], lags)), f"chi2({lags})"
    if n_sim is not None:
        n_sim = check_int(n_sim, "n_sim", minimum=19)
        u_sim = as_generator(seed).random((n_sim, n))
        h_sim = np.where(u_sim <= alpha, (alpha - u_sim) / alpha, 0.0)
        sims = _box_pierce(h_sim, alpha, lags)[0]
        p = float((1 + np.sum(sims >= stat[0] - 1e-12)) / (n_sim + 1))
        dist = f"Monte Carlo ({n_sim})"
    return TestResult(
        name="Du-Escanciano conditional",
        statistic=float(stat[0]),
        pvalue=p,
        null="cumulative violations are serially uncorrelated",
        distribution=dist,
        details={"n_obs": n, "autocorrelations": rho[0].tolist()},
    )


def _box_pierce(h: np.ndarray, alpha: float, lags: int) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise ``n sum_j rho_j^2`` of ``h - alpha/2`` and the autocorrelations."""
    n = h.shape[1]
    x = h - alpha / 2
    g0 = np.sum(x * x, axis=1) / n
    rho = np.column_stack(
        [np.sum(x[:, j:] * x[:, :-j], axis=1) / (n - j) / g0 for j in range(1, lags + 1)]
    )
    return n * np.sum(rho**2, axis=1), rho


# --------------------------------------------------------------------------- Nolde-Ziegel


def _hac(z: np.ndarray, lags: int) -> np.ndarray:
    """Bartlett HAC covariance of the moment rows ``z`` (uncentred: mean zero under H0)."""
    n = z.shape[0]
    s = z.T @ z / n
    for j in range(1, lags + 1):
        g = z[j:].T @ z[:-j] / n
        s += (1 - j / (lags + 1)) * (g + g.T)
    return np.asarray(s)


def nolde_ziegel(
    returns: Any,
    var: Any,
    es: Any,
    alpha: float,
    *,
    conditional: bool = True,
    hac_lags: int = 0,
    nan_policy: str = "raise",
) -> TestResult:
    """Nolde & Ziegel (2017) calibration test of joint (VaR, ES) forecasts (two-sided).

    Parameters
    ----------
    conditional : bool
        ``True``: test functions ``h_t = (1, VaR_t)`` for the VaR identification and
        ``(1, ES_t)`` for the ES one (4 moments). ``False``: the simple test, ``h_t = 1``.
    hac_lags : int
        Bartlett lags in the covariance of the moments (0 for one-step forecasts).

    Notes
    -----
    The strict identification function of (VaR, ES) in loss terms (``L_t = -r_t``):

    .. math:: V_1 = 1\\{L_t > VaR_t\\} - \\alpha, \\qquad
              V_2 = VaR_t - ES_t + \\frac{1}{\\alpha} 1\\{L_t > VaR_t\\}(L_t - VaR_t)

    has conditional mean zero under H0. With ``Z_t = (h_t V_1, h_t V_2)`` and
    ``Omega`` their (HAC) second-moment matrix, ``T = n Zbar' Omega^+ Zbar`` ~
    chi2(rank Omega) (pseudo-inverse: a constant VaR makes ``(1, VaR_t)`` collinear).
    Chosen over the Bayer-Dimitriadis ESR test because it needs no nonconvex joint
    regression. The chi2 limit over-rejects mildly with few exceptions (about 8% at a
    nominal 5% with 1000 days at alpha = 5%, i.e. ~50 exceptions, in our simulations).

    References
    ----------
    Nolde, N. & Ziegel, J. F. (2017). Elicitability and backtesting: perspectives for
    banking regulation. *Annals of Applied Statistics* 11(4), 1833-1874, section 2.3.
    """
    alpha = check_probability(alpha, "alpha")
    hac_lags = check_int(hac_lags, "hac_lags", minimum=0)
    a, _ = aligned({"returns": returns, "var": var, "es": es}, nan_policy, min_obs=2)
    loss, v, e = -a["returns"], a["var"], a["es"]
    hit = (loss > v).astype(np.float64)
    v1 = hit - alpha
    v2 = v - e + hit * (loss - v) / alpha
    if conditional:
        z = np.column_stack([v1, v1 * v, v2, v2 * e])
    else:
        z = np.column_stack([v1, v2])
    n = z.shape[0]
    zbar = z.mean(axis=0)
    omega = _hac(z, hac_lags)
    # standardise the moments so that rank and pseudo-inverse do not depend on the units
    d = np.sqrt(np.clip(np.diag(omega), 0.0, None))
    keep = d > 0
    zs = zbar[keep] / d[keep]
    om = omega[np.ix_(keep, keep)] / np.outer(d[keep], d[keep])
    rank = int(np.linalg.matrix_rank(om, tol=1e-9)) if om.size else 0
    stat = float(n * zs @ np.linalg.pinv(om, rcond=1e-9) @ zs) if rank else 0.0
    return TestResult(
        name="Nolde-Ziegel calibration" + (" (conditional)" if conditional else " (simple)"),
        statistic=max(stat, 0.0),
        pvalue=float(stats.chi2.sf(stat, rank)) if rank else 1.0,
        null="VaR and ES are calibrated (identification functions have mean zero)",
        distribution=f"chi2({rank})",
        details={"n_obs": n, "n_exceptions": int(hit.sum()), "mean_moments": zbar.tolist()},
    )


# --------------------------------------------------------------------------- expectiles


def expectile_exceedance(
    returns: Any, evar: Any, alpha: float, *, method: str = "exact", nan_policy: str = "raise"
) -> TestResult:
    """Binomial test of the EVaR exceedance rate against the level ``alpha`` it was mapped to.

    EVaR at level ``alpha`` is the expectile whose ``tau`` makes its exceedance
    probability ``alpha`` under the model; under H0 ``P(-r_t > EVaR_t) = alpha``.
    See :func:`riskkit.backtest.tests.binomial` for ``method``.
    """
    from riskkit.backtest.tests import binomial

    a, _ = aligned({"returns": returns, "evar": evar}, nan_policy)
    hits = (-a["returns"] > a["evar"]).astype(np.float64)
    res = binomial(hits=hits, alpha=alpha, method=method)
    return TestResult(
        name=f"EVaR exceedance ({method})",
        statistic=res.statistic,
        pvalue=res.pvalue,
        null="the EVaR exceedance probability equals the mapped level alpha",
        distribution=res.distribution,
        details=res.details,
    )


def expectile_identification(
    returns: Any, evar: Any, tau: float, *, hac_lags: int | None = None, nan_policy: str = "raise"
) -> TestResult:
    """HAC t-test that the expectile identification function has mean zero.

    Notes
    -----
    With ``e_t = -EVaR_t`` the lower ``tau``-expectile forecast of ``r_t``,

    .. math:: V_t = \\tau (r_t - e_t)_+ - (1 - \\tau)(e_t - r_t)_+

    has mean zero under H0 (Newey & Powell 1987). ``t = mean(V) / se`` with the
    Newey-West standard error of :class:`statsmodels.regression.linear_model.OLS` on a
    constant (``maxlags = floor(4 (n/100)^(2/9))`` by default), two-sided normal p-value.

    References
    ----------
    Newey, W. K. & Powell, J. L. (1987). Asymmetric least squares estimation and
    testing. *Econometrica* 55(4), 819-847.
    """
    import statsmodels.api as sm

    tau = check_probability(tau, "tau")
    a, _ = aligned({"returns": returns, "evar": evar}, nan_policy, min_obs=3)
    r, ev = a["returns"], -a["evar"]
    n = r.size
    lags = (
        math.floor(4 * (n / 100) ** (2 / 9))
        if hac_lags is None
        else check_int(hac_lags, "hac_lags", minimum=0)
    )
    v = tau * np.maximum(r - ev, 0.0) - (1 - tau) * np.maximum(ev - r, 0.0)
    scale = float(np.max(np.abs(v)))
    if scale == 0.0 or np.all(v == v[0]):
        stat, p = 0.0, 1.0
    else:
        fit = sm.OLS(v / scale, np.ones(n)).fit(
            cov_type="HAC", cov_kwds={"maxlags": lags}, use_t=False
        )
        stat = float(fit.tvalues[0])
        p = float(2 * stats.norm.sf(abs(stat)))
    return TestResult(
        name="expectile identification (HAC t)",
        statistic=stat,
        pvalue=p,
        null="E[tau (r - e)_+ - (1 - tau)(e - r)_+] = 0 (EVaR correctly forecast)",
        distribution="N(0, 1)",
        details={"n_obs": n, "mean_identification": float(v.mean()), "hac_lags": lags},
    )
