"""The benchmark suite's machinery (not its timings, which only `make bench` measures): the plan
covers every algorithm family of issue 7, the targets read the right cells and ratios, and every
numpy baseline runs the same metrics as the engine."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks import checks
from benchmarks import config as C
from benchmarks.implementations import numpy_factory
from benchmarks.workloads import WORKLOADS

ROOT = Path(__file__).resolve().parent.parent
FAMILIES = {"SGD", "SGDOL", "AdaGrad-norm", "Adam family", "generalized SignSGD", "clipped/normalized SGD"}


def test_the_plan_lists_every_family_and_runs_nothing():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--list"], capture_output=True,
                         text=True, check=True, timeout=120).stdout
    assert {w.family for w in WORKLOADS.values()} == FAMILIES
    for family in FAMILIES:
        assert f"[{family}]" in out
    assert "ETA" in out and "compile budget" in out


def _cell(d, s, **rows_ns):
    """A measured cell: each row's per-repetition ns (whole calls and net of the fixed cost)."""
    rows = {name: {"ns_per_coord_step": list(ns), "net_ns_per_coord_step": list(ns), "median_ns": float(np.median(ns))}
            for name, ns in rows_ns.items()}
    quiet = {"others_cores": 0.0}
    return {"d": d, "S": s, "rows": rows, "load_before": quiet, "load": quiet}


def test_ratios_are_medians_of_per_repetition_ratios():
    # Repetition-wise ratios 1.2, 1.5, 1.1: the median is 1.2, not the ratio of the medians (1.25).
    cell = _cell(100, 64, engine_1t=[1.2, 3.0, 1.1], noise_1t=[1.0, 2.0, 1.0])
    assert checks.paired_ratio(cell, "engine_1t", "noise_1t", net=True) == pytest.approx(1.2)


@pytest.mark.parametrize(("engine_ns", "verdict"), [(1.25, "PASS"), (1.35, "MISS")])
def test_sgd_floor_target_passes_and_fails(engine_ns, verdict):
    workload = WORKLOADS["sgd-inv_sqrt/quadratic"]
    cell = _cell(100, 64, engine_1t=[engine_ns] * 3, noise_1t=[1.0] * 3)
    rows = {r["target"]: r for r in checks.evaluate(workload, [cell])}
    assert rows["sgd_vs_noise"]["bound"] == C.ENGINE_OVER_NOISE_MAX == 1.3
    assert rows["sgd_vs_noise"]["verdict"] == verdict


def test_targets_apply_where_the_issue_states_them():
    adam, sgd = WORKLOADS["adam/quadratic"], WORKLOADS["sgd-inv_sqrt/quadratic"]
    small = _cell(10, 64, engine=[1.0] * 3, engine_1t=[2.0] * 3, sgd_1t=[1.0] * 3, numpy=[9.0] * 3)
    large = _cell(100, 64, engine=[1.0] * 3, engine_1t=[2.0] * 3, sgd_1t=[1.0] * 3, numpy=[4.0] * 3)
    by_cell = {(r["d"], r["target"]): r for r in checks.evaluate(adam, [small, large])}
    assert by_cell[(10, "numpy_small_d")]["verdict"] == "PASS"       # 9x >= 8x
    assert by_cell[(100, "numpy_large_d")]["verdict"] == "MISS"      # 4x < 5x
    assert by_cell[(100, "adam_vs_sgd")]["verdict"] == "MISS"        # 2x > 1.5x
    assert (10, "adam_vs_sgd") not in by_cell                        # d >= 100 only
    assert not any(r["target"] == "sgd_vs_noise" for r in checks.evaluate(adam, [large]))
    d1 = _cell(1, 64, engine=[12.0] * 3)
    (row,) = [r for r in checks.evaluate(sgd, [d1]) if r["target"] == "sgd_d1"]
    assert row["value"] == 12.0 and row["verdict"] == "PASS"


@pytest.mark.parametrize("name", sorted(WORKLOADS))
def test_numpy_baseline_runs_and_records_every_metric(name):
    workload = WORKLOADS[name]
    if "numpy" not in workload.rows:
        pytest.skip(f"{name} has no numpy row")
    metrics = numpy_factory(workload, 3, 2)(40)
    assert metrics.shape[0] == 2 and metrics.shape[2] == 9
    assert np.all(np.isfinite(metrics[..., [0, 1, 2, 3, 5, 6, 7, 8]]))
    assert np.all(metrics[..., 8] > 0)
