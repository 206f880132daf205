"""Rebuild the bundled data files from the packages they come from.

Run once with skfolio and arch installed (``pip install skfolio arch``):

    python data/prepare.py

The files hold *prices* exactly as the source package ships them (no
rounding, no filling); returns are computed by ``riskkit.datasets.load``.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    import arch.data.wti
    from skfolio.datasets import load_sp500_dataset, load_sp500_index

    index = load_sp500_index().rename(columns={"SP500": "price"})
    index.index.name = "date"
    index.to_csv(HERE / "sp500.csv.gz", float_format="%.10g")

    stocks = load_sp500_dataset()
    stocks.index.name = "date"
    stocks.to_csv(HERE / "sp500_stocks.csv.gz", float_format="%.10g")

    wti = arch.data.wti.load().rename(columns={"DCOILWTICO": "price"}).dropna()
    wti.index.name = "date"
    wti.to_csv(HERE / "wti.csv.gz", float_format="%.10g")


if __name__ == "__main__":
    main()
