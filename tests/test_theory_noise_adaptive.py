"""Tests of proofs_check.theory.noise_adaptive: the theory of Part 1 as code.

1. The registry and the labels.
2. Formulas: hand-computed values, the noiseless limits, the exact sums behind them, the orders
   in T (log-log slopes over T in 1e3..1e6), the corrected cosine constant, input validation.
3. SGDOL's learner: the closed form is FTRL (brute force over an η grid, through
   ``adaptopt.replay``), the regret estimator against a brute-force minimum, and the FTRL regret
   bound on bounded sequences.
4. Every bound against Monte-Carlo measurements of the engine on a grid of problems and noise
   models: the upper 95% confidence limit of the measured mean is below the bound at every T,
   and the measured log-log slope is at least as steep as the bound's order (see
   :data:`SLOPE_SLACK` for why that is the direction an upper bound implies).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import pytest
from scipy import integrate
from scipy.special import gamma

import adaptopt
from adaptopt import schedules
from proofs_check import fit
from proofs_check.theory import KINDS, SOURCES, TheoryFunction, theory
from proofs_check.theory import noise_adaptive as na
from synthetic import noise, objectives

# ----------------------------------------------------------------------------------------------
# Tolerances and experiment sizes (the one place for this file's numbers)
# ----------------------------------------------------------------------------------------------

#: Formulas compared with hand computations.
RTOL = 1e-12
#: Horizons of the order checks of the formulas themselves.
ORDER_GRID = np.logspace(3.0, 6.0, 13)
#: |fitted slope of a formula − its stated order| over ORDER_GRID.
ORDER_TOL = 0.02
#: Horizons of the Monte-Carlo checks: log-spaced, 10^2 .. 10^4 (spec §7); the slope is fitted
#: on the upper half (1000 .. 10000).
GRID = (100, 215, 464, 1000, 2154, 4642, 10000)
#: Seeds per run of the Monte-Carlo checks.
SEEDS = 256
#: Seeds for the affine (multiplicative) noise. Its per-seed averages are strongly skewed (the
#: transient is a product of random factors (1 − ηλ(1 + √a ζ))², whose higher moments grow
#: geometrically: E A⁶ > 1 for ηλ = 1/2), and on the quadratics the non-PL bounds are tight (true
#: mean/bound ≈ 0.8-0.9 at T = 100-215; the descent lemma is an equality along the eigenvector of
#: L and η0 = 1/(L(1 + a)) makes it bind). Measured false-failure rates of the UCL check on the
#: quadratic-affine pairs: 1 of 24 root seeds with 1024 seeds (UCL/bound 1.03), 0 of 16 with 2048
#: (largest 0.94). With x0 = 3 instead of the default c + 1 the quadratics were tighter still and
#: failed 1 of 3 roots even at 2048 seeds.
SEEDS_BY_NOISE = {"affine": 2048}
#: Root seed of the Monte-Carlo checks.
ROOT_SEED = 20240601
#: Bootstrap replicates of the slope fits (only the point estimate is judged).
N_BOOT = fit.MIN_N_BOOT
#: An upper bound B(T) ~ c T^p on the expected metric m(T) forces m's asymptotic exponent to be
#: <= p: if m ~ c' T^q with q > p, m would cross B. So the measured slope may be *steeper* than
#: the bound's order (the measurement is often in a faster, local regime: the global PL μ is far
#: below the curvature at the minimiser), but not shallower; SLOPE_SLACK allows for Monte-Carlo
#: error and finite-T curvature: measured slope <= order + SLOPE_SLACK.
SLOPE_SLACK = 0.15
#: Slack of the leading-order cosine estimate (C-PL), which is not a proven bound. None is needed:
#: test_cosine_leading_exceeds_recursion shows that on these problems it lies above the exact
#: unrolled recursion (R), a proven bound, at every T of the grid (its noise term approaches the
#: recursion's from above), so it is judged like an upper bound, with slack 1.
SLACK_C_PL_LEADING = 1.0
#: Points of the brute-force η grids on [0, 2/L].
ETA_GRID_POINTS = 20001
#: Exponential schedule parameter of the Monte-Carlo checks.
BETA = 1.0


def slope(T, values) -> float:
    return fit.slope_from_points(np.asarray(T, dtype=float), np.asarray(values, dtype=float))[0]


# ----------------------------------------------------------------------------------------------
# 1. Registry and labels
# ----------------------------------------------------------------------------------------------

REQUIRED = (
    "sgdol_bound", "sgdol_regret", "exponential_pl_bound", "cosine_pl_leading", "exponential_nonpl_bound",
    "cosine_nonpl_bound", "tuned_eta0_exponential_nonpl", "tuned_eta0_cosine_nonpl", "constant_step_pl_bound",
    "polynomial_pl_rate_shape", "nonconvex_lower_shape", "pl_stochastic_lower_shape",
    "pl_deterministic_lower_iterations", "sgd_constant_nonconvex_bound",
)


def test_registry_lists_every_labelled_function():
    labelled = {name for name, value in vars(na).items() if isinstance(value, TheoryFunction)}
    assert set(na.THEORY) == labelled
    assert set(REQUIRED) <= labelled
    for name, func in na.THEORY.items():
        assert func.name == name == func.__name__
        assert func.source in SOURCES and func.kind in KINDS and func.reference


def test_public_names():
    assert set(na.THEORY) <= set(na.__all__)
    assert all(hasattr(na, name) for name in na.__all__)


def test_kinds_match_the_claims():
    assert na.cosine_pl_leading.kind == "leading order"
    assert na.polynomial_pl_rate_shape.kind == "rate shape"
    for name in ("nonconvex_lower_shape", "pl_stochastic_lower_shape", "pl_deterministic_lower_iterations"):
        assert na.THEORY[name].kind == "lower bound shape"
    for name in ("sgdol_bound", "exponential_pl_bound", "exponential_nonpl_bound", "cosine_nonpl_bound",
                 "constant_step_pl_bound", "sgd_constant_nonconvex_bound", "pl_recursion_bound"):
        assert na.THEORY[name].kind == "upper bound"


@pytest.mark.parametrize("name", list(na.THEORY))
def test_docstrings_carry_the_math(name):
    func = na.THEORY[name]
    doc = func.__doc__
    assert doc and doc == func.func.__doc__
    for section in ("Parameters", "Returns"):
        assert f"\n    {section}\n    ---" in doc, f"{name}: no {section} section"
    if func.source == "derived":
        for section in ("Notes", "References"):
            assert f"\n    {section}\n    ---" in doc, f"{name}: derived but no {section} section"
    if func.kind == "leading order":
        assert "Not a proven bound" in doc
    if func.kind == "lower bound shape":
        assert "Only the shape is meaningful" in doc


def test_decorator_labels_and_calls():
    @theory(source="standard", kind="rate shape", reference="somewhere")
    def shape(T, *, c):
        """c/T"""
        return np.asarray(c / np.asarray(T, dtype=float))

    assert isinstance(shape, TheoryFunction)
    assert (shape.source, shape.kind, shape.reference, shape.name, shape.__doc__) == (
        "standard", "rate shape", "somewhere", "shape", "c/T")
    np.testing.assert_array_equal(shape([1, 2], c=2.0), [2.0, 1.0])
    with pytest.raises(AttributeError):
        shape.kind = "upper bound"
    with pytest.raises(ValueError, match="source"):
        theory(source="folklore", kind="rate shape", reference="x")
    with pytest.raises(ValueError, match="kind"):
        theory(source="derived", kind="conjecture", reference="x")
    with pytest.raises(ValueError, match="reference"):
        theory(source="derived", kind="rate shape", reference=" ")


# ----------------------------------------------------------------------------------------------
# 2. Formulas
# ----------------------------------------------------------------------------------------------


def test_hand_computed_values():
    # S1: 3·2·(3 + 1)/100 + 0.5·√(2·2·4/100) = 0.24 + 0.5·0.4
    assert na.sgdol_bound(100, L=2.0, delta=3.0, regret=1.0, sigma=0.5) == pytest.approx(0.44, rel=RTOL)
    # (N2) with a = 1: the constant 3 becomes 5
    assert na.sgdol_bound(100, L=2.0, delta=3.0, regret=1.0, sigma=0.5, a=1.0) == pytest.approx(0.6, rel=RTOL)
    # 2·5/(0.25·50) + 2·0.25·4
    assert na.sgd_constant_nonconvex_bound(50, L=2.0, eta=0.25, sigma2=4.0, delta=5.0) == pytest.approx(2.8)
    # 0.75^10 + 1·2·0.5/(2·0.5)
    assert na.constant_step_pl_bound(10, L=1.0, mu=0.5, b=2.0, eta=0.5, delta=1.0) == pytest.approx(
        0.75**10 + 1.0, rel=RTOL)
    # 4/(0.5·4) + 2·3·0.5·11/(4·4) = 2 + 33/16
    assert na.cosine_nonpl_bound(5, L=2.0, b=3.0, eta0=0.5, delta=1.0) == pytest.approx(2.0 + 33.0 / 16.0)
    # T = 1: exp(0)·Δ + C; T = 8: exp(−3.5)Δ + C/4
    C = na.COSINE_PL_CONSTANT
    assert na.cosine_pl_leading(1, L=1.0, mu=1.0, b=1.0, eta0=1.0, delta=2.0) == pytest.approx(2.0 + C)
    assert na.cosine_pl_leading(8, L=1.0, mu=1.0, b=1.0, eta0=1.0, delta=2.0) == pytest.approx(
        2.0 * math.exp(-3.5) + C / 4.0)
    assert na.nonconvex_lower_shape(4, L=1.0, delta=1.0, sigma=2.0) == pytest.approx(1.25)
    assert na.pl_stochastic_lower_shape(10, mu=0.5, sigma=1.0) == pytest.approx(0.2)
    assert na.pl_deterministic_lower_iterations(math.exp(-3.0), L=10.0, mu=2.0) == pytest.approx(15.0)
    # α/(2L) + 9G²/(2L)·ln(1 + T G²/α) at T = e − 1: 1/4 + 9/4
    assert na.sgdol_regret_bound(math.e - 1.0, L=2.0, alpha=1.0, G=1.0) == pytest.approx(2.5)
    # √(16·3/(3·1·1·64)) = 1/2 below the cap 1/(1·(1 + 0)) = 1; the cap 1/(4·2) wins for L = 4, a = 1
    assert na.tuned_eta0_cosine_nonpl(64, L=1.0, a=0.0, b=1.0, delta=3.0) == pytest.approx(0.5)
    assert na.tuned_eta0_cosine_nonpl(64, L=4.0, a=1.0, b=1.0, delta=3.0) == pytest.approx(0.125)
    # T = 100 β: ln(T/β) = ln 100, α = 100^(−1/100)
    T, beta, L, mu, b, eta0, delta = 1000.0, 10.0, 2.0, 0.5, 0.3, 0.25, 4.0
    lr, alpha = math.log(100.0), 100.0 ** (-1.0 / 1000.0)
    expected_pl = (math.exp(-mu * eta0 * alpha * (T - beta) / lr) * delta
                   + 2 * L * b * lr**2 / (math.e**2 * mu**2 * alpha**2 * T) * math.exp(mu * eta0 * beta / lr))
    assert na.exponential_pl_bound(T, L=L, mu=mu, b=b, eta0=eta0, beta=beta, delta=delta) == pytest.approx(
        expected_pl, rel=RTOL)
    expected_nc = 2 * delta * lr / (alpha * eta0 * (T - beta)) + L * b * eta0 * T / (2 * alpha * (T - beta))
    assert na.exponential_nonpl_bound(T, L=L, b=b, eta0=eta0, beta=beta, delta=delta) == pytest.approx(
        expected_nc, rel=RTOL)
    assert na.tuned_eta0_exponential_nonpl(T, L=L, a=0.0, b=b, delta=delta, beta=beta) == pytest.approx(
        math.sqrt(delta * lr / (L * b * T)), rel=RTOL)


def test_vectorised_over_T_and_regret():
    T = np.array([[10.0, 100.0], [1000.0, 10000.0]])
    regret = np.array([[0.5, 1.0], [2.0, 4.0]])
    out = na.sgdol_bound(T, L=1.0, delta=1.0, regret=regret, sigma=1.0)
    assert out.shape == (2, 2) and out.dtype == np.float64
    for i in range(2):
        for j in range(2):
            assert out[i, j] == na.sgdol_bound(T[i, j], L=1.0, delta=1.0, regret=regret[i, j], sigma=1.0)
    assert isinstance(na.cosine_nonpl_bound(10, L=1.0, b=1.0, eta0=1.0, delta=1.0), np.ndarray)


def test_noiseless_limits_keep_only_the_deterministic_term():
    T = np.array([20.0, 200.0, 2000.0])
    L, mu, eta0, delta, beta = 4.0, 0.5, 0.25, 3.0, 2.0
    alpha = (beta / T) ** (1.0 / T)
    lr = np.log(T / beta)
    np.testing.assert_allclose(na.exponential_pl_bound(T, L=L, mu=mu, b=0.0, eta0=eta0, beta=beta, delta=delta),
                               np.exp(-mu * eta0 * alpha * (T - beta) / lr) * delta, rtol=RTOL)
    np.testing.assert_allclose(na.cosine_pl_leading(T, L=L, mu=mu, b=0.0, eta0=eta0, delta=delta),
                               np.exp(-mu * eta0 * (T - 1) / 2) * delta, rtol=RTOL)
    np.testing.assert_allclose(na.exponential_nonpl_bound(T, L=L, b=0.0, eta0=eta0, beta=beta, delta=delta),
                               2 * delta * lr / (alpha * eta0 * (T - beta)), rtol=RTOL)
    np.testing.assert_allclose(na.cosine_nonpl_bound(T, L=L, b=0.0, eta0=eta0, delta=delta),
                               4 * delta / (eta0 * (T - 1)), rtol=RTOL)
    np.testing.assert_allclose(na.constant_step_pl_bound(T, L=L, mu=mu, b=0.0, eta=eta0, delta=delta),
                               (1 - mu * eta0) ** T * delta, rtol=RTOL)
    np.testing.assert_allclose(na.sgdol_bound(T, L=L, delta=delta, regret=1.0, sigma=0.0),
                               3 * L * (delta + 1.0) / T, rtol=RTOL)
    np.testing.assert_allclose(na.sgd_constant_nonconvex_bound(T, L=L, eta=eta0, sigma2=0.0, delta=delta),
                               2 * delta / (eta0 * T), rtol=RTOL)
    np.testing.assert_allclose(na.pl_recursion_bound(T.astype(int), step_size=schedules.constant(eta0), L=L, mu=mu,
                                                     b=0.0, delta=delta), (1 - mu * eta0) ** T * delta, rtol=1e-10)
    # b = 0: the tuned steps are the cap 1/(L(1 + a))
    np.testing.assert_allclose(na.tuned_eta0_exponential_nonpl(T, L=L, a=1.0, b=0.0, delta=delta, beta=beta),
                               1.0 / (2 * L))
    np.testing.assert_allclose(na.tuned_eta0_cosine_nonpl(T, L=L, a=0.0, b=0.0, delta=delta), 1.0 / L)


@pytest.mark.parametrize("T", [2, 3, 4, 7, 50, 501])
def test_cosine_sums_are_exact(T):
    eta = schedules.cosine(0.7)(np.arange(1, T + 1), T)
    assert eta.sum() == pytest.approx(0.7 * (T - 1) / 2, rel=1e-12, abs=1e-12)
    assert (eta**2).sum() == pytest.approx(0.7**2 * (3 * T - 4) / 8, rel=1e-12)
    # so (NC) evaluated exactly equals the closed form (C-NC)
    assert na.weighted_nonpl_bound(T, step_size=schedules.cosine(0.7), L=2.0, b=0.3, delta=1.5) == pytest.approx(
        float(na.cosine_nonpl_bound(T, L=2.0, b=0.3, eta0=0.7, delta=1.5)), rel=1e-12)


def test_exponential_alpha_is_at_least_exp_minus_one_over_e():
    T = np.concatenate([np.linspace(1.0, 50.0, 100_001), np.arange(51.0, 200_000.0)])  # real T, beta = 1
    alpha = (1.0 / T) ** (1.0 / T)
    assert alpha.min() >= na.ALPHA_MIN - 1e-15
    assert alpha.min() == pytest.approx(na.ALPHA_MIN, rel=1e-6)  # attained at T = e
    assert alpha[T >= 2].min() > 0.69  # integer horizons: 0.6934 at T = 3
    assert na.ALPHA_MIN > 0.69 and na.ALPHA_MIN**2 > 0.479


@pytest.mark.parametrize("mu, eta0, beta, b", [(1 / 32, 1 / 8, 1.0, 1.0), (0.5, 1.0, 1.0, 0.1), (1.0, 0.5, 10.0, 2.0)])
def test_closed_forms_dominate_the_exact_recursion(mu, eta0, beta, b):
    """(E-PL), (E-NC) and the constant-step bound are upper estimates of the exact (R) and (NC)."""
    T = np.array([20, 100, 1000, 10000])
    T = T[T > beta]
    kw = {"L": 1.0 / eta0, "mu": mu, "b": b, "delta": 5.0}
    exact = na.pl_recursion_bound(T, step_size=schedules.exponential(eta0, beta), **kw)
    assert np.all(na.exponential_pl_bound(T, eta0=eta0, beta=beta, **kw) >= exact)
    exact_nc = na.weighted_nonpl_bound(T, step_size=schedules.exponential(eta0, beta), L=kw["L"], b=b, delta=5.0)
    assert np.all(na.exponential_nonpl_bound(T, L=kw["L"], b=b, eta0=eta0, beta=beta, delta=5.0) >= exact_nc)
    exact_const = na.pl_recursion_bound(T, step_size=schedules.constant(eta0), **kw)
    closed = na.constant_step_pl_bound(T, eta=eta0, **kw)
    assert np.all(closed >= exact_const)
    assert exact_const[-1] == pytest.approx(closed[-1], rel=1e-9)  # the sum of the geometric series converged


def _cosine_noise_term(T, mu, eta0):
    """The noise term of (U) for the cosine schedule with L b = 1, Δ = 0 (exact sum)."""
    return float(na.pl_recursion_bound(T, step_size=schedules.cosine(eta0), L=1.0, mu=mu, b=1.0, delta=0.0))


def test_cosine_constant_is_the_laplace_leading_order():
    # the integral behind the constant
    k = 0.37
    value, _ = integrate.quad(lambda s: s**4 * math.exp(-k * s**3), 0.0, math.inf)
    assert value == pytest.approx(gamma(5 / 3) * k ** (-5 / 3) / 3, rel=1e-8)
    assert na.COSINE_PL_CONSTANT == pytest.approx(
        math.pi ** (2 / 3) * gamma(5 / 3) * 12 ** (5 / 3) / 96, rel=1e-14)
    assert na.COSINE_PL_CONSTANT_SPEC / na.COSINE_PL_CONSTANT == pytest.approx((math.pi**2 / 4) ** (5 / 3))
    # the exact noise term of the unrolled recursion approaches C μ^(-5/3) η0^(1/3) T^(-2/3) (L b = 1)
    mu, eta0 = 0.5, 1.0
    ratios = [_cosine_noise_term(T, mu, eta0) / (na.COSINE_PL_CONSTANT * eta0 ** (1 / 3) * mu ** (-5 / 3)
                                                 * T ** (-2 / 3)) for T in (1000, 10_000, 1_000_000)]
    assert ratios[-1] == pytest.approx(1.0, abs=1e-3)
    assert ratios[0] < ratios[1] < ratios[2] < 1.0  # from below
    # the spec's constant would be off by a factor 4.5 as a leading order
    assert ratios[-1] * na.COSINE_PL_CONSTANT / na.COSINE_PL_CONSTANT_SPEC == pytest.approx(0.222, abs=1e-3)


def _order_cases():
    kw_pl = {"L": 1.0, "mu": 1.0, "b": 1.0, "delta": 1.0}
    lr = np.log(ORDER_GRID)
    return {
        "S1, sigma > 0": (na.sgdol_bound(ORDER_GRID, L=1.0, delta=0.01, regret=0.0, sigma=1.0), -0.5),
        "S1, sigma = 0": (na.sgdol_bound(ORDER_GRID, L=1.0, delta=1.0, regret=0.5, sigma=0.0), -1.0),
        "E-PL: ln^2 T / T": (na.exponential_pl_bound(ORDER_GRID, eta0=0.5, beta=1.0, **kw_pl),
                             slope(ORDER_GRID, lr**2 / ORDER_GRID)),
        "C-PL: T^(-2/3)": (na.cosine_pl_leading(ORDER_GRID, eta0=0.5, **kw_pl), -2 / 3),
        "E-NC tuned: sqrt(ln T / T)": (
            na.exponential_nonpl_bound(
                ORDER_GRID, L=1.0, b=1.0, beta=1.0, delta=1.0,
                eta0=na.tuned_eta0_exponential_nonpl(ORDER_GRID, L=1.0, a=0.0, b=1.0, delta=1.0, beta=1.0)),
            slope(ORDER_GRID, np.sqrt(lr / ORDER_GRID))),
        "C-NC tuned": (na.cosine_nonpl_bound(
            ORDER_GRID, L=1.0, b=1.0, delta=1.0,
            eta0=na.tuned_eta0_cosine_nonpl(ORDER_GRID, L=1.0, a=0.0, b=1.0, delta=1.0)), -0.5),
        "E-NC fixed eta0: floor": (na.exponential_nonpl_bound(ORDER_GRID, L=1.0, b=1.0, eta0=1.0, beta=1.0,
                                                              delta=1e-3), 0.0),
        "C-NC fixed eta0: floor": (na.cosine_nonpl_bound(ORDER_GRID, L=1.0, b=1.0, eta0=1.0, delta=1e-3), 0.0),
        "constant step PL: plateau": (na.constant_step_pl_bound(ORDER_GRID, eta=0.5, **kw_pl), 0.0),
        "SGD constant, non-convex: floor": (na.sgd_constant_nonconvex_bound(ORDER_GRID, L=1.0, eta=1.0, sigma2=1.0,
                                                                           delta=1e-3), 0.0),
        "SGD constant, noiseless": (na.sgd_constant_nonconvex_bound(ORDER_GRID, L=1.0, eta=1.0, sigma2=0.0,
                                                                   delta=1.0), -1.0),
        "eta0/sqrt(t): T^(-1/2)": (na.polynomial_pl_rate_shape(ORDER_GRID, p=0.5, eta0=1.0, **kw_pl), -0.5),
        "eta0/t, mu eta0 = 1/2: T^(-1/2)": (na.polynomial_pl_rate_shape(ORDER_GRID, p=1.0, eta0=0.5, **kw_pl), -0.5),
        "eta0/t, noiseless, mu eta0 = 0.3": (na.polynomial_pl_rate_shape(ORDER_GRID, p=1.0, eta0=0.3, L=1.0, mu=1.0,
                                                                         b=0.0, delta=1.0), -0.3),
        "non-convex lower, sigma > 0": (na.nonconvex_lower_shape(ORDER_GRID, L=1.0, delta=0.01, sigma=1.0), -0.5),
        "non-convex lower, sigma = 0": (na.nonconvex_lower_shape(ORDER_GRID, L=1.0, delta=1.0, sigma=0.0), -1.0),
        "PL stochastic lower": (na.pl_stochastic_lower_shape(ORDER_GRID, mu=1.0, sigma=1.0), -1.0),
    }


@pytest.mark.parametrize("case", list(_order_cases()))
def test_order_in_T(case):
    values, order = _order_cases()[case]
    assert slope(ORDER_GRID, values) == pytest.approx(order, abs=ORDER_TOL)


def test_polynomial_shape_regimes_at_p_equal_one():
    T = np.logspace(4, 7, 7)
    # μη0 > 1 is outside the step condition and refused; at μη0 = 1: ln T / T
    values = na.polynomial_pl_rate_shape(T, p=1.0, L=1.0, mu=1.0, b=1.0, eta0=1.0, delta=1.0)
    assert slope(T, values) == pytest.approx(slope(T, (1 + np.log(T)) / T), abs=ORDER_TOL)
    with pytest.raises(ValueError, match="mu \\* eta0"):
        na.polynomial_pl_rate_shape(T, p=1.0, L=1.0, mu=1.0, b=1.0, eta0=2.0, delta=1.0)
    # p < 1 without noise: stretched exponential exp(−μη0((T+1)^(1−p) − 1)/(1−p))
    shape = na.polynomial_pl_rate_shape(100.0, p=0.5, L=1.0, mu=0.1, b=0.0, eta0=1.0, delta=1.0)
    assert shape == pytest.approx(math.exp(-0.1 * (math.sqrt(101.0) - 1.0) / 0.5))


@pytest.mark.parametrize("call, match", [
    (lambda: na.sgdol_bound(10, L=0.0, delta=1.0, regret=0.0, sigma=1.0), "L must be > 0"),
    (lambda: na.sgdol_bound(10, L=1.0, delta=1.0, regret=-2.0, sigma=1.0), "delta \\+ regret"),
    (lambda: na.sgdol_bound(10, L=1.0, delta=-1.0, regret=0.0, sigma=1.0), "delta must be >= 0"),
    (lambda: na.sgdol_bound(0.5, L=1.0, delta=1.0, regret=0.0, sigma=1.0), "T must be >= 1"),
    (lambda: na.exponential_pl_bound(5, L=1.0, mu=1.0, b=1.0, eta0=1.0, beta=5.0, delta=1.0), "T must be > beta"),
    (lambda: na.exponential_pl_bound(5, L=1.0, mu=1.0, b=1.0, eta0=1.0, beta=0.5, delta=1.0), "beta must be >= 1"),
    (lambda: na.exponential_pl_bound(5, L=1.0, mu=-1.0, b=1.0, eta0=1.0, beta=1.0, delta=1.0), "mu must be > 0"),
    (lambda: na.exponential_nonpl_bound(5, L=1.0, b=-1.0, eta0=1.0, beta=1.0, delta=1.0), "b must be >= 0"),
    (lambda: na.cosine_nonpl_bound(1, L=1.0, b=1.0, eta0=1.0, delta=1.0), "T must be > 1"),
    (lambda: na.cosine_pl_leading(10, L=1.0, mu=1.0, b=1.0, eta0=0.0, delta=1.0), "eta0 must be > 0"),
    (lambda: na.constant_step_pl_bound(10, L=1.0, mu=1.0, b=1.0, eta=2.0, delta=1.0), "mu \\* eta"),
    (lambda: na.polynomial_pl_rate_shape(10, p=1.5, L=1.0, mu=1.0, b=1.0, eta0=0.5, delta=1.0), "p must lie"),
    (lambda: na.pl_deterministic_lower_iterations(1.0, L=1.0, mu=1.0), "eps must lie"),
    (lambda: na.tuned_eta0_cosine_nonpl(10, L=1.0, a=0.0, b=1.0, delta=0.0), "delta must be > 0"),
    (lambda: na.sgdol_regret(0.0, 1.0, 0.5, alpha=1.0, L=1.0), "sum_sq must be >= alpha"),
    (lambda: na.pl_recursion_bound(10.5, step_size=schedules.constant(0.1), L=1.0, mu=1.0, b=1.0, delta=1.0),
     "T must hold integers"),
    (lambda: na.pl_recursion_bound(10, step_size=schedules.constant(2.0), L=1.0, mu=1.0, b=1.0, delta=1.0),
     "mu \\* eta_t"),
    (lambda: na.sgdol_bound(10, L=math.nan, delta=1.0, regret=0.0, sigma=1.0), "L must be finite"),
])
def test_invalid_inputs_raise_value_error_naming_the_parameter(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("call, match", [
    (lambda: na.sgdol_bound("ten", L=1.0, delta=1.0, regret=0.0, sigma=1.0), "T must be a real"),
    (lambda: na.cosine_pl_leading(10, L=True, mu=1.0, b=1.0, eta0=1.0, delta=1.0), "L must be a real"),
    (lambda: na.pl_recursion_bound(10, step_size=0.1, L=1.0, mu=1.0, b=1.0, delta=1.0), "step_size must be"),
])
def test_non_numeric_inputs_raise_type_error(call, match):
    with pytest.raises(TypeError, match=match):
        call()


# ----------------------------------------------------------------------------------------------
# 3. SGDOL's learner
# ----------------------------------------------------------------------------------------------


def _adversarial_sequence(rng, T=240, d=3):
    """Gradients g and second samples g' whose inner products change sign by segments.

    Rounds 1..40: g' = −2g (the FTRL step is pushed to the clip at 0); 41..100: g' = 8g (to the
    clip at 2/L); then g' = c g + noise with random c in [−3, 3] and random scales.
    """
    scales = np.exp(rng.uniform(-1.5, 1.5, size=(T, 1)))
    g = rng.standard_normal((T, d)) * scales
    c = np.concatenate([np.full(40, -2.0), np.full(60, 8.0), rng.uniform(-3.0, 3.0, T - 100)])
    g2 = c[:, None] * g + 0.5 * rng.standard_normal((T, d)) * scales
    return g, g2


def _surrogate_losses(g, g2, eta_grid, L):
    """ℓ_i(η) = −η⟨g_i, g'_i⟩ + (L/2)η²||g_i||² on the grid, shape (T, n_grid), from the definition."""
    inner = np.einsum("td,td->t", g, g2)[:, None]
    sq = np.einsum("td,td->t", g, g)[:, None]
    return -eta_grid[None, :] * inner + 0.5 * L * eta_grid[None, :] ** 2 * sq


