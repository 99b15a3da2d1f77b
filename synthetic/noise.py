"""Stochastic-gradient oracles with exactly known variance (spec noise_adaptive.md §2.1).

Every oracle is unbiased, ``E[g] = grad f(x)``, and its variance ``E||g − grad f(x)||²`` is
known exactly. Levels are *total* variances over the ``d`` coordinates, never per coordinate.

==================  ======================================================  ======================
name                g                                                        E||g − ∇f||²
==================  ======================================================  ======================
``none``            ∇f(x)                                                    0
``gaussian``        ∇f(x) + (σ/√d) ξ,  ξ ~ N(0, I_d)                         σ²
``affine``          ∇f(x)(1 + √a ζ) + √(b/d) ξ,  ζ ~ N(0, 1)                 a ||∇f(x)||² + b
``student_t``       ∇f(x) + (σ/√d) √((ν−2)/ν) τ,  τ_i ~ t_ν                  σ² (ν > 2), ∞ (ν ≤ 2)
``uniform``         ∇f(x) + σ √(3/d) u,  u_i ~ U(−1, 1)                      σ² (and bounded a.s.)
``scaled``          ∇f(x) + s ⊙ ξ                                            Σ s_i²
==================  ======================================================  ======================

For ``student_t`` with ``ν ≤ 2`` the variance is infinite and ``σ/√d`` is the per-coordinate
scale of the t variates: such runs lie outside every bounded-variance theorem and reports label
them so.

Order of draws (the contract that lets :class:`adaptopt.rng.Stream` reproduce a kernel's noise):
each oracle call draws its variates in the order of the formula, ``ζ`` before ``ξ`` for
``affine``, coordinates in increasing order.
"""

from __future__ import annotations

import math

import numpy as np

from adaptopt import rng as _rng
from adaptopt._jit import jit
from adaptopt.validation import call_with_options, check_choice, check_in_range, check_vector
from synthetic.base import NoiseModel

# --------------------------------------------------------------------------------------------
# In-kernel oracles: sample(grad, x, grad_norm2, p, state, out).


@jit
def none_sample(grad, x, grad_norm2, p, state, out):
    for i in range(grad.size):
        out[i] = grad[i]


@jit
def gaussian_sample(grad, x, grad_norm2, p, state, out):
    _rng.fill_normal_around(state, grad, p[0] / math.sqrt(grad.size), out)


@jit
def affine_sample(grad, x, grad_norm2, p, state, out):
    zeta = _rng.draw_normal(state)
    _rng.fill_normal(state, out)
    factor = 1.0 + math.sqrt(p[0]) * zeta
    scale = math.sqrt(p[1] / grad.size)
    for i in range(grad.size):
        out[i] = grad[i] * factor + scale * out[i]


@jit
def student_t_sample(grad, x, grad_norm2, p, state, out):
    _rng.fill_student_t(state, p[1], out)
    scale = p[2] / math.sqrt(grad.size)
    for i in range(grad.size):
        out[i] = grad[i] + scale * out[i]


@jit
def uniform_sample(grad, x, grad_norm2, p, state, out):
    _rng.fill_uniform(state, out)
    half_width = p[0] * math.sqrt(3.0 / grad.size)
    for i in range(grad.size):
        out[i] = grad[i] + half_width * (2.0 * out[i] - 1.0)


@jit
def scaled_sample(grad, x, grad_norm2, p, state, out):
    _rng.fill_normal(state, out)
    for i in range(grad.size):
        out[i] = grad[i] + p[i] * out[i]


@jit
def heteroscedastic_sample(grad, x, grad_norm2, p, state, out):
    xn2 = 0.0
    for i in range(x.size):
        xn2 += x[i] * x[i]
    scale = p[0] * math.sqrt((1.0 + xn2 / (p[1] * p[1])) / grad.size)
    _rng.fill_normal_around(state, grad, scale, out)


# --------------------------------------------------------------------------------------------
# Constructors with their plain-numpy references.


def _dim(grad) -> int:
    return np.shape(grad)[-1]


def none() -> NoiseModel:
    """Exact gradients: ``g = grad f(x)``."""
    return NoiseModel(
        "none", none_sample, np.zeros(1), lambda gn2, x: 0.0, lambda grad, x, rng: np.array(grad, dtype=float),
        options={}, assumptions=dict(unbiased=True, bounded_variance=True, affine_variance=True, bounded=True,
                                     finite_variance=True),
        description="g = ∇f(x)",
    )


def gaussian(sigma: float) -> NoiseModel:
    """Additive isotropic Gaussian noise with total variance ``sigma**2``."""
    sigma = check_in_range("sigma", sigma, 0.0, math.inf)

    def reference(grad, x, rng):
        return grad + sigma / math.sqrt(_dim(grad)) * rng.standard_normal(np.shape(grad))

    return NoiseModel(
        "gaussian", gaussian_sample, np.array([sigma]), lambda gn2, x: sigma**2, reference,
        options={"sigma": sigma},
        assumptions=dict(unbiased=True, bounded_variance=True, affine_variance=True, bounded=sigma == 0,
                         finite_variance=True),
        description="g = ∇f + (σ/√d) ξ, E||g − ∇f||² = σ²",
    )


def affine(a: float, b: float) -> NoiseModel:
    """Affine-variance noise (N2): ``E||g − grad f||² = a ||grad f||² + b`` exactly."""
    a = check_in_range("a", a, 0.0, math.inf)
    b = check_in_range("b", b, 0.0, math.inf)

    def reference(grad, x, rng):
        zeta = rng.standard_normal(np.shape(grad)[:-1] + (1,))
        xi = rng.standard_normal(np.shape(grad))
        return grad * (1.0 + math.sqrt(a) * zeta) + math.sqrt(b / _dim(grad)) * xi

    return NoiseModel(
        "affine", affine_sample, np.array([a, b]), lambda gn2, x: a * gn2 + b, reference,
        options={"a": a, "b": b},
        assumptions=dict(unbiased=True, bounded_variance=a == 0, affine_variance=True, bounded=False,
                         finite_variance=True),
        description="g = ∇f (1 + √a ζ) + √(b/d) ξ, E||g − ∇f||² = a||∇f||² + b",
    )


