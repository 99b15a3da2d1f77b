"""The algorithm registry: every algorithm appears once, in :data:`ALGORITHMS`.

Each module of this package defines its algorithms as module-level :class:`Algorithm` values;
they are collected here, module by module in alphabetical order and in definition order within a
module, so adding a family means adding a module (and its reference in :mod:`adaptopt.reference`).
"""

import importlib
import pkgutil

from adaptopt.algorithms.base import Algorithm, Hyper
from adaptopt.validation import check_choice


def _collect() -> dict:
    found = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, Algorithm):
                if value.name in found and found[value.name] is not value:
                    raise RuntimeError(f"two algorithms are registered as {value.name!r}")
                found[value.name] = value
    return found


#: Registered algorithms by name.
ALGORITHMS = _collect()


def get_algorithm(name) -> Algorithm:
    """The registered algorithm ``name`` (an :class:`Algorithm` passes through)."""
    if isinstance(name, Algorithm):
        return name
    return ALGORITHMS[check_choice("algorithm", name, ALGORITHMS)]


__all__ = ["ALGORITHMS", "Algorithm", "Hyper", "get_algorithm"]
