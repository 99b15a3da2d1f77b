"""A user-defined objective and noise model, written the way the README tells users to.

Used by tests/test_engine.py to check that plug-ins from outside the package take the same path
as the built-in ones (generated, disk-cached kernel) and match the numpy reference on shared
noise. Everything is defined at the top level of an importable module, so its kernels are cached.

* :func:`double_well`: ``f(x) = Σ (x_i² − 1)² / 4``, non-convex, minimisers at ``x_i = ±1``,
  ``f* = 0``; not globally L-smooth (``h'' = 3x² − 1`` is unbounded).
* :func:`laplace`: additive Laplace noise with total variance ``sigma**2``, built from uniform
  draws of the per-seed stream: ``E_1 − E_2`` with ``E_j = −log(1 − U_j)`` is Laplace(0, 1)
  (variance 2), so each coordinate gets ``b (E_1 − E_2)`` with ``b = sigma / sqrt(2 d)``.
"""

from __future__ import annotations

import math

import numpy as np

from adaptopt import rng as _rng
from adaptopt._jit import jit
from adaptopt.validation import check_in_range, check_positive_int
from synthetic.base import Constant, Constants, NoiseModel, Objective


@jit
def double_well_value(x, p):
    f = 0.0
    for i in range(x.size):
        r = x[i] * x[i] - 1.0
        f += 0.25 * r * r
    return f


@jit
def double_well_grad(x, p, out):
    sq = 0.0
    for i in range(x.size):
        out[i] = x[i] * (x[i] * x[i] - 1.0)
        sq += out[i] * out[i]
    return sq


def double_well(dim: int = 3, x0=1.7) -> Objective:
    """``f(x) = Σ (x_i² − 1)² / 4``: non-convex, ``f* = 0`` at ``x ∈ {−1, 1}^d``, not L-smooth.

    Derived: ``h(x) = (x² − 1)²/4``, ``h' = x (x² − 1)``, ``h'' = 3x² − 1`` (unbounded, so no
    global L; ``h''(0) = −1``: the origin is a strict saddle/maximum). ``h ≥ 0`` with equality
    exactly at ``x = ±1``.
    """
    dim = check_positive_int("dim", dim)
    constants = Constants(
        f_star=0.0,
        properties={"l_smooth": False, "pl": False, "convex": False},
        extra={"curvature_at_minimiser": Constant(2.0, "derived", "h''(±1) = 3 - 1 = 2"),
               "min_curvature": Constant(-1.0, "derived", "h''(0) = -1")},
    )
    return Objective("double_well", double_well_value, double_well_grad, np.zeros(1), dim, constants,
                     np.full(dim, float(x0)), options={"dim": dim, "x0": float(x0)},
                     description="Σ (x_i² − 1)² / 4")


@jit
def laplace_sample(grad, x, grad_norm2, p, state, out):
    """``out_i = grad_i + b (log(1 − U_{i,2}) − log(1 − U_{i,1}))``; ``U_{i,1}`` drawn before ``U_{i,2}``."""
    b = p[0] / math.sqrt(2.0 * grad.size)
    s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    for i in range(grad.size):
        u1, s0, s1, s2, s3 = _rng.next_uniform(s0, s1, s2, s3)
        u2, s0, s1, s2, s3 = _rng.next_uniform(s0, s1, s2, s3)
        out[i] = grad[i] + b * (math.log(1.0 - u2) - math.log(1.0 - u1))
    state[0], state[1], state[2], state[3] = s0, s1, s2, s3


def laplace(sigma: float) -> NoiseModel:
    """Additive i.i.d. Laplace noise, total variance ``sigma**2`` (each coordinate ``sigma**2/d``)."""
    sigma = check_in_range("sigma", sigma, 0.0, math.inf)

    def reference(grad, x, rng):
        shape = np.shape(grad)
        u = rng.random(shape + (2,))  # per coordinate: U_1 then U_2, as in the kernel
        e1, e2 = -np.log(1.0 - u[..., 0]), -np.log(1.0 - u[..., 1])
        return grad + sigma / math.sqrt(2.0 * shape[-1]) * (e1 - e2)

    return NoiseModel(
        "laplace", laplace_sample, np.array([sigma]), lambda gn2, x: sigma**2, reference,
        options={"sigma": sigma},
        assumptions=dict(unbiased=True, bounded_variance=True, affine_variance=True, bounded=sigma == 0,
                         finite_variance=True),
        description="g = ∇f + b (E_1 − E_2), b = σ/√(2d), E_j ~ Exp(1)",
    )
