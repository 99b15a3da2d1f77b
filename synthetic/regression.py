"""Least-squares regression with label noise (spec scale_free_and_relaxed_smoothness.md A.7, A2).

``ridge_regression`` is the linear model of experiment A2: a teacher vector, Gaussian inputs,
noisy labels, and the *unregularised* loss

.. math::  f(x) = \\frac{s}{2n} \\lVert A x - y \\rVert^2 ,

with ``s`` the loss multiplier. The ℓ2 regulariser ("ridge") is not part of ``f``: weight
decay is the optimizer's business (Adam-ℓ2 adds ``λx`` to the gradient, AdamW decays the
iterate), so the same objective serves every method and every ``λ`` of a grid. The held-out
set travels with the objective; :func:`test_loss` gives the held-out MSE of final iterates,
which the A2 check uses to pick the best ``(α, λ)``.

Data (deterministic in ``seed``)
-----------------------------------
Three independent numpy ``PCG64`` streams, ``numpy.random.default_rng([STREAM_TAG, seed, k])``
with ``k = 0`` (teacher), ``1`` (training set), ``2`` (test set):

* teacher: ``w* = g / ||g||`` with ``g ~ N(0, I_d)`` (unit norm, so the signal ``z·w*`` has
  variance exactly 1 for ``z ~ N(0, I)``);
* each sample is one row ``(z_1..z_d, ξ)`` of ``standard_normal((n, d + 1))``: latent input
  ``z ~ N(0, I_d)``, feature vector ``a = c ⊙ z`` (``c`` = ``feature_scales``, default all
  ones, i.e. ``a ~ N(0, I)``), label ``y = z·w* + σ ξ`` (``σ`` = ``label_noise``).

Drawing a sample as one row makes the data *nested*: the first ``n`` training samples of a
larger ``n_train`` are the same, and the test set does not depend on ``n_train`` (or the
teacher on either). With ``feature_scales`` the teacher acts on the latent ``z``, so the signal
is unchanged and the minimiser is ``≈ w*_i / c_i``: multi-scale curvature (``H ≈ s diag(c²)``)
and a multi-scale minimiser, the separable situation of spec A.5.

Parameter vector ``p`` (float64)
------------------------------------
=============================  ==============================================================
``p[0]``                       layout version (1)
``p[1]``, ``p[2]``, ``p[3]``   ``n_train``, ``n_test``, ``d``
``p[4]``                       loss multiplier ``s``
``p[5] .. p[9]``               offsets of ``H``, ``b``, ``A_train | y_train`` , ``A_test``,
                               ``y_test`` (``p[7]``: training rows, ``d + 1`` numbers each:
                               the features then the label)
``p[10]``                      ``||y_train||² / n``
``H``  (d × d, row-major)      ``AᵀA / n`` (without ``s``)
``b``  (d)                     ``Aᵀy / n`` (without ``s``)
=============================  ==============================================================

The gradient uses the normal-equation form ``s (H x − b)`` (``O(d²)`` per call instead of
``O(n d)``); the value is computed from the residuals ``A x − y`` (``O(n d)``), which keeps
``f(x) − f*`` accurate near the minimiser where the expanded quadratic would cancel.
"""

from __future__ import annotations

import math

import numpy as np

from adaptopt._jit import jit
from adaptopt.validation import check_finite_positive, check_in_range, check_positive_int, check_vector
from synthetic.base import Constant, Constants, Objective

#: First entry of every stream key of this module (keeps its streams apart from other modules').
STREAM_TAG = 0x52494447  # "RIDG"
#: Layout version stored in ``p[0]``.
LAYOUT_VERSION = 1
#: Header length of ``p``.
HEADER = 11
#: Relative threshold under which an eigenvalue of ``H`` counts as zero (rank decisions).
RANK_RTOL = 1e-12

# --------------------------------------------------------------------------------------------
# Jitted value and gradient.


@jit
def ridge_value(x, p):
    n = int(p[1])
    d = int(p[3])
    off = int(p[7])
    f = 0.0
    for i in range(n):
        row = off + i * (d + 1)
        r = -p[row + d]
        for k in range(d):
            r += p[row + k] * x[k]
        f += r * r
    return 0.5 * p[4] * f / n


@jit
def ridge_grad(x, p, out):
    d = int(p[3])
    s = p[4]
    h = int(p[5])
    b = int(p[6])
    sq = 0.0
    for j in range(d):
        acc = -p[b + j]
        row = h + j * d
        for k in range(d):
            acc += p[row + k] * x[k]
        out[j] = s * acc
        sq += out[j] * out[j]
    return sq


