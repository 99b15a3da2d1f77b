r"""Reference Adam family, RMSProp and AdaGrad (update rules of :mod:`adaptopt.algorithms.adam`).

Written from the textbook recurrences, vectorised over seeds (state arrays of shape (S, d)),
with the bias corrections as :math:`\beta^t` powers (``**``), independently of the kernels'
running products. The learning-rate convention is the family's: ``eta`` is the schedule
multiplier :math:`\eta_t` and ``lr`` the base learning rate :math:`\alpha`; the effective step
size of a round is :math:`\alpha\eta_t`.
"""

from __future__ import annotations

import numpy as np

from adaptopt.reference.base import ReferenceAlgorithm


def _ratio(numerator, denominator):
    """numerator / denominator with 0/0 := 0 (where the denominator is 0 the result is 0)."""
    return np.divide(numerator, denominator, out=np.zeros_like(numerator), where=denominator > 0.0)


class Adam(ReferenceAlgorithm):
    r"""Adam (Kingma and Ba 2015) in PyTorch's form, optionally AMSGrad (Reddi et al. 2018).

    .. math::

        m_0 = v_0 = w_0 = 0, \qquad
        m_t = \beta_1 m_{t-1} + (1-\beta_1)\hat g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1-\beta_2)\hat g_t^2,

        w_t = v_t \ \text{(Adam)} \quad\text{or}\quad w_t = \max(w_{t-1}, v_t)\ \text{(AMSGrad)},

        \hat m_t = \frac{m_t}{1-\beta_1^t}, \qquad \hat w_t = \frac{w_t}{1-\beta_2^t}, \qquad
        u_t = \frac{\hat m_t}{\sqrt{\hat w_t} + \varepsilon}\quad (0/0 := 0),

        x_t = x_{t-1} - \alpha\eta_t u_t

    with :math:`\hat g_t = g_t` here. Symbols: :math:`\alpha` = ``lr``, :math:`\beta_1, \beta_2`
    = ``beta1``, ``beta2``, :math:`\varepsilon` = ``eps``, AMSGrad = ``amsgrad`` (0 or 1),
    :math:`\eta_t` = ``eta`` (the schedule multiplier).
    """

    name = "adam"

    def __init__(self, lr: float, beta1: float, beta2: float, eps: float, amsgrad: float, weight_decay: float = 0.0):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.amsgrad = bool(amsgrad)
        self.weight_decay = weight_decay

    def init(self, x0):
        self.m = np.zeros_like(x0)
        self.v = np.zeros_like(x0)
        self.w = np.zeros_like(x0)

    def direction(self, t, g_hat):
        """Update the moments with ``g_hat`` and return :math:`u_t`."""
        self.m = self.beta1 * self.m + (1.0 - self.beta1) * g_hat
        self.v = self.beta2 * self.v + (1.0 - self.beta2) * g_hat**2
        self.w = np.maximum(self.w, self.v) if self.amsgrad else self.v
        m_hat = self.m / (1.0 - self.beta1**t)
        w_hat = self.w / (1.0 - self.beta2**t)
        return _ratio(m_hat, np.sqrt(w_hat) + self.eps)

    def step(self, t, eta, x, g, g2):
        return x - self.lr * eta * self.direction(t, g), self.lr * eta


class AdamL2(Adam):
    r"""Adam on the ℓ2-regularised loss (coupled weight decay, ``torch.optim.Adam(weight_decay=λ)``).

    .. math:: \hat g_t = g_t + \lambda x_{t-1}, \qquad x_t = x_{t-1} - \alpha\eta_t u_t

    with :math:`u_t` of :class:`Adam` computed from :math:`\hat g_t`; :math:`\lambda` =
    ``weight_decay``.
    """

    name = "adam_l2"

    def step(self, t, eta, x, g, g2):
        return x - self.lr * eta * self.direction(t, g + self.weight_decay * x), self.lr * eta


