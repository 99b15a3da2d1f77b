"""Plain-text tables, provenance (machine, versions, git) and JSON conversion."""

from __future__ import annotations

import math
import os
import platform
import re
import statistics
import subprocess
from pathlib import Path

import numpy as np

from benchmarks import config as C
from benchmarks.workloads import ROWS, Workload

REPO_ROOT = Path(__file__).resolve().parent.parent


def fmt_ns(value: float) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def cell_label(d: int, s: int) -> str:
    return f"d={d:g} S={s}" if d < 10_000 else f"d=1e{round(math.log10(d))} S={s}"


def format_load(label: str, load: dict) -> str:
    la = " ".join(f"{v:.2f}" for v in load["loadavg"])
    return (f"{label}: loadavg {la}; busy {load['busy_cores']:.2f} of {os.cpu_count()} cores "
            f"(this process {load['own_cores']:.2f}, others {load['others_cores']:.2f}); "
            f"steal {100 * load['steal_fraction']:.1f} %")


def _fixed(entry: dict):
    fixed = entry.get("fixed_call_s")
    if fixed is None or "seconds" not in entry:
        return None
    return fixed, fixed / statistics.median(entry["seconds"])


def format_table(workload: Workload, cells: list[dict], samples_per_step: int) -> str:
    """Rows x (d, S) table of median ns per (seed x step x coordinate), load per cell below."""
    names = [n for n in ROWS if any(n in c["rows"] for c in cells)]
    width = 12
    head = f"{'ns/(seed.step.coord)':<22}" + "".join(f"{cell_label(c['d'], c['S']):>{width}}" for c in cells)
    lines = [head, "-" * len(head)]
    for name in names:
        values = []
        for c in cells:
            r = c["rows"].get(name)
            values.append("" if r is None else "skip" if "skipped" in r else "ERROR" if "error" in r
                          else fmt_ns(r["median_ns"]))
        lines.append(f"{name:<22}" + "".join(f"{v:>{width}}" for v in values))
    lines.append("-" * len(head))
    if samples_per_step > 1:
        per_call = []
        for c in cells:
            r = c["rows"].get("engine", {})
            per_call.append(fmt_ns(r["median_ns"] / samples_per_step) if "median_ns" in r else "-")
        lines.append(f"{'engine, per oracle call':<22}" + "".join(f"{v:>{width}}" for v in per_call))
    lines.append(f"{'others before, cores':<22}" + "".join(f"{c['load_before']['others_cores']:>{width}.2f}"
                                                            for c in cells))
    lines.append(f"{'others during, cores':<22}" + "".join(
        f"{c['load']['others_cores']:>{width - 1}.2f}{'*' if _busy(c) else ' '}" for c in cells))
    fixed = [_fixed(c["rows"].get("engine", {})) for c in cells]
    if any(v is not None for v in fixed):
        lines.append(f"{'run() fixed ms (share)':<22}" + "".join(
            f"{'-' if v is None else f'{1e3 * v[0]:.1f} ({100 * v[1]:.0f}%)':>{width}}" for v in fixed))
    notes = {}
    for c in cells:
        for name, r in c["rows"].items():
            if "skipped" in r:
                notes.setdefault(f"skipped {name}: {r['skipped']}", []).append(cell_label(c["d"], c["S"]))
            if "error" in r:
                notes.setdefault(f"ERROR {name}: {r['error']}", []).append(cell_label(c["d"], c["S"]))
            health = r.get("health") or {}
            if health.get("diverged"):
                notes.setdefault(f"WARNING {name}: {health['diverged']} of {health['of']} seeds diverged "
                                 "(the row stopped early; its time is too low)", []).append(
                    cell_label(c["d"], c["S"]))
    for note, where in notes.items():
        lines.append(f"  {note}  [{', '.join(where)}]")
    lines.append("  (* = other processes used > "
                 f"{C.BUSY_OTHERS_CORES} cores before or during the cell; T per row in the JSON)")
    return "\n".join(lines)


def _busy(cell: dict) -> bool:
    return max(cell["load_before"]["others_cores"], cell["load"]["others_cores"]) > C.BUSY_OTHERS_CORES


def _value(r: dict) -> str:
    if r["value"] is None:
        return "-"
    return f"{r['value']:.2f} ns" if r["target"] == "sgd_d1" else f"{r['value']:.2f}x"


def _bound(r: dict) -> str:
    if r["sense"] == "info":
        return "(no target)"
    unit = " ns" if r["target"] == "sgd_d1" else "x"
    return f"{r['sense']} {r['bound']:g}{unit}" + (" soft" if r["soft"] else "")


