"""Reference SignSGD, Signum and Generalized SignSGD (update rules of :mod:`adaptopt.algorithms.sign`)."""

from __future__ import annotations

import numpy as np

from adaptopt.reference.base import ReferenceAlgorithm


class SignSGD(ReferenceAlgorithm):
    r"""SignSGD (Bernstein et al., ICML 2018).

    .. math:: x_{t+1} = x_t - \eta_t\,\mathrm{sign}(g_t), \qquad \mathrm{sign}(0) = 0

    Symbols: :math:`\eta_t` = ``eta``. No state; the effective step size is :math:`\eta_t`.
    """

    name = "signsgd"

    def step(self, t, eta, x, g, g2):
        return x - eta * np.sign(g), eta


class Signum(ReferenceAlgorithm):
    r"""Signum: SignSGD with EMA momentum (Bernstein et al., ICML 2018).

    .. math::

        m_0 = 0, \qquad m_t = \beta m_{t-1} + (1-\beta) g_t, \qquad
        x_{t+1} = x_t - \eta_t\,\mathrm{sign}(m_t)

    Symbols: :math:`\beta` = ``momentum``, :math:`\eta_t` = ``eta``.
    """

    name = "signum"

    def __init__(self, momentum: float):
        self.beta = momentum
        self.m = None

    def init(self, x0):
        self.m = np.zeros_like(x0)

    def step(self, t, eta, x, g, g2):
        self.m = self.beta * self.m + (1.0 - self.beta) * g
        return x - eta * np.sign(self.m), eta


class GeneralizedSignSGD(ReferenceAlgorithm):
    r"""Generalized SignSGD as in the authors' code (Crawshaw et al., NeurIPS 2022; spec B.1).

    .. math::

        m_0 = v_0 = 0, \qquad \tilde g_t = g_t + \lambda x_t,

        m_t = \beta_1 m_{t-1} + (1-\beta_1)\tilde g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) m_t^2,

        \hat m_t = m_t / b_{1,t}, \quad \hat v_t = v_t / b_{2,t}, \qquad
        x_{t+1} = x_t - \eta_t \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}

    with :math:`b_{k,t} = 1 - \beta_k^t` if ``bias_correction`` is 1, else 1, and
    :math:`0/0 := 0`. Symbols: :math:`\beta_1` = ``beta1``, :math:`\beta_2` = ``beta2``,
    :math:`\epsilon` = ``eps``, :math:`\lambda` = ``weight_decay``. The attribute
    ``max_step_ratio`` (per seed) is :math:`\max_{s\le t,\,i} |x_{s+1,i} - x_{s,i}|/\eta_s`.
    """

    name = "generalized_signsgd"

    def __init__(self, beta1: float, beta2: float, eps: float, weight_decay: float, bias_correction: float):
        self.beta1, self.beta2, self.eps, self.weight_decay = beta1, beta2, eps, weight_decay
        self.bias_correction = bool(bias_correction)

    def init(self, x0):
        self.m = np.zeros_like(x0)
        self.v = np.zeros_like(x0)
        self.max_step_ratio = np.zeros(x0.shape[0])

    def step(self, t, eta, x, g, g2):
        g = g + self.weight_decay * x
        self.m = self.beta1 * self.m + (1.0 - self.beta1) * g
        self.v = self.beta2 * self.v + (1.0 - self.beta2) * self.m**2
        if self.bias_correction:
            m_hat = self.m / (1.0 - self.beta1**t)
            v_hat = self.v / (1.0 - self.beta2**t)
        else:
            m_hat, v_hat = self.m, self.v
        denom = np.sqrt(v_hat) + self.eps
        safe = np.where(denom == 0.0, 1.0, denom)
        u = np.where(denom == 0.0, 0.0, m_hat / safe)
        self.max_step_ratio = np.maximum(self.max_step_ratio, np.max(np.abs(u), axis=1))
        return x - eta * u, eta
