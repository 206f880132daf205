"""Compiled quasi-Newton maximum likelihood for the GARCH family, and the batched rolling refit.

:func:`bfgs` minimises ``-loglik / n`` over free parameters ``phi`` (``theta = A phi + c``,
see :mod:`riskkit._kernels.garch`) under box bounds ``lo <= phi <= hi`` and linear
constraints ``G phi >= h``. It is a feasible-direction BFGS: the search direction
is the BFGS direction with the components at an active bound removed and the
active linear constraints projected out; the step is cut to stay feasible and
chosen by Armijo backtracking. Convergence: projected gradient (max-abs) below
``gtol``.

:func:`fit_windows_kernel` runs it over many windows of one series in a single
call, warm-starting each window from the previous optimum.
"""

from __future__ import annotations

import math

import numpy as np

from riskkit._jit import jit, register_warmup
from riskkit._kernels.garch import GARCH, garch_filter, loglik
from riskkit._kernels.garch_fast import fast_eligible, loglik11

BIG = 1e10


@jit
def objective(
    phi: np.ndarray,
    A: np.ndarray,
    c: np.ndarray,
    y: np.ndarray,
    x: np.ndarray,
    spec: np.ndarray,
    bc: float,
    want_grad: bool,
) -> tuple:
    """``(-loglik / n, gradient wrt phi)``; ``spec = [nma, vol, p, o, q, dist, init]``."""
    k = A.shape[0]
    kf = A.shape[1]
    theta = np.empty(k)
    for i in range(k):
        v = c[i]
        for j in range(kf):
            v += A[i, j] * phi[j]
        theta[i] = v
    n = y.shape[0]
    if fast_eligible(spec[0], spec[2], spec[3], spec[4], x.shape[1]):
        grad = np.empty(k)
        ll = loglik11(
            theta,
            y,
            x,
            spec[1],
            spec[3],
            spec[5],
            spec[6],
            bc,
            1 if want_grad else 0,
            grad,
            np.empty((1, k)),
            np.empty(n),
            np.empty(n),
        )
    else:
        ll, grad, _, _, _ = loglik(
            theta,
            y,
            x,
            spec[0],
            spec[1],
            spec[2],
            spec[3],
            spec[4],
            spec[5],
            spec[6],
            bc,
            want_grad,
        )
    g = np.zeros(kf)
    if not math.isfinite(ll):
        return BIG, g
    if want_grad:
        for j in range(kf):
            v = 0.0
            for i in range(k):
                v += A[i, j] * grad[i]
            g[j] = -v / n
    return -ll / n, g


@jit
def bhhh_inverse(
    phi: np.ndarray,
    A: np.ndarray,
    c: np.ndarray,
    y: np.ndarray,
    x: np.ndarray,
    spec: np.ndarray,
    bc: float,
) -> np.ndarray:
    """Inverse of the outer product of the scores / n (BHHH), the start of the BFGS matrix."""
    kf = A.shape[1]
    theta = A @ phi + c
    ll, _, sc, _, _ = loglik(
        theta, y, x, spec[0], spec[1], spec[2], spec[3], spec[4], spec[5], spec[6], bc, True
    )
    n = y.shape[0]
    if not math.isfinite(ll):
        return np.eye(kf)
    S = sc @ A
    B = (S.T @ S) / n
    tr = 0.0
    for j in range(kf):
        tr += B[j, j]
    for j in range(kf):
        B[j, j] += 1e-8 * tr / kf + 1e-12
    Binv = np.linalg.inv(B)
    ok = True
    for j in range(kf):
        if not (Binv[j, j] > 0.0) or not math.isfinite(Binv[j, j]):
            ok = False
    if not ok:
        return np.eye(kf)
    return Binv


@jit
def _direction(
    d: np.ndarray,
    phi: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    G: np.ndarray,
    h: np.ndarray,
    tol: float,
) -> None:
    """Remove components of ``d`` that leave the feasible set at active constraints (in place)."""
    kf = d.shape[0]
    for _ in range(3):
        for j in range(kf):
            if (phi[j] - lo[j] <= tol and d[j] < 0.0) or (hi[j] - phi[j] <= tol and d[j] > 0.0):
                d[j] = 0.0
        changed = False
        for r in range(G.shape[0]):
            slack = -h[r]
            ad = 0.0
            aa = 0.0
            for j in range(kf):
                slack += G[r, j] * phi[j]
                ad += G[r, j] * d[j]
                aa += G[r, j] * G[r, j]
            if slack <= tol and ad < 0.0 and aa > 0.0:
                for j in range(kf):
                    d[j] -= ad / aa * G[r, j]
                changed = True
        if not changed:
            break


