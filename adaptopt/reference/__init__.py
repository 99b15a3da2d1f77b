"""The readable specification of every algorithm and of the engine, in plain numpy.

This module is the *definition* the fast kernels are tested against (the stumpy ``naive.py``
pattern): every algorithm is written once more, as the textbook loop, from the update rule in
its docstring in :mod:`adaptopt.algorithms`, not translated from the kernel code; and
:func:`reference_run` / :func:`reference_replay` restate the semantics of :func:`adaptopt.run`
and :func:`adaptopt.replay` loop by loop. Nothing here is fast, and nothing here is jitted: the
only compiled code it calls is the objective's own value and gradient (the plug-in under test is
the algorithm and the engine, not the objective) and the per-seed random stream, so that the
noise is *shared* with the kernel draw for draw.

Algorithms
----------
One small class per registered algorithm, in the module of this package named like the
algorithm's module in :mod:`adaptopt.algorithms`; :data:`REFERENCES` collects every subclass of
:class:`~adaptopt.reference.base.ReferenceAlgorithm` with a ``name``, by that name. Each is
vectorised over seeds (iterates of shape ``(S, d)``), keeps its state as plain attributes, and
has two methods::

    init(x0)                      -> None              set the initial state for iterates x0 (S, d)
    step(t, eta, x, g, g2)        -> (x_new, eta_eff)  one round t = 1, 2, ...

``eta`` is the schedule's step size of round ``t`` (``nan`` for algorithms that set their own
step size), ``g`` the stochastic gradient at ``x`` and ``g2`` an independent second sample at
the same point (algorithms that draw two per step, such as SGDOL; otherwise ``g2 is g``).
``eta_eff`` is the effective step size of the round, a float or an ``(S,)`` array (per-seed
step sizes of state-dependent methods); it is what the engine records and what weights the
step-size-weighted average. A new algorithm adds one class here, with the same hyper-parameter
names as its registry entry (they are the constructor's keyword arguments); it is found
automatically.

Engine semantics restated (see :mod:`adaptopt.kernels` ``METRICS``)
--------------------------------------------------------------------
Write ``x_1`` for the starting point and ``x_{t+1}`` for the iterate after ``t`` steps; round
``t`` evaluates the exact gradient ``grad f(x_t)`` and the stochastic gradient(s) at ``x_t``.
Checkpoint ``t`` records, for ``t = 0..T``:

=========================  ==============================================================
metric                     value at checkpoint t (NaN marks "undefined at t = 0")
=========================  ==============================================================
f_gap                      f(x_{t+1}) - f*
grad_norm2                 ||grad f(x_{t+1})||^2
grad_norm1                 ||grad f(x_{t+1})||_1
avg_grad_norm2             (1/t) sum_{s<=t} ||grad f(x_s)||^2               (NaN at t = 0)
avg_grad_norm1             (1/t) sum_{s<=t} ||grad f(x_s)||_1  (NaN at t = 0, and unless track_l1)
weighted_avg_grad_norm2    sum_{s<=t} eta_s ||grad f(x_s)||^2 / sum_{s<=t} eta_s   (NaN at 0)
min_grad_norm2             min_{s<=t} ||grad f(x_s)||^2                     (NaN at t = 0)
step_size                  eta_t, the effective step size of round t          (NaN at t = 0)
oracle_calls               t * (samples per step)
=========================  ==============================================================

Divergence: before round ``t`` (and once more after round ``T``) the seed's exact gradient at
``x_t`` is checked; if ``||grad f(x_t)||^2 <= threshold^2`` fails (too large, inf or NaN), the
seed stops: ``diverged_at = t - 1`` (the number of completed steps), its iterate is frozen at
that bad ``x_t`` (reported as its final iterate), and every checkpoint ``>= diverged_at`` is NaN.
The other seeds go on unaffected. Arithmetic on a seed that is blowing up overflows by design,
so floating-point warnings are silenced inside :func:`reference_run`.
"""

from __future__ import annotations

import importlib
import math
import pkgutil

import numpy as np

from adaptopt.algorithms import get_algorithm
from adaptopt.engine import DEFAULT_DIVERGENCE_THRESHOLD, log_checkpoints
from adaptopt.kernels import METRIC_NAMES
from adaptopt.reference.base import ReferenceAlgorithm
from adaptopt.rng import Stream
from adaptopt.schedules import make_schedule


