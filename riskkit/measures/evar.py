"""Expectile-based VaR (EVaR) and the expectile-based expected shortfall.

Not to be confused with the *entropic* VaR of Ahmadi-Javid (2012), also abbreviated EVaR:
here EVaR is the (sign-flipped) tau-expectile whose level tau is chosen so that the
expectile is the alpha-quantile (Kuan, Yeh and Hsu 2009; Taylor 2008).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from riskkit._exceptions import InputError
from riskkit._kernels.quantiles import tail_counts
from riskkit._validation import check_levels, check_probability
from riskkit.measures._api import columns, wrap_levels
from riskkit.measures.expectiles import expectile_values

__all__ = ["EVaRResult", "evar", "expectile_es", "matched_tau"]

MATCHES = ("empirical", "normal", "t", "skewt")
#: matches whose distribution is fitted to each sample (by maximum likelihood)
FITTED = {"t": "fit_t", "skewt": "fit_skewt"}


@dataclass(frozen=True)
class EVaRResult:
    """Expectile-based VaR with the expectile level used and the matching ES.

    Attributes
    ----------
    evar, tau, es : float, Series, DataFrame or ndarray
        Same layout as :func:`riskkit.var` would return for the same ``x`` and ``alpha``.
        ``evar`` and ``es`` are positive losses; ``tau`` is the expectile level.
    alpha : float or tuple of float
    match : str
        How tau was chosen (``"empirical"``, ``"normal"``, a distribution, or ``"given"``).
    """

    evar: Any
    tau: Any
    es: Any
    alpha: Any
    match: str

    def to_frame(self) -> pd.DataFrame:
        """Columns ``evar``, ``tau``, ``es`` (rows by column of x and/or alpha)."""
        parts = {"evar": self.evar, "tau": self.tau, "es": self.es}
        if np.ndim(self.evar) == 0:
            return pd.DataFrame({k: [float(v)] for k, v in parts.items()})
        if isinstance(self.evar, pd.DataFrame):
            return pd.concat({k: v.stack() for k, v in parts.items()}, axis=1)
        if isinstance(self.evar, pd.Series):
            return pd.DataFrame(parts)
        return pd.DataFrame({k: np.ravel(v) for k, v in parts.items()})

    def __str__(self) -> str:
        head = f"Expectile-based VaR (alpha={self.alpha}, tau chosen by: {self.match})"
        return head + "\n" + self.to_frame().to_string()

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:  # IPython
        p.text(str(self))


def matched_tau(alpha: float, match: Any, x: np.ndarray | None = None) -> float:
    """Expectile level whose expectile equals the alpha-quantile.

    ``tau = LPM1(q) / (LPM1(q) + UPM1(q))`` at the alpha-quantile ``q``, with
    ``LPM1(q) = E[(q - X)_+]`` and ``UPM1(q) = E[(X - q)_+]``: empirical moments of ``x``
    (``match="empirical"``, q the historical quantile ``x_(ceil(n alpha))``) or of a
    standardized distribution (``"normal"`` or an object with ``ppf`` and
    ``partial_moment(q, k)``, e.g. from :mod:`riskkit.distributions`; mean 0 assumed).
    """
    if isinstance(match, str) and match == "empirical":
        assert x is not None
        s = np.sort(x)
        k, _, _ = tail_counts(s.shape[0], alpha)
        q = s[k - 1]
        lpm = float(np.sum(np.maximum(q - s[:k], 0.0)))
        upm = float(np.sum(np.maximum(s[k:] - q, 0.0)))
    elif isinstance(match, str) and match == "normal":
        z = float(ndtri(alpha))
        phi = float(np.exp(-0.5 * z * z) / np.sqrt(2.0 * np.pi))
        pm1 = -phi  # E[Z 1(Z <= z)]
        lpm = z * float(ndtr(z)) - pm1
        upm = -pm1 - z * (1.0 - float(ndtr(z)))
    else:
        z = float(match.ppf(alpha))
        pm1 = float(match.partial_moment(z, 1))
        f = float(match.partial_moment(z, 0))
        lpm = z * f - pm1
        upm = -pm1 - z * (1.0 - f)
    if lpm + upm <= 0:
        raise InputError(f"cannot match tau for alpha={alpha}: the sample has no spread")
    return lpm / (lpm + upm)


def expectile_es(e: np.ndarray, tau: np.ndarray, alpha: np.ndarray, mean: Any) -> np.ndarray:
    """Taylor (2008) expectile-based ES as a positive loss.

    ``ES = -[(1 + c) e_tau - c mean]``, ``c = tau / ((1 - 2 tau) alpha)``.
    """
    c = tau / ((1.0 - 2.0 * tau) * alpha)
    return -((1.0 + c) * e - c * mean)


def evar(
    x: Any,
    alpha: Any = 0.01,
    *,
    tau: Any = None,
    match: Any = "empirical",
    nan_policy: str = "raise",
    return_tau: bool = False,
) -> Any:
    """Expectile-based Value-at-Risk (positive loss), with the tau used reported on request.

    This is the expectile VaR of Kuan, Yeh and Hsu (2009), **not** the entropic VaR.

    Parameters
    ----------
    x : Series, DataFrame, ndarray or list
        Returns.
    alpha : float or sequence of float, default 0.01
        Tail probability in (0, 0.5).
    tau : float, optional
        Expectile level in (0, 0.5) to use directly (then ``match`` is ignored).
    match : {"empirical", "normal", "t", "skewt"} or distribution, default "empirical"
        How tau is chosen so that the expectile matches the alpha-quantile:
        ``"empirical"``: ``tau = LPM1(q) / (LPM1(q) + UPM1(q))`` with sample lower/upper
        partial moments at the historical quantile ``q = x_(ceil(n alpha))`` (then the
        sample tau-expectile equals ``q`` exactly and the in-sample exceedance rate is the
        historical one); ``"normal"`` or a standardized distribution object with ``ppf``
        and ``partial_moment`` (e.g. ``riskkit.distributions.StudentT(5)``): the same ratio
        computed under that distribution, so tau depends on ``alpha`` only and the sample
        expectile at that tau is reported. ``"t"``/``"skewt"``: the same under the Student t
        / Hansen skew-t fitted to the sample by maximum likelihood
        (:func:`riskkit.measures.parametric.fit_t` / ``fit_skewt``; needs >= 10 obs).
    nan_policy : {"raise", "omit"}, default "raise"
    return_tau : bool, default False
        False: the EVaR alone, laid out like :func:`riskkit.var`. True: an
        :class:`EVaRResult` with ``evar``, ``tau`` and the expectile-based ``es``.

    Notes
    -----
    ``EVaR = -e_tau`` where ``e_tau`` solves ``(1 - tau) E[(e - X)_+] = tau E[(X - e)_+]``.
    If ``e_tau = q_alpha`` then ``tau = LPM1(q) / (LPM1(q) + UPM1(q))`` (Kuan et al. 2009).
    The expectile-based ES (Taylor 2008, building on Newey and Powell 1987) is, in
    return terms, ``ES_alpha = (1 + tau / ((1 - 2 tau) alpha)) e_tau -
    tau / ((1 - 2 tau) alpha) E[X]``, reported here sign-flipped as a positive loss.
    When ``n alpha < 1`` the empirical match gives ``tau = 0`` and ``EVaR = -min(x)``.

    References
    ----------
    Kuan, C.-M., Yeh, J.-H. and Hsu, Y.-C. (2009). Assessing value at risk with CARE, the
    Conditional Autoregressive Expectile models. Journal of Econometrics 150(2), 261-270.
    Taylor, J. W. (2008). Estimating value at risk and expected shortfall using expectiles.
    Journal of Financial Econometrics 6(2), 231-252.

    Examples
    --------
    >>> import numpy as np, riskkit as rk
    >>> x = np.random.default_rng(0).standard_normal(1000)
    >>> bool(np.isclose(rk.evar(x, 0.05), rk.var(x, 0.05)))   # empirical match
    True
    """
    alphas, is_scalar = check_levels(alpha, "alpha")
    if np.any(alphas >= 0.5):
        raise InputError(f"alpha must be below 0.5 for the expectile-based VaR; got {alpha!r}")
    given = tau is not None
    if given:
        t0 = check_probability(tau, "tau")
        if t0 >= 0.5:
            raise InputError(f"tau must be below 0.5 for the expectile-based ES; got {tau!r}")
        label = "given"
    else:
        label = _check_match(match)
    cols, meta = columns(x, nan_policy, 2, "evar")
    shape = (alphas.shape[0], len(cols))
    ev, tv, esv = np.empty(shape), np.empty(shape), np.empty(shape)
    fixed = None
    if not given and label not in FITTED and label != "empirical":
        fixed = np.array([matched_tau(float(a), match) for a in alphas])
    for j, col in enumerate(cols):
        if given:
            taus = np.full(alphas.shape[0], t0)
        elif fixed is not None:
            taus = fixed
        elif label in FITTED:
            dist = _fitted_distribution(label, col)
            taus = np.array([matched_tau(float(a), dist) for a in alphas])
        else:
            taus = np.array([matched_tau(float(a), "empirical", col) for a in alphas])
        e = expectile_values(col, taus)
        ev[:, j] = -e
        tv[:, j] = taus
        esv[:, j] = expectile_es(e, taus, alphas, float(np.mean(col)))
    out = wrap_levels(meta, ev, alphas, is_scalar, "alpha")
    if not return_tau:
        return out
    return EVaRResult(
        evar=out,
        tau=wrap_levels(meta, tv, alphas, is_scalar, "alpha"),
        es=wrap_levels(meta, esv, alphas, is_scalar, "alpha"),
        alpha=float(alphas[0]) if is_scalar else tuple(alphas.tolist()),
        match=label,
    )


def _fitted_distribution(label: str, x: np.ndarray) -> Any:
    """Standardized distribution fitted by maximum likelihood (riskkit.measures.parametric)."""
    from riskkit.measures import parametric

    return getattr(parametric, FITTED[label])(x).distribution


def _check_match(match: Any) -> str:
    if isinstance(match, str):
        if match not in MATCHES:
            raise InputError(
                f"match must be one of {MATCHES} or a distribution with ppf and "
                f"partial_moment; got {match!r}"
            )
        return match
    if not (hasattr(match, "ppf") and hasattr(match, "partial_moment")):
        raise InputError(
            f"match must be one of {MATCHES} or a distribution with ppf and "
            f"partial_moment; got {match!r}"
        )
    return repr(match)
