"""What an algorithm is: explicit state plus a pure step, and its hyper-parameters.

An algorithm is two jitted functions over explicit state (the optax pattern, in Numba form)::

    init(x, hyper, vec, scal) -> None
    step(t, eta, x, g, g2, hyper, vec, scal) -> float

``x`` is the iterate (updated in place by ``step``), ``g`` and ``g2`` are stochastic gradients
at ``x`` (``g2`` is an independent second sample for algorithms that draw two per step, and
``g`` again otherwise), ``eta`` is the schedule's step size of round ``t`` (1-based), ``hyper``
the packed hyper-parameters, ``vec`` a ``(n_state_vectors, d)`` array and ``scal`` a
``(n_state_scalars,)`` array that together are the whole state. ``step`` returns the effective
step size of the round (recorded as a metric and used in step-size-weighted averages).
Hyper-parameters are runtime data: a sweep never recompiles.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from adaptopt.validation import check_in_range


@dataclass(frozen=True)
class Hyper:
    """One hyper-parameter: name, default and allowed interval (or a finite set of ``choices``,
    for flags such as AMSGrad's, packed as 0.0/1.0)."""

    name: str
    default: float
    low: float
    high: float
    low_open: bool = False
    high_open: bool = False
    doc: str = ""
    choices: tuple = ()

    def check(self, value) -> float:
        if self.choices:
            if isinstance(value, (bool, np.bool_)):
                value = float(value)
            if value not in self.choices:
                raise ValueError(f"{self.name} must be one of {list(self.choices)}, got {value!r}")
            return float(value)
        return check_in_range(self.name, value, self.low, self.high, low_open=self.low_open,
                              high_open=self.high_open)

    def allowed(self) -> str:
        if self.choices:
            return "{" + ", ".join(f"{c:g}" for c in self.choices) + "}"
        lo = "(" if self.low_open else "["
        hi = ")" if self.high_open or math.isinf(self.high) else "]"
        return f"{lo}{self.low:g}, {self.high:g}{hi}"


@dataclass(frozen=True, eq=False)
class Algorithm:
    """A registered algorithm (see the module docstring for the function contract).

    Attributes
    ----------
    name : str
        Registry name.
    init_fn, step_fn : numba dispatchers
        The state initialiser and the pure step.
    hypers : tuple of Hyper
        Hyper-parameters in packing order.
    n_state_vectors, n_state_scalars : int
        Shape of the state.
    samples_per_step : int
        Oracle calls per step (2 for SGDOL).
    uses_schedule : bool
        Whether ``step`` reads ``eta`` (otherwise the step size is state, and no schedule may be
        given).
    summary : str
        One line with the update rule.
    state_names : tuple of str
        Names of the scalar state entries; when given (one per entry of ``scal``), the engine
        records them at every checkpoint as metrics ``state_<name>`` (e.g. SGDOL's cumulative
        surrogate loss, from which its regret is measured).
    """

    name: str
    init_fn: Any
    step_fn: Any
    hypers: tuple = ()
    n_state_vectors: int = 0
    n_state_scalars: int = 0
    samples_per_step: int = 1
    uses_schedule: bool = True
    summary: str = ""
    state_names: tuple = ()

    def __post_init__(self):
        if self.state_names and len(self.state_names) != self.n_state_scalars:
            raise ValueError(f"algorithm {self.name!r}: state_names must name all {self.n_state_scalars} state scalars")

    def pack(self, hyper: dict | None) -> np.ndarray:
        """Validated hyper-parameter vector; missing entries take their defaults."""
        if hyper is not None and not isinstance(hyper, Mapping):
            raise TypeError(f"hyper must be a dict of hyper-parameters, got {type(hyper).__name__}")
        hyper = {} if hyper is None else dict(hyper)
        known = {h.name for h in self.hypers}
        unknown = sorted(set(hyper) - known)
        if unknown:
            allowed = ", ".join(sorted(known)) or "none"
            raise ValueError(f"unknown hyper-parameter(s) {unknown} for algorithm {self.name!r}; allowed: {allowed}")
        values = [h.check(hyper.get(h.name, h.default)) for h in self.hypers]
        return np.array(values if values else [0.0], dtype=np.float64)

    def resolved(self, hyper: dict | None) -> dict:
        """All hyper-parameters with defaults filled in (after validation)."""
        packed = self.pack(hyper)
        return {h.name: float(v) for h, v in zip(self.hypers, packed)}
