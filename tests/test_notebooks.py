"""The notebooks in notebooks/ run top to bottom (code cells executed in one namespace)."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path):
    matplotlib.use("Agg")
    cells = json.loads(path.read_text())["cells"]
    namespace: dict = {}
    code = [c for c in cells if c["cell_type"] == "code"]
    assert code, "notebook has no code"
    for cell in code:
        exec(compile("".join(cell["source"]), f"{path.name}", "exec"), namespace)
