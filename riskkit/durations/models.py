"""ACD (Engle & Russell 1998) and Log-ACD (Bauwens & Giot 2000) duration models."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from riskkit._exceptions import InputError
from riskkit._kernels import acd as _k
from riskkit._validation import as_generator, check_choice, check_int
from riskkit.durations.distributions import DISTRIBUTIONS
from riskkit.durations.estimation import Spec, clean_durations, estimate, simulate
from riskkit.durations.result import ACDResult

__all__ = ["ACD", "LogACD"]

_STARTS = ("mean", "one")


def _fit(
    spec: Spec, durations: Any, nan_policy: str, starting_values: Any, maxiter: int
) -> ACDResult:
    maxiter = check_int(maxiter, "maxiter", minimum=1)
    x, index = clean_durations(durations, nan_policy, n_min=max(30, 5 * spec.k))
    est = estimate(x, spec, starting_values, maxiter)
    names = spec.names
    params = pd.Series(est.params, index=names, name="params")
    se = pd.Series(np.sqrt(np.diag(est.cov)), index=names, name="std_errors")
    rse = pd.Series(np.sqrt(np.diag(est.robust_cov)), index=names, name="robust_std_errors")
    if index is not None:
        xs: Any = pd.Series(x, index=index.copy(), name=getattr(durations, "name", None))
        psi: Any = pd.Series(est.psi, index=index.copy(), name="psi")
    else:
        xs, psi = x, est.psi
    return ACDResult(
        spec=spec,
        params=params,
        std_errors=se,
        robust_std_errors=rse,
        cov=pd.DataFrame(est.cov, index=names, columns=names),
        robust_cov=pd.DataFrame(est.robust_cov, index=names, columns=names),
        loglikelihood=est.loglikelihood,
        nobs=int(x.shape[0] - spec.m),
        durations=xs,
        conditional_durations=psi,
        converged=est.converged,
        message=est.message,
        iterations=est.iterations,
        start=est.start,
    )


def _simulate(spec: Spec, params: Any, n: int, seed: Any, burn: int) -> np.ndarray:
    n = check_int(n, "n", minimum=1)
    burn = check_int(burn, "burn", minimum=0)
    v = np.asarray(params, dtype=np.float64).ravel()
    if v.shape[0] != spec.k or not np.all(np.isfinite(v)):
        raise InputError(f"params must be {spec.k} finite numbers {spec.names}; got {params!r}")
    return simulate(spec, v, n, as_generator(seed), burn)


class ACD:
    r"""Autoregressive conditional duration model ACD(p, q) of Engle & Russell (1998).

    Parameters
    ----------
    p : int
        Number of lagged durations (alpha terms).
    q : int
        Number of lagged conditional durations (beta terms).
    dist : {"exponential", "weibull", "burr", "gengamma"}
        Unit-mean innovation density (see :mod:`riskkit.durations.distributions`).
    start : {"mean", "one"}
        Value of the first ``max(p, q)`` conditional durations: the sample mean of the
        durations (``"mean"``, as in Tsay's ACD table) or 1 (``"one"``). ``"one"`` is not scale
        equivariant (it means one time unit).

    Notes
    -----
    .. math::

        x_i = \psi_i \varepsilon_i, \quad E[\varepsilon_i] = 1, \quad
        \psi_i = \omega + \sum_{j=1}^{p} \alpha_j x_{i-j} + \sum_{j=1}^{q} \beta_j \psi_{i-j}

    with ``omega > 0`` and ``alpha, beta >= 0`` (bounds of the optimiser; ``alpha + beta`` is
    not forced below 1 so that integrated and infinite-mean fits remain possible, see
    :func:`~riskkit.durations.infinite_mean_test`). The log-likelihood is conditional on
    ``psi_1 = ... = psi_m = start`` (``m = max(p, q)``) and sums over ``i = m + 1, ..., n``:

    .. math:: \ell(\theta) = \sum_{i=m+1}^{n} \left[\log f(x_i / \psi_i) - \log \psi_i\right].

    The durations are divided by their mean before estimation and the estimates mapped back
    (scale equivariance). Standard errors: inverse observed information (``std_errors``) and QML
    sandwich (``robust_std_errors``).

    References
    ----------
    Engle, R. F. and Russell, J. R. (1998), "Autoregressive conditional duration: a new model for
    irregularly spaced transaction data", *Econometrica* 66(5), 1127-1162, Sections 2-3.
    Tsay, R. S., *Analysis of Financial Time Series*, ACD chapter (EACD/WACD/GACD(1,1) on IBM
    durations of 1-7 November 1990, started at the sample mean, likelihood over i = 2..n).

    Examples
    --------
    >>> import numpy as np, riskkit.durations as rd
    >>> x = rd.ACD(dist="exponential").simulate([0.1, 0.1, 0.8], 3000, seed=1)
    >>> res = rd.ACD(dist="exponential").fit(x)
    >>> bool(abs(res.params["beta[1]"] - 0.8) < 0.1)
    True
    """

    _model = _k.ACD

    def __init__(self, *, p: int = 1, q: int = 1, dist: str = "exponential", start: str = "mean"):
        self.p = p
        self.q = q
        self.dist = dist
        self.start = start

    def _spec(self) -> Spec:
        p = check_int(self.p, "p", minimum=1, maximum=5)
        q = check_int(self.q, "q", minimum=1, maximum=5)
        dist = check_choice(self.dist, "dist", tuple(DISTRIBUTIONS))
        start = check_choice(self.start, "start", _STARTS)
        return Spec(self._model, p, q, dist, start)

    def fit(
        self,
        durations: Any,
        *,
        nan_policy: str = "raise",
        starting_values: Any = None,
        maxiter: int = 500,
    ) -> ACDResult:
        """Maximum-likelihood fit to strictly positive ``durations`` (Series or 1-D array).

        Zero durations raise :class:`~riskkit.InputError` (build durations with
        ``zero="aggregate"`` or ``"drop"``). A failed optimisation returns ``converged=False``
        with a :class:`~riskkit.ConvergenceWarning`.
        """
        return _fit(self._spec(), durations, nan_policy, starting_values, maxiter)

    def simulate(self, params: Any, n: int, *, seed: Any = None, burn: int = 500) -> np.ndarray:
        """``n`` durations from the model with ``params`` (order of ``fit().params``)."""
        return _simulate(self._spec(), params, n, seed, burn)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p!r}, q={self.q!r}, dist={self.dist!r}, start={self.start!r})"


class LogACD(ACD):
    r"""Logarithmic ACD model of Bauwens & Giot (2000), types 1 and 2.

    Parameters
    ----------
    p, q, dist, start
        As in :class:`ACD`.
    type : {1, 2}
        Type 1: ``log psi_i = omega + sum alpha_j log eps_{i-j} + sum beta_j log psi_{i-j}``;
        type 2: ``log psi_i = omega + sum alpha_j eps_{i-j} + sum beta_j log psi_{i-j}``,
        with ``eps_i = x_i / psi_i``.

    Notes
    -----
    No positivity constraints are needed; the optimiser bounds are ``|alpha_j| <= 1`` and
    ``|beta_j| < 1``. ``persistence`` is ``sum(beta)``, the autoregressive root of
    ``log psi``. Start and likelihood as in :class:`ACD`.

    References
    ----------
    Bauwens, L. and Giot, P. (2000), "The logarithmic ACD model: an application to the bid-ask
    quote process of three NYSE stocks", *Annales d'Economie et de Statistique* 60, 117-149,
    Section 2 (equations for the two types).
    """

    def __init__(
        self,
        *,
        p: int = 1,
        q: int = 1,
        type: int = 1,
        dist: str = "exponential",
        start: str = "mean",
    ):
        super().__init__(p=p, q=q, dist=dist, start=start)
        self.type = type

    def _spec(self) -> Spec:
        base = super()._spec()
        t = check_int(self.type, "type", minimum=1, maximum=2)
        return Spec(_k.LOGACD1 if t == 1 else _k.LOGACD2, base.p, base.q, base.dist, base.start)

    def __repr__(self) -> str:
        return (
            f"LogACD(p={self.p!r}, q={self.q!r}, type={self.type!r}, dist={self.dist!r}, "
            f"start={self.start!r})"
        )
