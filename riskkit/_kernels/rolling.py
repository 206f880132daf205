"""Rolling risk measures in O(n log n) per column, as Numba kernels.

Two structures hold the current window of a column:

* Tail buffer (historical VaR/ES at small alpha, the common case). Only the
  ``d = max(k, w + 1)`` smallest window values matter (k = ceil(n alpha), w = floor(n alpha)).
  A threshold theta is kept with, sorted in a small buffer, every window value below theta,
  plus the count of window values equal to theta (ties cost nothing). A row adds the new
  value and drops the expiring one only if it is <= theta (insertion/removal in a buffer of
  a few dozen values); the d-th smallest is then read directly. When the buffer holds fewer
  than d values it is refilled from the window (theta = the (d + 16)-th smallest, one O(w)
  scan); when it grows 16 values past that, it is cut back. For returns, refills are rare
  (a few per 1,000 rows), so a row costs O(1). The upkeep is metered: past a budget of
  ``8 log2(window)`` moved values per row, the column is handed to the tree (so adversarial
  input, e.g. a monotone series with a long window, still costs O(n log n)). No ranking of
  the column is needed.
* Fenwick tree over ranks (any alpha, expectiles). Every column is ranked once (one argsort);
  the window is held in a Fenwick (binary indexed) tree over the ranks that stores, per node,
  the number of window values and their sum (the sum in double-double arithmetic so that
  adding and removing 10^5 values leaves no rounding drift). One descent of the tree,
  O(log n), gives the k-th smallest window value together with the sum of the k - 1
  smallest, which is all the historical VaR/ES rule needs; a descent driven by the expectile
  first-order condition gives the exact window expectile in O(log n) as well. When only the
  VaR is wanted, a "finger" per level remembers the rank of the current k-th smallest value;
  after each step it moves by a few present ranks (a scan of at most 64 ranks of an
  occupancy array), falling back to the O(log n) descent when the move is longer.

Both return the same order statistics (values taken from the data, never interpolated), so
the results do not depend on the path. Windows are rows ``t - window + 1 .. t`` (data up to
and including t); NaN values are skipped; a window with fewer than ``min_periods`` values
gives NaN.
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


# what rolling_historical computes: the VaR; also the ES; also lpm_tau and the window mean
VAR_ONLY = 0
WITH_ES = 1
WITH_MOMENTS = 2


@jit
def _no_result(
    t: int, outputs: int, var: np.ndarray, es: np.ndarray, ltau: np.ndarray, mean: np.ndarray
) -> None:
    """NaN in row ``t`` of every output (a window with too few values)."""
    var[:, t] = np.nan
    if outputs >= WITH_ES:
        es[:, t] = np.nan
    if outputs >= WITH_MOMENTS:
        ltau[:, t] = np.nan
        mean[t] = np.nan


@jit
def _lpm_tau(k: int, xk: float, sk: float, count: int, total: float) -> float:
    """LPM1(q) / (LPM1(q) + UPM1(q)) about q = x_(k), the k-th smallest of ``count`` values
    summing to ``total``, ``sk`` the sum of the k smallest (all <= q); NaN when both are 0."""
    lpm = k * xk - sk
    upm = (total - sk) - (count - k) * xk
    if lpm + upm > 0.0:
        return lpm / (lpm + upm)
    return np.nan


@jit
def _tree_column(
    xc: np.ndarray,
    order: np.ndarray,
    window: int,
    min_periods: int,
    alphas: np.ndarray,
    outputs: int,
    var: np.ndarray,
    es: np.ndarray,
    ltau: np.ndarray,
    mean: np.ndarray,
) -> None:
    """Rolling VaR (and ES, lpm_tau, mean as ``outputs`` asks) of one column with the
    Fenwick tree over ranks, written (every row) into ``var``, ``es``, ``ltau`` (L, n) and
    ``mean`` (n,); any tail size, O(n log n)."""
    sums = outputs >= WITH_ES
    moments = outputs >= WITH_MOMENTS
    n = xc.shape[0]
    nl = alphas.shape[0]
    rank, sorted_vals = _ranks(xc, order)
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
            if moments:
                thi, e = two_sum(thi, v)
                tlo += e
        if t >= window:
            u = xc[t - window]
            if not math.isnan(u):
                rem = rank[t - window]
                _fen_add(cnt, shi, slo, rem + 1, -1, -u, sums)
                count -= 1
                if moments:
                    thi, e = two_sum(thi, -u)
                    tlo += e
        if not sums:
            if ins >= 0:
                occ[ins] = True
            if rem >= 0:
                occ[rem] = False
        if count < min_periods or count < 1:
            fp[:] = -1
            _no_result(t, outputs, var, es, ltau, mean)
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
                var[j, t] = -sorted_vals[pos]
            continue
        total = thi + tlo
        if moments:
            mean[t] = total / count
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
            var[j, t] = -xk
            es[j, t] = -(sw + (na - w) * xw1) / na
            if moments:
                ltau[j, t] = _lpm_tau(k, xk, sk1 + xk, count, total)


# Tail buffer (small tails): rebuilt to the TAIL_SLACK smallest values beyond the deepest
# order statistic needed, trimmed back when TAIL_SLACK more are stored; its upkeep may cost
# TAIL_BUDGET * log2(window) element moves per row (plus a start-up allowance) before the
# column is handed to the tree.
TAIL_SLACK = 16
TAIL_BUDGET = 8


@jit
def tail_size(window: int, alphas: np.ndarray, sums: bool) -> int:
    """Rebuild size of the tail buffer for a full window, or 0 when the tail is too deep
    for the buffer to pay (``size**2 > 32 * window``; the tree is used then)."""
    need = 1
    for j in range(alphas.shape[0]):
        k, w, _ = tail_counts(window, alphas[j])
        need = max(need, w + 1 if sums else k)
    size = need + TAIL_SLACK
    if size * size > 32 * window:
        return 0
    return size


@jit
def _buf_insert(buf: np.ndarray, nb: int, v: float) -> int:
    """Insert ``v`` into the sorted ``buf[:nb]``; returns the number of values moved."""
    i = nb
    while i > 0 and buf[i - 1] > v:
        buf[i] = buf[i - 1]
        i -= 1
    buf[i] = v
    return nb - i


@jit
def _buf_remove(buf: np.ndarray, nb: int, u: float) -> int:
    """Remove one value equal to ``u`` from the sorted ``buf[:nb]`` (it must be there);
    returns the number of values moved."""
    lo = 0
    hi = nb
    while lo < hi:  # first position with buf[i] >= u
        mid = (lo + hi) >> 1
        if buf[mid] < u:
            lo = mid + 1
        else:
            hi = mid
    for i in range(lo, nb - 1):
        buf[i] = buf[i + 1]
    return nb - 1 - lo


@jit
def _buf_trim(buf: np.ndarray, nlt: int, size: int) -> tuple[float, int, int]:
    """Cut the sorted ``buf[:nlt]`` at its ``size``-th value: returns the new
    ``(theta, nlt, ties)`` (values below theta stay in ``buf``, copies of theta are counted)."""
    theta = buf[size - 1]
    first = size - 1
    while first > 0 and buf[first - 1] == theta:
        first -= 1
    end = size
    while end < nlt and buf[end] == theta:
        end += 1
    return theta, first, end - first


@jit
def _buf_rebuild(
    buf: np.ndarray, xc: np.ndarray, lo: int, hi: int, size: int
) -> tuple[float, int, int]:
    """The ``size`` smallest values of ``xc[lo:hi]`` (NaN skipped) as ``(theta, nlt, ties)``:
    theta the largest of them, ties its number of copies in ``xc[lo:hi]`` and the nlt
    values below theta sorted in ``buf``."""
    nb = 0
    for r in range(lo, hi):
        y = xc[r]
        if math.isnan(y):
            continue
        if nb < size:
            _buf_insert(buf, nb, y)
            nb += 1
        elif y < buf[nb - 1]:
            _buf_insert(buf, nb - 1, y)  # the largest drops out
    theta = buf[nb - 1]
    ties = 0
    for r in range(lo, hi):
        if xc[r] == theta:
            ties += 1
    while nb > 0 and buf[nb - 1] == theta:
        nb -= 1
    return theta, nb, ties


@jit
def _tail_tables(
    window: int, alphas: np.ndarray, sums: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`tail_counts` for every window count 0..window: ``k``, ``w``, ``na`` of shape
    (L, window + 1) and ``need`` (window + 1,), the deepest order statistic any level uses."""
    nl = alphas.shape[0]
    kk = np.zeros((nl, window + 1), dtype=np.int64)
    ww = np.zeros((nl, window + 1), dtype=np.int64)
    na = np.zeros((nl, window + 1))
    need = np.ones(window + 1, dtype=np.int64)
    for c in range(1, window + 1):
        for j in range(nl):
            k, w, a = tail_counts(c, alphas[j])
            kk[j, c] = k
            ww[j, c] = w
            na[j, c] = a
            need[c] = max(need[c], w + 1 if sums else k)
    return kk, ww, na, need


