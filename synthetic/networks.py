"""Small networks without normalization, for the scale-freeness experiment A5 (spec A.5-A.7).

Teacher-student regression with full-batch loss

.. math::  f(W_1, \\dots, W_L) = \\frac{s}{2n} \\sum_{i=1}^{n} \\lVert \\hat y(x_i) - y_i \\rVert^2 ,

student ``ŷ = W_L φ(N_{L−1}(W_{L−1} ⋯ φ(N_1(W_1 x))))`` with ``φ`` the identity
(:func:`deep_linear`) or ``tanh`` (:func:`tanh_mlp`) and ``N_l`` either the identity or the
output normalization below. ``s`` is the loss multiplier of A2 (``f`` and its gradient scale
exactly by ``s``). The normalized variants are the control of A5; how far the per-layer
gradient norms spread (:func:`gradient_scale_spread`) with and without normalization is
measured in "Per-layer gradient scales at initialisation" below: with one gain for all layers
they are balanced at initialisation, whatever the gain.

Layers, forward pass and normalization
--------------------------------------
Layer ``l = 1..L`` has a weight matrix ``W_l`` of shape ``(n_l, n_{l−1})`` with
``n_0 = input_dim``, ``n_1 = … = n_{L−1} = width`` and ``n_L = output_dim``; there are no
biases. For one sample, ``a_0 = x`` and for ``l = 1..L``::

    z_l = W_l a_{l−1}
    u_l = z_l / r_l,  r_l = sqrt(||z_l||² / n_l + eps)    if layer l is normalized
    u_l = z_l                                             otherwise
    a_l = φ(u_l) for l < L,   ŷ = a_L = u_L.

The normalization is per sample: each hidden layer's pre-activation vector is divided by its
root mean square over the units (an RMS/"layer" norm without learned gain or bias, applied
before the non-linearity), so that the test loss of a sample does not depend on the other
samples. With ``eps = 0`` (the default ``norm_eps``) ``f`` is exactly invariant to
``W_l → c W_l`` (``c > 0``) for every normalized ``l``, hence ``⟨∇_{W_l} f, W_l⟩ = 0`` and
``||∇_{W_l} f|| ∝ 1/||W_l||``: the mechanism by which BatchNorm-like layers equalise the
per-layer gradient scales. (In the deep linear network a layer that feeds a normalized layer
through identity activations is scale invariant as well.) Only hidden layers (``1..L−1``) can
be normalized: a normalized output would have RMS 1 and could not fit labels of other scales. ``normalization`` is
``"none"``, ``"all"`` (layers ``1..L−1``), ``"mixed"`` (the odd layers ``1, 3, 5, … < L``) or
an explicit list of 1-based layer indices in ``1..L−1``. Backpropagation through a normalized
layer uses, with ``g_u = ∂f/∂u_l`` (derivation: ``∂u_j/∂z_k = δ_jk/r − z_j z_k/(n_l r³)``)::

    ∂f/∂z_l = (g_u − u_l (u_l·g_u) / n_l) / r_l,

exact for every ``eps >= 0``; ``tanh' = 1 − tanh²``.

Parameter vector ``x`` and data vector ``p``
--------------------------------------------
``x`` is the concatenation of ``W_1, …, W_L``, each row-major (``W_l[j, k]`` at
``offset_l + j n_{l−1} + k``, :func:`layer_slices`). ``p`` (float64) holds:

==========  =================================================================================
``p[0]``    layout version (1)
``p[1]``    ``n_train``;  ``p[2]``: ``n_test``
``p[3]``    ``input_dim``; ``p[4]``: ``output_dim``; ``p[5]``: ``width``; ``p[6]``: depth ``L``
``p[7]``    activation code: 0 identity, 1 tanh
``p[8]``    loss multiplier ``s``;  ``p[9]``: ``norm_eps``
``p[10]``   offset of the ``L`` normalization flags (1.0 = layer normalized; the last is 0)
``p[11]``   offset of ``X_train`` (``n_train × input_dim``, row-major)
``p[12]``   offset of ``Y_train`` (``n_train × output_dim``)
``p[13]``   offset of ``X_test``;  ``p[14]``: offset of ``Y_test``
``p[15]``   number of weights ``d = Σ n_l n_{l−1}``
==========  =================================================================================

The jitted :func:`network_value` and :func:`network_grad` parse this header; nothing is
compiled per depth, width or flag (one compilation serves every network of either activation).

Data (deterministic in ``seed``) and initialisation (deterministic in ``init_seed``)
------------------------------------------------------------------------------------------
Independent numpy ``PCG64`` streams ``default_rng([STREAM_TAG, seed, k])``: ``k = 0`` teacher,
``1`` training set, ``2`` test set, and ``default_rng([STREAM_TAG, init_seed, 3])`` for the
initial weights (``init_seed`` defaults to ``seed``).

* Teacher: ``M = G_k ⋯ G_1`` (``k = teacher_depth``) with ``G`` entries ``N(0, 1/fan_in)``
  (hidden size ``input_dim``, last factor ``output_dim × input_dim``), rescaled so that
  ``||M||_F² = output_dim`` (each output coordinate has signal variance 1). A product of random
  matrices has a spread of singular values (see ``teacher_condition_number``).
* Each sample is one row ``(x, ξ)`` of ``standard_normal((n, input_dim + output_dim))``;
  ``y = M x + σ ξ`` (``σ = label_noise``). Rows make the data nested in ``n``; the data depend
  neither on the student (depth, width, gain, activation, normalization) nor on ``init_seed``.
* Initial weights (the objective's ``x0``): ``W_l`` entries ``N(0, (g_l/√n_{l−1})²)``, drawn
  layer after layer as ``standard_normal((n_l, n_{l−1}))`` and multiplied by ``g_l/√n_{l−1}``
  (``g_l = gain``, or ``gain[l−1]`` for per-layer gains). They do not depend on the
  activation or the normalization, so variants start from the same weights, and different
  gains rescale the same draws.

Per-layer gradient scales at initialisation
-------------------------------------------
With one gain for all layers the per-layer gradient norms are *balanced* at initialisation
whatever the gain: ``∇_{W_l} f = Σ_i δ_{l,i} a_{l−1,i}ᵀ`` where the forward factor
``a_{l−1}`` scales like ``g^{l−1}`` and the backward factor ``δ_l`` like ``g^{L−l}``, so every
layer gets ``g^{L−1}`` (exactly so in expectation for the deep linear network; also for tanh
in the near-linear regime ``g <= 1``). The gain moves the *global* scale of the gradient by
orders of magnitude (``g^{2L−1}`` when the output dominates the residual), while
:func:`gradient_scale_spread` only grows slowly with the depth, through the fluctuations of
products of random matrices (medians over 8 initialisations: 1.1, 1.6, 2.0, 3.2 at depths
2, 8, 16, 32 for ``g = 0.5``; 1.05, 2.0, 3.1, 3.9 for ``g = 1.5``; tests/test_networks.py).
Two ways to obtain multi-scale layers:

* per-layer gains: with ``W_l = g_l V_l`` the deep linear network has
  ``||∇_{W_l} f|| ∝ 1/g_l`` exactly (the end-to-end map only sees ``Π g_l``), so the spread is
  ``max g / min g`` times the balanced one;
* tanh in the chaotic regime (``g ≳ 2``): activations saturate (bounded forward factor) while
  the backward factor grows by ``sqrt(χ) > 1`` per layer, so the spread grows exponentially in
  the depth (medians 1.4, 4.5, 128, 4.9e4 at depths 2, 8, 16, 32 for ``g = 4``).
  Normalizing every hidden layer removes it (1.4, 2.7, 2.8, 3.9): the backward factor becomes
  ``||W|| / r ≈ 1`` per layer, independent of the gain; ``"mixed"`` halves the exponent
  (1.4, 1.9, 4.6, 94).
"""

