"""Small result containers shared across modules (statistical test results)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

__all__ = ["TestResult"]


@dataclass(frozen=True)
class TestResult:
    """Outcome of a statistical test.

    Attributes
    ----------
    name : str
        Short name of the test (``"Kupiec POF"``).
    statistic : float
        Value of the test statistic.
    pvalue : float
        p-value (computed with survival functions, not ``1 - cdf``).
    null : str
        The null hypothesis in words.
    distribution : str
        Reference distribution of the statistic (``"chi2(1)"``, ``"bootstrap"``, ...).
    details : dict
        The counts and intermediate quantities behind the statistic.
    """

    __test__ = False  # not a pytest test class

    name: str
    statistic: float
    pvalue: float
    null: str
    distribution: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def reject(self, level: float = 0.05) -> bool:
        """True when the p-value is below ``level``."""
        return bool(self.pvalue < level)

    def __str__(self) -> str:
        p = "nan" if math.isnan(self.pvalue) else f"{self.pvalue:.4g}"
        lines = [
            f"{self.name}",
            f"H0: {self.null}",
            f"statistic: {self.statistic:.6g}"
            + (f"  ~ {self.distribution}" if self.distribution else ""),
            f"p-value: {p}",
        ]
        if self.details:
            lines.append("details: " + ", ".join(f"{k}={_fmt(v)}" for k, v in self.details.items()))
        return "\n".join(lines)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:  # IPython
        p.text(str(self))


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    return repr(v)
