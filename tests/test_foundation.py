"""Package-level contracts: lazy import, datasets, validation helpers, jit shim."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import riskkit as rk
from riskkit._pandas import rewrap_like, rewrap_per_column, rewrap_per_level, unwrap
from riskkit._validation import check_finite, check_index, check_levels, clean_column


def test_import_compiles_nothing_and_does_not_import_numba():
    code = "import sys, riskkit; assert 'numba' not in sys.modules, 'numba imported'; print('ok')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_version_and_errors():
    assert isinstance(rk.__version__, str)
    assert issubclass(rk.InputError, ValueError)
    with pytest.raises(AttributeError):
        rk.no_such_thing


@pytest.mark.parametrize("name", ["sp500", "sp500_stocks", "wti"])
def test_datasets_load(name):
    df = rk.datasets.load(name)
    assert isinstance(df.index, pd.DatetimeIndex)
    assert df.index.is_monotonic_increasing and not df.index.has_duplicates
    assert np.isfinite(df.to_numpy()).all()
    assert len(df) > 5000
    assert name in rk.datasets.list()
    # a fresh copy each time
    df.iloc[0, 0] = 123.0
    assert rk.datasets.load(name).iloc[0, 0] != 123.0


def test_dataset_shapes_and_crisis_period():
    sp = rk.datasets.load("sp500")
    assert list(sp.columns) == ["price", "return"]
    # the 2008 crisis is inside: 15 Oct 2008 was a -9% day
    assert sp.loc["2008-10-15", "return"] < -0.08
    assert rk.datasets.load("sp500_stocks").shape[1] >= 20
    with pytest.raises(rk.InputError, match="name must be one of"):
        rk.datasets.load("nope")


def test_unwrap_kinds_and_rewrap():
    s = pd.Series([1.0, 2.0, 3.0], index=pd.date_range("2020", periods=3), name="r")
    v, m = unwrap(s)
    assert v.shape == (3, 1) and v.flags.c_contiguous and m.kind == "series"
    assert rewrap_per_column(m, np.array([5.0])) == 5.0
    out = rewrap_like(m, v * 2)
    assert out.index.equals(s.index) and out.name == "r"
    lev = rewrap_per_level(m, np.array([[1.0], [2.0]]), [0.01, 0.05], "alpha")
    assert list(lev.index) == [0.01, 0.05]
    df = pd.DataFrame({"a": [1.0, 2.0], "b": [3, 4]})
    v, m = unwrap(df)
    res = rewrap_per_column(m, np.array([1.0, 2.0]))
    assert list(res.index) == ["a", "b"]
    v, m = unwrap(np.arange(4.0))
    assert isinstance(rewrap_like(m, v), np.ndarray)


@pytest.mark.parametrize(
    "bad, match",
    [
        (pd.Series(["a", "b"]), "real numbers"),
        (pd.Series([True, False]), "real numbers"),
        ([], "empty"),
        (np.zeros((2, 2, 2)), "1- or 2-dimensional"),
        ("abc", "must be an array"),
        (3.0, "must be an array"),
    ],
)
def test_unwrap_rejects(bad, match):
    with pytest.raises(rk.InputError, match=match):
        unwrap(bad, "returns")


def test_check_levels():
    lv, scalar = check_levels(0.01)
    assert scalar and lv.tolist() == [0.01]
    lv, scalar = check_levels([0.01, 0.05])
    assert not scalar and lv.tolist() == [0.01, 0.05]
    for bad in (0, 1, -0.1, 1.5, np.nan, "x", True, [0.01, 0.01], []):
        with pytest.raises(rk.InputError, match="alpha"):
            check_levels(bad)


def test_check_finite_names_position():
    idx = pd.date_range("2020-01-01", periods=3)
    with pytest.raises(
        rk.InputError, match=r"returns contains NaN at position 1 \(index Timestamp"
    ):
        check_finite(np.array([1.0, np.nan, 2.0]), "returns", index=idx)
    assert check_finite(np.array([1.0, np.nan, 2.0]), "returns", "omit").tolist() == [1.0, 2.0]
    with pytest.raises(rk.InputError, match="infinite"):
        check_finite(np.array([1.0, np.inf]), "returns", "omit")
    with pytest.raises(rk.InputError, match="constant"):
        clean_column(np.ones(10), "returns", "raise", 2)
    with pytest.raises(rk.InputError, match="at least 5"):
        clean_column(np.arange(3.0), "returns", "raise", 5)


def test_check_index():
    with pytest.raises(rk.InputError, match="duplicated"):
        check_index(pd.Index([1, 1, 2]), "returns")
    with pytest.raises(rk.InputError, match="not sorted"):
        check_index(pd.Index([1, 3, 2]), "returns")


def test_cli_help_is_fast_and_lists_commands():
    out = subprocess.run(
        [sys.executable, "-m", "riskkit.cli", "--help"], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert "warmup" in out.stdout


def test_warmup_compiles_registered_kernels():
    n = rk.warmup()
    assert n >= 1
    from riskkit._jit import JIT_DISABLED, kernel_modules
    from riskkit._kernels.distributions import std_logpdf_array

    assert "riskkit._kernels.garch" in kernel_modules()
    if not JIT_DISABLED:
        assert len(std_logpdf_array.signatures) >= 1


def test_every_public_name_resolves():
    # rk.backtest is wired by the engine; every other name in __all__ must import
    for name in rk.__all__:
        assert getattr(rk, name) is not None, name
    assert rk.tests.kupiec is not None


def test_unwritable_cache_degrades_to_no_cache_with_one_warning(monkeypatch):
    import numba

    import riskkit._jit as rj
    from riskkit._exceptions import CacheWarning

    if rj.JIT_DISABLED:
        pytest.skip("jit disabled")
    real = numba.jit

    def fake_jit(*args, cache=False, **kw):
        if cache:
            raise RuntimeError("cannot cache function 'f': no locator available for file")
        return real(*args, cache=False, **kw)

    monkeypatch.setattr(numba, "jit", fake_jit)
    monkeypatch.setattr(rj, "_cache_warned", False)

    def add_one(x):
        return x + 1.0

    def add_two(x):
        return x + 2.0

    with pytest.warns(CacheWarning, match="not writable"):
        f = rj.jit(add_one)
    assert f(1.0) == 2.0
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = rj.jit(add_two)  # warned once only
    assert g(1.0) == 3.0


def test_disable_jit_runs_plain_python():
    code = (
        "import riskkit._kernels.distributions as k, numpy as np; "
        "assert not hasattr(k.std_logpdf_array, 'signatures'); "
        "print(round(float(k.std_logpdf_array(np.zeros(1), 0, 0.0, 0.0)[0]), 6))"
    )
    env = {**__import__("os").environ, "RISKKIT_DISABLE_JIT": "1"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "-0.918939"


def test_readme_front_door_matches_ci():
    """The README's first code block is what CI runs: install, test, main job."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text()
    block = readme.split("```bash", 1)[1].split("```", 1)[0]
    commands = [line.split("#", 1)[0].strip() for line in block.strip().splitlines()]
    assert len(commands) == 3, commands
    install, test, main_job = commands
    ci = (root / ".ci" / "run").read_text()
    assert f"python -m pip install {install.split('install ', 1)[1]}" in ci
    assert any(line.split("#", 1)[0].strip() == test for line in ci.splitlines())
    assert main_job.startswith("riskkit backtest sp500")


