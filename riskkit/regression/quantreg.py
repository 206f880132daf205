"""Linear quantile regression solved exactly (Koenker & Bassett 1978).

``QuantReg(tau=...).fit(y, X)`` minimises the sum of check losses with a
Frisch-Newton interior point followed by exact vertex identification and
simplex descent (see :mod:`riskkit._kernels.quantreg`), so the coefficients are
an exact basic solution of the linear program, the same as R quantreg's
``rq(method="br")`` when the solution is unique.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from scipy.optimize import linprog

from riskkit._exceptions import ConvergenceWarning, InputError
from riskkit._kernels import quantreg_fit as _k
from riskkit._validation import (
    as_generator,
    check_choice,
    check_int,
    check_levels,
    check_probability,
)
from riskkit.regression import qr_inference as _inf
from riskkit.regression._design import Design, check_rank, prepare_design, prepare_new_X

__all__ = ["QuantReg", "QuantRegResult", "check_loss"]

SE_METHODS = ("nid", "iid", "ker", "boot", "rank")
BANDWIDTHS = ("hall-sheather", "bofinger")


@dataclass(frozen=True, eq=False)
class QuantRegResult:
    """Frozen result of :meth:`QuantReg.fit`.

    Attributes
    ----------
    tau : float or ndarray
        The quantile level(s) fitted.
    params, std_errors, tvalues, pvalues : Series or DataFrame
        One value per column of X (``"const"`` for the intercept); with several
        tau, a DataFrame with one row per tau.
    objective : float or Series
        Minimised sum of (weighted) check losses ``sum_i w_i rho_tau(r_i)``.
    cov : ndarray
        Covariance matrix of the coefficients, shape ``(p, p)`` or ``(k, p, p)``.
    residuals : Series, DataFrame or ndarray
        ``y - X b`` on the rows used, with the caller's index.
    basis : ndarray
        Row positions (among the rows used) of the p observations with zero
        residual defining the exact vertex solution.
    converged : bool
        True when every tau reached a certified optimal vertex.
    """

    taus: np.ndarray
    scalar_tau: bool
    names: tuple[str, ...]
    coef: np.ndarray  # (k, p)
    covs: np.ndarray  # (k, p, p)
    objectives: np.ndarray  # (k,)
    resid: np.ndarray  # (n, k)
    index: Any
    bases: np.ndarray
    converged: bool
    se: str
    bandwidth: str
    alpha_ci: float
    nobs: int
    fit_intercept: bool
    weighted: bool
    notes: tuple[str, ...] = field(default_factory=tuple)
    rank_intervals: np.ndarray | None = None  # (k, p, 2) for se="rank"

    # ---- labelled views -------------------------------------------------
    def _per_tau(self, values: np.ndarray) -> Any:
        if self.scalar_tau:
            return pd.Series(values[0], index=list(self.names), dtype=float)
        return pd.DataFrame(values, index=pd.Index(self.taus, name="tau"), columns=list(self.names))

    @property
    def tau(self) -> Any:
        return float(self.taus[0]) if self.scalar_tau else self.taus.copy()

    @property
    def df_resid(self) -> int:
        return self.nobs - len(self.names)

    @property
    def params(self) -> Any:
        return self._per_tau(self.coef)

    @property
    def std_errors(self) -> Any:
        return self._per_tau(np.sqrt(np.einsum("kii->ki", self.covs)))

    @property
    def tvalues(self) -> Any:
        se = np.sqrt(np.einsum("kii->ki", self.covs))
        with np.errstate(divide="ignore", invalid="ignore"):
            return self._per_tau(self.coef / se)

    @property
    def pvalues(self) -> Any:
        se = np.sqrt(np.einsum("kii->ki", self.covs))
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.abs(self.coef / se)
        return self._per_tau(2.0 * stats.t.sf(t, self.df_resid))

    @property
    def cov(self) -> np.ndarray:
        return self.covs[0].copy() if self.scalar_tau else self.covs.copy()

    @property
    def objective(self) -> Any:
        if self.scalar_tau:
            return float(self.objectives[0])
        return pd.Series(self.objectives, index=pd.Index(self.taus, name="tau"), name="objective")

    @property
    def residuals(self) -> Any:
        if self.index is None:
            return self.resid[:, 0].copy() if self.scalar_tau else self.resid.copy()
        if self.scalar_tau:
            return pd.Series(self.resid[:, 0], index=self.index, name="residual")
        return pd.DataFrame(self.resid, index=self.index, columns=pd.Index(self.taus, name="tau"))

    @property
    def basis(self) -> np.ndarray:
        return self.bases[0].copy() if self.scalar_tau else self.bases.copy()

    def conf_int(self, alpha: float | None = None) -> pd.DataFrame:
        """Confidence intervals (``alpha`` defaults to ``alpha_ci``).

        Wald intervals ``b +- t_{1-alpha/2, n-p} se``, or with ``se="rank"`` the
        rank-inversion intervals (Koenker 1994), available at ``alpha_ci`` only.

        One row per coefficient (MultiIndex ``(tau, name)`` with several tau),
        columns ``lower`` and ``upper``.
        """
        a = self.alpha_ci if alpha is None else check_probability(alpha, "alpha")
        if self.rank_intervals is not None:
            if a != self.alpha_ci:
                raise InputError(
                    f"rank-inversion intervals were computed at alpha_ci={self.alpha_ci}; "
                    f"got alpha={alpha!r} (refit with alpha_ci={alpha!r})"
                )
            lo = self.rank_intervals[:, :, 0].ravel()
            hi = self.rank_intervals[:, :, 1].ravel()
        else:
            crit = stats.t.ppf(1.0 - a / 2.0, self.df_resid)
            se = np.sqrt(np.einsum("kii->ki", self.covs))
            lo = (self.coef - crit * se).ravel()
            hi = (self.coef + crit * se).ravel()
        if self.scalar_tau:
            idx: pd.Index = pd.Index(list(self.names))
        else:
            idx = pd.MultiIndex.from_product([self.taus, list(self.names)], names=["tau", "name"])
        return pd.DataFrame({"lower": lo, "upper": hi}, index=idx)

    def predict(self, X: Any = None) -> Any:
        """Fitted conditional quantiles ``X b`` for new regressors (Series/DataFrame/ndarray).

        ``X=None`` is allowed for an intercept-only model (returns the constant).
        """
        if X is None and len(self.names) == 1 and self.fit_intercept:
            vals = self.coef[:, 0]
            return float(vals[0]) if self.scalar_tau else vals.copy()
        Xv, index = prepare_new_X(X, self.names, self.fit_intercept)
        pred = Xv @ self.coef.T
        if index is None:
            return pred[:, 0] if self.scalar_tau else pred
        if self.scalar_tau:
            return pd.Series(pred[:, 0], index=index, name=f"q{self.taus[0]:g}")
        return pd.DataFrame(pred, index=index, columns=pd.Index(self.taus, name="tau"))

    def summary(self) -> str:
        """Coefficient table(s) with standard errors, t values, p-values and intervals."""
        lines = []
        se_all = np.sqrt(np.einsum("kii->ki", self.covs))
        ci = self.conf_int().to_numpy().reshape(self.taus.size, len(self.names), 2)
        head = (
            f"Quantile regression (exact LP solution), n = {self.nobs}, "
            f"std. errors: {'nid' if self.se == 'rank' else self.se}"
            + (f" ({self.bandwidth})" if self.se in ("nid", "iid", "ker", "rank") else "")
            + (", intervals by rank inversion" if self.se == "rank" else "")
            + ("" if self.converged else "  [NOT CONVERGED]")
        )
        lines.append(head)
        cl = f"{100 * (1 - self.alpha_ci):g}%"
        for k, tau in enumerate(self.taus):
            lines.append(f"tau = {tau:g}   objective = {self.objectives[k]:.8g}")
            lines.append(
                f"{'':>12} {'coef':>14} {'std err':>12} {'t':>9} {'P>|t|':>9}"
                f" {cl + ' lower':>14} {cl + ' upper':>14}"
            )
            for j, name in enumerate(self.names):
                b, s = self.coef[k, j], se_all[k, j]
                t = b / s if s > 0 else np.nan
                pv = 2.0 * stats.t.sf(abs(t), self.df_resid)
                lines.append(
                    f"{name[:12]:>12} {b:14.7g} {s:12.5g} {t:9.3f} {pv:9.4f}"
                    f" {ci[k, j, 0]:14.7g} {ci[k, j, 1]:14.7g}"
                )
        lines.extend(self.notes)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"QuantRegResult(tau={self.tau!r}, n={self.nobs}, converged={self.converged})"


class QuantReg:
    r"""Linear quantile regression ``Q_tau(y | x) = x' beta(tau)``.

    Parameters
    ----------
    tau : float or sequence of float
        Quantile level(s) in (0, 1). Several levels are solved in one call,
        each warm-started from the previous optimal basis.
    fit_intercept : bool
        Prepend a constant column named ``"const"``.
    se : {"nid", "iid", "ker", "boot", "rank"}
        Covariance estimator (R quantreg ``summary.rq`` conventions):
        Hendricks-Koenker sandwich, Koenker-Bassett iid, Powell kernel,
        xy-pairs bootstrap. ``"rank"`` gives rank-inversion confidence intervals
        (GJKP 1993, Koenker 1994; R's default for n < 1001) in ``conf_int()``, with
        ``nid`` standard errors for ``std_errors``/``tvalues``/``pvalues``.
    bandwidth : {"hall-sheather", "bofinger"}
        Sparsity bandwidth rule for ``nid``, ``iid`` and ``ker``.
    alpha_ci : float
        Tail probability of the two-sided confidence intervals (0.1 gives 90%).
    n_boot : int
        Bootstrap replications for ``se="boot"``.
    seed : None, int or numpy.random.Generator
        Randomness of the bootstrap.
    nan_policy : {"raise", "omit"}
        Rows with NaN raise, or are dropped.

    Notes
    -----
    ``beta(tau) = argmin_b sum_i w_i rho_tau(y_i - x_i'b)`` with
    ``rho_tau(u) = u (tau - 1{u<0})``. Non-negative weights are absorbed by
    scaling rows, ``rho_tau(w u) = w rho_tau(u)``, as R's ``rq.wfit`` does. The data
    are standardised internally (response and each non-constant column), so
    fitting ``c y`` gives ``c beta`` exactly up to rounding.

    The solution is an exact vertex: p observations interpolated, certified
    optimal by the subgradient condition of Koenker (2005, Theorem 2.1).

    References
    ----------
    Koenker, R. & Bassett, G. (1978). Regression quantiles. *Econometrica* 46, 33-50.
    Portnoy, S. & Koenker, R. (1997). The Gaussian hare and the Laplacian tortoise.
    *Statistical Science* 12, 279-300 (Frisch-Newton interior point).
    Barrodale, I. & Roberts, F. (1974). Solution of an overdetermined system of
    equations in the l1 norm. *CACM* 17, 319-320.
    Hendricks, W. & Koenker, R. (1992). Hierarchical spline models for conditional
    quantiles and the demand for electricity. *JASA* 87, 58-68 (``se="nid"``).
    Koenker, R. (2005). *Quantile Regression*. Cambridge University Press, ch. 3.

    Examples
    --------
    >>> import numpy as np, riskkit as rk
    >>> x = np.arange(10.0); y = 2 * x + np.array([0, 1, -1, 2, 0, 1, -2, 0, 1, 0.5])
    >>> res = rk.QuantReg(tau=0.5).fit(y, x)
    >>> bool(res.converged)
    True
    """

    def __init__(
        self,
        *,
        tau: Any = 0.5,
        fit_intercept: bool = True,
        se: str = "nid",
        bandwidth: str = "hall-sheather",
        alpha_ci: float = 0.1,
        n_boot: int = 200,
        seed: Any = None,
        nan_policy: str = "raise",
    ) -> None:
        self.tau = tau
        self.fit_intercept = fit_intercept
        self.se = se
        self.bandwidth = bandwidth
        self.alpha_ci = alpha_ci
        self.n_boot = n_boot
        self.seed = seed
        self.nan_policy = nan_policy

    def __repr__(self) -> str:
        return (
            f"QuantReg(tau={self.tau!r}, fit_intercept={self.fit_intercept!r}, se={self.se!r}, "
            f"bandwidth={self.bandwidth!r}, alpha_ci={self.alpha_ci!r}, n_boot={self.n_boot!r}, "
            f"seed={self.seed!r}, nan_policy={self.nan_policy!r})"
        )

    def fit(self, y: Any, X: Any = None, weights: Any = None) -> QuantRegResult:
        """Fit on response ``y`` and regressors ``X`` (``None`` = intercept only).

        Raises
        ------
        InputError
            Bad tau or options, NaN/inf (with ``nan_policy="raise"``), length or
            index mismatch, negative weights, rank-deficient X (names the column).
        """
        taus, scalar = check_levels(self.tau, "tau")
        se = check_choice(self.se, "se", SE_METHODS)
        bw = check_choice(self.bandwidth, "bandwidth", BANDWIDTHS)
        alpha_ci = check_probability(self.alpha_ci, "alpha_ci")
        n_boot = check_int(self.n_boot, "n_boot", minimum=2)
        # only the bootstrap draws random numbers; building a Generator from OS entropy
        # costs ~0.1 ms, so other methods only check the type of ``seed``
        _check_seed(self.seed)
        rng = as_generator(self.seed) if se == "boot" else None
        # the rank check runs in _fit, on the Gram matrix the standardisation forms
        d = prepare_design(
            y,
            X,
            fit_intercept=self.fit_intercept,
            weights=weights,
            nan_policy=self.nan_policy,
            rank_check=False,
        )
        return _fit(d, taus, scalar, se, bw, alpha_ci, n_boot, rng)


def _check_seed(seed: Any) -> None:
    """Validate ``seed`` as :func:`as_generator` does, without building a Generator."""
    if seed is None or isinstance(seed, np.random.Generator):
        return
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, (bool, np.bool_)):
        return
    as_generator(seed)  # raises the standard InputError


def _standardise(d: Design) -> tuple[np.ndarray, np.ndarray, float, np.ndarray, np.ndarray]:
    """Scaled, weighted problem Xs = W X / sx, ys = W y / sy, and G = Xs'Xs.

    Also checks the rank of the design: without weights on G (rescaling columns leaves
    the unit-diagonal Gram matrix of the check unchanged), with weights on X'X itself.
    """
    w = np.empty(0) if d.weights is None else d.weights
    Xs, ys, sy, sx = _k.standardise(d.X, d.y, w)
    G = Xs.T @ Xs
    check_rank(d.X, d.names, gram=G if d.weights is None else None)
    return Xs, ys, float(sy), sx, G


def _fit(
    d: Design,
    taus: np.ndarray,
    scalar: bool,
    se: str,
    bw: str,
    alpha_ci: float,
    n_boot: int,
    rng: np.random.Generator | None,
) -> QuantRegResult:
    Xs, ys, sy, sx, gram = _standardise(d)
    order = np.argsort(taus)
    Bs, H, S = _k.rq_fit_many(Xs, ys, np.ascontiguousarray(taus[order]), _inf.IP_TOL, 200)
    k, p = taus.size, d.p
    coef_s = np.empty((k, p))
    bases = np.empty((k, p), dtype=np.int64)
    status = np.empty(k, dtype=np.int64)
    coef_s[order] = Bs
    bases[order] = H
    status[order] = S
    notes: list[str] = []
    for jj in np.flatnonzero(status != _k.OPTIMAL).tolist():
        if _certify_subgradient(Xs, ys, float(taus[jj]), coef_s[jj]):
            status[jj] = _k.OPTIMAL
            notes.append(
                f"tau={taus[jj]:g}: near-tied residuals; optimality certified by the "
                "subgradient LP (ties below 1e-9 relative)"
            )
    covs = np.empty((k, p, p))
    rank = np.full((k, p, 2), np.nan) if se == "rank" else None
    tscale = sy / sx
    for j, tau in enumerate(taus):
        if se in ("nid", "rank"):
            c, n_bad = _inf.cov_nid(Xs, ys, tau, bases[j], bw)
            if n_bad:
                notes.append(f"tau={tau:g}: {n_bad} non-positive density estimates set to zero")
        elif se == "iid":
            c = _inf.cov_iid(Xs, ys, tau, coef_s[j], bw, gram=gram)
        elif se == "ker":
            c = _inf.cov_ker(Xs, ys, tau, coef_s[j], bw)
        else:
            assert rng is not None
            c, _b, n_fail = _inf.cov_boot(Xs, ys, tau, n_boot, rng)
            if n_fail:
                notes.append(f"tau={tau:g}: {n_fail} bootstrap replicates dropped (singular)")
        covs[j] = c * np.outer(tscale, tscale)
        if rank is not None:
            rank[j] = _inf.rank_ci(Xs, ys, tau, coef_s[j], alpha_ci) * tscale[:, None]
    coef = coef_s * tscale
    resid = d.y[:, None] - d.X @ coef.T
    # rho_tau(w r) = w rho_tau(r) for w >= 0: the compiled sum takes the weighted residuals
    wr = resid if d.weights is None else resid * d.weights[:, None]
    objectives = np.array(
        [_k.check_loss(np.ascontiguousarray(wr[:, j]), float(tau)) for j, tau in enumerate(taus)]
    )
    converged = bool(np.all(status == _k.OPTIMAL))
    if not converged:
        bad = [f"{t:g}" for t, s in zip(taus, status, strict=True) if s != _k.OPTIMAL]
        warnings.warn(
            f"QuantReg: no certified optimal vertex for tau = {', '.join(bad)}; "
            "the coefficients are the best found (converged=False)",
            ConvergenceWarning,
            stacklevel=3,
        )
    if d.weights is not None:
        notes.append("weighted fit: objective is sum_i w_i rho_tau(r_i)")
    return QuantRegResult(
        taus=taus.copy(),
        scalar_tau=scalar,
        names=d.names,
        coef=coef,
        covs=covs,
        objectives=objectives,
        resid=resid,
        index=d.index,
        bases=bases,
        converged=converged,
        se=se,
        bandwidth=bw,
        alpha_ci=alpha_ci,
        nobs=d.n,
        fit_intercept=d.fit_intercept,
        weighted=d.weights is not None,
        notes=tuple(notes),
        rank_intervals=rank,
    )


def _certify_subgradient(X: np.ndarray, y: np.ndarray, tau: float, beta: np.ndarray) -> bool:
    """Check ``0 in dR(beta)`` with an LP when the simplex could not certify a vertex.

    ``R`` is convex, so ``beta`` is optimal iff some ``psi_i in [tau - 1, tau]`` for the
    zero residuals (here ``|r_i| <= 1e-9 max|y|``, near-ties that stall the simplex)
    gives ``sum_i psi_i x_i = 0`` with ``psi_i = tau - 1{r_i < 0}`` for the others
    (Koenker 2005, sec. 2.2). Solved as a feasibility LP by HiGHS.
    """
    r = y - X @ beta
    zero = np.abs(r) <= 1e-9 * float(np.max(np.abs(y)))
    if not zero.any():
        return False
    rhs = -(X[~zero].T @ (tau - (r[~zero] < 0)))
    Xz = X[zero]
    res = linprog(
        np.zeros(Xz.shape[0]),
        A_eq=Xz.T,
        b_eq=rhs,
        bounds=(tau - 1.0, tau),
        method="highs",
    )
    return bool(res.status == 0)


def check_loss(u: np.ndarray, tau: float) -> np.ndarray:
    """Elementwise check (pinball) loss ``rho_tau(u) = u (tau - 1{u < 0})``."""
    u = np.asarray(u, dtype=np.float64)
    return u * (tau - (u < 0.0))
