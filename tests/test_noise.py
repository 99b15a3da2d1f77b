"""Tests for synthetic.noise: the shared-noise contract, unbiasedness and the documented variances.

(1) The in-kernel oracle, called directly with a per-seed state, equals the plain-numpy
reference fed by :class:`adaptopt.rng.Stream` of the same seed, call after call, and leaves the
state where the Stream leaves it: a kernel's noise can be replayed outside it. (2) Monte-Carlo
means and second moments match ``E[g] = grad f`` and ``model.variance`` within a few standard
errors; heavy tails (Student-t, df = 3: infinite fourth moment, so the standard error of a
sample variance does not exist) are checked through their distribution instead. (3) Infinite
variance is reported as such. (4) The plain-Python face. (5) Validation.

Note on imports: ``import adaptopt`` comes first because, in a fresh interpreter, importing
``synthetic`` first fails with a circular import (synthetic.base -> adaptopt.validation ->
adaptopt/__init__ -> adaptopt.engine -> synthetic.base, still partially initialised). Once
adaptopt/__init__ imports engine lazily, the order no longer matters and the line is harmless.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

import adaptopt  # noqa: F401  (must precede synthetic, see the module docstring)
from adaptopt import rng as arng
from synthetic import noise as nz
from synthetic import objectives as obj
from synthetic.base import NoiseModel

# ---- test tolerances (one place) ---------------------------------------------------------------
D = 5
N_MC = 200_000  # Monte-Carlo draws per moment check
Z_MAX = 4.5  # |z-score| allowed (two-sided p ~ 7e-6 per check)
KS_MIN_P = 1e-3
ROUNDOFF = 1e-15  # kernel vs reference: fused multiply-adds change the last bits only
N_CONTRACT_SEEDS = 40
CALLS_PER_SEED = 3
SCALES = np.array([0.1, 0.5, 1.0, 2.0, 0.0])

#: Constructor arguments per registered model (several levels each).
CASES = {
    "none": [{}],
    "gaussian": [{"sigma": 0.0}, {"sigma": 1.3}],
    "affine": [{"a": 0.0, "b": 2.0}, {"a": 1.0, "b": 0.5}, {"a": 4.0, "b": 0.0}, {"a": 4.0, "b": 3.0}],
    "student_t": [{"sigma": 1.0, "df": 3.0}, {"sigma": 2.0, "df": 10.0}, {"sigma": 1.0, "df": 1.5},
                  {"sigma": 0.5, "df": 0.5}, {"sigma": 1.0, "df": math.inf}],
    "uniform": [{"sigma": 0.8}],
    "scaled": [{"scales": SCALES}],
    "heteroscedastic": [{"sigma": 1.0, "radius": 2.0}, {"sigma": 0.5, "radius": 0.5}],
}
#: The point at which oracles are sampled (its norm matters for the heteroscedastic model).
X_POINT = np.linspace(-1.0, 1.5, D)
ALL = [(name, kw) for name, kws in CASES.items() for kw in kws]
IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items() if k != 'scales')}" for name, kw in ALL]
#: Models whose ||g - grad||^2 has a finite variance (a z-test of its mean is valid): fourth moment finite.
FOURTH_MOMENT = [(n, kw) for n, kw in ALL if n != "student_t" or kw["df"] > 4.0]


def _grad(d: int) -> np.ndarray:
    """A gradient with distinct, non-zero coordinates (pl_sine at a generic point)."""
    f = obj.pl_sine(d, weights=np.linspace(1.0, 0.5, d))
    return f.grad(np.linspace(-2.0, 3.0, d) + 0.1)


def test_every_registered_model_is_tested():
    assert set(CASES) == set(nz.NOISE_MODELS)


# ---- (1) kernel == reference on a shared stream ----------------------------------------------------


@pytest.mark.parametrize("name, kw", ALL, ids=IDS)
@pytest.mark.parametrize("d", [1, D])
def test_kernel_oracle_equals_reference_on_the_same_stream(name, kw, d):
    if name == "scaled" and d != SCALES.size:
        pytest.skip("scaled noise is built for one dimension (its per-coordinate scales)")
    model = nz.make_noise(name, **kw)
    grad = _grad(d)
    x = np.linspace(0.0, 1.0, d)
    gn2 = float(grad @ grad)
    out = np.empty(d)
    root = 20240
    for i in range(N_CONTRACT_SEEDS):
        state = arng.seed_states(root, i, 1)[0].copy()
        stream = arng.Stream(root, i)
        for _ in range(CALLS_PER_SEED):
            model.sample_fn(grad, x, gn2, model.params, state, out)
            ref = model.reference(grad, x, stream)
            assert ref.shape == (d,)
            scale = np.abs(grad) + np.abs(ref) + 2.0 * np.abs(ref - grad)
            assert np.all(np.abs(out - ref) <= ROUNDOFF * scale), (i, out, ref)
            # Same number of draws: the next call starts from the same state.
            np.testing.assert_array_equal(state, stream.state)
    if name == "none":
        np.testing.assert_array_equal(state, arng.seed_states(root, N_CONTRACT_SEEDS - 1, 1)[0])


def test_student_t_with_infinite_df_is_the_gaussian_oracle():
    """Reduction: t with df = inf draws the same normals as the Gaussian model, in the same order."""
    grad, x = _grad(D), np.zeros(D)
    t_model, g_model = nz.student_t(1.7, math.inf), nz.gaussian(1.7)
    a, b = np.empty(D), np.empty(D)
    sa, sb = arng.seed_states(9, 0, 1)[0].copy(), arng.seed_states(9, 0, 1)[0].copy()
    for _ in range(20):
        t_model.sample_fn(grad, x, 0.0, t_model.params, sa, a)
        g_model.sample_fn(grad, x, 0.0, g_model.params, sb, b)
        np.testing.assert_allclose(a, b, rtol=0, atol=ROUNDOFF * (np.max(np.abs(grad)) + 10.0))
    np.testing.assert_array_equal(sa, sb)


def test_affine_noise_without_b_is_parallel_to_the_gradient():
    grad = _grad(D)
    model = nz.affine(4.0, 0.0)
    noise = model.reference(np.broadcast_to(grad, (1000, D)), np.zeros((1000, D)), np.random.default_rng(0)) - grad
    ratios = noise / grad  # every coordinate scaled by the same 2 zeta
    np.testing.assert_allclose(ratios, ratios[:, :1] * np.ones((1, D)), rtol=1e-12, atol=1e-12)


# ---- (2) unbiasedness and variance -----------------------------------------------------------------


def _draws(model: NoiseModel, grad: np.ndarray, source: str) -> np.ndarray:
    """``N_MC`` stochastic gradients at ``grad`` from the reference, with a numpy Generator or a Stream."""
    G = np.broadcast_to(grad, (N_MC, grad.size)).copy()
    rng = np.random.default_rng(77) if source == "numpy" else arng.Stream(77, 0)
    return model.reference(G, np.broadcast_to(X_POINT, G.shape), rng)


@pytest.mark.parametrize("name, kw, source", [
    pytest.param(n, kw, src, id=f"{IDS[ALL.index((n, kw))]}-{src}",
                )
    for n, kw in FOURTH_MOMENT for src in ("numpy", "stream")])
def test_unbiased_and_documented_variance(name, kw, source):
    model = nz.make_noise(name, **kw)
    grad = _grad(D)
    gn2 = float(grad @ grad)
    noise = _draws(model, grad, source) - grad
    assert model.finite_variance and model.assumptions["unbiased"]
    variance = model.variance(gn2, X_POINT)
    if variance == 0.0:
        np.testing.assert_array_equal(noise, 0.0)
        return
    # E[g - grad] = 0, coordinate by coordinate (coordinates with zero noise are exactly zero).
    sd = noise.std(axis=0, ddof=1)
    live = sd > 0
    np.testing.assert_array_equal(noise[:, ~live], 0.0)
    z_mean = noise[:, live].mean(axis=0) / (sd[live] / math.sqrt(N_MC))
    assert np.all(np.abs(z_mean) < Z_MAX), z_mean
    # E||g - grad||^2 = model.variance(||grad||^2, x)
    sq = np.einsum("ij,ij->i", noise, noise)
    z_var = (sq.mean() - variance) / (sq.std(ddof=1) / math.sqrt(N_MC))
    assert abs(z_var) < Z_MAX, (sq.mean(), variance)


@pytest.mark.parametrize("a", [0.0, 1.0, 4.0])
def test_affine_variance_formula(a):
    b = 0.7
    model = nz.affine(a, b)
    for grad in (np.zeros(D), _grad(D), 10.0 * _grad(D)):
        gn2 = float(grad @ grad)
        assert model.variance(gn2, np.zeros(D)) == a * gn2 + b
        noise = model.reference(np.broadcast_to(grad, (N_MC, D)), np.zeros((N_MC, D)), np.random.default_rng(5)) - grad
        sq = np.einsum("ij,ij->i", noise, noise)
        assert abs(sq.mean() - (a * gn2 + b)) < Z_MAX * sq.std(ddof=1) / math.sqrt(N_MC)
    assert model.assumptions["affine_variance"] and model.assumptions["bounded_variance"] == (a == 0.0)


def test_scaled_noise_per_coordinate_variances():
    model = nz.scaled(SCALES)
    grad = _grad(D)
    noise = _draws(model, grad, "numpy") - grad
    m2 = (noise**2).mean(axis=0)
    se = (noise**2).std(axis=0, ddof=1) / math.sqrt(N_MC)
    live = SCALES > 0
    assert np.all(np.abs(m2[live] - SCALES[live] ** 2) < Z_MAX * se[live])
    np.testing.assert_array_equal(noise[:, ~live], 0.0)
    assert model.variance(0.0, None) == pytest.approx(float(np.sum(SCALES**2)), rel=1e-15)


def test_student_t_df3_has_the_documented_variance():
    """df = 3: E tau^4 = inf, so no z-test of a sample variance. Instead: the law of the rescaled
    coordinates is t_3 (KS and quantiles), the exact variance of that law times the scale is sigma^2,
    and the truncated second moment E[N^2 1{|N| <= c}] (finite fourth moment) matches its exact value."""
    sigma, df = 1.3, 3.0
    model = nz.student_t(sigma, df)
    grad = _grad(D)
    noise = (_draws(model, grad, "stream") - grad).ravel()
    scale = sigma / math.sqrt(D) * math.sqrt((df - 2.0) / df)
    tau = noise / scale
    law = stats.t(df)
    assert stats.kstest(tau, law.cdf).pvalue > KS_MIN_P
    for p in (0.9, 0.99, 0.999):
        q = law.ppf(p)
        se = math.sqrt(p * (1 - p) / tau.size) / law.pdf(q)
        assert abs(np.quantile(tau, p) - q) < Z_MAX * se
    # Documented variance = d * scale^2 * Var(t_3), with Var(t_3) from scipy.
    assert model.variance(0.0, None) == sigma**2
    assert D * scale**2 * law.var() == pytest.approx(sigma**2, rel=1e-14)
    c = 5.0
    exact, _ = integrate.quad(lambda u: u * u * law.pdf(u), -c, c, epsabs=1e-13)
    trunc = np.where(np.abs(tau) <= c, tau * tau, 0.0)
    assert abs(trunc.mean() - exact) < Z_MAX * trunc.std(ddof=1) / math.sqrt(tau.size)


@pytest.mark.parametrize("d", [1, D, 20])
def test_uniform_noise_is_bounded_with_the_documented_support(d):
    sigma = 0.8
    model = nz.uniform(sigma)
    grad = _grad(d)
    G = np.broadcast_to(grad, (N_MC // d, d))
    noise = model.reference(G, np.zeros_like(G), arng.Stream(3, 1)) - grad
    half = sigma * math.sqrt(3.0 / d)
    assert np.max(np.abs(noise)) <= half * (1.0 + 1e-15)
    assert np.max(np.abs(noise)) >= 0.999 * half  # the whole support is used
    assert stats.kstest(noise.ravel() / half, stats.uniform(-1.0, 2.0).cdf).pvalue > KS_MIN_P
    assert model.assumptions["bounded"] and model.variance(1.0, None) == sigma**2


# ---- (3) infinite variance -------------------------------------------------------------------------


@pytest.mark.parametrize("df", [0.5, 1.0, 1.5, 2.0])
def test_student_t_with_df_at_most_two_has_infinite_variance(df):
    model = nz.student_t(1.0, df)
    assert model.variance(1.0, np.zeros(D)) == math.inf
    assert model.finite_variance is False
    assert not model.assumptions["bounded_variance"] and not model.assumptions["affine_variance"]
    assert model.assumptions["unbiased"] == (df > 1.0)  # the mean exists only for df > 1
    # sigma / sqrt(d) is then the per-coordinate scale of the t variates.
    noise = model.reference(np.zeros((N_MC // D, D)), None, np.random.default_rng(1))
    tau = noise.ravel() * math.sqrt(D)
    assert stats.kstest(tau, stats.t(df).cdf).pvalue > KS_MIN_P


@pytest.mark.parametrize("df", [2.5, 3.0, 10.0, math.inf])
def test_student_t_with_df_above_two_has_finite_variance(df):
    model = nz.student_t(2.0, df)
    assert model.finite_variance and model.variance(1.0, None) == 4.0
    assert model.assumptions["bounded_variance"] and model.assumptions["unbiased"]


# ---- (4) plain-Python face -------------------------------------------------------------------------


@pytest.mark.parametrize("name, kw", [pytest.param(n, kw, id=i)
                                      for (n, kw), i in zip(ALL, IDS)])
def test_sample_with_a_numpy_generator_and_a_stream(name, kw):
    model = nz.make_noise(name, **kw)
    f = obj.pl_sine(D)
    X = np.random.default_rng(0).uniform(-3.0, 3.0, (64, D))
    g = model.sample(f, X, np.random.default_rng(1))
    assert g.shape == X.shape and g.dtype == np.float64
    np.testing.assert_array_equal(g, model.reference(f.grad(X), X, np.random.default_rng(1)))
    if model.finite_variance:
        assert np.all(np.isfinite(g))
    # With a Stream and a (d,) point, sample gives what the kernel gives for that seed.
    x = X[0]
    out = np.empty(D)
    state = arng.seed_states(4, 2, 1)[0].copy()
    grad = f.grad(x)
    model.sample_fn(grad, x, float(grad @ grad), model.params, state, out)
    np.testing.assert_allclose(model.sample(f, x, arng.Stream(4, 2)), out, rtol=0,
                               atol=ROUNDOFF * (np.max(np.abs(out)) + np.max(np.abs(grad)) + 1.0))
    with pytest.raises(ValueError, match="x must have shape"):
        model.sample(f, np.zeros(D + 1), np.random.default_rng(0))


def test_sample_mean_over_many_points_is_the_gradient():
    f = obj.log1p_square(D)
    model = nz.affine(1.0, 2.0)
    X = np.full((N_MC, D), 0.7)
    g = model.sample(f, X, np.random.default_rng(2))
    noise = g - f.grad(X[0])
    se = noise.std(axis=0, ddof=1) / math.sqrt(N_MC)
    assert np.all(np.abs(noise.mean(axis=0)) < Z_MAX * se)


# ---- (5) validation -------------------------------------------------------------------------------


@pytest.mark.parametrize("build, error, name", [
    (lambda: nz.gaussian(-1.0), ValueError, "sigma"),
    (lambda: nz.gaussian(math.nan), ValueError, "sigma"),
    (lambda: nz.gaussian(math.inf), ValueError, "sigma"),
    (lambda: nz.gaussian("1"), TypeError, "sigma"),
    (lambda: nz.affine(-0.1, 1.0), ValueError, r"\ba\b"),
    (lambda: nz.affine(1.0, -0.1), ValueError, r"\bb\b"),
    (lambda: nz.affine(math.nan, 1.0), ValueError, r"\ba\b"),
    (lambda: nz.student_t(1.0, 0.0), ValueError, "df"),
    (lambda: nz.student_t(1.0, -3.0), ValueError, "df"),
    (lambda: nz.student_t(1.0, math.nan), ValueError, "df"),
    (lambda: nz.student_t(-1.0, 3.0), ValueError, "sigma"),
    (lambda: nz.uniform(-0.5), ValueError, "sigma"),
    (lambda: nz.scaled([1.0, -1.0]), ValueError, "scales"),
    (lambda: nz.scaled([1.0, math.nan]), ValueError, "scales"),
    (lambda: nz.scaled([[1.0, 2.0]]), ValueError, "scales"),
    (lambda: nz.make_noise("cauchy"), ValueError, "cauchy"),
    (lambda: nz.make_noise("gaussian", scale=1.0), ValueError, "scale"),
    (lambda: nz.make_noise("gaussian"), ValueError, "sigma"),
])
def test_constructors_reject_bad_parameters(build, error, name):
    with pytest.raises(error, match=name):
        build()


def test_scaled_noise_rejects_a_gradient_of_another_dimension():
    model = nz.scaled(SCALES)
    with pytest.raises(ValueError, match="scales"):
        model.reference(np.zeros(D + 1), np.zeros(D + 1), np.random.default_rng(0))
    assert model.dim == D