@jit
def _tail_column(
    xc: np.ndarray,
    window: int,
    min_periods: int,
    tables: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    outputs: int,
    size: int,
    var: np.ndarray,
    es: np.ndarray,
    ltau: np.ndarray,
    mean: np.ndarray,
) -> bool:
    """Rolling VaR (and ES, lpm_tau, mean as ``outputs`` asks) of one column from a sorted buffer
    of the window's smallest values (outputs as for :func:`_tree_column`); False when the
    buffer's upkeep exceeded its budget (the caller then recomputes the column with the tree).

    Invariant: ``buf[:nlt]`` holds, sorted, the window values below ``theta`` and ``ties``
    counts the window values equal to it, so the i-th smallest window value (0-based) is
    ``buf[i]`` for i < nlt and ``theta`` for nlt <= i < nlt + ties.
    """
    sums = outputs >= WITH_ES
    moments = outputs >= WITH_MOMENTS
    kk, ww, nat, needs = tables
    n = xc.shape[0]
    nl = kk.shape[0]
    buf = np.empty(min(window, n) + 1)
    nlt = 0
    ties = 0
    theta = -np.inf
    work = 0
    budget = 4 * window + 64
    per_row = TAIL_BUDGET * (int(math.log2(window)) + 1)
    count = 0
    thi = 0.0
    tlo = 0.0
    for t in range(n):
        budget += per_row
        v = xc[t]
        if not math.isnan(v):
            count += 1
            if moments:
                thi, e = two_sum(thi, v)
                tlo += e
            if v < theta:
                work += _buf_insert(buf, nlt, v)
                nlt += 1
                if nlt > size + TAIL_SLACK:
                    theta, nlt, ties = _buf_trim(buf, nlt, size)
            elif v == theta:
                ties += 1
        if t >= window:
            u = xc[t - window]
            if not math.isnan(u):
                count -= 1
                if moments:
                    thi, e = two_sum(thi, -u)
                    tlo += e
                if u < theta:
                    work += _buf_remove(buf, nlt, u)
                    nlt -= 1
                elif u == theta:
                    ties -= 1
        if work > budget:
            return False
        if count < min_periods or count < 1:
            _no_result(t, outputs, var, es, ltau, mean)
            continue
        if nlt + ties < needs[count]:
            lo = max(0, t - window + 1)
            theta, nlt, ties = _buf_rebuild(buf, xc, lo, t + 1, size)
            work += 2 * (t + 1 - lo)
        if not sums:
            for j in range(nl):
                i = kk[j, count] - 1
                var[j, t] = -(buf[i] if i < nlt else theta)
            continue
        total = thi + tlo
        if moments:
            mean[t] = total / count
        for j in range(nl):
            k = kk[j, count]
            w = ww[j, count]
            na = nat[j, count]
            # double-double sums of the k - 1 and the w smallest (k - 1 <= w <= k)
            hi = 0.0
            lo2 = 0.0
            sk1 = 0.0
            for i in range(w):
                if i == k - 1:
                    sk1 = hi + lo2
                hi, e = two_sum(hi, buf[i] if i < nlt else theta)
                lo2 += e
            sw = hi + lo2
            if k == w + 1:
                sk1 = sw
            xk = buf[k - 1] if k - 1 < nlt else theta
            xw1 = buf[w] if w < nlt else theta
            var[j, t] = -xk
            es[j, t] = -(sw + (na - w) * xw1) / na
            if moments:
                ltau[j, t] = _lpm_tau(k, xk, sk1 + xk, count, total)
    return True