def format_checks(rows: list[dict]) -> str:
    lines = []
    for r in rows:
        flag = f" [busy {r['others_cores']:.2f}]" if r["busy"] else ""
        note = f"  ({r['note']})" if r.get("note") else ""
        lines.append(f"  {r['label']:<42} {cell_label(r['d'], r['S']):<12} {_value(r):>9}  "
                     f"{_bound(r):<15} {r['verdict']}{flag}{note}")
    return "\n".join(lines)


def format_summary(summary: list[dict]) -> str:
    head = f"  {'target':<42} {'family':<24} {'bound':<14} {'pass':>4} {'miss':>4} {'soft':>4}  worst (cell, load)"
    lines = [head, "  " + "-" * (len(head) - 2)]
    for s in summary:
        w = s["worst"]
        unit = " ns" if s["target"] == "sgd_d1" else "x"
        worst = "-" if w is None else (f"{w['value']:.2f}{unit} at {w['workload']} {cell_label(w['d'], w['S'])}"
                                       + (" [busy]" if w["busy"] else ""))
        bound = f"{s['sense']} {s['bound']:g}{unit}"
        c = s["counts"]
        lines.append(f"  {s['label']:<42} {s['family']:<24} {bound:<14} {c['PASS']:>4} {c['MISS']:>4} {c['SOFT']:>4}"
                     f"  {worst}  -> {s['verdict']}")
    return "\n".join(lines)


def format_compile(name: str, res: dict) -> str:
    lines = []
    for phase in ("cold", "warm"):
        r = res.get(phase, {})
        if "compile_s" in r:
            lines.append(f"  {name:<20} {phase}: first run - second run = {r['compile_s']:.2f} s "
                         f"(import {r['import_s']:.2f} s excluded)   target <= {r['bound_s']:g} s   {r['verdict']}")
        else:
            lines.append(f"  {name:<20} {phase}: failed: {r.get('error')}")
    return "\n".join(lines)


def format_verify(res: dict) -> str:
    lines = [f"  {res['command']}; default --jobs = {res['jobs_default']}"]
    for phase in ("cold", "warm"):
        r = res.get(phase)
        if not r:
            continue
        checks = r.get("checks_wall_s")
        counts = r.get("counts") or {}
        lines.append(f"  {phase}: end to end {r['wall_s']:.1f} s (checks {'-' if checks is None else f'{checks:.1f}'} s; "
                     f"{counts.get('pass', '?')} pass, {counts.get('fail', '?')} fail, {counts.get('report', '?')} "
                     f"reported)   target <= {r['bound_s']:g} s   {r['verdict']}"
                     + (f"   ERROR: {r['error']}" if r.get("error") else ""))
    k = res.get("cold", {}).get("kernels")
    if k:
        lines.append(f"  kernels compiled by verify: {k['run_kernels']} run + {k['replay_kernels']} replay kernel "
                     f"modules; {k['kernel_specialisations']} top-level kernel specialisations (at most "
                     f"{k['max_signatures_per_kernel']} per kernel); {k['all_cached_specialisations']} cached "
                     "specialisations in all (helpers included)")
    s = res.get("split")
    if s:
        lines.append(f"  split: compile ~ {s['compile_s']:.1f} s (cold checks - warm checks, wall), compute ~ "
                     f"{s['compute_s']:.1f} s (warm checks), start-up + figures + report {s['other_cold_s']:.1f} s "
                     f"cold / {s['other_warm_s']:.1f} s warm")
    return "\n".join(lines)


def format_scaling(axes: list[dict]) -> str:
    lines = []
    for a in axes:
        pts = ", ".join(f"{p[a['axis']]}: {fmt_ns(p['ns_per_coord_step'])}" for p in a["points"])
        fixed = {k: v for k, v in a["points"][0].items() if k in ("S", "T", "d") and k != a["axis"]}
        raw = "-" if a["exponent_raw"] is None else f"{a['exponent_raw']:.3f}"
        net = "-" if a["exponent_net"] is None else f"{a['exponent_net']:.3f}"
        lines.append(f"  time ~ {a['axis']}^k: k = {net} net of the fixed call cost (raw {raw}); expected 1 "
                     f"+- {a['tolerance']:g}: {a['verdict']}   [{', '.join(f'{k}={v}' for k, v in fixed.items())}; "
                     f"ns/coord-step {pts}]")
    return "\n".join(lines)


