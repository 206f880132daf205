"""Model adapters for the backtest engine: how each kind of model makes its forecasts.

An adapter turns one refit *block* (:class:`riskkit.backtest.engine.Block`: fit on
``x[fit_start:fit_end]``, forecast positions ``fit_end .. target_end - 1``) into a
:class:`BlockOutput`. :meth:`Adapter.forecast_blocks` loops over the blocks, passes the
previous fit on as a warm start, and records a block that fails (bad window, fit that
does not converge) as a message instead of an output; the engine leaves its forecasts
NaN and continues. Adapters that fit all windows in one compiled call (the volatility
models, :mod:`riskkit.backtest.adapters_vol`) override :meth:`Adapter.forecast_blocks`.

Every forecast for position t uses ``x[:t]`` only (returns up to t - 1); the realised
``x[t]`` enters only the probability integral transform (PIT) of day t.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from riskkit._exceptions import ConvergenceWarning, InputError
from riskkit._validation import as_generator
from riskkit.backtest.engine import Block

__all__ = ["Adapter", "BlockOutput", "CAViaRAdapter", "MeasureAdapter", "adapter_for"]

#: errors that make one block fail (recorded, the run continues)
BLOCK_ERRORS: tuple[type[BaseException], ...] = (
    InputError,
    ConvergenceWarning,
    FloatingPointError,
    ZeroDivisionError,
    OverflowError,
    np.linalg.LinAlgError,
)


@dataclass(frozen=True)
class BlockOutput:
    """Forecasts of one block (``k`` target days, ``m`` tail probabilities).

    ``loc``/``scale``/``shape`` describe a location-scale predictive distribution
    ``loc_t + scale_t * Z`` with ``Z ~ dist(*shape)`` (standardized), when the model has one.
    """

    var: np.ndarray  # (k, m)
    es: np.ndarray  # (k, m)
    params: dict[str, float] | None = None
    pit: np.ndarray | None = None  # (k,)
    loc: np.ndarray | None = None  # (k,)
    scale: np.ndarray | None = None  # (k,)
    shape: tuple[float, ...] = ()
    warm: Any = None  # passed to the next block's fit


class Adapter:
    """Base adapter: subclasses implement :meth:`forecast_block`."""

    kind = "measure"
    description = ""
    label = ""  # short name for chart titles
    #: name of the standardized predictive distribution (``riskkit.distributions.get``)
    dist: str | None = None
    #: names of its shape parameters (columns of ``BacktestResult.predictive``)
    shape_names: tuple[str, ...] = ()

    def forecast_block(
        self, x: np.ndarray, block: Block, alphas: np.ndarray, warm: Any
    ) -> BlockOutput:
        raise NotImplementedError  # pragma: no cover - abstract

    def forecast_blocks(
        self, x: np.ndarray, blocks: list[Block], alphas: np.ndarray, cold: bool = False
    ) -> list[BlockOutput | str]:
        """One output (or failure message) per block; ``cold`` disables warm starts."""
        out: list[BlockOutput | str] = []
        warm = None
        for block in blocks:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("error", ConvergenceWarning)
                    res = self.forecast_block(x, block, alphas, None if cold else warm)
            except BLOCK_ERRORS as exc:
                out.append(f"{type(exc).__name__}: {exc}")
                continue
            warm = res.warm
            out.append(res)
        return out


def empirical_pit(sample: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Empirical cdf of ``sample`` at ``values``: the share of the sample ``<= value``."""
    s = np.sort(sample)
    return np.searchsorted(s, values, side="right") / s.shape[0]


# --------------------------------------------------------------------------- measures


