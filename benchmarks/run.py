"""Speed of the adaptopt engine, as ratios against its floor and its alternatives, in one run.

What is measured
----------------
Workloads come from :data:`WORKLOADS`. W1 (shared/spec/performance_baseline.md): SGD with
``eta_t = eta0 / sqrt(t)`` on the separable quadratic ``f(x) = 1/2 sum x_i^2`` with additive
Gaussian gradient noise of total variance 1, S seeds, T steps, dimension d, metrics at log-spaced
checkpoints. The unit is nanoseconds per (seed x step x coordinate), ``time / (S T d)``.

Implementations (the rows of the table, :data:`IMPLEMENTATIONS`):

``engine``       ``adaptopt.run`` with its default thread count (``numba.get_num_threads()``)
``engine_1t``    ``adaptopt.run(..., n_threads=1)``
``noise_1t``     "Gaussians alone": a kernel drawing the same ``S T d`` normals from the same
                 per-seed streams (``adaptopt.rng.fill_normal``) and nothing else; one thread
``noise_mt``     the same, seeds split over threads exactly as the engine splits them
                 (``adaptopt.engine.seed_blocks``, one thread per block)
``numpy``        a Python loop over steps on (S, d) arrays, ``Generator.standard_normal``, the
                 same running sums and checkpoint metrics as the engine
``torch_optim``  ``torch.optim.SGD`` + autograd + ``LambdaLR``, noise added to ``.grad``, the same
                 metrics (skipped with the reason printed when torch does not import)

Method
------
1. Warm-up: every implementation runs once per cell with a tiny T; compile time is excluded.
2. Calibration: for every (implementation, cell), T grows until the steps of one call (its time
   minus the fixed cost of a call) take about the target time (0.3 s; ``--quick``: 0.05 s),
   estimated from minima of repeated calls. T differs between implementations; the unit
   removes it. The engine's fixed cost per call (``adaptopt.run`` with T = 1) is printed apart.
   Every implementation records metrics at the same log-spaced checkpoints for a given T
   (:func:`checkpoints_for`: the engine's 40, fewer when T is short, so that metric work
   stays below 1 checkpoint in 25 steps).
3. Timing: in every cell, ``--reps`` repetitions; within a repetition each implementation runs
   once (round-robin, the order rotated from one repetition to the next), so a burst of load
   from other processes hits all implementations of that repetition.
4. Reporting: the table shows medians. A ratio is the median over repetitions of the ratio
   within each repetition (paired), which cancels slow drifts of the machine. Targets are
   ratios measured in this run, never absolute times (levels drift 30-40 % on a shared VM),
   except the per-step cost at d = 1, which the spec states in ns.
5. Machine load: /proc/loadavg and the /proc/stat busy fraction before the run (while this
   process sleeps) and during every cell; "others" is the busy CPU time of the machine minus
   the CPU time of this process.
6. Compile time: in a new process with an empty ``ADAPTOPT_CACHE_DIR``, the first
   ``adaptopt.run`` minus a second identical one (cold: compilation); then again in another new
   process with the same folder (warm: loading from the on-disk cache). Imports are excluded
   and reported apart.

Adding an algorithm family
--------------------------
Append a :class:`Workload` to :data:`WORKLOADS`: the engine's algorithm name and
hyper-parameters, the schedule, and a :class:`NumpyAlgorithm` and a torch optimizer factory for
the baselines (``None`` skips that baseline with a reason). Ratio targets live in :data:`CHECKS`;
a check applies to every workload unless its ``workloads`` field names some.

Usage::

    python benchmarks/run.py --quick            # 3-4 minutes on a busy 2-core machine
    python benchmarks/run.py --only 'engine|noise' --reps 7
    python benchmarks/run.py --only 'd=100,S=64'
    python benchmarks/run.py --only compile
"""

from __future__ import annotations

import time

_MODULE_START = time.perf_counter()  # the compile-time child reports its imports from here

import argparse  # noqa: E402
import datetime as _dt  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Callable  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))  # benchmark the tree this script lives in

import numba  # noqa: E402
import numpy as np  # noqa: E402

import adaptopt  # noqa: E402
from adaptopt import engine, schedules  # noqa: E402
from adaptopt._jit import kernel  # noqa: E402
from adaptopt.algorithms import get_algorithm  # noqa: E402
from adaptopt.kernels import METRICS  # noqa: E402
from adaptopt.rng import fill_normal, seed_states  # noqa: E402
from synthetic import noise as noises  # noqa: E402
from synthetic import objectives  # noqa: E402

# --------------------------------------------------------------------------------------------
# Constants.

