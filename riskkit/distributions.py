"""Standardized innovation distributions: normal, Student t, Hansen skew-t and GED.

Every distribution here has mean 0 and variance 1, so that ``mu + sigma * Z``
has mean ``mu`` and standard deviation ``sigma``. They are frozen, picklable
dataclasses; all methods are vectorised (numpy in -> numpy out, scalar in ->
float out) and use closed forms (no numerical integration).

==========  ====  =======================  =================================
class       code  parameters               name for :func:`get`
==========  ====  =======================  =================================
Normal      0     --                       ``"normal"``
StudentT    1     nu > 2                   ``"t"``
SkewT       2     eta > 2, -1 < lam < 1    ``"skewt"``
GED         3     nu > 0                   ``"ged"``
==========  ====  =======================  =================================

The codes and ``kernel_params`` match the Numba log-densities of
:mod:`riskkit._kernels.distributions`, used by the volatility models.

Notes
-----
Student t: ``Z = sqrt((nu - 2) / nu) * T`` with ``T`` a standard ``t(nu)``.

Hansen (1994) skewed t: with ``c = Gamma((eta+1)/2) / (sqrt(pi (eta-2)) Gamma(eta/2))``,
``a = 4 lam c (eta-2)/(eta-1)`` and ``b = sqrt(1 + 3 lam^2 - a^2)``,

.. math:: f(z) = b\\,c\\,\\Big(1 + \\frac{1}{\\eta-2}\\Big(\\frac{bz+a}{1\\mp\\lambda}\\Big)^2\\Big)^{-(\\eta+1)/2}

with ``1 - lam`` for ``z < -a/b`` and ``1 + lam`` otherwise. Writing ``Y = bZ + a``,
``Y`` is ``(1 - lam) W`` on its negative half and ``(1 + lam) W`` on its positive half,
``W`` a unit-variance t(eta); cdf, quantile and partial moments follow from those of ``W``.

GED: ``f(z) = nu exp(-|z/lambda|^nu / 2) / (lambda 2^(1+1/nu) Gamma(1/nu))`` with
``lambda^2 = 2^(-2/nu) Gamma(1/nu) / Gamma(3/nu)``; ``Z / s`` with
``s = sqrt(Gamma(1/nu) / Gamma(3/nu))`` is ``scipy.stats.gennorm(nu)``, so partial
moments are regularized incomplete gamma functions.

For every distribution the expected shortfall is
``ES(alpha) = -E[Z 1(Z <= q_alpha)] / alpha`` with the closed-form first lower partial moment.

References
----------
Hansen, B. E. (1994). Autoregressive conditional density estimation.
*International Economic Review* 35(3), 705-730, eq. (10)-(12).

Nelson, D. B. (1991). Conditional heteroskedasticity in asset returns: a new approach.
*Econometrica* 59(2), 347-370 (the GED parameterisation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from scipy import special

from riskkit._exceptions import InputError
from riskkit._validation import as_generator

__all__ = ["GED", "Distribution", "Normal", "SkewT", "StudentT", "from_kernel", "get"]

NAMES = ("normal", "t", "skewt", "ged")
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


# --------------------------------------------------------------------------- helpers


def _check_shape(value: Any, name: str, lo: float, hi: float = math.inf) -> float:
    """A real shape parameter strictly inside (lo, hi)."""
    if isinstance(value, (bool, np.bool_)):
        raise InputError(f"{name} must be a real number; got {value!r}")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a real number; got {value!r}") from None
    if not (lo < v < hi) or math.isnan(v):
        rule = f"> {lo:g}" if hi == math.inf else f"in the open interval ({lo:g}, {hi:g})"
        raise InputError(f"{name} must be {rule}; got {value!r}")
    return v


def _as_float_array(x: Any, name: str) -> tuple[np.ndarray, bool]:
    """``(array, is_scalar)``; non-numeric input raises InputError."""
    arr = np.asarray(x)
    if arr.dtype == bool or arr.dtype.kind not in "iuf":
        shown = repr(x) if arr.size <= 5 else f"an array of dtype {arr.dtype}"
        raise InputError(f"{name} must be real numbers; got {shown}")
    return arr.astype(np.float64, copy=False), arr.ndim == 0


def _out(values: np.ndarray, scalar: bool) -> Any:
    return float(values) if scalar else values


def _check_unit_interval(p: np.ndarray, name: str, closed: bool) -> None:
    ok = (p >= 0.0) & (p <= 1.0) if closed else (p > 0.0) & (p < 1.0)
    if not np.all(ok):
        bad = float(p[~ok].ravel()[0])
        where = "[0, 1]" if closed else "the open interval (0, 1)"
        raise InputError(f"{name} must be in {where}; got {bad!r}")


def _check_k(k: Any) -> int:
    if isinstance(k, (bool, np.bool_)) or k not in (0, 1, 2):
        raise InputError(f"k must be 0, 1 or 2 (order of the lower partial moment); got {k!r}")
    return int(k)


def _t_log_const(nu: float) -> float:
    """log Gamma((nu+1)/2) - log Gamma(nu/2) - log(sqrt(nu pi)): the standard t(nu) constant."""
    return math.lgamma(0.5 * (nu + 1.0)) - math.lgamma(0.5 * nu) - 0.5 * math.log(nu * math.pi)


def _t_partial_moment(c: np.ndarray, nu: float, k: int) -> np.ndarray:
    """E[T^k 1(T <= c)] for a standard (not unit-variance) t(nu), nu > 2.

    k = 1: ``-f(c) (nu + c^2) / (nu - 1)``;
    k = 2: ``nu [ (nu-1)/(nu-2) F_{nu-2}(c sqrt((nu-2)/nu)) - F_nu(c) ]``.
    """
    if k == 0:
        return np.asarray(special.stdtr(nu, c), dtype=np.float64)
    if k == 1:
        # f(c) (nu + c^2) = C nu (1 + c^2/nu)^(-(nu-1)/2), finite and -> 0 at +-inf
        logv = _t_log_const(nu) + math.log(nu) - 0.5 * (nu - 1.0) * np.log1p(c * c / nu)
        return np.asarray(-np.exp(logv) / (nu - 1.0), dtype=np.float64)
    f_lower = special.stdtr(nu - 2.0, c * math.sqrt((nu - 2.0) / nu))
    return np.asarray(
        nu * ((nu - 1.0) / (nu - 2.0) * f_lower - special.stdtr(nu, c)), dtype=np.float64
    )


def _std_t_partial_moment(c: np.ndarray, nu: float, k: int) -> np.ndarray:
    """E[W^k 1(W <= c)] for the unit-variance t(nu): ``W = s T``, ``s = sqrt((nu-2)/nu)``."""
    s = math.sqrt((nu - 2.0) / nu)
    return np.asarray(s**k * _t_partial_moment(c / s, nu, k), dtype=np.float64)


def skewt_constants(eta: float, lam: float) -> tuple[float, float, float]:
    """Hansen's constants ``(a, b, c)`` of the unit-variance skewed t."""
    c = math.exp(
        math.lgamma(0.5 * (eta + 1.0))
        - math.lgamma(0.5 * eta)
        - 0.5 * math.log(math.pi * (eta - 2.0))
    )
    a = 4.0 * lam * c * (eta - 2.0) / (eta - 1.0)
    b = math.sqrt(1.0 + 3.0 * lam * lam - a * a)
    return a, b, c