class AdamClipped(Adam):
    r"""Adam fed with the gradient clipped by its global norm (``torch.nn.utils.clip_grad_norm_``).

    .. math:: \hat g_t = g_t \min\Big(1, \frac{\gamma}{\lVert g_t\rVert + 10^{-6}}\Big), \qquad
              x_t = x_{t-1} - \alpha\eta_t u_t

    :math:`\gamma` = ``clip``: explicit clipping on top of Adam's own implicit per-coordinate
    bound (the open question of [P-B] on Adam's implicit clipping).
    """

    name = "adam_clipped"

    def __init__(self, lr: float, beta1: float, beta2: float, eps: float, amsgrad: float, clip: float):
        super().__init__(lr, beta1, beta2, eps, amsgrad)
        self.clip = clip

    def step(self, t, eta, x, g, g2):
        norm = np.sqrt(np.sum(g * g, axis=1, keepdims=True))
        factor = np.minimum(1.0, self.clip / (norm + 1e-6))
        return x - self.lr * eta * self.direction(t, g * factor), self.lr * eta


class AdamW(Adam):
    r"""AdamW in the convention of [P-A] and Loshchilov and Hutter (2019).

    .. math:: x_t = (1 - \lambda\eta_t)\,x_{t-1} - \alpha\eta_t u_t

    The decay is :math:`\lambda` times the schedule multiplier :math:`\eta_t`, **not** times the
    base learning rate :math:`\alpha` (``λ_paper = α λ'_torch``).
    """

    name = "adamw"

    def step(self, t, eta, x, g, g2):
        u = self.direction(t, g)
        return (1.0 - self.weight_decay * eta) * x - self.lr * eta * u, self.lr * eta


class AdamWTorch(Adam):
    r"""AdamW in the convention of ``torch.optim.AdamW``.

    .. math:: x_t = (1 - \alpha\eta_t\lambda')\,x_{t-1} - \alpha\eta_t u_t

    :math:`\lambda'` = ``weight_decay``; the decay is multiplied by the learning rate
    :math:`\alpha\eta_t` of the round.
    """

    name = "adamw_torch"

    def step(self, t, eta, x, g, g2):
        u = self.direction(t, g)
        lr_t = self.lr * eta
        return (1.0 - lr_t * self.weight_decay) * x - lr_t * u, lr_t


class AdamProx(Adam):
    r"""AdamProx [P-A]: the Adam step on the loss, then the proximal map of :math:`\frac\lambda2\|x\|^2`.

    .. math:: x_t = \frac{x_{t-1} - \alpha\eta_t u_t}{1 + \lambda\eta_t}
    """

    name = "adamprox"

    def step(self, t, eta, x, g, g2):
        u = self.direction(t, g)
        return (x - self.lr * eta * u) / (1.0 + self.weight_decay * eta), self.lr * eta


class RMSprop(ReferenceAlgorithm):
    r"""RMSProp as ``torch.optim.RMSprop`` (momentum 0, not centered), no bias correction.

    .. math::

        v_0 = 0, \qquad v_t = \rho v_{t-1} + (1-\rho) g_t^2, \qquad
        x_t = x_{t-1} - \alpha\eta_t \frac{g_t}{\sqrt{v_t} + \varepsilon}\quad (0/0 := 0)

    Symbols: :math:`\alpha` = ``lr``, :math:`\rho` = ``decay`` (torch's ``alpha``),
    :math:`\varepsilon` = ``eps``.
    """

    name = "rmsprop"

    def __init__(self, lr: float, decay: float, eps: float):
        self.lr, self.rho, self.eps = lr, decay, eps

    def init(self, x0):
        self.v = np.zeros_like(x0)

    def step(self, t, eta, x, g, g2):
        self.v = self.rho * self.v + (1.0 - self.rho) * g**2
        return x - self.lr * eta * _ratio(g, np.sqrt(self.v) + self.eps), self.lr * eta


class Adagrad(ReferenceAlgorithm):
    r"""Coordinate-wise AdaGrad as ``torch.optim.Adagrad`` (no learning-rate decay, zero accumulator).

    .. math::

        s_0 = 0, \qquad s_t = s_{t-1} + g_t^2, \qquad
        x_t = x_{t-1} - \alpha\eta_t \frac{g_t}{\sqrt{s_t} + \varepsilon}\quad (0/0 := 0)

    Symbols: :math:`\alpha` = ``lr``, :math:`\varepsilon` = ``eps``.
    """

    name = "adagrad"

    def __init__(self, lr: float, eps: float):
        self.lr, self.eps = lr, eps

    def init(self, x0):
        self.s = np.zeros_like(x0)

    def step(self, t, eta, x, g, g2):
        self.s = self.s + g**2
        return x - self.lr * eta * _ratio(g, np.sqrt(self.s) + self.eps), self.lr * eta