@pytest.mark.parametrize("L, alpha, seed", [(2.0, 0.5, 0), (8.0, 8.0, 1), (0.5, 3.0, 2)])
def test_sgdol_closed_form_is_ftrl_over_the_step_interval(L, alpha, seed):
    rng = np.random.default_rng(seed)
    g, g2 = _adversarial_sequence(rng)
    _, steps = adaptopt.replay("sgdol", g, g2, x0=np.zeros(g.shape[1]), hyper={"smoothness": L, "alpha": alpha})
    eta_grid = np.linspace(0.0, 2.0 / L, ETA_GRID_POINTS)
    spacing = eta_grid[1]
    losses = _surrogate_losses(g, g2, eta_grid, L)
    # η_t minimises (Lα/2)(η − 1/L)² + Σ_{i<t} ℓ_i(η): row t−1 of the prefix sums (row 0 = no loss yet)
    prefix = np.vstack([np.zeros((1, eta_grid.size)), np.cumsum(losses, axis=0)[:-1]])
    objective = 0.5 * L * alpha * (eta_grid[None, :] - 1.0 / L) ** 2 + prefix
    brute = eta_grid[np.argmin(objective, axis=1)]
    np.testing.assert_array_less(np.abs(steps - brute), spacing * (1.0 + 1e-9))
    # the sequence exercises both clips and the interior
    assert np.any(steps == 0.0) and np.any(steps == 2.0 / L) and np.any((steps > 0) & (steps < 2.0 / L))


