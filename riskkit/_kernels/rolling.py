"""Rolling risk measures in O(n log n) per column, as Numba kernels.

Every column is ranked once (one numpy argsort); the current window is held in a Fenwick
(binary indexed) tree over the ranks that stores, per node, the number of window
values and their sum (the sum in double-double arithmetic so that adding and
removing 10^5 values leaves no rounding drift). One descent of the tree, O(log n),
gives the k-th smallest window value together with the sum of the k - 1 smallest,
which is all the historical VaR/ES rule needs; a descent driven by the expectile
first-order condition gives the exact window expectile in O(log n) as well. When only the
VaR is wanted, a "finger" per level remembers the rank of the current k-th smallest value;
after each step it moves by a few present ranks (a scan of at most 64 ranks of an occupancy
array), falling back to the O(log n) descent when the move is longer, so the worst case stays
O(log n) and the typical step is O(1).

Windows are rows ``t - window + 1 .. t`` (data up to and including t); NaN values
are skipped; a window with fewer than ``min_periods`` values gives NaN.
"""

from __future__ import annotations

import math

import numpy as np

from riskkit._jit import jit, register_warmup
from riskkit._kernels.expectiles import g_value, solve_segment, two_sum
from riskkit._kernels.quantiles import tail_counts


@jit
def _fen_add(
    cnt: np.ndarray, shi: np.ndarray, slo: np.ndarray, pos: int, c: int, v: float, sums: bool
) -> None:
    """Add count ``c`` (and value ``v`` when ``sums``) at 1-based position ``pos``."""
    size = cnt.shape[0] - 1
    i = pos
    while i <= size:
        cnt[i] += c
        if sums:
            s, e = two_sum(shi[i], v)
            shi[i] = s
            slo[i] += e
        i += i & (-i)


@jit
def _fen_kth(
    cnt: np.ndarray, shi: np.ndarray, slo: np.ndarray, top: int, k: int, sums: bool
) -> tuple[int, float]:
    """0-based rank of the k-th smallest stored value and the sum of the k - 1 smaller ones
    (the sum is 0.0 when ``sums`` is False)."""
    size = cnt.shape[0] - 1
    pos = 0
    c = 0
    hi = 0.0
    lo = 0.0
    step = top
    while step > 0:
        nxt = pos + step
        if nxt <= size and c + cnt[nxt] < k:
            pos = nxt
            c += cnt[nxt]
            if sums:
                hi, e = two_sum(hi, shi[nxt])
                lo += e + slo[nxt]
        step >>= 1
    return pos, hi + lo


@jit
def _fen_expectile(
    cnt: np.ndarray,
    shi: np.ndarray,
    slo: np.ndarray,
    top: int,
    sorted_vals: np.ndarray,
    total: float,
    n: int,
    tau: float,
) -> float:
    """Exact tau-expectile of the stored values (n of them, summing to ``total``)."""
    size = cnt.shape[0] - 1
    pos = 0
    c = 0
    hi = 0.0
    lo = 0.0
    step = top
    fn = float(n)
    while step > 0:
        nxt = pos + step
        if nxt <= size:
            c2 = c + cnt[nxt]
            h2, e = two_sum(hi, shi[nxt])
            l2 = lo + e + slo[nxt]
            if g_value(sorted_vals[nxt - 1], float(c2), h2 + l2, total, fn, tau) <= 0.0:
                pos = nxt
                c = c2
                hi = h2
                lo = l2
        step >>= 1
    e_val = solve_segment(float(c), hi + lo, total, fn, tau)
    # clamp to the segment [sorted_vals[pos-1], sorted_vals[pos]] against rounding
    if pos >= 1 and e_val < sorted_vals[pos - 1]:
        e_val = sorted_vals[pos - 1]
    if pos < size and e_val > sorted_vals[pos]:
        e_val = sorted_vals[pos]
    return e_val