class MeasureAdapter(Adapter):
    """An unconditional risk measure refitted on each window and held until the next refit.

    ``historical`` also gives the empirical PIT of the window; ``normal`` and ``t`` the
    fitted location-scale predictive distribution (PIT and Acerbi-Szekely tests).
    """

    kind = "measure"

    def __init__(self, method: str, options: dict[str, Any] | None) -> None:
        from riskkit.measures._api import resolve_method

        self.method = method
        self.options = dict(options or {})
        self._fn = resolve_method(method, self.options)
        self.description = f"{method} VaR/ES" + (f" {self.options}" if self.options else "")
        self.label = method
        if method in ("normal", "t"):
            self.dist = method
            self.shape_names = ("nu",) if method == "t" else ()

    def forecast_blocks(
        self, x: np.ndarray, blocks: list[Block], alphas: np.ndarray, cold: bool = False
    ) -> list[BlockOutput | str]:
        w = blocks[0].fit_end - blocks[0].fit_start
        daily_rolling = all(
            b.target_end - b.fit_end == 1 and b.fit_end - b.fit_start == w for b in blocks
        )
        if self.method == "historical" and daily_rolling and len(blocks) > 1:
            return self._historical_daily(x, blocks, alphas)
        return super().forecast_blocks(x, blocks, alphas, cold)

    def _historical_daily(
        self, x: np.ndarray, blocks: list[Block], alphas: np.ndarray
    ) -> list[BlockOutput | str]:
        """Daily rolling refits of historical VaR/ES in one compiled rolling pass
        (:func:`riskkit.rolling`, same quantile rule) instead of one call per day."""
        from riskkit.measures.rolling import rolling

        w = blocks[0].fit_end - blocks[0].fit_start
        ends = np.array([b.fit_end for b in blocks])
        past = x[: ends[-1]]
        roll = rolling(past, w)
        rows = ends - w  # row of the window x[end - w : end] in the rolling output
        v = np.asarray(roll.var(alphas)).reshape(past.shape[0], alphas.size)[ends - 1]
        e = np.asarray(roll.es(alphas)).reshape(past.shape[0], alphas.size)[ends - 1]
        windows = np.lib.stride_tricks.sliding_window_view(past, w)[rows]
        const = windows.max(axis=1) == windows.min(axis=1)
        realised = x[ends]
        pit = np.mean(windows <= realised[:, None], axis=1)
        out: list[BlockOutput | str] = []
        for i, end in enumerate(ends):
            if const[i]:
                out.append(
                    f"InputError: the window ending at position {end - 1} is constant "
                    f"(all values {x[end - 1]!r})"
                )
            else:
                out.append(BlockOutput(var=v[i : i + 1], es=e[i : i + 1], pit=pit[i : i + 1]))
        return out

    def forecast_block(
        self, x: np.ndarray, block: Block, alphas: np.ndarray, warm: Any
    ) -> BlockOutput:
        data = x[block.fit_start : block.fit_end]
        if np.all(data == data[0]):
            raise InputError(
                f"the window ending at position {block.fit_end - 1} is constant "
                f"(all values {data[0]!r})"
            )
        k = block.target_end - block.fit_end
        realised = x[block.fit_end : block.target_end]
        if self.method == "t":
            from riskkit.measures.parametric import _t_fit_array

            fit = _t_fit_array(data)
            if not fit.converged:
                raise ConvergenceWarning(f"Student t fit did not converge ({fit})")
            v, e = fit.var_es(alphas)
            return self._location_scale(v, e, k, realised, fit.mu, fit.sigma, (fit.nu,))
        v, e = self._fn(data, alphas, **self.options)
        if self.method == "normal":
            m, s = float(np.mean(data)), float(np.std(data, ddof=1))
            return self._location_scale(v, e, k, realised, m, s, ())
        pit = empirical_pit(data, realised) if self.method == "historical" else None
        return BlockOutput(var=_hold(v, k), es=_hold(e, k), pit=pit)

    def _location_scale(
        self,
        v: np.ndarray,
        e: np.ndarray,
        k: int,
        realised: np.ndarray,
        loc: float,
        scale: float,
        shape: tuple[float, ...],
    ) -> BlockOutput:
        from riskkit import distributions as rkd

        assert self.dist is not None
        d = rkd.get(self.dist, *shape)
        return BlockOutput(
            var=_hold(v, k),
            es=_hold(e, k),
            params={"loc": loc, "scale": scale, **dict(zip(self.shape_names, shape, strict=True))},
            pit=np.asarray(d.cdf((realised - loc) / scale), dtype=np.float64),
            loc=np.full(k, loc),
            scale=np.full(k, scale),
            shape=shape,
        )


def _hold(values: Any, k: int) -> np.ndarray:
    """The same forecast on each of the ``k`` days of a block."""
    return np.repeat(np.asarray(values, dtype=np.float64)[None, :], k, axis=0)


