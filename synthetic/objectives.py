"""Smooth test objectives with exactly known constants (spec noise_adaptive.md §2.2).

=================  ===========================================  =====  ==========================  ========
name               f(x)                                          L      PL mu (proven / tight)      convex
=================  ===========================================  =====  ==========================  ========
``quadratic``      ½ Σ λ_i (x_i − c_i)²                          max λ  min λ / min λ               yes
``pl_sine``        Σ w_i (x_i² + 3 sin² x_i)                     8 max w  min w/32 / 0.1755 min w   no
``log1p_square``   Σ log(1 + x_i²)                               2      not PL                      no
``flat_quartic``   Σ x_i⁴ / (1 + x_i²)                           5/2    not PL                      yes
=================  ===========================================  =====  ==========================  ========

All are separable, so their Hessians are diagonal and every constant reduces to a 1-D fact
about the term ``h``; the derivations are in the constructors' docstrings.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy import optimize

from adaptopt._jit import jit
from adaptopt.validation import call_with_options, check_choice, check_finite_positive, check_positive_int, check_vector
from synthetic.base import Constant, Constants, Objective

# --------------------------------------------------------------------------------------------
# Jitted values and gradients. ``p`` is the parameter vector built by the constructors; every
# gradient function writes grad f(x) into ``out`` and returns ||grad f(x)||^2. A parameter made of
# d-blocks is sliced into them before the loop: Numba cannot prove an index like ``p[d + i]``
# non-negative, so it would wrap-around-check every access, which blocks vectorisation (the
# quadratic's gradient cost 0.63 ns per coordinate that way, 0.24 ns sliced, at d = 100).


@jit
def quadratic_value(x, p):
    d = x.size
    lam = p[:d]
    center = p[d:2 * d]
    f = 0.0
    for i in range(d):
        r = x[i] - center[i]
        f += lam[i] * r * r
    return 0.5 * f


@jit
def quadratic_grad(x, p, out):
    d = x.size
    lam = p[:d]
    center = p[d:2 * d]
    sq = 0.0
    for i in range(d):
        out[i] = lam[i] * (x[i] - center[i])
        sq += out[i] * out[i]
    return sq


@jit
def pl_sine_value(x, p):
    f = 0.0
    for i in range(x.size):
        s = math.sin(x[i])
        f += p[i] * (x[i] * x[i] + 3.0 * s * s)
    return f


@jit
def pl_sine_grad(x, p, out):
    sq = 0.0
    for i in range(x.size):
        out[i] = p[i] * (2.0 * x[i] + 3.0 * math.sin(2.0 * x[i]))
        sq += out[i] * out[i]
    return sq


@jit
def log1p_square_value(x, p):
    f = 0.0
    for i in range(x.size):
        f += math.log1p(x[i] * x[i])
    return f


@jit
def log1p_square_grad(x, p, out):
    sq = 0.0
    for i in range(x.size):
        out[i] = 2.0 * x[i] / (1.0 + x[i] * x[i])
        sq += out[i] * out[i]
    return sq


@jit
def flat_quartic_value(x, p):
    f = 0.0
    for i in range(x.size):
        x2 = x[i] * x[i]
        f += x2 * x2 / (1.0 + x2)
    return f


@jit
def flat_quartic_grad(x, p, out):
    sq = 0.0
    for i in range(x.size):
        x2 = x[i] * x[i]
        q = 1.0 + x2
        out[i] = 2.0 * x[i] * x2 * (x2 + 2.0) / (q * q)
        sq += out[i] * out[i]
    return sq


# --------------------------------------------------------------------------------------------
# Constructors.


def _start(x0, dim: int, default: float) -> np.ndarray:
    if x0 is None:
        return np.full(dim, default)
    try:
        arr = np.asarray(x0, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"x0 must be a number or a vector of length {dim}, got {x0!r}") from None
    return np.full(dim, float(arr)) if arr.ndim == 0 else check_vector("x0", arr, dim)


def quadratic(eigenvalues, center=None, x0=None) -> Objective:
    """Separable quadratic ``f(x) = ½ Σ λ_i (x_i − c_i)²`` with a chosen spectrum.

    Constants (standard): ``L = max λ``; ``f`` is ``min λ``-strongly convex, hence PL with
    ``mu = min λ``, which is also the tight PL constant (attained along the eigenvector of the
    smallest eigenvalue); ``f* = 0`` at ``c``. Build log-spaced spectra with
    :func:`log_spectrum`.

    Parameters
    ----------
    eigenvalues : array_like, shape (d,)
        Curvatures ``λ_i > 0``.
    center : array_like, shape (d,), optional
        The minimiser ``c`` (default 0).
    x0 : float or array_like, optional
        Default start (default ``c + 1``).
    """
    lam = check_vector("eigenvalues", eigenvalues)
    if lam.size == 0 or np.any(lam <= 0):
        raise ValueError("eigenvalues must be a non-empty vector of positive numbers")
    d = lam.size
    c = np.zeros(d) if center is None else check_vector("center", center, d)
    start = c + 1.0 if x0 is None else _start(x0, d, 0.0)
    mu = float(lam.min())
    constants = Constants(
        f_star=0.0,
        L=Constant(float(lam.max()), "standard", "largest eigenvalue of the Hessian diag(λ)"),
        mu_pl=Constant(mu, "standard", "strong convexity with modulus min λ implies PL(min λ)"),
        mu_pl_tight=Constant(mu, "standard", "attained along the eigenvector of min λ"),
        properties={"l_smooth": True, "pl": True, "convex": True, "strongly_convex": True},
        extra={"condition_number": Constant(float(lam.max() / mu), "standard", "max λ / min λ")},
    )
    return Objective(
        "quadratic",
        quadratic_value,
        quadratic_grad,
        np.concatenate([lam, c]),
        d,
        constants,
        start,
        options={"dim": d, "eigenvalues": lam.tolist(), "center": c.tolist()},
        description="½ Σ λ_i (x_i − c_i)²",
    )


def log_spectrum(dim: int, condition_number: float, smallest: float = 1.0) -> np.ndarray:
    """``dim`` log-spaced eigenvalues from ``smallest`` to ``smallest * condition_number``."""
    dim = check_positive_int("dim", dim)
    smallest = check_finite_positive("smallest", smallest)
    if not (condition_number >= 1 and math.isfinite(condition_number)):
        raise ValueError(f"condition_number must be a finite number >= 1, got {condition_number!r}")
    return smallest * np.logspace(0.0, math.log10(condition_number), dim)


@lru_cache(maxsize=1)
def pl_sine_tight_mu() -> tuple[float, float]:
    """Tight PL constant of ``h(x) = x² + 3 sin² x``: ``inf_x h'(x)² / (2 h(x))`` and its argmin.

    Computed numerically: a grid over ``(0, 20]`` (``h`` is even; the ratio tends to 8 at 0 and
    to 2 at infinity) refined by a bounded scalar minimisation. Gives ``0.1755`` at
    ``|x| = 2.20`` (spec noise_adaptive.md §2.2).
    """

    def ratio(x):
        h = x * x + 3.0 * math.sin(x) ** 2
        dh = 2.0 * x + 3.0 * math.sin(2.0 * x)
        return dh * dh / (2.0 * h)

    grid = np.linspace(1e-3, 20.0, 20001)
    values = np.array([ratio(x) for x in grid])
    k = int(np.argmin(values))
    res = optimize.minimize_scalar(ratio, bounds=(grid[max(k - 1, 0)], grid[k + 1]), method="bounded",
                                   options={"xatol": 1e-12})
    return float(res.fun), float(res.x)


def pl_sine(dim: int = 1, weights=None, x0=3.0) -> Objective:
    """Weighted PL sine ``f(x) = Σ w_i (x_i² + 3 sin² x_i)`` (Karimi, Nutini, Schmidt 2016).

    Term ``h(x) = x² + 3 sin² x``: ``h'' = 2 + 6 cos 2x ∈ [−4, 8]``, so ``h`` is 8-smooth and not
    convex; ``h`` is PL with ``mu = 1/32`` (Karimi et al. 2016, with an elementary published
    proof) and tightly with ``mu ≈ 0.1755`` (:func:`pl_sine_tight_mu`).

    Derived for the weighted sum: ``L = 8 max w`` (the Hessian is ``diag(w_i h''(x_i))``), and
    ``||grad f||² = Σ w_i² h'(x_i)² ≥ Σ w_i² 2 mu_h h(x_i) ≥ (min w) 2 mu_h Σ w_i h(x_i)``, so
    ``f`` is PL with ``(min w) mu_h``; putting all of ``x`` on the coordinate of ``min w`` at the
    1-D minimiser of the ratio shows that ``(min w) * 0.1755`` is tight. Local curvature at the
    minimiser 0 is ``8 w_i``. Use ``weights = logspace(0, -2, d)`` for a visible linear phase
    (spec E-EC-2).
    """
    dim = check_positive_int("dim", dim)
    w = np.ones(dim) if weights is None else check_vector("weights", weights, dim)
    if np.any(w <= 0):
        raise ValueError("weights must be positive")
    mu_h, x_star = pl_sine_tight_mu()
    unit = dim == 1 and w[0] == 1.0
    constants = Constants(
        f_star=0.0,
        L=Constant(8.0 * float(w.max()), "derived", "h'' = 2 + 6 cos 2x <= 8; Hessian diag(w_i h'')"),
        mu_pl=Constant(float(w.min()) / 32.0, "paper" if unit else "derived",
                       "Karimi, Nutini, Schmidt (2016): h is PL(1/32)"
                       + ("" if unit else "; separable weighted sum is PL(min w * mu_h)")),
        mu_pl_tight=Constant(mu_h * float(w.min()), "numerical",
                             f"inf h'^2/(2h) = {mu_h:.6f} at |x| = {x_star:.4f}, times min w"),
        properties={"l_smooth": True, "pl": True, "convex": False},
        extra={
            "min_curvature": Constant(-4.0 * float(w.max()), "derived", "min h'' = -4 at x = pi/2"),
            "curvature_at_minimiser": Constant(8.0 * float(w.max()), "derived", "h''(0) = 8"),
        },
    )
    return Objective(
        "pl_sine",
        pl_sine_value,
        pl_sine_grad,
        w,
        dim,
        constants,
        _start(x0, dim, 3.0),
        options={"dim": dim, "weights": w.tolist()},
        description="Σ w_i (x_i² + 3 sin² x_i)",
    )


def log1p_square(dim: int = 10, x0=3.0) -> Objective:
    """``f(x) = Σ log(1 + x_i²)``: smooth, non-convex, not PL (spec F2).

    Derived: ``h'' = 2 (1 − x²) / (1 + x²)² ∈ [−1/4, 2]`` (max at 0, min at ``x² = 3``), so
    ``L = 2``. Not PL: ``h'(x) = 2x/(1+x²) → 0`` while ``h → ∞``. Locally strongly convex at
    the minimiser 0 (curvature 2).
    """
    dim = check_positive_int("dim", dim)
    constants = Constants(
        f_star=0.0,
        L=Constant(2.0, "derived", "h'' = 2(1 - x^2)/(1 + x^2)^2 in [-1/4, 2]"),
        properties={"l_smooth": True, "pl": False, "convex": False},
        extra={"min_curvature": Constant(-0.25, "derived", "h'' at x^2 = 3")},
    )
    return Objective("log1p_square", log1p_square_value, log1p_square_grad, np.zeros(1), dim, constants,
                     _start(x0, dim, 3.0), options={"dim": dim}, description="Σ log(1 + x_i²)")


def flat_quartic(dim: int = 10, x0=3.0) -> Objective:
    """``f(x) = Σ x_i⁴ / (1 + x_i²)``: convex with a flat minimum, not PL (spec F3).

    Derived: ``h = x² − 1 + 1/(1 + x²)``, ``h'' = 2 + (6x² − 2)/(1 + x²)³``; with ``u = x²`` the
    second term has derivative ``12(1 − u)/(1 + u)⁴``, so ``h''`` is largest at ``x² = 1``:
    ``L = 2 + 4/8 = 5/2``, and smallest at 0: ``h''(0) = 0`` (convex). Not PL near 0: ``h' ≈ 4x³``
    and ``h ≈ x⁴``, so ``h'²/h ≈ 16 x² → 0``.
    """
    dim = check_positive_int("dim", dim)
    constants = Constants(
        f_star=0.0,
        L=Constant(2.5, "derived", "h'' = 2 + (6x^2 - 2)/(1 + x^2)^3, maximal at x^2 = 1"),
        properties={"l_smooth": True, "pl": False, "convex": True},
        extra={"curvature_at_minimiser": Constant(0.0, "derived", "h''(0) = 0: flat minimum")},
    )
    return Objective("flat_quartic", flat_quartic_value, flat_quartic_grad, np.zeros(1), dim, constants,
                     _start(x0, dim, 3.0), options={"dim": dim}, description="Σ x_i⁴ / (1 + x_i²)")


#: Constructors by name (CLI, configs, ``adaptopt list``).
OBJECTIVES = {
    "quadratic": quadratic,
    "pl_sine": pl_sine,
    "log1p_square": log1p_square,
    "flat_quartic": flat_quartic,
}


def make_objective(name: str, **options) -> Objective:
    """Build a registered objective by name."""
    check_choice("objective", name, OBJECTIVES)
    return call_with_options(OBJECTIVES[name], options, f"objective {name!r}")
