"""Numba kernels of linear quantile regression: an exact LP solution.

The regression quantile solves the linear program

    min_b  sum_i rho_tau(y_i - x_i' b),   rho_tau(u) = u (tau - 1{u < 0}).

Two stages:

1. ``rq_interior`` -- a primal-dual interior point (Frisch-Newton) method with
   Mehrotra's predictor-corrector, applied to the bounded dual

       max_a  y'a   s.t.  X'a = (1 - tau) X'1,   0 <= a <= 1

   (Portnoy & Koenker 1997). It reaches a point close to the optimal face in
   O(n p^2) work per iteration and a few dozen iterations.
2. ``rq_simplex`` -- vertex identification and exact simplex descent: the p
   observations whose dual values are the most interior form a basis h, the
   basic solution b(h) = X_h^{-1} y_h is computed, and its optimality is checked
   with the subgradient condition of Koenker (2005, Theorem 2.1)

       -tau <= xi_j <= 1 - tau,   xi = X_h^{-T} sum_{i not in h} psi_tau(r_i) x_i.

   A violated coordinate gives an edge of descent; the exact line search along
   it is a weighted median of the breakpoints r_i / (x_i' d) (one simplex pivot,
   as in Barrodale & Roberts 1974). The loop stops at an optimal vertex, so the
   answer is an exact basic solution of the LP.

The drivers (several tau warm-started from the previous optimal basis,
large-n preprocessing, bootstrap loops) are in :mod:`riskkit._kernels.quantreg_fit`.

Degenerate problems (ties, many zero residuals, as with rounded data) can make
the simplex stall in zero-length pivots. Then the response is perturbed by a
tiny deterministic amount (the classical perturbation cure of degeneracy,
Charnes 1952), the perturbed problem is solved, and its optimal basis is
certified on the original data: the signs of the perturbed residuals supply
psi_i in [tau - 1, tau] for the observations with zero residual, and the
subgradient condition above must hold with them. The certificate makes the
answer exact for the original problem.

Status codes: 0 optimal, 1 iteration limit, 2 singular basis, 3 cycling.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from riskkit._jit import jit, register_warmup

OPTIMAL = 0
MAXITER = 1
SINGULAR = 2
CYCLING = 3


@jit
def check_loss(r: np.ndarray, tau: float) -> float:
    """Sum of rho_tau(r_i)."""
    s = 0.0
    for i in range(r.shape[0]):
        u = r[i]
        s += u * (tau - 1.0) if u < 0.0 else u * tau
    return s


@jit
def _cholesky_solve(Q: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Solve Q x = rhs for symmetric positive definite Q (p x p) by Cholesky."""
    p = Q.shape[0]
    L = np.zeros((p, p))
    scale = 0.0
    for i in range(p):
        scale = max(scale, abs(Q[i, i]))
    jitter = 1e-14 * scale + 1e-300
    for j in range(p):
        s = Q[j, j]
        for k in range(j):
            s -= L[j, k] * L[j, k]
        if s <= jitter:
            s = jitter
        L[j, j] = math.sqrt(s)
        for i in range(j + 1, p):
            t = Q[i, j]
            for k in range(j):
                t -= L[i, k] * L[j, k]
            L[i, j] = t / L[j, j]
    z = np.empty(p)
    for i in range(p):
        t = rhs[i]
        for k in range(i):
            t -= L[i, k] * z[k]
        z[i] = t / L[i, i]
    x = np.empty(p)
    for i in range(p - 1, -1, -1):
        t = z[i]
        for k in range(i + 1, p):
            t -= L[k, i] * x[k]
        x[i] = t / L[i, i]
    return x


@jit
def _inverse(A: np.ndarray) -> tuple[np.ndarray, bool]:
    """Inverse of a small square matrix by Gauss-Jordan with partial pivoting."""
    p = A.shape[0]
    M = A.copy()
    inv = np.eye(p)
    big = 0.0
    for i in range(p):
        for j in range(p):
            big = max(big, abs(A[i, j]))
    if big == 0.0:
        return inv, False
    for c in range(p):
        piv = c
        for r in range(c + 1, p):
            if abs(M[r, c]) > abs(M[piv, c]):
                piv = r
        if abs(M[piv, c]) <= 1e-13 * big:
            return inv, False
        if piv != c:
            for k in range(p):
                t = M[c, k]
                M[c, k] = M[piv, k]
                M[piv, k] = t
                t = inv[c, k]
                inv[c, k] = inv[piv, k]
                inv[piv, k] = t
        d = M[c, c]
        for k in range(p):
            M[c, k] /= d
            inv[c, k] /= d
        for r in range(p):
            if r != c:
                f = M[r, c]
                if f != 0.0:
                    for k in range(p):
                        M[r, k] -= f * M[c, k]
                        inv[r, k] -= f * inv[c, k]
    return inv, True