@jit
def rolling_historical(
    x: np.ndarray,
    order: np.ndarray,
    window: int,
    min_periods: int,
    alphas: np.ndarray,
    outputs: int,
    tail: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rolling historical VaR and Acerbi–Tasche ES for every column and level.

    Parameters: ``x`` (n, m) float64 (NaN = missing), ``order`` (m, n) the argsort of each
    column (NaN last, as :func:`argsort_columns` gives) or an empty (0, 0) array (it is
    then computed per column if needed), ``alphas`` (L,); ``outputs``: ``VAR_ONLY``,
    ``WITH_ES`` or ``WITH_MOMENTS`` (outputs not asked for are returned with 0 rows);
    ``tail=True`` uses the tail buffer when :func:`tail_size` allows it (``False`` forces
    the tree, for tests).
    Returns ``(var, es, lpm_tau, mean)``: var, es, lpm_tau of shape (n, m, L) and the window
    mean of shape (n, m), as views of column-major arrays. ``lpm_tau`` = LPM1(q) / (LPM1(q) +
    UPM1(q)) at the VaR quantile q = -var (the expectile level whose window expectile is q).
    """
    n, m = x.shape
    nl = alphas.shape[0]
    sums = outputs >= WITH_ES
    n_es = n if sums else 0
    n_mo = n if outputs >= WITH_MOMENTS else 0
    # column-major (each column's series contiguous); the column kernels write every row
    var = np.empty((m, nl, n))
    es = np.empty((m, nl, n_es))
    ltau = np.empty((m, nl, n_mo))
    mean = np.empty((m, n_mo))
    size = tail_size(window, alphas, sums) if tail else 0
    tables = _tail_tables(window if size > 0 else 0, alphas, sums)
    xc = np.empty(n)  # one column at a time, in a buffer reused across columns
    for col in range(m):
        xc[:] = x[:, col]
        if size > 0 and _tail_column(
            xc, window, min_periods, tables, outputs, size, var[col], es[col], ltau[col], mean[col]
        ):
            continue
        # the tail buffer gave up (or was not tried): the tree recomputes the whole column
        oc = order[col] if order.shape[0] > 0 else np.argsort(xc)
        _tree_column(
            xc, oc, window, min_periods, alphas, outputs, var[col], es[col], ltau[col], mean[col]
        )
    return (
        var.transpose(2, 0, 1),
        es.transpose(2, 0, 1),
        ltau.transpose(2, 0, 1),
        mean.transpose(1, 0),
    )


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
    e = np.empty((0, 0), dtype=np.int64)
    for outputs in (VAR_ONLY, WITH_ES, WITH_MOMENTS):
        rolling_historical(x, o, 3, 2, np.array([0.1, 0.5]), outputs, False)
        rolling_historical(x, e, 3, 2, np.array([0.1, 0.5]), outputs, True)
    rolling_expectile(x, o, 3, 2, np.array([0.1, 0.5]))
    rolling_moments(x, 3, 2)