@jit
def _ranks(xc: np.ndarray, order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rank of every value (0-based) and the sorted values, from an argsort ``order``."""
    n = xc.shape[0]
    rank = np.empty(n, dtype=np.int64)
    sorted_vals = np.empty(n)
    for r in range(n):
        rank[order[r]] = r
        sorted_vals[r] = xc[order[r]]
    return rank, sorted_vals


_SCAN = 64  # longest occupancy scan of a finger move before falling back to a descent


@jit
def _finger_move(occ: np.ndarray, p: int, c: int, k: int) -> int:
    """Rank of the k-th smallest present value, moving from rank ``p`` with ``c`` present
    ranks ``<= p``; -1 when the move is long (the caller then does a tree descent)."""
    n = occ.shape[0]
    if abs(c - k) > 2:
        return -1
    q = p
    if c >= k:
        # largest present rank <= p is the c-th smallest; step down c - k more
        steps = c - k + (0 if occ[p] else 1)
        for _ in range(steps):
            q -= 1
            lim = q - _SCAN
            while q >= 0 and not occ[q]:
                q -= 1
                if q < lim:
                    return -1
            if q < 0:
                return -1
        return q
    for _ in range(k - c):
        q += 1
        lim = q + _SCAN
        while q < n and not occ[q]:
            q += 1
            if q > lim:
                return -1
        if q >= n:
            return -1
    return q


@jit
def _top(size: int) -> int:
    top = 1
    while top * 2 <= size:
        top *= 2
    return top


@jit
def rolling_historical(
    x: np.ndarray,
    order: np.ndarray,
    window: int,
    min_periods: int,
    alphas: np.ndarray,
    sums: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rolling historical VaR and Acerbi–Tasche ES for every column and level.

    Parameters: ``x`` (n, m) float64 (NaN = missing), ``order`` (m, n) the argsort of each
    column (NaN last, as :func:`argsort_columns` gives), ``alphas`` (L,); ``sums=False``
    computes the VaR only (the tree then holds counts only; es, lpm_tau and mean are
    returned with 0 rows).
    Returns ``(var, es, lpm_tau, mean)``: var, es, lpm_tau of shape (n, m, L) and the window
    mean of shape (n, m). ``lpm_tau`` = LPM1(q) / (LPM1(q) + UPM1(q)) at the VaR quantile
    q = -var (the expectile level whose window expectile equals q).
    """
    n, m = x.shape
    nl = alphas.shape[0]
    var = np.full((n, m, nl), np.nan)
    # VaR only: the other outputs are not filled, so they are not allocated either
    ne = n if sums else 0
    es = np.full((ne, m, nl), np.nan)
    ltau = np.full((ne, m, nl), np.nan)
    mean = np.full((ne, m), np.nan)
    for col in range(m):
        xc = np.ascontiguousarray(x[:, col])
        rank, sorted_vals = _ranks(xc, order[col])
        cnt = np.zeros(n + 1, dtype=np.int64)
        shi = np.zeros(n + 1)
        slo = np.zeros(n + 1)
        top = _top(n)
        count = 0
        thi = 0.0
        tlo = 0.0
        # VaR only: a "finger" per level (rank p of the current k-th smallest) moves by a
        # few present ranks per step (occupancy scan), with a tree descent as the fallback
        occ = np.zeros(n if not sums else 0, dtype=np.bool_)
        fp = np.full(nl, -1, dtype=np.int64)
        fk = np.zeros(nl, dtype=np.int64)
        for t in range(n):
            ins = -1
            rem = -1
            v = xc[t]
            if not math.isnan(v):
                ins = rank[t]
                _fen_add(cnt, shi, slo, ins + 1, 1, v, sums)
                count += 1
                if sums:
                    thi, e = two_sum(thi, v)
                    tlo += e
            if t >= window:
                u = xc[t - window]
                if not math.isnan(u):
                    rem = rank[t - window]
                    _fen_add(cnt, shi, slo, rem + 1, -1, -u, sums)
                    count -= 1
                    if sums:
                        thi, e = two_sum(thi, -u)
                        tlo += e
            if not sums:
                if ins >= 0:
                    occ[ins] = True
                if rem >= 0:
                    occ[rem] = False
            if count < min_periods or count < 1:
                fp[:] = -1
                continue
            if not sums:
                for j in range(nl):
                    k, w, na = tail_counts(count, alphas[j])
                    pos = -1
                    p = fp[j]
                    if p >= 0:
                        c = fk[j]
                        if ins >= 0 and ins <= p:
                            c += 1
                        if rem >= 0 and rem <= p:
                            c -= 1
                        pos = _finger_move(occ, p, c, k)
                    if pos < 0:
                        pos, _ = _fen_kth(cnt, shi, slo, top, k, False)
                    fp[j] = pos
                    fk[j] = k
                    var[t, col, j] = -sorted_vals[pos]
                continue
            total = thi + tlo
            mean[t, col] = total / count
            for j in range(nl):
                k, w, na = tail_counts(count, alphas[j])
                # descent to the (w+1)-th smallest: sum of the w smallest and x_(w+1)
                pos, sw = _fen_kth(cnt, shi, slo, top, w + 1, True)
                xw1 = sorted_vals[pos]
                if k == w + 1:
                    xk = xw1
                    sk1 = sw  # sum of the k - 1 smallest
                else:  # k == w (n alpha integer): x_(w) needs its own descent
                    pos2, sk1 = _fen_kth(cnt, shi, slo, top, k, True)
                    xk = sorted_vals[pos2]
                var[t, col, j] = -xk
                es[t, col, j] = -(sw + (na - w) * xw1) / na
                # partial moments about q = x_(k): the k smallest are <= q
                sk = sk1 + xk
                lpm = k * xk - sk
                upm = (total - sk) - (count - k) * xk
                if lpm + upm > 0.0:
                    ltau[t, col, j] = lpm / (lpm + upm)
    return var, es, ltau, mean


@jit
def rolling_expectile(
    x: np.ndarray, order: np.ndarray, window: int, min_periods: int, taus: np.ndarray
) -> np.ndarray:
    """Exact rolling tau-expectiles, shape (n, m, L); NaN where fewer than min_periods values.

    ``order`` (m, n) is the argsort of each column of ``x`` (see :func:`argsort_columns`).
    """
    n, m = x.shape
    nl = taus.shape[0]
    out = np.full((n, m, nl), np.nan)
    for col in range(m):
        xc = np.ascontiguousarray(x[:, col])
        rank, sorted_vals = _ranks(xc, order[col])
        cnt = np.zeros(n + 1, dtype=np.int64)
        shi = np.zeros(n + 1)
        slo = np.zeros(n + 1)
        top = _top(n)
        count = 0
        thi = 0.0
        tlo = 0.0
        for t in range(n):
            v = xc[t]
            if not math.isnan(v):
                _fen_add(cnt, shi, slo, rank[t] + 1, 1, v, True)
                count += 1
                thi, e = two_sum(thi, v)
                tlo += e
            if t >= window:
                u = xc[t - window]
                if not math.isnan(u):
                    _fen_add(cnt, shi, slo, rank[t - window] + 1, -1, -u, True)
                    count -= 1
                    thi, e = two_sum(thi, -u)
                    tlo += e
            if count < min_periods or count < 1:
                continue
            total = thi + tlo
            for j in range(nl):
                out[t, col, j] = _fen_expectile(
                    cnt, shi, slo, top, sorted_vals, total, count, taus[j]
                )
    return out


@jit
def rolling_moments(x: np.ndarray, window: int, min_periods: int) -> tuple[np.ndarray, np.ndarray]:
    """Rolling mean and sample standard deviation (ddof=1), shape (n, m) each.

    Sums of ``x - c`` and ``(x - c)^2`` are carried in double-double arithmetic (no drift);
    the centre ``c`` is reset to the current window mean every ``window`` rows (sums then
    recomputed from the window, O(1) amortized), so that ``sum (x - c)^2 - (sum (x - c))^2 / n``
    suffers no cancellation even for trending series.
    Windows with fewer than ``max(min_periods, 2)`` values give NaN.
    """
    n, m = x.shape
    mean = np.full((n, m), np.nan)
    sd = np.full((n, m), np.nan)
    for col in range(m):
        c = 0.0
        for t in range(n):
            if not math.isnan(x[t, col]):
                c = x[t, col]
                break
        count = 0
        h1 = 0.0
        l1 = 0.0
        h2 = 0.0
        l2 = 0.0
        for t in range(n):
            v = x[t, col]
            if not math.isnan(v):
                d = v - c
                h1, e = two_sum(h1, d)
                l1 += e
                h2, e = two_sum(h2, d * d)
                l2 += e
                count += 1
            if t >= window:
                u = x[t - window, col]
                if not math.isnan(u):
                    d = u - c
                    h1, e = two_sum(h1, -d)
                    l1 += e
                    h2, e = two_sum(h2, -(d * d))
                    l2 += e
                    count -= 1
            if count >= 1 and (t + 1) % window == 0:
                c = c + (h1 + l1) / count
                h1 = 0.0
                l1 = 0.0
                h2 = 0.0
                l2 = 0.0
                for r in range(max(0, t - window + 1), t + 1):
                    u = x[r, col]
                    if not math.isnan(u):
                        d = u - c
                        h1, e = two_sum(h1, d)
                        l1 += e
                        h2, e = two_sum(h2, d * d)
                        l2 += e
            if count < min_periods or count < 2:
                continue
            s1 = h1 + l1
            s2 = h2 + l2
            mu = s1 / count
            ss = s2 - s1 * mu
            if ss < 0.0:
                ss = 0.0
            mean[t, col] = c + mu
            sd[t, col] = math.sqrt(ss / (count - 1))
    return mean, sd


def argsort_columns(x: np.ndarray) -> np.ndarray:
    """Argsort of every column of ``x`` (NaN last) as a C-contiguous (m, n) int64 array.

    Plain numpy (not compiled): numpy's vectorised sort is several times faster than a
    compiled merge sort, and ranking is a large part of the rolling work.
    """
    return np.ascontiguousarray(np.argsort(x, axis=0).T, dtype=np.int64)


@register_warmup
def _warmup() -> None:
    x = np.array([[0.1, -0.2], [-0.5, 0.3], [0.2, np.nan], [-0.1, 0.4], [0.3, -0.6]])
    o = argsort_columns(x)
    rolling_historical(x, o, 3, 2, np.array([0.1, 0.5]), True)
    rolling_historical(x, o, 3, 2, np.array([0.1, 0.5]), False)
    rolling_expectile(x, o, 3, 2, np.array([0.1, 0.5]))
    rolling_moments(x, 3, 2)
