"""Sign methods: SignSGD, Signum and Generalized SignSGD (spec scale_free_and_relaxed_smoothness.md B.1).

All three move every coordinate by a step of bounded length whatever the size of the gradient,
and all three are scale-free when ε = 0 (spec A.4): feeding ``c ⊙ g`` for a fixed ``c > 0``
(coordinate-wise) yields the same iterates as feeding ``g``.

SignSGD and Signum (Bernstein, Wang, Azizzadenesheli and Anandkumar, *signSGD: compressed
optimisation for non-convex problems*, ICML 2018, arXiv 1802.04434)::

    signsgd:  x_{t+1} = x_t − η_t sign(g_t)
    signum:   m_0 = 0,   m_t = β m_{t−1} + (1 − β) g_t,   x_{t+1} = x_t − η_t sign(m_t)

with ``sign(0) = 0``. Signum's momentum is the EMA form (it is the sign that matters, so the
heavy-ball form ``m_t = β m_{t−1} + g_t`` gives the same iterates: it is the EMA times
``1/(1 − β)``).

Generalized SignSGD (Crawshaw, Liu, Orabona, Zhang and Zhuang, *Robustness to Unbounded
Smoothness of Generalized SignSGD*, NeurIPS 2022, arXiv 2208.11195), in the form of the authors'
code (``zhenxun-zhuang/Generalized-SignSGD``, ``cifar10/generalized_signsgd.py``, spec S6)::

    m_0 = 0,  v_0 = 0
    g̃_t = g_t + λ x_t                              (coupled L2 weight decay; λ = 0 by default)
    m_t = β1 m_{t−1} + (1 − β1) g̃_t
    v_t = β2 v_{t−1} + (1 − β2) m_t²                (squares the MOMENTUM m_t, uncorrected, not g_t)
    m̂_t = m_t / (1 − β1^t),  v̂_t = v_t / (1 − β2^t)  if bias_correction = 1, else m̂_t = m_t, v̂_t = v_t
    u_t = m̂_t / (sqrt(v̂_t) + ε)                    (0/0 := 0, which can only occur when ε = 0)
    x_{t+1} = x_t − η_t u_t

β2 = 0 gives ``u_t = m_t/(|m_t| + ε)``, i.e. Signum for ε = 0; β1 = β2 = 0 gives SignSGD. As
β2 → 1 the method resembles Adam, with an EMA of ``m²`` in place of an EMA of ``g²``.

Implicit per-coordinate clipping (spec B.1, derived there): ``v_t >= (1 − β2) m_t²`` so, with
ε = 0 and no bias correction, ``|Δx_{t,i}| = η_t |u_{t,i}| <= η_t / sqrt(1 − β2)``, with equality
at ``t = 1`` wherever ``g_{1,i} != 0`` (``v_1 = (1 − β2) m_1²``): a warm-up spike of
``31.6 η`` at β2 = 0.999. ε > 0 only shrinks the step. Caveat: with ``bias_correction = 1`` the
bound does not hold as stated: the first step is ``η_1/(1 − β1)`` per coordinate (10 η at
β1 = 0.9), because ``m_1 = (1 − β1) g_1`` is divided by ``1 − β1`` while ``v`` (an EMA of ``m²``,
not of ``g²``) is corrected by ``1 − β2``. The authors' default and experiments use no correction.

The state scalar ``max_step_ratio`` is the running maximum over rounds and coordinates of
``|u_{t,i}| = |Δx_{t,i}|/η_t`` (0 before the first step); the engine records it at every
checkpoint as ``state_max_step_ratio``, so the bound ``1/sqrt(1 − β2)`` can be checked from a
run.

Symbols and arguments: η_t = the schedule's value (the step size recorded by the engine for all
three methods), β = ``momentum``, β1 = ``beta1``, β2 = ``beta2``, ε = ``eps`` (added *outside*
the square root, as in PyTorch's Adam), λ = ``weight_decay``, bias correction = ``bias_correction``
(0 or 1).
"""