# The interior point works on the transposed design XT (p x n, C-contiguous) so that
# every O(n) loop runs over contiguous memory and vectorises. It is compiled with
# fastmath "reassoc" only (no "nnan"/"ninf": NaN checks keep working), which lets
# LLVM vectorise its sums; that changes their rounding, harmless here because the
# interior point only locates the optimal face and the answer is the exact vertex
# certified by the simplex below (compiled without any fastmath flag).
_IP_OPTIONS: dict[str, Any] = {"fastmath": {"reassoc"}}


@jit(**_IP_OPTIONS)
def _newton_direction(
    XT: np.ndarray,
    Q: np.ndarray,
    d: np.ndarray,
    ix: np.ndarray,
    isl: np.ndarray,
    z: np.ndarray,
    w: np.ndarray,
    rp: np.ndarray,
    rd: np.ndarray,
    rxz: np.ndarray,
    rsw: np.ndarray,
    t: np.ndarray,
    aty: np.ndarray,
    dx: np.ndarray,
    dz: np.ndarray,
    dw: np.ndarray,
) -> np.ndarray:
    """Newton direction of the bounded LP; fills dx (ds = -dx), dz, dw and returns dy.

    ``Q = X' D X`` with ``D = diag(d)``, ``d = 1 / (z/x + w/s)``; ``ix = 1/x``, ``isl = 1/s``.
    Normal equations: ``Q dy = rp + X't`` with ``t = d (rd - rxz/x + rsw/s)``.
    """
    p, n = XT.shape
    for i in range(n):
        t[i] = d[i] * (rd[i] - rxz[i] * ix[i] + rsw[i] * isl[i])
    rhs = rp.copy()
    for k in range(p):
        row = XT[k]
        acc = 0.0
        for i in range(n):
            acc += row[i] * t[i]
        rhs[k] += acc
    dy = _cholesky_solve(Q, rhs)
    aty[:] = 0.0
    for k in range(p):
        row = XT[k]
        v = dy[k]
        for i in range(n):
            aty[i] += row[i] * v
    for i in range(n):
        dxi = d[i] * aty[i] - t[i]
        dx[i] = dxi
        dz[i] = (rxz[i] - z[i] * dxi) * ix[i]
        dw[i] = (rsw[i] + w[i] * dxi) * isl[i]
    return dy


@jit(**_IP_OPTIONS)
def _max_step(iv: np.ndarray, dv: np.ndarray, iu: np.ndarray, du: np.ndarray) -> float:
    """Largest a with v + a dv >= 0 and u + a du >= 0, given ``iv = 1/v``, ``iu = 1/u`` (> 0).

    ``1/a = max_i max(-dv_i / v_i, -du_i / u_i, 0)``: products instead of divisions,
    kept in 8 interleaved partial maxima so that the loop vectorises (a max reduction
    over a single accumulator does not without the "nnan" flag).
    """
    n = iv.shape[0]
    acc = np.zeros(8)
    nb = n // 8
    for blk in range(nb):
        for lane in range(8):
            i = 8 * blk + lane
            r1 = -dv[i] * iv[i]
            r2 = -du[i] * iu[i]
            r = r1 if r1 > r2 else r2
            acc[lane] = r if r > acc[lane] else acc[lane]
    m = 0.0
    for lane in range(8):
        m = acc[lane] if acc[lane] > m else m
    for i in range(8 * nb, n):
        r1 = -dv[i] * iv[i]
        r2 = -du[i] * iu[i]
        r = r1 if r1 > r2 else r2
        m = r if r > m else m
    return 1.0 / m if m > 0.0 else 1e300