from __future__ import annotations

import math
import numbers
from typing import NamedTuple

import numpy as np

from adaptopt._jit import jit
from adaptopt.validation import check_choice, check_finite_positive, check_in_range, check_positive_int, check_vector
from synthetic import regression
from synthetic.base import Constant, Constants, Objective

#: First entry of every stream key of this module.
STREAM_TAG = 0x4E455453  # "NETS"
#: Layout version stored in ``p[0]``.
LAYOUT_VERSION = 1
#: Header length of ``p``.
HEADER = 16
#: Activation codes (``p[7]``).
ACTIVATIONS = {"identity": 0, "tanh": 1}
#: Named normalization patterns.
NORMALIZATIONS = ("none", "all", "mixed")
#: Defaults of experiment A5 (spec A.7).
DEFAULT_WIDTH = 16
DEFAULT_INPUT_DIM = 16
DEFAULT_OUTPUT_DIM = 16
DEFAULT_N_TRAIN = 256
DEFAULT_N_TEST = 4096
DEFAULT_LABEL_NOISE = 0.5
DEFAULT_TEACHER_DEPTH = 4
#: Default bin range of :func:`log2_histogram` (the authors' tool S3).
HIST_LO, HIST_HI = 1e-8, 1e4

# --------------------------------------------------------------------------------------------
# Jitted value and gradient.