def _q_grid_min(A, B, L, n=ETA_GRID_POINTS):
    eta = np.linspace(0.0, 2.0 / L, n)
    return (-eta[None, :] * A[:, None] + 0.5 * L * eta[None, :] ** 2 * B[:, None]).min(axis=1), eta[1]


@pytest.mark.parametrize("L", [0.5, 2.0, 10.0])
def test_sgdol_regret_against_a_brute_force_minimum(L):
    rng = np.random.default_rng(7)
    n, alpha = 2000, 1.5
    A = rng.normal(0.0, 5.0, n)
    B = np.abs(rng.normal(0.0, 3.0, n)) * (rng.uniform(size=n) > 0.1)  # 10% exact zeros
    surrogate = rng.normal(0.0, 2.0, n)
    exact = na.sgdol_regret(surrogate, A + alpha, B + alpha, alpha=alpha, L=L)
    grid_min, h = _q_grid_min(A, B, L)
    brute = surrogate - grid_min
    # the grid minimum is >= the true one (regret_exact >= regret_grid), within |q'| h
    gap = exact - brute
    assert np.all(gap >= -1e-9)
    assert np.all(gap <= (np.abs(A) + 2.0 * B) * h + 1e-9)


def test_sgdol_regret_marks_diverged_seeds_with_nan():
    regret = na.sgdol_regret([0.0, np.nan], [6.0, np.nan], [2.0, np.nan], alpha=1.0, L=1.0)
    assert regret[0] == pytest.approx(8.0) and np.isnan(regret[1])
    with pytest.raises(ValueError, match="surrogate must be finite or NaN"):
        na.sgdol_regret(np.inf, 1.0, 1.0, alpha=1.0, L=1.0)


