"""Scaling: the cost is linear in S, T and d, and peak memory is set by the checkpoints, not T.

Exponents (in this process, W1 = SGD eta0/sqrt(t) on the quadratic, ``n_threads=1`` so that
the thread layout does not change along the S axis): for each axis the wall time of
``adaptopt.run`` is measured at a geometric series of sizes, the others fixed, points
interleaved round-robin over ``SCALING_REPS`` repetitions (medians). The slope of log(time)
against log(size) is fitted twice: on the raw wall time, and on the time net of the fixed cost
of a call at the same (S, d) (``adaptopt.run`` with T = 2: validation, seed streams, the Result),
which is what grows with the size. Expected: 1 (the d axis may come out slightly above 1: at
d = 10^4 the per-seed vectors leave the L1 cache).

Peak memory (child processes, default threads): S = 64, d = 100, T = 10^4 and 10^6 (10^5 with
--quick) with the same number of checkpoints (exactly K, geometric), with and without
``record_iterates``, and K = 40 vs 400. After a warm-up call (so compilation is not counted),
the process's peak RSS is reset (``/proc/self/clear_refs``, Linux) and read again after the run
(``VmHWM`` minus the RSS before); ``tracemalloc`` gives the peak of the Python-side (numpy)
allocations. Expected: the same peak for both T, and a growth of S * K * d * 8 bytes with
record_iterates.
"""

from __future__ import annotations

import gc
import math
import re
import statistics
import time

import numpy as np

from benchmarks import config as C
from benchmarks.measure import paused_gc, timed

SCALING_WORKLOAD = "sgd-inv_sqrt/quadratic"

#: Axis -> (sizes, fixed (S, d, T) values). The largest point of each axis takes 0.2-0.4 s and
#: the smallest a few ms, well above the fixed cost of a call (~1-3 ms). --quick drops the
#: largest size of each axis.
AXES = {
    "S": ((8, 16, 32, 64, 128, 256), dict(d=100, T=2000)),
    "T": ((500, 2000, 8000, 32000), dict(S=16, d=100)),
    "d": ((100, 316, 1000, 3162, 10000), dict(S=8, T=2000)),
}


def axis_sizes(axis: str, quick: bool) -> tuple:
    sizes = AXES[axis][0]
    return sizes[:-1] if quick else sizes


def _point(axis: str, size: int, fixed: dict) -> dict:
    p = dict(fixed)
    p[axis] = size
    return p


def fit_exponent(sizes, times) -> float | None:
    x, y = np.log(np.asarray(sizes, float)), np.asarray(times, float)
    ok = y > 0
    if ok.sum() < 2:
        return None
    return float(np.polyfit(x[ok], np.log(y[ok]), 1)[0])


def measure_axis(axis: str, quick: bool) -> dict:
    from benchmarks.implementations import EngineRun
    from benchmarks.workloads import WORKLOADS
    w = WORKLOADS[SCALING_WORKLOAD]
    sizes, fixed = axis_sizes(axis, quick), AXES[axis][1]
    points = [_point(axis, s, fixed) for s in sizes]
    runs = [EngineRun(w.algorithm, w, p["d"], p["S"], 1, w.hyper, w.schedule) for p in points]
    for run in runs:
        run(C.WARMUP_T)
    raw = [[] for _ in points]
    fixed_cost = [[] for _ in points]
    with paused_gc():
        for rep in range(C.SCALING_REPS):
            order = list(range(len(points)))
            order = order[rep % len(order):] + order[:rep % len(order)]
            for i in order:
                raw[i].append(timed(runs[i], points[i]["T"]))
                fixed_cost[i].append(timed(runs[i], C.MIN_T))
    med = [statistics.median(r) for r in raw]
    med_fixed = [statistics.median(f) for f in fixed_cost]
    net = [max(m - f, 1e-9) for m, f in zip(med, med_fixed)]
    values = [p[axis] for p in points]
    rows = [{**p, "seconds": m, "fixed_s": f, "ns_per_coord_step": 1e9 * m / (p["S"] * p["T"] * p["d"])}
            for p, m, f in zip(points, med, med_fixed)]
    exp_raw, exp_net = fit_exponent(values, med), fit_exponent(values, net)
    ok = exp_net is not None and abs(exp_net - 1.0) <= C.SCALING_EXPONENT_TOLERANCE
    return {"axis": axis, "points": rows, "exponent_raw": exp_raw, "exponent_net": exp_net,
            "tolerance": C.SCALING_EXPONENT_TOLERANCE, "verdict": "PASS" if ok else "SOFT"}


# --------------------------------------------------------------------------------------------
# Peak memory (child processes).


