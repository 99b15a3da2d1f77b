"""The Monte-Carlo engine: S seeds x T steps in one jitted call, and replay.

:func:`run` validates its arguments, fetches the fused kernel of the (algorithm, objective,
noise) triple (:mod:`adaptopt.kernels`), runs every seed in parallel with its own random stream
(:mod:`adaptopt.rng`), and returns a labelled :class:`adaptopt.result.Result`.
:func:`replay` applies an algorithm's update to a gradient sequence given by the user.

Reproducibility: seed ``i`` of a run with root seed ``r`` draws from a stream that depends only
on ``(r, i)``; results are bit-identical whatever the thread count or the split of seeds into
calls (``seed_start``).

Divergence: at the start of every step the engine checks the iterate; if ``||grad f(x_t)||`` is
not finite or exceeds ``divergence_threshold``, the seed stops, ``diverged_at`` records the step
after which it happened, its later checkpoints are NaN, and the other seeds go on. (A non-finite
iterate has a non-finite gradient for every built-in objective; the gradient is computed every
step anyway, so the check costs nothing.) The kernel also checks, at the starting point, that the
objective's gradient plug-in returns the squared norm of what it writes (its contract).
"""

from __future__ import annotations

import datetime as _dt
import math
import platform
import time
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np

from adaptopt import kernels, rng
from adaptopt.algorithms import Algorithm, get_algorithm
from adaptopt.result import Result
from adaptopt.schedules import Schedule, make_schedule
from adaptopt.validation import check_in_range, check_positive_int
from synthetic.base import NoiseModel, Objective
from synthetic.noise import none as _no_noise

#: Default number of log-spaced checkpoints.
DEFAULT_CHECKPOINTS = 40
#: Default divergence threshold on ||grad f(x)||.
DEFAULT_DIVERGENCE_THRESHOLD = 1e100
#: The plug-in contracts, quoted in errors (see synthetic.base and adaptopt.algorithms.base).
PLUGIN_CONTRACTS = ("objective: value(x, p) -> float, and grad(x, p, out) must write grad f(x) into out and return "
                    "||grad f(x)||^2; noise: sample(grad, x, grad_norm2, p, state, out) writes a stochastic gradient; "
                    "algorithm: init(x, hyper, vec, scal) and step(t, eta, x, g, g2, hyper, vec, scal) -> float")
#: Kernel status of a seed whose objective gradient does not return its squared norm.
CONTRACT_VIOLATION = -2
#: Largest allowed threshold: its square must stay finite for the kernel's test.
MAX_DIVERGENCE_THRESHOLD = 1e150


def log_checkpoints(horizon: int, count: int = DEFAULT_CHECKPOINTS) -> np.ndarray:
    """About ``count`` distinct log-spaced steps in ``1..horizon``, always including both ends."""
    horizon = check_positive_int("T", horizon)
    count = check_positive_int("checkpoints", count)
    steps = np.unique(np.round(np.logspace(0.0, math.log10(horizon), count)).astype(np.int64))
    return np.union1d(steps, [horizon]).astype(np.int64)


def _checkpoints(spec, horizon: int) -> np.ndarray:
    if spec is None:
        return log_checkpoints(horizon)
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        return log_checkpoints(horizon, int(spec))
    steps = np.asarray(spec)
    if steps.ndim != 1 or steps.size == 0 or not np.issubdtype(steps.dtype, np.integer):
        raise ValueError("checkpoints must be a count or a non-empty 1-D list of integer steps")
    steps = np.unique(steps.astype(np.int64))
    if steps[0] < 0 or steps[-1] > horizon:
        raise ValueError(f"checkpoints must lie in 0..T = 0..{horizon}, got [{steps[0]}, {steps[-1]}]")
    return steps


def _objective(objective) -> Objective:
    if isinstance(objective, Objective):
        return objective
    if isinstance(objective, str):
        from synthetic import make_any_objective
        return make_any_objective(objective)
    raise TypeError(f"objective must be an Objective or a registered name, got {objective!r}")


def _noise(noise, dim: int) -> NoiseModel:
    if noise is None:
        return _no_noise()
    if isinstance(noise, str):
        from synthetic.noise import make_noise
        noise = make_noise(noise)
    if not isinstance(noise, NoiseModel):
        raise TypeError(f"noise must be a NoiseModel, a registered name or None, got {noise!r}")
    if noise.dim is not None and noise.dim != dim:
        raise ValueError(f"noise model {noise.label()} is built for dimension {noise.dim}, the objective has {dim}")
    return noise