@jit(**_IP_OPTIONS)
def _dot_rows(XT: np.ndarray, v: np.ndarray, out: np.ndarray) -> None:
    """out[k] = sum_i XT[k, i] v[i]."""
    p, n = XT.shape
    for k in range(p):
        row = XT[k]
        acc = 0.0
        for i in range(n):
            acc += row[i] * v[i]
        out[k] = acc


@jit(**_IP_OPTIONS)
def _gram(XT: np.ndarray, d: np.ndarray, Q: np.ndarray, tmp: np.ndarray) -> None:
    """Q = X' diag(d) X (lower triangle computed, mirrored)."""
    p, n = XT.shape
    for k in range(p):
        rowk = XT[k]
        for i in range(n):
            tmp[i] = d[i] * rowk[i]
        for m in range(k + 1):
            rowm = XT[m]
            acc = 0.0
            for i in range(n):
                acc += tmp[i] * rowm[i]
            Q[k, m] = acc
            Q[m, k] = acc


@jit(**_IP_OPTIONS)
def rq_interior(
    X: np.ndarray, y: np.ndarray, tau: float, tol: float, maxit: int
) -> tuple[np.ndarray, np.ndarray, int, bool]:
    """Frisch-Newton interior point; returns (beta, dual a, iterations, converged).

    Mehrotra predictor-corrector on ``max y'a s.t. X'a = (1 - tau) X'1, 0 <= a <= 1``
    (Portnoy & Koenker 1997): primal ``x = a``, slack ``s = 1 - x``, dual slacks
    ``z`` (for ``x >= 0``) and ``w`` (for ``s >= 0``), dual variables ``yd = -beta``.
    """
    n, p = X.shape
    XT = np.ascontiguousarray(X.T)
    x = np.full(n, 1.0 - tau)
    s = np.full(n, tau)
    ones = np.ones(n)
    b = np.empty(p)
    _dot_rows(XT, ones, b)
    for k in range(p):
        b[k] *= 1.0 - tau
    c = -y
    # dual start: least squares, so that X'y_d ~ c
    Q = np.empty((p, p))
    xc = np.empty(p)
    _gram(XT, ones, Q, np.empty(n))
    _dot_rows(XT, c, xc)
    yd = _cholesky_solve(Q, xc)
    aty = np.zeros(n)
    for k in range(p):
        v = yd[k]
        for i in range(n):
            aty[i] += XT[k, i] * v
    scale = 0.0
    for i in range(n):
        scale += abs(c[i] - aty[i])
    scale = scale / n + 1e-12
    z = np.empty(n)
    w = np.empty(n)
    for i in range(n):
        r = c[i] - aty[i]
        z[i] = max(r, 0.0) + 0.5 * scale
        w[i] = max(-r, 0.0) + 0.5 * scale
    rp = np.empty(p)
    rd = np.empty(n)
    rxz = np.empty(n)
    rsw = np.empty(n)
    d = np.empty(n)
    ix = np.empty(n)
    isl = np.empty(n)
    iz = np.empty(n)
    iw = np.empty(n)
    mdx = np.empty(n)
    t = np.empty(n)
    dx = np.empty(n)
    dz = np.empty(n)
    dw = np.empty(n)
    converged = False
    it = 0
    while it < maxit:
        it += 1
        # residuals rp = b - X'x, rd = c - X yd - z + w; duality gap
        _dot_rows(XT, x, rp)
        for k in range(p):
            rp[k] = b[k] - rp[k]
        aty[:] = 0.0
        for k in range(p):
            row = XT[k]
            v = yd[k]
            for i in range(n):
                aty[i] += row[i] * v
        gap = 0.0
        pobj = 0.0
        for i in range(n):
            rd[i] = c[i] - aty[i] - z[i] + w[i]
            gap += x[i] * z[i] + s[i] * w[i]
            pobj += c[i] * x[i]
        if gap < tol * (1.0 + abs(pobj)) and it > 1:
            converged = True
            break
        for i in range(n):
            ix[i] = 1.0 / x[i]
            isl[i] = 1.0 / s[i]
            d[i] = 1.0 / (z[i] * ix[i] + w[i] * isl[i])
            iz[i] = 1.0 / z[i]
            iw[i] = 1.0 / w[i]
        _gram(XT, d, Q, t)
        # predictor (affine scaling)
        for i in range(n):
            rxz[i] = -x[i] * z[i]
            rsw[i] = -s[i] * w[i]
        _newton_direction(XT, Q, d, ix, isl, z, w, rp, rd, rxz, rsw, t, aty, dx, dz, dw)
        for i in range(n):
            mdx[i] = -dx[i]
        ap = min(1.0, _max_step(ix, dx, isl, mdx))
        ad = min(1.0, _max_step(iz, dz, iw, dw))
        mu_aff = 0.0
        for i in range(n):
            mu_aff += (x[i] + ap * dx[i]) * (z[i] + ad * dz[i])
            mu_aff += (s[i] - ap * dx[i]) * (w[i] + ad * dw[i])
        sigma = (mu_aff / gap) ** 3
        mu = sigma * gap / (2.0 * n)
        # corrector (ds = -dx)
        for i in range(n):
            rxz[i] = -x[i] * z[i] + mu - dx[i] * dz[i]
            rsw[i] = -s[i] * w[i] + mu + dx[i] * dw[i]
        dy = _newton_direction(XT, Q, d, ix, isl, z, w, rp, rd, rxz, rsw, t, aty, dx, dz, dw)
        for i in range(n):
            mdx[i] = -dx[i]
        ap = min(1.0, 0.99995 * _max_step(ix, dx, isl, mdx))
        ad = min(1.0, 0.99995 * _max_step(iz, dz, iw, dw))
        for i in range(n):
            x[i] += ap * dx[i]
            s[i] -= ap * dx[i]
            z[i] += ad * dz[i]
            w[i] += ad * dw[i]
        for k in range(p):
            yd[k] += ad * dy[k]
    beta = -yd
    return beta, x, it, converged