#: Target duration of one timed call, seconds (full run, --quick).
TARGET_CALL_S = 0.3
TARGET_CALL_S_QUICK = 0.05
#: Repetitions per cell (the spec asks for the median of 5-7).
DEFAULT_REPS = 5
#: Calibration: start T, stop growing once the steps of a call last this fraction of the target.
CALIBRATION_START_T = 8
CALIBRATION_STOP_FRACTION = 0.25
#: Calls whose minimum estimates the fixed cost and the final rate during calibration.
CALIBRATION_CALLS = 3
#: Bounds on T.
MIN_T = 2
MAX_T = 50_000_000
#: T of the warm-up call (compiles every kernel before anything is timed).
WARMUP_T = 4
#: Checkpoints: the engine's default count, and at most one checkpoint per this many steps.
CHECKPOINTS = engine.DEFAULT_CHECKPOINTS
STEPS_PER_CHECKPOINT = 25
#: Calls of adaptopt.run(T=1) timed to estimate its fixed cost per call.
OVERHEAD_CALLS = 5
#: Idle sampling of /proc/stat before the run, seconds (full run, --quick).
LOAD_SAMPLE_S = 1.0
LOAD_SAMPLE_S_QUICK = 0.5
#: Another process using more than this many cores during a cell marks the cell as busy.
BUSY_OTHERS_CORES = 0.25
#: Root seed of every implementation.
ROOT_SEED = 12345
#: The seed count at which the "many seeds" targets are stated.
MANY_SEEDS = 64

#: Targets (performance_baseline.md §5).
ENGINE_OVER_NOISE_MAX = 1.3
NUMPY_SPEEDUP_SMALL_D_MIN = 8.0
NUMPY_SPEEDUP_LARGE_D_MIN = 5.0
TORCH_SPEEDUP_MIN = 20.0
D1_NS_PER_SEED_STEP_MAX = 15.0
THREAD_SPEEDUP_MIN = 1.6
COMPILE_COLD_MAX_S = 3.0
COMPILE_WARM_MAX_S = 0.6
#: Problem size of the compile-time measurement (small: compilation dominates).
COMPILE_PROBE = dict(d=10, S=4, T=100)


# --------------------------------------------------------------------------------------------
# Workloads.


@dataclass(frozen=True)
class NumpyAlgorithm:
    """An algorithm on (S, d) numpy arrays, for the numpy baseline.

    ``init(S, d) -> state``; ``step(t, eta, x, g, state) -> eta_eff`` updates ``x`` in place
    (``g`` may be overwritten) and returns the effective step size, an (S,) array or a float.
    """

    init: Callable
    step: Callable


def _numpy_sgd_init(n_seeds: int, dim: int):
    return None


def _numpy_sgd_step(t: int, eta: float, x: np.ndarray, g: np.ndarray, state) -> float:
    g *= eta
    x -= g
    return eta


NUMPY_SGD = NumpyAlgorithm(_numpy_sgd_init, _numpy_sgd_step)


def _torch_sgd(params, lr: float):
    import torch

    return torch.optim.SGD(params, lr=lr)


@dataclass(frozen=True)
class Workload:
    """One benchmarked configuration: an engine algorithm on a problem, over a grid of cells.

    ``objective(d)`` and ``noise()`` build the problem; ``cells`` are the (d, S) pairs. The
    numpy and torch baselines support the quadratic objective with Gaussian noise only (other
    pairs are skipped with a reason).
    """

    name: str
    description: str
    algorithm: str
    schedule: schedules.Schedule | None
    objective: Callable
    noise: Callable
    cells: tuple
    hyper: dict = field(default_factory=dict)
    numpy_algorithm: NumpyAlgorithm | None = None
    torch_optimizer: Callable | None = None


W1_CELLS = tuple((d, s) for d in (1, 10, 100, 10_000) for s in (1, MANY_SEEDS))
W1_ETA0 = 0.1
W1_SIGMA = 1.0

WORKLOADS = {
    w.name: w
    for w in (
        Workload(
            name="W1-sgd",
            description="SGD, eta0/sqrt(t), quadratic(ones(d)), gaussian(1.0)",
            algorithm="sgd",
            schedule=schedules.inv_sqrt(W1_ETA0),
            objective=lambda d: objectives.quadratic(np.ones(d)),
            noise=lambda: noises.gaussian(W1_SIGMA),
            cells=W1_CELLS,
            numpy_algorithm=NUMPY_SGD,
            torch_optimizer=_torch_sgd,
        ),
    )
}