# Activations are stored feature-major, ``(units, samples)``, so that the innermost loops run
# over the samples: contiguous, long (n = 256), and without reductions in the forward and
# backward passes (4.5x faster than sample-major loops over 16 units, measured at depth 32).


@jit
def _affine_normalize(x, off, n_in, n_out, n, a_prev, u, r, normed, eps):
    """``u[j] = Σ_k W[j, k] a_prev[k]`` (``W`` at ``x[off:]``), then RMS-normalize each column."""
    for j in range(n_out):
        z = u[j]
        for i in range(n):
            z[i] = 0.0
        base = off + j * n_in
        for k in range(n_in):
            w = x[base + k]
            a = a_prev[k]
            for i in range(n):
                z[i] += w * a[i]
    if normed:
        for i in range(n):
            r[i] = 0.0
        for j in range(n_out):
            z = u[j]
            for i in range(n):
                r[i] += z[i] * z[i]
        for i in range(n):
            r[i] = math.sqrt(r[i] / n_out + eps)
        for j in range(n_out):
            z = u[j]
            for i in range(n):
                z[i] = z[i] / r[i]


@jit
def _architecture(p):
    """``(d_in, d_out, width, depth, activation, eps, flags offset)`` from the header of ``p``
    (module docstring, "Parameter vector x and data vector p")."""
    return int(p[3]), int(p[4]), int(p[5]), int(p[6]), int(p[7]), p[9], int(p[10])


@jit
def network_sse(x, p, x_off, y_off, n):
    """``Σ_i ||ŷ(x_i) − y_i||²`` over the ``n`` samples stored at ``p[x_off:]`` and ``p[y_off:]``."""
    d_in, d_out, width, depth, act, eps, flags = _architecture(p)
    m = max(d_in, width, d_out)
    a = np.empty((m, n))
    b = np.empty((m, n))
    r = np.empty(n)
    for i in range(n):
        for k in range(d_in):
            a[k, i] = p[x_off + i * d_in + k]
    off = 0
    n_in = d_in
    for layer in range(1, depth + 1):
        n_out = d_out if layer == depth else width
        _affine_normalize(x, off, n_in, n_out, n, a, b, r, p[flags + layer - 1] != 0.0, eps)
        if act == 1 and layer < depth:
            for j in range(n_out):
                z = b[j]
                for i in range(n):
                    z[i] = math.tanh(z[i])
        a, b = b, a
        off += n_out * n_in
        n_in = n_out
    total = 0.0
    for i in range(n):
        for j in range(d_out):
            res = a[j, i] - p[y_off + i * d_out + j]
            total += res * res
    return total


@jit(inline="never")
def network_value(x, p):
    n = int(p[1])
    return 0.5 * p[8] * network_sse(x, p, int(p[11]), int(p[12]), n) / n


