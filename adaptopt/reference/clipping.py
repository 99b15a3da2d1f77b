"""Reference clipped and normalized SGD (update rules of :mod:`adaptopt.algorithms.clipping`)."""

from __future__ import annotations

import numpy as np

from adaptopt.reference.base import ReferenceAlgorithm

#: The constant the authors' ``SGDClipGrad`` and ``SGDNormalized`` add to the buffer norm.
AUTHORS_NORM_GUARD = 1e-10


def _norm(v):
    return np.sqrt(np.sum(v * v, axis=1))


class _PyTorchBuffer(ReferenceAlgorithm):
    r"""The momentum buffer of ``torch.optim.SGD`` (and of the authors' S7 classes).

    .. math::

        b_1 = g_1, \qquad b_t = \mu b_{t-1} + (1-\delta) g_t \quad (t \ge 2), \qquad
        b_t = g_t \ \text{for all } t \text{ if } \mu = 0
    """

    def __init__(self, momentum: float, dampening: float):
        self.mu, self.dampening = momentum, dampening
        self.buf = None

    def init(self, x0):
        self.buf = None

    def _update_buffer(self, g):
        if self.mu == 0.0 or self.buf is None:
            self.buf = g.copy()
        else:
            self.buf = self.mu * self.buf + (1.0 - self.dampening) * g
        return self.buf


class ClippedSGD(ReferenceAlgorithm):
    r"""Clipped SGD (Zhang, He, Sra and Jadbabaie, ICLR 2020).

    .. math:: \eta'_t = \min(\eta_t,\ \gamma/\|g_t\|), \qquad x_{t+1} = x_t - \eta'_t g_t

    (:math:`\gamma/0 = \infty`). Symbols: :math:`\gamma` = ``gamma``. The effective step size is
    :math:`\eta'_t`, one per seed.
    """

    name = "clipped_sgd"

    def __init__(self, gamma: float):
        self.gamma = gamma

    def step(self, t, eta, x, g, g2):
        with np.errstate(divide="ignore"):
            eta_eff = np.minimum(eta, self.gamma / _norm(g))
        return x - eta_eff[:, None] * g, eta_eff


class ClippedSGDMomentum(_PyTorchBuffer):
    r"""Clipped SGD with PyTorch momentum, the authors' ``SGDClipGrad`` (spec B.2, S7).

    .. math::

        \eta'_t = \min\big(\eta_t,\ \gamma/(\|b_t\| + 10^{-10})\big), \qquad x_{t+1} = x_t - \eta'_t b_t

    with the buffer :math:`b_t` of :class:`_PyTorchBuffer`. Symbols: :math:`\mu` = ``momentum``,
    :math:`\delta` = ``dampening``, :math:`\gamma` = ``gamma``. Effective step size
    :math:`\eta'_t`, one per seed.
    """

    name = "clipped_sgd_momentum"

    def __init__(self, momentum: float, dampening: float, gamma: float):
        super().__init__(momentum, dampening)
        self.gamma = gamma

    def step(self, t, eta, x, g, g2):
        buf = self._update_buffer(g)
        eta_eff = np.minimum(eta, self.gamma / (_norm(buf) + AUTHORS_NORM_GUARD))
        return x - eta_eff[:, None] * buf, eta_eff


class NormalizedSGDEMA(ReferenceAlgorithm):
    r"""Normalized SGD with EMA momentum (Cutkosky and Mehta, ICML 2020).

    .. math::

        m_0 = 0, \qquad m_t = \beta m_{t-1} + (1-\beta) g_t, \qquad
        x_{t+1} = x_t - \eta_t\, m_t/\|m_t\| \quad (\text{no move if } m_t = 0)

    Symbols: :math:`\beta` = ``momentum``. Effective step size :math:`\eta_t`.
    """

    name = "normalized_sgd_ema"

    def __init__(self, momentum: float):
        self.beta = momentum
        self.m = None

    def init(self, x0):
        self.m = np.zeros_like(x0)

    def step(self, t, eta, x, g, g2):
        self.m = self.beta * self.m + (1.0 - self.beta) * g
        norm = _norm(self.m)
        direction = np.where(norm[:, None] > 0.0, self.m / np.where(norm > 0.0, norm, 1.0)[:, None], 0.0)
        return x - eta * direction, eta


class NormalizedSGDMomentum(_PyTorchBuffer):
    r"""Normalized SGD with PyTorch momentum, the authors' ``SGDNormalized`` (spec B.2, S7).

    .. math:: x_{t+1} = x_t - \eta_t\, b_t/(\|b_t\| + 10^{-10})

    with the buffer :math:`b_t` of :class:`_PyTorchBuffer`. Symbols: :math:`\mu` = ``momentum``,
    :math:`\delta` = ``dampening``. Effective step size :math:`\eta_t`.
    """

    name = "normalized_sgd_momentum"

    def step(self, t, eta, x, g, g2):
        buf = self._update_buffer(g)
        return x - eta * buf / (_norm(buf) + AUTHORS_NORM_GUARD)[:, None], eta
