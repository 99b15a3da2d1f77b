"""Tests for synthetic.relaxed: values, gradients and every documented (L0, L1) constant.

Naive formulas (plain numpy, written from the module docstring, not from the jitted code) give
values, first and second derivatives. Gradients are compared with central differences of the
value. The 1-D pairs are checked as claims of two kinds: the upper bound
``|f_i''| <= ℓ0_i + ℓ1_i |f_i'|`` with ``<=`` on grids that reach far out (huge gradients, no
overflow), and Pareto-tightness (spec B.7 "V-num": ``sup (|f''| − ℓ1|f'|) = ℓ0`` and
``sup (|f''| − ℓ0)/|f'| = ℓ1``) within a relative 1e-3. The global (S1) and the reconstructed
coordinate-wise (S3) constants are checked on random multi-dimensional points.
"""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest

import adaptopt  # first: importing synthetic first is circular (see tests/test_noise.py)
from synthetic import relaxed as R
from synthetic.base import Objective
from synthetic.constants import estimate_min_curvature, estimate_pl, estimate_smoothness

# ---- test tolerances (one place) ---------------------------------------------------------------
FORMULA_REL = 1e-12  # jitted value/gradient against the naive formulas
FD_STEP = 1e-6  # central differences of the value (relative to max(1, |x|))
FD_REL = 1e-6  # gradient against those differences, relative to max(1, ||grad||)
BOUND_REL = 1e-12  # round-off allowance of the upper bounds |f''| <= l0 + l1 |f'|
TIGHT_REL = 1e-3  # Pareto-tightness of the 1-D pairs (spec: V-num on a fine grid)
HESS_STEP = 1e-6  # central differences of the gradient (relative to max(1, |x|))
HESS_REL = 1e-6  # allowance of the finite-difference Hessian in the (S1) check
FSTAR_GRID_ABS = 1e-8  # cosh_cos: f* below a 2e6-point grid minimum by at most its resolution (f'' h²/8 · d)
FAR_EXPONENT = 600.0  # far points: |a r| up to this (cosh ~ 1e260, no overflow)
TIGHT_EXPONENT = 20.0  # tightness grid: |a r| up to this (cancellation error ~ e^20 eps)

A5 = R.log_scales(5)  # heterogeneous a_i in [0.3, 3]
W5 = np.array([1.0, 0.5, 2.0, 0.7, 1.5])
C5 = np.array([0.3, -1.0, 0.0, 2.0, -0.5])


# ---- naive formulas -----------------------------------------------------------------------------


def _naive_1d(f: Objective, x: np.ndarray):
    """(f_i, f_i', f_i'') per coordinate (arrays of the shape of x) for a separable objective."""
    o = f.options
    w, c = np.asarray(o["weights"]), np.asarray(o["center"])
    r = x - c
    if f.name == "quartic":
        return w * r**4, 4 * w * r**3, 12 * w * r**2
    a = np.asarray(o["scales"])
    z = a * r
    if f.name == "cosh":
        return w * np.cosh(z), w * a * np.sinh(z), w * a**2 * np.cosh(z)
    if f.name == "exp_pair":
        return w * (np.exp(z) + np.exp(-z)), w * a * (np.exp(z) - np.exp(-z)), w * a**2 * (np.exp(z) + np.exp(-z))
    if f.name == "exp_minus_linear":
        return w * (np.exp(z) - z), w * a * (np.exp(z) - 1.0), w * a**2 * np.exp(z)
    if f.name == "log_cosh":
        return w * np.log(np.cosh(z)), w * a * np.tanh(z), w * a**2 * (1.0 / np.cosh(z)) ** 2
    if f.name == "cosh_cos":
        b, om = np.asarray(o["amplitudes"]), np.asarray(o["frequencies"])
        return (w * (np.cosh(z) + b * np.cos(om * x)), w * (a * np.sinh(z) - b * om * np.sin(om * x)),
                w * (a**2 * np.cosh(z) - b * om**2 * np.cos(om * x)))
    raise AssertionError(f.name)


def _naive_chain(f: Objective, w: np.ndarray) -> float:
    return 0.5 * (np.prod(w) * f.options["u"] - f.options["y"]) ** 2


