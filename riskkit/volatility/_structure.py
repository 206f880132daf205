"""Parameter layout, bounds, constraints and scaling of a volatility model (internal).

The kernel parameter vector is ``theta = [mean | omega, alpha, gamma, beta | shape]``
(see :mod:`riskkit._kernels.garch`). Restricted models (IGARCH, EWMA, variance
targeting) are an affine map ``theta = A phi + c`` of the free parameters ``phi``,
so one likelihood kernel and one optimiser serve all of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from riskkit._kernels import garch as kg
from riskkit.volatility.mean import MeanDesign

DIST_CODES = {"normal": 0, "t": 1, "skewt": 2, "ged": 3}
DIST_NAMES = {"normal": (), "t": ("nu",), "skewt": ("eta", "lambda"), "ged": ("nu",)}
DIST_BOUNDS = {
    "normal": (),
    "t": ((2.05, 500.0),),
    "skewt": ((2.05, 300.0), (-0.995, 0.995)),
    "ged": ((1.01, 500.0),),
}
DIST_START = {"normal": (), "t": (8.0,), "skewt": (8.0, 0.0), "ged": (1.5,)}
INITS = {"backcast": 0, "sample": 0, "fcp": 1}
PERSISTENCE_MAX = 1.0 - 1e-7


@dataclass(frozen=True)
class Structure:
    """Everything needed to evaluate and map the parameters of one model."""

    vol: int  # kg.GARCH or kg.EGARCH
    p: int
    o: int
    q: int
    dist: str
    init: str
    mean: MeanDesign
    restriction: str = "none"  # "none" | "igarch" | "ewma" | "ewma_fixed" | "targeting"
    lam: float = 0.94
    extra: dict = field(default_factory=dict)

    # ------------------------------------------------------------------ layout
    @property
    def dist_code(self) -> int:
        return DIST_CODES[self.dist]

    @property
    def iv(self) -> int:
        return self.mean.k

    @property
    def kvol(self) -> int:
        return 1 + self.p + self.o + self.q

    @property
    def kd(self) -> int:
        return len(DIST_NAMES[self.dist])

    @property
    def k(self) -> int:
        return self.mean.k + self.kvol + self.kd

    @property
    def names(self) -> list[str]:
        v = ["omega"]
        v += [f"alpha[{i + 1}]" for i in range(self.p)]
        v += [f"gamma[{i + 1}]" for i in range(self.o)]
        v += [f"beta[{i + 1}]" for i in range(self.q)]
        return self.mean.names + v + list(DIST_NAMES[self.dist])

    def slices(self) -> tuple[slice, slice, slice, slice, slice]:
        iv = self.iv
        a = slice(iv + 1, iv + 1 + self.p)
        g = slice(iv + 1 + self.p, iv + 1 + self.p + self.o)
        b = slice(iv + 1 + self.p + self.o, iv + self.kvol)
        d = slice(iv + self.kvol, self.k)
        return slice(0, iv), a, g, b, d

    # --------------------------------------------------------- affine restriction
    def affine(self, v: float) -> tuple[np.ndarray, np.ndarray]:
        """``(A, c)`` with ``theta = A phi + c``; ``v`` is the scaled sample variance."""
        k = self.k
        iv = self.iv
        _, sa, sg, sb, _ = self.slices()
        eye = np.eye(k)
        c = np.zeros(k)
        if self.restriction == "none":
            return eye, c
        if self.restriction == "targeting":
            # omega = v (1 - pers) for GARCH, log(v) (1 - sum beta) for EGARCH
            keep = [i for i in range(k) if i != iv]
            A = eye[:, keep].copy()
            if self.vol == kg.GARCH:
                c[iv] = v
                row = np.zeros(k)
                row[sa] = -v
                row[sg] = -0.5 * v
                row[sb] = -v
            else:
                c[iv] = math.log(v)
                row = np.zeros(k)
                row[sb] = -math.log(v)
            A[iv, :] = row[keep]
            return A, c
        if self.restriction == "igarch":
            # last beta = 1 - sum alpha - sum gamma / 2 - other betas
            last = sb.stop - 1
            keep = [i for i in range(k) if i != last]
            A = eye[:, keep].copy()
            row = np.zeros(k)
            row[sa] = -1.0
            row[sg] = -0.5
            row[sb] = -1.0
            row[last] = 0.0
            A[last, :] = row[keep]
            c[last] = 1.0
            return A, c
        # EWMA: omega = 0, alpha = 1 - lam, beta = lam (lam free or fixed)
        a_i, b_i = sa.start, sb.start
        if self.restriction == "ewma":
            keep = [i for i in range(k) if i not in (iv, a_i)]
            A = eye[:, keep].copy()
            A[iv, :] = 0.0
            A[a_i, :] = -eye[b_i, keep]
            c[a_i] = 1.0
            return A, c
        keep = [i for i in range(k) if i not in (iv, a_i, b_i)]
        A = eye[:, keep].copy()
        A[iv, :] = 0.0
        c[a_i] = 1.0 - self.lam
        c[b_i] = self.lam
        return A, c

    # -------------------------------------------------------- bounds/constraints
    def theta_bounds(self, v: float) -> list[tuple[float, float]]:
        b: list[tuple[float, float]] = [(-np.inf, np.inf)] * self.mean.kx
        b += [(-0.999, 0.999)] * self.mean.ma
        if self.vol == kg.GARCH:
            lo = 0.0 if self.restriction.startswith("ewma") else 1e-10 * v
            b += [(lo, 10.0 * v)]
            b += [(0.0, 1.0)] * self.p
            # gamma_j >= -alpha_j (a linear constraint) when alpha_j exists, else gamma_j >= 0
            b += [(-1.0 if j < self.p else 0.0, 2.0) for j in range(self.o)]
            b += [(0.0, 1.0)] * self.q
        else:
            lv = math.log(v)
            b += [(lv - 12.0, lv + 12.0)]
            b += [(-5.0, 5.0)] * (self.p + self.o)
            b += [(0.0, 1.0)] * self.q
        b += list(DIST_BOUNDS[self.dist])
        return b

    def theta_constraints(self) -> tuple[np.ndarray, np.ndarray]:
        """Rows ``G theta >= h``: alpha_i + gamma_i >= 0 and persistence <= 1 - 1e-7."""
        k = self.k
        _, sa, sg, sb, _ = self.slices()
        rows, rhs = [], []
        if self.vol == kg.GARCH:
            for j in range(min(self.o, self.p)):
                r = np.zeros(k)
                r[sg.start + j] = 1.0
                r[sa.start + j] = 1.0
                rows.append(r)
                rhs.append(0.0)
            if self.restriction not in ("igarch", "ewma", "ewma_fixed"):
                r = np.zeros(k)
                r[sa] = -1.0
                r[sg] = -0.5
                r[sb] = -1.0
                rows.append(r)
                rhs.append(-PERSISTENCE_MAX)
        elif self.q:
            r = np.zeros(k)
            r[sb] = -1.0
            rows.append(r)
            rhs.append(-PERSISTENCE_MAX)
        if not rows:
            return np.zeros((0, k)), np.zeros(0)
        return np.array(rows), np.array(rhs)

    # ------------------------------------------------------------------ scaling
    def to_original(self, theta: np.ndarray, s: float) -> tuple[np.ndarray, np.ndarray]:
        """Parameters of the model of ``s * y`` from those of ``y``, and the Jacobian."""
        k = self.k
        J = np.eye(k)
        out = theta.copy()
        pw = self.mean.scale_powers()
        for i in range(self.mean.k):
            J[i, i] = s ** pw[i]
            out[i] = theta[i] * J[i, i]
        iv = self.iv
        _, _, _, sb, _ = self.slices()
        if self.vol == kg.GARCH:
            J[iv, iv] = s * s
            out[iv] = theta[iv] * s * s
        else:
            ls2 = 2.0 * math.log(s)
            out[iv] = theta[iv] + ls2 * (1.0 - theta[sb].sum())
            J[iv, sb] = -ls2
        return out, J

    def to_original_rows(self, thetas: np.ndarray, s: np.ndarray) -> np.ndarray:
        """:meth:`to_original` of every row of ``thetas``, row ``i`` with scale ``s[i]``."""
        out = np.array(thetas, dtype=np.float64, copy=True)
        s = np.asarray(s, dtype=np.float64)
        pw = self.mean.scale_powers()
        for i in range(self.mean.k):
            if pw[i]:
                out[:, i] *= s ** pw[i]
        iv = self.iv
        _, _, _, sb, _ = self.slices()
        if self.vol == kg.GARCH:
            out[:, iv] *= s * s
        else:
            out[:, iv] += 2.0 * np.log(s) * (1.0 - thetas[:, sb].sum(axis=1))
        return out

    def to_scaled(self, theta: np.ndarray, s: float) -> np.ndarray:
        """Inverse of :meth:`to_original`."""
        out = theta.astype(np.float64).copy()
        pw = self.mean.scale_powers()
        for i in range(self.mean.k):
            out[i] = theta[i] / s ** pw[i]
        iv = self.iv
        _, _, _, sb, _ = self.slices()
        if self.vol == kg.GARCH:
            out[iv] = theta[iv] / (s * s)
        else:
            out[iv] = theta[iv] - 2.0 * math.log(s) * (1.0 - theta[sb].sum())
        return out

    def vol_params(self, theta: np.ndarray) -> np.ndarray:
        """``[omega, alpha, gamma, beta]`` slice of ``theta``."""
        return np.ascontiguousarray(theta[self.iv : self.iv + self.kvol])

    def shape_params(self, theta: np.ndarray) -> tuple[float, ...]:
        return tuple(float(v) for v in theta[self.iv + self.kvol :])

    def persistence(self, theta: np.ndarray) -> float:
        _, sa, sg, sb, _ = self.slices()
        if self.vol == kg.GARCH:
            return float(theta[sa].sum() + 0.5 * theta[sg].sum() + theta[sb].sum())
        return float(theta[sb].sum())
