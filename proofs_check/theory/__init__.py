"""Theory as code: every bound, rate and lower-bound shape as a labelled function of T.

A theory function is a plain vectorised numpy function of the horizon ``T`` (or of an accuracy)
and keyword-only problem constants, returning an array. The :func:`theory` decorator labels it
with where it comes from and what kind of statement it is, so that a check, a report or a figure
can say "derived upper bound" or "lower-bound shape (constants unknown)" without guessing::

    @theory(source="derived", kind="upper bound", reference="spec noise_adaptive.md §3.3")
    def constant_step_pl_bound(T, *, L, mu, b, eta, delta):
        '''(1 − μη)^T Δ + Lbη/(2μ) ...'''

    constant_step_pl_bound.kind          # "upper bound"
    constant_step_pl_bound(T=[10, 100], L=8.0, mu=1 / 32, b=1.0, eta=0.125, delta=9.0)

Sources (as in :class:`proofs_check.records.Source`): ``"paper"`` (the reference names the paper
and theorem), ``"derived"`` (derived in this project; the proof is in the function's docstring
and the constants are ours), ``"standard"`` (textbook fact, cited).

Kinds:

===================== ============================================================================
``upper bound``       proven: the expected metric is <= the value at every T (check it with ``<=``)
``leading order``     an asymptotic estimate, not a proven bound (check it with a stated slack)
``rate shape``        only the dependence on T is meaningful; constants are indicative
``lower bound shape`` a minimax lower bound up to an unknown constant: only the shape is meaningful
``step size``         a parameter choice prescribed by a theorem (e.g. a tuned η0)
``estimator``         a quantity computed from run data that a bound needs (e.g. a measured regret)
===================== ============================================================================

Each module of this package keeps a ``THEORY`` registry, ``{name: TheoryFunction}``, of all its
labelled functions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["KINDS", "SOURCES", "TheoryFunction", "collect", "theory"]

#: Allowed ``source`` labels.
SOURCES = ("derived", "paper", "standard")
#: Allowed ``kind`` labels (see the module docstring).
KINDS = ("upper bound", "leading order", "rate shape", "lower bound shape", "step size", "estimator")


@dataclass(frozen=True, eq=False)
class TheoryFunction:
    """A theory function with its labels; calling it calls the wrapped function.

    Attributes
    ----------
    func : callable
        The wrapped function.
    source : str
        One of :data:`SOURCES`.
    kind : str
        One of :data:`KINDS`.
    reference : str
        Paper and theorem, or the spec section the derivation follows.
    name : str
        The wrapped function's name (also ``__name__``); ``__doc__`` is its docstring.
    """

    func: Callable[..., Any]
    source: str
    kind: str
    reference: str

    def __post_init__(self):
        if not callable(self.func):
            raise TypeError(f"func must be callable, got {self.func!r}")
        _check_labels(self.source, self.kind, self.reference)
        # Frozen dataclass: copy the wrapped function's identity like functools.wraps would.
        for attribute in ("__doc__", "__name__", "__qualname__", "__module__"):
            object.__setattr__(self, attribute, getattr(self.func, attribute, None))
        object.__setattr__(self, "__wrapped__", self.func)

    @property
    def name(self) -> str:
        return self.func.__name__

    def __call__(self, *args, **kwargs):
        return self.func(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<theory {self.name}: {self.source} {self.kind} ({self.reference})>"


def _check_labels(source: str, kind: str, reference: str) -> None:
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, got {source!r}")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if not isinstance(reference, str) or not reference.strip():
        raise ValueError(f"reference must be a non-empty string, got {reference!r}")


def theory(*, source: str, kind: str, reference: str) -> Callable[[Callable[..., Any]], TheoryFunction]:
    """Decorator labelling a theory function with its ``source``, ``kind`` and ``reference``."""
    _check_labels(source, kind, reference)

    def wrap(func: Callable[..., Any]) -> TheoryFunction:
        return TheoryFunction(func, source, kind, reference)

    return wrap


def collect(namespace: dict) -> dict[str, TheoryFunction]:
    """The :class:`TheoryFunction` objects of a module namespace, in definition order.

    Use it at the end of a theory module: ``THEORY = collect(globals())``.
    """
    return {name: value for name, value in namespace.items()
            if isinstance(value, TheoryFunction) and not name.startswith("_")}
