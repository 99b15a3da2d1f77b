"""Clipped and normalized SGD: the baselines of Generalized SignSGD (spec B.2).

All norms are global Euclidean norms over the whole iterate (one norm, not one per coordinate or
block). None of these methods is scale-free (spec A.4): rescaling the gradient by a non-uniform
``c > 0`` changes the direction of the global norm's ball. The normalized methods are invariant
to a *global* scalar ``c > 0`` (exactly for the EMA form, up to the ``1e-10`` guard for the
authors' form); clipped SGD is not, unless the clipping is active at every step.

Theory-paper forms
------------------
``clipped_sgd`` (Zhang, He, Sra and Jadbabaie, *Why gradient clipping accelerates training*,
ICLR 2020, arXiv 1905.11881, "Zhang et al. 2020a" in the spec)::

    η'_t = min(η_t, γ/||g_t||),   x_{t+1} = x_t − η'_t g_t

i.e. the step is ``η_t g_t`` scaled by ``min{1, γ/(η_t ||g_t||)}``, so ``||Δx|| <= γ``. A zero
gradient gives ``γ/0 = inf``, ``η'_t = η_t`` and no move.

``normalized_sgd_ema`` (Cutkosky and Mehta, *Momentum improves normalized SGD*, ICML 2020,
arXiv 2002.03305), EMA momentum::

    m_0 = 0,   m_t = β m_{t−1} + (1 − β) g_t,   x_{t+1} = x_t − η_t m_t/||m_t||

(``m_t = 0`` gives no move). Every step has length exactly ``η_t``.

The authors' implementations (spec S7)
--------------------------------------
``clipped_sgd_momentum`` is ``SGDClipGrad`` (``zhenxun-zhuang/Generalized-SignSGD``,
``penntreebank/sgd_clip.py``, whose docstring cites Zhang, Jin, Fang and Wang, *Improved analysis
of clipping algorithms for non-convex optimization*, NeurIPS 2020, arXiv 2010.02519);
``normalized_sgd_momentum`` is ``SGDNormalized`` (``cifar10/sgd_normalized.py``). Both use the
PyTorch momentum buffer of ``torch.optim.SGD``::

    b_1 = g_1,   b_t = μ b_{t−1} + (1 − δ) g_t   (t >= 2);   b_t = g_t for all t if μ = 0
    clipped_sgd_momentum:     η'_t = min(η_t, γ/(||b_t|| + 1e-10)),   x_{t+1} = x_t − η'_t b_t
    normalized_sgd_momentum:  x_{t+1} = x_t − η_t b_t/(||b_t|| + 1e-10)

The first buffer is the gradient itself (PyTorch's initialisation, not ``(1 − δ) g_1``), and the
constant ``1e-10`` (:data:`NORM_GUARD`) is hard-coded in both of the authors' files; spec B.2
writes both updates without these details. Weight decay and Nesterov momentum of the authors'
classes are not included (both default to off there).

Momentum conventions
--------------------
The PyTorch buffer with δ = 0 is the EMA divided by ``1 − μ``: ``b_t = m_t/(1 − μ)`` for
``m_t = μ m_{t−1} + (1 − μ) g_t``, ``m_0 = 0``. Normalization removes the factor, so
``normalized_sgd_momentum`` with δ = 0 is ``normalized_sgd_ema`` with β = μ (up to the guard);
clipping does not: ``clipped_sgd_momentum`` moves like an EMA method with step ``η_t/(1 − μ)``
until the clipping threshold γ caps the step length. State a rate curve's convention with it.

Symbols and arguments: η_t = the schedule's value, γ = ``gamma``, β and μ = ``momentum``,
δ = ``dampening``. Recorded step size: the clipped scalar ``η'_t`` for the clipping methods and
``η_t`` (the step length) for the normalized ones.

``gamma`` must be finite (the registry's hyper-parameters are finite numbers); ``gamma = 1e300``
acts as no clipping: ``min(η_t, 1e300/||g||) = η_t`` unless ``||g|| > 1e300/η_t``, and
``clipped_sgd`` then equals ``sgd`` to the last bit.
"""

from __future__ import annotations

import math

from adaptopt._jit import jit
from adaptopt.algorithms.base import Algorithm, Hyper

#: The ``1e-10`` added to the buffer norm in the authors' ``SGDClipGrad`` and ``SGDNormalized``.
NORM_GUARD = 1e-10


