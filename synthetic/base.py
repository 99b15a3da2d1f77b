"""The two plug-in types of the toolkit: objectives and noise models.

An objective is a pair of jitted functions plus data::

    value(x, p) -> float                f(x)
    grad(x, p, out) -> float            out[:] = grad f(x); returns ||grad f(x)||²

where ``p`` is a float64 parameter vector (runtime data: changing a weight or a spectrum never
recompiles a kernel). The gradient returns its squared norm because the engine needs it every
step and computing it in the same loop saves a pass over memory; :func:`adaptopt.run` checks
the returned value at the starting point. A noise model is one jitted function::

    sample(grad, x, grad_norm2, p, state, out) -> None     out[:] = a stochastic gradient

that draws from the per-seed stream ``state`` (a ``uint64[4]`` array, see :mod:`adaptopt.rng`)
and writes ``grad f(x) + noise`` into ``out``. The engine assembles one kernel per
(algorithm, objective, noise) triple from these functions (:mod:`adaptopt.engine`); built-in and
user-defined plug-ins take the same path. Functions defined at the top level of an importable
module give kernels that are cached on disk; functions defined in ``__main__`` or inside
another function work too, but their kernels are compiled in every new process.

Every plug-in also has a plain-Python face: :meth:`Objective.value`, :meth:`Objective.grad`
and :meth:`NoiseModel.sample` take numpy arrays (and, for noise, a ``numpy.random.Generator``
or an :class:`adaptopt.rng.Stream`) and return numpy arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from adaptopt.validation import check_positive_int, check_vector

#: Where a constant comes from, as reported next to every bound.
SOURCES = ("paper", "derived", "numerical", "standard")


@dataclass(frozen=True)
class Constant:
    """A problem constant with its provenance.

    ``source`` is ``"paper"`` (stated in a cited paper), ``"standard"`` (textbook fact),
    ``"derived"`` (derived in this project; the derivation is in ``note`` or in the docstring of
    the objective) or ``"numerical"`` (measured, e.g. the tight PL constant).
    """

    value: float | list
    source: str
    note: str = ""

    def __post_init__(self):
        if self.source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}, got {self.source!r}")

    def to_dict(self) -> dict:
        return {"value": self.value, "source": self.source, "note": self.note}


@dataclass(frozen=True)
class Constants:
    """The known constants of an objective.

    Attributes
    ----------
    f_star : float
        ``inf f``.
    L : Constant or None
        Global smoothness constant, ``||grad f(x) - grad f(y)|| <= L ||x - y||``; ``None`` if
        ``f`` is not globally L-smooth.
    mu_pl : Constant or None
        A proven Polyak-Lojasiewicz constant, ``||grad f||^2 >= 2 mu (f - f*)``; ``None`` if PL
        does not hold.
    mu_pl_tight : Constant or None
        The largest such constant, computed numerically.
    properties : dict
        Which standard properties hold (``l_smooth``, ``pl``, ``convex``, ...); a property set to
        ``False`` is known *not* to hold.
    extra : dict
        Further constants (name -> :class:`Constant`), e.g. the local curvature at the optimum.
    """

    f_star: float
    L: Constant | None = None
    mu_pl: Constant | None = None
    mu_pl_tight: Constant | None = None
    properties: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"f_star": self.f_star, "properties": dict(self.properties)}
        for name in ("L", "mu_pl", "mu_pl_tight"):
            c = getattr(self, name)
            out[name] = None if c is None else c.to_dict()
        out["extra"] = {k: v.to_dict() for k, v in self.extra.items()}
        return out


def _short(value) -> str:
    """A compact text for an option value: numbers with %g, long vectors by their range."""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, (int, float)) for v in (value[0], value[-1])):
        if min(value) == max(value):
            return f"[{value[0]:g}]*{len(value)}"
        if len(value) > 4:
            return f"[{value[0]:g}..{value[-1]:g}]({len(value)})"
        return "[" + ", ".join(f"{v:g}" for v in value) + "]"
    return str(value)


@dataclass(frozen=True, eq=False)
class Objective:
    """A test function with exactly known constants.

    Build instances with the constructors of :mod:`synthetic.objectives`, or directly for a
    user-defined function (see the README, "Adding an objective").

    Attributes
    ----------
    name : str
        Family name (``"pl_sine"``, ...); with ``options`` it labels results.
    value_fn, grad_fn : numba dispatchers
        ``value_fn(x, params) -> float`` and ``grad_fn(x, params, out) -> float`` (writes the
        gradient, returns its squared norm).
    params : ndarray
        Parameter vector passed to both functions.
    dim : int
        Dimension ``d``.
    constants : Constants
        ``f*``, ``L``, PL constants and properties.
    x0 : ndarray
        Default starting point.
    options : dict
        The constructor's arguments (JSON-serialisable), for labels and configs.
    description : str
        One line, with the formula.
    """

    name: str
    value_fn: Any
    grad_fn: Any
    params: np.ndarray
    dim: int
    constants: Constants
    x0: np.ndarray
    options: dict = field(default_factory=dict)
    description: str = ""

    def __post_init__(self):
        object.__setattr__(self, "dim", check_positive_int("dim", self.dim))
        object.__setattr__(self, "params", check_vector("params", self.params))
        object.__setattr__(self, "x0", check_vector("x0", self.x0, self.dim))

    @property
    def f_star(self) -> float:
        return self.constants.f_star

    def _point(self, x) -> np.ndarray:
        arr = np.ascontiguousarray(x, dtype=np.float64)
        if arr.ndim not in (1, 2) or arr.shape[-1] != self.dim:
            raise ValueError(f"x must have shape ({self.dim},) or (S, {self.dim}), got {arr.shape}")
        return arr

    def value(self, x) -> float | np.ndarray:
        """``f(x)`` for ``x`` of shape (d,) (a float) or (S, d) (an array of S values)."""
        arr = self._point(x)
        if arr.ndim == 1:
            return float(self.value_fn(arr, self.params))
        return np.array([self.value_fn(row, self.params) for row in arr])

    def grad(self, x) -> np.ndarray:
        """``grad f(x)``, same shape as ``x``."""
        arr = self._point(x)
        out = np.empty_like(arr)
        for row, dst in zip(np.atleast_2d(arr), np.atleast_2d(out)):
            self.grad_fn(row, self.params, dst)
        return out

    def label(self) -> str:
        """Short readable name: family, dimension and options (long vectors summarised)."""
        opts = ", ".join(f"{k}={_short(v)}" for k, v in self.options.items() if k not in ("dim", "blocks"))
        return f"{self.name}(d={self.dim}{', ' + opts if opts else ''})"

    def to_dict(self) -> dict:
        return {"name": self.name, "dim": self.dim, "options": dict(self.options), "constants": self.constants.to_dict()}


@dataclass(frozen=True, eq=False)
class NoiseModel:
    """A stochastic-gradient oracle: ``g = grad f(x) + noise``, with a documented variance.

    Attributes
    ----------
    name : str
        Family name (``"gaussian"``, ...).
    sample_fn : numba dispatcher
        ``sample_fn(grad, x, grad_norm2, params, state, out)``, the in-kernel oracle.
    params : ndarray
        Its parameter vector.
    variance : callable
        ``variance(grad_norm2, x) -> float``: the exact ``E||g - grad f(x)||^2`` (``inf`` when it
        does not exist).
    reference : callable
        ``reference(grad, x, rng) -> ndarray``: the same oracle in plain numpy, written from the
        definition; ``rng`` is a ``numpy.random.Generator`` or an :class:`adaptopt.rng.Stream`
        (with a Stream it draws exactly what the kernel draws). ``grad`` and ``x`` may be (d,)
        or (S, d); with a Stream, pass (d,).
    options : dict
        The constructor's arguments.
    assumptions : dict
        Which noise assumptions hold: ``unbiased``, ``bounded_variance`` (N1), ``affine_variance``
        (N2), ``bounded`` (almost surely), ``finite_variance``.
    description : str
        One line, with the formula.
    dim : int or None
        The dimension the model is built for (per-coordinate parameters), or None for any.
    """

    name: str
    sample_fn: Any
    params: np.ndarray
    variance: Callable[[float, np.ndarray], float]
    reference: Callable
    options: dict = field(default_factory=dict)
    assumptions: dict = field(default_factory=dict)
    description: str = ""
    dim: int | None = None

    def __post_init__(self):
        object.__setattr__(self, "params", check_vector("params", self.params, finite=False))

    def sample(self, objective: Objective, x, rng) -> np.ndarray:
        """One stochastic gradient of ``objective`` at ``x`` (shape (d,) or (S, d))."""
        arr = objective._point(x)
        return self.reference(objective.grad(arr), arr, rng)

    @property
    def finite_variance(self) -> bool:
        return bool(self.assumptions.get("finite_variance", True))

    def label(self) -> str:
        """Short readable name: family and options (long vectors summarised)."""
        opts = ", ".join(f"{k}={_short(v)}" for k, v in self.options.items())
        return f"{self.name}({opts})"

    def to_dict(self) -> dict:
        return {"name": self.name, "options": dict(self.options), "assumptions": dict(self.assumptions)}