def _collect() -> dict:
    """Every named :class:`ReferenceAlgorithm` subclass of the modules of this package."""
    found = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, ReferenceAlgorithm) and value.name:
                found[value.name] = value
    return found


#: Reference class of every algorithm, by registry name.
REFERENCES = _collect()


def make_reference(algorithm, hyper: dict | None = None) -> ReferenceAlgorithm:
    """The reference of ``algorithm`` (a registry name) with ``hyper`` (defaults filled in).

    Hyper-parameters are validated and completed by the registry entry, so that both sides of a
    comparison run with the same values.
    """
    entry = get_algorithm(algorithm)
    if entry.name not in REFERENCES:
        raise ValueError(f"algorithm {entry.name!r} has no reference implementation in adaptopt.reference")
    ref = REFERENCES[entry.name](**entry.resolved(hyper))
    if ref.samples_per_step != entry.samples_per_step or ref.uses_schedule != entry.uses_schedule:
        raise ValueError(f"reference of {entry.name!r} disagrees with the registry on samples per step or schedule use")
    return ref


# ---------------------------------------------------------------------------------------------
# Schedules, from the formulas of adaptopt.schedules (not its jitted evaluator).


def reference_step_size(schedule, t: int, horizon: int) -> float:
    r"""Step size :math:`\eta_t` of round ``t`` (1-based) of a run of ``horizon`` rounds.

    =================  ============================================================
    kind               :math:`\eta_t`
    =================  ============================================================
    constant           :math:`\eta_0`
    inv_sqrt           :math:`\eta_0/\sqrt t`
    inv_t              :math:`\eta_0/t`
    inv_linear         :math:`\eta_0/(1 + a t)`
    inv_sqrt_linear    :math:`\eta_0/(1 + a\sqrt t)`
    exponential        :math:`\eta_0\alpha^t`, :math:`\alpha = (\beta/T)^{1/T}`
    cosine             :math:`\frac{\eta_0}{2}(1 + \cos(\pi t/T))`
    stagewise          :math:`\eta_0\gamma^{\#\{k:\ m_k \le t\}}`
    inv_sqrt_offset    :math:`\eta_0/\sqrt{1 + t/\tau}`
    =================  ============================================================

    ``schedule`` is a :class:`adaptopt.schedules.Schedule` or its dict form; ``None`` (an
    algorithm that sets its own step size) gives ``nan``, as in the engine.
    """
    if schedule is None:
        return math.nan
    spec = make_schedule(schedule).to_dict()
    kind, eta0 = spec["kind"], spec["eta0"]
    if kind == "constant":
        return eta0
    if kind == "inv_sqrt":
        return eta0 / math.sqrt(t)
    if kind == "inv_t":
        return eta0 / t
    if kind == "inv_linear":
        return eta0 / (1.0 + spec["a"] * t)
    if kind == "inv_sqrt_linear":
        return eta0 / (1.0 + spec["a"] * math.sqrt(t))
    if kind == "exponential":
        alpha = (spec["beta"] / horizon) ** (1.0 / horizon)
        return eta0 * alpha**t
    if kind == "cosine":
        return 0.5 * eta0 * (1.0 + math.cos(math.pi * t / horizon))
    if kind == "inv_sqrt_offset":
        return eta0 * (1.0 + t / spec["tau"]) ** -0.5
    if kind == "stagewise":
        passed = sum(1 for m in spec["milestones"] if m <= t)
        return eta0 * spec["factor"] ** passed
    raise ValueError(f"no reference for schedule kind {kind!r}")


# ---------------------------------------------------------------------------------------------
# The engine.


def _as_objective(objective):
    if isinstance(objective, str):
        from synthetic.objectives import make_objective
        return make_objective(objective)
    return objective


def _as_noise(noise):
    from synthetic.noise import make_noise
    from synthetic.noise import none as no_noise
    if noise is None:
        return no_noise()
    if isinstance(noise, str):
        return make_noise(noise)
    return noise


def _reference_checkpoints(spec, horizon: int) -> np.ndarray:
    if spec is None:
        return log_checkpoints(horizon)
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        return log_checkpoints(horizon, int(spec))
    return np.unique(np.asarray(spec, dtype=np.int64))