def _naive_rnn(f: Objective, x: np.ndarray) -> float:
    """h_0 = 0, h_{t+1} = tanh(W h_t + U u_t), f = ½||V h_T − y||², with matrices."""
    parts = R.rnn_unpack(f, x)
    h = np.zeros(parts["W"].shape[0])
    for u_t in parts["inputs"]:
        h = np.tanh(parts["W"] @ h + parts["U"] @ u_t)
    return 0.5 * float(np.sum((parts["V"] @ h - parts["target"]) ** 2))


SEPARABLE = [
    ("quartic-1", lambda: R.quartic(1)),
    ("quartic-5", lambda: R.quartic(5, weights=W5, center=C5, ell=[0.5, 1.0, 2.0, 4.0, 1.0])),
    ("cosh-1", lambda: R.cosh(1, scales=2.0)),
    ("cosh-5", lambda: R.cosh(5, weights=W5, scales=A5, center=C5)),
    ("exp_pair-1", lambda: R.exp_pair(1, scales=2.0)),
    ("exp_pair-5", lambda: R.exp_pair(5, weights=W5, scales=A5, center=C5)),
    ("exp_minus_linear-1", lambda: R.exp_minus_linear(1)),
    ("exp_minus_linear-5", lambda: R.exp_minus_linear(5, weights=W5, scales=A5, center=C5)),
    ("log_cosh-1", lambda: R.log_cosh(1)),
    ("log_cosh-5", lambda: R.log_cosh(5, weights=W5, scales=A5, center=C5)),
    ("cosh_cos-1", lambda: R.cosh_cos(1)),
    ("cosh_cos-5", lambda: R.cosh_cos(5, weights=W5, scales=A5, center=C5, amplitudes=[0.5, 0.9, 0.2, 0.5, 0.0],
                                      frequencies=[3.0, 1.0, 5.0, 0.5, 2.0])),
]
NETWORKS = [
    ("chain-2", lambda: R.deep_scalar_chain(2, u=0.7, y=-1.3, w0=[0.4, 2.0])),
    ("chain-8", lambda: R.deep_scalar_chain(8)),
    ("chain-8w", lambda: R.deep_scalar_chain(8, u=2.0, y=0.0, w0=np.linspace(0.5, 1.5, 8))),
    ("rnn-default", lambda: R.tanh_rnn()),
    ("rnn-3in-2out", lambda: R.tanh_rnn(steps=20, hidden=4, inputs=3, outputs=2, scale=1.3, input_scale=0.5, seed=3)),
    ("rnn-50", lambda: R.tanh_rnn(steps=50, hidden=5, scale=0.9, input_scale=1.0, seed=1)),
]
ALL = SEPARABLE + NETWORKS


def _sample(f: Objective, rng, n: int) -> np.ndarray:
    if f.name == "tanh_rnn":
        return f.x0 + 0.3 * rng.standard_normal((n, f.dim))
    if f.name == "deep_scalar_chain":
        return rng.uniform(-1.6, 1.6, size=(n, f.dim))
    return rng.uniform(-4.0, 4.0, size=(n, f.dim))


def test_registry_lists_every_constructor_and_builds_with_defaults():
    assert set(R.RELAXED_OBJECTIVES) == {"quartic", "cosh", "exp_pair", "exp_minus_linear", "log_cosh", "cosh_cos",
                                         "deep_scalar_chain", "tanh_rnn"}
    tested = {label.split("-")[0] for label, _ in SEPARABLE} | {"deep_scalar_chain", "tanh_rnn"}
    assert tested == set(R.RELAXED_OBJECTIVES)
    for name, ctor in R.RELAXED_OBJECTIVES.items():
        f = ctor()
        assert isinstance(f, Objective) and f.name == name
        json.dumps(f.to_dict())  # options and constants are JSON-serialisable (inf as Infinity)
        assert f.label().startswith(name)
        assert np.isfinite(f.value(f.x0))


