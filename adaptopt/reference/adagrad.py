"""Reference AdaGrad-norm and generalized AdaGrad (:mod:`adaptopt.algorithms.adagrad`)."""

from __future__ import annotations

import numpy as np

from adaptopt.reference.base import ReferenceAlgorithm


class AdaGradNorm(ReferenceAlgorithm):
    r"""AdaGrad-norm (Ward, Wu and Bottou, ICML 2019): one global step including the current gradient.

    .. math:: b_0^2 = b_0^2, \qquad b_{t+1}^2 = b_t^2 + \|g_t\|^2, \qquad x_{t+1} = x_t - \eta\, g_t / b_{t+1}

    Symbols: :math:`\eta` = ``eta`` (a hyper-parameter, not a schedule), :math:`b_0` = ``b0``.
    Effective step size :math:`\eta/b_{t+1}`.
    """

    name = "adagrad_norm"
    uses_schedule = False

    def __init__(self, eta: float, b0: float):
        self.base, self.b0 = eta, b0

    def init(self, x0):
        self.b2 = np.full(x0.shape[0], self.b0**2)

    def step(self, t, eta, x, g, g2):
        self.b2 = self.b2 + np.sum(g * g, axis=1)
        step = self.base / np.sqrt(self.b2)
        return x - step[:, None] * g, step


class GeneralizedAdaGrad(ReferenceAlgorithm):
    r"""Generalized AdaGrad step sizes (Li and Orabona, AISTATS 2019), excluding the current gradient.

    .. math:: \eta_t = \frac{\alpha}{(\beta + \sum_{i<t}\|g_i\|^2)^{1/2+\varepsilon}}, \qquad x_{t+1} = x_t - \eta_t g_t

    Symbols: :math:`\alpha, \beta, \varepsilon` = ``alpha``, ``beta``, ``eps``. Effective step
    size :math:`\eta_t`.
    """

    name = "generalized_adagrad"
    uses_schedule = False

    def __init__(self, alpha: float, beta: float, eps: float):
        self.alpha, self.beta, self.eps = alpha, beta, eps

    def init(self, x0):
        self.acc = np.full(x0.shape[0], self.beta)

    def step(self, t, eta, x, g, g2):
        step = self.alpha / self.acc ** (0.5 + self.eps)
        self.acc = self.acc + np.sum(g * g, axis=1)
        return x - step[:, None] * g, step


class GeneralizedAdaGradCoordinate(GeneralizedAdaGrad):
    r"""Per-coordinate generalized AdaGrad.

    .. math:: \eta_{t,j} = \alpha/(\beta + \sum_{i<t} g_{i,j}^2)^{1/2+\varepsilon}

    The recorded step size is :math:`\frac1d\sum_j\eta_{t,j}`.
    """

    name = "generalized_adagrad_coordinate"

    def init(self, x0):
        self.acc = np.full(x0.shape, self.beta)

    def step(self, t, eta, x, g, g2):
        step = self.alpha / self.acc ** (0.5 + self.eps)
        self.acc = self.acc + g * g
        return x - step * g, np.mean(step, axis=1)
