"""Run the head-to-head benchmarks: ``python benchmarks/run.py [area ...]``.

Each ``bench_<area>.py`` runs riskkit and its peer (arch, statsmodels, scipy, pandas) in one
process on the same data and prints a markdown table of times and ratios. With no argument
every area runs (several minutes on a 2-core machine). The figures recorded in
``docs/performance.md`` come from these scripts.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def areas() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))


def run(area: str) -> None:
    path = HERE / f"bench_{area}.py"
    spec = importlib.util.spec_from_file_location(f"bench_{area}", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"no benchmark named {area!r}; choose from {areas()}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    print(f"\n## {area}\n", flush=True)
    start = time.perf_counter()
    module.main()
    print(f"\n({area}: {time.perf_counter() - start:.0f} s)", flush=True)


def main(argv: list[str]) -> None:
    chosen = argv or areas()
    unknown = sorted(set(chosen) - set(areas()))
    if unknown:
        raise SystemExit(f"unknown benchmark(s) {unknown}; choose from {areas()}")
    for area in chosen:
        run(area)


if __name__ == "__main__":
    main(sys.argv[1:])