def test_sgdol_regret_can_have_either_sign():
    alpha, L = 1.0, 1.0
    # The learner played η = 0 while the data favoured a large step: A = 5, B = 1, best fixed
    # η = clip(5, 0, 2) = 2 with loss −5·2 + ½·4 = −8, so the regret is 0 − (−8) = 8.
    assert na.sgdol_regret(0.0, alpha + 5.0, alpha + 1.0, alpha=alpha, L=L) == pytest.approx(8.0)
    # Two rounds with ||g||² = 1 and ⟨g, g'⟩ = +1 then −1. A learner playing η_1 = 1, η_2 = 0 gets
    # (−1 + ½) + 0 = −½; every fixed η gets −η·0 + ½η²·2 = η² >= 0 (best: η = 0): regret −½ < 0.
    surrogate = (-1.0 + 0.5) + 0.0
    assert na.sgdol_regret(surrogate, alpha + 0.0, alpha + 2.0, alpha=alpha, L=L) == pytest.approx(-0.5)


@pytest.mark.parametrize("L, alpha, seed", [(2.0, 0.5, 3), (8.0, 8.0, 4)])
def test_sgdol_regret_bound_holds_on_bounded_sequences(L, alpha, seed):
    rng = np.random.default_rng(seed)
    g, g2 = _adversarial_sequence(rng)
    _, steps = adaptopt.replay("sgdol", g, g2, x0=np.zeros(g.shape[1]), hyper={"smoothness": L, "alpha": alpha})
    inner = np.einsum("td,td->t", g, g2)
    sq = np.einsum("td,td->t", g, g)
    surrogate = np.cumsum(-steps * inner + 0.5 * L * steps**2 * sq)
    regret = na.sgdol_regret(surrogate, alpha + np.cumsum(inner), alpha + np.cumsum(sq), alpha=alpha, L=L)
    G = max(np.linalg.norm(g, axis=1).max(), np.linalg.norm(g2, axis=1).max())
    T = np.arange(1, g.shape[0] + 1)
    bound = na.sgdol_regret_bound(T, L=L, alpha=alpha, G=G)
    assert np.all(regret <= bound)
    assert regret.max() > 0  # the sequence makes the learner pay something