from __future__ import annotations

import math

from adaptopt._jit import jit
from adaptopt.algorithms.base import Algorithm, Hyper


@jit
def _sign(v):
    """sign(v) with sign(0) = 0 (and NaN passed through, as ``np.sign``)."""
    if v > 0.0:
        return 1.0
    if v < 0.0:
        return -1.0
    return v


@jit
def sign_no_state_init(x, hyper, vec, scal):
    """Initialiser of the sign methods: the state starts at zero (the engine zero-fills it)."""


@jit
def signsgd_step(t, eta, x, g, g2, hyper, vec, scal):
    for i in range(x.size):
        x[i] -= eta * _sign(g[i])
    return eta


@jit
def signum_step(t, eta, x, g, g2, hyper, vec, scal):
    beta = hyper[0]
    m = vec[0]
    for i in range(x.size):
        m[i] = beta * m[i] + (1.0 - beta) * g[i]
        x[i] -= eta * _sign(m[i])
    return eta


@jit
def generalized_signsgd_step(t, eta, x, g, g2, hyper, vec, scal):
    beta1 = hyper[0]
    beta2 = hyper[1]
    eps = hyper[2]
    weight_decay = hyper[3]
    correct = hyper[4] != 0.0
    bc1 = 1.0
    bc2 = 1.0
    if correct:
        bc1 = 1.0 - beta1 ** float(t)
        bc2 = 1.0 - beta2 ** float(t)
    m = vec[0]
    v = vec[1]
    ratio = scal[0]
    for i in range(x.size):
        gi = g[i] + weight_decay * x[i]
        m[i] = beta1 * m[i] + (1.0 - beta1) * gi
        v[i] = beta2 * v[i] + (1.0 - beta2) * m[i] * m[i]
        denom = math.sqrt(v[i] / bc2) + eps
        u = 0.0
        if denom != 0.0:
            u = (m[i] / bc1) / denom
        a = abs(u)
        if a > ratio:
            ratio = a
        x[i] -= eta * u
    scal[0] = ratio
    return eta


_BETA = dict(low=0.0, high=1.0, high_open=True)
_NONNEGATIVE = dict(low=0.0, high=math.inf)

SIGNSGD = Algorithm(
    "signsgd", sign_no_state_init, signsgd_step,
    summary="x ← x − η_t sign(g)  (sign(0) = 0; Bernstein et al. 2018)",
)
SIGNUM = Algorithm(
    "signum", sign_no_state_init, signum_step,
    hypers=(Hyper("momentum", 0.9, doc="β, EMA momentum coefficient", **_BETA),),
    n_state_vectors=1,
    summary="m ← β m + (1 − β) g;  x ← x − η_t sign(m)  (Bernstein et al. 2018)",
)
GENERALIZED_SIGNSGD = Algorithm(
    "generalized_signsgd", sign_no_state_init, generalized_signsgd_step,
    hypers=(
        Hyper("beta1", 0.9, doc="β1, EMA coefficient of the momentum m", **_BETA),
        Hyper("beta2", 0.999, doc="β2, EMA coefficient of v, an average of m² (0 = Signum)", **_BETA),
        Hyper("eps", 1e-8, doc="ε, added outside the square root (0 = exactly scale-free)", **_NONNEGATIVE),
        Hyper("weight_decay", 0.0, doc="λ, coupled L2 decay g ← g + λx (breaks scale-freeness)", **_NONNEGATIVE),
        Hyper("bias_correction", 0.0, 0.0, 1.0, choices=(0.0, 1.0),
              doc="1: m̂ = m/(1 − β1^t), v̂ = v/(1 − β2^t); 0 (default, the authors' experiments): none"),
    ),
    n_state_vectors=2, n_state_scalars=1, state_names=("max_step_ratio",),
    summary="m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) m²;  x ← x − η_t m̂/(√v̂ + ε)  (Crawshaw et al. 2022)",
)
