"""Exact sample expectiles from sorted data, as Numba kernels.

The tau-expectile e of a sample solves the first-order condition

    G(e) = (1 - tau) * sum_i (e - x_i)_+  -  tau * sum_i (x_i - e)_+ = 0.

G is continuous, increasing and piecewise linear in e with kinks at the data points:
with j observations <= e and P_j their sum (S the total),

    G(e) = e * ((1 - tau) j + tau (n - j)) - (1 - tau) P_j - tau (S - P_j),

so once the segment [x_(j), x_(j+1)] holding the root is located (binary search on the
sorted data), the root is the solution of one linear equation. Sums are carried in
double-double arithmetic (Knuth's TwoSum) so that long samples lose no accuracy.
"""

from __future__ import annotations

import numpy as np

from riskkit._jit import jit, register_warmup


@jit
def two_sum(a: float, b: float) -> tuple[float, float]:
    """Knuth's error-free sum: ``s + e == a + b`` exactly with ``s = fl(a + b)``."""
    s = a + b
    bb = s - a
    e = (a - (s - bb)) + (b - bb)
    return s, e


@jit
def g_value(e: float, j: float, p: float, total: float, n: float, tau: float) -> float:
    """First-order condition G(e) given j observations <= e with sum p."""
    return e * ((1.0 - tau) * j + tau * (n - j)) - (1.0 - tau) * p - tau * (total - p)


@jit
def solve_segment(j: float, p: float, total: float, n: float, tau: float) -> float:
    """Root of the linear piece of G with j observations <= e summing to p."""
    return ((1.0 - tau) * p + tau * (total - p)) / ((1.0 - tau) * j + tau * (n - j))


@jit
def expectiles_sorted(s: np.ndarray, taus: np.ndarray) -> np.ndarray:
    """Exact tau-expectiles of the sorted sample ``s`` for every ``taus[k]``."""
    n = s.shape[0]
    # prefix sums in double-double: pre[j] = sum of the j smallest
    pre = np.empty(n + 1)
    hi = 0.0
    lo = 0.0
    pre[0] = 0.0
    for i in range(n):
        hi, err = two_sum(hi, s[i])
        lo += err
        pre[i + 1] = hi + lo
    total = pre[n]
    out = np.empty(taus.shape[0])
    fn = float(n)
    for k in range(taus.shape[0]):
        tau = taus[k]
        # largest m (0-based) with G(s[m]) <= 0, counting the m + 1 smallest as <= s[m]
        a = 0
        b = n - 1
        if g_value(s[b], fn, total, total, fn, tau) <= 0.0:
            out[k] = s[b]
            continue
        # invariant: G(s[a]) <= 0 < G(s[b])
        while b - a > 1:
            mid = (a + b) // 2
            if g_value(s[mid], mid + 1.0, pre[mid + 1], total, fn, tau) <= 0.0:
                a = mid
            else:
                b = mid
        e = solve_segment(a + 1.0, pre[a + 1], total, fn, tau)
        # guard against rounding pushing the root out of its segment
        if e < s[a]:
            e = s[a]
        elif e > s[b]:
            e = s[b]
        out[k] = e
    return out


@register_warmup
def _warmup() -> None:
    expectiles_sorted(np.array([-1.0, -0.2, 0.1, 0.7, 2.0]), np.array([0.1, 0.5]))
