"""Stochastic gradient descent, plain and with momentum.

Two momentum conventions are in use and differ by a factor ``1/(1 − β)`` in the effective step:

* heavy ball (PyTorch's ``torch.optim.SGD`` with ``momentum=β``, dampening 0)::

      m_0 = 0,   m_t = β m_{t−1} + g_t,   x_{t+1} = x_t − η_t m_t

* EMA (exponential moving average, the form of normalized-SGD analyses)::

      m_0 = 0,   m_t = β m_{t−1} + (1 − β) g_t,   x_{t+1} = x_t − η_t m_t

Plain SGD is ``x_{t+1} = x_t − η_t g_t``, the case β = 0 of both.
"""

from __future__ import annotations

from adaptopt._jit import jit
from adaptopt.algorithms.base import Algorithm, Hyper


@jit
def no_state_init(x, hyper, vec, scal):
    """Initialiser of algorithms whose state starts at zero (the engine zero-fills it)."""


@jit
def sgd_step(t, eta, x, g, g2, hyper, vec, scal):
    for i in range(x.size):
        x[i] -= eta * g[i]
    return eta


@jit
def heavy_ball_step(t, eta, x, g, g2, hyper, vec, scal):
    beta = hyper[0]
    m = vec[0]
    for i in range(x.size):
        m[i] = beta * m[i] + g[i]
        x[i] -= eta * m[i]
    return eta


@jit
def ema_momentum_step(t, eta, x, g, g2, hyper, vec, scal):
    beta = hyper[0]
    m = vec[0]
    for i in range(x.size):
        m[i] = beta * m[i] + (1.0 - beta) * g[i]
        x[i] -= eta * m[i]
    return eta


_MOMENTUM = Hyper("momentum", 0.9, 0.0, 1.0, high_open=True, doc="momentum coefficient β")

SGD = Algorithm("sgd", no_state_init, sgd_step, summary="x ← x − η_t g")
SGD_HEAVY_BALL = Algorithm(
    "sgd_heavy_ball", no_state_init, heavy_ball_step, hypers=(_MOMENTUM,), n_state_vectors=1,
    summary="m ← β m + g;  x ← x − η_t m  (PyTorch SGD momentum)",
)
SGD_EMA = Algorithm(
    "sgd_ema", no_state_init, ema_momentum_step, hypers=(_MOMENTUM,), n_state_vectors=1,
    summary="m ← β m + (1 − β) g;  x ← x − η_t m  (EMA momentum)",
)