def reference_run(
    algorithm,
    objective,
    noise=None,
    *,
    T: int,
    n_seeds: int,
    hyper: dict | None = None,
    schedule=None,
    x0=None,
    seed: int = 0,
    seed_start: int = 0,
    checkpoints=None,
    divergence_threshold: float = DEFAULT_DIVERGENCE_THRESHOLD,
    track_l1: bool = False,
    stop_grad_norm: float | None = None,
    stop_patience: int = 1,
) -> dict:
    r"""The Monte-Carlo run of :func:`adaptopt.run`, written as the textbook loop.

    For every seed :math:`i` (stream ``Stream(seed, seed_start + i)``) and round
    :math:`t = 1..T`:

    .. math::

        g_t = \tilde\nabla f(x_t;\ \xi_t),\quad
        (x_{t+1}, \eta^{\rm eff}_t) = \mathrm{step}(t, \eta_t, x_t, g_t, g'_t)

    where :math:`\tilde\nabla f` is ``noise.reference(grad f(x_t), x_t, stream_i)`` and
    :math:`g'_t` a second call at the same point for two-sample algorithms (drawn right after
    :math:`g_t` from the same stream). The metrics and the divergence rule are those of the
    module docstring.

    Parameters
    ----------
    algorithm : str
        Registry name (its class in :data:`REFERENCES` is used).
    objective : Objective or str
    noise : NoiseModel, str or None
    T, n_seeds : int
    hyper : dict, optional
    schedule : Schedule or dict, optional
    x0 : array_like, shape (d,) or (n_seeds, d), optional
        Default ``objective.x0``.
    seed, seed_start : int
        Root seed and the index of the first seed.
    checkpoints : int or sequence of int, optional
        As in :func:`adaptopt.run` (default: 40 log-spaced steps).
    divergence_threshold : float
    track_l1 : bool
        Fill ``avg_grad_norm1`` (NaN otherwise), as the engine does.
    stop_grad_norm, stop_patience
        The engine's stopping rule: a seed stops once ``||grad f(x_t)|| <= stop_grad_norm`` has
        held before ``stop_patience`` consecutive rounds (checked right after the divergence test);
        ``converged_at`` is then the number of completed steps and its later checkpoints are NaN.

    Returns
    -------
    dict
        One array of shape (n_checkpoints, n_seeds) per metric name of
        :data:`adaptopt.kernels.METRICS`, plus ``final_x`` (n_seeds, d), ``diverged_at``
        (n_seeds,) int64 (-1 if never), ``converged_at`` (n_seeds,) int64 and ``checkpoints``
        (n_checkpoints,).
    """
    algo = make_reference(algorithm, hyper)
    obj = _as_objective(objective)
    noise_model = _as_noise(noise)
    steps = _reference_checkpoints(checkpoints, T)
    start = obj.x0 if x0 is None else np.asarray(x0, dtype=np.float64)
    x = np.array(np.broadcast_to(start, (n_seeds, obj.dim)), dtype=np.float64)
    streams = [Stream(seed, seed_start + i) for i in range(n_seeds)]
    threshold2 = divergence_threshold * divergence_threshold

    snapshots = {}  # checkpoint t -> copy of x_{t+1}
    sq_norms = np.full((T, n_seeds), np.nan)  # sq_norms[t-1] = ||grad f(x_t)||^2
    eta_effs = np.full((T, n_seeds), np.nan)  # eta_effs[t-1] = effective step size of round t
    l1_norms = np.full((T, n_seeds), np.nan)  # l1_norms[t-1] = ||grad f(x_t)||_1
    active = np.ones(n_seeds, dtype=bool)
    diverged_at = np.full(n_seeds, -1, dtype=np.int64)
    converged_at = np.full(n_seeds, -1, dtype=np.int64)
    below = np.zeros(n_seeds, dtype=np.int64)
    stop2 = -1.0 if stop_grad_norm is None else stop_grad_norm**2

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        algo.init(x.copy())
        if 0 in steps:
            snapshots[0] = x.copy()
        for t in range(1, T + 2):
            grad = obj.grad(x)
            gn2 = np.sum(grad * grad, axis=1)
            newly = active & ~(gn2 <= threshold2)
            diverged_at[newly] = t - 1
            active &= ~newly
            below = np.where(gn2 <= stop2, below + 1, 0)
            done = active & (below >= stop_patience)
            converged_at[done] = t - 1
            active &= ~done
            if t > T:
                break
            eta = reference_step_size(schedule, t, T)
            g = grad.copy()
            g2 = g
            if algo.samples_per_step == 2:
                g2 = grad.copy()
            for i in np.flatnonzero(active):
                g[i] = noise_model.reference(grad[i], x[i], streams[i])
                if algo.samples_per_step == 2:
                    g2[i] = noise_model.reference(grad[i], x[i], streams[i])
            x_new, eta_eff = algo.step(t, eta, x, g, g2)
            x = np.where(active[:, None], x_new, x)
            sq_norms[t - 1] = gn2
            l1_norms[t - 1] = np.sum(np.abs(grad), axis=1)
            eta_effs[t - 1] = np.broadcast_to(eta_eff, (n_seeds,))
            if t in steps:
                snapshots[t] = x.copy()

        out = {name: np.full((steps.size, n_seeds), np.nan) for name in METRIC_NAMES}
        for k, t in enumerate(steps):
            t = int(t)
            xt = snapshots[t]
            grad = obj.grad(xt)
            out["f_gap"][k] = obj.value(xt) - obj.f_star
            out["grad_norm2"][k] = np.sum(grad * grad, axis=1)
            out["grad_norm1"][k] = np.sum(np.abs(grad), axis=1)
            out["oracle_calls"][k] = algo.samples_per_step * t
            if t > 0:
                past_sq, past_eta = sq_norms[:t], eta_effs[:t]
                out["avg_grad_norm2"][k] = np.sum(past_sq, axis=0) / t
                if track_l1:
                    out["avg_grad_norm1"][k] = np.sum(l1_norms[:t], axis=0) / t
                out["weighted_avg_grad_norm2"][k] = np.sum(past_eta * past_sq, axis=0) / np.sum(past_eta, axis=0)
                out["min_grad_norm2"][k] = np.min(past_sq, axis=0)
                out["step_size"][k] = past_eta[t - 1]
        stopped = np.where(diverged_at >= 0, diverged_at, converged_at)
        for i in np.flatnonzero(stopped >= 0):
            for name in METRIC_NAMES:
                out[name][steps >= stopped[i], i] = np.nan

    out["final_x"] = x
    out["diverged_at"] = diverged_at
    out["converged_at"] = converged_at
    out["checkpoints"] = steps
    return out


