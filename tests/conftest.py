"""Shared fixtures: bundled data and the real-data reference sets in ../shared/reference."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
REFERENCE_DIR = REPO.parent / "shared" / "reference"


def reference_path(name: str) -> Path:
    """Path of a reference file; skips the test (with the reason) when it is absent."""
    path = REFERENCE_DIR / name
    if not path.exists():
        pytest.skip(
            f"reference data {path} not available (the ../shared/reference folder is absent)"
        )
    return path


def load_reference_csv(name: str, **kwargs) -> pd.DataFrame:
    return pd.read_csv(reference_path(name), **kwargs)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261123)


@pytest.fixture(scope="session")
def sp500() -> pd.Series:
    import riskkit as rk

    return rk.datasets.load("sp500")["return"]


@pytest.fixture(scope="session")
def stocks() -> pd.DataFrame:
    import riskkit as rk

    return rk.datasets.load("sp500_stocks")