# --------------------------------------------------------------------------------------------
# Data.


def _rng(seed: int, role: int) -> np.random.Generator:
    return np.random.default_rng([STREAM_TAG, seed, role])


def make_data(n_train: int, n_test: int, dim: int, label_noise: float, seed: int, feature_scales=None):
    """The data of :func:`ridge_regression`: ``(A_train, y_train, A_test, y_test, w_teacher)``.

    See the module docstring for the streams and the draw order.
    """
    c = np.ones(dim) if feature_scales is None else np.asarray(feature_scales, dtype=np.float64)
    g = _rng(seed, 0).standard_normal(dim)
    teacher = g / np.linalg.norm(g)
    out = []
    for role, n in ((1, n_train), (2, n_test)):
        rows = _rng(seed, role).standard_normal((n, dim + 1))
        z, xi = rows[:, :dim], rows[:, dim]
        out += [np.ascontiguousarray(z * c), z @ teacher + label_noise * xi]
    return (*out, teacher)


def _parse(objective: Objective):
    """``(A_train, y_train, A_test, y_test, H, b)`` as views of ``objective.params``."""
    p = objective.params
    if objective.name != "ridge_regression" or int(p[0]) != LAYOUT_VERSION:
        raise ValueError(f"expected a ridge_regression objective, got {objective.label()}")
    n, n_test, d = int(p[1]), int(p[2]), int(p[3])
    h, b, tr, at, yt = (int(v) for v in p[5:10])
    train = p[tr:tr + n * (d + 1)].reshape(n, d + 1)
    return (train[:, :d], train[:, d], p[at:at + n_test * d].reshape(n_test, d), p[yt:yt + n_test],
            p[h:h + d * d].reshape(d, d), p[b:b + d])


# --------------------------------------------------------------------------------------------
# Constructor and plain-Python helpers.


def ridge_regression(n_train: int = 256, n_test: int = 4096, dim: int = 16, label_noise: float = 0.5,
                     loss_multiplier: float = 1.0, seed: int = 0, feature_scales=None, x0=None) -> Objective:
    """Noisy linear regression ``f(x) = s/(2n) ||A x − y||²`` with a held-out set (spec A2).

    Constants (standard). The Hessian is ``s H`` with ``H = AᵀA/n``, constant in ``x``:
    ``L = s λ_max(H)``. When ``A`` has full column rank (almost surely iff ``n_train >= dim``),
    ``f`` is ``s λ_min(H)``-strongly convex, hence PL with that constant, which is tight (attained
    along the eigenvector of ``λ_min``). Otherwise ``f`` is convex, not strongly convex, and PL
    with ``s`` times the smallest *positive* eigenvalue (a convex quadratic is PL with its
    smallest non-zero curvature, since ``grad f`` lies in the range of ``H``). ``f*`` is the
    least-squares residual ``s/(2n) ||A x̂ − y||²``, ``x̂ = H⁺ b`` (:func:`minimiser`), computed
    here from the eigendecomposition of ``H``. Extra: ``condition_number`` (``L/μ``; inf if
    rank deficient) and ``test_mse_teacher`` (``σ²``: the expected held-out MSE of the teacher,
    the floor that no estimator beats in expectation when ``feature_scales`` is None or any
    positive vector).

    Parameters
    ----------
    n_train, n_test : int
        Training (full batch) and held-out sample sizes.
    dim : int
        Number of features ``d``.
    label_noise : float
        Standard deviation ``σ >= 0`` of the Gaussian label noise.
    loss_multiplier : float
        ``s > 0``; scales ``f``, its gradient, ``f*``, ``L`` and ``μ``, not the data or
        :func:`test_loss`.
    seed : int
        Data seed (module docstring); the default start ``x0 = 0`` does not depend on it.
    feature_scales : array_like, shape (dim,), optional
        Positive per-feature scales ``c`` (features ``a = c ⊙ z``); default all ones.
    x0 : array_like, shape (dim,), optional
        Default start (default the zero vector).
    """
    n_train = check_positive_int("n_train", n_train)
    n_test = check_positive_int("n_test", n_test)
    dim = check_positive_int("dim", dim)
    sigma = check_in_range("label_noise", label_noise, 0.0, math.inf)
    s = check_finite_positive("loss_multiplier", loss_multiplier)
    seed = check_positive_int("seed", seed, minimum=0)
    scales = None
    if feature_scales is not None:
        scales = check_vector("feature_scales", feature_scales, dim)
        if np.any(scales <= 0):
            raise ValueError("feature_scales must be positive")
    start = np.zeros(dim) if x0 is None else check_vector("x0", x0, dim)

    A, y, A_test, y_test, _ = make_data(n_train, n_test, dim, sigma, seed, scales)
    H = A.T @ A / n_train
    H = 0.5 * (H + H.T)
    b = A.T @ y / n_train
    offsets = np.cumsum([HEADER, dim * dim, dim, n_train * (dim + 1), n_test * dim])
    header = np.array([LAYOUT_VERSION, n_train, n_test, dim, s, *offsets, y @ y / n_train], dtype=np.float64)
    params = np.concatenate([header, H.ravel(), b, np.column_stack([A, y]).ravel(), A_test.ravel(), y_test])

    eig = np.linalg.eigvalsh(H)
    tol = RANK_RTOL * eig[-1]
    positive = eig[eig > tol]
    full_rank = positive.size == dim
    x_hat = _pseudo_solve(H, b)
    residual = A @ x_hat - y
    f_star = 0.5 * s * float(residual @ residual) / n_train
    mu = s * float(positive[0])
    constants = Constants(
        f_star=f_star,
        L=Constant(s * float(eig[-1]), "standard", "s λ_max(AᵀA/n): the Hessian is constant"),
        mu_pl=Constant(mu, "standard", "s λ_min(AᵀA/n) (strong convexity)" if full_rank
                       else "s × smallest positive eigenvalue of AᵀA/n (convex quadratic, gradient in range(H))"),
        mu_pl_tight=Constant(mu, "standard", "attained along the eigenvector of that eigenvalue"),
        properties={"l_smooth": True, "pl": True, "convex": True, "strongly_convex": full_rank,
                    "f_star_exact": True},
        extra={
            "condition_number": Constant(float(eig[-1] / positive[0]) if full_rank else math.inf, "standard",
                                         "λ_max/λ_min of AᵀA/n (inf when rank deficient)"),
            "test_mse_teacher": Constant(sigma * sigma, "standard", "E (y − z·w*)² = σ² on fresh samples"),
        },
    )
    options = {"n_train": n_train, "n_test": n_test, "dim": dim, "label_noise": sigma, "loss_multiplier": s,
               "seed": seed}
    if scales is not None:
        options["feature_scales"] = scales.tolist()
    return Objective("ridge_regression", ridge_value, ridge_grad, params, dim, constants, start, options=options,
                     description="s/(2n) ||A x − y||², A ~ N(0, I) (× feature scales), y = teacher + noise")