@jit
def _project_vec(v: np.ndarray, a: np.ndarray) -> None:
    """v <- (I - a a' / a'a) v, in place."""
    aa = 0.0
    av = 0.0
    for j in range(v.shape[0]):
        aa += a[j] * a[j]
        av += a[j] * v[j]
    if aa > 0.0:
        for j in range(v.shape[0]):
            v[j] -= av / aa * a[j]


@jit
def _project_sym(H: np.ndarray, a: np.ndarray) -> None:
    """H <- P H P with P = I - a a' / a'a, in place."""
    k = H.shape[0]
    for i in range(k):
        _project_vec(H[i], a)
    col = np.empty(k)
    for j in range(k):
        for i in range(k):
            col[i] = H[i, j]
        _project_vec(col, a)
        for i in range(k):
            H[i, j] = col[i]


@jit
def _max_step(
    d: np.ndarray, phi: np.ndarray, lo: np.ndarray, hi: np.ndarray, G: np.ndarray, h: np.ndarray
) -> float:
    t = 1.0
    kf = d.shape[0]
    for j in range(kf):
        if d[j] < 0.0:
            t = min(t, (lo[j] - phi[j]) / d[j])
        elif d[j] > 0.0:
            t = min(t, (hi[j] - phi[j]) / d[j])
    for r in range(G.shape[0]):
        slack = -h[r]
        ad = 0.0
        for j in range(kf):
            slack += G[r, j] * phi[j]
            ad += G[r, j] * d[j]
        if ad < 0.0:
            t = min(t, slack / -ad)
    return max(t, 0.0)


