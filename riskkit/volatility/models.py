"""GARCH-family model specifications: GARCH/GJR, EGARCH, EWMA (RiskMetrics), IGARCH.

A spec stores its keyword parameters verbatim; :meth:`fit` validates them and the
data, then maximises the likelihood (see :mod:`riskkit.volatility._optimize`).
"""

from __future__ import annotations

import functools
import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

from riskkit._exceptions import ConvergenceWarning, InputError
from riskkit._kernels import garch as kg
from riskkit._pandas import unwrap
from riskkit._validation import check_choice, check_index, check_int, check_nan_policy, clean_column
from riskkit.volatility import _optimize as opt
from riskkit.volatility._structure import DIST_CODES, INITS, Structure
from riskkit.volatility.mean import MEANS, MeanDesign
from riskkit.volatility.result import VolatilityResult

__all__ = ["EGARCH", "EWMA", "GARCH", "GJR", "IGARCH"]

MIN_OBS = 50
SCALE_RANGE = (1e-10, 1e8)


def backcast_rule(e: np.ndarray) -> float:
    """arch's backcast: sum_i w_i e_i^2 over the first min(75, n) residuals, w_i prop. to 0.94^i."""
    tau = min(75, e.shape[0])
    w = 0.94 ** np.arange(tau)
    return float(np.sum(e[:tau] ** 2 * w) / w.sum())


class _Spec:
    """Shared ``fit`` of the specs; subclasses only define defaults and :meth:`_structure`."""

    _model = "GARCH"

    def _common(self) -> dict[str, Any]:
        return {
            "mean": self.mean,  # type: ignore[attr-defined]
            "dist": self.dist,  # type: ignore[attr-defined]
            "ar": self.ar,  # type: ignore[attr-defined]
            "ma": self.ma,  # type: ignore[attr-defined]
            "x": self.x,  # type: ignore[attr-defined]
            "init": self.init,  # type: ignore[attr-defined]
        }

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if k != "x")
        return f"{type(self).__name__}({args})"

    def _structure(self, mean: MeanDesign) -> Structure:
        raise NotImplementedError

    def _mean_design(self, x_names: tuple[str, ...]) -> MeanDesign:
        kind = check_choice(self.mean, "mean", MEANS)  # type: ignore[attr-defined]
        ar = check_int(self.ar, "ar", 0, 50)  # type: ignore[attr-defined]
        ma = check_int(self.ma, "ma", 0, 50)  # type: ignore[attr-defined]
        if kind == "ar" and ar < 1:
            raise InputError(f"ar must be >= 1 when mean='ar'; got {ar}")
        if kind == "arma" and (ar < 1 or ma < 1):
            raise InputError(f"mean='arma' needs ar >= 1 and ma >= 1; got ar={ar}, ma={ma}")
        if kind in ("zero", "constant") and (ar or ma):
            raise InputError(f"ar/ma need mean='ar' or 'arma'; got mean={kind!r}, ar={ar}, ma={ma}")
        if kind == "ar" and ma:
            raise InputError(f"ma needs mean='arma'; got mean='ar', ma={ma}")
        return MeanDesign(kind, ar, ma, kind != "zero", x_names)

    def fit(
        self,
        returns: Any,
        *,
        nan_policy: str = "raise",
        starting_values: Any = None,
        maxiter: int = 1000,
        tol: float = 1e-12,
    ) -> VolatilityResult:
        """Maximum-likelihood fit.

        Parameters
        ----------
        returns : pandas.Series or 1-D array
            Returns (any scale: they are rescaled to unit standard deviation
            internally and the estimates mapped back).
        nan_policy : {"raise", "omit"}
            NaN handling; "omit" drops NaN rows (and the matching rows of ``x``).
        starting_values : array-like or pandas.Series, optional
            Full parameter vector (names of :attr:`VolatilityResult.params`) on the
            data scale; default is the best point of a small grid.
        maxiter : int
            Maximum SLSQP iterations.
        tol : float
            SLSQP ``ftol`` on the mean negative log-likelihood.

        Returns
        -------
        VolatilityResult
        """
        nan_policy = check_nan_policy(nan_policy)
        maxiter = check_int(maxiter, "maxiter", 1)
        if not (isinstance(tol, float) and 0.0 < tol < 1.0):
            raise InputError(f"tol must be a float in (0, 1); got {tol!r}")
        check_choice(self.dist, "dist", tuple(DIST_CODES))  # type: ignore[attr-defined]
        check_choice(self.init, "init", tuple(INITS))  # type: ignore[attr-defined]
        if isinstance(returns, pd.DataFrame) and returns.shape[1] == 1:
            returns = returns.iloc[:, 0]  # one-column frame: its series (index kept)
        vals, meta = unwrap(returns, "returns")
        if vals.shape[1] != 1:
            raise InputError(
                f"returns must be one series (1-D); got shape {vals.shape}; fit each column separately"
            )
        raw = vals[:, 0]
        index = meta.index
        if index is not None:
            check_index(index, "returns")
        keep = ~np.isnan(raw) if nan_policy == "omit" else np.ones(raw.shape[0], dtype=bool)
        y = clean_column(raw, "returns", nan_policy, MIN_OBS, index=index, what=f"{self._model}")
        if index is not None and not keep.all():
            index = index[keep]
        xv, x_names = _exog(self.x, meta, keep, y.shape[0])  # type: ignore[attr-defined]
        mean = self._mean_design(x_names)
        st = self._structure(mean)
        return fit_structure(
            st, self._model, y, xv, index, meta.kind, starting_values, maxiter, tol
        )


