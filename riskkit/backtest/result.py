"""The frozen result of :func:`riskkit.backtest`: forecasts, exceptions, the test table."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from riskkit._exceptions import InputError, RiskkitWarning
from riskkit._results import TestResult
from riskkit._validation import check_probability
from riskkit.backtest.adapters import Adapter, BlockOutput
from riskkit.backtest.engine import Block

__all__ = ["BacktestResult"]

TEST_COLUMNS = [
    "alpha",
    "test",
    "name",
    "statistic",
    "pvalue",
    "H0",
    "distribution",
    "n_obs",
    "n_exceptions",
    "note",
]


def _col(kind: str, a: float) -> str:
    return f"{kind}_{a:g}"


@dataclass(frozen=True, eq=False)
class BacktestResult:
    """Outcome of a VaR/ES backtest (frozen, picklable; ``str(result)`` is the summary).

    Attributes
    ----------
    forecasts : pandas.DataFrame
        Indexed by target date (the caller's index; positions for ndarray input):
        ``return`` (realised), ``var_<alpha>`` and ``es_<alpha>`` (positive losses) made
        from the returns before that date. NaN on the days of a failed refit.
    predictive : pandas.DataFrame or None
        The predictive distribution where the model has one: ``mean`` and ``volatility``
        (location and scale), ``pit`` (the predictive cdf at the realised return) and the
        shape parameters of the standardized distribution ``dist``.
    dist : str or None
        Name of that standardized distribution (``riskkit.distributions.get``).
    params : pandas.DataFrame or None
        Parameters of each refit, indexed by the first date it forecasts.
    failures : pandas.DataFrame
        One row per failed refit: ``block``, ``fit_start``, ``fit_end`` (first and last
        date of the window), ``first_target``, ``last_target`` and ``message``.
    settings : dict
        Model description, alphas, window, refit_every, scheme, vol_method, n_refits.
    """

    forecasts: pd.DataFrame
    predictive: pd.DataFrame | None
    dist: str | None
    params: pd.DataFrame | None
    failures: pd.DataFrame
    settings: dict[str, Any]
    alphas: tuple[float, ...]
    _outputs: tuple[BlockOutput | str, ...] = field(repr=False)
    _blocks: tuple[Block, ...] = field(repr=False)
    _returns: np.ndarray = field(repr=False)
    _index: pd.Index | None = field(repr=False)
    _name: Any = field(repr=False)
    _adapter: Adapter = field(repr=False)

    # ------------------------------------------------------------------ assembly
    @classmethod
    def from_outputs(
        cls,
        outputs: list[BlockOutput | str],
        *,
        returns: np.ndarray,
        index: pd.Index | None,
        name: Any,
        alphas: np.ndarray,
        blocks: list[Block],
        settings: dict[str, Any],
        adapter: Adapter,
    ) -> BacktestResult:
        """Assemble the per-block outputs of an adapter into one result."""
        first, n = blocks[0].fit_end, returns.shape[0]
        nt, m = n - first, alphas.size
        labels = index if index is not None else pd.RangeIndex(n)
        var = np.full((nt, m), np.nan)
        es = np.full((nt, m), np.nan)
        pit, loc, scale = np.full(nt, np.nan), np.full(nt, np.nan), np.full(nt, np.nan)
        shapes = np.full((nt, len(adapter.shape_names)), np.nan)
        seen = {"pit": False, "loc": False, "scale": False}
        failures: list[dict[str, Any]] = []
        prows: list[dict[str, float]] = []
        pindex: list[Any] = []
        for b, (blk, out) in enumerate(zip(blocks, outputs, strict=True)):
            rows = slice(blk.fit_end - first, blk.target_end - first)
            if isinstance(out, str):
                failures.append(
                    {
                        "block": b,
                        "fit_start": labels[blk.fit_start],
                        "fit_end": labels[blk.fit_end - 1],
                        "first_target": labels[blk.fit_end],
                        "last_target": labels[blk.target_end - 1],
                        "message": out,
                    }
                )
                continue
            var[rows], es[rows] = out.var, out.es
            for key, arr, val in (
                ("pit", pit, out.pit),
                ("loc", loc, out.loc),
                ("scale", scale, out.scale),
            ):
                if val is not None:
                    arr[rows] = val
                    seen[key] = True
            if out.shape:
                shapes[rows] = out.shape
            if out.params is not None:
                prows.append(out.params)
                pindex.append(labels[blk.fit_end])
        tidx = labels[first:]
        if isinstance(tidx, pd.Index):
            tidx = tidx.copy()
        data: dict[str, Any] = {"return": returns[first:]}
        for j, a in enumerate(alphas):
            data[_col("var", a)] = var[:, j]
        for j, a in enumerate(alphas):
            data[_col("es", a)] = es[:, j]
        forecasts = pd.DataFrame(data, index=tidx)
        pred: dict[str, Any] = {}
        if seen["loc"]:
            pred["mean"] = loc
        if seen["scale"]:
            pred["volatility"] = scale
        if seen["pit"]:
            pred["pit"] = pit
        for j, s in enumerate(adapter.shape_names):
            pred[s] = shapes[:, j]
        predictive = pd.DataFrame(pred, index=tidx.copy()) if pred else None
        params = None
        if prows:
            params = pd.DataFrame(prows, index=pd.Index(pindex, name="first_target"))
        fail_df = pd.DataFrame(
            failures,
            columns=["block", "fit_start", "fit_end", "first_target", "last_target", "message"],
        )
        return cls(
            forecasts=forecasts,
            predictive=predictive,
            dist=adapter.dist if seen["loc"] else None,
            params=params,
            failures=fail_df,
            settings=dict(settings),
            alphas=tuple(float(a) for a in alphas),
            _outputs=tuple(outputs),
            _blocks=tuple(blocks),
            _returns=returns,
            _index=index,
            _name=name,
            _adapter=adapter,
        )

    def warn_failures(self) -> None:
        """Warn (once) when some refits failed; they are listed in :attr:`failures`."""
        k = len(self.failures)
        if k:
            warnings.warn(
                f"backtest: {k} of {len(self._blocks)} refits failed (forecasts NaN on their "
                f"days); first: {self.failures['message'].iloc[0]!r}. See result.failures; "
                "result.resume() refits them from a cold start",
                RiskkitWarning,
                stacklevel=3,
            )

    def resume(self) -> BacktestResult:
        """Refit only the failed blocks (cold start, no warm start) and return a new result."""
        bad = [i for i, o in enumerate(self._outputs) if isinstance(o, str)]
        outputs = list(self._outputs)
        if bad:
            alphas = np.asarray(self.alphas)
            new = self._adapter.forecast_blocks(
                self._returns, [self._blocks[i] for i in bad], alphas, cold=True
            )
            for i, o in zip(bad, new, strict=True):
                outputs[i] = o
        res = BacktestResult.from_outputs(
            outputs,
            returns=self._returns,
            index=self._index,
            name=self._name,
            alphas=np.asarray(self.alphas),
            blocks=list(self._blocks),
            settings=self.settings,
            adapter=self._adapter,
        )
        res.warn_failures()
        return res

    # ------------------------------------------------------------------ views
    def _alphas(self, alpha: Any) -> list[float]:
        if alpha is None:
            return list(self.alphas)
        levels = [check_probability(a, "alpha") for a in np.atleast_1d(alpha)]
        for a in levels:
            if a not in self.alphas:
                raise InputError(f"alpha must be one of the backtested {self.alphas}; got {a!r}")
        return levels

    @property
    def exceptions(self) -> pd.DataFrame:
        """Exception indicators ``-r_t > VaR_t`` (strict), one nullable-boolean column per
        alpha; ``<NA>`` on days without a forecast."""
        r = self.forecasts["return"].to_numpy()
        out = {}
        for a in self.alphas:
            v = self.forecasts[_col("var", a)].to_numpy()
            arr = pd.array(-r > v, dtype="boolean")
            arr[np.isnan(v)] = pd.NA
            out[a] = arr
        frame = pd.DataFrame(out, index=self.forecasts.index.copy())
        frame.columns.name = "alpha"
        return frame

    def hit_rates(self) -> pd.DataFrame:
        """Per alpha: days with a forecast, exceptions, expected exceptions and the hit rate."""
        exc = self.exceptions
        rows = []
        for a in self.alphas:
            n = int(exc[a].notna().sum())
            x = int(exc[a].sum())
            rows.append(
                {
                    "n_obs": n,
                    "n_exceptions": x,
                    "expected": n * a,
                    "hit_rate": x / n if n else np.nan,
                }
            )
        return pd.DataFrame(rows, index=pd.Index(self.alphas, name="alpha"))

    # ------------------------------------------------------------------ tests
    def tests(self, alpha: Any = None, *, seed: Any = 0) -> pd.DataFrame:
        """Run every applicable backtest; one tidy row per (alpha, test).

        Coverage and independence: Kupiec POF, TUFF, exact binomial, Christoffersen
        independence and conditional coverage, Haas mixed TBF, Christoffersen-Pelletier
        duration, Engle-Manganelli DQ, Basel traffic light (on the whole sample; its zone
        in ``note``). ES: McNeil-Frey (standardized by the forecast volatility when known)
        when ES forecasts exist; Du-Escanciano unconditional and conditional when the
        model gives PIT values; Acerbi-Szekely Z1 and Z2 when it gives a location-scale
        predictive distribution. Days without a forecast are dropped
        (``nan_policy="omit"``). A test that cannot run on these data gets a row with NaN
        and the reason in ``note``.

        Parameters
        ----------
        alpha : float or list, optional
            Subset of the backtested alphas (default all).
        seed : int, Generator or None, default 0
            Seed of the bootstrap/simulated p-values (McNeil-Frey, Acerbi-Szekely),
            fixed by default so that the table is reproducible.
        """
        rows: list[dict[str, Any]] = []
        for a in self._alphas(alpha):
            rows += self._alpha_rows(a, seed)
        return pd.DataFrame(rows, columns=TEST_COLUMNS)

    def _alpha_rows(self, a: float, seed: Any) -> list[dict[str, Any]]:
        from riskkit.backtest.tests import (
            binomial,
            christoffersen,
            christoffersen_pelletier,
            dq,
            haas,
            kupiec,
            traffic_light,
            tuff,
        )

        r = self.forecasts["return"]
        v = self.forecasts[_col("var", a)]
        e = self.forecasts[_col("es", a)]
        ok = v.notna()
        n, x = int(ok.sum()), int((-r[ok] > v[ok]).sum())
        base = {"alpha": a, "n_obs": n, "n_exceptions": x}
        if n == 0:
            return [{**base, "test": "all", "note": "no forecast (every refit failed)"}]
        runs: list[tuple[str, Any]] = [
            ("kupiec", lambda: kupiec(r, v, a, nan_policy="omit")),
            ("tuff", lambda: tuff(r, v, a, nan_policy="omit")),
            ("binomial", lambda: binomial(r, v, a, nan_policy="omit")),
            ("christoffersen_ind", lambda: christoffersen(r, v, a, test="ind", nan_policy="omit")),
            ("christoffersen_cc", lambda: christoffersen(r, v, a, test="cc", nan_policy="omit")),
            ("haas_tbf", lambda: haas(r, v, a, nan_policy="omit")),
            (
                "christoffersen_pelletier",
                lambda: christoffersen_pelletier(r, v, a, nan_policy="omit"),
            ),
            ("dq", lambda: dq(r, v, a, nan_policy="omit")),
            ("traffic_light", lambda: traffic_light(n, x, a)),
        ]
        runs += self._es_runs(a, r, v, e, self.predictive, seed)
        return [{**base, **_row(label, fn)} for label, fn in runs]

    def _es_runs(
        self,
        a: float,
        r: pd.Series,
        v: pd.Series,
        e: pd.Series,
        pred: pd.DataFrame | None,
        seed: Any,
    ) -> list[tuple[str, Any]]:
        from riskkit.backtest.es_tests import du_escanciano, mcneil_frey

        runs: list[tuple[str, Any]] = []
        if e.notna().any():
            scale = pred["volatility"] if pred is not None and "volatility" in pred else None
            runs.append(
                (
                    "mcneil_frey",
                    lambda: mcneil_frey(r, v, e, scale=scale, seed=seed, nan_policy="omit"),
                )
            )
        if pred is not None and "pit" in pred:
            u = pred["pit"]
            runs.append(("du_escanciano_u", lambda: du_escanciano(u, a, nan_policy="omit")))
            runs.append(
                (
                    "du_escanciano_c",
                    lambda: du_escanciano(u, a, test="conditional", nan_policy="omit"),
                )
            )
        if pred is not None and self.dist is not None and e.notna().any():
            for t in ("z1", "z2"):
                runs.append((f"acerbi_szekely_{t}", lambda t=t: self._acerbi(a, t, r, v, e, seed)))
        return runs

    def _acerbi(
        self, a: float, test: str, r: pd.Series, v: pd.Series, e: pd.Series, seed: Any
    ) -> TestResult:
        from riskkit import distributions as rkd
        from riskkit.backtest.es_tests import acerbi_szekely

        pred = self.predictive
        assert pred is not None and self.dist is not None
        shape_names = list(self._adapter.shape_names)
        keep = (r.notna() & v.notna() & e.notna() & pred["mean"].notna()).to_numpy()
        rr, vv, ee = r[keep], v[keep], e[keep]
        loc = pred["mean"].to_numpy()[keep]
        scale = pred["volatility"].to_numpy()[keep]
        if not shape_names:
            return acerbi_szekely(
                rr, vv, ee, a, test=test, dist=self.dist, loc=loc, scale=scale, seed=seed
            )
        shapes = pred[shape_names].to_numpy()[keep]
        uniq, inverse = np.unique(shapes, axis=0, return_inverse=True)
        groups = [(tuple(uniq[g]), np.flatnonzero(inverse.ravel() == g)) for g in range(len(uniq))]
        dist_name = self.dist

        def sampler(rng: np.random.Generator, n_sim: int) -> np.ndarray:
            out = np.empty((n_sim, loc.size))
            for sh, idx in groups:
                z = rkd.get(dist_name, *sh).rvs(size=(n_sim, idx.size), seed=rng)
                out[:, idx] = loc[idx] + scale[idx] * z
            return out

        return acerbi_szekely(rr, vv, ee, a, test=test, sampler=sampler, seed=seed)

    # ------------------------------------------------------------------ output
    def summary(self, *, seed: Any = 0, table: pd.DataFrame | None = None) -> str:
        """Settings, hit rates, failures and the test table as text.

        ``table`` is a table already computed by :meth:`tests` (else it is computed
        with ``seed``).
        """
        s = self.settings
        lines = [
            f"Backtest: {s['model']}",
            f"scheme={s['scheme']}, window={s['window']}, refit_every={s['refit_every']}, "
            f"refits={s['n_refits']}"
            + (f", vol_method={s['vol_method']}" if s.get("vol_method") else ""),
        ]
        idx = self.forecasts.index
        lines.append(f"forecast days: {len(idx)} ({idx[0]} to {idx[-1]})")
        if len(self.failures):
            lines.append(f"failed refits: {len(self.failures)} (see .failures)")
        lines += ["", "Hit rates (exception: -r_t > VaR_t)"]
        lines.append(self.hit_rates().to_string(float_format=lambda f: f"{f:.4f}"))
        if table is None:
            table = self.tests(seed=seed)
        shown = table[["alpha", "test", "statistic", "pvalue", "note"]].copy()
        shown["note"] = shown["note"].fillna("")
        lines += ["", "Tests (p-values; H0 per test in .tests())"]
        lines.append(shown.to_string(index=False, float_format=lambda f: f"{f:.4g}", na_rep="nan"))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        s = self.settings
        return (
            f"<BacktestResult {s['model']}: {len(self.forecasts)} days, alphas {list(self.alphas)}, "
            f"{len(self.failures)} failed refits>"
        )

    def to_csv(self, path: Any) -> Path:
        """Write :attr:`forecasts` to ``path`` atomically (temporary file, then rename)."""
        return atomic_write(path, self.forecasts.to_csv)

    def plot(self, alpha: Any = None, ax: Any = None) -> Any:
        """Returns with the ``-VaR`` and ``-ES`` forecasts and the exceptions marked.

        Parameters
        ----------
        alpha : float, optional
            One of the backtested alphas (default the first).
        ax : matplotlib Axes, optional
            Axes to draw on (default a new Figure, created without pyplot).

        Returns
        -------
        matplotlib.figure.Figure
        """
        try:
            from matplotlib.figure import Figure
        except ImportError:  # pragma: no cover - optional extra
            raise ImportError("plot() needs matplotlib: pip install 'riskkit[plot]'") from None
        a = self._alphas(self.alphas[0] if alpha is None else alpha)[0]
        if ax is None:
            fig = Figure(figsize=(10, 4.5))
            ax = fig.add_subplot()
        else:
            fig = ax.figure
        f = self.forecasts
        x = f.index
        ax.plot(x, f["return"], lw=0.6, color="0.55", label="return")
        ax.plot(x, -f[_col("var", a)], lw=1.0, color="tab:blue", label=f"-VaR ({a:g})")
        if f[_col("es", a)].notna().any():
            ax.plot(x, -f[_col("es", a)], lw=1.0, color="tab:orange", label=f"-ES ({a:g})")
        hit = self.exceptions[a].fillna(False).to_numpy(dtype=bool)
        ax.scatter(
            x[hit],
            f["return"].to_numpy()[hit],
            s=14,
            color="tab:red",
            zorder=3,
            label=f"exceptions ({int(hit.sum())})",
        )
        ax.axhline(0.0, lw=0.5, color="0.3")
        s = self.settings
        ax.set_title(
            f"{self._adapter.label or 'backtest'}: {s['scheme']} window {s['window']}, "
            f"refit every {s['refit_every']}, alpha {a:g}"
        )
        ax.legend(loc="lower left", fontsize="small")
        return fig


def atomic_write(path: Any, write: Callable[[str], Any]) -> Path:
    """Call ``write(tmp)`` on a temporary path beside ``path``, then rename it onto ``path``.

    A reader never sees a half-written file, and an interrupted batch leaves either the
    finished file or none (DESIGN.md section 5).
    """
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        write(str(tmp))
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def _row(label: str, fn: Any) -> dict[str, Any]:
    try:
        with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
            warnings.simplefilter("ignore", RiskkitWarning)
            res: TestResult = fn()
    except (InputError, np.linalg.LinAlgError, FloatingPointError) as exc:
        return {
            "test": label,
            "statistic": np.nan,
            "pvalue": np.nan,
            "note": f"not run: {type(exc).__name__}: {exc}",
        }
    note = res.details.get("zone") if isinstance(res.details, dict) else None
    return {
        "test": label,
        "name": res.name,
        "statistic": float(res.statistic),
        "pvalue": float(res.pvalue),
        "H0": res.null,
        "distribution": res.distribution,
        "note": note,
    }