@pytest.mark.parametrize("label, build", ALL, ids=[c[0] for c in ALL])
def test_value_matches_the_naive_formula(label, build):
    f = build()
    X = _sample(f, np.random.default_rng(0), 100)
    for x, v in zip(X, f.value(X)):
        if f.name == "deep_scalar_chain":
            expected = _naive_chain(f, x)
        elif f.name == "tanh_rnn":
            expected = _naive_rnn(f, x)
        else:
            expected = float(np.sum(_naive_1d(f, x)[0]))
        assert v == pytest.approx(expected, rel=FORMULA_REL, abs=FORMULA_REL)
    if f.name not in ("deep_scalar_chain", "tanh_rnn"):
        for x, g in zip(X, f.grad(X)):
            np.testing.assert_allclose(g, _naive_1d(f, x)[1], rtol=FORMULA_REL, atol=FORMULA_REL)


@pytest.mark.parametrize("label, build", ALL, ids=[c[0] for c in ALL])
def test_gradient_matches_central_differences_and_returns_its_squared_norm(label, build):
    f = build()
    out = np.empty(f.dim)
    for x in _sample(f, np.random.default_rng(1), 15):
        sq = f.grad_fn(x, f.params, out)
        assert sq == pytest.approx(float(out @ out), rel=FORMULA_REL)
        fd = np.empty(f.dim)
        for j in range(f.dim):
            h = FD_STEP * max(1.0, abs(x[j]))
            e = np.zeros(f.dim)
            e[j] = h
            fd[j] = (f.value(x + e) - f.value(x - e)) / (2.0 * h)
        assert np.max(np.abs(out - fd)) <= FD_REL * max(1.0, np.linalg.norm(out))


def test_kernels_compile_once_for_a_parameter_sweep():
    """Parameters are runtime data: new weights, scales, depths and sizes reuse one compilation."""
    for a in (0.5, 1.0, 3.0):
        for d in (1, 4):
            f = R.cosh(d, scales=a, weights=2.0)
            f.grad_fn(f.x0, f.params, np.empty(d))
    for steps, hidden in ((5, 2), (7, 3)):
        g = R.tanh_rnn(steps=steps, hidden=hidden)
        g.grad_fn(g.x0, g.params, np.empty(g.dim))
    assert len(R.cosh_grad.signatures) == 1 and len(R.tanh_rnn_grad.signatures) == 1


# ---- f* ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("label, build", SEPARABLE, ids=[c[0] for c in SEPARABLE])
def test_f_star_is_attained_and_is_the_infimum(label, build):
    f = build()
    if f.name == "cosh_cos":
        xs = np.asarray(f.constants.extra["minimiser"].value)
        assert f.f_star >= f.constants.extra["f_lower_bound"].value
    else:
        xs = np.asarray(f.options["center"])
        assert f.value(xs) == f.f_star
        np.testing.assert_array_equal(f.grad(xs), 0.0)
    assert f.value(xs) == pytest.approx(f.f_star, abs=1e-14)
    rng = np.random.default_rng(3)
    X = np.concatenate([rng.uniform(-1e-3, 1e-3, (200, f.dim)) + xs, rng.uniform(-20.0, 20.0, (200, f.dim))])
    assert np.all(f.value(X) >= f.f_star - 1e-12 * max(1.0, abs(f.f_star)))


@pytest.mark.parametrize("label", ["cosh_cos-1", "cosh_cos-5"])
def test_cosh_cos_f_star_matches_a_dense_brute_force_grid(label):
    f = dict(SEPARABLE)[label]()
    w, a, c, b, om = (np.asarray(f.options[k]) for k in ("weights", "scales", "center", "amplitudes", "frequencies"))
    total = 0.0
    for i in range(f.dim):
        reach = math.asinh(abs(b[i]) * om[i] / a[i]) / a[i] + 1.0  # stationary points: a sinh(a|r|) <= |b| ω
        t = np.linspace(c[i] - reach, c[i] + reach, 2_000_001)
        total += float(np.min(w[i] * (np.cosh(a[i] * (t - c[i])) + b[i] * np.cos(om[i] * t))))
    assert f.f_star <= total + 1e-12 * abs(total)  # f* is a value of f at a point no worse than the grid's
    assert f.f_star >= total - FSTAR_GRID_ABS  # and the grid's resolution bounds the gap


# ---- the 1-D pairs ---------------------------------------------------------------------------------


def _pairs(f):
    return np.asarray(f.constants.extra["l0_terms"].value), np.asarray(f.constants.extra["l1_terms"].value)


