"""Baselines every later theorem is compared with (spec noise_adaptive.md §3).

SGD with a constant step on an L-smooth function (the bound and its noise floor), SGD with
``eta0/sqrt(t)`` (slope -1/2), gradient descent under PL (linear rate), and SGD under PL with a
tuned ``1/t`` step (slope -1) against a constant step (plateau).

Problems (spec §2.2): F1 = ``pl_sine`` (1-D, x1 = 3), F1-d = ``pl_sine`` with d = 20 and weights
``logspace(0, -2, 20)``, F2 = ``log1p_square`` (d = 10, x1 = 3·1).
"""

from __future__ import annotations

import math

import numpy as np

from adaptopt import schedules
from proofs_check.records import (Check, ContractionClaim, Experiment, LinearRateClaim, PlateauClaim, SlopeClaim,
                                  Source, UpperBoundClaim, exact_gradients, log_grid)
from proofs_check.theory import local
from proofs_check.theory import noise_adaptive as theory
from synthetic import noise, objectives

PART = "foundation"

#: T grids per profile (spec §7: log-spaced, fit on the upper half).
HORIZONS = {"quick": log_grid(2, 3.5), "default": log_grid(2, 4.5), "full": log_grid(2, 5)}

#: F2 experiments: Gaussian noise with s = 1 per coordinate, total variance sigma^2 = d s^2 = 10.
F2_SIGMA2 = 10.0
#: Constant step of the F2 experiments, 1/(2L): inside the theorem's eta <= 1/L.
F2_ETA = 0.25
#: Local stationary level of the constant step over its bound's floor, derived in
#: :func:`sgd_constant_floor`; the plateau check accepts levels in this range.
F2_LEVEL_RANGE = (0.25, 1.0)

#: F1 noisy experiments: total variance 1.
F1_SIGMA = 1.0
#: Tuned 1/t step on F1: eta_t = eta0/(1 + a t) with eta0 = 1/L, a = 1/2, so eta_t ~ 1/(4t) and
#: h eta_t t -> 2 > 1 with h = 8 the curvature at the minimiser.
F1_INV_T = (0.125, 0.5)

#: Time grid of the deterministic linear-rate experiments on F1-d.
PL_STEPS = {p: tuple(range(20, 2001, 20)) for p in ("quick", "default", "full")}
#: Late window in which the slowest coordinate dominates.
PL_WINDOW = (1000, 2000)


def f2():
    return objectives.log1p_square(dim=10, x0=3.0)


def f2_noise():
    return noise.gaussian(math.sqrt(F2_SIGMA2))


def f1():
    return objectives.pl_sine(dim=1, x0=3.0)


def f1_noise():
    return noise.gaussian(F1_SIGMA)


def f1d():
    return objectives.pl_sine(dim=20, weights=np.logspace(0.0, -2.0, 20), x0=3.0)


def no_noise():
    """Exact gradients (:func:`proofs_check.records.exact_gradients`)."""
    return exact_gradients()


def sgd_constant_bound(curve):
    """2 Δ/(η T) + L η σ²

    :func:`proofs_check.theory.noise_adaptive.sgd_constant_nonconvex_bound` (derived there).
    """
    r = curve.resolved
    return theory.sgd_constant_nonconvex_bound(curve.x, L=r.L, eta=F2_ETA, sigma2=r.sigma2, delta=r.delta)


def sgd_constant_floor(curve):
    """L η σ² (the bound's noise floor)

    The floor is the term of :func:`sgd_constant_bound` that does not decay. Derived: near the
    minimiser of F2 the function is Σ x_i² (curvature h = 2 = L); SGD on a quadratic with
    curvature h and per-coordinate noise variance σ²/d has stationary variance
    ησ²/(d h (2 − ηh)) per coordinate, so E||∇f||² -> hησ²/(2 − ηh), which is 2/3 of Lησ² at
    η = 1/(2L). F2 is flatter away from 0, so the measured level is lower; a level between 1/4
    and 1 times the floor shows that the curve stalls at the noise floor instead of decaying.
    """
    r = curve.resolved
    return np.full(curve.x.shape, r.L * F2_ETA * r.sigma2)


def gd_pl_bound(curve):
    """(1 − μ/L)^t Δ

    Karimi, Nutini and Schmidt (2016), Theorem 1: gradient descent with step 1/L on an
    L-smooth function satisfying PL(μ) has f(x_{t+1}) − f* <= (1 − μ/L)^t (f(x_1) − f*).
    μ is the proven PL constant of the objective.
    """
    c = curve.objective.constants
    return (1.0 - c.mu_pl.value / c.L.value) ** curve.x.astype(float) * curve.resolved.delta


def gd_pl_rate(curve):
    """1 − μ/L (proven μ)"""
    c = curve.objective.constants
    return 1.0 - c.mu_pl.value / c.L.value


def gd_local_rate(curve):
    """(1 − η h_min)², h_min the smallest curvature at the minimiser

    :func:`proofs_check.theory.local.gradient_descent_local_rate`: near the minimiser 0,
    F1-d = Σ w_i (x_i² + 3 sin² x_i) has curvatures h_i = 8 w_i, and GD with η = 1/L = 1/(8 max w)
    contracts the slowest term by (1 − min w/max w)² = 0.99² per step.
    """
    w = np.asarray(curve.objective.options["weights"])
    return local.gradient_descent_local_rate(h_min=8.0 * w.min(), eta=1.0 / curve.objective.constants.L.value)


def _constant_f2(T, r):
    return schedules.constant(F2_ETA)


F2_CONSTANT = Experiment("sgd", f2, f2_noise, _constant_f2, "avg_grad_norm2", HORIZONS, seeds=500)
F1_GD = Experiment("sgd", f1d, no_noise, lambda T, r: schedules.constant(1.0 / r.L), "f_gap", PL_STEPS, seeds=8)