@jit
def bfgs(
    phi0: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    G: np.ndarray,
    h: np.ndarray,
    A: np.ndarray,
    c: np.ndarray,
    y: np.ndarray,
    x: np.ndarray,
    spec: np.ndarray,
    bc: float,
    maxiter: int,
    gtol: float,
    h0: np.ndarray,
) -> tuple:
    """Returns ``(phi, f, converged, iterations, H, g)``.

    ``f = -loglik / n``, ``H`` the final inverse-Hessian estimate of ``f`` and ``g``
    its gradient at ``phi``. The
    start matrix is ``h0`` when it is ``kf x kf`` (e.g. the previous window's ``H``),
    otherwise the BHHH inverse at ``phi0``.
    """
    kf = phi0.shape[0]
    phi = phi0.copy()
    atol = 1e-10
    f, g = objective(phi, A, c, y, x, spec, bc, True)
    if h0.shape[0] == kf and h0.shape[1] == kf:
        H = h0.copy()
    else:
        H = np.ascontiguousarray(bhhh_inverse(phi, A, c, y, x, spec, bc))
    d = np.empty(kf)
    pg = np.empty(kf)
    active = np.zeros(kf, dtype=np.bool_)
    f_hist = np.full(5, np.inf)
    lin_active = np.zeros(G.shape[0], dtype=np.bool_)
    converged = False
    it = 0
    stall = 0
    while it < maxiter:
        # projected gradient
        for j in range(kf):
            pg[j] = -g[j]
        _direction(pg, phi, lo, hi, G, h, atol)
        gmax = 0.0
        for j in range(kf):
            gmax = max(gmax, abs(pg[j]))
        if gmax < gtol and f < BIG:
            converged = True
            break
        it += 1
        if it % 20 == 0:
            # periodic restart from the BHHH matrix (breaks zigzagging at active bounds)
            H = np.ascontiguousarray(bhhh_inverse(phi, A, c, y, x, spec, bc))
        # reduced-space BFGS: decouple variables held at a bound
        for j in range(kf):
            active[j] = (phi[j] - lo[j] <= atol and g[j] > 0.0) or (
                hi[j] - phi[j] <= atol and g[j] < 0.0
            )
            if active[j]:
                for i in range(kf):
                    H[i, j] = 0.0
                    H[j, i] = 0.0
                H[j, j] = 1.0
        # active linear constraints that the quasi-Newton step would leave:
        # restrict H to their null space (H <- P H P), as for the bounds above
        nlin = 0
        for r in range(G.shape[0]):
            lin_active[r] = False
            slack = -h[r]
            for j in range(kf):
                slack += G[r, j] * phi[j]
            if slack <= atol:
                ad = 0.0
                for i in range(kf):
                    v = 0.0
                    for j in range(kf):
                        v -= H[i, j] * g[j]
                    ad += G[r, i] * v
                if ad < 0.0:
                    lin_active[r] = True
                    nlin += 1
                    _project_sym(H, G[r])
        for i in range(kf):
            v = 0.0
            for j in range(kf):
                v -= H[i, j] * g[j]
            d[i] = v
        _direction(d, phi, lo, hi, G, h, atol)
        slope = 0.0
        for j in range(kf):
            slope += g[j] * d[j]
        if not (slope < 0.0):
            H[:, :] = np.eye(kf)
            for j in range(kf):
                d[j] = pg[j]
            slope = 0.0
            for j in range(kf):
                slope += g[j] * d[j]
            if not (slope < 0.0):
                break
        if -slope < 1e-14 * max(1.0, abs(f)):
            # the predicted decrease is below rounding: nothing left to gain
            converged = gmax < 1e3 * gtol
            break
        t = _max_step(d, phi, lo, hi, G, h)
        if t <= 0.0:
            # blocked by a constraint: restart from steepest feasible descent
            H[:, :] = np.eye(kf)
            stall += 1
            if stall > 3:
                break
            continue
        accepted = False
        # near the optimum (projected gradient below the plateau threshold) a line
        # search that needs > 10 halvings means a kink of the likelihood along d (e.g.
        # EGARCH's |z| when mu equals a return): stop there instead of crawling
        halvings = 10 if gmax < 1e3 * gtol else 30
        for _ in range(halvings):
            new = phi + t * d
            f_new, g_new = objective(new, A, c, y, x, spec, bc, True)
            # Armijo, with a rounding allowance: the mean log-likelihood is a sum of
            # n terms, so differences below ~1e-15 |f| are noise
            if f_new <= f + 1e-4 * t * slope + 1e-15 * abs(f):
                accepted = True
                break
            t *= 0.5
        if not accepted:
            # no decrease possible at machine precision: converged if the gradient is small
            converged = gmax < 1e3 * gtol
            break
        s = new - phi
        yv = g_new - g
        for j in range(kf):
            if active[j]:
                yv[j] = 0.0
                s[j] = 0.0
        if nlin:
            for r in range(G.shape[0]):
                if lin_active[r]:
                    _project_vec(yv, G[r])
                    _project_vec(s, G[r])
        sy = 0.0
        for j in range(kf):
            sy += s[j] * yv[j]
        if sy > 1e-16:
            Hy = np.zeros(kf)
            for i in range(kf):
                for j in range(kf):
                    Hy[i] += H[i, j] * yv[j]
            yHy = 0.0
            for j in range(kf):
                yHy += yv[j] * Hy[j]
            for i in range(kf):
                for j in range(kf):
                    H[i, j] += (sy + yHy) * s[i] * s[j] / (sy * sy) - (
                        Hy[i] * s[j] + s[i] * Hy[j]
                    ) / sy
        df = f - f_new
        phi = new
        f = f_new
        g = g_new
        # plateau: the objective has not moved (beyond rounding) in 5 iterations,
        # e.g. at a kink of the EGARCH likelihood (|z| where some z_t = 0)
        f_hist[it % 5] = f
        if it >= 5 and f_hist[(it + 1) % 5] - f < 1e-13 * max(1.0, abs(f)):
            converged = gmax < 1e3 * gtol
            break
        if df < 1e-15 * max(1.0, abs(f)):
            stall += 1
            if stall > 5:
                converged = gmax < 1e3 * gtol
                break
        else:
            stall = 0
    return phi, f, converged, it, H, g


@jit
def screen_starts(
    starts: np.ndarray,
    A: np.ndarray,
    c: np.ndarray,
    y: np.ndarray,
    x: np.ndarray,
    spec: np.ndarray,
    bc: float,
) -> int:
    """Row of ``starts`` (candidate ``phi``) with the highest Gaussian quasi-likelihood on
    ``(y, x)``; -1 if none is finite.

    The candidates differ only in the mean/variance parameters, which the Gaussian
    quasi-likelihood ranks as well as the model's own density (same iteration counts
    and optima on the S&P 500 and DEM/GBP data) at a fraction of the cost of the
    t / skew-t / GED densities.
    """
    sp = spec.copy()
    sp[5] = 0  # normal density; the shape parameters are ignored
    best = -1
    fbest = BIG
    for r in range(starts.shape[0]):
        f, _ = objective(starts[r], A, c, y, x, sp, bc, False)
        if f < fbest:
            best = r
            fbest = f
    return best