# ----------------------------------------------------------------------------------------------
# 4. Bounds against measurements
# ----------------------------------------------------------------------------------------------

PROBLEMS = {
    "pl_sine_1d": lambda: objectives.pl_sine(dim=1, x0=3.0),
    "pl_sine_3d": lambda: objectives.pl_sine(dim=3, weights=[1.0, 0.5, 0.25], x0=3.0),
    "quadratic_k4": lambda: objectives.quadratic([1.0, 4.0]),
    "quadratic_k10": lambda: objectives.quadratic(objectives.log_spectrum(3, 10.0)),
    "log1p_square": lambda: objectives.log1p_square(dim=10, x0=3.0),  # not PL: the non-PL bounds only
}
NOISES = {
    "gauss0.1": lambda: noise.gaussian(0.1),
    "gauss1": lambda: noise.gaussian(1.0),
    "affine": lambda: noise.affine(1.0, 1.0),
}
#: Problem-noise pairs of the Monte-Carlo grid; the first runs in the quick suite, the rest are slow.
PAIRS = [(p, n) for p in PROBLEMS if p != "log1p_square" for n in NOISES] + [("log1p_square", "gauss1")]
QUICK_PAIR = ("pl_sine_1d", "gauss1")


@dataclass(frozen=True)
class Problem:
    """A built problem with the constants the bounds use."""

    objective: object
    noise: object
    L: float
    mu: float | None  # the proven PL constant; None when the objective is not PL
    a: float
    b: float
    delta: float

    @property
    def eta0(self) -> float:
        """η0 = 1/(L(1 + a)): the largest step all the (N2) bounds allow."""
        return 1.0 / (self.L * (1.0 + self.a))


