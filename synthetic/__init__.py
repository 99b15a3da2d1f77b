"""Problems with exactly known constants: objectives, noise oracles and constant estimators.

>>> from synthetic import objectives, noise
>>> f = objectives.pl_sine(dim=1)
>>> f.constants.L.value
8.0
"""

from synthetic.base import Constant, Constants, NoiseModel, Objective
from synthetic.noise import NOISE_MODELS, make_noise
from synthetic.objectives import OBJECTIVES, make_objective

__all__ = ["Constant", "Constants", "NoiseModel", "Objective", "NOISE_MODELS", "OBJECTIVES", "make_noise",
           "make_objective"]