def _exog(x: Any, meta: Any, keep: np.ndarray, n: int) -> tuple[np.ndarray | None, tuple[str, ...]]:
    if x is None:
        return None, ()
    if isinstance(x, pd.Series):
        x = x.to_frame()
    if not isinstance(x, pd.DataFrame):
        raise InputError(
            f"x must be a pandas DataFrame aligned on the returns index; got {type(x)}"
        )
    if meta.index is None or not x.index.equals(meta.index):
        raise InputError(
            "x must have exactly the index of returns (same dates, same order); "
            f"got {len(x)} rows starting {x.index[:1].tolist()}"
        )
    xv, _ = unwrap(x, "x")
    xv = xv[keep]
    if not np.all(np.isfinite(xv)):
        raise InputError("x contains NaN or inf on the rows used for estimation")
    if xv.shape[0] != n:
        raise InputError(f"x has {xv.shape[0]} usable rows; returns has {n}")
    return np.ascontiguousarray(xv), tuple(str(c) for c in x.columns)


@functools.lru_cache(maxsize=256)
def _param_index(names: tuple[str, ...]) -> pd.Index:
    """The parameter-name index, built once per name tuple: building a string
    ``pd.Index`` (dtype inference) cost ~0.1 ms per fit, about 5% of a GARCH fit.
    Sharing it between results is safe: an Index is immutable."""
    return pd.Index(names)


