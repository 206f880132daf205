"""The Python examples of docs/quickstart.md run and their assertions hold."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "quickstart.md"


def _blocks():
    if not DOC.exists():
        return []
    return re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)


@pytest.mark.parametrize("code", _blocks())
def test_quickstart_block_runs(code, capsys):
    exec(compile(code, str(DOC), "exec"), {})
