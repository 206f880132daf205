"""Specifications and the multi-start estimator shared by CAViaR and CARE.

Kept apart from the public classes so that both use one copy of: the spec table,
input preparation, the internal rescaling and the "screen many random vectors,
polish the best few" optimiser of Engle & Manganelli (2004, Section 5).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize

from riskkit._exceptions import InputError
from riskkit._kernels import caviar as _k
from riskkit._pandas import unwrap
from riskkit._validation import check_choice, check_index, check_int, clean_column

__all__ = ["SPECS", "MultiStartResult", "Spec", "multistart", "prepare_returns"]


@dataclass(frozen=True)
class Spec:
    name: str
    code: int
    n_params: int
    scale_power: int  # beta1 scales as s ** scale_power when the returns are scaled by s


SPECS: dict[str, Spec] = {
    "symmetric_absolute_value": Spec("symmetric_absolute_value", _k.SAV, 3, 1),
    "asymmetric_slope": Spec("asymmetric_slope", _k.ASYMMETRIC_SLOPE, 4, 1),
    "indirect_garch": Spec("indirect_garch", _k.INDIRECT_GARCH, 3, 2),
    "adaptive": Spec("adaptive", _k.ADAPTIVE, 1, 1),
}


def get_spec(spec: Any, allowed: tuple[str, ...] | None = None) -> Spec:
    names = tuple(SPECS) if allowed is None else allowed
    return SPECS[check_choice(spec, "spec", names)]


def param_names(spec: Spec) -> list[str]:
    return [f"beta{i + 1}" for i in range(spec.n_params)]


def to_original(beta: np.ndarray, spec: Spec, s: float) -> np.ndarray:
    """Parameters fitted on ``y / s`` -> parameters for ``y``."""
    out = beta.copy()
    out[0] *= s**spec.scale_power
    return out


def to_internal(beta: np.ndarray, spec: Spec, s: float) -> np.ndarray:
    out = np.asarray(beta, dtype=np.float64).copy()
    out[0] /= s**spec.scale_power
    return out


def prepare_returns(
    returns: Any, nan_policy: str, n_min: int, what: str
) -> tuple[np.ndarray, pd.Index | None, Any]:
    """1-D float64 returns, the caller's index (None for arrays) and the Series name."""
    values, meta = unwrap(returns, "returns")
    if values.shape[1] != 1:
        raise InputError(f"returns must be one series (1-D); got shape {values.shape}")
    index = meta.index if meta.is_pandas else None
    if index is not None:
        check_index(index, "returns")
    col = values[:, 0]
    if nan_policy == "omit" and index is not None:
        index = index[~np.isnan(col)]
    y = clean_column(col, "returns", nan_policy, n_min, index=meta.index, what=what)
    return y, index, meta.name


def check_init_window(init_window: Any, n_in: int) -> int:
    w = check_int(init_window, "init_window", minimum=10)
    if w > n_in:
        raise InputError(f"init_window must not exceed the {n_in} in-sample observations; got {w}")
    return w


def check_in_sample(in_sample: Any, n: int, n_min: int) -> int:
    if in_sample is None:
        return n
    m = check_int(in_sample, "in_sample", minimum=n_min)
    if m > n:
        raise InputError(f"in_sample must not exceed the {n} observations; got {m}")
    return m


def empirical_quantile_start(y: np.ndarray, window: int, theta: float) -> float:
    """Positive start ``f_0 = -y_(k)`` with ``k = round(window * theta)`` (at least 1).

    The k-th smallest of the first ``window`` returns, as in Engle & Manganelli's code.
    """
    k = max(1, math.floor(window * theta + 0.5))
    return float(-np.sort(y[:window])[k - 1])


@dataclass(frozen=True)
class MultiStartResult:
    beta: np.ndarray  # internal units
    fval: float
    converged: bool
    n_local: int


def multistart(
    y: np.ndarray,
    f0: float,
    spec: Spec,
    loss: int,
    G: float,
    theta: float,
    rng: np.random.Generator,
    n_draws: int,
    n_starts: int,
    extra_starts: list[np.ndarray] | None = None,
    max_iter: int = 5000,
    tol: float = 1e-10,
    max_rounds: int = 10,
) -> MultiStartResult:
    """Minimise the objective from many random starts.

    1. draw ``n_draws`` vectors uniform on (0, 1)^k and evaluate the objective of each
       (one compiled call);
    2. run Nelder–Mead (restarted until no improvement) from the ``n_starts`` best and
       from ``extra_starts``;
    3. from the three best local optima alternate a quasi-Newton step (BFGS, numerical
       gradient) and Nelder–Mead until the objective stops improving; keep the best.
    """
    k = spec.n_params
    starts: list[np.ndarray] = [
        np.ascontiguousarray(x, dtype=np.float64) for x in extra_starts or []
    ]
    if n_draws > 0 and n_starts > 0:
        draws = rng.uniform(0.0, 1.0, size=(n_draws, k))
        vals = _k.caviar_objective_many(draws, y, f0, spec.code, loss, G, theta)
        best = np.argsort(vals, kind="stable")[: min(n_starts, n_draws)]
        starts.extend(np.ascontiguousarray(draws[i]) for i in best)
    if not starts:
        raise InputError("n_starts must be >= 1 when no starting values are given")
    local: list[tuple[float, np.ndarray, bool]] = []
    for x0 in starts:
        x, fx, conv = _k.nelder_mead_restarts(
            x0, y, f0, spec.code, loss, G, theta, max_iter, tol, tol, 20
        )
        local.append((float(fx), x, bool(conv)))
    local.sort(key=lambda r: r[0])

    def obj(b: np.ndarray) -> float:
        return float(_k.caviar_objective(np.ascontiguousarray(b), y, f0, spec.code, loss, G, theta))

    polished: list[tuple[float, np.ndarray, bool]] = []
    for fx, x, conv in local[:3]:
        for _ in range(max_rounds):
            qn = optimize.minimize(obj, x, method="BFGS", options={"gtol": 1e-8, "maxiter": 200})
            x2, f2, conv2 = _k.nelder_mead_restarts(
                np.ascontiguousarray(qn.x), y, f0, spec.code, loss, G, theta, max_iter, tol, tol, 20
            )
            if f2 < fx - tol:
                x, fx, conv = x2, float(f2), bool(conv2)
            else:
                break
        polished.append((fx, x, conv))
    polished.sort(key=lambda r: r[0])
    fbest, xbest, conv = polished[0]
    converged = conv and fbest < _k.BAD
    return MultiStartResult(np.asarray(xbest), float(fbest), converged, len(starts))