@jit(inline="never")
def network_grad(x, p, out):
    """Backpropagation over the full training batch (module docstring); returns ``||∇f||²``."""
    n = int(p[1])
    d_in, d_out, width, depth, act, eps, flags = _architecture(p)
    x_off = int(p[11])
    y_off = int(p[12])
    d = int(p[15])
    m = max(d_in, width, d_out)
    # H[l] = a_l (H[0] the inputs, H[depth] the predictions), U[l] = u_l, R[l] = r_l. With the
    # identity activation u_l = a_l and U is H itself.
    H = np.empty((depth + 1, m, n))
    U = H if act == 0 else np.empty((depth + 1, m, n))
    R = np.empty((depth + 1, n))
    for i in range(n):
        for k in range(d_in):
            H[0, k, i] = p[x_off + i * d_in + k]
    off = 0
    n_in = d_in
    for layer in range(1, depth + 1):
        n_out = d_out if layer == depth else width
        _affine_normalize(x, off, n_in, n_out, n, H[layer - 1], U[layer], R[layer], p[flags + layer - 1] != 0.0,
                          eps)
        if act == 1:
            for j in range(n_out):
                u = U[layer, j]
                h = H[layer, j]
                if layer < depth:
                    for i in range(n):
                        h[i] = math.tanh(u[i])
                else:
                    for i in range(n):
                        h[i] = u[i]
        off += n_out * n_in
        n_in = n_out

    # Backward: G holds ∂f/∂u_l, then ∂f/∂z_l; Ga holds ∂f/∂a_{l−1}.
    G = np.empty((m, n))
    Ga = np.empty((m, n))
    dot = np.empty(n)
    c = p[8] / n
    for i in range(n):
        for j in range(d_out):
            G[j, i] = c * (H[depth, j, i] - p[y_off + i * d_out + j])
    sq = 0.0
    end = d
    n_out = d_out
    for layer in range(depth, 0, -1):
        n_in = d_in if layer == 1 else width
        off = end - n_out * n_in
        if layer < depth:
            for j in range(n_out):
                g = G[j]
                ga = Ga[j]
                if act == 1:
                    h = H[layer, j]
                    for i in range(n):
                        g[i] = ga[i] * (1.0 - h[i] * h[i])
                else:
                    for i in range(n):
                        g[i] = ga[i]
        if p[flags + layer - 1] != 0.0:
            # ∂f/∂z = (g_u − u (u·g_u)/n_l) / r, per sample
            for i in range(n):
                dot[i] = 0.0
            for j in range(n_out):
                u = U[layer, j]
                g = G[j]
                for i in range(n):
                    dot[i] += u[i] * g[i]
            r = R[layer]
            for i in range(n):
                dot[i] /= n_out
            for j in range(n_out):
                u = U[layer, j]
                g = G[j]
                for i in range(n):
                    g[i] = (g[i] - u[i] * dot[i]) / r[i]
        for j in range(n_out):
            g = G[j]
            base = off + j * n_in
            for k in range(n_in):
                a = H[layer - 1, k]
                acc = 0.0
                for i in range(n):
                    acc += g[i] * a[i]
                out[base + k] = acc
                sq += acc * acc
        if layer > 1:
            for k in range(n_in):
                ga = Ga[k]
                for i in range(n):
                    ga[i] = 0.0
            for j in range(n_out):
                g = G[j]
                base = off + j * n_in
                for k in range(n_in):
                    w = x[base + k]
                    ga = Ga[k]
                    for i in range(n):
                        ga[i] += w * g[i]
        end = off
        n_out = n_in
    return sq


# --------------------------------------------------------------------------------------------
# Data, layout and constructors.


def _rng(seed: int, role: int) -> np.random.Generator:
    return np.random.default_rng([STREAM_TAG, seed, role])


def make_data(n_train: int, n_test: int, input_dim: int, output_dim: int, teacher_depth: int, label_noise: float,
              seed: int):
    """``(X_train, Y_train, X_test, Y_test, M)``: the teacher-student data (module docstring)."""
    teacher_rng = _rng(seed, 0)
    M = np.eye(input_dim)
    for k in range(teacher_depth):
        rows = output_dim if k == teacher_depth - 1 else input_dim
        M = (teacher_rng.standard_normal((rows, input_dim)) / math.sqrt(input_dim)) @ M
    M *= math.sqrt(output_dim) / np.linalg.norm(M)
    out = []
    for role, n in ((1, n_train), (2, n_test)):
        rows = _rng(seed, role).standard_normal((n, input_dim + output_dim))
        X = np.ascontiguousarray(rows[:, :input_dim])
        out += [X, np.ascontiguousarray(X @ M.T + label_noise * rows[:, input_dim:])]
    return (*out, M)


def layer_shapes(depth: int, width: int, input_dim: int, output_dim: int) -> list[tuple[int, int]]:
    """``[(n_l, n_{l−1}) for l = 1..L]``."""
    dims = [input_dim] + [width] * (depth - 1) + [output_dim]
    return [(dims[l + 1], dims[l]) for l in range(depth)]


def normalized_layers(normalization, depth: int) -> list[int]:
    """The 1-based indices of the normalized layers for a ``normalization`` option."""
    if isinstance(normalization, str):
        check_choice("normalization", normalization, NORMALIZATIONS)
        return {"none": [], "all": list(range(1, depth)), "mixed": list(range(1, depth, 2))}[normalization]
    if not isinstance(normalization, (list, tuple, np.ndarray)):
        raise TypeError(f"normalization must be one of {NORMALIZATIONS} or a list of layer indices, "
                        f"got {normalization!r}")
    if not all(isinstance(v, (numbers.Integral, np.integer)) and not isinstance(v, (bool, np.bool_))
               for v in normalization):
        raise TypeError(f"normalization layer indices must be integers, got {normalization!r}")
    layers = [int(v) for v in normalization]
    if len(set(layers)) != len(layers) or any(not 1 <= v <= depth - 1 for v in layers):
        raise ValueError(f"normalization layers must be distinct hidden-layer indices in 1..{depth - 1} "
                         f"(the output layer {depth} is never normalized), got {normalization!r}")
    return sorted(layers)