def checkpoints_for(horizon: int) -> np.ndarray:
    """The engine's log-spaced checkpoints, at most one per STEPS_PER_CHECKPOINT steps."""
    count = min(CHECKPOINTS, max(2, horizon // STEPS_PER_CHECKPOINT))
    return engine.log_checkpoints(horizon, count)


def step_sizes(workload: Workload, horizon: int) -> np.ndarray:
    """``eta_t`` for ``t = 1..horizon`` (the baselines read them; the engine computes them)."""
    return workload.schedule(np.arange(1, horizon + 1), horizon)


# --------------------------------------------------------------------------------------------
# Implementations. Each factory takes (workload, d, S) and returns ``run(T)``, or raises Skipped.


class Skipped(Exception):
    """An implementation that cannot run a cell; the message is the reason."""


def make_engine(n_threads: int | None):
    def factory(workload: Workload, dim: int, n_seeds: int):
        obj, noise = workload.objective(dim), workload.noise()

        def run(horizon: int):
            adaptopt.run(workload.algorithm, obj, noise, T=horizon, n_seeds=n_seeds, hyper=workload.hyper,
                         schedule=workload.schedule, seed=ROOT_SEED, checkpoints=checkpoints_for(horizon),
                         n_threads=n_threads)

        return run

    return factory


@kernel
def _gaussians_kernel(states, dim, draws, sink):
    """Per seed, ``draws`` fills of a d-buffer with standard normals from the seed's stream.

    Mirrors the engine's loop structure (seed -> step -> coordinate, state copied per seed);
    the running sum of ``buf[0]`` and the stored states keep the compiler from removing work.
    """
    buf = np.zeros(dim)
    for s in range(states.shape[0]):
        state = states[s].copy()
        total = 0.0
        for _ in range(draws):
            fill_normal(state, buf)
            total += buf[0]
        states[s, :] = state
        sink[s] = total


def run_seed_blocks(func, n_seeds: int, n_threads: int) -> None:
    """``func(block)`` for each of the engine's seed blocks, one thread per block (as the engine)."""
    blocks = engine.seed_blocks(n_seeds, n_threads)
    if len(blocks) == 1:
        func(blocks[0])
    else:
        with ThreadPoolExecutor(len(blocks)) as pool:
            list(pool.map(func, blocks))


def make_gaussians(n_threads: int | None):
    def factory(workload: Workload, dim: int, n_seeds: int):
        threads = numba.get_num_threads() if n_threads is None else n_threads
        per_step = get_algorithm(workload.algorithm).samples_per_step
        initial = seed_states(ROOT_SEED, 0, n_seeds)

        def run(horizon: int):
            states = initial.copy()
            sink = np.empty(n_seeds)
            run_seed_blocks(lambda b: _gaussians_kernel(states[b], dim, horizon * per_step, sink[b]), n_seeds,
                            threads)

        return run

    return factory


def _quadratic_gaussian(workload: Workload, dim: int):
    """``(lam, center, x0, sigma)`` of a quadratic objective with Gaussian noise, else Skipped."""
    obj, noise = workload.objective(dim), workload.noise()
    if obj.name != "quadratic" or noise.name != "gaussian":
        raise Skipped(f"baselines support quadratic + gaussian only, not {obj.name} + {noise.name}")
    lam = np.asarray(obj.options["eigenvalues"], dtype=np.float64)
    center = np.asarray(obj.options["center"], dtype=np.float64)
    return lam, center, np.asarray(obj.x0, dtype=np.float64), float(noise.options["sigma"])


def numpy_factory(workload: Workload, dim: int, n_seeds: int):
    """Python loop over steps, vectorised over seeds: the engine's work in (S, d) numpy calls."""
    if workload.numpy_algorithm is None:
        raise Skipped(f"no numpy version of {workload.algorithm!r}")
    lam, center, x0, sigma = _quadratic_gaussian(workload, dim)
    algo = workload.numpy_algorithm
    scale = sigma / math.sqrt(dim)
    calls_per_step = get_algorithm(workload.algorithm).samples_per_step

    def run(horizon: int):
        gen = np.random.default_rng(ROOT_SEED)
        etas = step_sizes(workload, horizon)
        ckpts = checkpoints_for(horizon)
        metrics = np.empty((n_seeds, ckpts.size, len(METRICS)))
        x = np.array(np.broadcast_to(x0, (n_seeds, dim)))
        grad, g = np.empty_like(x), np.empty_like(x)
        state = algo.init(n_seeds, dim)
        sum_sq, sum_weighted, sum_eta = np.zeros(n_seeds), np.zeros(n_seeds), np.zeros(n_seeds)
        min_sq = np.full(n_seeds, np.inf)
        k = 0
        for t in range(1, horizon + 1):
            np.subtract(x, center, out=grad)
            grad *= lam
            gn2 = np.einsum("ij,ij->i", grad, grad)
            gen.standard_normal(out=g)
            g *= scale
            g += grad
            eta_eff = algo.step(t, etas[t - 1], x, g, state)
            sum_sq += gn2
            sum_weighted += eta_eff * gn2
            sum_eta += eta_eff
            np.minimum(min_sq, gn2, out=min_sq)
            if k < ckpts.size and ckpts[k] == t:
                row = metrics[:, k]
                np.subtract(x, center, out=grad)
                row[:, 0] = 0.5 * np.einsum("ij,ij,j->i", grad, grad, lam)
                grad *= lam
                row[:, 1] = np.einsum("ij,ij->i", grad, grad)
                row[:, 2] = np.abs(grad).sum(axis=1)
                row[:, 3] = sum_sq / t
                row[:, 4] = sum_weighted / sum_eta
                row[:, 5] = min_sq
                row[:, 6] = eta_eff
                row[:, 7] = calls_per_step * t
                k += 1
        return metrics

    return run


def torch_factory(workload: Workload, dim: int, n_seeds: int):
    """``torch.optim`` with autograd on an (S, d) float64 parameter, noise added to ``.grad``."""
    try:
        import torch
    except ImportError as err:
        raise Skipped(f"torch is not importable ({err})") from None
    if workload.torch_optimizer is None:
        raise Skipped(f"no torch.optim counterpart of {workload.algorithm!r}")
    lam_np, center_np, x0, sigma = _quadratic_gaussian(workload, dim)
    lam, center = torch.from_numpy(lam_np), torch.from_numpy(center_np)
    scale = sigma / math.sqrt(dim)
    calls_per_step = get_algorithm(workload.algorithm).samples_per_step
    eta0 = workload.schedule.eta0

    def run(horizon: int):
        gen = torch.Generator().manual_seed(ROOT_SEED)
        etas = step_sizes(workload, horizon)
        ckpts = checkpoints_for(horizon)
        metrics = np.empty((n_seeds, ckpts.size, len(METRICS)))
        x = torch.tensor(np.broadcast_to(x0, (n_seeds, dim)), dtype=torch.float64, requires_grad=True)
        opt = workload.torch_optimizer([x], eta0)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda e: etas[min(e, horizon - 1)] / eta0)
        noise = torch.empty((n_seeds, dim), dtype=torch.float64)
        sum_sq, sum_weighted = torch.zeros(n_seeds, dtype=torch.float64), torch.zeros(n_seeds, dtype=torch.float64)
        min_sq = torch.full((n_seeds,), math.inf, dtype=torch.float64)
        sum_eta = 0.0
        k = 0
        for t in range(1, horizon + 1):
            opt.zero_grad()
            r = x - center
            loss = 0.5 * (lam * r * r).sum()
            loss.backward()
            eta = sched.get_last_lr()[0]
            with torch.no_grad():
                gn2 = (x.grad * x.grad).sum(dim=1)
                torch.randn((n_seeds, dim), generator=gen, dtype=torch.float64, out=noise)
                x.grad.add_(noise, alpha=scale)
                sum_sq += gn2
                sum_weighted.add_(gn2, alpha=eta)
                sum_eta += eta
                torch.minimum(min_sq, gn2, out=min_sq)
            opt.step()
            sched.step()
            if k < ckpts.size and ckpts[k] == t:
                with torch.no_grad():
                    r = x - center
                    grad = lam * r
                    row = metrics[:, k]
                    row[:, 0] = (0.5 * (grad * r).sum(dim=1)).numpy()
                    row[:, 1] = (grad * grad).sum(dim=1).numpy()
                    row[:, 2] = grad.abs().sum(dim=1).numpy()
                    row[:, 3] = (sum_sq / t).numpy()
                    row[:, 4] = (sum_weighted / sum_eta).numpy()
                    row[:, 5] = min_sq.numpy()
                    row[:, 6] = eta
                    row[:, 7] = calls_per_step * t
                k += 1
        return metrics

    return run


#: Rows of the table, in order: name -> (factory, one-line description).
IMPLEMENTATIONS = {
    "engine": (make_engine(None), "adaptopt.run, default threads"),
    "engine_1t": (make_engine(1), "adaptopt.run, n_threads=1"),
    "noise_1t": (make_gaussians(1), "Gaussians alone (fill_normal), 1 thread"),
    "noise_mt": (make_gaussians(None), "Gaussians alone, engine's seed blocks on default threads"),
    "numpy": (numpy_factory, "numpy, loop over steps, vectorised over seeds"),
    "torch_optim": (torch_factory, "torch.optim.SGD + autograd, noise in .grad"),
}


# --------------------------------------------------------------------------------------------
# Checks: ratios between implementations in the same cell, against the spec's targets.


@dataclass(frozen=True)
class Check:
    """``numerator / denominator`` (median of per-repetition ratios) ``sense`` ``bound``.

    With ``denominator=None`` the value is the numerator's ns per (seed x step), i.e. its ns per
    coordinate-step times d. ``where(d, S)`` selects the cells; ``soft`` checks depend on an idle
    second core and are reported but labelled soft.
    """

    label: str
    numerator: str
    denominator: str | None
    sense: str
    bound: float
    where: Callable
    soft: bool = False
    workloads: tuple | None = None
    needs_threads: bool = False


CHECKS = (
    Check("engine / Gaussians alone, 1 thread", "engine_1t", "noise_1t", "<=", ENGINE_OVER_NOISE_MAX,
          lambda d, s: d >= 100),
    Check("engine / Gaussians alone, default threads", "engine", "noise_mt", "<=", ENGINE_OVER_NOISE_MAX,
          lambda d, s: d >= 100),
    Check("speedup over numpy", "numpy", "engine", ">=", NUMPY_SPEEDUP_SMALL_D_MIN,
          lambda d, s: d <= 10 and s == MANY_SEEDS),
    Check("speedup over numpy", "numpy", "engine", ">=", NUMPY_SPEEDUP_LARGE_D_MIN,
          lambda d, s: d >= 100 and s == MANY_SEEDS),
    Check("speedup over torch.optim", "torch_optim", "engine", ">=", TORCH_SPEEDUP_MIN,
          lambda d, s: d <= 100 and s == MANY_SEEDS),
    Check("engine ns per seed-step", "engine", None, "<=", D1_NS_PER_SEED_STEP_MAX,
          lambda d, s: d == 1 and s == MANY_SEEDS),
    Check("thread speedup (engine_1t / engine)", "engine_1t", "engine", ">=", THREAD_SPEEDUP_MIN,
          lambda d, s: s == MANY_SEEDS, soft=True, needs_threads=True),
)


# --------------------------------------------------------------------------------------------
# Machine load and information.


def _proc_stat() -> tuple[int, int, int]:
    """Aggregate CPU jiffies ``(busy, steal, total)`` from /proc/stat."""
    with open("/proc/stat") as fh:
        fields = [int(v) for v in fh.readline().split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = fields
    return user + nice + system + irq + softirq, steal, sum(fields)


def _own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def loadavg() -> list[float]:
    with open("/proc/loadavg") as fh:
        return [float(v) for v in fh.read().split()[:3]]


class LoadMeter:
    """Busy cores of the machine, of this process and of the others, between start() and stop()."""

    def __init__(self):
        self.start()

    def start(self) -> None:
        self._stat, self._own, self._wall = _proc_stat(), _own_cpu_s(), time.perf_counter()

    def stop(self) -> dict:
        busy0, steal0, total0 = self._stat
        busy1, steal1, total1 = _proc_stat()
        wall = time.perf_counter() - self._wall
        cores = os.cpu_count() or 1
        span = max(total1 - total0, 1)
        busy_cores = cores * (busy1 - busy0) / span
        own_cores = (_own_cpu_s() - self._own) / wall if wall > 0 else 0.0
        return {
            "wall_s": wall,
            "busy_fraction": (busy1 - busy0) / span,
            "busy_cores": busy_cores,
            "own_cores": own_cores,
            "others_cores": max(busy_cores - own_cores, 0.0),
            "steal_fraction": (steal1 - steal0) / span,
            "loadavg": loadavg(),
        }


def machine_info() -> dict:
    info = {"cpu_model": None, "logical_cpus": os.cpu_count(), "platform": platform.platform()}
    try:
        with open("/proc/cpuinfo") as fh:
            text = fh.read()
        model = re.search(r"^model name\s*:\s*(.*)$", text, re.M)
        flags = re.search(r"^flags\s*:\s*(.*)$", text, re.M)
        info["cpu_model"] = model.group(1).strip() if model else None
        if flags:
            present = set(flags.group(1).split())
            info["simd"] = [f for f in ("sse4_2", "avx", "avx2", "fma", "avx512f") if f in present]
        with open("/proc/meminfo") as fh:
            info["mem_total_kib"] = int(fh.readline().split()[1])
    except OSError:
        pass
    return info


def versions() -> dict:
    import scipy

    out = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "scipy": scipy.__version__,
        "adaptopt": adaptopt.__version__,
        "numba_threads": numba.get_num_threads(),
        "numba_threading_layer": None,
        "torch": None,
    }
    try:
        out["numba_threading_layer"] = numba.threading_layer()
    except ValueError:
        pass
    try:
        import torch

        out["torch"] = torch.__version__
        out["torch_threads"] = torch.get_num_threads()
    except ImportError:
        pass
    git = ["git", "-C", str(REPO_ROOT)]
    try:
        out["git_commit"] = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True,
                                           check=True).stdout.strip()
        out["git_dirty"] = bool(subprocess.run([*git, "status", "--porcelain", "--untracked-files=no"],
                                               capture_output=True, text=True, check=True).stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        pass
    return out


# --------------------------------------------------------------------------------------------
# Timing.


def timed(run, horizon: int) -> float:
    """Wall time of ``run(horizon)``, garbage collector paused (as timeit does)."""
    gc.collect()
    gc.disable()
    try:
        t0 = time.perf_counter()
        run(horizon)
        return time.perf_counter() - t0
    finally:
        gc.enable()


def fastest(run, horizon: int, calls: int) -> float:
    """Shortest of ``calls`` timed calls (load from other processes only ever adds time)."""
    return min(timed(run, horizon) for _ in range(calls))


def calibrate(run, target_s: float) -> int:
    """A T for which the part of ``run(T)`` that grows with T lasts about ``target_s`` seconds.

    The fixed cost of a call (``run(MIN_T)``) is subtracted before extrapolating, so that an
    implementation with a large per-call cost still gets a T at which the steps dominate. Both
    the fixed cost and the final estimate are minima over CALIBRATION_CALLS calls, so that one
    preempted call does not shrink T.
    """
    base = fastest(run, MIN_T, CALIBRATION_CALLS)
    horizon = max(CALIBRATION_START_T, MIN_T + 1)
    while True:
        variable = timed(run, horizon) - base
        if variable >= CALIBRATION_STOP_FRACTION * target_s or horizon >= MAX_T:
            variable = min(variable, fastest(run, horizon, CALIBRATION_CALLS - 1) - base)
            break
        growth = 0.5 * target_s / max(variable, 1e-6)
        horizon = min(MAX_T, int(horizon * min(max(growth, 2.0), 100.0)))
    per_step = max(variable, 1e-9) / (horizon - MIN_T)
    return int(min(MAX_T, max(MIN_T, round(target_s / per_step))))


def measure_cell(workload: Workload, dim: int, n_seeds: int, names: list[str], reps: int, target_s: float,
                 log) -> dict:
    """Warm up, calibrate and time the implementations ``names`` on one cell (interleaved)."""
    runs, result = {}, {}
    for name in names:
        try:
            runs[name] = IMPLEMENTATIONS[name][0](workload, dim, n_seeds)
            runs[name](WARMUP_T)
        except Skipped as reason:
            result[name] = {"skipped": str(reason)}
    horizons = {name: calibrate(run, target_s) for name, run in runs.items()}
    meter = LoadMeter()
    seconds = {name: [] for name in runs}
    order = list(runs)
    for rep in range(reps):
        shift = rep % max(len(order), 1)
        for name in order[shift:] + order[:shift]:
            seconds[name].append(timed(runs[name], horizons[name]))
    load = meter.stop()
    for name in runs:
        work = n_seeds * horizons[name] * dim
        ns = [1e9 * s / work for s in seconds[name]]
        result[name] = {"T": horizons[name], "checkpoints": int(checkpoints_for(horizons[name]).size),
                        "seconds": seconds[name], "ns_per_coord_step": ns, "median_ns": statistics.median(ns),
                        "min_ns": min(ns)}
    cell = {"d": dim, "S": n_seeds, "load": load, "implementations": result}
    if "engine" in runs:
        overhead = [timed(runs["engine"], 1) for _ in range(OVERHEAD_CALLS)]
        cell["engine_call_overhead_s"] = statistics.median(overhead)
    log(f"  d={dim:<6} S={n_seeds:<3} " + "  ".join(
        f"{n}={r['median_ns']:.3g}" if "median_ns" in r else f"{n}=skip" for n, r in result.items())
        + f"  (others {load['others_cores']:.2f} cores)")
    return cell


# --------------------------------------------------------------------------------------------
# Compile time (measured in child processes).


def compile_child(workload_name: str) -> None:
    """Child process: imports, then the first and a second adaptopt.run; prints JSON."""
    import_s = time.perf_counter() - _MODULE_START
    workload = WORKLOADS[workload_name]
    run = make_engine(None)(workload, COMPILE_PROBE["d"], COMPILE_PROBE["S"])
    t0 = time.perf_counter()
    run(COMPILE_PROBE["T"])
    t1 = time.perf_counter()
    run(COMPILE_PROBE["T"])
    t2 = time.perf_counter()
    print(json.dumps({"import_s": import_s, "first_run_s": t1 - t0, "second_run_s": t2 - t1,
                      "compile_s": (t1 - t0) - (t2 - t1)}))


def measure_compile(workload: Workload) -> dict:
    """Cold (empty cache folder) and warm (same folder, new process) compile time of the workload."""
    out = {}
    with tempfile.TemporaryDirectory(prefix="adaptopt_bench_cache_") as folder:
        env = dict(os.environ, ADAPTOPT_CACHE_DIR=folder,
                   PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])))
        for phase in ("cold", "warm"):
            proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--compile-child", workload.name],
                                  capture_output=True, text=True, env=env)
            if proc.returncode != 0:
                out[phase] = {"error": proc.stderr.strip().splitlines()[-1:] or ["exit %d" % proc.returncode]}
                continue
            out[phase] = json.loads(proc.stdout.strip().splitlines()[-1])
    for phase, bound in (("cold", COMPILE_COLD_MAX_S), ("warm", COMPILE_WARM_MAX_S)):
        if "compile_s" in out.get(phase, {}):
            out[phase]["bound_s"] = bound
            out[phase]["verdict"] = "PASS" if out[phase]["compile_s"] <= bound else "MISS"
    return out


