"""Reference SGD, heavy-ball and EMA momentum (update rules of :mod:`adaptopt.algorithms.sgd`)."""

from __future__ import annotations

import numpy as np

from adaptopt.reference.base import ReferenceAlgorithm


class SGD(ReferenceAlgorithm):
    r"""Stochastic gradient descent.

    .. math:: x_{t+1} = x_t - \eta_t g_t

    Symbols: :math:`\eta_t` = ``eta`` (the schedule), :math:`g_t` = ``g``. No state; the
    effective step size is :math:`\eta_t`.
    """

    name = "sgd"

    def step(self, t, eta, x, g, g2):
        return x - eta * g, eta


class SGDHeavyBall(ReferenceAlgorithm):
    r"""SGD with heavy-ball momentum (PyTorch ``torch.optim.SGD(momentum=beta)``, dampening 0).

    .. math::

        m_0 = 0, \qquad m_t = \beta m_{t-1} + g_t, \qquad x_{t+1} = x_t - \eta_t m_t

    Symbols: :math:`\beta` = ``momentum``, :math:`\eta_t` = ``eta``. The effective step size
    recorded is :math:`\eta_t` (not :math:`\eta_t/(1-\beta)`).
    """

    name = "sgd_heavy_ball"

    def __init__(self, momentum: float):
        self.beta = momentum
        self.m = None

    def init(self, x0):
        self.m = np.zeros_like(x0)

    def step(self, t, eta, x, g, g2):
        self.m = self.beta * self.m + g
        return x - eta * self.m, eta


class SGDEMA(ReferenceAlgorithm):
    r"""SGD with exponential-moving-average momentum (the form of normalized-SGD analyses).

    .. math::

        m_0 = 0, \qquad m_t = \beta m_{t-1} + (1 - \beta) g_t, \qquad x_{t+1} = x_t - \eta_t m_t

    Symbols: :math:`\beta` = ``momentum``, :math:`\eta_t` = ``eta``. Convention warning: this is
    the heavy ball with step :math:`\eta_t (1-\beta)`; both reduce to SGD at :math:`\beta = 0`.
    """

    name = "sgd_ema"

    def __init__(self, momentum: float):
        self.beta = momentum
        self.m = None

    def init(self, x0):
        self.m = np.zeros_like(x0)

    def step(self, t, eta, x, g, g2):
        self.m = self.beta * self.m + (1.0 - self.beta) * g
        return x - eta * self.m, eta