@jit
def _strictly_feasible(
    v: np.ndarray, lo: np.ndarray, hi: np.ndarray, G: np.ndarray, h: np.ndarray
) -> bool:
    for j in range(v.shape[0]):
        if not (v[j] > lo[j] and v[j] < hi[j]):
            return False
    for r in range(G.shape[0]):
        slack = -h[r]
        for j in range(v.shape[0]):
            slack += G[r, j] * v[j]
        if slack < 0.0:
            return False
    return True


@jit
def newton_polish(
    phi0: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    G: np.ndarray,
    h: np.ndarray,
    A: np.ndarray,
    c: np.ndarray,
    y: np.ndarray,
    x: np.ndarray,
    spec: np.ndarray,
    bc: float,
    h0: np.ndarray,
    steps: int,
    f0: float,
    g0: np.ndarray,
) -> tuple:
    """Quasi-Newton steps ``phi - H g`` on the exact score after :func:`bfgs` has stopped.

    The line-search optimiser stops once the objective no longer changes at machine
    precision (parameters accurate to ~1e-7); here the exact gradient is the merit:
    a full step is kept while it stays strictly feasible, reduces the largest
    gradient component and does not lower the likelihood beyond rounding. ``H``
    (``h0`` = the BFGS inverse Hessian of ``-loglik / n``) is updated with each step's
    secant pair, so convergence is superlinear. Stops after a step below 1e-12
    (relative): the step is then not even evaluated. ``f0, g0`` are the objective and
    its gradient at ``phi0`` when known (``g0`` of length ``kf``; otherwise they are
    computed). Returns ``(phi, steps taken)``.
    """
    kf = phi0.shape[0]
    phi = phi0.copy()
    H = h0.copy()
    if g0.shape[0] == kf:
        f = f0
        g = g0.copy()
    else:
        f, g = objective(phi, A, c, y, x, spec, bc, True)
    if f >= BIG:
        return phi, 0
    gmax = 0.0
    for j in range(kf):
        gmax = max(gmax, abs(g[j]))
    done = 0
    d = np.empty(kf)
    Hy = np.empty(kf)
    for _ in range(steps):
        for i in range(kf):
            v = 0.0
            for j in range(kf):
                v -= H[i, j] * g[j]
            d[i] = v
        rel = 0.0
        for j in range(kf):
            rel = max(rel, abs(d[j]) / max(1.0, abs(phi[j])))
        if rel < 1e-12:
            break
        new = phi + d
        if not _strictly_feasible(new, lo, hi, G, h):
            break
        f_new, g_new = objective(new, A, c, y, x, spec, bc, True)
        gmax_new = 0.0
        for j in range(kf):
            gmax_new = max(gmax_new, abs(g_new[j]))
        if not (gmax_new < gmax) or not (f_new <= f + 1e-13 * abs(f)):
            break
        yv = g_new - g
        sy = 0.0
        for j in range(kf):
            sy += d[j] * yv[j]
        if sy > 1e-300:
            yHy = 0.0
            for i in range(kf):
                v = 0.0
                for j in range(kf):
                    v += H[i, j] * yv[j]
                Hy[i] = v
                yHy += yv[i] * v
            for i in range(kf):
                for j in range(kf):
                    H[i, j] += (sy + yHy) * d[i] * d[j] / (sy * sy) - (
                        Hy[i] * d[j] + d[i] * Hy[j]
                    ) / sy
        phi = new
        f = f_new
        g = g_new
        gmax = gmax_new
        done += 1
    return phi, done


@jit
def ols_backcast(y: np.ndarray, x: np.ndarray, rule: int) -> tuple:
    """OLS mean start and the fixed start value: 0 arch backcast, 1 sample variance, 2 mean e^2."""
    n = y.shape[0]
    kx = x.shape[1]
    if kx > 0:
        b = np.linalg.lstsq(x, y)[0]
        e = y - x @ b
    else:
        b = np.zeros(0)
        e = y.copy()
    m2 = 0.0
    for t in range(n):
        m2 += e[t] * e[t]
    m2 /= n
    if rule == 0:
        tau = min(75, n)
        num = 0.0
        den = 0.0
        w = 1.0
        for t in range(tau):
            num += w * e[t] * e[t]
            den += w
            w *= 0.94
        return b, num / den, m2
    if rule == 1:
        mu = 0.0
        for t in range(n):
            mu += e[t]
        mu /= n
        return b, m2 - mu * mu, m2
    return b, m2, m2