def _grid_1d(f, exponent, n):
    """Points per coordinate with |a_i r_i| up to ``exponent`` (quartic: |r| up to exponent/ℓ_i)."""
    o = f.options
    a = np.asarray(o["ell"] if f.name == "quartic" else o["scales"])
    u = np.concatenate([-np.geomspace(exponent, 1e-6, n // 2), [0.0], np.geomspace(1e-6, exponent, n // 2)])
    return np.asarray(o["center"])[None, :] + u[:, None] / a[None, :]


@pytest.mark.parametrize("label, build", SEPARABLE, ids=[c[0] for c in SEPARABLE])
def test_pairs_bound_the_curvature_everywhere_including_far_out(label, build):
    f = build()
    l0, l1 = _pairs(f)
    X = np.concatenate([_grid_1d(f, FAR_EXPONENT, 4000), np.random.default_rng(4).uniform(-6, 6, (4000, f.dim))])
    _, d1, d2 = _naive_1d(f, X)
    assert np.all(np.isfinite(d2))
    if f.name in ("cosh", "exp_pair", "exp_minus_linear", "cosh_cos"):
        assert np.max(np.abs(d1)) > 1e200  # far out indeed
    bound = l0 + l1 * np.abs(d1)
    assert np.all(np.abs(d2) <= bound * (1.0 + BOUND_REL))


@pytest.mark.parametrize("label, build", [c for c in SEPARABLE if not c[0].startswith("cosh_cos")],
                         ids=[c[0] for c in SEPARABLE if not c[0].startswith("cosh_cos")])
def test_pairs_are_pareto_tight(label, build):
    """sup (|f''| − ℓ1|f'|) = ℓ0 and sup (|f''| − ℓ0)/|f'| = ℓ1, per coordinate (spec B.7 V-num)."""
    f = build()
    l0, l1 = _pairs(f)
    X = _grid_1d(f, TIGHT_EXPONENT, 400_001)
    _, d1, d2 = _naive_1d(f, X)
    sup0 = np.max(np.abs(d2) - l1 * np.abs(d1), axis=0)
    np.testing.assert_allclose(sup0, l0, rtol=TIGHT_REL)
    nz = np.abs(d1) > 0
    ratio = np.where(nz, (np.abs(d2) - l0) / np.where(nz, np.abs(d1), 1.0), -np.inf)
    sup1 = np.max(ratio, axis=0)
    if f.name == "log_cosh":
        assert np.all(sup1 <= 1e-12) and np.all(sup1 >= -TIGHT_REL)  # ℓ1 = 0 is tight
    else:
        np.testing.assert_allclose(sup1, l1, rtol=TIGHT_REL)


def test_cosh_cos_pair_is_valid_but_not_tight_and_l1_is_necessary():
    f = dict(SEPARABLE)["cosh_cos-5"]()
    l0, l1 = _pairs(f)
    np.testing.assert_array_equal(l1, A5)
    w, b, om = (np.asarray(f.options[k]) for k in ("weights", "amplitudes", "frequencies"))
    np.testing.assert_allclose(l0, w * (A5**2 + A5 * np.abs(b) * om + np.abs(b) * om**2), rtol=1e-15)
    X = _grid_1d(f, TIGHT_EXPONENT, 400_001)
    _, d1, d2 = _naive_1d(f, X)
    sup0 = np.max(np.abs(d2) - l1 * np.abs(d1), axis=0)
    assert np.all(sup0 <= l0 * (1 + BOUND_REL))
    # f''/|f'| -> a far out: no smaller ℓ1 works with any ℓ0
    far = np.abs(X - np.asarray(f.options["center"])) * A5 >= 0.9 * TIGHT_EXPONENT
    ratio = np.divide(np.abs(d2), np.abs(d1), out=np.zeros_like(d2), where=far)
    np.testing.assert_allclose(np.max(ratio, axis=0), A5, rtol=TIGHT_REL)


# ---- global (S1), coordinate-wise (S3), L-smoothness, PL, convexity ---------------------------------


def _fd_hessian(f: Objective, x: np.ndarray) -> np.ndarray:
    H = np.empty((f.dim, f.dim))
    for j in range(f.dim):
        h = HESS_STEP * max(1.0, abs(x[j]))
        e = np.zeros(f.dim)
        e[j] = h
        H[:, j] = (f.grad(x + e) - f.grad(x - e)) / (2.0 * h)
    return 0.5 * (H + H.T)


@pytest.mark.parametrize("label, build", SEPARABLE, ids=[c[0] for c in SEPARABLE])
def test_global_s1_constants_hold_and_derive_from_the_pairs(label, build):
    f = build()
    l0, l1 = _pairs(f)
    L0, L1 = f.constants.extra["L0"].value, f.constants.extra["L1"].value
    assert (L0, L1) == (float(l0.max()), float(l1.max()))
    rng = np.random.default_rng(5)
    for x in np.concatenate([rng.uniform(-3, 3, (60, f.dim)), rng.uniform(-30, 30, (20, f.dim))]):
        H = _fd_hessian(f, x)
        g = f.grad(x)
        assert np.max(np.abs(np.linalg.eigvalsh(H))) <= (L0 + L1 * np.linalg.norm(g)) * (1 + HESS_REL) + HESS_REL


def test_global_l0_is_attained_at_the_centre_of_cosh():
    f = R.cosh(5, weights=W5, scales=A5, center=C5)
    H = _fd_hessian(f, C5)
    assert np.max(np.abs(np.linalg.eigvalsh(H))) == pytest.approx(f.constants.extra["L0"].value, rel=1e-6)


@pytest.mark.parametrize("label, build", SEPARABLE, ids=[c[0] for c in SEPARABLE])
def test_coordinate_wise_s3_constants_hold_within_the_radius(label, build):
    f = build()
    d = f.dim
    l0, l1 = _pairs(f)
    L0c = np.asarray(f.constants.extra["L0_coordinate"].value)
    L1c = np.asarray(f.constants.extra["L1_coordinate"].value)
    np.testing.assert_allclose(L0c, (math.e - 1) * math.sqrt(d) * l0, rtol=1e-15)
    np.testing.assert_allclose(L1c, (math.e - 1) * l1, rtol=1e-15)
    radius = f.constants.extra["S3_radius"].value
    assert radius == (math.inf if l1.max() == 0 else 1.0 / l1.max())
    rng = np.random.default_rng(6)
    step = min(radius, 3.0)
    worst = 0.0
    for _ in range(2000):
        x = rng.uniform(-4, 4, d)
        direction = rng.standard_normal(d)
        y = x + direction / np.linalg.norm(direction) * step * rng.uniform(0, 1) ** (1.0 / d)
        gx, gy = f.grad(x), f.grad(y)
        bound = (L0c / math.sqrt(d) + L1c * np.abs(gx)) * np.linalg.norm(x - y)
        assert np.all(np.abs(gx - gy) <= bound * (1 + BOUND_REL))
        worst = max(worst, float(np.max(np.abs(gx - gy) / bound)))
    assert worst > 0.2  # the bound is not vacuous


def test_log_cosh_is_the_l_smooth_control():
    f = R.log_cosh(2, weights=[1.0, 0.5], scales=[1.0, 2.0])
    assert f.constants.properties["l_smooth"] is True and f.constants.L.value == 2.0
    est = estimate_smoothness(f, box=(-10.0, 10.0), n_points=2000, seed=0)
    assert est.value == pytest.approx(2.0, rel=1e-3) and est.value <= 2.0 + 1e-8
    assert f.constants.extra["L1"].value == 0.0 and f.constants.extra["L0"].value == 2.0
    for name in ("quartic", "cosh", "exp_pair", "exp_minus_linear", "cosh_cos"):
        g = R.RELAXED_OBJECTIVES[name](2)
        assert g.constants.properties["l_smooth"] is False and g.constants.L is None


@pytest.mark.parametrize("build", [lambda: R.cosh(1, weights=2.0, scales=1.5), lambda: R.exp_pair(2, scales=[0.5, 2.0])])
def test_pl_constants_of_the_cosh_family(build):
    f = build()
    est = estimate_pl(f, (-3.0, 3.0), n_points=2000, seed=0)
    # the infimum is approached at the minimiser, where f − f* = w (cosh z − 1) loses digits to
    # cancellation (relative error ~ eps/z²): compare within TIGHT_REL, not to round-off
    assert est.value >= f.constants.mu_pl.value * (1 - TIGHT_REL)
    assert est.value == pytest.approx(f.constants.mu_pl_tight.value, rel=TIGHT_REL)


def test_convexity_flags_and_cosh_cos_curvature():
    nonconvex = R.cosh_cos(1)  # b ω² = 4.5 > a² = 1, and the cosine peaks at the centre
    assert nonconvex.constants.properties["convex"] is False and nonconvex.constants.properties["pl"] is False
    est = estimate_min_curvature(nonconvex, box=(-5.0, 5.0), n_points=2000, seed=0)
    assert est.value == pytest.approx(nonconvex.constants.extra["min_curvature"].value, rel=1e-3)
    assert est.value == pytest.approx(1.0 - 4.5, rel=1e-3)
    convex = R.cosh_cos(2, scales=3.0, amplitudes=0.5, frequencies=2.0)  # |b| ω² = 2 <= a² = 9
    assert convex.constants.properties["convex"] is True and "pl" not in convex.constants.properties
    assert estimate_min_curvature(convex, box=(-3.0, 3.0), n_points=2000, seed=0).value >= 7.0 - 1e-6
    # b ω² > a² but the cosine's peaks sit where cosh is large: still convex (spec's condition is only necessary)
    far = R.cosh_cos(1, scales=1.2, amplitudes=0.2, frequencies=3.0, center=math.pi / 3.0)
    assert 0.2 * 9.0 > 1.2**2 and far.constants.properties["convex"] is True
    assert estimate_min_curvature(far, box=(-5.0, 5.0), n_points=2000, seed=0).value > 0
    for name in ("quartic", "cosh", "exp_pair", "exp_minus_linear", "log_cosh"):
        f = R.RELAXED_OBJECTIVES[name](2)
        assert f.constants.properties["convex"] is True
        assert estimate_min_curvature(f, box=(-3.0, 3.0), n_points=500, seed=0).value >= -1e-8


# ---- networks --------------------------------------------------------------------------------------


def test_chain_gradient_spans_orders_of_magnitude_across_depth():
    norms = {s: [np.linalg.norm(R.deep_scalar_chain(K, w0=s).grad(np.full(K, s))) for K in (2, 4, 8, 16)]
             for s in (0.5, 1.5)}
    assert np.all(np.diff(norms[1.5]) > 0) and norms[1.5][-1] / norms[1.5][0] > 1e5  # explodes
    assert np.all(np.diff(norms[0.5]) < 0) and norms[0.5][-1] / norms[0.5][0] < 1e-3  # vanishes
    # per layer: ∂f/∂w_k = r u P / w_k, so g_k w_k is the same for every layer
    f = R.deep_scalar_chain(8, w0=np.geomspace(0.3, 5.0, 8))
    g = f.grad(f.x0)
    np.testing.assert_allclose(g * f.x0, np.full(8, g[0] * f.x0[0]), rtol=1e-12)
    assert np.max(np.abs(g)) / np.min(np.abs(g)) == pytest.approx(5.0 / 0.3, rel=1e-12)  # max w / min w


def test_chain_minimiser_and_unbounded_hessian_at_zero_gradient():
    for u, y in ((1.0, 1.0), (0.5, -2.0), (2.0, 0.0)):
        f = R.deep_scalar_chain(6, u=u, y=y)
        w = np.asarray(f.constants.extra["minimiser_example"].value)
        assert f.value(w) <= 1e-28 and f.f_star == 0.0
    # w = (t, 1/t, 1, ...): f = 0, grad = 0, but ||Hess|| >= t^2: no (L0, L1) can hold
    f = R.deep_scalar_chain(4)
    norms = []
    for t in (10.0, 100.0):
        w = np.array([t, 1.0 / t, 1.0, 1.0])
        assert np.linalg.norm(f.grad(w)) <= 1e-12 * t
        norms.append(np.max(np.abs(np.linalg.eigvalsh(_fd_hessian(f, w)))))
    assert norms[0] >= 100.0 * 0.99 and norms[1] >= 1e4 * 0.99
    assert f.constants.properties == {"l_smooth": False, "l0l1_smooth": False, "pl": False, "convex": False}


def test_rnn_gradient_explodes_with_the_recurrent_scale():
    scales = (0.5, 0.8, 1.0, 1.2, 1.5, 2.0)
    for seed in (0, 1):
        norms = []
        for s in scales:
            f = R.tanh_rnn(steps=30, hidden=6, scale=s, input_scale=1e-6, seed=seed)
            norms.append(np.linalg.norm(f.grad(f.x0)))
        assert np.all(np.diff(norms) > 0), norms
        assert norms[-1] / norms[0] > 1e4
    W = R.rnn_unpack(R.tanh_rnn(scale=1.7))["W"]
    np.testing.assert_allclose(np.linalg.svd(W, compute_uv=False), 1.7, rtol=1e-12)  # scale · orthogonal


def test_rnn_blocks_layout_and_f_star():
    f = R.tanh_rnn(steps=12, hidden=4, inputs=2, outputs=3, seed=2)
    blocks = f.options["blocks"]
    assert [b[0] for b in blocks] == ["W", "U", "V"]
    assert blocks[0][1] == 0 and blocks[-1][2] == f.dim == 16 + 8 + 12
    assert all(b[2] == nxt[1] for b, nxt in itertools.pairwise(blocks))
    parts = R.rnn_unpack(f)
    h = np.zeros(4)
    for u_t in parts["inputs"]:
        h = np.tanh(parts["W"] @ h + parts["U"] @ u_t)
    V = np.outer(parts["target"], h) / (h @ h)  # V h_T = y exactly: f = 0 = f*
    x = np.concatenate([parts["W"].ravel(), parts["U"].ravel(), V.ravel()])
    assert f.value(x) <= 1e-28 and f.f_star == 0.0
    assert np.linalg.norm(f.grad(np.zeros(f.dim))) == 0.0 and f.value(np.zeros(f.dim)) > 0  # stationary, not PL
    chain = R.deep_scalar_chain(3)
    assert chain.options["blocks"] == [["w1", 0, 1], ["w2", 1, 2], ["w3", 2, 3]]


def test_relaxed_objectives_run_in_the_engine():
    from adaptopt import schedules
    f = R.cosh(3, scales=[0.5, 1.0, 2.0])
    res = adaptopt.run("sgd", f, None, T=200, n_seeds=2, schedule=schedules.constant(0.05))
    assert res.n_diverged == 0 and res.mean("f_gap")[-1] < res.mean("f_gap")[0]
    big = adaptopt.run("sgd", R.cosh(3, scales=3.0, x0=100.0), None, T=5, n_seeds=1, schedule=schedules.constant(1.0))
    assert big.n_diverged == 1  # cosh overflows: reported as a divergence


# ---- validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize("build, error, name", [
    (lambda: R.quartic(0), ValueError, "dim"),
    (lambda: R.quartic(2, ell=0.0), ValueError, "ell"),
    (lambda: R.cosh(2, weights=[1.0, -1.0]), ValueError, "weights"),
    (lambda: R.cosh(2, scales=[1.0, 2.0, 3.0]), ValueError, "scales"),
    (lambda: R.exp_pair(2, center=[0.0, math.nan]), ValueError, "center"),
    (lambda: R.log_cosh(2, x0=[1.0]), ValueError, "x0"),
    (lambda: R.exp_minus_linear(1.5), TypeError, "dim"),
    (lambda: R.cosh_cos(2, frequencies=-1.0), ValueError, "frequencies"),
    (lambda: R.cosh_cos(2, amplitudes="a"), TypeError, "amplitudes"),
    (lambda: R.deep_scalar_chain(1), ValueError, "depth"),
    (lambda: R.deep_scalar_chain(3, u=0.0), ValueError, "u"),
    (lambda: R.deep_scalar_chain(3, w0=[1.0, 2.0]), ValueError, "w0"),
    (lambda: R.tanh_rnn(steps=0), ValueError, "steps"),
    (lambda: R.tanh_rnn(scale=-1.0), ValueError, "scale"),
    (lambda: R.tanh_rnn(hidden=2, x0=np.zeros(3)), ValueError, "x0"),
    (lambda: R.log_scales(3, 2.0, 1.0), ValueError, "high"),
    (lambda: R.rnn_unpack(R.cosh(2)), TypeError, "tanh_rnn"),
])
def test_constructors_reject_bad_input(build, error, name):
    with pytest.raises(error, match=name):
        build()