@jit
def basis_from_dual(X: np.ndarray, a: np.ndarray) -> tuple[np.ndarray, bool]:
    """p linearly independent rows whose dual values are the most interior of [0, 1]."""
    n, p = X.shape
    score = np.empty(n)
    for i in range(n):
        score[i] = -min(a[i], 1.0 - a[i])
    order = np.argsort(score)
    h = np.zeros(p, dtype=np.int64)
    Qb = np.zeros((p, p))  # orthonormal rows accepted so far
    m = 0
    for idx in range(n):
        i = order[idx]
        v = X[i].copy()
        nrm0 = 0.0
        for k in range(p):
            nrm0 += v[k] * v[k]
        nrm0 = math.sqrt(nrm0)
        if nrm0 == 0.0:
            continue
        for _rep in range(2):
            for j in range(m):
                dot = 0.0
                for k in range(p):
                    dot += Qb[j, k] * v[k]
                for k in range(p):
                    v[k] -= dot * Qb[j, k]
        nrm = 0.0
        for k in range(p):
            nrm += v[k] * v[k]
        nrm = math.sqrt(nrm)
        if nrm > 1e-8 * nrm0:
            for k in range(p):
                Qb[m, k] = v[k] / nrm
            h[m] = i
            m += 1
            if m == p:
                return h, True
    return h, False


