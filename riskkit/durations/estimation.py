"""Maximum-likelihood estimation shared by :class:`ACD` and :class:`LogACD`.

The durations are divided by their sample mean before fitting (scale equivariance, DESIGN.md §1),
the log-likelihood and its analytic score come from the Numba kernel
:func:`riskkit._kernels.acd.acd_loglik_grad` (:func:`~riskkit._kernels.acd.acd_loglik_grad11` when
p = q = 1), scipy's SLSQP maximises it under bounds (and the
Burr constraint sigma2 < kappa), and the covariance matrices are computed in the scaled problem and
mapped back with the Jacobian of the rescaling.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize

from riskkit._exceptions import ConvergenceWarning, InputError
from riskkit._kernels import acd as _k
from riskkit._validation import check_finite, check_index, check_min_obs, check_nan_policy
from riskkit.durations.distributions import DISTRIBUTIONS, draw

MODEL_NAMES = {_k.ACD: "ACD", _k.LOGACD1: "Log-ACD type 1", _k.LOGACD2: "Log-ACD type 2"}


@dataclass(frozen=True)
class Spec:
    """A validated model specification (what the kernels need)."""

    model: int
    p: int
    q: int
    dist: str
    start: str

    @property
    def dist_code(self) -> int:
        return DISTRIBUTIONS[self.dist].code

    @property
    def m(self) -> int:
        return max(self.p, self.q)

    @property
    def names(self) -> list[str]:
        a = [f"alpha[{j}]" for j in range(1, self.p + 1)]
        b = [f"beta[{j}]" for j in range(1, self.q + 1)]
        return ["omega", *a, *b, *DISTRIBUTIONS[self.dist].shape_names]

    @property
    def k(self) -> int:
        return len(self.names)

    @property
    def title(self) -> str:
        return f"{MODEL_NAMES[self.model]}({self.p},{self.q}), {self.dist} innovations"


def clean_durations(durations: Any, nan_policy: str, n_min: int) -> tuple[np.ndarray, Any]:
    """Validate durations; return the float64 array and the index (None for ndarray input)."""
    nan_policy = check_nan_policy(nan_policy)
    if isinstance(durations, pd.DataFrame):
        raise InputError("durations must be one series (1-D); got a DataFrame")
    if isinstance(durations, pd.Series):
        if pd.api.types.is_bool_dtype(durations.dtype) or not pd.api.types.is_numeric_dtype(
            durations.dtype
        ):
            raise InputError(f"durations must hold real numbers; got dtype {durations.dtype}")
        index = durations.index
        values = durations.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        if isinstance(durations, (str, bytes)) or durations is None or np.isscalar(durations):
            raise InputError(f"durations must be an array or Series; got {durations!r}")
        arr = np.asarray(durations)
        if arr.dtype == bool or not np.issubdtype(arr.dtype, np.number):
            raise InputError(f"durations must hold real numbers; got dtype {arr.dtype}")
        if arr.ndim != 1:
            raise InputError(f"durations must be 1-dimensional; got shape {arr.shape}")
        index = None
        values = arr.astype(np.float64)
    if values.shape[0] == 0:
        raise InputError("durations is empty; at least one observation is needed")
    keep = ~np.isnan(values)
    values = check_finite(values, "durations", nan_policy, index=index)
    if index is not None and not keep.all() and nan_policy == "omit":
        index = index[keep]
    bad = values <= 0.0
    if bad.any():
        pos = int(np.argmax(bad))
        where = f"position {pos}" if index is None else f"position {pos} (index {index[pos]!r})"
        if values[pos] == 0.0:
            raise InputError(
                f"durations contains a zero duration at {where} ({int((values == 0).sum())} "
                "zeros in all); an ACD model needs strictly positive durations: build them with "
                "durations(..., zero='aggregate') or zero='drop'"
            )
        raise InputError(f"durations must be positive; got {values[pos]!r} at {where}")
    if isinstance(index, pd.DatetimeIndex):
        check_index(index, "durations")
    check_min_obs(values, n_min, "durations", "an ACD fit")
    if np.all(values == values[0]):
        raise InputError(f"durations is constant (every value equals {values[0]!r})")
    return np.ascontiguousarray(values), index


def start_value(spec: Spec, mu: float) -> float:
    """psi_1 in the scaled problem (durations divided by their mean ``mu``)."""
    return 1.0 if spec.start == "mean" else 1.0 / mu


def bounds(spec: Spec) -> list[tuple[float, float]]:
    if spec.model == _k.ACD:
        b = [(1e-8, 10.0)] + [(0.0, 1.0)] * spec.p + [(0.0, 0.99999)] * spec.q
    else:
        b = [(-10.0, 10.0)] + [(-1.0, 1.0)] * spec.p + [(-0.99999, 0.99999)] * spec.q
    return b + list(DISTRIBUTIONS[spec.dist].bounds)


def _candidates(spec: Spec) -> list[np.ndarray]:
    shape = list(DISTRIBUTIONS[spec.dist].start)
    out = []
    for a, b in ((0.05, 0.9), (0.1, 0.8), (0.03, 0.95), (0.2, 0.6)):
        al = [a / spec.p] * spec.p
        be = [b / spec.q] * spec.q
        if spec.model == _k.ACD:
            w = max(1.0 - a - b, 0.01)
        elif spec.model == _k.LOGACD1:
            w = 0.0
        else:
            w = -a
        out.append(np.array([w, *al, *be, *shape]))
    return out


def _loglik_grad(
    theta: np.ndarray, y: np.ndarray, spec: Spec, start: float, out: np.ndarray
) -> tuple[float, np.ndarray]:
    """The kernel call: the scalar first-order kernel when p = q = 1, else the general one."""
    th = np.ascontiguousarray(theta, dtype=np.float64)
    if spec.p == 1 and spec.q == 1:
        return _k.acd_loglik_grad11(th, y, np.log(y), spec.model, spec.dist_code, start, out)
    return _k.acd_loglik_grad(  # type: ignore[no-any-return]
        th, y, np.log(y), spec.p, spec.q, spec.model, spec.dist_code, start, out
    )


def loglik(theta: np.ndarray, y: np.ndarray, spec: Spec, start: float) -> tuple[float, np.ndarray]:
    return _loglik_grad(theta, y, spec, start, np.zeros((0, spec.k)))


def scores(theta: np.ndarray, y: np.ndarray, spec: Spec, start: float) -> np.ndarray:
    s = np.zeros((y.shape[0], spec.k))
    _loglik_grad(theta, y, spec, start, s)
    return s[spec.m :]


def hessian(theta: np.ndarray, y: np.ndarray, spec: Spec, start: float) -> np.ndarray:
    """Hessian of the log-likelihood: central differences of the analytic score."""
    k = theta.shape[0]
    h = np.zeros((k, k))
    for j in range(k):
        step = 1e-5 * max(abs(theta[j]), 1e-2)
        up = theta.copy()
        dn = theta.copy()
        up[j] += step
        dn[j] -= step
        h[j] = (loglik(up, y, spec, start)[1] - loglik(dn, y, spec, start)[1]) / (2.0 * step)
    return 0.5 * (h + h.T)


@dataclass(frozen=True)
class Estimate:
    """Raw estimation output in the caller's scale."""

    params: np.ndarray
    cov: np.ndarray
    robust_cov: np.ndarray
    loglikelihood: float
    psi: np.ndarray
    converged: bool
    message: str
    iterations: int
    start: float


