"""The ``.risk`` accessor on pandas Series and DataFrame.

Sugar over the public functions, with no logic of its own::

    r.risk.var(alpha=0.01)            # == rk.var(r, alpha=0.01)
    df.risk.rolling(250).es(0.025)    # == rk.rolling(df, 250).es(0.025)
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["RiskAccessor"]


class RiskAccessor:
    """Risk measures of the Series or DataFrame it is attached to."""

    def __init__(self, obj: pd.Series | pd.DataFrame) -> None:
        self._obj = obj

    def var(self, alpha: Any = 0.01, method: str = "historical", **options: Any) -> Any:
        from riskkit.measures import var

        return var(self._obj, alpha=alpha, method=method, **options)

    def es(self, alpha: Any = 0.01, method: str = "historical", **options: Any) -> Any:
        from riskkit.measures import es

        return es(self._obj, alpha=alpha, method=method, **options)

    def expectile(self, tau: Any = 0.05, **options: Any) -> Any:
        from riskkit.measures import expectile

        return expectile(self._obj, tau=tau, **options)

    def evar(self, alpha: Any = 0.01, **options: Any) -> Any:
        from riskkit.measures import evar

        return evar(self._obj, alpha=alpha, **options)

    def rolling(
        self,
        window: int,
        min_periods: int | None = None,
        *,
        nan_policy: str = "raise",
        n_jobs: int | None = None,
    ) -> Any:
        from riskkit.measures import rolling

        return rolling(
            self._obj, window=window, min_periods=min_periods, nan_policy=nan_policy, n_jobs=n_jobs
        )


pd.api.extensions.register_series_accessor("risk")(RiskAccessor)
pd.api.extensions.register_dataframe_accessor("risk")(RiskAccessor)