def exact_checkpoints(horizon: int, count: int) -> np.ndarray:
    """Exactly ``count`` distinct geometric steps in 1..horizon, ending at horizon."""
    steps, last = [], 0
    for v in np.geomspace(1, horizon, count):
        last = max(int(round(v)), last + 1)
        steps.append(last)
    excess = steps[-1] - horizon
    if excess > 0:  # only when count is close to horizon
        raise ValueError(f"cannot place {count} checkpoints in 1..{horizon}")
    steps[-1] = horizon
    return np.asarray(steps, dtype=np.int64)


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as fh:
            m = re.search(rf"^{field}:\s+(\d+) kB", fh.read(), re.M)
        return int(m.group(1)) if m else None
    except OSError:
        return None


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def memory_child(horizon: int, count: int, record_iterates: bool) -> dict:
    """Child process: the peak memory of one adaptopt.run (after a warm-up call)."""
    import resource
    import tracemalloc

    import adaptopt
    from adaptopt.algorithms import get_algorithm
    from adaptopt.kernels import METRICS
    from benchmarks.workloads import WORKLOADS, make_noise, make_objective
    w = WORKLOADS[SCALING_WORKLOAD]
    obj, noise = make_objective(w.objective, C.MEMORY_D), make_noise()

    def call(T, ckpts):
        return adaptopt.run(w.algorithm, obj, noise, T=T, n_seeds=C.MEMORY_S, schedule=w.schedule, seed=C.ROOT_SEED,
                            checkpoints=ckpts, record_iterates=record_iterates)

    ckpts = exact_checkpoints(horizon, count)
    call(count, exact_checkpoints(count, count))  # compile or load the kernel, start the thread pool
    gc.collect()
    reset = _reset_peak()
    rss0 = _status_kib("VmRSS")
    maxrss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    t0 = time.perf_counter()
    res = call(horizon, ckpts)
    wall = time.perf_counter() - t0
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    hwm = _status_kib("VmHWM")
    n_metrics = len(METRICS) + len(get_algorithm(w.algorithm).state_names)
    outputs = C.MEMORY_S * count * n_metrics * 8 + C.MEMORY_S * C.MEMORY_D * 8
    snapshots = C.MEMORY_S * count * C.MEMORY_D * 8 if record_iterates else 0
    out = {"T": horizon, "checkpoints": count, "record_iterates": record_iterates, "wall_s": wall,
           "n_diverged": int(res.n_diverged), "rss_before_kib": rss0, "peak_reset": reset,
           "traced_peak_kib": traced_peak / 1024, "expected_outputs_kib": (outputs + snapshots) / 1024,
           "expected_snapshots_kib": snapshots / 1024}
    if reset and hwm is not None and rss0 is not None:
        out["peak_delta_kib"] = hwm - rss0
    else:  # no reset: ru_maxrss only grows, so the delta is a lower bound
        out["peak_delta_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - maxrss0
        out["peak_delta_is_lower_bound"] = True
    return out


def memory_configs(quick: bool) -> list[tuple]:
    """(T, K, record_iterates) of the probe: T small and large at K = 40 without iterates and at
    K = 400 with them, and T small at K = 40 with them (the growth with K)."""
    small, large = C.MEMORY_T_SMALL, C.MEMORY_T_LARGE_QUICK if quick else C.MEMORY_T_LARGE
    k_low, k_high = C.MEMORY_CHECKPOINTS
    return [(small, k_low, False), (large, k_low, False), (small, k_low, True), (small, k_high, True),
            (large, k_high, True)]


def memory_verdicts(results: list[dict]) -> list[dict]:
    """Peak independent of T (same K, same flag); growth with record_iterates x K as expected."""
    by = {(r["T"], r["checkpoints"], r["record_iterates"]): r for r in results if "peak_delta_kib" in r}
    out = []
    ts = sorted({k[0] for k in by})
    if len(ts) == 2:
        small, large = ts
        for (T, K, rec), r in sorted(by.items()):
            if T != small or (large, K, rec) not in by:
                continue
            a, b = r["peak_delta_kib"], by[(large, K, rec)]["peak_delta_kib"]
            tol = max(C.MEMORY_MATCH_KIB, C.MEMORY_MATCH_FRACTION * max(a, b))
            out.append({"check": f"peak independent of T (K={K}, record_iterates={rec})",
                        "values_kib": [a, b], "T": [small, large], "tolerance_kib": tol,
                        "verdict": "PASS" if abs(b - a) <= tol else "MISS"})
    k_low, k_high = C.MEMORY_CHECKPOINTS
    for T in ts:
        lo, hi = by.get((T, k_low, True)), by.get((T, k_high, True))
        if lo and hi:
            grew = hi["peak_delta_kib"] - lo["peak_delta_kib"]
            expected = hi["expected_snapshots_kib"] - lo["expected_snapshots_kib"]
            out.append({"check": f"growth with record_iterates, K {k_low} -> {k_high} (T={T})",
                        "measured_kib": grew, "expected_kib": expected,
                        "ratio": grew / expected if expected else math.nan, "verdict": "INFO"})
    return out