def optimise(
    y: np.ndarray,
    spec: Spec,
    start: float,
    x0: np.ndarray | None,
    maxiter: int,
    integrated: bool = False,
) -> tuple[np.ndarray, bool, str, int]:
    """Maximise the scaled log-likelihood; returns (theta, converged, message, iterations).

    ``integrated=True`` imposes ``sum(alpha) + sum(beta) = 1`` (ACD only; the null of
    :func:`riskkit.durations.infinite_mean_test`).
    """
    nobs = y.shape[0] - spec.m

    def f(theta: np.ndarray) -> tuple[float, np.ndarray]:
        ll, g = loglik(theta, y, spec, start)
        if not math.isfinite(ll) or not np.all(np.isfinite(g)):
            return 1e10, np.zeros_like(theta)
        return -ll / nobs, -g / nobs

    bnds = bounds(spec)
    if x0 is None:
        cands = _candidates(spec)
        vals = [f(c)[0] for c in cands]
        x0 = cands[int(np.argmin(vals))]
    kd = 1 + spec.p + spec.q
    if integrated:
        x0 = np.array(x0, dtype=np.float64)
        x0[1:kd] /= np.sum(x0[1:kd])
    x0 = np.clip(np.asarray(x0, dtype=np.float64), [b[0] for b in bnds], [b[1] for b in bnds])
    cons: list[dict[str, Any]] = []
    if integrated:
        wsum = np.zeros(spec.k)
        wsum[1:kd] = 1.0
        cons.append({"type": "eq", "fun": lambda t: t[1:kd].sum() - 1.0, "jac": lambda t: wsum})
    if spec.dist == "burr":
        jac = np.zeros(spec.k)
        jac[kd], jac[kd + 1] = 1.0, -1.0
        cons.append(
            {
                "type": "ineq",
                "fun": lambda t: t[kd] - t[kd + 1] - 1e-4,
                "jac": lambda t: jac,
            }
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = optimize.minimize(
            f,
            x0,
            jac=True,
            method="SLSQP",
            bounds=bnds,
            constraints=cons,
            options={"maxiter": maxiter, "ftol": 1e-12},
        )
        theta = res.x
        # polish (bounds only) when SLSQP stopped early, unless a nonlinear constraint is involved
        lo = np.array([b[0] for b in bnds])
        hi = np.array([b[1] for b in bnds])
        free = (theta > lo + 1e-6) & (theta < hi - 1e-6)
        g0 = f(theta)[1]
        if not cons and (not res.success or np.max(np.abs(g0[free]), initial=0.0) > 1e-5):
            res2 = optimize.minimize(
                f,
                theta,
                jac=True,
                method="L-BFGS-B",
                bounds=bnds,
                options={"maxiter": maxiter, "ftol": 1e-15, "gtol": 1e-9},
            )
            if res2.fun <= res.fun:
                theta = res2.x
    _, g = f(theta)
    interior = (theta > lo + 1e-6) & (theta < hi - 1e-6)
    gnorm = float(np.max(np.abs(g[interior]))) if interior.any() else 0.0
    ok = bool(res.success or gnorm < 1e-5) and gnorm < 1e-3 and math.isfinite(res.fun)
    if integrated:  # the score is not zero at a constrained optimum
        ok = bool(res.success) and math.isfinite(res.fun)
    msg = str(res.message) + f" (max |score|/n at interior parameters {gnorm:.2e})"
    return theta, ok, msg, int(res.nit)


def rescale(spec: Spec, theta: np.ndarray, mu: float) -> tuple[np.ndarray, np.ndarray]:
    """Parameters in the caller's scale and the Jacobian d theta_orig / d theta_scaled."""
    out = theta.copy()
    jac = np.eye(theta.shape[0])
    if spec.model == _k.ACD:
        out[0] = theta[0] * mu
        jac[0, 0] = mu
    else:
        lm = math.log(mu)
        sb = float(np.sum(theta[1 + spec.p : 1 + spec.p + spec.q]))
        out[0] = theta[0] + (1.0 - sb) * lm
        jac[0, 1 + spec.p : 1 + spec.p + spec.q] = -lm
    return out, jac


def to_scaled(spec: Spec, params: np.ndarray, mu: float) -> np.ndarray:
    """Inverse of :func:`rescale` for the parameter vector."""
    out = np.asarray(params, dtype=np.float64).copy()
    if spec.model == _k.ACD:
        out[0] = out[0] / mu
    else:
        sb = float(np.sum(out[1 + spec.p : 1 + spec.p + spec.q]))
        out[0] = out[0] - (1.0 - sb) * math.log(mu)
    return out


def estimate(
    x: np.ndarray,
    spec: Spec,
    starting_values: Any = None,
    maxiter: int = 500,
    integrated: bool = False,
) -> Estimate:
    """Fit ``spec`` to the positive durations ``x`` (validated); ``integrated`` imposes
    ``sum(alpha) + sum(beta) = 1``."""
    mu = float(x.mean())
    y = np.ascontiguousarray(x / mu)
    start = start_value(spec, mu)
    x0 = None
    if starting_values is not None:
        sv = np.asarray(starting_values, dtype=np.float64).ravel()
        if sv.shape[0] != spec.k or not np.all(np.isfinite(sv)):
            raise InputError(
                f"starting_values must be {spec.k} finite numbers {spec.names}; got {starting_values!r}"
            )
        x0 = to_scaled(spec, sv, mu)
    theta, ok, msg, nit = optimise(y, spec, start, x0, maxiter, integrated)
    ll, _ = loglik(theta, y, spec, start)
    nobs = y.shape[0] - spec.m
    h = hessian(theta, y, spec, start)
    s = scores(theta, y, spec, start)
    try:
        hinv = np.linalg.inv(-h)
        if not np.all(np.diag(hinv) > 0):
            raise np.linalg.LinAlgError("Hessian is not negative definite")
        rob = hinv @ (s.T @ s) @ hinv
    except np.linalg.LinAlgError:
        hinv = np.full((spec.k, spec.k), np.nan)
        rob = hinv.copy()
        ok = False
        msg += "; the Hessian is singular or not negative definite (standard errors are NaN)"
    params, jac = rescale(spec, theta, mu)
    cov = jac @ hinv @ jac.T
    rcov = jac @ rob @ jac.T
    psi = mu * _k.acd_filter(theta, y, spec.p, spec.q, spec.model, start)
    if not ok:
        warnings.warn(
            f"{spec.title}: the optimiser did not converge ({msg})",
            ConvergenceWarning,
            stacklevel=3,
        )
    return Estimate(
        params=params,
        cov=cov,
        robust_cov=rcov,
        loglikelihood=float(ll - nobs * math.log(mu)),
        psi=psi,
        converged=ok,
        message=msg,
        iterations=nit,
        start=start * mu,
    )


def simulate(
    spec: Spec, params: np.ndarray, n: int, rng: np.random.Generator, burn: int
) -> np.ndarray:
    """``n`` durations from ``spec`` with ``params`` (caller's scale), after ``burn`` discarded.

    The recursion starts at the unconditional mean when it exists (ACD with persistence
    below ``1 - 1e-8``: closer to 1 the "mean" is a rounding artefact), otherwise at
    ``exp(omega / (1 - sum beta))`` (Log-ACD) or at 1.
    """
    params = np.ascontiguousarray(params, dtype=np.float64)
    kd = 1 + spec.p + spec.q
    shape = tuple(params[kd:])
    eps = draw(spec.dist, shape, n + burn, rng)
    if spec.model == _k.ACD:
        pers = float(np.sum(params[1:kd]))
        start = params[0] / (1.0 - pers) if pers < 1.0 - 1e-8 else 1.0
    else:
        sb = float(np.sum(params[1 + spec.p : kd]))
        start = math.exp(min(params[0] / (1.0 - sb), 50.0)) if sb < 1.0 else 1.0
    x = _k.acd_simulate(params, eps, spec.p, spec.q, spec.model, float(start))
    return np.asarray(x[burn:])
