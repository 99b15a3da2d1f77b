"""Problems with exactly known constants: objectives, noise oracles and constant estimators.

>>> from synthetic import objectives, noise
>>> f = objectives.pl_sine(dim=1)
>>> f.constants.L.value
8.0

:data:`ALL_OBJECTIVES` joins the families of every module (smooth test functions, (L0, L1)-smooth
functions, networks and regression); :func:`make_any_objective` builds any of them by name.
"""

from adaptopt.validation import call_with_options, check_choice
from synthetic.base import Constant, Constants, NoiseModel, Objective
from synthetic.networks import NETWORK_OBJECTIVES
from synthetic.noise import NOISE_MODELS, make_noise
from synthetic.objectives import OBJECTIVES, make_objective
from synthetic.relaxed import RELAXED_OBJECTIVES

#: Every objective constructor by name.
ALL_OBJECTIVES = {**OBJECTIVES, **RELAXED_OBJECTIVES, **NETWORK_OBJECTIVES}


def make_any_objective(name: str, **options) -> Objective:
    """Build an objective of any family by name (see :data:`ALL_OBJECTIVES`)."""
    check_choice("objective", name, ALL_OBJECTIVES)
    return call_with_options(ALL_OBJECTIVES[name], options, f"objective {name!r}")


def objective_from_config(config: dict) -> Objective:
    """Rebuild the objective of a run from ``Result.config["objective"]`` (its name and options).

    Options that are descriptive only (such as ``dim`` for a quadratic, whose dimension is the
    length of its spectrum) are dropped when the constructor does not take them.
    """
    import inspect
    name = config["name"]
    check_choice("objective", name, ALL_OBJECTIVES)
    accepted = inspect.signature(ALL_OBJECTIVES[name]).parameters
    options = {k: v for k, v in config.get("options", {}).items() if k in accepted}
    return make_any_objective(name, **options)


__all__ = ["ALL_OBJECTIVES", "Constant", "Constants", "NOISE_MODELS", "NoiseModel", "OBJECTIVES", "Objective",
           "make_any_objective", "make_noise", "make_objective", "objective_from_config"]