def student_t(sigma: float, df: float) -> NoiseModel:
    """Heavy-tailed noise: Student-t with ``df`` degrees of freedom, rescaled to variance ``sigma**2``.

    For ``df <= 2`` the variance is infinite; ``sigma / sqrt(d)`` is then the per-coordinate
    scale of the t variates.
    """
    sigma = check_in_range("sigma", sigma, 0.0, math.inf)
    df = check_in_range("df", df, 0.0, math.inf, low_open=True, allow_inf=True)
    finite = df > 2.0
    rescale = math.sqrt((df - 2.0) / df) if finite and math.isfinite(df) else 1.0

    def reference(grad, x, rng):
        # numpy's Generator.standard_t(inf) returns NaN; t with infinite df is the normal
        # (adaptopt.rng.Stream draws normals in this case too, in the same order).
        shape = np.shape(grad)
        draws = rng.standard_normal(shape) if math.isinf(df) else rng.standard_t(df, shape)
        return grad + sigma * rescale / math.sqrt(_dim(grad)) * draws

    return NoiseModel(
        "student_t", student_t_sample, np.array([sigma, df, sigma * rescale]),
        lambda gn2, x: sigma**2 if finite else math.inf, reference,
        options={"sigma": sigma, "df": df},
        assumptions=dict(unbiased=df > 1.0, bounded_variance=finite, affine_variance=finite, bounded=sigma == 0,
                         finite_variance=finite),
        description="g = ∇f + (σ/√d) √((ν−2)/ν) τ, τ_i ~ t_ν",
    )


def uniform(sigma: float) -> NoiseModel:
    """Bounded noise: independent uniforms on ``[-h, h]``, ``h = sigma sqrt(3/d)``, variance ``sigma**2``."""
    sigma = check_in_range("sigma", sigma, 0.0, math.inf)

    def reference(grad, x, rng):
        return grad + sigma * math.sqrt(3.0 / _dim(grad)) * rng.uniform(-1.0, 1.0, np.shape(grad))

    return NoiseModel(
        "uniform", uniform_sample, np.array([sigma]), lambda gn2, x: sigma**2, reference,
        options={"sigma": sigma},
        assumptions=dict(unbiased=True, bounded_variance=True, affine_variance=True, bounded=True,
                         finite_variance=True),
        description="g = ∇f + σ√(3/d) u, u_i ~ U(−1, 1)",
    )


def scaled(scales) -> NoiseModel:
    """Per-coordinate Gaussian noise ``s_i ξ_i``: total variance ``Σ s_i²``."""
    s = check_vector("scales", scales)
    if s.size == 0 or np.any(s < 0):
        raise ValueError("scales must be a non-empty vector of non-negative numbers")
    total = float(np.sum(s * s))

    def reference(grad, x, rng):
        if _dim(grad) != s.size:
            raise ValueError(f"scaled noise has {s.size} scales but the gradient has dimension {_dim(grad)}")
        return grad + s * rng.standard_normal(np.shape(grad))

    return NoiseModel(
        "scaled", scaled_sample, s, lambda gn2, x: total, reference,
        options={"scales": s.tolist()},
        assumptions=dict(unbiased=True, bounded_variance=True, affine_variance=True, bounded=total == 0,
                         finite_variance=True),
        description="g = ∇f + s ⊙ ξ, E||g − ∇f||² = Σ s_i²",
        dim=s.size,
    )


def heteroscedastic(sigma: float, radius: float) -> NoiseModel:
    """Gaussian noise whose variance grows with the distance to the origin: ``σ²(1 + ||x||²/r²)``.

    The variance is not bounded over R^d, so the bounded-variance assumption (N1) fails globally;
    on a run whose iterates stay in the ball ``||x|| <= R`` it holds with ``σ²(1 + R²/r²)``.
    """
    sigma = check_in_range("sigma", sigma, 0.0, math.inf)
    radius = check_in_range("radius", radius, 0.0, math.inf, low_open=True)

    def variance(gn2, x):
        return sigma**2 * (1.0 + float(np.dot(x, x)) / radius**2)

    def reference(grad, x, rng):
        factor = np.sqrt((1.0 + np.sum(np.square(x), axis=-1, keepdims=True) / radius**2) / _dim(grad))
        return grad + sigma * factor * rng.standard_normal(np.shape(grad))

    return NoiseModel(
        "heteroscedastic", heteroscedastic_sample, np.array([sigma, radius]), variance, reference,
        options={"sigma": sigma, "radius": radius},
        assumptions=dict(unbiased=True, bounded_variance=False, affine_variance=False, bounded=sigma == 0,
                         finite_variance=True),
        description="g = ∇f + (σ/√d) √(1 + ||x||²/r²) ξ, E||g − ∇f||² = σ²(1 + ||x||²/r²)",
    )


#: Constructors by name.
NOISE_MODELS = {
    "none": none,
    "gaussian": gaussian,
    "affine": affine,
    "student_t": student_t,
    "uniform": uniform,
    "scaled": scaled,
    "heteroscedastic": heteroscedastic,
}


def make_noise(name: str, **options) -> NoiseModel:
    """Build a registered noise model by name."""
    check_choice("noise model", name, NOISE_MODELS)
    return call_with_options(NOISE_MODELS[name], options, f"noise model {name!r}")
