"""Tests for synthetic.objectives: values and gradients, and every documented constant.

Each objective is compared with a naive formula written here from its definition (not from the
jitted code), its gradient with central differences of its value, and each documented constant
with a numerical estimate from :mod:`synthetic.constants`: ``L`` within a relative 1e-3 (a tight
constant, PEPit-style), the proven PL constant as a lower bound, the tight one within 1e-3, and
every property marked ``False`` is shown to fail (the PL ratio of a not-PL objective goes to 0, a
non-convex objective has negative curvature).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import adaptopt  # noqa: F401  (imported before synthetic: see tests/test_noise.py)
from synthetic import objectives as obj
from synthetic.base import Objective
from synthetic.constants import estimate_min_curvature, estimate_pl, estimate_smoothness

# ---- test tolerances (one place) ---------------------------------------------------------------
TIGHT_REL = 1e-3  # documented tight constants against numerical estimates
FD_STEP = 1e-6  # central differences of the value (relative to max(1, |x|))
FD_REL = 1e-6  # gradient against those differences, relative to max(1, ||grad||)
FORMULA_REL = 1e-13  # jitted value/gradient against the naive formulas
HESSIAN_FD_ERR = 1e-8  # absolute error of the numerical curvature (convexity, upper bounds)
N_RANDOM = 200  # random points per objective for value/gradient checks
BOX_RADIUS = 10.0  # "large box" for L: contains the points where every documented L is attained

W3 = np.array([1.0, 0.3, 0.1])


def _naive(name, x, objective):
    """(f(x), grad f(x)) from the definitions in the module docstring, plain numpy."""
    if name == "quadratic":
        lam, c = np.asarray(objective.options["eigenvalues"]), np.asarray(objective.options["center"])
        return 0.5 * np.sum(lam * (x - c) ** 2), lam * (x - c)
    if name == "pl_sine":
        w = np.asarray(objective.options["weights"])
        return np.sum(w * (x**2 + 3.0 * np.sin(x) ** 2)), w * (2.0 * x + 6.0 * np.sin(x) * np.cos(x))
    if name == "log1p_square":
        return np.sum(np.log(1.0 + x**2)), 2.0 * x / (1.0 + x**2)
    if name == "flat_quartic":  # quotient rule on x^4 / (1 + x^2)
        return np.sum(x**4 / (1.0 + x**2)), (4.0 * x**3 * (1.0 + x**2) - 2.0 * x**5) / (1.0 + x**2) ** 2
    raise AssertionError(name)


#: Several dimensions and weights per objective; the minimiser of each.
CASES = [
    ("quadratic", lambda: obj.quadratic([2.0]), [0.0]),
    ("quadratic", lambda: obj.quadratic([1.0, 4.0, 0.25], center=[1.0, -2.0, 0.5]), [1.0, -2.0, 0.5]),
    ("quadratic", lambda: obj.quadratic(obj.log_spectrum(7, 100.0)), [0.0] * 7),
    ("pl_sine", lambda: obj.pl_sine(1), [0.0]),
    ("pl_sine", lambda: obj.pl_sine(3, weights=W3), [0.0] * 3),
    ("pl_sine", lambda: obj.pl_sine(6, weights=np.logspace(0, -2, 6)), [0.0] * 6),
    ("log1p_square", lambda: obj.log1p_square(1), [0.0]),
    ("log1p_square", lambda: obj.log1p_square(10), [0.0] * 10),
    ("flat_quartic", lambda: obj.flat_quartic(1), [0.0]),
    ("flat_quartic", lambda: obj.flat_quartic(4), [0.0] * 4),
]
IDS = [f"{name}-{i}" for i, (name, _, _) in enumerate(CASES)]


def test_every_registered_objective_is_tested():
    assert {name for name, _, _ in CASES} == set(obj.OBJECTIVES)


@pytest.mark.parametrize("name, build, minimiser", CASES, ids=IDS)
def test_value_and_gradient_match_the_definition(name, build, minimiser):
    f = build()
    assert isinstance(f, Objective) and f.name == name
    rng = np.random.default_rng(0)
    X = rng.uniform(-4.0, 4.0, size=(N_RANDOM, f.dim))
    values, grads = f.value(X), f.grad(X)
    for x, v, g in zip(X, values, grads):
        v_naive, g_naive = _naive(name, x, f)
        assert v == pytest.approx(v_naive, rel=FORMULA_REL, abs=FORMULA_REL)
        np.testing.assert_allclose(g, g_naive, rtol=FORMULA_REL, atol=FORMULA_REL)


@pytest.mark.parametrize("name, build, minimiser", CASES, ids=IDS)
def test_gradient_matches_central_differences_of_the_value(name, build, minimiser):
    f = build()
    rng = np.random.default_rng(1)
    for x in rng.uniform(-4.0, 4.0, size=(40, f.dim)):
        g = f.grad(x)
        fd = np.empty(f.dim)
        for j in range(f.dim):
            h = FD_STEP * max(1.0, abs(x[j]))
            e = np.zeros(f.dim)
            e[j] = h
            fd[j] = (f.value(x + e) - f.value(x - e)) / (2.0 * h)
        assert np.max(np.abs(g - fd)) <= FD_REL * max(1.0, np.linalg.norm(g))


@pytest.mark.parametrize("name, build, minimiser", CASES, ids=IDS)
def test_jitted_gradient_returns_its_squared_norm(name, build, minimiser):
    f = build()
    out = np.empty(f.dim)
    for x in np.random.default_rng(2).uniform(-5.0, 5.0, size=(50, f.dim)):
        sq = f.grad_fn(x, f.params, out)
        np.testing.assert_array_equal(out, f.grad(x))
        assert sq == pytest.approx(float(np.dot(out, out)), rel=FORMULA_REL)


@pytest.mark.parametrize("name, build, minimiser", CASES, ids=IDS)
def test_minimiser_attains_f_star(name, build, minimiser):
    f = build()
    xs = np.asarray(minimiser, dtype=float)
    assert f.value(xs) == f.f_star == f.constants.f_star
    np.testing.assert_array_equal(f.grad(xs), 0.0)
    # f* is the infimum: no sampled point, near or far, goes below it.
    rng = np.random.default_rng(3)
    X = np.concatenate([rng.uniform(-1e-3, 1e-3, (200, f.dim)), rng.uniform(-50.0, 50.0, (200, f.dim))]) + xs
    assert np.all(f.value(X) >= f.f_star)


def test_default_starting_points_follow_the_spec():
    np.testing.assert_array_equal(obj.pl_sine().x0, [3.0])  # x1 = 3 for F1
    np.testing.assert_array_equal(obj.log1p_square(10).x0, np.full(10, 3.0))  # x1 = 3 * 1 for F2, d = 10
    np.testing.assert_array_equal(obj.quadratic([1.0, 2.0], center=[1.0, -1.0]).x0, [2.0, 0.0])
    np.testing.assert_array_equal(obj.pl_sine(2, x0=[0.5, -1.0]).x0, [0.5, -1.0])


# ---- documented constants ---------------------------------------------------------------------------

SMOOTHNESS_CASES = [
    ("quadratic-1", lambda: obj.quadratic([2.0])),
    ("quadratic-3", lambda: obj.quadratic([1.0, 4.0, 0.25], center=[1.0, -2.0, 0.5])),
    ("pl_sine-1", lambda: obj.pl_sine(1)),
    ("pl_sine-3w", lambda: obj.pl_sine(3, weights=W3)),
    ("log1p_square-1", lambda: obj.log1p_square(1)),
    ("log1p_square-2", lambda: obj.log1p_square(2)),
    ("flat_quartic-1", lambda: obj.flat_quartic(1)),
    ("flat_quartic-2", lambda: obj.flat_quartic(2)),
]


@pytest.mark.parametrize("label, build", SMOOTHNESS_CASES, ids=[c[0] for c in SMOOTHNESS_CASES])
def test_documented_L_is_tight(label, build):
    f = build()
    est = estimate_smoothness(f, box=(-BOX_RADIUS, BOX_RADIUS), n_points=2000, seed=0)
    documented = f.constants.L.value
    assert f.constants.properties["l_smooth"] is True
    assert est.value == pytest.approx(documented, rel=TIGHT_REL)
    # L bounds the Hessian everywhere: no point of the box (nor the refinement) exceeds it.
    assert est.value <= documented + HESSIAN_FD_ERR


@pytest.mark.parametrize("label, build", SMOOTHNESS_CASES, ids=[c[0] for c in SMOOTHNESS_CASES])
def test_curvature_sign_matches_the_convexity_flag(label, build):
    f = build()
    est = estimate_min_curvature(f, box=(-BOX_RADIUS, BOX_RADIUS), n_points=2000, seed=0)
    if f.constants.properties["convex"]:
        assert est.value >= -HESSIAN_FD_ERR
    else:
        assert est.value < -0.1  # clearly negative: the function is not convex
    documented = f.constants.extra.get("min_curvature")
    if documented is not None:
        assert est.value == pytest.approx(documented.value, rel=TIGHT_REL)


def test_flat_quartic_curvature_at_minimiser_is_zero_and_quadratic_is_exact():
    f = obj.flat_quartic(1)
    at_zero = estimate_min_curvature(f, points=[[0.0]])
    assert abs(at_zero.value - f.constants.extra["curvature_at_minimiser"].value) <= HESSIAN_FD_ERR
    q = obj.quadratic([3.0, 0.5])
    assert estimate_min_curvature(q, points=[[7.0, -2.0]]).value == pytest.approx(0.5, rel=1e-9)
    sine = obj.pl_sine(2, weights=[0.5, 2.0])
    assert estimate_smoothness(sine, points=[[0.0, 0.0]]).value == pytest.approx(
        sine.constants.extra["curvature_at_minimiser"].value, rel=1e-9)


PL_CASES = [
    ("pl_sine-1", lambda: obj.pl_sine(1), (-10.0, 10.0)),
    ("pl_sine-3w", lambda: obj.pl_sine(3, weights=W3), (-5.0, 5.0)),
    ("quadratic-1", lambda: obj.quadratic([2.0]), (-3.0, 3.0)),
    ("quadratic-3", lambda: obj.quadratic([1.0, 4.0, 0.25]), (-3.0, 3.0)),
]


@pytest.mark.parametrize("label, build, box", PL_CASES, ids=[c[0] for c in PL_CASES])
def test_pl_constants(label, build, box):
    f = build()
    est = estimate_pl(f, box, n_points=2000, seed=0)
    assert f.constants.properties["pl"] is True
    assert est.value == pytest.approx(f.constants.mu_pl_tight.value, rel=TIGHT_REL)
    assert est.value >= f.constants.mu_pl.value  # the proven constant is a valid lower bound
    assert f.constants.mu_pl.value <= f.constants.mu_pl_tight.value <= f.constants.L.value  # mu <= L


def test_pl_sine_tight_constant_matches_the_spec():
    mu, x_star = obj.pl_sine_tight_mu()
    assert abs(mu - 0.1755) < 1e-3 and abs(x_star - 2.20) < 0.01
    # Independent: the ratio on a dense grid never goes below mu and comes within 1e-6 of it.
    x = np.linspace(1e-3, 30.0, 2_000_001)
    h = x**2 + 3.0 * np.sin(x) ** 2
    dh = 2.0 * x + 3.0 * np.sin(2.0 * x)
    ratio = dh**2 / (2.0 * h)
    assert ratio.min() >= mu - 1e-12 and ratio.min() <= mu + 1e-6
    assert obj.pl_sine(1).constants.mu_pl.value == 1.0 / 32.0
    assert obj.pl_sine(3, weights=W3).constants.mu_pl_tight.value == pytest.approx(0.1 * mu, rel=1e-15)


def test_log1p_square_is_not_pl():
    """Over growing boxes the infimum of ||grad f||^2 / (2 f) shrinks to 0 (value at the box corner)."""
    f = obj.log1p_square(1)
    assert f.constants.properties["pl"] is False and f.constants.mu_pl is None
    estimates = []
    for radius in (10.0, 100.0, 1000.0):
        est = estimate_pl(f, (-radius, radius), n_points=500, seed=0)
        closed = (2.0 * radius / (1.0 + radius**2)) ** 2 / (2.0 * math.log1p(radius**2))
        assert est.value == pytest.approx(closed, rel=TIGHT_REL)
        estimates.append(est.value)
    assert estimates[0] > estimates[1] > estimates[2] and estimates[2] < 1e-6


def test_flat_quartic_is_not_pl_near_its_minimiser():
    """Outside a ball of radius r around 0 the ratio is 2 r^2 (r^2 + 2)^2 / (1 + r^2)^3 ~ 8 r^2 -> 0."""
    f = obj.flat_quartic(1)
    assert f.constants.properties["pl"] is False and f.constants.mu_pl is None
    estimates = []
    for r in (0.1, 0.01, 0.001):
        est = estimate_pl(f, (-1.0, 1.0), n_points=500, seed=0, exclude_radius=r)
        closed = 2.0 * r**2 * (r**2 + 2.0) ** 2 / (1.0 + r**2) ** 3
        assert est.value == pytest.approx(closed, rel=TIGHT_REL)
        estimates.append(est.value)
    assert estimates[0] > estimates[1] > estimates[2] and estimates[2] < 1e-5


# ---- plain-Python API and validation ---------------------------------------------------------------


@pytest.mark.parametrize("name, build, minimiser", CASES[::3], ids=IDS[::3])
def test_plain_python_shapes(name, build, minimiser):
    f = build()
    x = np.linspace(-1.0, 2.0, f.dim)
    assert isinstance(f.value(x), float)
    assert f.grad(x).shape == (f.dim,)
    X = np.stack([x, -x, 2 * x])
    np.testing.assert_array_equal(f.value(X), [f.value(r) for r in X])
    np.testing.assert_array_equal(f.grad(X), np.stack([f.grad(r) for r in X]))
    assert f.value(X.tolist()).shape == (3,)  # lists are accepted
    for bad in (np.zeros(f.dim + 1), np.zeros((2, f.dim + 1)), np.zeros((1, 1, f.dim))):
        with pytest.raises(ValueError, match="x must have shape"):
            f.value(bad)
        with pytest.raises(ValueError, match="x must have shape"):
            f.grad(bad)


@pytest.mark.parametrize("build, error, name", [
    (lambda: obj.quadratic([]), ValueError, "eigenvalues"),
    (lambda: obj.quadratic([1.0, -1.0]), ValueError, "eigenvalues"),
    (lambda: obj.quadratic([1.0, 0.0]), ValueError, "eigenvalues"),
    (lambda: obj.quadratic([1.0, math.nan]), ValueError, "eigenvalues"),
    (lambda: obj.quadratic([[1.0, 2.0]]), ValueError, "eigenvalues"),
    (lambda: obj.quadratic([1.0, 2.0], center=[1.0]), ValueError, "center"),
    (lambda: obj.quadratic([1.0, 2.0], x0=[1.0, 2.0, 3.0]), ValueError, "x0"),
    (lambda: obj.pl_sine(0), ValueError, "dim"),
    (lambda: obj.pl_sine(1.5), TypeError, "dim"),
    (lambda: obj.pl_sine(2, weights=[1.0, -1.0]), ValueError, "weights"),
    (lambda: obj.pl_sine(2, weights=[1.0]), ValueError, "weights"),
    (lambda: obj.pl_sine(2, x0=[1.0, math.inf]), ValueError, "x0"),
    (lambda: obj.log1p_square(-1), ValueError, "dim"),
    (lambda: obj.flat_quartic(True), TypeError, "dim"),
    (lambda: obj.log_spectrum(3, 0.5), ValueError, "condition_number"),
    (lambda: obj.make_objective("rosenbrock"), ValueError, "rosenbrock"),
    (lambda: obj.make_objective("pl_sine", sigma=1.0), ValueError, "sigma"),
])
def test_constructors_reject_bad_input(build, error, name):
    with pytest.raises(error, match=name):
        build()


def test_make_objective_and_log_spectrum():
    f = obj.make_objective("pl_sine", dim=2, weights=[1.0, 0.5])
    assert f.constants.L.value == 8.0 and f.constants.mu_pl.value == 0.5 / 32.0
    lam = obj.log_spectrum(5, 1e4, smallest=0.5)
    np.testing.assert_allclose(lam, 0.5 * 10.0 ** np.arange(5.0), rtol=1e-14)
    q = obj.quadratic(lam)
    assert q.constants.L.value == lam.max() and q.constants.mu_pl.value == lam.min()
    assert q.constants.extra["condition_number"].value == pytest.approx(1e4, rel=1e-14)