def fit_structure(
    st: Structure,
    model: str,
    y: np.ndarray,
    xv: np.ndarray | None,
    index: Any,
    kind: str,
    starting_values: Any,
    maxiter: int,
    tol: float,
) -> VolatilityResult:
    """Fit a validated structure on clean data (original scale)."""
    s = float(np.std(y))
    if not (SCALE_RANGE[0] < s < SCALE_RANGE[1]):
        raise InputError(
            f"returns have standard deviation {s:.3g}, outside {SCALE_RANGE}; "
            "pass returns (not prices) in a sensible unit"
        )
    ys = y / s
    y_eff, X = st.mean.design(ys, xv)
    if y_eff.shape[0] < MIN_OBS:
        raise InputError(
            f"returns leave {y_eff.shape[0]} observations after AR lags; need {MIN_OBS}"
        )
    mean0 = st.mean.ols(y_eff, X)
    e0 = y_eff - X @ mean0[: st.mean.kx]
    v = float(np.mean(e0**2))
    if st.init == "backcast":
        bc = backcast_rule(e0)
    elif st.init == "sample":
        bc = float(np.var(e0))
    else:
        bc = v
    A, c = st.affine(v)
    prob = opt.Problem(st, y_eff, X, bc, A, c)
    bnd = opt.phi_bounds(prob, v)
    if starting_values is not None:
        sv = _starting(starting_values, st)
        starts = opt.thetas_to_phi(prob, [st.to_scaled(sv, s)])
    else:
        starts = opt.thetas_to_phi(prob, opt.starting_theta(st, mean0, v))
    phi, ok, msg, _, hinv, fg = opt.optimize(prob, bnd, starts, maxiter, tol)
    if ok:
        phi = opt.polish(prob, bnd, phi, hinv, fg=fg)
    theta_s = prob.theta(phi)
    ll_s, _, _, sigma2_s, eps_s = prob.evaluate(theta_s, False)
    if not np.isfinite(ll_s):
        ok, msg = False, f"{msg}; log-likelihood not finite at the solution"
    if not ok:
        warnings.warn(f"{model} fit did not converge: {msg}", ConvergenceWarning, stacklevel=3)
    theta_o, J = st.to_original(theta_s, s)
    n = y_eff.shape[0]
    lag = y.shape[0] - n
    vol_o = np.empty(y.shape[0])
    eps_o = np.empty(y.shape[0])
    vol_o[:lag] = np.nan
    eps_o[:lag] = np.nan
    np.multiply(np.sqrt(sigma2_s), s, out=vol_o[lag:])
    np.multiply(eps_s, s, out=eps_o[lag:])
    return VolatilityResult(
        model=model,
        structure=st,
        params=pd.Series(theta_o, index=_param_index(tuple(st.names)), name="params"),
        loglikelihood=float(ll_s - n * math.log(s)),
        nobs=int(n),
        converged=bool(ok),
        message=msg,
        vol_array=vol_o,
        resid_array=eps_o,
        cov_inputs=(prob, phi, J @ A),
        n_free=int(A.shape[1]),
        y=y.copy(),
        x=None if xv is None else xv.copy(),
        index=index if kind == "series" else None,
        bc=float(bc if st.init != "fcp" else np.mean(eps_s**2)) * s * s,
        scale=s,
        theta_scaled=theta_s,
    )


def _starting(sv: Any, st: Structure) -> np.ndarray:
    names = st.names
    if isinstance(sv, pd.Series):
        missing = [n for n in names if n not in sv.index]
        if missing:
            raise InputError(f"starting_values lacks {missing}; expected names {names}")
        arr = sv[names].to_numpy(dtype=float)
    else:
        arr = np.asarray(sv, dtype=float).ravel()
    if arr.shape[0] != len(names) or not np.all(np.isfinite(arr)):
        raise InputError(
            f"starting_values must be {len(names)} finite numbers ({names}); got {sv!r}"
        )
    return arr


def _check_order(value: Any, name: str, minimum: int) -> int:
    return check_int(value, name, minimum, 20)