def initial_weights(depth: int, width: int, gain, init_seed: int, input_dim: int = DEFAULT_INPUT_DIM,
                    output_dim: int = DEFAULT_OUTPUT_DIM) -> np.ndarray:
    """The default start: ``W_l`` entries ``N(0, (g_l/√n_{l−1})²)``, concatenated row-major.

    ``gain`` is one number or one per layer (length ``depth``).
    """
    gains = np.broadcast_to(np.asarray(gain, dtype=np.float64), (depth,))
    rng = _rng(init_seed, 3)
    return np.concatenate([(g / math.sqrt(cols)) * rng.standard_normal((rows, cols)).ravel()
                           for g, (rows, cols) in zip(gains, layer_shapes(depth, width, input_dim, output_dim))])


def _low_rank_fit_value(X, Y, rank: int, s: float) -> tuple[float, float]:
    """``(s/(2n)) min_{rank B <= rank} ||Y − X B||²`` and the unconstrained value (rank = ∞).

    With ``P`` the projection on range(X): ``{XB : rank B <= k}`` is the set of rank-``<= k``
    matrices in range(X), so the minimum is ``||Y − PY||² + Σ_{j>k} σ_j(PY)²`` (Pythagoras, then
    Eckart-Young on ``PY``, which lies in range(X)).
    """
    n = X.shape[0]
    B, *_ = np.linalg.lstsq(X, Y, rcond=None)
    fit = X @ B
    base = float(np.sum((Y - fit) ** 2))
    sv = np.linalg.svd(fit, compute_uv=False)
    return 0.5 * s * (base + float(np.sum(sv[rank:] ** 2))) / n, 0.5 * s * base / n


def _network(kind: str, depth, width, gain, normalization, loss_multiplier, seed, init_seed, n_train, n_test,
             input_dim, output_dim, teacher_depth, label_noise, norm_eps, x0) -> Objective:
    depth = check_positive_int("depth", depth, minimum=2)
    width = check_positive_int("width", width)
    if isinstance(gain, (list, tuple, np.ndarray)):
        gain = check_vector("gain", gain, depth)
        if np.any(gain <= 0):
            raise ValueError("gain must be positive (one number or one per layer)")
        gain = gain.tolist()
    else:
        gain = check_finite_positive("gain", gain)
    s = check_finite_positive("loss_multiplier", loss_multiplier)
    seed = check_positive_int("seed", seed, minimum=0)
    init_seed = seed if init_seed is None else check_positive_int("init_seed", init_seed, minimum=0)
    n_train = check_positive_int("n_train", n_train)
    n_test = check_positive_int("n_test", n_test)
    input_dim = check_positive_int("input_dim", input_dim)
    output_dim = check_positive_int("output_dim", output_dim)
    teacher_depth = check_positive_int("teacher_depth", teacher_depth)
    sigma = check_in_range("label_noise", label_noise, 0.0, math.inf)
    eps = check_in_range("norm_eps", norm_eps, 0.0, math.inf)
    normed = normalized_layers(normalization, depth)
    act = ACTIVATIONS["identity" if kind == "deep_linear" else "tanh"]

    shapes = layer_shapes(depth, width, input_dim, output_dim)
    dim = sum(r * c for r, c in shapes)
    X, Y, X_test, Y_test, M = make_data(n_train, n_test, input_dim, output_dim, teacher_depth, sigma, seed)
    flags = np.zeros(depth)
    flags[np.asarray(normed, dtype=np.int64) - 1] = 1.0
    offsets = np.cumsum([HEADER, depth, n_train * input_dim, n_train * output_dim, n_test * input_dim])
    header = np.array([LAYOUT_VERSION, n_train, n_test, input_dim, output_dim, width, depth, act, s, eps, *offsets,
                       dim], dtype=np.float64)
    params = np.concatenate([header, flags, X.ravel(), Y.ravel(), X_test.ravel(), Y_test.ravel()])
    if x0 is None:
        start = initial_weights(depth, width, gain, init_seed, input_dim, output_dim)
    else:
        start = np.asarray(x0, dtype=np.float64)
        if start.shape != (dim,):
            raise ValueError(f"x0 must have length {dim} (the number of weights), got shape {start.shape}")

    bottleneck = min(input_dim, width, output_dim)
    f_rank, f_linear = _low_rank_fit_value(X, Y, bottleneck, s)
    exact = kind == "deep_linear" and not normed
    teacher_sv = np.linalg.svd(M, compute_uv=False)
    extra = {
        "linear_fit_value": Constant(f_linear, "standard",
                                     "s/(2n) min_B ||Y − X B||² (least squares): f of the best linear predictor; "
                                     "a lower bound only for the deep linear network without normalization"),
        "test_mse_teacher": Constant(sigma * sigma, "standard",
                                     "per-coordinate held-out MSE of the teacher, E (y_j − (M x)_j)² = σ²"),
        "teacher_condition_number": Constant(float(teacher_sv[0] / teacher_sv[-1]), "numerical",
                                             "σ_max/σ_min of the teacher map M"),
    }
    if exact:
        extra["f_star"] = Constant(f_rank, "derived",
                                        f"end-to-end map W_L⋯W_1 ranges over all matrices of rank <= {bottleneck}: "
                                        "f* = reduced-rank least squares (networks._low_rank_fit_value), attained")
    else:
        extra["f_star"] = Constant(0.0, "standard", "f* unknown: 0 is a lower bound (f >= 0)")
    constants = Constants(
        f_star=f_rank if exact else 0.0,
        properties={"l_smooth": False, "pl": False, "convex": False, "f_star_exact": exact},
        extra=extra,
    )
    options = {"depth": depth, "width": width, "gain": gain,
               "normalization": normalization if isinstance(normalization, str) else list(normed),
               "loss_multiplier": s, "seed": seed, "init_seed": init_seed, "n_train": n_train, "n_test": n_test,
               "input_dim": input_dim, "output_dim": output_dim, "teacher_depth": teacher_depth,
               "label_noise": sigma, "norm_eps": eps}
    phi = "" if act == 0 else "tanh ∘ "
    return Objective(kind, network_value, network_grad, params, dim, constants, start, options=options,
                     description=f"s/(2n) Σ ||W_L {phi}N(W_(L−1) ⋯ {phi}N(W_1 x)) − y||², teacher-student, "
                                 f"{len(normed)} of {depth} layers normalized")


