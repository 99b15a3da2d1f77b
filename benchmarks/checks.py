"""Targets: ratios between rows of the same cell, measured in the same run.

A ratio is the median over repetitions of the ratio within each repetition (paired), which
cancels slow drifts of the machine. Kernel-against-kernel targets (``net``: SGD against the
noise alone, the Adam family against SGD) compare the steps alone, each repetition minus its
row's fixed cost per call; speed-ups over numpy and torch compare whole calls, as a user sees
them. Verdicts:

``PASS``  the target is met
``MISS``  a hard target is missed
``SOFT``  a soft target is missed (it depends on an idle second core; not a failure)
``INFO``  a ratio printed for context, without a target
``SKIP``  a row was not measured (skipped, filtered out, or a single numba thread)

``[busy]`` marks a cell during which other processes used more than ``BUSY_OTHERS_CORES``
cores (before or during the cell); any ratio involving the default thread count is then
unreliable on a 2-core machine.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Callable

import numba

from benchmarks import config as C
from benchmarks.measure import cell_busy
from benchmarks.workloads import Workload


@dataclass(frozen=True)
class Target:
    """``numerator / denominator`` (or, with ``denominator=None``, the numerator's ns per
    seed-step) ``sense`` ``bound`` on the cells ``where(workload, d, S)`` selects."""

    key: str
    label: str
    numerator: str
    denominator: str | None
    sense: str
    bound: float | None
    where: Callable
    soft: bool = False
    needs_threads: bool = False
    net: bool = False


def _large(d):
    return d >= C.LARGE_D_MIN


TARGETS = (
    Target("sgd_vs_noise", "SGD / Gaussians alone (1 thread, net)", "engine_1t", "noise_1t", "<=",
           C.ENGINE_OVER_NOISE_MAX, lambda w, d, s: "sgd_floor" in w.tags and _large(d), net=True),
    Target("sgd_vs_noise_mt", "SGD / Gaussians alone (threads, net)", "engine", "noise_mt", "<=",
           C.ENGINE_OVER_NOISE_MAX, lambda w, d, s: "sgd_floor" in w.tags and _large(d), soft=True,
           needs_threads=True, net=True),
    Target("floor", "engine / Gaussians alone (1 thread, net)", "engine_1t", "noise_1t", "info", None,
           lambda w, d, s: "sgd_floor" not in w.tags and _large(d), net=True),
    Target("adam_vs_sgd", "Adam family / SGD (1 thread, net)", "engine_1t", "sgd_1t", "<=", C.ADAM_OVER_SGD_MAX,
           lambda w, d, s: "adam" in w.tags and _large(d), net=True),
    Target("numpy_small_d", "speed-up over numpy, d <= 10", "numpy", "engine", ">=", C.NUMPY_SPEEDUP_SMALL_D_MIN,
           lambda w, d, s: d <= C.SMALL_D_MAX and s == C.MANY_SEEDS),
    Target("numpy_large_d", "speed-up over numpy, d >= 100", "numpy", "engine", ">=", C.NUMPY_SPEEDUP_LARGE_D_MIN,
           lambda w, d, s: _large(d) and s == C.MANY_SEEDS),
    Target("numpy_s1", "speed-up over numpy, S = 1", "numpy", "engine", "info", None,
           lambda w, d, s: s == 1),
    Target("torch", "speed-up over torch.optim", "torch_optim", "engine", ">=", C.TORCH_SPEEDUP_MIN,
           lambda w, d, s: d <= C.TORCH_MAX_D and s == C.MANY_SEEDS),
    Target("torch_info", "speed-up over torch.optim (no target)", "torch_optim", "engine", "info", None,
           lambda w, d, s: d > C.TORCH_MAX_D or s != C.MANY_SEEDS),
    Target("sgd_d1", "SGD at d = 1, ns per seed-step", "engine", None, "<=", C.D1_NS_PER_SEED_STEP_MAX,
           lambda w, d, s: "sgd_d1" in w.tags and d == 1 and s == C.MANY_SEEDS),
    Target("threads", "default threads / 1 thread (speed-up)", "engine_1t", "engine", ">=", C.THREAD_SPEEDUP_MIN,
           lambda w, d, s: s == C.MANY_SEEDS, soft=True, needs_threads=True),
)
TARGETS_BY_KEY = {t.key: t for t in TARGETS}


def paired_ratio(cell: dict, numerator: str, denominator: str, net: bool = False) -> float | None:
    """Median over repetitions of numerator / denominator (whole calls, or ``net`` of the fixed cost)."""
    rows = cell["rows"]
    key = "net_ns_per_coord_step" if net else "ns_per_coord_step"
    num, den = rows.get(numerator, {}), rows.get(denominator, {})
    if key not in num or key not in den:
        return None
    pairs = [(a, b) for a, b in zip(num[key], den[key]) if b > 0]
    return statistics.median(a / b for a, b in pairs) if pairs else None


def verdict(target: Target, value: float | None) -> str:
    if value is None:
        return "SKIP"
    if target.sense == "info":
        return "INFO"
    ok = value <= target.bound if target.sense == "<=" else value >= target.bound
    return "PASS" if ok else ("SOFT" if target.soft else "MISS")


def evaluate(workload: Workload, cells: list[dict]) -> list[dict]:
    """One row per (target, cell) that applies to ``workload``."""
    out = []
    threads = numba.get_num_threads()
    for target in TARGETS:
        for cell in cells:
            d, s = cell["d"], cell["S"]
            if not target.where(workload, d, s):
                continue
            rows = cell["rows"]
            if target.numerator not in rows or (target.denominator is not None and target.denominator not in rows):
                continue  # the row is not part of this workload: nothing to report
            row = {"workload": workload.name, "family": workload.family, "target": target.key,
                   "label": target.label, "d": d, "S": s, "sense": target.sense, "bound": target.bound,
                   "soft": target.soft, "busy": cell_busy(cell),
                   "others_cores": max(cell["load_before"]["others_cores"], cell["load"]["others_cores"])}
            note = None
            if target.needs_threads and threads < 2:
                value, note = None, f"numba uses {threads} thread"
            elif target.denominator is None:
                num = rows[target.numerator]
                value = num["median_ns"] * d if "median_ns" in num else None
            else:
                value = paired_ratio(cell, target.numerator, target.denominator, target.net)
            if value is None and note is None:
                missing = [r for r in (target.numerator, target.denominator) if r and "median_ns" not in rows.get(r, {})]
                note = "not measured: " + ", ".join(
                    f"{r} ({rows[r].get('skipped') or rows[r].get('error') or 'filtered out'})" for r in missing)
            row.update(value=value, verdict=verdict(target, value), note=note)
            out.append(row)
    return out


def summary(rows: list[dict]) -> list[dict]:
    """Per (target, family): counts of each verdict and the worst measured value."""
    groups: dict[tuple, list] = {}
    for r in rows:
        if r["sense"] == "info":
            continue
        groups.setdefault((r["target"], r["family"]), []).append(r)
    out = []
    for (key, family), items in groups.items():
        target = TARGETS_BY_KEY[key]
        measured = [r for r in items if r["value"] is not None]
        worst = None
        if measured:
            worst = (max if target.sense == "<=" else min)(measured, key=lambda r: r["value"])
        counts = {v: sum(r["verdict"] == v for r in items) for v in ("PASS", "MISS", "SOFT", "SKIP")}
        out.append({"target": key, "label": target.label, "family": family, "sense": target.sense,
                    "bound": target.bound, "soft": target.soft, "counts": counts,
                    "worst": None if worst is None else {k: worst[k] for k in ("workload", "d", "S", "value", "busy")},
                    "verdict": ("MISS" if counts["MISS"] else "SOFT" if counts["SOFT"] else
                                "PASS" if counts["PASS"] else "SKIP")})
    return out
