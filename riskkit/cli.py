"""The ``riskkit`` command line: argument parsing and I/O only, no numerics.

Heavy modules are imported inside the commands so that ``riskkit --help``
answers without importing numba or compiling anything.
"""

from __future__ import annotations

import sys

import click

from riskkit import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="riskkit")
def main() -> None:
    """riskkit: VaR, ES, expectiles, volatility and duration models, backtests."""


@main.command()
@click.option("--verbose", "-v", is_flag=True, help="Print each kernel group as it compiles.")
@click.option(
    "--clear",
    is_flag=True,
    help="First delete the cached kernels (after editing a kernel that others import).",
)
def warmup(verbose: bool, clear: bool) -> None:
    """Compile every Numba kernel once (fills the on-disk cache)."""
    import time

    from riskkit._jit import clear_cache
    from riskkit._jit import warmup as _warmup

    if clear:
        click.echo(f"removed {clear_cache()} cached kernel files")
    start = time.perf_counter()
    n = _warmup(verbose=verbose)
    click.echo(f"compiled {n} kernel groups in {time.perf_counter() - start:.1f} s")


@main.command()
@click.argument("dataset", required=False)
@click.option(
    "--file",
    "file_",
    type=click.Path(exists=True, dir_okay=False),
    help="CSV file of returns instead of a bundled dataset (first column = index).",
)
@click.option(
    "--column",
    default=None,
    help="Column to use (default: 'return' if present, else the first column).",
)
@click.option(
    "--alpha",
    "alphas",
    type=float,
    multiple=True,
    help="Tail probability; repeat for several (default 0.01 and 0.025).",
)
@click.option(
    "--methods",
    default="historical,normal,t,cornish_fisher,evt",
    show_default=True,
    help="Comma-separated methods: historical, normal, t, skewt, cornish_fisher, evt, kernel.",
)
@click.option(
    "--csv",
    "csv_out",
    type=click.Path(dir_okay=False),
    help="Also write the table to this CSV file.",
)
def report(
    dataset: str | None,
    file_: str | None,
    column: str | None,
    alphas: tuple[float, ...],
    methods: str,
    csv_out: str | None,
) -> None:
    """VaR / ES table by method for a bundled DATASET (see `rk.datasets.list()`) or --file.

    Rows are methods plus the expectile-based VaR (EVaR, with its tau); columns are VaR, ES
    (positive losses) and tau per alpha. Example: riskkit report sp500 --alpha 0.01
    """
    from riskkit._exceptions import InputError
    from riskkit.measures.report import risk_table, sample_info

    try:
        source, column, series = _load_series(dataset, file_, column)
        table, errors = risk_table(
            series,
            list(alphas) if alphas else [0.01, 0.025],
            [m.strip() for m in methods.split(",") if m.strip()],
        )
    except InputError as exc:
        raise click.ClickException(str(exc)) from None
    info = sample_info(series)
    click.echo(f"riskkit report: {source} [{column}]")
    click.echo(
        f"{info['observations']} observations, {_day(info['first'])} to {_day(info['last'])}; "
        f"mean {info['mean']:.6g}, std {info['std']:.6g}, min {info['min']:.6g}, "
        f"max {info['max']:.6g}"
    )
    click.echo("VaR and ES are positive losses; tau is the expectile level of the EVaR row.")
    click.echo("")
    click.echo(table.to_string(float_format=lambda v: f"{v:.6f}", na_rep=""))
    for name, msg in errors.items():
        click.echo(f"note [{name}]: {msg}")
    if csv_out:
        table.to_csv(csv_out)
        click.echo(f"table written to {csv_out}")


def _day(label: object) -> str:
    """A timestamp at midnight prints as its date; anything else as is."""
    import pandas as pd

    if isinstance(label, pd.Timestamp) and label == label.normalize():
        return str(label.date())
    return str(label)


def _load_series(dataset: str | None, file_: str | None, column: str | None) -> tuple:
    """``(source, column, series)`` from a bundled dataset or a CSV/Parquet file."""
    import pandas as pd

    from riskkit._exceptions import InputError

    if (dataset is None) == (file_ is None):
        raise click.UsageError("give either a DATASET name or --file (not both)")
    if file_ is not None:
        source = str(file_)
        if source.lower().endswith((".parquet", ".pq")):
            try:
                frame = pd.read_parquet(source)
            except ImportError:
                raise click.ClickException(
                    "reading Parquet files needs pyarrow (pip install pyarrow); or give a CSV file"
                ) from None
        else:
            frame = pd.read_csv(source, index_col=0)
    else:
        from riskkit import datasets

        source = str(dataset)
        frame = datasets.load(source)
    if column is None:
        column = "return" if "return" in frame.columns else str(frame.columns[0])
    if column not in frame.columns:
        raise InputError(f"column must be one of {list(frame.columns)}; got {column!r}")
    return source, column, frame[column]


VOL_MODELS = ("garch", "gjr", "egarch", "ewma")
MEASURE_MODELS = ("historical", "normal", "t", "skewt", "cornish_fisher", "evt", "kernel")