_CONSTRUCTOR_DOC = """{title}

    ``f(W) = s/(2n) Σ_i ||ŷ(x_i) − y_i||²`` with {model}; layers, normalization, the layout of
    ``x`` and ``p`` and the data/initialisation streams are in the module docstring.

    Constants. {fstar} Not globally L-smooth (the Hessian grows with the weights, e.g. the
    block of ``W_1`` scales with ``||W_2||²`` at depth 2), not convex, not globally PL (a
    saddle at ``W = 0``, where the gradient vanishes and ``f > f*`` when the teacher is
    non-zero). ``properties["f_star_exact"]`` says whether ``f*`` is the infimum. Extra:
    ``linear_fit_value`` (least squares over linear maps), ``test_mse_teacher`` (``σ²``, the
    held-out floor of :func:`test_loss`), ``teacher_condition_number``.

    Parameters
    ----------
    depth : int
        Number of weight matrices ``L >= 2``.
    width : int
        Hidden width (default 16).
    gain : float or sequence of float
        Initialisation gain ``g`` (entries ``N(0, (g/√fan_in)²)``), or one gain per layer
        (module docstring: per-layer gradient scales).
    normalization : {{"none", "all", "mixed"}} or list of int
        Which hidden layers are normalized (module docstring).
    loss_multiplier : float
        ``s > 0``.
    seed : int
        Data seed (and default ``init_seed``).
    init_seed : int, optional
        Seed of the initial weights ``x0``.
    n_train, n_test, input_dim, output_dim, teacher_depth, label_noise
        Data sizes, teacher depth and label noise standard deviation (A5 defaults).
    norm_eps : float
        ``eps >= 0`` inside the RMS (0: exact scale invariance of normalized layers).
    x0 : array_like, optional
        Start instead of the seeded initialisation.
    """


def deep_linear(depth: int, width: int = DEFAULT_WIDTH, gain=1.0, normalization="none",
                loss_multiplier: float = 1.0, seed: int = 0, init_seed: int | None = None,
                n_train: int = DEFAULT_N_TRAIN, n_test: int = DEFAULT_N_TEST, input_dim: int = DEFAULT_INPUT_DIM,
                output_dim: int = DEFAULT_OUTPUT_DIM, teacher_depth: int = DEFAULT_TEACHER_DEPTH,
                label_noise: float = DEFAULT_LABEL_NOISE, norm_eps: float = 0.0, x0=None) -> Objective:
    return _network("deep_linear", depth, width, gain, normalization, loss_multiplier, seed, init_seed, n_train,
                    n_test, input_dim, output_dim, teacher_depth, label_noise, norm_eps, x0)


