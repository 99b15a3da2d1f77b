"""Machine load, timing, calibration and the interleaved measurement of one cell.

Method (one cell = one workload at one (d, S)):

1. Load before: /proc/stat is sampled while this process sleeps (``CELL_IDLE_SAMPLE_S``), so
   everything busy then is other processes.
2. Warm-up: every row runs once with a tiny T (compiles or loads its kernel); compile time is
   never timed here (see :mod:`benchmarks.budget`).
3. Calibration: for every row, T grows until the steps of one call (its time minus the fixed
   cost of a call) take about the target time; estimates are minima of repeated calls, so one
   preempted call does not shrink T. T differs between rows; the unit (ns per seed x step x
   coordinate) removes it.
4. Timing: ``reps`` repetitions; within a repetition every row runs once, round-robin, in an
   order rotated from one repetition to the next, so that a burst of load from other
   processes hits all rows of that repetition.
5. Fixed cost: every row is also timed with T = MIN_T (the cost of a call that does not grow
   with T: for ``adaptopt.run`` validation, seed streams and the Result). ``net`` times are the
   repetitions minus that cost: the steps alone, which kernel-vs-kernel targets compare.
6. Load during: the busy CPU time of the machine minus the CPU time of this process (all of
   its threads, torch's and numba's included), in cores.
"""

from __future__ import annotations

import gc
import os
import resource
import statistics
import time

from benchmarks import config
from benchmarks.implementations import FACTORIES, Skipped, checkpoints_for
from benchmarks.workloads import ENGINE_ROWS, Workload


def _proc_stat() -> tuple[int, int, int]:
    """Aggregate CPU jiffies ``(busy, steal, total)`` from /proc/stat."""
    try:
        with open("/proc/stat") as fh:
            fields = [int(v) for v in fh.readline().split()[1:9]]
    except OSError:
        return 0, 0, 0
    user, nice, system, idle, iowait, irq, softirq, steal = fields
    return user + nice + system + irq + softirq, steal, sum(fields)


def _own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def loadavg() -> list[float]:
    try:
        with open("/proc/loadavg") as fh:
            return [float(v) for v in fh.read().split()[:3]]
    except OSError:
        return [float("nan")] * 3


class LoadMeter:
    """Busy cores of the machine, of this process and of the others, between creation and stop()."""

    def __init__(self):
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


def idle_load(seconds: float) -> dict:
    """The machine's load while this process sleeps for ``seconds``."""
    meter = LoadMeter()
    time.sleep(seconds)
    return meter.stop()


