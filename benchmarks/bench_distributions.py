"""Head-to-head: riskkit distributions and parametric fits vs scipy and arch.

Run: ``python benchmarks/bench_distributions.py``. All timings are best-of-N wall times
(time.perf_counter) on the same data in one process, after a warm-up call; the first-call
(compile) time of the Numba log-density kernel is reported separately.
"""

from __future__ import annotations

import gc
import math
import time
import warnings
from collections.abc import Callable

import numpy as np
import scipy.stats as st


def best_of(fn: Callable[[], object], repeat: int = 15, number: int = 1) -> float:
    """Best-of-``repeat`` mean time of ``number`` calls, garbage collector off (as timeit)."""
    fn()  # warm-up
    gc.collect()
    gc.disable()
    try:
        best = math.inf
        for _ in range(repeat):
            t0 = time.perf_counter()
            for _ in range(number):
                fn()
            best = min(best, (time.perf_counter() - t0) / number)
    finally:
        gc.enable()
    return best


def _fmt(t: float) -> str:
    if t < 1e-3:
        return f"{t * 1e6:.1f} µs"
    if t < 1.0:
        return f"{t * 1e3:.2f} ms"
    return f"{t:.2f} s"


def main() -> None:
    from arch import arch_model
    from arch.univariate import SkewStudent

    import riskkit.distributions as D
    from riskkit.measures.evt import fit_gpd
    from riskkit.measures.parametric import fit_skewt, fit_t

    warnings.simplefilter("ignore")
    rng = np.random.default_rng(0)
    x_t = 0.01 * rng.standard_t(5, 2500)
    x_sk = 0.01 * D.SkewT(5.0, -0.3).rvs(2500, seed=1)
    exc = st.genpareto.rvs(0.25, scale=1.0, size=250, random_state=rng)
    z = rng.standard_normal(100_000)
    p = rng.uniform(1e-4, 1 - 1e-4, 100_000)

    rows: list[tuple[str, str, float, float]] = []

    # -- compile time of the numba kernel (first call), reported separately; a full
    # collection afterwards so that the compiler's garbage does not land in the timings
    from riskkit._kernels import distributions as K

    t0 = time.perf_counter()
    K.std_logpdf_array(z[:5], 2, 5.0, -0.3)
    compile_s = time.perf_counter() - t0
    gc.collect()

    # -- fits
    rows.append(
        (
            "Student t ML fit, n=2500",
            "scipy.stats.t.fit",
            best_of(lambda: fit_t(x_t)),
            best_of(lambda: st.t.fit(x_t), repeat=5),
        )
    )
    rows.append(
        (
            "Student t ML fit, n=2500",
            "arch ConstantVariance(dist='t')",
            best_of(lambda: fit_t(x_t)),
            best_of(
                lambda: arch_model(100 * x_t, vol="Constant", dist="t").fit(disp="off"), repeat=5
            ),
        )
    )
    rows.append(
        (
            "Hansen skew-t ML fit, n=2500",
            "arch ConstantVariance(dist='skewt')",
            best_of(lambda: fit_skewt(x_sk)),
            best_of(
                lambda: arch_model(100 * x_sk, vol="Constant", dist="skewt").fit(disp="off"),
                repeat=5,
            ),
        )
    )
    rows.append(
        (
            "GPD ML fit, 250 exceedances",
            "scipy.stats.genpareto.fit(floc=0)",
            best_of(lambda: fit_gpd(exc)),
            best_of(lambda: st.genpareto.fit(exc, floc=0), repeat=5),
        )
    )

    # -- vectorised distribution functions, 1e5 points
    sk = D.SkewT(5.0, -0.3)
    ref_sk = SkewStudent()
    rows.append(
        (
            "skew-t ppf, 1e5 points",
            "arch SkewStudent.ppf",
            best_of(lambda: sk.ppf(p)),
            best_of(lambda: ref_sk.ppf(p, [5.0, -0.3])),
        )
    )
    rows.append(
        (
            "skew-t cdf, 1e5 points",
            "arch SkewStudent.cdf",
            best_of(lambda: sk.cdf(z)),
            best_of(lambda: ref_sk.cdf(z, [5.0, -0.3])),
        )
    )
    t5 = D.StudentT(5.0)
    ref_t = st.t(df=5.0, scale=math.sqrt(3.0 / 5.0))
    rows.append(
        (
            "standardized t cdf, 1e5 points",
            "scipy.stats.t.cdf",
            best_of(lambda: t5.cdf(z)),
            best_of(lambda: ref_t.cdf(z)),
        )
    )
    rows.append(
        (
            "standardized t logpdf, 1e5 points",
            "scipy.stats.t.logpdf",
            best_of(lambda: t5.logpdf(z)),
            best_of(lambda: ref_t.logpdf(z)),
        )
    )
    rows.append(
        (
            "skew-t logpdf (numba kernel), 1e5 points",
            "SkewT.logpdf (numpy)",
            best_of(lambda: K.std_logpdf_array(z, 2, 5.0, -0.3)),
            best_of(lambda: sk.logpdf(z)),
        )
    )
    g = D.GED(1.3)
    ref_g = st.gennorm(1.3, scale=math.sqrt(math.gamma(1 / 1.3) / math.gamma(3 / 1.3)))
    rows.append(
        (
            "GED ppf, 1e5 points",
            "scipy.stats.gennorm.ppf",
            best_of(lambda: g.ppf(p)),
            best_of(lambda: ref_g.ppf(p)),
        )
    )
    a = np.linspace(0.001, 0.1, 1000)
    rows.append(
        (
            "t ES closed form, 1000 levels",
            "scipy.stats.t.expect (quad)",
            best_of(lambda: t5.es(a)),
            best_of(
                lambda: [
                    ref_t.expect(lambda v: v, ub=ref_t.ppf(q), conditional=True) for q in a[:10]
                ],
                repeat=2,
            )
            * (a.size / 10),
        )
    )

    print("| operation | peer | riskkit | peer time | peer / riskkit |")
    print("|---|---|---|---|---|")
    for op, peer, ours, theirs in rows:
        print(f"| {op} | {peer} | {_fmt(ours)} | {_fmt(theirs)} | {theirs / ours:.1f}x |")
    print()
    print(
        f"First call of the numba skew-t log-density kernel (compile or cache load): "
        f"{_fmt(compile_s)}"
    )


if __name__ == "__main__":
    main()