@functools.cache
def build(problem_id: str, noise_id: str) -> Problem:
    obj, nz = PROBLEMS[problem_id](), NOISES[noise_id]()
    c = obj.constants
    if nz.name == "gaussian":
        a, b = 0.0, nz.options["sigma"] ** 2
    else:
        a, b = nz.options["a"], nz.options["b"]
    mu = c.mu_pl.value if c.properties.get("pl") else None
    return Problem(obj, nz, c.L.value, mu, a, b, float(obj.value(obj.x0) - obj.f_star))


def _tuned_exponential(p: Problem, T: int) -> float:
    return float(na.tuned_eta0_exponential_nonpl(T, L=p.L, a=p.a, b=p.b, delta=p.delta, beta=BETA))


def _tuned_cosine(p: Problem, T: int) -> float:
    return float(na.tuned_eta0_cosine_nonpl(T, L=p.L, a=p.a, b=p.b, delta=p.delta))


#: Runs: a schedule that depends on T gets one run per T (read at its last step); the others one
#: run to max T read at the grid's checkpoints.
RUNS = {
    "exponential": lambda p, T: schedules.exponential(p.eta0, BETA),
    "cosine": lambda p, T: schedules.cosine(p.eta0),
    "exponential_tuned": lambda p, T: schedules.exponential(_tuned_exponential(p, T), BETA),
    "cosine_tuned": lambda p, T: schedules.cosine(_tuned_cosine(p, T)),
    "constant": None,
    "sgdol": None,
}
METRICS = ("f_gap", "avg_grad_norm2", "weighted_avg_grad_norm2")
SGDOL_STATE = ("state_surrogate", "state_sum_inner", "state_sum_sq")