def timed(run, horizon: int) -> float:
    """Wall time of ``run(horizon)``, the cyclic garbage collector paused (as timeit does).

    No collection before the call: with numba, torch and xarray loaded a full collection takes
    0.2-0.3 s. :func:`paused_gc` collects once per cell instead.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        t0 = time.perf_counter()
        run(horizon)
        return time.perf_counter() - t0
    finally:
        if enabled:
            gc.enable()


class paused_gc:
    """Collect once, then keep the cyclic collector off (reference counting still frees)."""

    def __enter__(self):
        gc.collect()
        self._enabled = gc.isenabled()
        gc.disable()
        return self

    def __exit__(self, *exc):
        if self._enabled:
            gc.enable()
        return False


def fastest(run, horizon: int, calls: int) -> float:
    """Shortest of ``calls`` timed calls (load from other processes only ever adds time)."""
    return min(timed(run, horizon) for _ in range(calls))


def calibrate(run, target_s: float) -> int:
    """A T for which the part of ``run(T)`` that grows with T lasts about ``target_s`` seconds.

    The fixed cost of a call (``run(MIN_T)``) is subtracted before extrapolating, so that a row
    with a large per-call cost still gets a T at which the steps dominate.
    """
    base = fastest(run, config.MIN_T, config.CALIBRATION_CALLS)
    horizon = max(config.CALIBRATION_START_T, config.MIN_T + 1)
    while True:
        variable = timed(run, horizon) - base
        if variable >= config.CALIBRATION_STOP_FRACTION * target_s or horizon >= config.MAX_T:
            variable = min(variable, fastest(run, horizon, config.CALIBRATION_CALLS - 1) - base)
            break
        growth = 0.5 * target_s / max(variable, 1e-6)
        horizon = min(config.MAX_T, int(horizon * min(max(growth, 2.0), 100.0)))
    per_step = max(variable, 1e-9) / (horizon - config.MIN_T)
    return int(min(config.MAX_T, max(config.MIN_TIMED_T, round(target_s / per_step))))


def _error(err: BaseException) -> dict:
    return {"error": f"{type(err).__name__}: {err}".splitlines()[0][:300]}


def measure_cell(workload: Workload, dim: int, n_seeds: int, rows: list[str], reps: int, target_s: float,
                 idle_s: float) -> dict:
    """Warm up, calibrate and time ``rows`` of ``workload`` on cell (dim, n_seeds), interleaved.

    A row that is skipped or raises is recorded with its reason; the others go on.
    """
    before = idle_load(idle_s)
    runs, result = {}, {}
    for name in rows:
        reason = workload.skip_reason(name, dim, n_seeds)
        if reason is not None:
            result[name] = {"skipped": reason}
            continue
        try:
            run = FACTORIES[name](workload, dim, n_seeds)
            run(config.WARMUP_T)
            runs[name] = run
        except Skipped as why:
            result[name] = {"skipped": str(why)}
        except Exception as err:  # noqa: BLE001 - one broken row must not stop the benchmark
            result[name] = _error(err)
    with paused_gc():
        horizons = {}
        for name, run in list(runs.items()):
            try:
                horizons[name] = calibrate(run, target_s)
            except Exception as err:  # noqa: BLE001
                result[name] = _error(err)
                del runs[name]
        meter = LoadMeter()
        seconds = {name: [] for name in runs}
        order = list(runs)
        failed = set()
        for rep in range(reps):
            shift = rep % max(len(order), 1)
            for name in order[shift:] + order[:shift]:
                if name in failed:
                    continue
                try:
                    seconds[name].append(timed(runs[name], horizons[name]))
                except Exception as err:  # noqa: BLE001
                    result[name] = _error(err)
                    failed.add(name)
        during = meter.stop()
    for name in runs:
        if name in failed:
            continue
        work = n_seeds * horizons[name] * dim
        ns = [1e9 * s / work for s in seconds[name]]
        entry = {"T": horizons[name], "checkpoints": int(checkpoints_for(horizons[name]).size),
                 "seconds": seconds[name], "ns_per_coord_step": ns, "median_ns": statistics.median(ns),
                 "min_ns": min(ns)}
        if name in ENGINE_ROWS:
            entry["health"] = runs[name].health()
        try:
            with paused_gc():
                fixed = statistics.median(timed(runs[name], config.MIN_T) for _ in range(config.OVERHEAD_CALLS))
        except Exception as err:  # noqa: BLE001
            fixed = None
            entry["fixed_call_error"] = _error(err)["error"]
        entry["fixed_call_s"] = fixed
        if fixed is not None and horizons[name] > config.MIN_T:
            # The steps alone: each repetition minus the fixed cost of a call (T = MIN_T).
            net = [1e9 * max(s - fixed, 0.0) / (n_seeds * (horizons[name] - config.MIN_T) * dim)
                   for s in seconds[name]]
            entry["net_ns_per_coord_step"] = net
            entry["median_net_ns"] = statistics.median(net)
        result[name] = entry
    return {"workload": workload.name, "d": dim, "S": n_seeds, "load_before": before, "load": during,
            "rows": result}


def cell_busy(cell: dict) -> bool:
    """Other processes used more than BUSY_OTHERS_CORES before or during the cell."""
    return max(cell["load_before"]["others_cores"], cell["load"]["others_cores"]) > config.BUSY_OTHERS_CORES