def _schedule(algorithm: Algorithm, schedule) -> Schedule | None:
    if algorithm.uses_schedule:
        if schedule is None:
            raise ValueError(f"algorithm {algorithm.name!r} needs a step-size schedule (schedule=...)")
        return make_schedule(schedule)
    if schedule is not None:
        raise ValueError(f"algorithm {algorithm.name!r} sets its own step size; pass schedule=None")
    return None


def _schedule_arrays(schedule: Schedule | None, horizon: int):
    if schedule is None:
        return 0, np.array([math.nan])
    schedule.check_horizon(horizon)
    return schedule.code, schedule.packed(horizon)


def _float_array(name: str, value) -> np.ndarray:
    """A float64 copy of ``value``; non-numeric or ragged input raises TypeError naming ``name``."""
    try:
        return np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of real numbers, got {type(value).__name__}") from None


def _starting_points(x0, objective: Objective, n_seeds: int) -> np.ndarray:
    start = objective.x0 if x0 is None else _float_array("x0", x0)
    d = objective.dim
    if start.shape == (d,):
        start = np.tile(start, (n_seeds, 1))
    elif start.shape != (n_seeds, d):
        raise ValueError(f"x0 must have shape ({d},) or (n_seeds, {d}) = ({n_seeds}, {d}), got {start.shape}")
    if not np.all(np.isfinite(start)):
        raise ValueError("x0 must contain only finite values")
    return np.ascontiguousarray(start, dtype=np.float64)


#: Seed blocks per thread: threads take blocks from a queue, so a thread slowed down by another
#: process on its core does not hold up the whole run.
BLOCKS_PER_THREAD = 4
#: Smallest block worth a task of its own.
MIN_BLOCK_SEEDS = 8

_pools: dict[int, ThreadPoolExecutor] = {}


def seed_blocks(n_seeds: int, n_blocks: int) -> list[slice]:
    """Split ``range(n_seeds)`` into at most ``n_blocks`` contiguous, near-equal slices."""
    n_blocks = max(1, min(n_blocks, n_seeds))
    edges = np.linspace(0, n_seeds, n_blocks + 1).round().astype(int)
    return [slice(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:])]