def reference_replay(algorithm, grads, grads2=None, *, x0, hyper: dict | None = None, schedule=None):
    r"""The update of ``algorithm`` applied to a given gradient sequence (:func:`adaptopt.replay`).

    .. math:: (x_{t+1}, \eta^{\rm eff}_t) = \mathrm{step}(t, \eta_t, x_t, g_t, g'_t), \quad t = 1..T

    with :math:`x_1` = ``x0``, :math:`g_t` = ``grads[t-1]`` and :math:`g'_t` = ``grads2[t-1]``
    (or :math:`g_t` again for one-sample algorithms).

    Returns
    -------
    iterates : ndarray, shape (T + 1, d)
        ``iterates[t]`` is the iterate after ``t`` steps.
    step_sizes : ndarray, shape (T,)
        Effective step size of every round.
    """
    algo = make_reference(algorithm, hyper)
    g_all = np.asarray(grads, dtype=np.float64)
    g2_all = g_all if grads2 is None else np.asarray(grads2, dtype=np.float64)
    horizon, d = g_all.shape
    x = np.asarray(x0, dtype=np.float64).reshape(1, d).copy()
    algo.init(x.copy())
    iterates = np.empty((horizon + 1, d))
    step_sizes = np.empty(horizon)
    iterates[0] = x[0]
    for t in range(1, horizon + 1):
        eta = reference_step_size(schedule, t, horizon)
        x, eta_eff = algo.step(t, eta, x, g_all[t - 1][None, :], g2_all[t - 1][None, :])
        iterates[t] = x[0]
        step_sizes[t - 1] = np.broadcast_to(eta_eff, (1,))[0]
    return iterates, step_sizes


__all__ = ["REFERENCES", "ReferenceAlgorithm", "make_reference", "reference_replay", "reference_run",
           "reference_step_size"]