class GARCH(_Spec):
    """GARCH(p, q) / GJR-GARCH(p, o, q) volatility model.

    Parameters
    ----------
    p, o, q : int
        ARCH, threshold (GJR) and GARCH orders; ``o > 0`` gives the GJR model.
    mean : {"zero", "constant", "ar", "arma"}
        Conditional mean; ``ar`` / ``ma`` give the orders; ``x`` adds exogenous regressors
        (a DataFrame with the index of the returns).
    dist : {"normal", "t", "skewt", "ged"}
        Standardized innovation distribution (Hansen's skew-t with ``eta, lambda``).
    init : {"backcast", "sample", "fcp"}
        Start of the variance recursion (pre-sample ``eps^2`` and ``sigma^2``):
        ``"backcast"`` = arch's rule, ``sum_i w_i e_i^2`` over the first ``min(75, n)``
        OLS residuals with ``w_i`` proportional to ``0.94^i`` (fixed during the fit);
        ``"sample"`` = sample variance of the OLS residuals (fixed);
        ``"fcp"`` = mean of ``eps_t^2`` at the *current* mean parameters (Fiorentini,
        Calzolari and Panattoni 1996), parameter-dependent and differentiated in the score.
    variance_targeting : bool
        ``omega = v (1 - persistence)`` with ``v`` the OLS residual variance.

    Notes
    -----
    .. math:: \\sigma_t^2 = \\omega + \\sum_i \\alpha_i \\varepsilon_{t-i}^2
              + \\sum_j \\gamma_j \\varepsilon_{t-j}^2 1(\\varepsilon_{t-j}<0)
              + \\sum_k \\beta_k \\sigma_{t-k}^2

    Constraints: ``omega > 0``, ``alpha, beta >= 0``, ``alpha_i + gamma_i >= 0``,
    ``sum alpha + sum gamma / 2 + sum beta < 1``.

    References
    ----------
    Bollerslev, T. (1986). Generalized autoregressive conditional heteroskedasticity.
    *J. Econometrics* 31, 307-327.
    Glosten, L., Jagannathan, R. and Runkle, D. (1993). *J. Finance* 48, 1779-1801.
    Fiorentini, G., Calzolari, G. and Panattoni, L. (1996). Analytic derivatives and the
    computation of GARCH estimates. *J. Applied Econometrics* 11, 399-417.

    Examples
    --------
    >>> import riskkit as rk
    >>> r = rk.datasets.load("sp500")["return"].iloc[-1500:]
    >>> res = rk.GARCH(dist="t").fit(r)
    >>> bool(res.converged and 0.0 < res.params["alpha[1]"] < 1.0)
    True
    >>> f = res.forecast(horizon=5, alpha=0.01)
    >>> bool((f["es_0.01"] > f["var_0.01"]).all())
    True
    """

    _model = "GARCH"

    def __init__(
        self,
        *,
        p: int = 1,
        o: int = 0,
        q: int = 1,
        mean: str = "constant",
        dist: str = "normal",
        ar: int = 0,
        ma: int = 0,
        x: Any = None,
        init: str = "backcast",
        variance_targeting: bool = False,
    ) -> None:
        self.p = p
        self.o = o
        self.q = q
        self.mean = mean
        self.dist = dist
        self.ar = ar
        self.ma = ma
        self.x = x
        self.init = init
        self.variance_targeting = variance_targeting

    def _structure(self, mean: MeanDesign) -> Structure:
        p = _check_order(self.p, "p", 1)
        o = _check_order(self.o, "o", 0)
        q = _check_order(self.q, "q", 0)
        if not isinstance(self.variance_targeting, bool):
            raise InputError(
                f"variance_targeting must be True or False; got {self.variance_targeting!r}"
            )
        restr = "targeting" if self.variance_targeting else "none"
        return Structure(kg.GARCH, p, o, q, self.dist, self.init, mean, restr)


class GJR(GARCH):
    """GJR-GARCH: :class:`GARCH` with ``o=1`` by default (threshold asymmetry)."""

    _model = "GJR"

    def __init__(
        self,
        *,
        p: int = 1,
        o: int = 1,
        q: int = 1,
        mean: str = "constant",
        dist: str = "normal",
        ar: int = 0,
        ma: int = 0,
        x: Any = None,
        init: str = "backcast",
        variance_targeting: bool = False,
    ) -> None:
        super().__init__(
            p=p,
            o=o,
            q=q,
            mean=mean,
            dist=dist,
            ar=ar,
            ma=ma,
            x=x,
            init=init,
            variance_targeting=variance_targeting,
        )


