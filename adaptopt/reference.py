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
One small class per registered algorithm, keyed by registry name in :data:`REFERENCES`. Each is
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
names as its registry entry (they are the constructor's keyword arguments), and one line in
:data:`REFERENCES`.

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

import math

import numpy as np

from adaptopt.algorithms import get_algorithm
from adaptopt.engine import DEFAULT_DIVERGENCE_THRESHOLD, log_checkpoints
from adaptopt.kernels import METRIC_NAMES
from adaptopt.rng import Stream
from adaptopt.schedules import make_schedule

# ---------------------------------------------------------------------------------------------
# Algorithms.


class ReferenceAlgorithm:
    """Base class: the interface every reference algorithm follows (see the module docstring).

    Attributes
    ----------
    name : str
        Registry name of the algorithm.
    samples_per_step : int
        Stochastic gradients drawn per round (2 for SGDOL).
    uses_schedule : bool
        Whether ``step`` reads ``eta``.
    """

    name = ""
    samples_per_step = 1
    uses_schedule = True

    def init(self, x0: np.ndarray) -> None:
        """Set the initial state for iterates ``x0`` of shape (S, d)."""

    def step(self, t: int, eta: float, x: np.ndarray, g: np.ndarray, g2: np.ndarray):
        """One round; returns ``(x_new, eta_eff)``."""
        raise NotImplementedError


class SGD(ReferenceAlgorithm):
    r"""Stochastic gradient descent.

    .. math:: x_{t+1} = x_t - \eta_t g_t

    Symbols: :math:`\eta_t` = ``eta`` (the schedule), :math:`g_t` = ``g``. No state; the
    effective step size is :math:`\eta_t`.
    """

    name = "sgd"

    def step(self, t, eta, x, g, g2):
        return x - eta * g, eta


class SGDHeavyBall(ReferenceAlgorithm):
    r"""SGD with heavy-ball momentum (PyTorch ``torch.optim.SGD(momentum=beta)``, dampening 0).

    .. math::

        m_0 = 0, \qquad m_t = \beta m_{t-1} + g_t, \qquad x_{t+1} = x_t - \eta_t m_t

    Symbols: :math:`\beta` = ``momentum``, :math:`\eta_t` = ``eta``. The effective step size
    recorded is :math:`\eta_t` (not :math:`\eta_t/(1-\beta)`).
    """

    name = "sgd_heavy_ball"

    def __init__(self, momentum: float):
        self.beta = momentum
        self.m = None

    def init(self, x0):
        self.m = np.zeros_like(x0)

    def step(self, t, eta, x, g, g2):
        self.m = self.beta * self.m + g
        return x - eta * self.m, eta


class SGDEMA(ReferenceAlgorithm):
    r"""SGD with exponential-moving-average momentum (the form of normalized-SGD analyses).

    .. math::

        m_0 = 0, \qquad m_t = \beta m_{t-1} + (1 - \beta) g_t, \qquad x_{t+1} = x_t - \eta_t m_t

    Symbols: :math:`\beta` = ``momentum``, :math:`\eta_t` = ``eta``. Convention warning: this is
    the heavy ball with step :math:`\eta_t (1-\beta)`; both reduce to SGD at :math:`\beta = 0`.
    """

    name = "sgd_ema"

    def __init__(self, momentum: float):
        self.beta = momentum
        self.m = None

    def init(self, x0):
        self.m = np.zeros_like(x0)

    def step(self, t, eta, x, g, g2):
        self.m = self.beta * self.m + (1.0 - self.beta) * g
        return x - eta * self.m, eta


class SGDOL(ReferenceAlgorithm):
    r"""SGDOL: SGD whose step size is learned online by FTRL on surrogate losses.

    Zhuang, Cutkosky and Orabona (ICML 2019). Two independent samples :math:`g_t, g'_t` at
    :math:`x_t` per round; with :math:`\tilde g'_t = (1-c) g'_t + c g_t`:

    .. math::

        \eta_1 = 1/L, \qquad x_{t+1} = x_t - \eta_t g_t,

        \eta_{t+1} = \mathrm{clip}\Big(\frac{\alpha + \sum_{i\le t}\langle g_i, \tilde g'_i\rangle}
                      {L(\alpha + \sum_{i\le t}\|g_i\|^2)},\ 0,\ 2/L\Big)

    Symbols: :math:`L` = ``smoothness``, :math:`\alpha` = ``alpha``, :math:`c` =
    ``second_sample_correlation`` (0 is the paper's method). The effective step size of round
    :math:`t` is :math:`\eta_t`, one per seed.
    """

    name = "sgdol"
    samples_per_step = 2
    uses_schedule = False

    def __init__(self, smoothness: float, alpha: float, second_sample_correlation: float):
        self.L, self.alpha, self.c = smoothness, alpha, second_sample_correlation

    def init(self, x0):
        n_seeds = x0.shape[0]
        self.sum_inner = np.full(n_seeds, self.alpha)
        self.sum_sq = np.full(n_seeds, self.alpha)
        self.eta = np.full(n_seeds, 1.0 / self.L)

    def step(self, t, eta, x, g, g2):
        second = (1.0 - self.c) * g2 + self.c * g
        used = self.eta
        x_new = x - used[:, None] * g
        self.sum_inner = self.sum_inner + np.sum(g * second, axis=1)
        self.sum_sq = self.sum_sq + np.sum(g * g, axis=1)
        self.eta = np.clip(self.sum_inner / (self.L * self.sum_sq), 0.0, 2.0 / self.L)
        return x_new, used


class SGDOLCoordinate(SGDOL):
    r"""Per-coordinate SGDOL (an extension, not in the paper): the closed form of :class:`SGDOL`
    on coordinate-wise sums, :math:`\eta_{t,j}`; the recorded step size is
    :math:`\frac1d\sum_j \eta_{t,j}`."""

    name = "sgdol_coordinate"

    def init(self, x0):
        self.sum_inner = np.full(x0.shape, self.alpha)
        self.sum_sq = np.full(x0.shape, self.alpha)
        self.eta = np.full(x0.shape, 1.0 / self.L)

    def step(self, t, eta, x, g, g2):
        second = (1.0 - self.c) * g2 + self.c * g
        used = self.eta
        x_new = x - used * g
        self.sum_inner = self.sum_inner + g * second
        self.sum_sq = self.sum_sq + g * g
        self.eta = np.clip(self.sum_inner / (self.L * self.sum_sq), 0.0, 2.0 / self.L)
        return x_new, np.mean(used, axis=1)


class AdaGradNorm(ReferenceAlgorithm):
    r"""AdaGrad-norm (Ward, Wu and Bottou, ICML 2019): one global step including the current gradient.

    .. math:: b_0^2 = b_0^2, \qquad b_{t+1}^2 = b_t^2 + \|g_t\|^2, \qquad x_{t+1} = x_t - \eta\, g_t / b_{t+1}

    Symbols: :math:`\eta` = ``eta`` (a hyper-parameter, not a schedule), :math:`b_0` = ``b0``.
    Effective step size :math:`\eta/b_{t+1}`.
    """

    name = "adagrad_norm"
    uses_schedule = False

    def __init__(self, eta: float, b0: float):
        self.base, self.b0 = eta, b0

    def init(self, x0):
        self.b2 = np.full(x0.shape[0], self.b0**2)

    def step(self, t, eta, x, g, g2):
        self.b2 = self.b2 + np.sum(g * g, axis=1)
        step = self.base / np.sqrt(self.b2)
        return x - step[:, None] * g, step


class GeneralizedAdaGrad(ReferenceAlgorithm):
    r"""Generalized AdaGrad step sizes (Li and Orabona, AISTATS 2019), excluding the current gradient.

    .. math:: \eta_t = \frac{\alpha}{(\beta + \sum_{i<t}\|g_i\|^2)^{1/2+\varepsilon}}, \qquad x_{t+1} = x_t - \eta_t g_t

    Symbols: :math:`\alpha, \beta, \varepsilon` = ``alpha``, ``beta``, ``eps``. Effective step
    size :math:`\eta_t`.
    """

    name = "generalized_adagrad"
    uses_schedule = False

    def __init__(self, alpha: float, beta: float, eps: float):
        self.alpha, self.beta, self.eps = alpha, beta, eps

    def init(self, x0):
        self.acc = np.full(x0.shape[0], self.beta)

    def step(self, t, eta, x, g, g2):
        step = self.alpha / self.acc ** (0.5 + self.eps)
        self.acc = self.acc + np.sum(g * g, axis=1)
        return x - step[:, None] * g, step


class GeneralizedAdaGradCoordinate(GeneralizedAdaGrad):
    r"""Per-coordinate generalized AdaGrad.

    .. math:: \eta_{t,j} = \alpha/(\beta + \sum_{i<t} g_{i,j}^2)^{1/2+\varepsilon}

    The recorded step size is :math:`\frac1d\sum_j\eta_{t,j}`.
    """

    name = "generalized_adagrad_coordinate"

    def init(self, x0):
        self.acc = np.full(x0.shape, self.beta)

    def step(self, t, eta, x, g, g2):
        step = self.alpha / self.acc ** (0.5 + self.eps)
        self.acc = self.acc + g * g
        return x - step * g, np.mean(step, axis=1)


#: Reference class of every algorithm, by registry name. It may list algorithms that are not
#: (yet) registered; every registered algorithm must have one (tests/test_engine.py checks).
REFERENCES = {cls.name: cls for cls in (SGD, SGDHeavyBall, SGDEMA, SGDOL, SGDOLCoordinate, AdaGradNorm,
                                        GeneralizedAdaGrad, GeneralizedAdaGradCoordinate)}


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

    Returns
    -------
    dict
        One array of shape (n_checkpoints, n_seeds) per metric name of
        :data:`adaptopt.kernels.METRICS`, plus ``final_x`` (n_seeds, d), ``diverged_at``
        (n_seeds,) int64 (-1 if never) and ``checkpoints`` (n_checkpoints,).
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
    active = np.ones(n_seeds, dtype=bool)
    diverged_at = np.full(n_seeds, -1, dtype=np.int64)

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
                out["weighted_avg_grad_norm2"][k] = np.sum(past_eta * past_sq, axis=0) / np.sum(past_eta, axis=0)
                out["min_grad_norm2"][k] = np.min(past_sq, axis=0)
                out["step_size"][k] = past_eta[t - 1]
        for i in np.flatnonzero(diverged_at >= 0):
            for name in METRIC_NAMES:
                out[name][steps >= diverged_at[i], i] = np.nan

    out["final_x"] = x
    out["diverged_at"] = diverged_at
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


__all__ = ["REFERENCES", "SGD", "SGDEMA", "SGDOL", "AdaGradNorm", "GeneralizedAdaGrad", "GeneralizedAdaGradCoordinate",
           "ReferenceAlgorithm", "SGDHeavyBall", "SGDOLCoordinate", "make_reference",
           "reference_replay", "reference_run", "reference_step_size"]