def tanh_mlp(depth: int, width: int = DEFAULT_WIDTH, gain=1.0, normalization="none",
             loss_multiplier: float = 1.0, seed: int = 0, init_seed: int | None = None,
             n_train: int = DEFAULT_N_TRAIN, n_test: int = DEFAULT_N_TEST, input_dim: int = DEFAULT_INPUT_DIM,
             output_dim: int = DEFAULT_OUTPUT_DIM, teacher_depth: int = DEFAULT_TEACHER_DEPTH,
             label_noise: float = DEFAULT_LABEL_NOISE, norm_eps: float = 0.0, x0=None) -> Objective:
    return _network("tanh_mlp", depth, width, gain, normalization, loss_multiplier, seed, init_seed, n_train,
                    n_test, input_dim, output_dim, teacher_depth, label_noise, norm_eps, x0)


deep_linear.__doc__ = _CONSTRUCTOR_DOC.format(
    title="Deep linear network ``ŷ = W_L N(W_{L−1} ⋯ N(W_1 x))`` on teacher-student data (spec A5).",
    model="the identity activation",
    fstar=("Without normalization ``f*`` is exact (source: derived): the end-to-end map "
           "``W_L ⋯ W_1`` ranges over all matrices of rank ``<= k = min(input_dim, width, "
           "output_dim)`` (factor ``B = B·I⋯I``), so ``f*`` is the reduced-rank least-squares "
           "value ``s/(2n)(||Y − PY||² + Σ_{j>k} σ_j(PY)²)`` and is attained. With normalized "
           "layers the map is no longer linear in ``x`` and ``f* = 0`` is only a lower bound."))
tanh_mlp.__doc__ = _CONSTRUCTOR_DOC.format(
    title="tanh MLP ``ŷ = W_L tanh(N(W_{L−1} ⋯ tanh(N(W_1 x))))`` on teacher-student data (spec A5).",
    model="``φ = tanh`` after every hidden layer (not after the output layer)",
    fstar="``f*`` is unknown; ``f_star = 0`` is a lower bound.")


# --------------------------------------------------------------------------------------------
# Plain-Python statistics (numpy).


def _check_network(objective: Objective) -> None:
    if objective.name not in ("deep_linear", "tanh_mlp") or int(objective.params[0]) != LAYOUT_VERSION:
        raise ValueError(f"expected a deep_linear or tanh_mlp objective, got {objective.label()}")


def layer_slices(objective: Objective) -> list[slice]:
    """``[slice of W_l in x for l = 1..L]`` (each block is row-major of shape ``(n_l, n_{l−1})``)."""
    _check_network(objective)
    p = objective.params
    depth, width, d_in, d_out = int(p[6]), int(p[5]), int(p[3]), int(p[4])
    sizes = [r * c for r, c in layer_shapes(depth, width, d_in, d_out)]
    edges = np.concatenate([[0], np.cumsum(sizes)])
    return [slice(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:])]


def layer_weights(objective: Objective, x) -> list[np.ndarray]:
    """The weight matrices ``[W_1, …, W_L]`` of a point ``x`` of shape (d,) (views)."""
    arr = objective._point(x)
    if arr.ndim != 1:
        raise ValueError("layer_weights takes one point of shape (d,)")
    p = objective.params
    shapes = layer_shapes(int(p[6]), int(p[5]), int(p[3]), int(p[4]))
    return [arr[sl].reshape(shape) for sl, shape in zip(layer_slices(objective), shapes)]


def layer_gradient_norms(objective: Objective, x) -> np.ndarray:
    """``[||∇_{W_l} f(x)||_F for l = 1..L]``; shape (L,) for ``x`` (d,), (S, L) for (S, d)."""
    slices = layer_slices(objective)
    g = objective.grad(x)
    return np.stack([np.linalg.norm(g[..., sl], axis=-1) for sl in slices], axis=-1)


def gradient_scale_spread(objective: Objective, x) -> float | np.ndarray:
    """``max_l ||∇_{W_l} f|| / min_l ||∇_{W_l} f||`` (spec A5); a float or an array of S values."""
    norms = layer_gradient_norms(objective, x)
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = norms.max(axis=-1) / norms.min(axis=-1)
    return float(spread) if np.ndim(spread) == 0 else spread