@functools.cache
def measure(problem_id: str, noise_id: str, run_id: str) -> dict:
    """Metrics of a run kind at every T of GRID, shape (len(GRID), n_seeds) each, plus divergences."""
    p = build(problem_id, noise_id)
    common = {"n_seeds": SEEDS_BY_NOISE.get(noise_id, SEEDS), "seed": ROOT_SEED}
    if run_id in ("constant", "sgdol"):
        if run_id == "constant":
            res = adaptopt.run("sgd", p.objective, p.noise, T=GRID[-1], schedule=schedules.constant(p.eta0),
                               checkpoints=list(GRID), **common)
        else:
            res = adaptopt.run("sgdol", p.objective, p.noise, T=GRID[-1], hyper={"smoothness": p.L, "alpha": p.L},
                               checkpoints=list(GRID), **common)
        names = METRICS + (SGDOL_STATE if run_id == "sgdol" else ())
        out = {name: res.metric(name)[np.searchsorted(res.checkpoints, GRID)] for name in names}
        out["n_diverged"] = res.n_diverged
        return out
    results = [adaptopt.run("sgd", p.objective, p.noise, T=T, schedule=RUNS[run_id](p, T), checkpoints=[T],
                            **common) for T in GRID]
    out = {name: np.stack([r.metric(name)[-1] for r in results]) for name in METRICS}
    out["n_diverged"] = sum(r.n_diverged for r in results)
    return out


def _mean_regret(p: Problem, data: dict) -> np.ndarray:
    regret = na.sgdol_regret(data["state_surrogate"], data["state_sum_inner"], data["state_sum_sq"],
                             alpha=p.L, L=p.L)
    return regret.mean(axis=1)


T_GRID = np.asarray(GRID, dtype=float)


@dataclass(frozen=True)
class BoundCase:
    """One bound checked against one measured metric.

    ``bound(p, T, data)``, and ``order(p, T)``: the bound's asymptotic rate as T → ∞ for these
    problems (all have b > 0), e.g. T^(-1/2) for (S1) and ln²(T/β)/T for (E-PL); its log-log slope
    over the fit window is the order the measured slope is compared with. The asymptotic rate, not
    the bound's local slope: a transient term of the bound (like the L(1 + a)Δ/T of the tuned
    non-PL bounds) may make the bound locally steeper than the rate that an upper bound imposes.
    """

    run: str
    metric: str
    bound: object
    order: object
    needs_pl: bool
    slack: float = 1.0


def _log2_over_T(p, T):
    return np.log(T / BETA) ** 2 / T


def _power(exponent):
    return lambda p, T: T**exponent


CASES = {
    "S1 (SGDOL)": BoundCase(
        "sgdol", "avg_grad_norm2",
        lambda p, T, d: na.sgdol_bound(T, L=p.L, delta=p.delta, regret=_mean_regret(p, d), sigma=math.sqrt(p.b),
                                       a=p.a),
        _power(-0.5), needs_pl=False),
    "E-PL": BoundCase(
        "exponential", "f_gap",
        lambda p, T, d: na.exponential_pl_bound(T, L=p.L, mu=p.mu, b=p.b, eta0=p.eta0, beta=BETA, delta=p.delta),
        _log2_over_T, needs_pl=True),
    "E-PL, recursion (R)": BoundCase(
        "exponential", "f_gap",
        lambda p, T, d: na.pl_recursion_bound(T.astype(int), step_size=schedules.exponential(p.eta0, BETA), L=p.L,
                                              mu=p.mu, b=p.b, delta=p.delta),
        _log2_over_T, needs_pl=True),
    "C-PL, leading order": BoundCase(
        "cosine", "f_gap",
        lambda p, T, d: na.cosine_pl_leading(T, L=p.L, mu=p.mu, b=p.b, eta0=p.eta0, delta=p.delta),
        _power(-2 / 3), needs_pl=True, slack=SLACK_C_PL_LEADING),
    "C-PL, recursion (R)": BoundCase(
        "cosine", "f_gap",
        lambda p, T, d: na.pl_recursion_bound(T.astype(int), step_size=schedules.cosine(p.eta0), L=p.L, mu=p.mu,
                                              b=p.b, delta=p.delta),
        _power(-2 / 3), needs_pl=True),
    "E-NC": BoundCase(
        "exponential", "weighted_avg_grad_norm2",
        lambda p, T, d: na.exponential_nonpl_bound(T, L=p.L, b=p.b, eta0=p.eta0, beta=BETA, delta=p.delta),
        _power(0.0), needs_pl=False),
    "C-NC": BoundCase(
        "cosine", "weighted_avg_grad_norm2",
        lambda p, T, d: na.cosine_nonpl_bound(T, L=p.L, b=p.b, eta0=p.eta0, delta=p.delta),
        _power(0.0), needs_pl=False),
    "E-NC, tuned eta0": BoundCase(
        "exponential_tuned", "weighted_avg_grad_norm2",
        lambda p, T, d: na.exponential_nonpl_bound(
            T, L=p.L, b=p.b, beta=BETA, delta=p.delta,
            eta0=na.tuned_eta0_exponential_nonpl(T, L=p.L, a=p.a, b=p.b, delta=p.delta, beta=BETA)),
        lambda p, T: np.sqrt(np.log(T / BETA) / T), needs_pl=False),
    "C-NC, tuned eta0": BoundCase(
        "cosine_tuned", "weighted_avg_grad_norm2",
        lambda p, T, d: na.cosine_nonpl_bound(
            T, L=p.L, b=p.b, delta=p.delta, eta0=na.tuned_eta0_cosine_nonpl(T, L=p.L, a=p.a, b=p.b, delta=p.delta)),
        _power(-0.5), needs_pl=False),
    "constant step, PL": BoundCase(
        "constant", "f_gap",
        lambda p, T, d: na.constant_step_pl_bound(T, L=p.L, mu=p.mu, b=p.b, eta=p.eta0, delta=p.delta),
        _power(0.0), needs_pl=True),
    "constant step, non-convex": BoundCase(
        "constant", "avg_grad_norm2",
        lambda p, T, d: na.sgd_constant_nonconvex_bound(T, L=p.L, eta=p.eta0, sigma2=p.b, delta=p.delta),
        _power(0.0), needs_pl=False),
}