@jit
def rq_simplex(
    X: np.ndarray, y: np.ndarray, tau: float, h0: np.ndarray, maxit: int
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Exact simplex descent from the vertex of basis ``h0``.

    Returns (beta, basis, pivots, status).
    """
    n, p = X.shape
    h = h0.copy()
    inbasis = np.zeros(n, dtype=np.bool_)
    for j in range(p):
        inbasis[h[j]] = True
    ymax = 0.0
    for i in range(n):
        ymax = max(ymax, abs(y[i]))
    rtol = 1e-13 * (1.0 + ymax)
    otol = 1e-11 * (1.0 + n)
    r = np.empty(n)
    xd = np.empty(n)
    beta = np.zeros(p)
    pivots = 0
    degenerate = 0
    best_obj = np.inf
    while True:
        Xh = np.empty((p, p))
        yh = np.empty(p)
        for j in range(p):
            for k in range(p):
                Xh[j, k] = X[h[j], k]
            yh[j] = y[h[j]]
        Binv, ok = _inverse(Xh)
        if not ok:
            return beta, h, pivots, SINGULAR
        for k in range(p):
            t = 0.0
            for j in range(p):
                t += Binv[k, j] * yh[j]
            beta[k] = t
        g = np.zeros(p)
        obj = 0.0
        for i in range(n):
            t = y[i]
            for k in range(p):
                t -= X[i, k] * beta[k]
            r[i] = t
            obj += t * (tau - 1.0) if t < 0.0 else t * tau
            if inbasis[i] or abs(t) <= rtol:
                continue
            psi = tau - 1.0 if t < 0.0 else tau
            for k in range(p):
                g[k] += psi * X[i, k]
        # xi = Binv' g
        jbest = -1
        vbest = otol
        sgn = 1.0
        for j in range(p):
            xi = 0.0
            for k in range(p):
                xi += Binv[k, j] * g[k]
            if xi - (1.0 - tau) > vbest:
                vbest = xi - (1.0 - tau)
                jbest = j
                sgn = 1.0
            if -tau - xi > vbest:
                vbest = -tau - xi
                jbest = j
                sgn = -1.0
        if jbest < 0:
            return beta, h, pivots, OPTIMAL
        if pivots >= maxit:
            return beta, h, pivots, MAXITER
        pivots += 1
        # direction d = sgn * Binv[:, jbest]; slope at 0+ is -vbest plus the
        # contributions of non-basic observations with zero residual
        slope = -vbest
        dnorm = 0.0
        for k in range(p):
            dnorm += Binv[k, jbest] * Binv[k, jbest]
        dnorm = math.sqrt(dnorm)
        ncand = 0
        tb = np.empty(n)
        inc = np.empty(n)
        idx = np.empty(n, dtype=np.int64)
        for i in range(n):
            if inbasis[i]:
                continue
            v = 0.0
            for k in range(p):
                v += X[i, k] * Binv[k, jbest]
            v *= sgn
            xd[i] = v
            xn = 0.0
            for k in range(p):
                xn += X[i, k] * X[i, k]
            if abs(v) <= 1e-11 * math.sqrt(xn) * dnorm:
                # x_i lies in the span of the other basic rows: cannot enter
                continue
            if abs(r[i]) <= rtol:
                # residual moves as -t v from zero: rho'(0; -v)
                slope += tau * (-v) if -v > 0.0 else (tau - 1.0) * (-v)
                tb[ncand] = 0.0
                inc[ncand] = 0.0
                idx[ncand] = i
                ncand += 1
            else:
                tt = r[i] / v
                if tt > 0.0:
                    tb[ncand] = tt
                    inc[ncand] = abs(v)
                    idx[ncand] = i
                    ncand += 1
        if ncand == 0:
            # unbounded direction cannot happen for a bounded-below objective
            return beta, h, pivots, SINGULAR
        order = np.argsort(tb[:ncand])
        enter = -1
        if slope >= 0.0:
            # degenerate: pivot on a zero-residual observation (t = 0)
            for q in range(ncand):
                if tb[order[q]] == 0.0:
                    enter = idx[order[q]]
                    break
        else:
            for q in range(ncand):
                o = order[q]
                slope += inc[o]
                if slope >= 0.0:
                    enter = idx[o]
                    break
        if enter < 0:
            enter = idx[order[ncand - 1]]
        # stalling: the objective has not decreased (zero-length or round-off pivots)
        if obj >= best_obj * (1.0 - 1e-14) - 1e-300:
            degenerate += 1
            if degenerate > 2 * p + 10:
                return beta, h, pivots, CYCLING
        else:
            degenerate = 0
            best_obj = obj
        inbasis[h[jbest]] = False
        h[jbest] = enter
        inbasis[enter] = True


@jit
def certify(
    X: np.ndarray, y: np.ndarray, yp: np.ndarray, tau: float, h: np.ndarray
) -> tuple[np.ndarray, bool]:
    """Basic solution of basis ``h`` on ``y`` and whether it is optimal.

    Zero residuals take psi from the sign of the residual under the perturbed
    response ``yp`` (a valid subgradient choice), nonzero ones their own sign.
    """
    n, p = X.shape
    Xh = np.empty((p, p))
    for j in range(p):
        for k in range(p):
            Xh[j, k] = X[h[j], k]
    Binv, ok = _inverse(Xh)
    beta = np.zeros(p)
    if not ok:
        return beta, False
    betap = np.zeros(p)
    for k in range(p):
        for j in range(p):
            beta[k] += Binv[k, j] * y[h[j]]
            betap[k] += Binv[k, j] * yp[h[j]]
    inbasis = np.zeros(n, dtype=np.bool_)
    for j in range(p):
        inbasis[h[j]] = True
    ymax = 0.0
    for i in range(n):
        ymax = max(ymax, abs(y[i]))
    rtol = 1e-13 * (1.0 + ymax)
    g = np.zeros(p)
    for i in range(n):
        if inbasis[i]:
            continue
        t = y[i]
        tp = yp[i]
        for k in range(p):
            t -= X[i, k] * beta[k]
            tp -= X[i, k] * betap[k]
        if abs(t) <= rtol:
            t = tp
        psi = tau - 1.0 if t < 0.0 else tau
        for k in range(p):
            g[k] += psi * X[i, k]
    otol = 1e-9 * (1.0 + n)
    for j in range(p):
        xi = 0.0
        for k in range(p):
            xi += Binv[k, j] * g[k]
        if xi > 1.0 - tau + otol or xi < -tau - otol:
            return beta, False
    return beta, True


@jit
def solve_from(
    X: np.ndarray, y: np.ndarray, tau: float, h0: np.ndarray, maxit: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """Simplex from basis ``h0`` with the perturbation cure of degeneracy."""
    n = X.shape[0]
    beta, h, _piv, status = rq_simplex(X, y, tau, h0, maxit)
    if status != CYCLING:
        return beta, h, status
    ymax = 0.0
    for i in range(n):
        ymax = max(ymax, abs(y[i]))
    eps = 1e-7 * (1.0 + ymax)
    yp = np.empty(n)
    for _attempt in range(4):
        state = np.uint64(88172645463325252)
        for i in range(n):
            # xorshift64: deterministic perturbation in (-1, 1)
            state ^= state << np.uint64(13)
            state ^= state >> np.uint64(7)
            state ^= state << np.uint64(17)
            u = float(state >> np.uint64(11)) / 9007199254740992.0
            yp[i] = y[i] + eps * (2.0 * u - 1.0)
        _bp, hp, _piv, st = rq_simplex(X, yp, tau, h, maxit)
        if st == OPTIMAL:
            beta2, ok = certify(X, y, yp, tau, hp)
            if ok:
                return beta2, hp, OPTIMAL
        eps *= 1e-3
    return beta, h, MAXITER


@jit
def rq_fit_direct(
    X: np.ndarray, y: np.ndarray, tau: float, tol: float, maxit: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """Interior point, vertex identification and exact simplex on all observations."""
    n = X.shape[0]
    beta_ip, a, _it, _conv = rq_interior(X, y, tau, tol, maxit)
    h, ok = basis_from_dual(X, a)
    if not ok:
        return beta_ip, h, SINGULAR
    return solve_from(X, y, tau, h, 50 * n + 1000)


@jit
def isotonic_rows(Q: np.ndarray) -> np.ndarray:
    """Least-squares non-decreasing fit of each row (pool-adjacent-violators)."""
    n, K = Q.shape
    out = np.empty((n, K))
    val = np.empty(K)
    cnt = np.empty(K, dtype=np.int64)
    for i in range(n):
        m = 0
        for k in range(K):
            val[m] = Q[i, k]
            cnt[m] = 1
            m += 1
            while m > 1 and val[m - 2] > val[m - 1]:
                tot = cnt[m - 2] + cnt[m - 1]
                val[m - 2] = (val[m - 2] * cnt[m - 2] + val[m - 1] * cnt[m - 1]) / tot
                cnt[m - 2] = tot
                m -= 1
        k = 0
        for b in range(m):
            for _c in range(cnt[b]):
                out[i, k] = val[b]
                k += 1
    return out


@register_warmup
def _warmup_isotonic() -> None:
    isotonic_rows(np.array([[1.0, 0.5, 2.0]]))


@register_warmup
def _warmup() -> None:
    X = np.ones((6, 2))
    X[:, 1] = np.arange(6.0)
    y = np.array([0.1, 1.3, 1.9, 3.2, 4.1, 4.8])
    rq_fit_direct(X, y, 0.5, 1e-10, 50)
    check_loss(y, 0.5)
