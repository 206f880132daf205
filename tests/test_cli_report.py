"""The `riskkit report` command (click CliRunner)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import riskkit as rk
from riskkit.cli import main


def test_report_bundled_dataset_numbers_match_library(tmp_path):
    out_csv = tmp_path / "table.csv"
    result = CliRunner().invoke(
        main,
        [
            "report",
            "sp500",
            "--alpha",
            "0.01",
            "--alpha",
            "0.05",
            "--methods",
            "historical,normal,kernel",
            "--csv",
            str(out_csv),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "8312 observations" in result.output
    for row in ("historical", "normal", "kernel", "evar (expectile)"):
        assert row in result.output
    table = pd.read_csv(out_csv, index_col=0)
    r = rk.datasets.load("sp500")["return"]
    assert table.loc["historical", "VaR 0.01"] == pytest.approx(rk.var(r, 0.01), rel=1e-12)
    assert table.loc["normal", "ES 0.05"] == pytest.approx(rk.es(r, 0.05, method="normal"))
    ev = rk.evar(r, 0.05, return_tau=True)
    assert table.loc["evar (expectile)", "tau 0.05"] == pytest.approx(ev.tau, rel=1e-12)
    assert np.isnan(table.loc["historical", "tau 0.01"])
    assert f"{rk.var(r, 0.01):.6f}" in result.output


def test_report_file_and_column(tmp_path):
    rng = np.random.default_rng(3)
    path = tmp_path / "r.csv"
    pd.DataFrame(
        {"a": rng.standard_normal(300), "b": 0.01 * rng.standard_t(4, 300)},
        index=pd.date_range("2020-01-01", periods=300, name="date"),
    ).to_csv(path)
    result = CliRunner().invoke(
        main, ["report", "--file", str(path), "--column", "b", "--methods", "historical"]
    )
    assert result.exit_code == 0, result.output
    assert "300 observations" in result.output and "[b]" in result.output
    b = pd.read_csv(path, index_col=0)["b"]
    assert f"{rk.es(b, 0.025):.6f}" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report"], "either a DATASET"),
        (["report", "nosuch"], "name must be one of"),
        (["report", "sp500", "--methods", "garch"], "methods must be one of"),
        (["report", "sp500", "--alpha", "1.5"], "alpha"),
        (["report", "sp500", "--column", "volume"], "column must be one of"),
    ],
)
def test_report_errors(args, message):
    result = CliRunner().invoke(main, args)
    assert result.exit_code != 0
    assert message in result.output


def test_method_failure_is_reported_not_fatal(tmp_path):
    path = tmp_path / "short.csv"
    pd.DataFrame({"r": np.random.default_rng(0).standard_normal(30)}).to_csv(path)
    result = CliRunner().invoke(
        main, ["report", "--file", str(path), "--methods", "historical,evt", "--alpha", "0.001"]
    )
    assert result.exit_code == 0, result.output
    assert "note [evt]" in result.output


def test_help_does_not_import_numba():
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from riskkit.cli import main\n"
        "r = CliRunner().invoke(main, ['report', '--help'])\n"
        "assert r.exit_code == 0 and '--alpha' in r.output, r.output\n"
        "assert 'numba' not in sys.modules\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
