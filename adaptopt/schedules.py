"""Step-size schedules: functions of the step counter ``t = 1, ..., T``.

A schedule is data (a kind code and a parameter vector); one jitted function,
:func:`schedule_value`, evaluates every kind, inside kernels and from Python, and
:meth:`Schedule.__call__` is its vectorised form. State-dependent step sizes (SGDOL's online
learner, AdaGrad-norm) are algorithm state, not schedules.

====================  =====================================================  =====================
kind                  :math:`\\eta_t`, ``t = 1..T``                          reference
====================  =====================================================  =====================
``constant``          :math:`\\eta_0`
``inv_sqrt``          :math:`\\eta_0/\\sqrt{t}`                               Ghadimi and Lan (2013)
``inv_t``             :math:`\\eta_0/t`
``inv_linear``        :math:`\\eta_0/(1 + a t)`                               Li, Zhuang, Orabona
``inv_sqrt_linear``   :math:`\\eta_0/(1 + a\\sqrt{t})`                        (2021), code baselines
``exponential``       :math:`\\eta_0\\alpha^t`, :math:`\\alpha = (\\beta/T)^{1/T}` Li, Zhuang, Orabona
``cosine``            :math:`\\tfrac{\\eta_0}{2}(1 + \\cos(\\pi t/T))`          (2021), ICML
``stagewise``         :math:`\\eta_0\\gamma^{\\#\\{k: m_k \\le t\\}}`              PyTorch ``MultiStepLR``
``inv_sqrt_offset``   :math:`\\eta_0/\\sqrt{1 + t/\\tau}`                    [P-A] pilot (spec A.3)
====================  =====================================================  =====================

The counter starts at 1 and the step size of round ``t`` is computed before the update, as in
the authors' code (spec noise_adaptive.md §5.1): the exponential schedule ends at
``eta_T = eta0 * beta / T`` and the cosine schedule at ``eta_T = 0``. The exponential power is
evaluated as ``exp(t log(alpha))`` with ``log(alpha) = log(beta/T)/T`` computed once per run (it
is packed with the parameters), which equals the code's repeated multiplication by ``alpha`` up
to rounding; evaluating ``log`` at every step cost 8 ns per step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from adaptopt._jit import jit
from adaptopt.validation import call_with_options, check_finite_positive, check_in_range, check_positive_int

CONSTANT = 0
INV_SQRT = 1
INV_T = 2
INV_LINEAR = 3
INV_SQRT_LINEAR = 4
EXPONENTIAL = 5
COSINE = 6
STAGEWISE = 7
INV_SQRT_OFFSET = 8

#: Schedules whose value at ``t`` depends on the horizon ``T``.
HORIZON_DEPENDENT = frozenset({EXPONENTIAL, COSINE})


@jit
def schedule_value(kind, params, t, horizon):
    """Step size of round ``t`` (1-based) of a run of ``horizon`` rounds.

    ``params[0]`` is always ``eta0``; ``params[1]`` is ``a`` (inverse-linear kinds), ``beta``
    (exponential, followed by ``log(alpha) = log(beta/T)/T`` in ``params[2]``), ``tau``
    (inv_sqrt_offset) or the factor ``gamma`` (stagewise, whose milestones follow in
    ``params[2:]``).
    """
    eta0 = params[0]
    if kind == CONSTANT:
        return eta0
    if kind == INV_SQRT:
        return eta0 / math.sqrt(t)
    if kind == INV_T:
        return eta0 / t
    if kind == INV_LINEAR:
        return eta0 / (1.0 + params[1] * t)
    if kind == INV_SQRT_LINEAR:
        return eta0 / (1.0 + params[1] * math.sqrt(t))
    if kind == EXPONENTIAL:
        return eta0 * math.exp(t * params[2])
    if kind == COSINE:
        return 0.5 * eta0 * (1.0 + math.cos(math.pi * t / horizon))
    if kind == INV_SQRT_OFFSET:
        return eta0 / math.sqrt(1.0 + t / params[1])
    # STAGEWISE
    eta = eta0
    for k in range(2, params.size):
        if t >= params[k]:
            eta *= params[1]
    return eta


@jit
def schedule_values(kind, params, ts, horizon, out):
    """Vectorised :func:`schedule_value` over the steps ``ts`` (written into ``out``)."""
    for i in range(ts.size):
        out[i] = schedule_value(kind, params, ts[i], horizon)


_NAMES = {
    "constant": CONSTANT,
    "inv_sqrt": INV_SQRT,
    "inv_t": INV_T,
    "inv_linear": INV_LINEAR,
    "inv_sqrt_linear": INV_SQRT_LINEAR,
    "exponential": EXPONENTIAL,
    "cosine": COSINE,
    "stagewise": STAGEWISE,
    "inv_sqrt_offset": INV_SQRT_OFFSET,
}


@dataclass(frozen=True)
class Schedule:
    """A step-size schedule: ``kind`` and its parameters (build it with the functions below).

    Call it as ``schedule(t, T)`` with ``t`` an integer or an array of integers in ``1..T``.
    """

    kind: str
    eta0: float
    params: dict = field(default_factory=dict)

    @property
    def code(self) -> int:
        """Integer code used inside kernels."""
        return _NAMES[self.kind]

    @property
    def needs_horizon(self) -> bool:
        return self.code in HORIZON_DEPENDENT

    def packed(self, horizon: int | None = None) -> np.ndarray:
        """The float64 parameter vector read by :func:`schedule_value` for a run of ``horizon``
        steps (needed by the exponential schedule, whose ``log(alpha)`` is packed)."""
        if self.kind in ("inv_linear", "inv_sqrt_linear"):
            extra = [self.params["a"]]
        elif self.kind == "exponential":
            if horizon is None:
                raise ValueError("the exponential schedule depends on the horizon: pass T")
            horizon = self.check_horizon(horizon)
            extra = [self.params["beta"], math.log(self.params["beta"] / horizon) / horizon]
        elif self.kind == "inv_sqrt_offset":
            extra = [self.params["tau"]]
        elif self.kind == "stagewise":
            extra = [self.params["factor"], *self.params["milestones"]]
        else:
            extra = [0.0]
        return np.array([self.eta0, *extra], dtype=np.float64)

    def check_horizon(self, horizon: int) -> int:
        """Validate ``horizon`` for this schedule (exponential needs ``beta < T``)."""
        horizon = check_positive_int("T", horizon)
        if self.kind == "exponential" and not self.params["beta"] < horizon:
            raise ValueError(
                f"exponential schedule needs beta < T, got beta={self.params['beta']!r}, T={horizon}"
            )
        return horizon

    def __call__(self, t, horizon=None):
        ts = np.asarray(t)
        if not np.issubdtype(ts.dtype, np.integer):
            raise TypeError(f"t must be an integer or an integer array, got dtype {ts.dtype}")
        if self.needs_horizon and horizon is None:
            raise ValueError(f"the {self.kind} schedule depends on the horizon: pass T")
        given = horizon is not None
        horizon = self.check_horizon(horizon) if given else 1
        if ts.size and (ts.min() < 1 or (given and ts.max() > horizon)):
            raise ValueError(f"t must lie in 1..T, got values in [{ts.min()}, {ts.max()}]")
        flat = np.ascontiguousarray(ts, dtype=np.float64).ravel()
        out = np.empty_like(flat)
        schedule_values(self.code, self.packed(horizon), flat, float(horizon), out)
        return float(out[0]) if ts.ndim == 0 else out.reshape(ts.shape)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "eta0": self.eta0, **self.params}

    def label(self) -> str:
        extras = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.kind}(eta0={self.eta0:g}{', ' + extras if extras else ''})"


def constant(eta0: float) -> Schedule:
    """η_t = η0."""
    return Schedule("constant", check_finite_positive("eta0", eta0))


def inv_sqrt(eta0: float) -> Schedule:
    """η_t = η0 / √t."""
    return Schedule("inv_sqrt", check_finite_positive("eta0", eta0))


def inv_t(eta0: float) -> Schedule:
    """η_t = η0 / t."""
    return Schedule("inv_t", check_finite_positive("eta0", eta0))


def inv_linear(eta0: float, a: float) -> Schedule:
    """η_t = η0 / (1 + a t), a >= 0."""
    a = check_in_range("a", a, 0.0, math.inf)
    return Schedule("inv_linear", check_finite_positive("eta0", eta0), {"a": a})


def inv_sqrt_linear(eta0: float, a: float) -> Schedule:
    """η_t = η0 / (1 + a √t), a >= 0."""
    a = check_in_range("a", a, 0.0, math.inf)
    return Schedule("inv_sqrt_linear", check_finite_positive("eta0", eta0), {"a": a})


def exponential(eta0: float, beta: float = 1.0) -> Schedule:
    """η_t = η0 α^t with α = (β/T)^(1/T), β >= 1.

    The theory's parameterisation (Li, Zhuang and Orabona 2021): the last step is
    η_T = η0 β/T, and α >= e^(-1/e) for every T.
    """
    beta = check_in_range("beta", beta, 1.0, math.inf)
    return Schedule("exponential", check_finite_positive("eta0", eta0), {"beta": beta})


def cosine(eta0: float) -> Schedule:
    """η_t = (η0/2)(1 + cos(π t/T)); the last step is zero."""
    return Schedule("cosine", check_finite_positive("eta0", eta0))


def stagewise(eta0: float, factor: float, milestones) -> Schedule:
    """η_t = η0 γ^k(t), k(t) the number of milestones <= t."""
    factor = check_in_range("factor", factor, 0.0, 1.0, low_open=True)
    steps = [check_positive_int("milestones", m) for m in np.atleast_1d(milestones).tolist()]
    if not steps or any(b <= a for a, b in zip(steps, steps[1:])):
        raise ValueError(f"milestones must be a non-empty increasing list of steps >= 1, got {steps!r}")
    return Schedule("stagewise", check_finite_positive("eta0", eta0), {"factor": factor, "milestones": tuple(steps)})


def inv_sqrt_offset(eta0: float, tau: float) -> Schedule:
    """η_t = η0 / √(1 + t/τ), τ > 0 (the decaying multiplier of the [P-A] fixed-point pilot, τ = 100)."""
    tau = check_finite_positive("tau", tau)
    return Schedule("inv_sqrt_offset", check_finite_positive("eta0", eta0), {"tau": tau})


#: Constructors by name, for the CLI and config files.
SCHEDULES = {
    "constant": constant,
    "inv_sqrt": inv_sqrt,
    "inv_t": inv_t,
    "inv_linear": inv_linear,
    "inv_sqrt_linear": inv_sqrt_linear,
    "exponential": exponential,
    "cosine": cosine,
    "stagewise": stagewise,
    "inv_sqrt_offset": inv_sqrt_offset,
}


def make_schedule(spec) -> Schedule:
    """A :class:`Schedule` from itself or from a dict ``{"kind": ..., "eta0": ..., ...}``."""
    if isinstance(spec, Schedule):
        return spec
    if not isinstance(spec, dict) or "kind" not in spec:
        raise TypeError(f"schedule must be a Schedule or a dict with a 'kind' key, got {spec!r}")
    kind = spec["kind"]
    if kind not in SCHEDULES:
        raise ValueError(f"unknown schedule kind {kind!r}; allowed: {', '.join(SCHEDULES)}")
    kwargs = {k: v for k, v in spec.items() if k != "kind"}
    return call_with_options(SCHEDULES[kind], kwargs, f"schedule {kind!r}")