# --------------------------------------------------------------------------------------------
# Evaluation and report.


def paired_ratio(cell: dict, numerator: str, denominator: str) -> float | None:
    impls = cell["implementations"]
    num, den = impls.get(numerator, {}), impls.get(denominator, {})
    if "ns_per_coord_step" not in num or "ns_per_coord_step" not in den:
        return None
    return statistics.median(a / b for a, b in zip(num["ns_per_coord_step"], den["ns_per_coord_step"]))


def evaluate_checks(workload: Workload, cells: list[dict]) -> list[dict]:
    rows = []
    threads = numba.get_num_threads()
    for check in CHECKS:
        if check.workloads is not None and workload.name not in check.workloads:
            continue
        for cell in cells:
            d, s = cell["d"], cell["S"]
            if not check.where(d, s):
                continue
            row = {"workload": workload.name, "check": check.label, "d": d, "S": s, "sense": check.sense,
                   "bound": check.bound, "soft": check.soft}
            if check.needs_threads and threads < 2:
                row.update(value=None, verdict="SKIP", note=f"numba uses {threads} thread")
            else:
                if check.denominator is None:
                    num = cell["implementations"].get(check.numerator, {})
                    value = num["median_ns"] * d if "median_ns" in num else None
                else:
                    value = paired_ratio(cell, check.numerator, check.denominator)
                if value is None:
                    row.update(value=None, verdict="SKIP", note="not measured (skipped or filtered out)")
                else:
                    ok = value <= check.bound if check.sense == "<=" else value >= check.bound
                    row.update(value=value, verdict="PASS" if ok else "MISS")
            row["busy"] = cell["load"]["others_cores"] > BUSY_OTHERS_CORES
            rows.append(row)
    return rows