@jit
def clipping_no_state_init(x, hyper, vec, scal):
    """Initialiser of the clipped/normalized methods: the state starts at zero (engine zero-fills it)."""


@jit
def _pytorch_buffer(t, momentum, dampening, g, buf):
    """``buf`` ← the PyTorch momentum buffer of round ``t``; returns ``||buf||²``."""
    sq = 0.0
    if momentum == 0.0 or t == 1:
        for i in range(g.size):
            buf[i] = g[i]
            sq += buf[i] * buf[i]
    else:
        for i in range(g.size):
            buf[i] = momentum * buf[i] + (1.0 - dampening) * g[i]
            sq += buf[i] * buf[i]
    return sq


@jit
def clipped_sgd_step(t, eta, x, g, g2, hyper, vec, scal):
    gamma = hyper[0]
    sq = 0.0
    for i in range(x.size):
        sq += g[i] * g[i]
    step = min(eta, gamma / math.sqrt(sq))
    for i in range(x.size):
        x[i] -= step * g[i]
    return step


@jit
def clipped_sgd_momentum_step(t, eta, x, g, g2, hyper, vec, scal):
    momentum = hyper[0]
    dampening = hyper[1]
    gamma = hyper[2]
    buf = vec[0]
    sq = _pytorch_buffer(t, momentum, dampening, g, buf)
    step = min(eta, gamma / (math.sqrt(sq) + NORM_GUARD))
    for i in range(x.size):
        x[i] -= step * buf[i]
    return step


@jit
def normalized_sgd_ema_step(t, eta, x, g, g2, hyper, vec, scal):
    beta = hyper[0]
    m = vec[0]
    sq = 0.0
    for i in range(x.size):
        m[i] = beta * m[i] + (1.0 - beta) * g[i]
        sq += m[i] * m[i]
    if sq != 0.0:
        scale = eta / math.sqrt(sq)
        for i in range(x.size):
            x[i] -= scale * m[i]
    return eta


@jit
def normalized_sgd_momentum_step(t, eta, x, g, g2, hyper, vec, scal):
    momentum = hyper[0]
    dampening = hyper[1]
    buf = vec[0]
    sq = _pytorch_buffer(t, momentum, dampening, g, buf)
    scale = eta / (math.sqrt(sq) + NORM_GUARD)
    for i in range(x.size):
        x[i] -= scale * buf[i]
    return eta


_GAMMA = Hyper("gamma", 1.0, 0.0, math.inf, low_open=True,
               doc="γ > 0, bound on the step length ||Δx|| (finite; 1e300 = no clipping)")
_MOMENTUM = Hyper("momentum", 0.9, 0.0, 1.0, high_open=True, doc="μ, momentum coefficient")
_DAMPENING = Hyper("dampening", 0.0, 0.0, 1.0, doc="δ, PyTorch dampening: b ← μ b + (1 − δ) g after the first step")

CLIPPED_SGD = Algorithm(
    "clipped_sgd", clipping_no_state_init, clipped_sgd_step, hypers=(_GAMMA,),
    summary="x ← x − min(η_t, γ/||g||) g  (Zhang et al. 2020a)",
)
CLIPPED_SGD_MOMENTUM = Algorithm(
    "clipped_sgd_momentum", clipping_no_state_init, clipped_sgd_momentum_step,
    hypers=(_MOMENTUM, _DAMPENING, _GAMMA), n_state_vectors=1,
    summary="b ← μ b + (1−δ) g (b_1 = g);  x ← x − min(η_t, γ/(||b|| + 1e-10)) b  (authors' SGDClipGrad)",
)
NORMALIZED_SGD_EMA = Algorithm(
    "normalized_sgd_ema", clipping_no_state_init, normalized_sgd_ema_step,
    hypers=(Hyper("momentum", 0.9, 0.0, 1.0, high_open=True, doc="β, EMA momentum coefficient"),),
    n_state_vectors=1,
    summary="m ← β m + (1 − β) g;  x ← x − η_t m/||m||  (Cutkosky & Mehta 2020)",
)
NORMALIZED_SGD_MOMENTUM = Algorithm(
    "normalized_sgd_momentum", clipping_no_state_init, normalized_sgd_momentum_step,
    hypers=(_MOMENTUM, _DAMPENING), n_state_vectors=1,
    summary="b ← μ b + (1−δ) g (b_1 = g);  x ← x − η_t b/(||b|| + 1e-10)  (authors' SGDNormalized)",
)