#: SGDOL under multiplicative (affine) noise on a quadratic: the per-seed averages have a power-law
#: tail of index ≈ 1.1-1.3 (Hill estimate on the top 200 of 5·10⁴ seeds at T = 100 and 1000, from
#: x0 = 3 and from the default start; the largest seed is 650-6700 times the mean):
#: the mean is finite but the variance is not, so no confidence limit of the mean is valid (the
#: UCL/bound ratio ranged over 0.65-1.28 across 8 root seeds of 2048 seeds each, while the
#: mean/bound ratio stayed <= 0.69). Mechanism: the curvature is L everywhere, so a learned step
#: near 2/L times the factor (1 + √a ζ) is a Kesten-type random multiplier. pl_sine's curvature
#: falls to 2 away from 0, which contracts large excursions: its tail index is ≈ 3.5-4.5, and the
#: Gaussian oracle gives light tails everywhere.
HEAVY_TAILED = ("SGDOL with affine noise on a quadratic: per-seed averages with infinite variance (tail index "
                "≈ 1.2), no valid confidence limit")
UNSUPPORTED = {
    ("S1 (SGDOL)", "quadratic_k4", "affine"): HEAVY_TAILED,
    ("S1 (SGDOL)", "quadratic_k10", "affine"): HEAVY_TAILED,
}


def _params():
    out = []
    for problem_id, noise_id in PAIRS:
        for case in CASES:
            marks = () if (problem_id, noise_id) == QUICK_PAIR else (pytest.mark.slow,)
            out.append(pytest.param(problem_id, noise_id, case, marks=marks, id=f"{problem_id}-{noise_id}-{case}"))
    return out


def _case_data(problem_id, noise_id, case_id):
    case = CASES[case_id]
    p = build(problem_id, noise_id)
    if case.needs_pl and p.mu is None:
        pytest.skip(f"{case_id} assumes PL; {problem_id} is not PL")
    if (case_id, problem_id, noise_id) in UNSUPPORTED:
        pytest.skip(UNSUPPORTED[case_id, problem_id, noise_id])
    data = measure(problem_id, noise_id, case.run)
    assert data["n_diverged"] == 0, "a diverged seed makes the expectation infinite: the bound's setting is violated"
    return case, p, data


@pytest.mark.parametrize("problem_id, noise_id, case_id", _params())
def test_bound_holds_at_every_T(problem_id, noise_id, case_id):
    case, p, data = _case_data(problem_id, noise_id, case_id)
    bound = case.bound(p, T_GRID, data)
    check = fit.check_upper_bound(T_GRID, data[case.metric], bound, slack=case.slack)
    assert check.n_excluded == 0
    assert check.holds, (f"{case_id} on {problem_id} with {noise_id}: upper confidence limit {check.ucl} exceeds "
                         f"{case.slack} x bound {check.bound} (worst ratio {check.worst_ratio:.3g} at "
                         f"T = {check.worst_x:g})")


@pytest.mark.parametrize("problem_id, noise_id, case_id", _params())
def test_measured_slope_is_at_least_as_steep_as_the_order(problem_id, noise_id, case_id):
    case, p, data = _case_data(problem_id, noise_id, case_id)
    measured = fit.fit_slope(T_GRID, data[case.metric], window=fit.WINDOW_UPPER_HALF, n_boot=N_BOOT)
    window = T_GRID[-measured.n_points:]
    order = slope(window, case.order(p, window))
    assert measured.slope <= order + SLOPE_SLACK, (
        f"{case_id} on {problem_id} with {noise_id}: measured slope {measured.slope:.3f} is shallower than the "
        f"bound's order {order:.3f} + {SLOPE_SLACK}")


@pytest.mark.parametrize("problem_id, noise_id", [
    pytest.param(pn[0], pn[1], marks=() if pn == QUICK_PAIR else (pytest.mark.slow,), id=f"{pn[0]}-{pn[1]}")
    for pn in PAIRS if pn[0] != "log1p_square"])
def test_cosine_leading_exceeds_recursion(problem_id, noise_id):
    """Why SLACK_C_PL_LEADING = 1: on these problems the leading-order estimate lies above the
    proven unrolled recursion at every T of the grid (observed, not proven in general)."""
    p = build(problem_id, noise_id)
    leading = na.cosine_pl_leading(T_GRID, L=p.L, mu=p.mu, b=p.b, eta0=p.eta0, delta=p.delta)
    exact = na.pl_recursion_bound(np.asarray(GRID), step_size=schedules.cosine(p.eta0), L=p.L, mu=p.mu, b=p.b,
                                  delta=p.delta)
    assert np.all(leading >= exact)