def _run_blocks(task, n_seeds: int, n_threads: int) -> None:
    """Call ``task(block)`` for blocks of seeds, on ``n_threads`` threads (a persistent pool).

    The split never changes results: every seed has its own stream and output rows.
    """
    if n_threads == 1 or n_seeds < 2 * MIN_BLOCK_SEEDS:
        task(slice(0, n_seeds))
        return
    n_blocks = min(n_threads * BLOCKS_PER_THREAD, max(n_threads, n_seeds // MIN_BLOCK_SEEDS))
    if n_threads not in _pools:
        _pools[n_threads] = ThreadPoolExecutor(n_threads, thread_name_prefix="adaptopt")
    for future in [_pools[n_threads].submit(task, block) for block in seed_blocks(n_seeds, n_blocks)]:
        future.result()


def run_kernel_for(algorithm: Algorithm, objective: Objective, noise: NoiseModel, track_l1: bool = False):
    """The compiled Monte-Carlo kernel of a triple (built and memoised on first use).

    ``track_l1`` compiles the running sum of ||∇f||₁ in (a separate kernel: it costs one more pass
    over the gradient per step, which only the ℓ1-rate checks need).
    """
    bindings = {
        "algo_init": algorithm.init_fn,
        "algo_step": algorithm.step_fn,
        "obj_value": objective.value_fn,
        "obj_grad": objective.grad_fn,
        "noise_sample": noise.sample_fn,
    }
    label = f"{algorithm.name}__{objective.name}__{noise.name}"
    constants = {"SAMPLES_PER_STEP": algorithm.samples_per_step, "TRACK_L1": bool(track_l1)}
    return kernels.build("run", bindings, constants, label)


def replay_kernel_for(algorithm: Algorithm):
    """The compiled replay kernel of an algorithm."""
    bindings = {"algo_init": algorithm.init_fn, "algo_step": algorithm.step_fn}
    return kernels.build("replay", bindings, {}, algorithm.name)


def _provenance(wall_time: float, n_threads: int) -> dict:
    import scipy

    from adaptopt import __version__
    return {
        "adaptopt": __version__,
        "numpy": np.__version__,
        "numba": numba.__version__,
        "scipy": scipy.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "wall_time_s": wall_time,
        "threads": n_threads,
    }


def run(
    algorithm,
    objective,
    noise=None,
    *,
    T: int,
    n_seeds: int = 100,
    hyper: dict | None = None,
    schedule=None,
    x0=None,
    seed: int = 0,
    seed_start: int = 0,
    checkpoints=None,
    divergence_threshold: float = DEFAULT_DIVERGENCE_THRESHOLD,
    n_threads: int | None = None,
    record_iterates: bool = False,
    track_l1: bool = False,
    stop_grad_norm: float | None = None,
    stop_patience: int = 1,
) -> Result:
    """Run ``algorithm`` on ``objective`` with ``noise`` for ``n_seeds`` seeds and ``T`` steps.

    Parameters
    ----------
    algorithm : str or Algorithm
        A name from :data:`adaptopt.algorithms.ALGORITHMS` (``adaptopt list``).
    objective : Objective or str
        From :mod:`synthetic.objectives`, or user-defined.
    noise : NoiseModel, str or None
        From :mod:`synthetic.noise`; None means exact gradients.
    T : int
        Number of steps (>= 1).
    n_seeds : int
        Number of independent seeds (>= 1).
    hyper : dict, optional
        Hyper-parameters of the algorithm (defaults fill the rest).
    schedule : Schedule or dict
        Step-size schedule (:mod:`adaptopt.schedules`), for algorithms that use one.
    x0 : array_like, optional
        Start, shape (d,) or (n_seeds, d); default ``objective.x0``.
    seed, seed_start : int
        Root seed and the index of the first seed: the run uses seeds
        ``seed_start .. seed_start + n_seeds - 1`` of root ``seed``.
    checkpoints : int or sequence of int, optional
        A count of log-spaced checkpoints (default 40) or explicit steps in ``0..T``
        (0 records the starting point).
    divergence_threshold : float
        A seed whose gradient norm ``||grad f(x_t)||`` exceeds ``divergence_threshold`` or is not
        finite is stopped and flagged.
    n_threads : int, optional
        Threads that run blocks of seeds concurrently (default ``numba.get_num_threads()``,
        which follows ``NUMBA_NUM_THREADS``). Results do not depend on it.
    record_iterates : bool
        Also store the iterate of every seed at every checkpoint (``Result.iterates``, shape
        (n_seeds, n_checkpoints, d)): for per-layer statistics, smoothness estimates along the
        trajectory and updates between consecutive checkpoints. Memory grows with
        seeds x checkpoints x d, not with T.
    track_l1 : bool
        Also keep the running average of ||∇f(x_t)||₁ (metric ``avg_grad_norm1``, NaN otherwise;
        one more pass over the gradient per step).
    stop_grad_norm, stop_patience : float, int
        Stop a seed once ``||∇f(x_t)|| <= stop_grad_norm`` for ``stop_patience`` consecutive steps;
        ``Result.converged_at`` records the number of completed steps (-1 if never) and its later
        checkpoints are NaN, like a diverged seed's. For hitting-time experiments.

    Returns
    -------
    Result
    """
    algo = get_algorithm(algorithm)
    hyper_vec = algo.pack(hyper)
    sched = _schedule(algo, schedule)
    obj = _objective(objective)
    noise_model = _noise(noise, obj.dim)
    horizon = check_positive_int("T", T)
    n_seeds = check_positive_int("n_seeds", n_seeds)
    steps = _checkpoints(checkpoints, horizon)
    threshold = check_in_range("divergence_threshold", divergence_threshold, 0.0, MAX_DIVERGENCE_THRESHOLD,
                               low_open=True)
    n_threads = numba.get_num_threads() if n_threads is None else check_positive_int("n_threads", n_threads)
    start = _starting_points(x0, obj, n_seeds)
    sched_kind, sched_params = _schedule_arrays(sched, horizon)
    states = rng.seed_states(seed, seed_start, n_seeds)
    for name, flag in (("record_iterates", record_iterates), ("track_l1", track_l1)):
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False, got {flag!r}")
    stop2 = -1.0 if stop_grad_norm is None else check_in_range("stop_grad_norm", stop_grad_norm, 0.0, 1e150) ** 2
    patience = check_positive_int("stop_patience", stop_patience)

    config = {
        "algorithm": {"name": algo.name, "hyper": algo.resolved(hyper),
                      "label": algo.name + ("" if not algo.hypers else "(" + ", ".join(
                          f"{k}={v:g}" for k, v in algo.resolved(hyper).items()) + ")")},
        "schedule": None if sched is None else sched.to_dict(),
        "objective": {**obj.to_dict(), "label": obj.label()},
        "noise": {**noise_model.to_dict(), "label": noise_model.label()},
        "T": horizon,
        "root_seed": int(seed),
        "seed_start": int(seed_start),
        "n_seeds": n_seeds,
        "x0": start[0].tolist() if np.all(start == start[0]) else "per-seed",
        "divergence_threshold": threshold,
        "track_l1": bool(track_l1),
        "stop_grad_norm": None if stop_grad_norm is None else float(stop_grad_norm),
        "stop_patience": patience,
    }
    kernel = run_kernel_for(algo, obj, noise_model, track_l1)
    metrics = np.empty((n_seeds, steps.size, len(kernels.METRICS) + len(algo.state_names)))
    final_x = np.empty((n_seeds, obj.dim))
    diverged_at = np.empty(n_seeds, dtype=np.int64)
    converged_at = np.empty(n_seeds, dtype=np.int64)
    snapshots = np.empty((n_seeds, steps.size if record_iterates else 0, obj.dim))
    t0 = time.perf_counter()

    def run_block(block: slice) -> None:
        kernel(start[block], obj.params, float(obj.f_star), noise_model.params, hyper_vec, sched_kind, sched_params,
               horizon, steps, states[block], threshold * threshold, stop2, patience, algo.n_state_vectors,
               algo.n_state_scalars, metrics[block], final_x[block], diverged_at[block], converged_at[block],
               snapshots[block])

    try:
        _run_blocks(run_block, n_seeds, n_threads)
    except numba.core.errors.TypingError as err:
        raise ValueError(f"the kernel of {algo.name} on {obj.name} with {noise_model.name} does not compile: a plug-in "
                         f"breaks its contract ({PLUGIN_CONTRACTS}). Numba says: {str(err).splitlines()[0]}") from None
    wall = time.perf_counter() - t0
    if np.any(diverged_at == CONTRACT_VIOLATION):
        raise ValueError(f"the gradient function of objective {obj.name!r} must write grad f(x) into out and return "
                         "||grad f(x)||^2 (checked at x0 by the kernel)")
    seeds = np.arange(seed_start, seed_start + n_seeds, dtype=np.int64)
    return Result.from_arrays(metrics, steps, seeds, final_x, diverged_at, config, _provenance(wall, n_threads),
                              state_names=algo.state_names, iterates=snapshots if record_iterates else None,
                              converged_at=converged_at if stop_grad_norm is not None else None)


def replay(algorithm, grads, grads2=None, *, x0, hyper: dict | None = None, schedule=None):
    """Apply an algorithm's update to a given gradient sequence.

    Parameters
    ----------
    algorithm : str or Algorithm
    grads : array_like, shape (T, d)
        ``grads[t-1]`` is the gradient used at step ``t``.
    grads2 : array_like, shape (T, d), optional
        Second, independent samples, required by algorithms that draw two per step (SGDOL) and
        refused by the others.
    x0 : array_like, shape (d,)
        Starting point.
    hyper, schedule
        As in :func:`run`.

    Returns
    -------
    iterates : ndarray, shape (T + 1, d)
        ``iterates[t]`` is the iterate after ``t`` steps.
    step_sizes : ndarray, shape (T,)
        Effective step size of every step.
    """
    algo = get_algorithm(algorithm)
    hyper_vec = algo.pack(hyper)
    sched = _schedule(algo, schedule)
    g = _float_array("grads", grads)
    if g.ndim != 2 or g.shape[0] < 1 or g.shape[1] < 1:
        raise ValueError(f"grads must have shape (T, d) with T, d >= 1, got {g.shape}")
    if not np.all(np.isfinite(g)):
        raise ValueError("grads must contain only finite values")
    horizon, d = g.shape
    start = _float_array("x0", x0)
    if start.shape != (d,) or not np.all(np.isfinite(start)):
        raise ValueError(f"x0 must be a finite vector of shape ({d},), got shape {start.shape}")
    if algo.samples_per_step == 2:
        if grads2 is None:
            raise ValueError(f"algorithm {algo.name!r} draws two samples per step: pass grads2 of shape {g.shape}")
        g2 = _float_array("grads2", grads2)
        if g2.shape != g.shape or not np.all(np.isfinite(g2)):
            raise ValueError(f"grads2 must be finite with the shape of grads {g.shape}, got {g2.shape}")
    elif grads2 is not None:
        raise ValueError(f"algorithm {algo.name!r} draws one sample per step; grads2 must be None")
    else:
        g2 = g
    sched_kind, sched_params = _schedule_arrays(sched, horizon)
    iterates = np.empty((horizon + 1, d))
    step_sizes = np.empty(horizon)
    replay_kernel_for(algo)(np.ascontiguousarray(start), np.ascontiguousarray(g), np.ascontiguousarray(g2),
                            hyper_vec, sched_kind, sched_params, horizon, algo.n_state_vectors,
                            algo.n_state_scalars, iterates, step_sizes)
    return iterates, step_sizes
