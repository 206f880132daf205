"""Linear expectile regression by asymmetric least squares (Newey & Powell 1987)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from riskkit._exceptions import ConvergenceWarning
from riskkit._validation import check_int, check_probability
from riskkit.regression._design import prepare_design, prepare_new_X

__all__ = ["ExpectileReg", "ExpectileRegResult"]


@dataclass(frozen=True, eq=False)
class ExpectileRegResult:
    """Frozen result of :meth:`ExpectileReg.fit`.

    ``params``, ``std_errors``, ``tvalues``, ``pvalues`` are Series named by the
    columns of X (``"const"`` for the intercept); ``cov`` is the sandwich
    covariance; ``objective`` the minimised asymmetric squared loss
    ``sum_i w_i |tau - 1{r_i<0}| r_i^2``; ``n_iter`` the number of weighted
    least-squares solves; ``converged`` is True when the sign pattern of the
    residuals was stable (the exact minimiser).
    """

    tau: float
    names: tuple[str, ...]
    coef: np.ndarray
    cov: np.ndarray
    objective: float
    resid: np.ndarray
    index: Any
    n_iter: int
    converged: bool
    nobs: int
    fit_intercept: bool
    alpha_ci: float

    @property
    def df_resid(self) -> int:
        return self.nobs - len(self.names)

    @property
    def params(self) -> pd.Series:
        return pd.Series(self.coef, index=list(self.names))

    @property
    def std_errors(self) -> pd.Series:
        return pd.Series(np.sqrt(np.diag(self.cov)), index=list(self.names))

    @property
    def tvalues(self) -> pd.Series:
        return self.params / self.std_errors

    @property
    def pvalues(self) -> pd.Series:
        return pd.Series(
            2.0 * stats.t.sf(np.abs(self.tvalues.to_numpy()), self.df_resid),
            index=list(self.names),
        )

    @property
    def residuals(self) -> Any:
        if self.index is None:
            return self.resid.copy()
        return pd.Series(self.resid, index=self.index, name="residual")

    def conf_int(self, alpha: float | None = None) -> pd.DataFrame:
        """Wald intervals ``b +- t_{1-alpha/2, n-p} se``."""
        a = self.alpha_ci if alpha is None else check_probability(alpha, "alpha")
        crit = stats.t.ppf(1.0 - a / 2.0, self.df_resid)
        se = self.std_errors
        return pd.DataFrame({"lower": self.params - crit * se, "upper": self.params + crit * se})

    def predict(self, X: Any = None) -> Any:
        """Fitted conditional expectiles ``X b``."""
        if X is None and len(self.names) == 1 and self.fit_intercept:
            return float(self.coef[0])
        Xv, index = prepare_new_X(X, self.names, self.fit_intercept)
        pred = Xv @ self.coef
        return pred if index is None else pd.Series(pred, index=index, name=f"e{self.tau:g}")

    def summary(self) -> str:
        se = np.sqrt(np.diag(self.cov))
        crit = stats.t.ppf(1.0 - self.alpha_ci / 2.0, self.df_resid)
        cl = f"{100 * (1 - self.alpha_ci):g}%"
        lines = [
            f"Expectile regression (asymmetric least squares), tau = {self.tau:g}, n = {self.nobs}"
            + ("" if self.converged else "  [NOT CONVERGED]"),
            f"objective = {self.objective:.8g}, iterations = {self.n_iter}, "
            "std. errors: sandwich (Newey-Powell)",
            f"{'':>12} {'coef':>14} {'std err':>12} {'t':>9} {'P>|t|':>9}"
            f" {cl + ' lower':>14} {cl + ' upper':>14}",
        ]
        for j, name in enumerate(self.names):
            b, s = self.coef[j], se[j]
            t = b / s if s > 0 else np.nan
            pv = 2.0 * stats.t.sf(abs(t), self.df_resid)
            lines.append(
                f"{name[:12]:>12} {b:14.7g} {s:12.5g} {t:9.3f} {pv:9.4f}"
                f" {b - crit * s:14.7g} {b + crit * s:14.7g}"
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"ExpectileRegResult(tau={self.tau!r}, n={self.nobs}, converged={self.converged})"


class ExpectileReg:
    r"""Linear expectile regression ``e_tau(y | x) = x' beta(tau)``.

    Parameters
    ----------
    tau : float
        Expectile level in (0, 1) (0.5 is least squares).
    fit_intercept : bool
        Prepend a constant column named ``"const"``.
    alpha_ci : float
        Tail probability of the two-sided intervals of ``conf_int``.
    max_iter : int
        Maximum number of weighted least-squares solves.
    nan_policy : {"raise", "omit"}

    Notes
    -----
    ``beta(tau) = argmin_b sum_i w_i |tau - 1{r_i < 0}| r_i^2``, ``r_i = y_i - x_i'b``.
    The objective is convex and piecewise quadratic; given the sign pattern of
    the residuals the minimiser is a weighted least-squares solution, so the
    iteration (asymmetric least squares) solves WLS with weights
    ``|tau - 1{r_i<0}|`` until the sign pattern repeats, at which point it is
    the exact minimiser (the first-order condition holds exactly).

    Sandwich covariance (Newey & Powell 1987, Theorem 3):
    ``V = A^{-1} B A^{-1}``, ``A = sum_i w_i a_i x_i x_i'``,
    ``B = sum_i w_i^2 a_i^2 r_i^2 x_i x_i'``, ``a_i = |tau - 1{r_i<0}|``.

    References
    ----------
    Newey, W. K. & Powell, J. L. (1987). Asymmetric least squares estimation and
    testing. *Econometrica* 55, 819-847.
    Efron, B. (1991). Regression percentiles using asymmetric squared error loss.
    *Statistica Sinica* 1, 93-125.
    """

    def __init__(
        self,
        *,
        tau: float = 0.5,
        fit_intercept: bool = True,
        alpha_ci: float = 0.1,
        max_iter: int = 200,
        nan_policy: str = "raise",
    ) -> None:
        self.tau = tau
        self.fit_intercept = fit_intercept
        self.alpha_ci = alpha_ci
        self.max_iter = max_iter
        self.nan_policy = nan_policy

    def __repr__(self) -> str:
        return (
            f"ExpectileReg(tau={self.tau!r}, fit_intercept={self.fit_intercept!r}, "
            f"alpha_ci={self.alpha_ci!r}, max_iter={self.max_iter!r}, "
            f"nan_policy={self.nan_policy!r})"
        )

    def fit(self, y: Any, X: Any = None, weights: Any = None) -> ExpectileRegResult:
        """Fit on ``y`` and ``X`` (``None`` = intercept only: the sample expectile)."""
        tau = check_probability(self.tau, "tau")
        alpha_ci = check_probability(self.alpha_ci, "alpha_ci")
        max_iter = check_int(self.max_iter, "max_iter", minimum=1)
        d = prepare_design(
            y, X, fit_intercept=self.fit_intercept, weights=weights, nan_policy=self.nan_policy
        )
        w = np.ones(d.n) if d.weights is None else d.weights
        X_, y_ = d.X, d.y
        neg = np.zeros(d.n, dtype=bool)  # start from least squares weights (pattern "all >= 0")
        a = np.where(neg, 1.0 - tau, tau)
        converged = False
        it = 0
        beta = np.zeros(d.p)
        while it < max_iter:
            it += 1
            sw = np.sqrt(w * a)
            beta = np.linalg.lstsq(X_ * sw[:, None], y_ * sw, rcond=None)[0]
            r = y_ - X_ @ beta
            new_neg = r < 0
            if it > 1 and np.array_equal(new_neg, neg):
                converged = True
                break
            neg = new_neg
            a = np.where(neg, 1.0 - tau, tau)
        r = y_ - X_ @ beta
        a = np.where(r < 0, 1.0 - tau, tau)
        A = X_.T @ ((w * a)[:, None] * X_)
        B = X_.T @ (((w * a * r) ** 2)[:, None] * X_)
        Ainv = np.linalg.inv(A)
        cov = Ainv @ B @ Ainv
        if not converged:
            warnings.warn(
                f"ExpectileReg: the residual sign pattern did not stabilise in {max_iter} "
                "iterations (converged=False)",
                ConvergenceWarning,
                stacklevel=2,
            )
        return ExpectileRegResult(
            tau=tau,
            names=d.names,
            coef=beta,
            cov=cov,
            objective=float(np.sum(w * a * r * r)),
            resid=r,
            index=d.index,
            n_iter=it,
            converged=converged,
            nobs=d.n,
            fit_intercept=d.fit_intercept,
            alpha_ci=alpha_ci,
        )
