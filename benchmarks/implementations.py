"""The rows of a benchmark table: each factory takes ``(workload, d, S)`` and returns ``run(T)``.

``run(T)`` does the whole job of its row for ``T`` steps of ``S`` seeds in dimension ``d`` and
returns something the caller may inspect (the engine's :class:`adaptopt.result.Result`). A
factory that cannot serve a cell raises :class:`Skipped` with the reason, which is printed.

Every row records metrics at the same log-spaced checkpoints for a given T
(:func:`checkpoints_for`), and the baselines keep the same running sums as the engine (average
and step-size-weighted average of ||grad f||^2, its minimum), so that all rows do the same work.
"""

from __future__ import annotations

import math

import numba
import numpy as np

import adaptopt
from adaptopt import engine, schedules
from adaptopt._jit import kernel
from adaptopt.algorithms import get_algorithm
from adaptopt.kernels import METRICS
from adaptopt.rng import fill_normal, seed_states
from benchmarks.config import MANY_SEEDS, ROOT_SEED, STEPS_PER_CHECKPOINT
from benchmarks.workloads import SIGMA, NumpyProblem, TorchProblem, Workload, make_noise, make_objective
from benchmarks.workloads import schedule_multiplier_is_constant, torch_optimizer


class Skipped(Exception):
    """A row that cannot run a cell; the message is the reason."""


