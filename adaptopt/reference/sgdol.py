"""Reference SGDOL and its per-coordinate extension (:mod:`adaptopt.algorithms.sgdol`)."""

from __future__ import annotations

import numpy as np

from adaptopt.reference.base import ReferenceAlgorithm


class SGDOL(ReferenceAlgorithm):
    r"""SGDOL: SGD whose step size is learned online by FTRL on surrogate losses.

    Zhuang, Cutkosky and Orabona (ICML 2019). Two independent samples :math:`g_t, g'_t` at
    :math:`x_t` per round; with :math:`\tilde g'_t = (1-c) g'_t + c g_t`:

    .. math::

        \eta_1 = 1/L, \qquad x_{t+1} = x_t - \eta_t g_t,

        \eta_{t+1} = \mathrm{clip}\Big(\frac{\alpha + \sum_{i\le t}\langle g_i, \tilde g'_i\rangle}
                      {L(\alpha + \sum_{i\le t}\|g_i\|^2)},\ 0,\ 2/L\Big)

    Symbols: :math:`L` = ``smoothness``, :math:`\alpha` = ``alpha``, :math:`c` =
    ``second_sample_correlation`` (0 is the paper's method). The effective step size of round
    :math:`t` is :math:`\eta_t`, one per seed.
    """

    name = "sgdol"
    samples_per_step = 2
    uses_schedule = False

    def __init__(self, smoothness: float, alpha: float, second_sample_correlation: float):
        self.L, self.alpha, self.c = smoothness, alpha, second_sample_correlation

    def init(self, x0):
        n_seeds = x0.shape[0]
        self.sum_inner = np.full(n_seeds, self.alpha)
        self.sum_sq = np.full(n_seeds, self.alpha)
        self.eta = np.full(n_seeds, 1.0 / self.L)

    def step(self, t, eta, x, g, g2):
        second = (1.0 - self.c) * g2 + self.c * g
        used = self.eta
        x_new = x - used[:, None] * g
        self.sum_inner = self.sum_inner + np.sum(g * second, axis=1)
        self.sum_sq = self.sum_sq + np.sum(g * g, axis=1)
        self.eta = np.clip(self.sum_inner / (self.L * self.sum_sq), 0.0, 2.0 / self.L)
        return x_new, used


class SGDOLCoordinate(SGDOL):
    r"""Per-coordinate SGDOL (an extension, not in the paper): the closed form of :class:`SGDOL`
    on coordinate-wise sums, :math:`\eta_{t,j}`; the recorded step size is
    :math:`\frac1d\sum_j \eta_{t,j}`."""

    name = "sgdol_coordinate"

    def init(self, x0):
        self.sum_inner = np.full(x0.shape, self.alpha)
        self.sum_sq = np.full(x0.shape, self.alpha)
        self.eta = np.full(x0.shape, 1.0 / self.L)

    def step(self, t, eta, x, g, g2):
        second = (1.0 - self.c) * g2 + self.c * g
        used = self.eta
        x_new = x - used * g
        self.sum_inner = self.sum_inner + g * second
        self.sum_sq = self.sum_sq + g * g
        self.eta = np.clip(self.sum_inner / (self.L * self.sum_sq), 0.0, 2.0 / self.L)
        return x_new, np.mean(used, axis=1)
