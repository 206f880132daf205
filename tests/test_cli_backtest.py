"""The `riskkit backtest` command (click CliRunner) on bundled data with small windows."""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import riskkit as rk
from riskkit.backtest.engine import backtest
from riskkit.cli import main


def test_cli_backtest_writes_files_matching_library(tmp_path):
    out = tmp_path / "bt"
    res = CliRunner().invoke(
        main,
        [
            "backtest",
            "wti",
            "--model",
            "historical",
            "--alpha",
            "0.01",
            "--alpha",
            "0.05",
            "--window",
            "250",
            "--refit-every",
            "20",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "kupiec" in res.output and "Hit rates" in res.output
    for name in ("forecasts.csv", "tests.csv", "chart.png"):
        assert (out / name).stat().st_size > 0
    assert not list(out.glob(".*tmp"))  # no temporary file left behind
    got = pd.read_csv(out / "forecasts.csv", index_col=0, parse_dates=True)
    r = rk.datasets.load("wti")["return"]
    lib = backtest(r, "historical", alpha=[0.01, 0.05], window=250, refit_every=20)
    np.testing.assert_allclose(got.to_numpy(), lib.forecasts.to_numpy(), rtol=1e-12)
    tests = pd.read_csv(out / "tests.csv")
    assert {"alpha", "test", "statistic", "pvalue", "H0"} <= set(tests.columns)
    assert (out / "chart.png").read_bytes()[:4] == b"\x89PNG"


def test_cli_backtest_garch_from_csv_file(tmp_path):
    r = rk.datasets.load("sp500")["return"].iloc[-420:]
    src = tmp_path / "r.csv"
    r.rename("ret").to_frame().to_csv(src)
    out = tmp_path / "o"
    res = CliRunner().invoke(
        main,
        [
            "backtest",
            "--file",
            str(src),
            "--column",
            "ret",
            "--model",
            "garch",
            "--dist",
            "t",
            "--vol-method",
            "fhs",
            "--window",
            "400",
            "--refit-every",
            "10",
            "--out",
            str(out),
            "--no-plot",
        ],
    )
    assert res.exit_code == 0, res.output
    got = pd.read_csv(out / "forecasts.csv", index_col=0, parse_dates=True)
    assert len(got) == 20 and not (out / "chart.png").exists()
    lib = backtest(
        r, rk.GARCH(dist="t"), alpha=[0.01, 0.025], window=400, refit_every=10, vol_method="fhs"
    )
    np.testing.assert_allclose(got["var_0.01"], lib.forecasts["var_0.01"], rtol=1e-10)


def test_cli_backtest_errors(tmp_path):
    runner = CliRunner()
    res = runner.invoke(main, ["backtest", "wti", "--window", "100000", "--out", str(tmp_path)])
    assert res.exit_code != 0 and "window" in res.output
    res = runner.invoke(main, ["backtest", "--out", str(tmp_path)])
    assert res.exit_code != 0 and "DATASET" in res.output
    res = runner.invoke(main, ["backtest", "wti", "--model", "t", "--dist", "t"])
    assert res.exit_code != 0 and "--dist" in res.output


@pytest.mark.skipif(importlib.util.find_spec("pyarrow") is not None, reason="pyarrow installed")
def test_cli_backtest_parquet_without_pyarrow_is_a_clear_error(tmp_path):
    src = tmp_path / "r.parquet"
    src.write_bytes(b"PAR1")
    res = CliRunner().invoke(main, ["backtest", "--file", str(src), "--out", str(tmp_path)])
    assert res.exit_code != 0 and "pyarrow" in res.output