def _pseudo_solve(H: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """``H⁺ rhs`` for a symmetric positive semi-definite ``H`` (eigendecomposition)."""
    eig, vec = np.linalg.eigh(H)
    keep = eig > RANK_RTOL * eig[-1]
    return vec[:, keep] @ ((vec[:, keep].T @ rhs) / eig[keep])


def minimiser(objective: Objective) -> np.ndarray:
    """The minimum-norm minimiser ``x̂ = H⁺ b`` of ``f`` (the least-squares solution)."""
    _, _, _, _, H, b = _parse(objective)
    return _pseudo_solve(H, b)


def ridge_solution(objective: Objective, weight_decay: float) -> np.ndarray:
    """``argmin f(x) + (λ/2)||x||² = (s H + λ I)⁻¹ s b`` for ``λ = weight_decay >= 0``.

    The stationary point of Adam-ℓ2 / SGD with coupled ℓ2 regularisation ``λ``; ``λ = 0`` gives
    :func:`minimiser` (when ``H`` is invertible).
    """
    lam = check_in_range("weight_decay", weight_decay, 0.0, math.inf)
    _, _, _, _, H, b = _parse(objective)
    s = float(objective.params[4])
    if lam == 0.0:
        return _pseudo_solve(H, b)
    return np.linalg.solve(s * H + lam * np.eye(H.shape[0]), s * b)


def test_loss(objective: Objective, x) -> float | np.ndarray:
    """Held-out mean squared error ``(1/n_test) Σ (a·x − y)²`` (no loss multiplier, no ½).

    ``x`` of shape (d,) gives a float, (S, d) an array of S values. Non-finite iterates give
    ``nan``/``inf`` (diverged seeds of a grid stay visible).
    """
    _, _, A_test, y_test, _, _ = _parse(objective)
    arr = objective._point(x)
    with np.errstate(over="ignore", invalid="ignore"):
        r = arr @ A_test.T - y_test
        mse = np.mean(r * r, axis=-1)
    return float(mse) if arr.ndim == 1 else mse


test_loss.__test__ = False  # not a pytest test, despite its name