CHECKS = (
    Check(
        id="F-SGD-CONST-BOUND",
        part=PART,
        title="SGD, constant step: the non-convex bound holds",
        statement="For η <= 1/L, (1/T) Σ_t E||∇f(x_t)||² <= 2Δ/(ηT) + Lησ² at every T.",
        assumptions=("f L-smooth, bounded below", "unbiased oracle with E||g − ∇f||² <= σ²", "η <= 1/L"),
        source=Source("derived", "proofs_check.theorems.foundation.sgd_constant_bound (Ghadimi-Lan type)"),
        experiment=F2_CONSTANT,
        claim=UpperBoundClaim(sgd_constant_bound),
    ),
    Check(
        id="F-SGD-CONST-PLATEAU",
        part=PART,
        title="SGD, constant step: the average stalls at the noise floor",
        statement="With a fixed η and σ > 0 the uniform average of ||∇f||² stops decaying at a level of "
                  "order Lησ² (the bound's floor); reaching a target accuracy needs η tuned to σ.",
        assumptions=("f L-smooth", "σ² > 0"),
        source=Source("derived", "proofs_check.theorems.foundation.sgd_constant_floor"),
        experiment=F2_CONSTANT,
        claim=PlateauClaim(sgd_constant_floor, F2_LEVEL_RANGE),
    ),
    Check(
        id="F-SGD-SQRT-SLOPE",
        part=PART,
        title="SGD with η0/√t: the average ||∇f||² decays like T^(-1/2)",
        statement="With η_t = η0/√t and σ > 0, (1/T) Σ_t E||∇f(x_t)||² = Θ(T^(-1/2)) on F2 (locally "
                  "strongly convex at its minimiser, so no log factor).",
        assumptions=("f L-smooth", "bounded variance", "η0 <= 1/L"),
        source=Source("standard", "Ghadimi and Lan (2013), decreasing steps; spec noise_adaptive.md §3.3"),
        experiment=Experiment("sgd", f2, f2_noise, lambda T, r: schedules.inv_sqrt(1.0 / r.L), "avg_grad_norm2",
                              HORIZONS, seeds=500),
        claim=SlopeClaim(-0.5),
    ),
    Check(
        id="F-GD-PL-BOUND",
        part=PART,
        title="GD under PL: f(x_{t+1}) − f* <= (1 − μ/L)^t Δ",
        statement="Gradient descent with step 1/L on an L-smooth PL(μ) function converges linearly with "
                  "factor (1 − μ/L) per step.",
        assumptions=("f L-smooth", "PL(μ)", "exact gradients", "η = 1/L"),
        source=Source("paper", "Karimi, Nutini, Schmidt (2016), Theorem 1"),
        experiment=F1_GD,
        claim=UpperBoundClaim(gd_pl_bound, judge_on="mean"),
    ),
    Check(
        id="F-GD-PL-LINEAR",
        part=PART,
        title="GD under PL: a straight line in semilog, at least as fast as 1 − μ/L",
        statement="log(f(x_{t+1}) − f*) is linear in t with slope at most log(1 − μ/L).",
        assumptions=("f L-smooth", "PL(μ)", "exact gradients", "η = 1/L"),
        source=Source("paper", "Karimi, Nutini, Schmidt (2016), Theorem 1"),
        experiment=F1_GD,
        claim=LinearRateClaim(gd_pl_rate, window=PL_WINDOW),
    ),
    Check(
        id="F-GD-PL-LOCAL-RATE",
        part=PART,
        title="GD under PL: the late rate is set by the smallest local curvature",
        statement="On F1-d the late per-step contraction of f − f* equals (1 − min w/max w)² = 0.9801; the global "
                  "PL bound 1 − μ/L = 0.99996 is valid but far from tight.",
        assumptions=("f twice differentiable at its minimiser", "exact gradients"),
        source=Source("derived", "proofs_check.theorems.foundation.gd_local_rate"),
        experiment=F1_GD,
        claim=ContractionClaim(gd_local_rate, rtol=0.01, window=PL_WINDOW),
    ),
    Check(
        id="F-SGD-PL-INV-T",
        part=PART,
        title="SGD under PL, tuned 1/t step: E f − f* ~ 1/T",
        statement="With η_t ≈ c/t and c·h > 1 (h the curvature at the minimiser), E f(x_{T+1}) − f* = Θ(σ²/T).",
        assumptions=("f L-smooth and PL", "bounded variance", "step tuned to the curvature (needs μ or h)"),
        source=Source("standard", "recursion (R) of spec noise_adaptive.md §3.3; Nemirovski et al. (2009)"),
        experiment=Experiment("sgd", f1, f1_noise, lambda T, r: schedules.inv_linear(*F1_INV_T), "f_gap", HORIZONS,
                              seeds=2000),
        claim=SlopeClaim(-1.0),
    ),
    Check(
        id="F-SGD-PL-CONST-PLATEAU",
        part=PART,
        title="SGD under PL, constant step: E f − f* plateaus",
        statement="With a constant step the recursion Δ_{t+1} <= (1 − μη)Δ_t + Lη²σ²/2 has the fixed point "
                  "Lησ²/(2μ): the last iterate stops improving.",
        assumptions=("f L-smooth and PL(μ)", "σ² > 0"),
        source=Source("derived", "recursion (R) of spec noise_adaptive.md §3.3"),
        experiment=Experiment("sgd", f1, f1_noise, lambda T, r: schedules.constant(1.0 / r.L), "f_gap", HORIZONS,
                              seeds=2000),
        claim=PlateauClaim(),
    ),
)
