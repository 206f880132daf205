"""Compiled quasi-Newton maximum likelihood for the GARCH family.

:func:`bfgs` minimises ``-loglik / n`` over free parameters ``phi`` (``theta = A phi + c``,
see :mod:`riskkit._kernels.garch`) under box bounds ``lo <= phi <= hi`` and linear
constraints ``G phi >= h``. It is a feasible-direction BFGS: the search direction
is the BFGS direction with the components at an active bound removed and the
active linear constraints projected out; the step is cut to stay feasible and
chosen by Armijo backtracking. Convergence: projected gradient (max-abs) below
``gtol``.

The batched rolling refit built on it is :mod:`riskkit._kernels.garch_windows`.
"""

from __future__ import annotations

import math

import numpy as np

from riskkit._jit import jit, register_warmup
from riskkit._kernels.garch import GARCH, loglik
from riskkit._kernels.garch_fast import fast_eligible, gauss_loglik11_many, loglik11

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
) -> tuple:
    """``(Binv, f, g)``: inverse of the outer product of the scores / n (BHHH), the start
    of the BFGS matrix, and the objective ``f = -loglik / n`` with its gradient ``g``
    (same pass over the data, so the optimiser's first evaluation is free)."""
    kf = A.shape[1]
    theta = A @ phi + c
    ll, grad, sc, _, _ = loglik(
        theta, y, x, spec[0], spec[1], spec[2], spec[3], spec[4], spec[5], spec[6], bc, True
    )
    n = y.shape[0]
    g = np.zeros(kf)
    if not math.isfinite(ll):
        return np.eye(kf), BIG, g
    for j in range(kf):
        v = 0.0
        for i in range(A.shape[0]):
            v += A[i, j] * grad[i]
        g[j] = -v / n
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
        return np.eye(kf), -ll / n, g
    return Binv, -ll / n, g


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
    """H <- P H P + (a'Ha / (a'a)^2) a a' with P = I - a a' / a'a, in place.

    The quasi-Newton step ``-H g`` then moves along the constraint plane ``a' phi = h``
    only through ``P H P``; the rank-one term keeps ``H`` non-singular along ``a``, with
    its own curvature there. Without it ``H a = 0`` for good (the BFGS updates use
    ``s, y`` projected on the plane) and the iterate could never leave the constraint
    once the gradient turns inward -- it stalled on the persistence boundary of
    rolling windows whose optimum moved inside (analogous to ``H[j, j] = 1`` for an
    active bound).
    """
    k = H.shape[0]
    aa = 0.0
    aha = 0.0
    for i in range(k):
        aa += a[i] * a[i]
        v = 0.0
        for j in range(k):
            v += H[i, j] * a[j]
        aha += a[i] * v
    if not (aa > 0.0):
        return
    for i in range(k):
        _project_vec(H[i], a)
    col = np.empty(k)
    for j in range(k):
        for i in range(k):
            col[i] = H[i, j]
        _project_vec(col, a)
        for i in range(k):
            H[i, j] = col[i]
    w = aha / (aa * aa) if aha > 0.0 else 1.0 / aa
    for i in range(k):
        for j in range(k):
            H[i, j] += w * a[i] * a[j]


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
    dtol = gtol * gtol
    if h0.shape[0] == kf and h0.shape[1] == kf:
        H = h0.copy()
        f, g = objective(phi, A, c, y, x, spec, bc, True)
    else:
        Hb, f, g = bhhh_inverse(phi, A, c, y, x, spec, bc)
        H = np.ascontiguousarray(Hb)
    d = np.empty(kf)
    pg = np.empty(kf)
    active = np.zeros(kf, dtype=np.bool_)
    f_hist = np.full(5, np.inf)
    lin_active = np.zeros(G.shape[0], dtype=np.bool_)
    converged = False
    it = 0
    stall = 0
    while True:
        # projected gradient
        for j in range(kf):
            pg[j] = -g[j]
        _direction(pg, phi, lo, hi, G, h, atol)
        gmax = 0.0
        for j in range(kf):
            gmax = max(gmax, abs(pg[j]))
        # reduced-space BFGS: decouple variables held at a bound. The diagonal entry
        # is kept (1 if unusable): it is the curvature estimate needed when the bound
        # is released, e.g. nu of the t coming back from its upper bound, where the
        # likelihood is so flat that a unit entry would never move it.
        for j in range(kf):
            active[j] = (phi[j] - lo[j] <= atol and g[j] > 0.0) or (
                hi[j] - phi[j] <= atol and g[j] < 0.0
            )
            if active[j]:
                hjj = H[j, j]
                for i in range(kf):
                    H[i, j] = 0.0
                    H[j, i] = 0.0
                H[j, j] = hjj if hjj > 0.0 and math.isfinite(hjj) else 1.0
        # active linear constraints that the quasi-Newton step would leave:
        # restrict H to their null space (see _project_sym), as for the bounds above
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
        # converged: small projected gradient AND small predicted decrease -g'd of f
        # (~ 2 (f - f*)). The second test makes the criterion scale-free: a parameter
        # the likelihood hardly depends on (nu of the t near 100-500) has a tiny
        # gradient far from its optimum, but a large predicted decrease.
        if f < BIG and gmax < gtol and (not (slope < 0.0) or -slope <= dtol):
            converged = True
            break
        if it >= maxiter:
            break
        it += 1
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
        cuts = 0
        for _ in range(halvings):
            new = phi + t * d
            f_new, g_new = objective(new, A, c, y, x, spec, bc, True)
            # Armijo, with a rounding allowance: the mean log-likelihood is a sum of
            # n terms, so differences below ~1e-15 |f| are noise
            if f_new <= f + 1e-4 * t * slope + 1e-15 * abs(f):
                accepted = True
                break
            t *= 0.5
            cuts += 1
        if not accepted:
            # no decrease possible at machine precision: converged if the gradient is small
            converged = gmax < 1e3 * gtol
            break
        if cuts >= 2 and -slope <= 1e-3 * gtol:
            # the quadratic model fails (step cut twice) although the predicted decrease
            # is already negligible: a kink of the likelihood (EGARCH's |z|), where the
            # gradient cannot vanish; more iterations only crawl (seen: 5 iterations of
            # 6-10 halvings each for a 1e-12 relative gain on EGARCH-skew-t)
            phi = new
            f = f_new
            g = g_new
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
        if it % 20 == 0:
            # periodic restart from the BHHH matrix (breaks zigzagging at active bounds)
            H = np.ascontiguousarray(bhhh_inverse(phi, A, c, y, x, spec, bc)[0])
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
    best = -1
    fbest = BIG
    if fast_eligible(spec[0], spec[2], spec[3], spec[4], x.shape[1]):
        # all candidates in one interleaved pass (see gauss_loglik11_many); the same
        # values as objective() row by row
        nr = starts.shape[0]
        thetas = np.empty((nr, A.shape[0]))
        for r in range(nr):
            for i in range(A.shape[0]):
                v = c[i]
                for j in range(A.shape[1]):
                    v += A[i, j] * starts[r, j]
                thetas[r, i] = v
        ll = gauss_loglik11_many(thetas, y, x, spec[1], spec[3], spec[6], bc)
        for r in range(nr):
            f = -ll[r] / y.shape[0] if math.isfinite(ll[r]) else BIG
            if f < fbest:
                best = r
                fbest = f
        return best
    sp = spec.copy()
    sp[5] = 0  # normal density; the shape parameters are ignored
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
    secant pair, so convergence is superlinear. A step below 1e-8 (relative) is taken
    without evaluating the objective there, and ends the polish. ``f0, g0`` are the objective and
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
        if rel < 1e-8:
            # a step this small changes the log-likelihood by ~|g| |d| (below rounding)
            # and is accurate to ~rel^2 (superlinear convergence): take it without
            # the evaluation that could only confirm it
            phi = new
            done += 1
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


def warmup_problem() -> tuple:
    """A tiny constant-mean GARCH(1,1) problem ``(y, x, A, c, lo, hi, G, h, spec, phi)``
    used to compile the optimiser kernels (here and in :mod:`garch_windows`)."""
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
    return y, x, A, c, lo, hi, G, h, spec, phi


@register_warmup
def _warmup() -> None:
    y, x, A, c, lo, hi, G, h, spec, phi = warmup_problem()
    _, bc, _ = ols_backcast(y, x, 0)
    res = bfgs(phi, lo, hi, G, h, A, c, y, x, spec, bc, 5, 1e-6, np.zeros((0, 0)))
    newton_polish(res[0], lo, hi, G, h, A, c, y, x, spec, bc, res[4], 2, res[1], res[5])
    screen_starts(phi[None, :].copy(), A, c, y, x, spec, bc)
