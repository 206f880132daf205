"""Historical (empirical) VaR and the Acerbi–Tasche expected shortfall.

One quantile rule serves VaR and ES. With ``n`` observations, ``na = n * alpha``,
``k = ceil(na)`` and ``w = floor(na)`` (``na`` within 1e-7, relative, of an integer counts
as that integer), and ``x_(1) <= ... <= x_(n)`` the order statistics,

    VaR = -x_(k)                                        (lower empirical quantile),
    ES  = -(1 / na) * [ x_(1) + ... + x_(w) + (na - w) * x_(w+1) ].

``x_(k)`` is the inverse of the empirical cdf at ``alpha`` (the smallest x with
``F_n(x) >= alpha``); ES is the average of the worst ``alpha`` share of the sample
(fractional weight on ``x_(w+1)``), so ``ES >= VaR`` always.

References
----------
Acerbi, C. and Tasche, D. (2002). On the coherence of expected shortfall.
Journal of Banking & Finance 26(7), 1487-1503, Definition 2.6 and Proposition 4.1.
"""

from __future__ import annotations

import numpy as np

from riskkit._kernels.quantiles import tail_counts

__all__ = ["historical_var_es"]


def historical_var_es(x: np.ndarray, alphas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Historical VaR and Acerbi–Tasche ES (positive losses) of a validated 1-D sample.

    Parameters
    ----------
    x : ndarray
        1-D float64 returns, finite (validated by the caller).
    alphas : ndarray
        Tail probabilities in (0, 1).

    Returns
    -------
    (var, es) : tuple of ndarray
        Arrays of shape ``alphas.shape``.

    Notes
    -----
    ``VaR = -x_(k)``, ``k = ceil(n alpha)``;
    ``ES = -(1/(n alpha)) [sum_{i<=w} x_(i) + (n alpha - w) x_(w+1)]``, ``w = floor(n alpha)``.
    Uses :func:`numpy.partition` (O(n)) rather than a full sort.
    """
    n = x.shape[0]
    rules = [tail_counts(n, float(a)) for a in alphas]
    # every needed order statistic (0-based): w (for x_(w+1)) and k - 1 (for x_(k))
    kth = sorted({r[1] for r in rules} | {r[0] - 1 for r in rules})
    part = np.partition(x, kth)
    var = np.empty(alphas.shape[0])
    es = np.empty(alphas.shape[0])
    for j, (k, w, na) in enumerate(rules):
        # after partitioning at w, part[:w] holds the w smallest values (unordered)
        var[j] = -part[k - 1]
        es[j] = -(np.sum(part[:w]) + (na - w) * part[w]) / na
    return var, es