def _model_spec(model: str, dist: str | None, window: int, seed: int | None) -> object:
    """The model argument of ``rk.backtest`` for a ``--model`` name (no numerics here)."""
    if model in MEASURE_MODELS:
        if dist is not None:
            raise click.UsageError(f"--dist applies to {VOL_MODELS}; got --model {model}")
        return model
    if model in VOL_MODELS:
        from riskkit.volatility import EGARCH, EWMA, GARCH, GJR

        cls = {"garch": GARCH, "gjr": GJR, "egarch": EGARCH, "ewma": EWMA}[model]
        return cls(dist=dist or "normal")
    from riskkit.regression.care import CARE
    from riskkit.regression.caviar import CAViaR

    if dist is not None:
        raise click.UsageError(f"--dist applies to {VOL_MODELS}; got --model {model}")
    init = min(300, window)
    if model == "caviar":
        return CAViaR("asymmetric_slope", seed=seed, init_window=init)
    return CARE("asymmetric_slope", seed=seed, init_window=init)


@main.command()
@click.argument("dataset", required=False)
@click.option(
    "--file",
    "file_",
    type=click.Path(exists=True, dir_okay=False),
    help="CSV (first column = dates) or Parquet file of returns instead of a bundled dataset.",
)
@click.option("--column", default=None, help="Column to use (default: 'return' or the first).")
@click.option(
    "--model",
    type=click.Choice([*MEASURE_MODELS, *VOL_MODELS, "caviar", "care"]),
    default="historical",
    show_default=True,
    help="Risk-measure method, volatility model, or CAViaR/CARE (asymmetric slope).",
)
@click.option(
    "--dist",
    type=click.Choice(["normal", "t", "skewt", "ged"]),
    default=None,
    help="Innovation distribution of a volatility model (default normal).",
)
@click.option(
    "--vol-method",
    type=click.Choice(["parametric", "fhs", "evt"]),
    default="parametric",
    show_default=True,
    help="VaR/ES of a volatility model: innovation law, filtered HS, or GARCH-EVT.",
)
@click.option(
    "--alpha",
    "alphas",
    type=float,
    multiple=True,
    help="Tail probability; repeat for several (default 0.01 and 0.025).",
)
@click.option("--window", type=int, default=1000, show_default=True, help="Estimation window.")
@click.option("--refit-every", type=int, default=20, show_default=True, help="Days between refits.")
@click.option(
    "--scheme",
    type=click.Choice(["rolling", "expanding"]),
    default="rolling",
    show_default=True,
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed (CAViaR/CARE, tests).")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default="riskkit-backtest",
    show_default=True,
    help="Directory for forecasts.csv, tests.csv and chart.png.",
)
@click.option("--no-plot", is_flag=True, help="Do not write the PNG chart.")
def backtest(
    dataset: str | None,
    file_: str | None,
    column: str | None,
    model: str,
    dist: str | None,
    vol_method: str,
    alphas: tuple[float, ...],
    window: int,
    refit_every: int,
    scheme: str,
    seed: int,
    out_dir: str,
    no_plot: bool,
) -> None:
    """One-step-ahead VaR/ES backtest of a model on DATASET or --file, with every test.

    Prints the test table and writes forecasts.csv, tests.csv and chart.png to --out.
    Example: riskkit backtest sp500 --model garch --dist t --window 1000 --refit-every 20
    """
    import contextlib
    import warnings
    from pathlib import Path

    import pandas as pd

    from riskkit._exceptions import InputError, RiskkitWarning
    from riskkit.backtest.engine import backtest as run_backtest
    from riskkit.backtest.result import atomic_write

    try:
        source, column, series = _load_series(dataset, file_, column)
        if file_ is not None and not isinstance(series.index, pd.DatetimeIndex):
            with contextlib.suppress(ValueError, TypeError):  # else keep the index as it is
                series.index = pd.DatetimeIndex(pd.to_datetime(series.index))
        spec = _model_spec(model, dist, window, seed)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", RiskkitWarning)
            result = run_backtest(
                series,
                spec,
                list(alphas) if alphas else [0.01, 0.025],
                window=window,
                refit_every=refit_every,
                scheme=scheme,
                vol_method=vol_method,
                seed=seed,
            )
        table = result.tests(seed=seed)
    except InputError as exc:
        raise click.ClickException(str(exc)) from None
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    click.echo(f"riskkit backtest: {source} [{column}]")
    click.echo(result.summary(table=table))
    for w in caught:
        click.echo(f"warning: {w.message}")
    result.to_csv(out / "forecasts.csv")
    atomic_write(out / "tests.csv", lambda p: table.to_csv(p, index=False))
    written = ["forecasts.csv", "tests.csv"]
    if len(result.failures):
        atomic_write(out / "failures.csv", lambda p: result.failures.to_csv(p, index=False))
        written.append("failures.csv")
    if not no_plot:
        try:
            fig = result.plot()
        except ImportError as exc:
            click.echo(f"chart skipped: {exc}")
        else:
            atomic_write(out / "chart.png", lambda p: fig.savefig(p, format="png", dpi=110))
            written.append("chart.png")
    click.echo(f"written to {out}/: {', '.join(written)}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