def skewt_logpdf(z: np.ndarray, eta: float, lam: float) -> np.ndarray:
    """Vectorised log-density of Hansen's skewed t (no validation; used by the fitters)."""
    a, b, c = skewt_constants(eta, lam)
    y = b * z + a
    u = y / np.where(y < 0.0, 1.0 - lam, 1.0 + lam)
    return np.asarray(
        math.log(b) + math.log(c) - 0.5 * (eta + 1.0) * np.log1p(u * u / (eta - 2.0)),
        dtype=np.float64,
    )


# --------------------------------------------------------------------------- base class


@dataclass(frozen=True)
class Distribution:
    """Common interface of the standardized (mean 0, variance 1) distributions."""

    name: ClassVar[str] = ""
    code: ClassVar[int] = -1
    param_names: ClassVar[tuple[str, ...]] = ()

    # -- what each distribution provides
    def _logpdf(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _cdf(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _ppf(self, p: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _partial_moment(self, q: np.ndarray, k: int) -> np.ndarray:
        raise NotImplementedError

    def _rvs(self, rng: np.random.Generator, size: Any) -> np.ndarray:
        raise NotImplementedError

    # -- public, vectorised
    @property
    def params(self) -> tuple[float, ...]:
        """Shape parameters, in the order of :attr:`param_names`."""
        return tuple(float(getattr(self, n)) for n in self.param_names)

    @property
    def kernel_params(self) -> tuple[float, float]:
        """``(p0, p1)`` for the Numba kernels of :mod:`riskkit._kernels.distributions`."""
        p = (*self.params, 0.0, 0.0)
        return float(p[0]), float(p[1])

    def logpdf(self, x: Any) -> Any:
        """Log-density at ``x``."""
        z, scalar = _as_float_array(x, "x")
        return _out(self._logpdf(z), scalar)

    def pdf(self, x: Any) -> Any:
        """Density at ``x``."""
        z, scalar = _as_float_array(x, "x")
        return _out(np.exp(self._logpdf(z)), scalar)

    def cdf(self, x: Any) -> Any:
        """Distribution function ``P(Z <= x)``."""
        z, scalar = _as_float_array(x, "x")
        return _out(self._cdf(z), scalar)

    def ppf(self, p: Any) -> Any:
        """Quantile function; ``p`` in [0, 1] (0 and 1 give -inf and inf)."""
        pa, scalar = _as_float_array(p, "p")
        _check_unit_interval(pa, "p", closed=True)
        q = np.where(pa == 0.0, -np.inf, np.where(pa == 1.0, np.inf, self._ppf(pa)))
        return _out(q, scalar)

    def es(self, alpha: Any) -> Any:
        """Expected shortfall as a POSITIVE number: ``-E[Z | Z <= ppf(alpha)]``.

        Closed form ``-partial_moment(ppf(alpha), 1) / alpha``; ``alpha`` in (0, 1).
        """
        a, scalar = _as_float_array(alpha, "alpha")
        _check_unit_interval(a, "alpha", closed=False)
        return _out(-self._partial_moment(self._ppf(a), 1) / a, scalar)

    def partial_moment(self, q: Any, k: int = 1) -> Any:
        """Lower partial moment ``E[Z^k 1(Z <= q)]`` for ``k`` in {0, 1, 2}."""
        k = _check_k(k)
        qa, scalar = _as_float_array(q, "q")
        if np.isnan(qa).any():
            raise InputError("q must not contain NaN")
        return _out(self._partial_moment(qa, k), scalar)

    def rvs(self, size: Any = None, seed: Any = None) -> Any:
        """Random draws (``size`` as in numpy; ``None`` gives one float)."""
        rng = as_generator(seed)
        if size is not None:
            try:
                shape = tuple(int(s) for s in np.atleast_1d(size))
            except (TypeError, ValueError):
                raise InputError(
                    f"size must be None, an int or a tuple of ints; got {size!r}"
                ) from None
            if any(s < 0 for s in shape):
                raise InputError(f"size must be non-negative; got {size!r}")
            return self._rvs(rng, shape)
        return float(self._rvs(rng, (1,))[0])

    def __str__(self) -> str:
        args = ", ".join(f"{n}={v:g}" for n, v in zip(self.param_names, self.params))
        return f"{type(self).__name__}({args})"


# --------------------------------------------------------------------------- distributions


@dataclass(frozen=True)
class Normal(Distribution):
    """Standard normal distribution (code 0)."""

    name: ClassVar[str] = "normal"
    code: ClassVar[int] = 0
    param_names: ClassVar[tuple[str, ...]] = ()

    def _logpdf(self, z: np.ndarray) -> np.ndarray:
        return -_LOG_SQRT_2PI - 0.5 * z * z

    def _cdf(self, z: np.ndarray) -> np.ndarray:
        return np.asarray(special.ndtr(z), dtype=np.float64)

    def _ppf(self, p: np.ndarray) -> np.ndarray:
        return np.asarray(special.ndtri(p), dtype=np.float64)

    def _partial_moment(self, q: np.ndarray, k: int) -> np.ndarray:
        # E[1(Z<=q)] = Phi(q); E[Z 1(Z<=q)] = -phi(q); E[Z^2 1(Z<=q)] = Phi(q) - q phi(q)
        phi = np.exp(-_LOG_SQRT_2PI - 0.5 * q * q)
        if k == 0:
            return self._cdf(q)
        if k == 1:
            return -phi
        q_phi = np.where(np.isinf(q), 0.0, np.where(np.isinf(q), 0.0, q) * phi)
        return self._cdf(q) - q_phi

    def _rvs(self, rng: np.random.Generator, size: Any) -> np.ndarray:
        return rng.standard_normal(size)


@dataclass(frozen=True)
class StudentT(Distribution):
    """Student t with ``nu > 2`` degrees of freedom, scaled to unit variance (code 1)."""

    nu: float
    name: ClassVar[str] = "t"
    code: ClassVar[int] = 1
    param_names: ClassVar[tuple[str, ...]] = ("nu",)

    def __post_init__(self) -> None:
        object.__setattr__(self, "nu", _check_shape(self.nu, "nu", 2.0))

    @property
    def _s(self) -> float:
        return math.sqrt((self.nu - 2.0) / self.nu)

    def _logpdf(self, z: np.ndarray) -> np.ndarray:
        nu = self.nu
        const = _t_log_const(nu) + 0.5 * math.log(nu / (nu - 2.0))
        return const - 0.5 * (nu + 1.0) * np.log1p(z * z / (nu - 2.0))

    def _cdf(self, z: np.ndarray) -> np.ndarray:
        return np.asarray(special.stdtr(self.nu, z / self._s), dtype=np.float64)

    def _ppf(self, p: np.ndarray) -> np.ndarray:
        return np.asarray(self._s * special.stdtrit(self.nu, p), dtype=np.float64)

    def _partial_moment(self, q: np.ndarray, k: int) -> np.ndarray:
        return _std_t_partial_moment(q, self.nu, k)

    def _rvs(self, rng: np.random.Generator, size: Any) -> np.ndarray:
        return self._s * rng.standard_t(self.nu, size)


@dataclass(frozen=True)
class SkewT(Distribution):
    """Hansen (1994) skewed t, unit variance (code 2); ``eta > 2``, ``-1 < lam < 1``.

    ``lam < 0`` gives a longer left tail; ``lam = 0`` is :class:`StudentT` (``nu = eta``).
    """

    eta: float
    lam: float
    name: ClassVar[str] = "skewt"
    code: ClassVar[int] = 2
    param_names: ClassVar[tuple[str, ...]] = ("eta", "lam")

    def __post_init__(self) -> None:
        object.__setattr__(self, "eta", _check_shape(self.eta, "eta", 2.0))
        object.__setattr__(self, "lam", _check_shape(self.lam, "lam", -1.0, 1.0))

    @property
    def constants(self) -> tuple[float, float, float]:
        """Hansen's ``(a, b, c)``."""
        return skewt_constants(self.eta, self.lam)

    def _logpdf(self, z: np.ndarray) -> np.ndarray:
        return skewt_logpdf(z, self.eta, self.lam)

    def _w_cdf(self, w: np.ndarray) -> np.ndarray:
        return _std_t_partial_moment(w, self.eta, 0)

    def _cdf(self, z: np.ndarray) -> np.ndarray:
        a, b, _ = self.constants
        lam = self.lam
        y = np.asarray(b * z + a, dtype=np.float64)
        neg = y < 0.0
        out = np.empty_like(y)
        out[neg] = (1.0 - lam) * self._w_cdf(y[neg] / (1.0 - lam))
        pos = ~neg
        out[pos] = (1.0 + lam) * self._w_cdf(y[pos] / (1.0 + lam)) - lam
        return out

    def _ppf(self, p: np.ndarray) -> np.ndarray:
        a, b, _ = self.constants
        lam, eta = self.lam, self.eta
        s = math.sqrt((eta - 2.0) / eta)
        p = np.asarray(p, dtype=np.float64)
        left = p < 0.5 * (1.0 - lam)
        y = np.empty_like(p)
        y[left] = (1.0 - lam) * s * special.stdtrit(eta, p[left] / (1.0 - lam))
        right = ~left
        y[right] = (1.0 + lam) * s * special.stdtrit(eta, (p[right] + lam) / (1.0 + lam))
        return np.asarray((y - a) / b, dtype=np.float64)

    def _y_partial_moment(self, y: np.ndarray, j: int) -> np.ndarray:
        """E[Y^j 1(Y <= y)] for ``Y = bZ + a``, from the two half-t pieces."""
        lam, eta = self.lam, self.eta
        lo, hi = 1.0 - lam, 1.0 + lam
        neg = lo ** (j + 1) * _std_t_partial_moment(np.minimum(y, 0.0) / lo, eta, j)
        m0 = float(_std_t_partial_moment(np.zeros(1), eta, j)[0])  # E[W^j 1(W <= 0)]
        pos = lo ** (j + 1) * m0 + hi ** (j + 1) * (
            _std_t_partial_moment(np.maximum(y, 0.0) / hi, eta, j) - m0
        )
        return np.where(y < 0.0, neg, pos)

    def _partial_moment(self, q: np.ndarray, k: int) -> np.ndarray:
        a, b, _ = self.constants
        y = b * q + a
        m0 = self._y_partial_moment(y, 0)
        if k == 0:
            return m0
        m1 = self._y_partial_moment(y, 1)
        if k == 1:
            return (m1 - a * m0) / b
        m2 = self._y_partial_moment(y, 2)
        return (m2 - 2.0 * a * m1 + a * a * m0) / (b * b)

    def _rvs(self, rng: np.random.Generator, size: Any) -> np.ndarray:
        a, b, _ = self.constants
        lam, eta = self.lam, self.eta
        w = np.abs(math.sqrt((eta - 2.0) / eta) * rng.standard_t(eta, size))
        left = rng.random(size) < 0.5 * (1.0 - lam)
        y = np.where(left, -(1.0 - lam) * w, (1.0 + lam) * w)
        return (y - a) / b


@dataclass(frozen=True)
class GED(Distribution):
    """Generalized error distribution with shape ``nu > 0``, unit variance (code 3).

    ``nu = 2`` is the normal, ``nu = 1`` the Laplace; ``nu < 2`` has fat tails.
    """

    nu: float
    name: ClassVar[str] = "ged"
    code: ClassVar[int] = 3
    param_names: ClassVar[tuple[str, ...]] = ("nu",)

    def __post_init__(self) -> None:
        object.__setattr__(self, "nu", _check_shape(self.nu, "nu", 0.0))

    @property
    def _s(self) -> float:
        """Scale of ``scipy.stats.gennorm(nu)``: ``sqrt(Gamma(1/nu) / Gamma(3/nu))``."""
        nu = self.nu
        return math.exp(0.5 * (math.lgamma(1.0 / nu) - math.lgamma(3.0 / nu)))

    def _logpdf(self, z: np.ndarray) -> np.ndarray:
        nu = self.nu
        const = math.log(nu) - math.log(2.0 * self._s) - math.lgamma(1.0 / nu)
        return const - np.abs(z / self._s) ** nu

    def _cdf(self, z: np.ndarray) -> np.ndarray:
        nu = self.nu
        x = z / self._s
        tail = 0.5 * special.gammaincc(1.0 / nu, np.abs(x) ** nu)
        return np.where(x < 0.0, tail, 1.0 - tail)

    def _ppf(self, p: np.ndarray) -> np.ndarray:
        nu = self.nu
        tail = np.minimum(p, 1.0 - p)  # probability in the nearer tail
        mag = special.gammainccinv(1.0 / nu, 2.0 * tail) ** (1.0 / nu)
        return np.asarray(self._s * np.where(p < 0.5, -mag, mag), dtype=np.float64)

    def _partial_moment(self, q: np.ndarray, k: int) -> np.ndarray:
        # X = Z/s ~ gennorm(nu); E[X^k 1(X<=c)] = m_k ((-1)^k Q(r, |c|^nu))        for c < 0
        #                                      = m_k ((-1)^k + P(r, c^nu))       for c >= 0
        # with r = (k+1)/nu and m_k = Gamma(r) / (2 Gamma(1/nu)).
        nu, s = self.nu, self._s
        r = (k + 1.0) / nu
        m_k = 0.5 * math.exp(math.lgamma(r) - math.lgamma(1.0 / nu))
        x = q / s
        v = np.abs(x) ** nu
        sign = (-1.0) ** k
        pm = np.where(
            x < 0.0,
            sign * m_k * special.gammaincc(r, v),
            sign * m_k + m_k * special.gammainc(r, v),
        )
        return np.asarray(s**k * pm, dtype=np.float64)

    def _rvs(self, rng: np.random.Generator, size: Any) -> np.ndarray:
        nu = self.nu
        mag = rng.standard_gamma(1.0 / nu, size) ** (1.0 / nu)
        sign = np.where(rng.random(size) < 0.5, -1.0, 1.0)
        return self._s * sign * mag


# --------------------------------------------------------------------------- factories

_CLASSES: dict[str, type[Distribution]] = {
    "normal": Normal,
    "t": StudentT,
    "skewt": SkewT,
    "ged": GED,
}


def get(name: Any, *params: Any) -> Distribution:
    """A standardized distribution by name: ``get("skewt", 6.0, -0.1)``, ``get("normal")``.

    ``name`` is one of ``"normal"``, ``"t"``, ``"skewt"``, ``"ged"``; a
    :class:`Distribution` instance is returned unchanged (no parameters allowed then).

    Examples
    --------
    >>> from riskkit import distributions as rkd
    >>> d = rkd.get("t", 5.0)
    >>> round(d.ppf(0.01), 4), round(d.es(0.01), 4)  # unit-variance t(5): VaR and ES at 1%
    (-2.6065, 3.4488)
    """
    if isinstance(name, Distribution):
        if params:
            raise InputError(
                f"params must be empty when a distribution instance is given; got {params!r}"
            )
        return name
    if not isinstance(name, str) or name not in _CLASSES:
        raise InputError(f"name must be one of {NAMES}; got {name!r}")
    cls = _CLASSES[name]
    if len(params) != len(cls.param_names):
        raise InputError(
            f"distribution {name!r} takes {len(cls.param_names)} parameter(s) "
            f"{cls.param_names}; got {len(params)}: {params!r}"
        )
    return cls(*params)


def from_kernel(code: int, p0: float = 0.0, p1: float = 0.0) -> Distribution:
    """The distribution for a kernel ``code`` and ``(p0, p1)`` (inverse of ``kernel_params``)."""
    if isinstance(code, (bool, np.bool_)) or code not in (0, 1, 2, 3):
        raise InputError(f"code must be 0, 1, 2 or 3; got {code!r}")
    cls = _CLASSES[NAMES[int(code)]]
    return cls(*(p0, p1)[: len(cls.param_names)])