def test_loss(objective: Objective, x) -> float | np.ndarray:
    """Held-out mean squared error per output coordinate, ``(1/(n_test d_out)) Σ_i ||ŷ_i − y_i||²``.

    No loss multiplier and no ½, so values compare across ``s`` and with ``σ²``
    (``constants.extra["test_mse_teacher"]``). Also accepts a ``ridge_regression`` objective
    (delegates to :func:`synthetic.regression.test_loss`). ``x`` (d,) gives a float, (S, d) an
    array.
    """
    if objective.name == "ridge_regression":
        return regression.test_loss(objective, x)
    _check_network(objective)
    arr = objective._point(x)
    p = objective.params
    n_test, d_out = int(p[2]), int(p[4])
    rows = np.atleast_2d(arr)
    values = np.array([network_sse(row, p, int(p[13]), int(p[14]), n_test) for row in rows]) / (n_test * d_out)
    return float(values[0]) if arr.ndim == 1 else values


test_loss.__test__ = False  # not a pytest test, despite its name


class Log2Histogram(NamedTuple):
    """Histogram of ``floor(log2 |v|)`` (the authors' tool S3).

    Attributes
    ----------
    exponents : ndarray of int
        Bin ``k`` holds ``|v|`` in ``[2^k, 2^(k+1))``; from ``floor(log2 lo)`` to ``floor(log2 hi)``.
    counts : ndarray of int
        Values per bin (after clipping ``|v|`` to ``[lo, hi]``).
    proportions : ndarray
        ``counts / counts.sum()`` (what S3 plots); all zeros when there is no finite value.
    n_dropped : int
        NaN values left out (a diverged run), which S3 does not handle.
    """

    exponents: np.ndarray
    counts: np.ndarray
    proportions: np.ndarray
    n_dropped: int


def log2_histogram(values, lo: float = HIST_LO, hi: float = HIST_HI) -> Log2Histogram:
    """Pool ``|values|``, clip to ``[lo, hi]``, bin by ``floor(log2 |v|)`` (S3, ``bucketize``).

    As in S3, values below ``lo`` (zeros included) land in the lowest bin and values above
    ``hi`` (and ``±inf``) in the highest; NaN is dropped and counted. One deviation: the
    exponent is ``numpy.log2`` (exact at powers of two) where S3 uses ``log(v)/log(2)``, which
    can put a value of exactly ``2^k`` into bin ``k − 1``.
    """
    lo = check_finite_positive("lo", lo)
    hi = check_finite_positive("hi", hi)
    if not lo < hi:
        raise ValueError(f"lo must be smaller than hi, got lo={lo!r}, hi={hi!r}")
    v = np.abs(np.asarray(values, dtype=np.float64)).ravel()
    nan = np.isnan(v)
    v = np.clip(v[~nan], lo, hi)
    k_lo, k_hi = math.floor(math.log2(lo)), math.floor(math.log2(hi))
    exponents = np.arange(k_lo, k_hi + 1)
    counts = np.bincount(np.floor(np.log2(v)).astype(np.int64) - k_lo, minlength=exponents.size)
    total = counts.sum()
    proportions = counts / total if total else np.zeros(exponents.size)
    return Log2Histogram(exponents, counts, proportions, int(nan.sum()))


def gradient_histogram(objective: Objective, x, lo: float = HIST_LO, hi: float = HIST_HI) -> Log2Histogram:
    """:func:`log2_histogram` of ``|∇f(x)|`` pooled over all layers (and all rows of ``x``)."""
    return log2_histogram(objective.grad(x), lo, hi)


def updates_from_iterates(iterates, eta0: float) -> np.ndarray:
    """``(x_{k+1} − x_k) / η0`` between consecutive recorded iterates (S3's "update/η0").

    ``iterates`` is ``Result.iterates`` (shape (S, K, d)) or one trajectory (K, d); the result
    has one fewer entry on the checkpoint axis. For S3's one-step updates, record consecutive
    checkpoints (e.g. ``checkpoints=[999, 1000]``): otherwise the difference spans several steps.
    """
    eta0 = check_finite_positive("eta0", eta0)
    arr = np.asarray(iterates, dtype=np.float64)
    if arr.ndim not in (2, 3) or arr.shape[-2] < 2:
        raise ValueError(f"iterates must have shape (K, d) or (S, K, d) with K >= 2, got {arr.shape}")
    return np.diff(arr, axis=-2) / eta0


def update_histogram(iterates, eta0: float, lo: float = HIST_LO, hi: float = HIST_HI) -> Log2Histogram:
    """:func:`log2_histogram` of ``|update|/η0`` from recorded iterates (:func:`updates_from_iterates`)."""
    return log2_histogram(updates_from_iterates(iterates, eta0), lo, hi)


#: Constructors by name, for the lead to register (``synthetic.objectives.OBJECTIVES``).
NETWORK_OBJECTIVES = {
    "deep_linear": deep_linear,
    "tanh_mlp": tanh_mlp,
    "ridge_regression": regression.ridge_regression,
}