def test_jit_refuses_fastmath_flags_that_break_nan_checks():
    from riskkit._jit import jit

    with pytest.raises(ValueError, match="fastmath"):
        jit(fastmath=True)
    with pytest.raises(ValueError, match="fastmath"):
        jit(fastmath={"reassoc", "nnan"})
    assert callable(jit(fastmath={"reassoc"}))


def test_clear_cache_removes_only_kernel_cache_files(tmp_path, monkeypatch):
    import types

    from riskkit import _jit

    if _jit.JIT_DISABLED:
        assert _jit.clear_cache() == 0
        return
    # a stand-in kernel module whose dispatcher caches into tmp_path (the real caches
    # of the test session are left alone)
    module = types.ModuleType("fakekern")
    module.kernel = types.SimpleNamespace(_cache=types.SimpleNamespace(_cache_path=str(tmp_path)))
    monkeypatch.setitem(sys.modules, "fakekern", module)
    monkeypatch.setattr(_jit, "kernel_modules", lambda: ["fakekern"])
    for name in ["fakekern.kernel-3.py311.nbi", "fakekern.kernel-3.py311.1.nbc", "other.f-1.nbi"]:
        (tmp_path / name).write_text("x")
    assert _jit.clear_cache() == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.f-1.nbi"]


def test_readme_python_example_runs(capsys):
    """The README's Python example runs as written."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    code = readme.split("```python", 1)[1].split("```", 1)[0]
    exec(compile(code, "README.md", "exec"), {})
    assert "kupiec" in capsys.readouterr().out