@jit
def fit_windows_kernel(
    y: np.ndarray,
    x: np.ndarray,
    x_next: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    phi0: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    G: np.ndarray,
    h: np.ndarray,
    A: np.ndarray,
    c: np.ndarray,
    spec: np.ndarray,
    rule: int,
    maxiter: int,
    gtol: float,
) -> tuple:
    """Warm-started refits on rows ``[starts[w], ends[w])`` of the design ``(y, x)``.

    ``x_next[w]`` is the design row of the day after window ``w``. Returns
    ``(theta (nw x k), loglik, converged, iterations, sigma2_next, mean_next)`` on
    the scale of ``y``. Bounds that depend on the data (omega) are given for unit
    variance and rescaled by each window's residual variance.
    """
    nw = starts.shape[0]
    k = A.shape[0]
    nma = spec[0]
    vol = spec[1]
    p = spec[2]
    o = spec[3]
    q = spec[4]
    kx = x.shape[1]
    iv = kx + nma
    m = max(p, max(o, q))
    thetas = np.full((nw, k), np.nan)
    lls = np.full(nw, np.nan)
    conv = np.zeros(nw, dtype=np.bool_)
    iters = np.zeros(nw, dtype=np.int64)
    s2n = np.full(nw, np.nan)
    mun = np.full(nw, np.nan)
    phi = phi0.copy()
    hprev = np.zeros((0, 0))
    for w in range(nw):
        a = starts[w]
        b = ends[w]
        yw = y[a:b]
        xw = x[a:b]
        _, bc, v = ols_backcast(yw, xw, rule)
        # data-dependent bounds of omega scale with the window's variance
        low = lo.copy()
        high = hi.copy()
        cw = c.copy()
        for j in range(phi.shape[0]):
            if A[iv, j] == 1.0:
                if vol == GARCH:
                    low[j] = lo[j] * v
                    high[j] = hi[j] * v
                else:
                    low[j] = lo[j] + math.log(v)
                    high[j] = hi[j] + math.log(v)
        for j in range(phi.shape[0]):
            phi[j] = min(max(phi[j], low[j] + 1e-9), high[j] - 1e-9)
        res = bfgs(phi, low, high, G, h, A, cw, yw, xw, spec, bc, maxiter, gtol, hprev)
        if res[1] >= BIG:
            # warm start infeasible for this window: restart from the grid start
            start = phi0.copy()
            for j in range(start.shape[0]):
                start[j] = min(max(start[j], low[j] + 1e-9), high[j] - 1e-9)
            res = bfgs(start, low, high, G, h, A, cw, yw, xw, spec, bc, maxiter, gtol, hprev)
        phi_w = res[0]
        conv[w] = res[2]
        iters[w] = res[3]
        theta = A @ phi_w + cw
        ll, _, _, s2, eps = loglik(theta, yw, xw, nma, vol, p, o, q, spec[5], spec[6], bc, False)
        thetas[w] = theta
        lls[w] = ll
        if math.isfinite(ll):
            if conv[w]:
                phi = phi_w.copy()
                hprev = np.ascontiguousarray(res[4])
            n = yw.shape[0]
            nxt = garch_filter(
                theta[iv : iv + 1 + p + o + q],
                eps[n - m : n][:0],
                vol,
                p,
                o,
                q,
                eps[n - m : n].copy(),
                s2[n - m : n].copy(),
            )
            s2n[w] = nxt[0]
            mu = 0.0
            for j in range(kx):
                mu += x_next[w, j] * theta[j]
            for j in range(nma):
                mu += theta[kx + j] * eps[n - 1 - j]
            mun[w] = mu
    return thetas, lls, conv, iters, s2n, mun


@register_warmup
def _warmup() -> None:
    rng = np.random.default_rng(0)
    y = rng.standard_normal(60)
    x = np.ones((60, 1))
    A = np.eye(4)
    c = np.zeros(4)
    lo = np.array([-1e9, 1e-6, 0.0, 0.0])
    hi = np.array([1e9, 10.0, 1.0, 1.0])
    G = np.array([[0.0, 0.0, -1.0, -1.0]])
    h = np.array([-0.999])
    spec = np.array([0, GARCH, 1, 0, 1, 0, 0], dtype=np.int64)
    phi = np.array([0.0, 0.1, 0.1, 0.8])
    fit_windows_kernel(
        y, x, x[:2], np.array([0, 5]), np.array([55, 60]), phi, lo, hi, G, h, A, c, spec, 0, 5, 1e-6
    )