def _fmt_ns(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _cell_label(d: int, s: int) -> str:
    return f"d={d:g} S={s}" if d < 10_000 else f"d=1e{round(math.log10(d))} S={s}"


def _fixed_cost(cell: dict):
    """``(seconds, share of the median engine call)`` of adaptopt.run's fixed cost, or None."""
    overhead, engine_run = cell.get("engine_call_overhead_s"), cell["implementations"].get("engine", {})
    if overhead is None or "seconds" not in engine_run:
        return None
    return overhead, overhead / statistics.median(engine_run["seconds"])


def format_table(workload: Workload, cells: list[dict]) -> str:
    """Implementation x (d, S) table of median ns per coordinate-step, with the load per cell."""
    names = [n for n in IMPLEMENTATIONS if any(n in c["implementations"] for c in cells)]
    width = 12
    head = f"{'ns/coord-step':<14}" + "".join(f"{_cell_label(c['d'], c['S']):>{width}}" for c in cells)
    lines = [head, "-" * len(head)]
    for name in names:
        values = []
        for c in cells:
            r = c["implementations"].get(name)
            values.append("-" if r is None else "skip" if "skipped" in r else _fmt_ns(r["median_ns"]))
        lines.append(f"{name:<14}" + "".join(f"{v:>{width}}" for v in values))
    lines.append("-" * len(head))
    lines.append(f"{'others, cores':<14}" + "".join(f"{c['load']['others_cores']:>{width}.2f}" for c in cells))
    fixed = [_fixed_cost(c) for c in cells]
    if any(v is not None for v in fixed):
        lines.append(f"{'run() fixed ms':<14}" + "".join(
            f"{'-' if v is None else f'{1e3 * v[0]:.1f} ({100 * v[1]:.0f}%)':>{width}}" for v in fixed))
    skipped = {n: r["skipped"] for c in cells for n, r in c["implementations"].items() if "skipped" in r}
    for name, reason in skipped.items():
        lines.append(f"skipped {name}: {reason}")
    return "\n".join(lines)


def format_checks(rows: list[dict]) -> str:
    lines = []
    for r in rows:
        cell = _cell_label(r["d"], r["S"])
        if r["value"] is None:
            value = "-"
        elif "ns per" in r["check"]:
            value = f"{r['value']:.2f} ns"
        else:
            value = f"{r['value']:.2f}x"
        bound = f"{r['sense']} {r['bound']:g}" + (" ns" if "ns per" in r["check"] else "x")
        verdict = r["verdict"] + (" (soft)" if r["soft"] else "") + (" [busy]" if r["busy"] else "")
        lines.append(f"  {r['check']:<42} {cell:<12} {value:>10}   target {bound:<9} {verdict}")
    return "\n".join(lines)


def format_load(label: str, load: dict) -> str:
    la = " ".join(f"{v:.2f}" for v in load["loadavg"])
    return (f"{label}: loadavg {la}; busy {load['busy_cores']:.2f} of {os.cpu_count()} cores "
            f"(this process {load['own_cores']:.2f}, others {load['others_cores']:.2f}); "
            f"steal {100 * load['steal_fraction']:.1f} %")


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


# --------------------------------------------------------------------------------------------
# Main.


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help=f"calls of ~{TARGET_CALL_S_QUICK} s instead of ~{TARGET_CALL_S} s")
    parser.add_argument("--reps", type=int, default=DEFAULT_REPS, help="repetitions per cell (default %(default)s)")
    parser.add_argument("--out", default="results/bench", help="folder of the JSON results (default %(default)s)")
    parser.add_argument("--only", metavar="PATTERN",
                        help="regex searched in 'WORKLOAD/IMPLEMENTATION/d=D,S=S' and 'WORKLOAD/compile'")
    parser.add_argument("--compile-child", metavar="WORKLOAD", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.reps < 1:
        parser.error("--reps must be >= 1")
    if args.only is not None:
        try:
            re.compile(args.only)
        except re.error as err:
            parser.error(f"--only: bad regular expression: {err}")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.compile_child:
        compile_child(args.compile_child)
        return 0
    selected = (lambda ident: True) if args.only is None else (lambda ident: re.search(args.only, ident) is not None)
    target_s = TARGET_CALL_S_QUICK if args.quick else TARGET_CALL_S

    def log(message: str) -> None:
        print(message, flush=True)

    idle = LoadMeter()
    time.sleep(LOAD_SAMPLE_S_QUICK if args.quick else LOAD_SAMPLE_S)
    before = idle.stop()
    log(format_load("load before", before))
    report = {
        "schema": "adaptopt-bench/1",
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "argv": sys.argv[1:],
        "mode": "quick" if args.quick else "full",
        "target_call_s": target_s,
        "reps": args.reps,
        "machine": machine_info(),
        "versions": versions(),
        "load": {"before": before},
        "workloads": {},
    }
    all_checks = []
    during = LoadMeter()
    for workload in WORKLOADS.values():
        cells = []
        log(f"{workload.name}: {workload.description}")
        for dim, n_seeds in workload.cells:
            names = [n for n in IMPLEMENTATIONS if selected(f"{workload.name}/{n}/d={dim},S={n_seeds}")]
            if names:
                cells.append(measure_cell(workload, dim, n_seeds, names, args.reps, target_s, log))
        entry = {"description": workload.description, "cells": cells}
        if cells:
            entry["checks"] = evaluate_checks(workload, cells)
            all_checks += entry["checks"]
        report["workloads"][workload.name] = entry
    report["load"]["during_timings"] = during.stop()
    for workload in WORKLOADS.values():
        if selected(f"{workload.name}/compile"):
            log(f"{workload.name}: compile time (two child processes) ...")
            report["workloads"][workload.name]["compile"] = measure_compile(workload)

    log("")
    log(format_load("load before   ", before))
    log(format_load("load, timings ", report["load"]["during_timings"]))
    for name, entry in report["workloads"].items():
        log(f"\n{name}: {entry['description']}; median of {args.reps}, "
            f"{'quick' if args.quick else 'full'} mode, {numba.get_num_threads()} default threads")
        if entry["cells"]:
            log(format_table(WORKLOADS[name], entry["cells"]))
            log("ratios (median of per-repetition ratios; [busy] = others used > "
                f"{BUSY_OTHERS_CORES} cores during the cell):")
            log(format_checks(entry["checks"]) or "  (no check applies to the cells measured)")
        for phase, res in entry.get("compile", {}).items():
            if "compile_s" in res:
                log(f"  compile, {phase:<4}: first run - second run = {res['compile_s']:.2f} s "
                    f"(import {res['import_s']:.2f} s)   target <= {res['bound_s']:g} s   {res['verdict']}")
            else:
                log(f"  compile, {phase:<4}: failed: {res.get('error')}")

    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = out_dir / f"bench_{stamp}{'_quick' if args.quick else ''}.json"
    path.write_text(json.dumps(_jsonable(report), indent=1, allow_nan=True))
    misses = sum(r["verdict"] == "MISS" and not r["soft"] for r in all_checks)
    log(f"\n{len(all_checks)} checks, {misses} hard MISS; results in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
