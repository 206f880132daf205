"""Exact sample expectiles, as Numba kernels.

The tau-expectile e of a sample solves the first-order condition

    G(e) = (1 - tau) * sum_i (e - x_i)_+  -  tau * sum_i (x_i - e)_+ = 0.

G is continuous, increasing and piecewise linear in e with kinks at the data points:
with j observations <= e and P_j their sum (S the total),

    G(e) = e * ((1 - tau) j + tau (n - j)) - (1 - tau) P_j - tau (S - P_j),

so once the segment [x_(j), x_(j+1)] holding the root is located, the root is the solution
of one linear equation. Sums are carried in double-double arithmetic (Knuth's TwoSum) so
that long samples lose no accuracy.

Two ways to locate the segment:

* :func:`expectiles_sorted` (data already sorted): prefix sums, then a binary search per
  tau, O(n + L log n) for L levels.
* :func:`expectiles_unsorted` (any order, no full sort): a distribution pass puts every
  value into one of ~n/32 equal-width bins (value range from a subsample's trimmed
  extremes, the tails clipped into the end bins) and records each bin's count,
  double-double sum, minimum and maximum. G at a bin minimum needs only the counts and
  sums of the earlier bins, so a binary search over the bins finds, for every tau, the
  bin whose values bracket the root. A second pass gathers the values of the selected
  bins only (values equal to the bin minimum join the "below" counts, so ties cost
  nothing); a gathered block is binned again over its own [min, max] while it holds more
  than ``_LEAF_MAX`` values (at most ``_MAX_DEPTH`` levels), then sorted and searched as
  in the sorted case. Expected cost O(n) plus the sort of a few hundred values per level,
  worst case (pathological spacings) O(n log n); the result does not depend on the
  binning, which only decides where the work goes.
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
def _times(c: int, v: float) -> tuple[float, float]:
    """``c * v`` as ``p + e`` exactly (Dekker's TwoProduct with Veltkamp splitting, no FMA)."""
    scale = 1.0
    if abs(v) > 1e290:  # keep the splitting products finite
        v *= 2.0**-80
        scale = 2.0**80
    a = float(c)
    p = a * v
    t = 134217729.0 * a  # 2**27 + 1
    ah = t - (t - a)
    al = a - ah
    t = 134217729.0 * v
    vh = t - (t - v)
    vl = v - vh
    e = ((ah * vh - p) + ah * vl + al * vh) + al * vl
    return p * scale, e * scale


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


# Selection without a full sort (expectiles_unsorted): tuning constants. The result never
# depends on them, only the work done does.
_LEAF_MAX = 512  # sort a block of at most this many values and search it directly
_MAX_DEPTH = 8  # binning levels before a block is sorted whatever its size
_SAMPLE = 1024  # subsample whose order statistics set the value range of the first level
_TRIM = 8  # the first level spans the subsample's _TRIM-th smallest to _TRIM-th largest


@jit
def _n_bins(m: int) -> int:
    """Number of equal-width bins for a block of m values (about 32 values per bin)."""
    return min(2048, max(16, m // 32))


@jit
def _bin_of(v: float, r0: float, w: float, top: float) -> int:
    """Bin of ``v``: ``floor((v - r0) w)`` clipped to [0, top]; non-decreasing in ``v``."""
    return int(min(max((v - r0) * w, 0.0), top))


@jit
def _bin_stats(
    v: np.ndarray, r0: float, w: float, nb: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Count, double-double sum (hi, lo), minimum and maximum of the values in every bin."""
    cnt = np.zeros(nb, dtype=np.int64)
    shi = np.zeros(nb)
    slo = np.zeros(nb)
    mn = np.full(nb, np.inf)
    mx = np.full(nb, -np.inf)
    top = nb - 1.0
    for i in range(v.shape[0]):
        val = v[i]
        j = _bin_of(val, r0, w, top)
        cnt[j] += 1
        s, err = two_sum(shi[j], val)
        shi[j] = s
        slo[j] += err
        mn[j] = min(mn[j], val)
        mx[j] = max(mx[j], val)
    return cnt, shi, slo, mn, mx


@jit
def _sample_range(x: np.ndarray) -> tuple[float, float]:
    """A value range holding most of ``x``: trimmed extremes of a fixed-seed subsample."""
    n = x.shape[0]
    samp = np.empty(_SAMPLE)
    state = 20261123
    scale = n / 2147483647.0
    for i in range(_SAMPLE):
        state = (state * 48271) % 2147483647  # MINSTD (Park-Miller), no overflow in int64
        idx = min(int(state * scale), n - 1)
        samp[i] = x[idx]
    samp.sort()
    return samp[_TRIM], samp[_SAMPLE - 1 - _TRIM]


@jit
def _finish(
    s: np.ndarray,
    tix: np.ndarray,
    taus: np.ndarray,
    out: np.ndarray,
    cb: int,
    bh: float,
    bl: float,
    lo_val: float,
    has_lo: bool,
    hi_val: float,
    has_hi: bool,
    total: float,
    fn: float,
) -> None:
    """Roots for the levels ``taus[tix]`` known to lie in [lo_val, hi_val], from the sorted
    values ``s`` strictly inside, with ``cb`` values summing to ``bh + bl`` below them.

    ``has_lo`` False means ``s[0]`` is the sample minimum; ``has_hi`` False that ``s[-1]``
    (or ``lo_val`` when ``s`` is empty) is the maximum.
    """
    mm = s.shape[0]
    pre = np.empty(mm + 1)
    hi = bh
    lo = bl
    pre[0] = hi + lo
    for i in range(mm):
        hi, err = two_sum(hi, s[i])
        lo += err
        pre[i + 1] = hi + lo
    for q in range(tix.shape[0]):
        t = tix[q]
        tau = taus[t]
        # invariant: G <= 0 at index a (-1: lo_val), G > 0 at index z (mm: hi_val)
        a = -1 if has_lo else 0
        z = mm
        if not has_hi:
            if mm == 0:
                out[t] = lo_val
                continue
            if g_value(s[mm - 1], float(cb + mm), pre[mm], total, fn, tau) <= 0.0:
                out[t] = s[mm - 1]
                continue
            z = mm - 1
        while z - a > 1:
            mid = (a + z) // 2
            if g_value(s[mid], float(cb + mid + 1), pre[mid + 1], total, fn, tau) <= 0.0:
                a = mid
            else:
                z = mid
        e = solve_segment(float(cb + a + 1), pre[a + 1], total, fn, tau)
        left = s[a] if a >= 0 else lo_val
        right = s[z] if z < mm else hi_val
        if e < left:
            e = left
        elif e > right:
            e = right
        out[t] = e


@jit
def _split(
    v: np.ndarray,
    tix: np.ndarray,
    taus: np.ndarray,
    out: np.ndarray,
    cnt: np.ndarray,
    shi: np.ndarray,
    slo: np.ndarray,
    mn: np.ndarray,
    mx: np.ndarray,
    r0: float,
    w: float,
    cb: int,
    bh: float,
    bl: float,
    lo_val: float,
    has_lo: bool,
    hi_val: float,
    has_hi: bool,
    total: float,
    fn: float,
    depth: int,
    stack: list,  # type: ignore[type-arg]
) -> None:
    """Route each level ``taus[tix]`` to the bin of ``v`` holding its root (bins from
    :func:`_bin_stats`) and push one block per selected bin onto ``stack``."""
    nb = cnt.shape[0]
    # non-empty bins in order, with the count and double-double sum of everything below
    # their minimum: the values below the block plus those of the earlier bins
    ne = np.empty(nb, dtype=np.int64)
    ne_c = np.empty(nb, dtype=np.int64)
    ne_h = np.empty(nb)
    ne_l = np.empty(nb)
    q = 0
    c = cb
    hi = bh
    lo = bl
    for j in range(nb):
        if cnt[j] > 0:
            ne[q] = j
            ne_c[q] = c
            ne_h[q] = hi
            ne_l[q] = lo
            q += 1
            c += cnt[j]
            hi, err = two_sum(hi, shi[j])
            lo += err + slo[j]
    # largest non-empty bin whose minimum has G <= 0 (the root is at or above it)
    pick = np.empty(tix.shape[0], dtype=np.int64)
    for r in range(tix.shape[0]):
        t = tix[r]
        tau = taus[t]
        a = -1
        z = q
        while z - a > 1:
            mid = (a + z) // 2
            if g_value(mn[ne[mid]], float(ne_c[mid]), ne_h[mid] + ne_l[mid], total, fn, tau) <= 0.0:
                a = mid
            else:
                z = mid
        if a < 0:
            if has_lo:
                # the root lies between lo_val and the smallest value of the block
                e = solve_segment(float(cb), bh + bl, total, fn, tau)
                right = mn[ne[0]]
                out[t] = lo_val if e < lo_val else (right if e > right else e)
                pick[r] = -1
                continue
            a = 0  # mn[ne[0]] is the sample minimum, where G <= 0 holds exactly
        pick[r] = a
    # one block per selected bin: its values above its minimum (the ties at the minimum
    # join the values below, as they are <= every candidate root in the bin)
    slot = np.full(nb, -1, dtype=np.int64)
    n_blk = 0
    for r in range(tix.shape[0]):
        if pick[r] >= 0 and slot[ne[pick[r]]] < 0:
            slot[ne[pick[r]]] = n_blk
            n_blk += 1
    if n_blk == 0:
        return
    blk_pos = np.empty(n_blk, dtype=np.int64)  # index into the non-empty list
    for r in range(tix.shape[0]):
        if pick[r] >= 0:
            blk_pos[slot[ne[pick[r]]]] = pick[r]
    # a bin holding one distinct value (min == max) is all ties: nothing to gather
    gslot = np.full(nb, -1, dtype=np.int64)
    sizes = np.zeros(n_blk, dtype=np.int64)
    tie_c = np.zeros(n_blk, dtype=np.int64)
    n_gather = 0
    for b in range(n_blk):
        j = ne[blk_pos[b]]
        if mn[j] < mx[j]:
            gslot[j] = b
            sizes[b] = cnt[j]
            n_gather += 1
        else:
            tie_c[b] = cnt[j]
    vals = [np.empty(sizes[b]) for b in range(n_blk)]
    fill = np.zeros(n_blk, dtype=np.int64)
    vmin = np.full(n_blk, np.inf)
    top = nb - 1.0
    if n_gather > 0:
        for i in range(v.shape[0]):
            val = v[i]
            j = _bin_of(val, r0, w, top)
            b = gslot[j]
            if b >= 0:
                if val == mn[j]:
                    tie_c[b] += 1
                else:
                    vals[b][fill[b]] = val
                    fill[b] += 1
                    if val < vmin[b]:
                        vmin[b] = val
    for b in range(n_blk):
        p = blk_pos[b]
        j = ne[p]
        k = 0
        for r in range(tix.shape[0]):
            if pick[r] == p:
                k += 1
        sub = np.empty(k, dtype=np.int64)
        k = 0
        for r in range(tix.shape[0]):
            if pick[r] == p:
                sub[k] = tix[r]
                k += 1
        tie_h, tie_l = _times(tie_c[b], mn[j])
        h2, err = two_sum(ne_h[p], tie_h)
        l2 = ne_l[p] + err + tie_l
        if p + 1 < q:
            nh = mn[ne[p + 1]]
            nhas = True
        else:
            nh = hi_val
            nhas = has_hi
        stack.append(
            (
                vals[b][: fill[b]],
                sub,
                ne_c[p] + tie_c[b],
                h2,
                l2,
                mn[j],
                True,
                nh,
                nhas,
                vmin[b],
                mx[j],
                depth + 1,
            )
        )


@jit
def expectiles_unsorted(x: np.ndarray, taus: np.ndarray, leaf_max: int = -1) -> np.ndarray:
    """Exact tau-expectiles of the unsorted sample ``x`` for every ``taus[k]``, without a full sort.

    ``x`` is not modified. Blocks of at most ``leaf_max`` values are sorted (``-1``: the
    default, ``_LEAF_MAX``; a small value forces the selection path on small samples in
    tests). The result is that of ``expectiles_sorted(np.sort(x), taus)`` to rounding.
    """
    if leaf_max < 0:
        leaf_max = _LEAF_MAX
    n = x.shape[0]
    k = taus.shape[0]
    if n <= leaf_max or (leaf_max == _LEAF_MAX and k > n // 64):
        return expectiles_sorted(np.sort(x), taus)
    r0, r1 = _sample_range(x)
    if not r0 < r1:
        r0 = x.min()
        r1 = x.max()
        if not r0 < r1:
            return np.full(k, x[0])
    nb = _n_bins(n)
    w = nb / (r1 - r0)
    if not w < np.inf:
        return expectiles_sorted(np.sort(x), taus)
    cnt, shi, slo, mn, mx = _bin_stats(x, r0, w, nb)
    hi = 0.0
    lo = 0.0
    for j in range(nb):
        hi, err = two_sum(hi, shi[j])
        lo += err + slo[j]
    total = hi + lo
    fn = float(n)
    out = np.empty(k)
    empty = np.empty(0)
    tix0 = np.arange(k)
    stack = [(empty, tix0, 0, 0.0, 0.0, 0.0, False, 0.0, False, 0.0, 0.0, 0)]
    stack.pop()
    _split(
        x,
        tix0,
        taus,
        out,
        cnt,
        shi,
        slo,
        mn,
        mx,
        r0,
        w,
        0,
        0.0,
        0.0,
        0.0,
        False,
        0.0,
        False,
        total,
        fn,
        0,
        stack,
    )
    while len(stack) > 0:
        v, tix, cb, bh, bl, lo_val, has_lo, hi_val, has_hi, r0, r1, depth = stack.pop()
        m = v.shape[0]
        nb = _n_bins(m)
        w = nb / (r1 - r0) if r0 < r1 else np.inf
        if m <= leaf_max or depth >= _MAX_DEPTH or not w < np.inf:
            v.sort()
            _finish(v, tix, taus, out, cb, bh, bl, lo_val, has_lo, hi_val, has_hi, total, fn)
            continue
        cnt, shi, slo, mn, mx = _bin_stats(v, r0, w, nb)
        _split(
            v,
            tix,
            taus,
            out,
            cnt,
            shi,
            slo,
            mn,
            mx,
            r0,
            w,
            cb,
            bh,
            bl,
            lo_val,
            has_lo,
            hi_val,
            has_hi,
            total,
            fn,
            depth,
            stack,
        )
    return out


@register_warmup
def _warmup() -> None:
    x = np.array([0.7, -1.0, 2.0, -0.2, 0.1])
    taus = np.array([0.1, 0.5])
    expectiles_sorted(np.sort(x), taus)
    expectiles_unsorted(x, taus)
    expectiles_unsorted(x, taus, 2)