class EGARCH(GARCH):
    """Exponential GARCH (Nelson 1991).

    Notes
    -----
    .. math:: \\ln\\sigma_t^2 = \\omega + \\sum_i \\alpha_i (|z_{t-i}| - \\sqrt{2/\\pi})
              + \\sum_j \\gamma_j z_{t-j} + \\sum_k \\beta_k \\ln\\sigma_{t-k}^2

    The centring constant is ``E|z| = sqrt(2/pi)`` of the *normal* whatever ``dist``
    (arch's convention; for other distributions it only shifts ``omega``). Pre-sample
    ``ln sigma^2 = ln bc`` and the ``z`` terms are 0. Constraint: ``sum beta < 1``.

    References
    ----------
    Nelson, D. B. (1991). *Econometrica* 59(2), 347-370.
    """

    _model = "EGARCH"

    def __init__(
        self,
        *,
        p: int = 1,
        o: int = 1,
        q: int = 1,
        mean: str = "constant",
        dist: str = "normal",
        ar: int = 0,
        ma: int = 0,
        x: Any = None,
        init: str = "backcast",
        variance_targeting: bool = False,
    ) -> None:
        super().__init__(
            p=p,
            o=o,
            q=q,
            mean=mean,
            dist=dist,
            ar=ar,
            ma=ma,
            x=x,
            init=init,
            variance_targeting=variance_targeting,
        )

    def _structure(self, mean: MeanDesign) -> Structure:
        st = super()._structure(mean)
        return Structure(kg.EGARCH, st.p, st.o, st.q, st.dist, st.init, mean, st.restriction)


class IGARCH(GARCH):
    """Integrated GARCH: :class:`GARCH` with ``sum alpha + sum gamma / 2 + sum beta = 1``.

    The last ``beta`` is ``1 - sum alpha - sum gamma / 2 - (other betas)`` (its standard
    error by the delta method).

    References
    ----------
    Engle, R. F. and Bollerslev, T. (1986). Modelling the persistence of conditional
    variances. *Econometric Reviews* 5(1), 1-50.
    """

    _model = "IGARCH"

    def _structure(self, mean: MeanDesign) -> Structure:
        st = super()._structure(mean)
        if st.q < 1:
            raise InputError(f"IGARCH needs q >= 1; got q={st.q}")
        if st.restriction != "none":
            raise InputError("IGARCH cannot be combined with variance_targeting=True")
        return Structure(kg.GARCH, st.p, st.o, st.q, st.dist, st.init, mean, "igarch")


class EWMA(_Spec):
    """Exponentially weighted moving average (RiskMetrics 1996) variance.

    Parameters
    ----------
    lam : float or None
        Decay ``lambda`` in (0, 1) (RiskMetrics daily value 0.94); ``None`` estimates it
        by maximum likelihood.
    mean, dist, ar, ma, x, init
        As in :class:`GARCH` (default mean ``"zero"``).

    Notes
    -----
    .. math:: \\sigma_t^2 = \\lambda \\sigma_{t-1}^2 + (1 - \\lambda) \\varepsilon_{t-1}^2

    i.e. the GARCH(1,1) with ``omega = 0``, ``alpha[1] = 1 - lam``, ``beta[1] = lam``;
    the result reports those names (``beta[1]`` is ``lam``).

    References
    ----------
    J.P. Morgan/Reuters (1996). *RiskMetrics Technical Document*, 4th ed., sec. 5.2.
    """

    _model = "EWMA"

    def __init__(
        self,
        *,
        lam: float | None = 0.94,
        mean: str = "zero",
        dist: str = "normal",
        ar: int = 0,
        ma: int = 0,
        x: Any = None,
        init: str = "backcast",
    ) -> None:
        self.lam = lam
        self.mean = mean
        self.dist = dist
        self.ar = ar
        self.ma = ma
        self.x = x
        self.init = init

    def _structure(self, mean: MeanDesign) -> Structure:
        if self.lam is None:
            return Structure(kg.GARCH, 1, 0, 1, self.dist, self.init, mean, "ewma")
        try:
            lam = float(self.lam)
        except (TypeError, ValueError):
            raise InputError(f"lam must be a number in (0, 1) or None; got {self.lam!r}") from None
        if not (0.0 < lam < 1.0):
            raise InputError(f"lam must be in the open interval (0, 1) or None; got {self.lam!r}")
        return Structure(kg.GARCH, 1, 0, 1, self.dist, self.init, mean, "ewma_fixed", lam)