def format_memory(results: list[dict], verdicts: list[dict]) -> str:
    lines = [f"  {'T':>9} {'K':>4} {'iterates':>8} {'peak RSS +MiB':>13} {'numpy peak MiB':>14} "
             f"{'outputs MiB':>11} {'wall s':>7}"]
    for r in results:
        if "error" in r:
            lines.append(f"  {r.get('T', '?'):>9} {r.get('checkpoints', '?'):>4} {str(r.get('record_iterates')):>8}"
                         f"  ERROR {r['error']}")
            continue
        lb = " (lower bound)" if r.get("peak_delta_is_lower_bound") else ""
        lines.append(f"  {r['T']:>9} {r['checkpoints']:>4} {str(r['record_iterates']):>8} "
                     f"{r['peak_delta_kib'] / 1024:>13.1f} {r['traced_peak_kib'] / 1024:>14.1f} "
                     f"{r['expected_outputs_kib'] / 1024:>11.1f} {r['wall_s']:>7.1f}{lb}")
    for v in verdicts:
        if "values_kib" in v:
            a, b = v["values_kib"]
            lines.append(f"  {v['check']}: {a / 1024:.1f} vs {b / 1024:.1f} MiB (T = {v['T'][0]:g} vs {v['T'][1]:g}; "
                         f"tolerance {v['tolerance_kib'] / 1024:.1f} MiB): {v['verdict']}")
        else:
            lines.append(f"  {v['check']}: +{v['measured_kib'] / 1024:.1f} MiB measured, "
                         f"+{v['expected_kib'] / 1024:.1f} MiB expected (S*dK*d*8 bytes), ratio {v['ratio']:.2f}")
    return "\n".join(lines)


#: The sweep of issue 6 that the README's cluster section estimates: seeds x steps per configuration at d = 10.
SWEEP_SEEDS, SWEEP_STEPS, SWEEP_DIM = 10_000, 1_000_000, 10
SWEEP_CORES = (1, 16, 128)


def sweep_estimate(workloads: dict) -> list[dict]:
    """Wall time of one 10^4-seed, 10^6-step, d = 10 sweep configuration, from the single-thread rate.

    For each SGD workload timed at d = 10 (S = 64, ``engine_1t``, net of the fixed call cost):
    ns per seed-step = ns per (seed x step x coordinate) x d, and
    wall time on N cores = seeds x steps x (ns per seed-step) / N, assuming the seeds split evenly
    (tasks of 256 seeds) and excluding compilation and I/O.
    """
    out = []
    for name, entry in workloads.items():
        if not name.startswith("sgd-inv_sqrt/"):
            continue
        for cell in entry["cells"]:
            row = cell["rows"].get("engine_1t", {})
            if cell["d"] != SWEEP_DIM or "median_net_ns" not in row:
                continue
            per_seed_step_ns = row["median_net_ns"] * SWEEP_DIM
            one_core_s = SWEEP_SEEDS * SWEEP_STEPS * per_seed_step_ns * 1e-9
            out.append({"workload": name, "d": SWEEP_DIM, "S": cell["S"], "ns_per_seed_step": per_seed_step_ns,
                        "busy": _busy(cell),
                        "wall_s": {str(n): one_core_s / n for n in SWEEP_CORES}})
    return out


def format_sweep_estimate(rows: list[dict]) -> str:
    lines = []
    for r in rows:
        walls = ", ".join(f"{n} core{'s' if n != '1' else ''}: {w / 60:,.1f} min" for n, w in r["wall_s"].items())
        lines.append(f"  {r['workload']} (S={r['S']}): {r['ns_per_seed_step']:.1f} ns per seed-step on one thread "
                     f"-> {walls}{' [busy]' if r['busy'] else ''}")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Provenance.


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
    import numba
    import scipy

    import adaptopt
    out = {"python": platform.python_version(), "numpy": np.__version__, "numba": numba.__version__,
           "scipy": scipy.__version__, "adaptopt": adaptopt.__version__, "numba_threads": numba.get_num_threads(),
           "numba_threading_layer": None, "torch": None}
    try:
        out["numba_threading_layer"] = numba.threading_layer()
    except ValueError:
        pass
    try:
        import torch
        out["torch"] = torch.__version__
        out["torch_threads"] = torch.get_num_threads()
    except ImportError as err:
        out["torch_missing"] = str(err)
    git = ["git", "-C", str(REPO_ROOT)]
    try:
        out["git_commit"] = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True,
                                           check=True).stdout.strip()
        out["git_dirty"] = bool(subprocess.run([*git, "status", "--porcelain", "--untracked-files=no"],
                                               capture_output=True, text=True, check=True).stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        pass
    return out


def jsonable(value):
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, frozenset):
        return sorted(value)
    return value