def checkpoints_for(horizon: int) -> np.ndarray:
    """The engine's log-spaced checkpoints, at most one per STEPS_PER_CHECKPOINT steps."""
    count = min(engine.DEFAULT_CHECKPOINTS, max(2, horizon // STEPS_PER_CHECKPOINT))
    return engine.log_checkpoints(horizon, count)


def step_sizes(workload: Workload, horizon: int) -> np.ndarray:
    """``eta_t`` for ``t = 1..horizon`` (NaN for algorithms that set their own step size)."""
    if workload.schedule is None:
        return np.full(horizon, math.nan)
    return workload.schedule(np.arange(1, horizon + 1), horizon)


# --------------------------------------------------------------------------------------------
# The engine.


class EngineRun:
    """``adaptopt.run`` of one workload on one cell; keeps the last Result for a health check."""

    def __init__(self, algorithm: str, workload: Workload, dim: int, n_seeds: int, n_threads: int | None,
                 hyper=None, schedule=None):
        self.algorithm, self.n_seeds, self.n_threads = algorithm, n_seeds, n_threads
        self.hyper, self.schedule = hyper, schedule
        self.objective, self.noise = make_objective(workload.objective, dim), make_noise()
        self.last = None

    def __call__(self, horizon: int):
        self.last = adaptopt.run(self.algorithm, self.objective, self.noise, T=horizon, n_seeds=self.n_seeds,
                                 hyper=self.hyper, schedule=self.schedule, seed=ROOT_SEED,
                                 checkpoints=checkpoints_for(horizon), n_threads=self.n_threads)
        return self.last

    def health(self) -> dict:
        """Seeds that diverged or stopped in the last call (they would make the row look fast)."""
        if self.last is None:
            return {}
        return {"diverged": int(self.last.n_diverged), "of": int(self.n_seeds)}


def make_engine(n_threads: int | None):
    def factory(workload: Workload, dim: int, n_seeds: int):
        return EngineRun(workload.algorithm, workload, dim, n_seeds, n_threads, workload.hyper, workload.schedule)
    return factory


def sgd_twin(workload: Workload, dim: int, n_seeds: int):
    """Plain SGD on the workload's problem, one thread: the yardstick of the Adam family.

    Its constant step is the Adam family's step ``lr * eta_t`` (the cost does not depend on it).
    """
    lr = workload.hyper.get("lr", 1e-3)
    return EngineRun("sgd", workload, dim, n_seeds, 1, None, schedules.constant(lr))


# --------------------------------------------------------------------------------------------
# The Gaussians alone.


@kernel
def _gaussians_kernel(states, dim, draws, sink):
    """Per seed, ``draws`` fills of a d-buffer with standard normals from the seed's stream.

    Mirrors the engine's loop structure (seed -> step -> coordinate, the state copied per seed,
    a d-buffer allocated per seed); the running sum of ``buf[0]`` and the stored states keep the
    compiler from removing work.
    """
    for s in range(states.shape[0]):
        buf = np.zeros(dim)
        state = states[s].copy()
        total = 0.0
        for _ in range(draws):
            fill_normal(state, buf)
            total += buf[0]
        states[s, :] = state
        sink[s] = total


def _run_blocks(task, n_seeds: int, n_threads: int) -> None:
    """The engine's own split of seeds into blocks and its thread pool (same layout)."""
    runner = getattr(engine, "_run_blocks", None)
    if runner is None:  # the engine changed: fall back to one block per thread
        from concurrent.futures import ThreadPoolExecutor
        blocks = engine.seed_blocks(n_seeds, n_threads)
        with ThreadPoolExecutor(len(blocks)) as pool:
            list(pool.map(task, blocks))
        return
    runner(task, n_seeds, n_threads)


def make_gaussians(n_threads: int | None):
    def factory(workload: Workload, dim: int, n_seeds: int):
        threads = numba.get_num_threads() if n_threads is None else n_threads
        per_step = get_algorithm(workload.algorithm).samples_per_step
        initial = seed_states(ROOT_SEED, 0, n_seeds)

        def run(horizon: int):
            states = initial.copy()
            sink = np.empty(n_seeds)
            _run_blocks(lambda b: _gaussians_kernel(states[b], dim, horizon * per_step, sink[b]), n_seeds, threads)
            return sink

        return run

    return factory


# --------------------------------------------------------------------------------------------
# numpy: the reference implementation, vectorised over seeds.


def numpy_factory(workload: Workload, dim: int, n_seeds: int):
    """Python loop over steps: numpy gradient, the oracle's numpy form, the reference step.

    The step is :func:`adaptopt.reference.make_reference` (the plain-numpy definition the
    kernels are tested against); the noise is the noise model's own numpy form
    (``NoiseModel.reference`` with a ``numpy.random.Generator``); the gradient is the
    objective's formula on (S, d) arrays.
    """
    from adaptopt.reference import REFERENCES, make_reference
    if get_algorithm(workload.algorithm).name not in REFERENCES:
        raise Skipped(f"no numpy reference of {workload.algorithm!r}")
    obj, noise = make_objective(workload.objective, dim), make_noise()
    problem = NumpyProblem(obj)
    ref = make_reference(workload.algorithm, workload.hyper)
    per_step = ref.samples_per_step

    def run(horizon: int):
        gen = np.random.default_rng(ROOT_SEED)
        etas = step_sizes(workload, horizon)
        ckpts = checkpoints_for(horizon)
        metrics = np.empty((n_seeds, ckpts.size, len(METRICS)))
        x = np.array(np.broadcast_to(obj.x0, (n_seeds, dim)))
        grad = np.empty_like(x)
        ref.init(x)
        sum_sq, sum_weighted, sum_eta = np.zeros(n_seeds), np.zeros(n_seeds), np.zeros(n_seeds)
        min_sq = np.full(n_seeds, np.inf)
        k = 0
        for t in range(1, horizon + 1):
            gn2 = problem.grad(x, grad)
            g = noise.reference(grad, x, gen)
            g2 = noise.reference(grad, x, gen) if per_step == 2 else g
            x, eta_eff = ref.step(t, etas[t - 1], x, g, g2)
            sum_sq += gn2
            sum_weighted += eta_eff * gn2
            sum_eta += eta_eff
            np.minimum(min_sq, gn2, out=min_sq)
            if k < ckpts.size and ckpts[k] == t:
                row = metrics[:, k]
                row[:, 0] = problem.value_gap(x)
                row[:, 1] = problem.grad(x, grad)
                row[:, 2] = np.abs(grad).sum(axis=1)
                row[:, 3] = sum_sq / t
                row[:, 4] = np.nan
                row[:, 5] = sum_weighted / sum_eta
                row[:, 6] = min_sq
                row[:, 7] = eta_eff
                row[:, 8] = per_step * t
                k += 1
        return metrics

    return run


# --------------------------------------------------------------------------------------------
# torch.optim.


def torch_factory(workload: Workload, dim: int, n_seeds: int):
    """torch.optim + autograd on an (S, d) float64 parameter; the noise is added to ``.grad``.

    The loss is the sum over seeds of f, so its gradient holds every seed's gradient. A
    non-constant schedule goes through ``LambdaLR`` (the Adam family's schedule is the
    multiplier of ``lr``, as in adaptopt). Same metrics and running sums as the engine.
    """
    try:
        import torch
    except ImportError as err:
        raise Skipped(f"torch is not importable ({err})") from None
    obj = make_objective(workload.objective, dim)
    problem = TorchProblem(obj)
    scale = SIGMA / math.sqrt(dim)
    per_step = get_algorithm(workload.algorithm).samples_per_step
    x0 = np.asarray(obj.x0, dtype=np.float64)

    def run(horizon: int):
        gen = torch.Generator().manual_seed(ROOT_SEED)
        ckpts = checkpoints_for(horizon)
        metrics = np.empty((n_seeds, ckpts.size, len(METRICS)))
        x = torch.tensor(np.broadcast_to(x0, (n_seeds, dim)), dtype=torch.float64, requires_grad=True)
        opt = torch_optimizer(workload, [x])
        sched = None
        if not schedule_multiplier_is_constant(workload):
            mult = step_sizes(workload, horizon)
            mult = mult / (workload.schedule.eta0 if workload.torch_optimizer == "sgd" else 1.0)
            sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda e: mult[min(e, horizon - 1)])
        noise = torch.empty((n_seeds, dim), dtype=torch.float64)
        sum_sq = torch.zeros(n_seeds, dtype=torch.float64)
        sum_weighted = torch.zeros(n_seeds, dtype=torch.float64)
        min_sq = torch.full((n_seeds,), math.inf, dtype=torch.float64)
        sum_eta = 0.0
        k = 0
        for t in range(1, horizon + 1):
            opt.zero_grad()
            problem.loss(x).backward()
            eta = opt.param_groups[0]["lr"]
            with torch.no_grad():
                gn2 = (x.grad * x.grad).sum(dim=1)
                torch.randn((n_seeds, dim), generator=gen, dtype=torch.float64, out=noise)
                x.grad.add_(noise, alpha=scale)
                sum_sq += gn2
                sum_weighted.add_(gn2, alpha=eta)
                sum_eta += eta
                torch.minimum(min_sq, gn2, out=min_sq)
            opt.step()
            if sched is not None:
                sched.step()
            if k < ckpts.size and ckpts[k] == t:
                with torch.no_grad():
                    grad = problem.grad(x)
                    row = metrics[:, k]
                    row[:, 0] = problem.value_gap(x).numpy()
                    row[:, 1] = (grad * grad).sum(dim=1).numpy()
                    row[:, 2] = grad.abs().sum(dim=1).numpy()
                    row[:, 3] = (sum_sq / t).numpy()
                    row[:, 4] = np.nan
                    row[:, 5] = (sum_weighted / sum_eta).numpy()
                    row[:, 6] = min_sq.numpy()
                    row[:, 7] = eta
                    row[:, 8] = per_step * t
                k += 1
        return metrics

    return run


#: Row name -> factory (the order and descriptions are workloads.ROWS).
FACTORIES = {
    "engine": make_engine(None),
    "engine_1t": make_engine(1),
    "sgd_1t": sgd_twin,
    "noise_1t": make_gaussians(1),
    "noise_mt": make_gaussians(None),
    "numpy": numpy_factory,
    "torch_optim": torch_factory,
}

__all__ = ["FACTORIES", "EngineRun", "MANY_SEEDS", "Skipped", "checkpoints_for", "step_sizes"]
