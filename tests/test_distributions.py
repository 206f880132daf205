"""riskkit.distributions against scipy, arch and numerical integration (quad)."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
import scipy.stats as st
from hypothesis import given, settings
from hypothesis import strategies as hs
from scipy.integrate import quad

import riskkit.distributions as D
from riskkit import InputError
from riskkit._kernels import distributions as K

DISTS = [
    D.Normal(),
    D.StudentT(5.0),
    D.StudentT(2.6),
    D.SkewT(6.0, -0.3),
    D.SkewT(3.5, 0.6),
    D.GED(1.3),
    D.GED(0.8),
    D.GED(3.0),
]
IDS = [str(d) for d in DISTS]


def _quad(f, a, b):
    return quad(f, a, b, limit=400, epsabs=1e-12, epsrel=1e-11)[0]


def _split_points(d):
    """Kink of the skew-t density (-a/b) so quad integrates each smooth piece."""
    if isinstance(d, D.SkewT):
        a, b, _ = d.constants
        return -a / b
    return 0.0


def _lower_integral(d, f, q):
    k = _split_points(d)
    if q <= k:
        return _quad(f, -np.inf, q)
    return _quad(f, -np.inf, k) + _quad(f, k, q)


@pytest.mark.parametrize("d", DISTS, ids=IDS)
def test_density_integrates_to_one_mean_zero_variance_one(d):
    for k, target in ((0, 1.0), (1, 0.0), (2, 1.0)):
        val = _lower_integral(d, lambda z, k=k: z**k * d.pdf(z), 0.0) + _quad(
            lambda z, k=k: z**k * d.pdf(z), 0.0, np.inf
        )
        assert val == pytest.approx(target, abs=1e-7)


@pytest.mark.parametrize("d", DISTS, ids=IDS)
@pytest.mark.parametrize("q", [-4.0, -1.3, -0.2, 0.4, 2.0])
def test_cdf_and_partial_moments_match_quad(d, q):
    for k in (0, 1, 2):
        num = _lower_integral(d, lambda z, k=k: z**k * d.pdf(z), q)
        assert d.partial_moment(q, k) == pytest.approx(num, rel=1e-7, abs=1e-10)
    assert d.cdf(q) == pytest.approx(d.partial_moment(q, 0), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("d", DISTS, ids=IDS)
def test_partial_moments_limits(d):
    assert d.partial_moment(np.inf, 0) == pytest.approx(1.0, abs=1e-12)
    assert d.partial_moment(np.inf, 1) == pytest.approx(0.0, abs=1e-12)
    assert d.partial_moment(np.inf, 2) == pytest.approx(1.0, abs=1e-10)
    for k in (0, 1, 2):
        assert d.partial_moment(-np.inf, k) == 0.0


@pytest.mark.parametrize("d", DISTS, ids=IDS)
@pytest.mark.parametrize("alpha", [0.001, 0.025, 0.2])
def test_es_matches_quad(d, alpha):
    q = d.ppf(alpha)
    num = -_lower_integral(d, lambda z: z * d.pdf(z), q) / alpha
    assert d.es(alpha) == pytest.approx(num, rel=1e-7)
    assert d.es(alpha) > -q


@pytest.mark.parametrize("d", DISTS, ids=IDS)
def test_ppf_inverts_cdf(d):
    p = np.array([1e-6, 0.001, 0.01, 0.2, 0.5, 0.7, 0.99, 0.9999])
    np.testing.assert_allclose(d.cdf(d.ppf(p)), p, rtol=1e-10)
    x = np.linspace(-6.0, 4.0, 41)
    np.testing.assert_allclose(d.ppf(d.cdf(x)), x, rtol=1e-8, atol=1e-9)
    assert d.ppf(0.0) == -np.inf and d.ppf(1.0) == np.inf


@pytest.mark.parametrize("d", DISTS, ids=IDS)
def test_numba_kernel_equals_logpdf(d):
    z = np.linspace(-7.0, 7.0, 57)
    p0, p1 = d.kernel_params
    np.testing.assert_allclose(K.std_logpdf_array(z, d.code, p0, p1), d.logpdf(z), rtol=1e-12)
    assert K.std_logpdf(0.3, d.code, p0, p1) == pytest.approx(d.logpdf(0.3), rel=1e-12)


@pytest.mark.parametrize("nu", [2.3, 4.0, 12.0])
def test_student_t_matches_scipy(nu):
    d = D.StudentT(nu)
    ref = st.t(df=nu, scale=math.sqrt((nu - 2.0) / nu))
    x = np.linspace(-8, 8, 33)
    p = np.array([1e-5, 0.01, 0.3, 0.5, 0.95])
    np.testing.assert_allclose(d.logpdf(x), ref.logpdf(x), rtol=1e-12)
    np.testing.assert_allclose(d.cdf(x), ref.cdf(x), rtol=1e-10)
    np.testing.assert_allclose(d.ppf(p), ref.ppf(p), rtol=1e-10)
    # ES of the standard t (McNeil, Frey & Embrechts 2015, Example 2.15), scaled
    c = st.t.ppf(0.01, nu)
    es_std = st.t.pdf(c, nu) * (nu + c * c) / ((nu - 1.0) * 0.01)
    assert d.es(0.01) == pytest.approx(math.sqrt((nu - 2.0) / nu) * es_std, rel=1e-10)


def test_normal_matches_scipy():
    d = D.Normal()
    x = np.linspace(-9, 9, 37)
    np.testing.assert_allclose(d.logpdf(x), st.norm.logpdf(x), rtol=1e-13)
    np.testing.assert_allclose(d.cdf(x), st.norm.cdf(x), rtol=1e-12)
    p = np.array([1e-10, 0.01, 0.5, 0.8])
    np.testing.assert_allclose(d.ppf(p), st.norm.ppf(p), rtol=1e-13)
    assert d.es(0.025) == pytest.approx(st.norm.pdf(st.norm.ppf(0.025)) / 0.025, rel=1e-13)


@pytest.mark.parametrize("nu", [0.6, 1.0, 1.5, 2.0, 4.0])
def test_ged_matches_scipy_gennorm(nu):
    d = D.GED(nu)
    scale = math.sqrt(math.gamma(1.0 / nu) / math.gamma(3.0 / nu))
    ref = st.gennorm(nu, scale=scale)
    x = np.linspace(-6, 6, 25)
    p = np.array([1e-6, 0.01, 0.3, 0.5, 0.9])
    np.testing.assert_allclose(d.logpdf(x), ref.logpdf(x), rtol=1e-11)
    np.testing.assert_allclose(d.cdf(x), ref.cdf(x), rtol=1e-10)
    np.testing.assert_allclose(d.ppf(p), ref.ppf(p), rtol=1e-9)
    assert ref.var() == pytest.approx(1.0, rel=1e-12)


def test_ged_two_is_normal_and_skewt_zero_is_t():
    x = np.linspace(-5, 5, 21)
    np.testing.assert_allclose(D.GED(2.0).logpdf(x), D.Normal().logpdf(x), rtol=1e-13)
    np.testing.assert_allclose(D.GED(2.0).es(0.05), D.Normal().es(0.05), rtol=1e-12)
    t, sk = D.StudentT(6.0), D.SkewT(6.0, 0.0)
    np.testing.assert_allclose(sk.logpdf(x), t.logpdf(x), rtol=1e-13)
    np.testing.assert_allclose(sk.ppf([0.01, 0.7]), t.ppf([0.01, 0.7]), rtol=1e-12)
    np.testing.assert_allclose(sk.es([0.01, 0.1]), t.es([0.01, 0.1]), rtol=1e-12)


@pytest.mark.parametrize(("eta", "lam"), [(6.0, -0.3), (3.5, 0.6), (30.0, 0.1)])
def test_skewt_matches_arch(eta, lam):
    from arch.univariate import SkewStudent

    d = D.SkewT(eta, lam)
    ref = SkewStudent()
    p = np.array([0.001, 0.01, 0.2, 0.5, 0.9])
    np.testing.assert_allclose(d.ppf(p), ref.ppf(p, [eta, lam]), rtol=1e-9)
    np.testing.assert_allclose(d.cdf(d.ppf(p)), ref.cdf(d.ppf(p), [eta, lam]), rtol=1e-9)
    z = np.linspace(-4, 4, 17)
    ll = ref.loglikelihood([eta, lam], z, np.ones_like(z))
    assert d.logpdf(z).sum() == pytest.approx(ll, rel=1e-11)


@pytest.mark.parametrize(
    "d", [D.Normal(), D.StudentT(9.0), D.SkewT(9.0, -0.4), D.GED(1.2)], ids=str
)
def test_rvs_moments_and_ks(d):
    x = d.rvs(40_000, seed=11)
    assert x.shape == (40_000,)
    assert abs(x.mean()) < 0.03
    assert abs(x.var() - 1.0) < 0.05
    assert st.kstest(x[:5000], d.cdf).pvalue > 1e-3
    np.testing.assert_array_equal(d.rvs(5, seed=3), d.rvs(5, seed=3))
    assert isinstance(d.rvs(seed=1), float)
    assert d.rvs((2, 3), seed=np.random.default_rng(1)).shape == (2, 3)


def test_scalar_in_float_out_and_arrays_keep_shape():
    d = D.SkewT(5.0, 0.2)
    for meth in (d.logpdf, d.pdf, d.cdf, d.ppf, d.es, d.partial_moment):
        assert isinstance(meth(0.3), float)
    arr = np.full((2, 3), 0.3)
    for meth in (d.logpdf, d.cdf, d.ppf, d.es):
        assert meth(arr).shape == (2, 3)


def test_metadata_pickle_and_factories():
    d = D.get("skewt", 6.0, -0.1)
    assert d == D.SkewT(6.0, -0.1)
    assert d.name == "skewt" and d.code == 2 and d.param_names == ("eta", "lam")
    assert d.params == (6.0, -0.1) and d.kernel_params == (6.0, -0.1)
    assert D.get("normal").kernel_params == (0.0, 0.0) and D.get("normal").params == ()
    assert D.get("t", 5).kernel_params == (5.0, 0.0)
    assert D.get("ged", 1.5).code == 3
    assert pickle.loads(pickle.dumps(d)) == d
    assert D.from_kernel(*((d.code, *d.kernel_params))) == d
    assert D.from_kernel(1, 7.0, 0.0) == D.StudentT(7.0)
    assert D.get(d) is d
    assert str(d) == "SkewT(eta=6, lam=-0.1)"
    with pytest.raises(AttributeError):
        d.eta = 3.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: D.StudentT(2.0), r"nu must be > 2; got 2\.0"),
        (lambda: D.StudentT(float("nan")), "nu must be > 2"),
        (lambda: D.StudentT("a"), "nu must be a real number"),
        (lambda: D.SkewT(1.5, 0.0), "eta must be > 2"),
        (lambda: D.SkewT(5.0, 1.0), r"lam must be in the open interval \(-1, 1\); got 1\.0"),
        (lambda: D.GED(0.0), "nu must be > 0"),
        (lambda: D.GED(True), "nu must be a real number"),
        (lambda: D.get("cauchy"), "name must be one of"),
        (lambda: D.get("t"), r"takes 1 parameter"),
        (lambda: D.get("normal", 3.0), r"takes 0 parameter"),
        (lambda: D.from_kernel(7), "code must be"),
        (lambda: D.Normal().ppf(1.5), r"p must be in \[0, 1\]; got 1\.5"),
        (lambda: D.Normal().ppf(np.nan), r"p must be in \[0, 1\]"),
        (lambda: D.Normal().es(0.0), r"alpha must be in the open interval"),
        (lambda: D.Normal().partial_moment(0.0, 3), "k must be 0, 1 or 2"),
        (lambda: D.Normal().partial_moment(np.nan), "q must not contain NaN"),
        (lambda: D.Normal().cdf("x"), "x must be real numbers"),
        (lambda: D.Normal().rvs(-1), "size must be non-negative"),
        (lambda: D.Normal().rvs(3, seed="a"), "seed must be"),
    ],
)
def test_invalid_input_raises(make, match):
    with pytest.raises(InputError, match=match):
        make()


@settings(max_examples=25, deadline=None)
@given(
    eta=hs.floats(2.2, 60.0),
    lam=hs.floats(-0.9, 0.9),
    a1=hs.floats(1e-4, 0.4),
    a2=hs.floats(1e-4, 0.4),
)
def test_skewt_es_above_var_and_monotone(eta, lam, a1, a2):
    d = D.SkewT(eta, lam)
    lo, hi = min(a1, a2), max(a1, a2)
    assert d.es(lo) >= -d.ppf(lo) - 1e-12
    assert -d.ppf(lo) >= -d.ppf(hi) - 1e-12
    assert d.es(lo) >= d.es(hi) - 1e-10
    # partial moment of order 2 is increasing in q and bounded by the variance
    assert 0.0 <= d.partial_moment(-d.ppf(hi), 2) <= 1.0 + 1e-12