# --------------------------------------------------------------------------- CAViaR / CARE


class CAViaRAdapter(Adapter):
    """CAViaR (VaR only) or CARE (VaR and Taylor's ES), one model per tail probability.

    The backtest's ``alpha`` replaces the model's: a CAViaR spec is refitted at each
    ``alpha`` (warm-started from the previous block's estimate), a CARE spec with
    ``alpha=a`` (tau calibrated in each window). Between refits the fitted recursion is
    filtered forward at fixed parameters. CAViaR gives no ES (NaN): the quantile
    recursion alone does not identify the tail mean.
    """

    kind = "regression"

    def __init__(self, model: Any, seed: Any) -> None:
        from riskkit.regression.care import CARE

        self.model = model
        self.is_care = isinstance(model, CARE)
        self.settings = {k: v for k, v in vars(model).items() if k not in ("alpha", "tau")}
        if self.settings.get("seed") is None:
            self.settings["seed"] = as_generator(seed)
        name = "CARE" if self.is_care else "CAViaR"
        self.description = f"{name}({model.spec!r})"
        self.label = self.description

    def check_window(self, window: int) -> None:
        init = self.settings.get("init_window", 300)
        if isinstance(init, (int, np.integer)) and init > window:
            raise InputError(
                f"window ({window}) must be at least the model's init_window ({init}); "
                "lower init_window or use a longer window"
            )

    def _spec(self, a: float) -> Any:
        cls = type(self.model)
        if self.is_care:
            return cls(**self.settings, alpha=a, tau=None)
        return cls(**self.settings, alpha=a)

    def forecast_block(
        self, x: np.ndarray, block: Block, alphas: np.ndarray, warm: Any
    ) -> BlockOutput:
        data = x[block.fit_start : block.fit_end]
        new = x[block.fit_end : block.target_end]
        k = new.shape[0]
        var = np.empty((k, alphas.size))
        es = np.full((k, alphas.size), np.nan)
        params: dict[str, float] = {}
        fitted: dict[float, np.ndarray] = {}
        for j, a in enumerate(alphas):
            spec = self._spec(float(a))
            if self.is_care:
                res = spec.fit(data)
            else:
                start = None if warm is None else warm.get(float(a))
                res = spec.fit(data, start_params=start)
            if not res.converged:
                raise ConvergenceWarning(f"{self.description} at alpha={a:g} did not converge")
            var[:, j] = np.asarray(res.filter(new), dtype=np.float64)
            if self.is_care:
                es[:, j] = res.es_factor * var[:, j]
                params[f"tau_{a:g}"] = float(res.tau)
            fitted[float(a)] = res.params.to_numpy()
            params.update({f"{n}_{a:g}": float(v) for n, v in res.params.items()})
        return BlockOutput(var=var, es=es, params=params, warm=fitted)


# --------------------------------------------------------------------------- dispatch


def adapter_for(
    model: Any, *, vol_method: str, options: dict[str, Any] | None, seed: Any
) -> Adapter:
    """Choose the adapter for ``model`` (a method name or a model spec)."""
    from riskkit.measures._api import METHODS

    if isinstance(model, str):
        if model not in METHODS:
            raise InputError(
                f"model must be a risk-measure method {tuple(METHODS)} or a model spec "
                f"(rk.GARCH(...), rk.CAViaR(...), ...); got {model!r}"
            )
        return MeasureAdapter(model, options)
    from riskkit.regression.care import CARE
    from riskkit.regression.caviar import CAViaR
    from riskkit.volatility.models import _Spec

    if isinstance(model, _Spec):
        from riskkit.backtest.adapters_vol import VolatilityAdapter

        return VolatilityAdapter(model, vol_method, options)
    if isinstance(model, (CAViaR, CARE)):
        if options:
            raise InputError(
                f"options are not used by {type(model).__name__}; set them on the model; "
                f"got {options!r}"
            )
        return CAViaRAdapter(model, seed)
    raise InputError(
        "model must be a risk-measure method name, a volatility spec (rk.GARCH(...), "
        f"rk.EWMA(...), ...), rk.CAViaR(...) or rk.CARE(...); got {type(model).__name__} "
        f"{model!r}"
    )
