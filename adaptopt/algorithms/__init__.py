"""The algorithm registry: every algorithm appears once, in :data:`ALGORITHMS`."""

from adaptopt.algorithms.adagrad import ADAGRAD_NORM, GENERALIZED_ADAGRAD, GENERALIZED_ADAGRAD_COORDINATE
from adaptopt.algorithms.base import Algorithm, Hyper
from adaptopt.algorithms.sgd import SGD, SGD_EMA, SGD_HEAVY_BALL
from adaptopt.algorithms.sgdol import SGDOL, SGDOL_COORDINATE
from adaptopt.validation import check_choice

#: Registered algorithms by name.
ALGORITHMS = {a.name: a for a in (SGD, SGD_HEAVY_BALL, SGD_EMA, SGDOL, SGDOL_COORDINATE, ADAGRAD_NORM,
                                  GENERALIZED_ADAGRAD, GENERALIZED_ADAGRAD_COORDINATE)}


def get_algorithm(name) -> Algorithm:
    """The registered algorithm ``name`` (an :class:`Algorithm` passes through)."""
    if isinstance(name, Algorithm):
        return name
    return ALGORITHMS[check_choice("algorithm", name, ALGORITHMS)]


__all__ = ["ALGORITHMS", "Algorithm", "Hyper", "get_algorithm"]
