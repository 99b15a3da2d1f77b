"""Input validation shared by every public entry point.

Kernels trust their inputs; these functions are the gate. Each raises ``TypeError`` for a value
of the wrong kind and ``ValueError`` for a value out of range, and every message names the
parameter, the value received and what is allowed.
"""

from __future__ import annotations

import inspect
import math
import numbers

import numpy as np


def _is_real_scalar(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def check_real(name: str, value) -> float:
    """A real number (int or float, not bool), returned as a Python float."""
    if not _is_real_scalar(value):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    return float(value)


def check_in_range(
    name: str,
    value,
    low: float,
    high: float,
    *,
    low_open: bool = False,
    high_open: bool = False,
    allow_inf: bool = False,
) -> float:
    """A real number in the interval from ``low`` to ``high`` (open or closed ends).

    ``inf`` is accepted only when ``allow_inf`` is set and ``high`` is ``inf``; NaN never is.
    """
    x = check_real(name, value)
    lo_bracket = "(" if low_open else "["
    hi_bracket = ")" if high_open or math.isinf(high) else "]"
    allowed = f"{lo_bracket}{low:g}, {high:g}{hi_bracket}"
    if math.isnan(x) or (math.isinf(x) and not (allow_inf and x == high == math.inf)):
        raise ValueError(f"{name} must be a finite number in {allowed}, got {value!r}")
    below = x <= low if low_open else x < low
    above = x >= high if high_open else x > high
    if below or above:
        raise ValueError(f"{name} must lie in {allowed}, got {value!r}")
    return x


def check_finite_positive(name: str, value) -> float:
    """A finite real number > 0."""
    return check_in_range(name, value, 0.0, math.inf, low_open=True)


def check_positive_int(name: str, value, minimum: int = 1) -> int:
    """An integer ``>= minimum`` (bools and floats are refused)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Integral, np.integer)):
        raise TypeError(f"{name} must be an integer >= {minimum}, got {value!r} ({type(value).__name__})")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_vector(name: str, value, size: int | None = None, *, finite: bool = True) -> np.ndarray:
    """A 1-D float64 C-contiguous copy of ``value``, optionally of a given size and finite."""
    try:
        arr = np.array(value, dtype=np.float64, copy=True)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a 1-D array of real numbers, got {value!r}") from None
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array, got shape {arr.shape}")
    if size is not None and arr.size != size:
        raise ValueError(f"{name} must have length {size}, got length {arr.size}")
    if finite and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite values")
    return np.ascontiguousarray(arr)


def check_choice(name: str, value, allowed) -> str:
    """One of the names in ``allowed``."""
    if value not in allowed:
        listed = ", ".join(sorted(map(str, allowed)))
        raise ValueError(f"unknown {name} {value!r}; allowed: {listed}")
    return value


def call_with_options(constructor, options: dict, what: str):
    """``constructor(**options)``, with unknown or missing option names reported as ValueError.

    Only the binding of the names is checked here; the constructor's own validation errors
    (``TypeError`` for a wrong kind of value, ``ValueError`` for a value out of range) pass
    through unchanged.
    """
    signature = inspect.signature(constructor)
    unknown = sorted(set(options) - set(signature.parameters))
    if unknown:
        raise ValueError(f"unknown option(s) {unknown} for {what}; allowed: {', '.join(signature.parameters)}")
    try:
        signature.bind(**options)
    except TypeError as err:
        raise ValueError(f"bad options for {what}: {err}") from None
    return constructor(**options)
