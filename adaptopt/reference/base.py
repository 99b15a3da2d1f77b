"""The interface of the plain-numpy reference algorithms (see :mod:`adaptopt.reference`)."""

from __future__ import annotations

import numpy as np


class ReferenceAlgorithm:
    """Base class: the interface every reference algorithm follows (see the module docstring).

    Attributes
    ----------
    name : str
        Registry name of the algorithm.
    samples_per_step : int
        Stochastic gradients drawn per round (2 for SGDOL).
    uses_schedule : bool
        Whether ``step`` reads ``eta``.
    """

    name = ""
    samples_per_step = 1
    uses_schedule = True

    def init(self, x0: np.ndarray) -> None:
        """Set the initial state for iterates ``x0`` of shape (S, d)."""

    def step(self, t: int, eta: float, x: np.ndarray, g: np.ndarray, g2: np.ndarray):
        """One round; returns ``(x_new, eta_eff)``."""
        raise NotImplementedError
