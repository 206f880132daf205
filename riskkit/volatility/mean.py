"""Conditional-mean design for the volatility models: zero, constant, AR(k), ARMA(k, m), exogenous x.

The mean is ``y_t = X_t b + sum_j theta_j eps_{t-j} + eps_t`` where ``X_t`` stacks the
constant, the AR lags ``y_{t-1}, ..., y_{t-k}`` and the exogenous regressors. As in
arch, the first ``k`` observations are used only as AR lags (the likelihood is
conditional on them); the MA recursion starts from ``eps = 0`` before the sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MEANS = ("zero", "constant", "ar", "arma")


@dataclass(frozen=True)
class MeanDesign:
    """Regressors of the mean model (on the *unscaled* exogenous data)."""

    kind: str
    ar: int
    ma: int
    has_const: bool
    x_names: tuple[str, ...]

    @property
    def names(self) -> list[str]:
        out = ["mu"] if self.has_const else []
        out += [f"ar[{i + 1}]" for i in range(self.ar)]
        out += [str(n) for n in self.x_names]
        out += [f"ma[{i + 1}]" for i in range(self.ma)]
        return out

    @property
    def kx(self) -> int:
        return int(self.has_const) + self.ar + len(self.x_names)

    @property
    def k(self) -> int:
        return self.kx + self.ma

    def scale_powers(self) -> np.ndarray:
        """Power of the data scale ``s`` each mean parameter carries (1 for mu and x coefs)."""
        pw = [1.0] if self.has_const else []
        pw += [0.0] * self.ar
        pw += [1.0] * len(self.x_names)
        pw += [0.0] * self.ma
        return np.array(pw)

    def design(self, y: np.ndarray, x: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """``(y_eff, X)`` with the first ``ar`` observations dropped (used as lags)."""
        n = y.shape[0]
        k0 = self.ar
        cols = []
        if self.has_const:
            cols.append(np.ones(n - k0))
        for i in range(self.ar):
            cols.append(y[k0 - 1 - i : n - 1 - i])
        if x is not None and x.shape[1]:
            for j in range(x.shape[1]):
                cols.append(x[k0:, j])
        X = np.column_stack(cols) if cols else np.zeros((n - k0, 0))
        return np.ascontiguousarray(y[k0:]), np.ascontiguousarray(X, dtype=np.float64)

    def ols(self, y_eff: np.ndarray, X: np.ndarray) -> np.ndarray:
        """Least-squares start of ``b`` (MA coefficients start at 0)."""
        if X.shape[1] == 0:
            b = np.zeros(0)
        elif X.shape[1] == 1 and self.kx == 1 and self.has_const:
            b = np.array([np.mean(y_eff)])  # constant mean: least squares is the mean
        else:
            b = np.linalg.lstsq(X, y_eff, rcond=None)[0]
        return np.concatenate([b, np.zeros(self.ma)])
