"""Speed of the adaptopt engine, as ratios against its floor and its alternatives, in one run.

``make bench`` runs ``python benchmarks/run.py --out results/bench --verify-budget``. What it
does, in order (each part can be selected with ``--only``):

1. **Timings** (``timing/WORKLOAD/ROW/d=D,S=S``): for every workload of
   :data:`benchmarks.workloads.WORKLOADS` (every algorithm family of issue 7, on the separable
   quadratic and on a non-trivial objective: pl_sine for SGD-type methods, cosh for sign and
   clipping methods) and every (d, S) cell of its grid, the rows of
   :data:`benchmarks.workloads.ROWS` (the engine with default threads and one thread, plain SGD
   as the Adam family's yardstick, the Gaussians alone, numpy with the reference
   implementation, torch.optim) are warmed up, calibrated to calls of about ``--call-s`` and
   timed ``--reps`` times round-robin (:mod:`benchmarks.measure`). Unit: ns per
   (seed x step x coordinate). SGDOL also gets ns per oracle call.
2. **Targets** (:mod:`benchmarks.checks`): medians of per-repetition ratios, each printed
   PASS / MISS / SOFT / INFO with the measured value and the load of its cell, then summarised
   per target and family.
3. **Compile budget** (``compile/KERNEL``, :mod:`benchmarks.budget`): cold and warm compile
   time of four kernels (SGD, Adam, generalized SignSGD, SGDOL) in child processes.
4. **Scaling** (``scaling/AXIS``) and **peak memory** (``memory``), :mod:`benchmarks.scaling`.
5. **adaptopt verify** end to end, cold and warm (``--verify-budget`` only, 3-5 minutes).

The plan and an ETA are printed first; the JSON file in ``--out`` is rewritten after every cell
(``"complete": false`` until the end), so an interrupted run leaves its numbers behind.

Usage::

    python benchmarks/run.py --quick                    # 2-4 min: the cells that carry targets
    python benchmarks/run.py                            # 10-12 min on a quiet 2-core machine
    python benchmarks/run.py --verify-budget            # + adaptopt verify cold and warm (make bench)
    python benchmarks/run.py --only 'adam' --reps 7     # regex on the ids above
    python benchmarks/run.py --only 'timing/sgd-inv_sqrt/quadratic/.*/d=100,S=64'
    python benchmarks/run.py --only compile
    python benchmarks/run.py --list                     # the plan, nothing run
"""

from __future__ import annotations

import time

_MODULE_START = time.perf_counter()  # the compile-time child reports its imports from here

import argparse  # noqa: E402
import datetime as _dt  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))  # benchmark the tree this script lives in

from benchmarks import config as C  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("Usage::")[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help=f"smoke run: the quick grid, calls of ~{C.TARGET_CALL_S_QUICK} s, {C.QUICK_REPS} reps")
    parser.add_argument("--reps", type=int, help=f"repetitions per cell (default {C.DEFAULT_REPS}, quick {C.QUICK_REPS})")
    parser.add_argument("--call-s", type=float, help=f"target seconds per timed call (default {C.TARGET_CALL_S}, "
                                                     f"quick {C.TARGET_CALL_S_QUICK})")
    parser.add_argument("--out", default="results/bench", help="folder of the JSON results (default %(default)s)")
    parser.add_argument("--only", metavar="REGEX",
                        help="run only the parts whose id matches: timing/WORKLOAD/ROW/d=D,S=S, compile/KERNEL, "
                             "scaling/AXIS, memory, verify")
    parser.add_argument("--verify-budget", action="store_true",
                        help="also time `adaptopt verify` (default profile) cold and warm, ~3-5 min")
    parser.add_argument("--list", action="store_true", help="print the plan and the ETA, run nothing")
    parser.add_argument("--strict", action="store_true", help="exit with status 1 if a hard target is missed")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.reps is not None and args.reps < 1:
        parser.error("--reps must be >= 1")
    if args.call_s is not None and not args.call_s > 0:
        parser.error("--call-s must be > 0")
    if args.only is not None:
        try:
            re.compile(args.only)
        except re.error as err:
            parser.error(f"--only: bad regular expression: {err}")
    return args


def child_main(argv: list[str]) -> int:
    """Child processes of the compile and memory probes: one JSON line on stdout."""
    kind = argv[0]
    if kind == "compile":
        from benchmarks.budget import compile_child
        out = compile_child(argv[1], _MODULE_START)
    elif kind == "memory":
        from benchmarks.scaling import memory_child
        out = memory_child(int(argv[1]), int(argv[2]), argv[3] == "1")
    else:
        raise SystemExit(f"unknown child {kind!r}")
    from benchmarks.report import jsonable
    print(json.dumps(jsonable(out)))
    return 0


# --------------------------------------------------------------------------------------------
# The plan.


def make_plan(args) -> dict:
    from benchmarks import budget, scaling
    from benchmarks.workloads import WORKLOADS
    from benchmarks.workloads import check_table
    check_table()

    def selected(ident: str) -> bool:
        return args.only is None or re.search(args.only, ident) is not None

    cells = []
    for w in WORKLOADS.values():
        for d, s in w.grid(args.quick):
            rows = [r for r in w.rows if selected(f"timing/{w.name}/{r}/d={d},S={s}")]
            if rows:
                timed_rows = [r for r in rows if w.skip_reason(r, d, s) is None]
                cells.append({"workload": w.name, "d": d, "S": s, "rows": rows, "timed_rows": timed_rows})
    compile_kernels = [k for k in budget.COMPILE_KERNELS if selected(f"compile/{k}")]
    axes = [a for a in scaling.AXES if selected(f"scaling/{a}")]
    memory = scaling.memory_configs(args.quick) if selected("memory") else []
    verify = args.verify_budget and selected("verify")

    call_s, reps = args.call_s, args.reps
    idle = C.CELL_IDLE_SAMPLE_S_QUICK if args.quick else C.CELL_IDLE_SAMPLE_S
    eta_cells = sum(idle + len(c["timed_rows"]) * ((reps + C.ETA_CALIBRATION_CALLS) * call_s + C.ETA_WARMUP_S)
                    for c in cells)
    eta_scaling = 0.0
    for a in axes:
        sizes, fixed = scaling.axis_sizes(a, args.quick), scaling.AXES[a][1]
        work = sum(p["S"] * p["T"] * p["d"] for p in (scaling._point(a, s, fixed) for s in sizes))
        eta_scaling += C.SCALING_REPS * (work * 5e-9 + len(sizes) * 0.01) + 1.0
    eta_memory = sum(3.0 + T * C.MEMORY_S * C.MEMORY_D * 3e-9 for T, _, _ in memory)
    cold = cold_kernels(cells)
    eta_cells += C.ETA_COLD_KERNEL_S * len(cold)
    eta = {"timings": eta_cells, "compile": len(compile_kernels) * C.ETA_COMPILE_CHILD_S, "scaling": eta_scaling,
           "memory": eta_memory, "verify": C.ETA_VERIFY_S if verify else 0.0}
    return {"cells": cells, "compile": compile_kernels, "scaling": axes, "memory": memory, "verify": verify,
            "eta_s": eta, "call_s": call_s, "reps": reps, "idle_s": idle, "cold_kernels": cold,
            "engine_kernels": engine_kernels(cells)}


def engine_kernels(cells) -> list[str]:
    """Labels of the engine kernels the timed cells need (algorithm__objective__noise)."""
    from benchmarks.workloads import WORKLOADS, make_noise
    labels = []
    for c in cells:
        w = WORKLOADS[c["workload"]]
        rows = set(c["timed_rows"])
        if rows & {"engine", "engine_1t"}:
            labels.append(f"{w.algorithm}__{w.objective}__{make_noise().name}")
        if "sgd_1t" in rows:
            labels.append(f"sgd__{w.objective}__{make_noise().name}")
    return list(dict.fromkeys(labels))


def cold_kernels(cells) -> list[str]:
    """Engine kernels without a generated module in the current cache folder (they will compile)."""
    from adaptopt import cache
    from adaptopt.kernels import _slug
    folder = cache.kernels_dir()
    present = {p.name for p in folder.glob("run_*.py")} if folder.exists() else set()
    return [k for k in engine_kernels(cells) if not any(n.startswith(f"run_{_slug(k)}_") for n in present)]


def _mmss(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60}:{seconds % 60:02d}"


def format_plan(plan: dict, quick: bool) -> str:
    from benchmarks.workloads import WORKLOADS
    lines = [f"Plan ({'quick' if quick else 'full'} mode: calls of ~{plan['call_s']:g} s, {plan['reps']} repetitions "
             "per cell, interleaved):"]
    by_workload: dict[str, list] = {}
    for c in plan["cells"]:
        by_workload.setdefault(c["workload"], []).append(c)
    for name, cells in by_workload.items():
        w = WORKLOADS[name]
        grid = " ".join(f"({c['d']:g},{c['S']})" for c in cells)
        rows = sorted({r for c in cells for r in c["timed_rows"]}, key=list(w.rows).index)
        lines.append(f"  {name:<32} [{w.family}] (d,S): {grid}; rows: {', '.join(rows)}")
    n_rows = sum(len(c["timed_rows"]) for c in plan["cells"])
    lines.append(f"  -> {len(plan['cells'])} cells, {n_rows} timed (row, cell) pairs")
    if plan["compile"]:
        lines.append(f"  compile budget: {', '.join(plan['compile'])} (cold and warm, child processes)")
    if plan["scaling"]:
        lines.append(f"  scaling exponents along: {', '.join(plan['scaling'])}")
    if plan["memory"]:
        lines.append("  peak memory: " + ", ".join(f"T={T:g} K={K}{' +iterates' if r else ''}"
                                                   for T, K, r in plan["memory"]))
    lines.append("  adaptopt verify end to end: " + ("cold and warm" if plan["verify"] else
                                                     "not run (add --verify-budget; make bench does)"))
    from adaptopt import cache
    n_kernels, n_cold = len(plan["engine_kernels"]), len(plan["cold_kernels"])
    lines.append(f"  kernel cache {cache.cache_dir()}: {n_kernels - n_cold} of {n_kernels} engine kernels present, "
                 f"{n_cold} to compile (~{C.ETA_COLD_KERNEL_S:g} s each on a quiet machine, in the warm-ups)")
    eta = plan["eta_s"]
    parts = ", ".join(f"{k} {_mmss(v)}" for k, v in eta.items() if v)
    lines.append(f"ETA {_mmss(sum(eta.values()))} ({parts}) on a quiet machine; a busy one takes longer")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Main.


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.child:
        return child_main(args.child)
    args.call_s = args.call_s or (C.TARGET_CALL_S_QUICK if args.quick else C.TARGET_CALL_S)
    args.reps = args.reps or (C.QUICK_REPS if args.quick else C.DEFAULT_REPS)

    def log(message: str = "") -> None:
        print(message, flush=True)

    plan = make_plan(args)
    log(format_plan(plan, args.quick))
    if args.list:
        return 0

    import numba

    from benchmarks import budget, checks, report, scaling
    from benchmarks.measure import LoadMeter, idle_load, measure_cell
    from benchmarks.workloads import WORKLOADS
    from adaptopt.algorithms import get_algorithm

    start = time.perf_counter()
    before = idle_load(C.LOAD_SAMPLE_S_QUICK if args.quick else C.LOAD_SAMPLE_S)
    log(report.format_load("load before", before))
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = out_dir / f"bench_{stamp}{'_quick' if args.quick else ''}.json"
    result = {
        "schema": "adaptopt-bench/2",
        "complete": False,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "argv": sys.argv[1:],
        "mode": "quick" if args.quick else "full",
        "call_s": args.call_s,
        "reps": args.reps,
        "units": "ns per (seed x step x coordinate); ratios are medians of per-repetition ratios",
        "machine": report.machine_info(),
        "versions": report.versions(),
        "targets": {t.key: {"label": t.label, "sense": t.sense, "bound": t.bound, "soft": t.soft}
                    for t in checks.TARGETS},
        "plan": {"eta_s": plan["eta_s"], "cells": [{k: c[k] for k in ("workload", "d", "S", "rows")}
                                                   for c in plan["cells"]]},
        "load": {"before": before},
        "workloads": {},
    }

    def save() -> None:
        result["elapsed_s"] = time.perf_counter() - start
        path.write_text(json.dumps(report.jsonable(result), indent=1, allow_nan=True))

    eta_left = sum(plan["eta_s"].values())
    try:
        # 1-2. Timings and targets.
        if plan["cells"]:
            log(f"\nTimings ({len(plan['cells'])} cells):")
        during = LoadMeter()
        eta_cell = plan["eta_s"]["timings"] / max(len(plan["cells"]), 1)
        for i, c in enumerate(plan["cells"]):
            w = WORKLOADS[c["workload"]]
            try:
                cell = measure_cell(w, c["d"], c["S"], c["rows"], args.reps, args.call_s, plan["idle_s"])
            except Exception as err:  # noqa: BLE001 - report it, go on with the other cells
                message = f"{w.name} {report.cell_label(c['d'], c['S'])}: {type(err).__name__}: {err}"
                result.setdefault("errors", []).append(message)
                log(f"  ERROR {message}")
                continue
            entry = result["workloads"].setdefault(w.name, {"family": w.family, "description": w.description(),
                                                            "samples_per_step": get_algorithm(w.algorithm)
                                                            .samples_per_step, "cells": []})
            entry["cells"].append(cell)
            entry["checks"] = checks.evaluate(w, entry["cells"])
            eta_left -= eta_cell
            save()
            values = "  ".join(f"{n}={report.fmt_ns(r['median_ns'])}" for n, r in cell["rows"].items() if "median_ns" in r)
            log(f"  [{i + 1}/{len(plan['cells'])} {_mmss(time.perf_counter() - start)} elapsed, ~{_mmss(eta_left)} left] "
                f"{w.name} {report.cell_label(c['d'], c['S'])}: {values}  (others {cell['load_before']['others_cores']:.2f}"
                f" / {cell['load']['others_cores']:.2f} cores)")
        if plan["cells"]:
            result["load"]["during_timings"] = during.stop()

        # 3. Compile budget.
        if plan["compile"]:
            log("\nCompile budget (child processes, fresh cache folder):")
        result["compile"] = {}
        for name in plan["compile"]:
            log(f"  {name} ...")
            result["compile"][name] = budget.measure_compile(name)
            save()

        # 4. Scaling and memory.
        result["scaling"] = []
        if plan["scaling"]:
            log("\nScaling exponents ...")
        for axis in plan["scaling"]:
            meter = LoadMeter()
            res = scaling.measure_axis(axis, args.quick)
            res["load"] = meter.stop()
            result["scaling"].append(res)
            save()
        result["memory"] = {"runs": [], "checks": []}
        if plan["memory"]:
            log("Peak memory (child processes) ...")
        for T, K, rec in plan["memory"]:
            res = budget._run_child(["--child", "memory", str(T), str(K), "1" if rec else "0"],
                                    budget._child_env(_cache_root()), C.MEMORY_TIMEOUT_S)
            res.setdefault("T", T)
            res.setdefault("checkpoints", K)
            res.setdefault("record_iterates", rec)
            result["memory"]["runs"].append(res)
            save()
        result["memory"]["checks"] = scaling.memory_verdicts(result["memory"]["runs"])

        # 5. adaptopt verify.
        if plan["verify"]:
            log("\nadaptopt verify, default profile, end to end (cold, then warm):")
            meter = LoadMeter()
            result["verify"] = budget.measure_verify(log)
            result["verify"]["load"] = meter.stop()
            save()
    except KeyboardInterrupt:
        log("\ninterrupted: reporting what was measured")
        result["interrupted"] = True

    # Report.
    log("\n" + "=" * 100)
    log(report.format_load("load before     ", before))
    if "during_timings" in result["load"]:
        log(report.format_load("load, timings   ", result["load"]["during_timings"]))
    all_checks = []
    for name, entry in result["workloads"].items():
        w = WORKLOADS[name]
        log(f"\n{name} [{w.family}]: {entry['description']}; median of {args.reps}, "
            f"{'quick' if args.quick else 'full'} mode, {numba.get_num_threads()} default threads")
        log(report.format_table(w, entry["cells"], entry["samples_per_step"]))
        if entry.get("checks"):
            log("targets (median of per-repetition ratios):")
            log(report.format_checks(entry["checks"]))
            all_checks += entry["checks"]
    result["summary"] = checks.summary(all_checks)
    if result["summary"]:
        log("\nTargets by family (hard MISS fails; SOFT = soft target missed; [busy] = others used > "
            f"{C.BUSY_OTHERS_CORES} cores):")
        log(report.format_summary(result["summary"]))
    result["sweep_estimate"] = report.sweep_estimate(result["workloads"])
    if result["sweep_estimate"]:
        log(f"\nA sweep configuration of {report.SWEEP_SEEDS:.0e} seeds x {report.SWEEP_STEPS:.0e} steps at "
            f"d = {report.SWEEP_DIM} (README, 'Sweeps and running on a cluster'; compilation and I/O excluded):")
        log(report.format_sweep_estimate(result["sweep_estimate"]))
    if result.get("compile"):
        log("\nCompile budget (per kernel; cold = empty cache folder, warm = on-disk cache, new process):")
        for name, res in result["compile"].items():
            log(report.format_compile(name, res))
    if result.get("scaling"):
        load = max(a["load"]["others_cores"] for a in result["scaling"])
        log(f"\nScaling (W1, n_threads=1; others used up to {load:.2f} cores):")
        log(report.format_scaling(result["scaling"]))
    if result.get("memory", {}).get("runs"):
        log(f"\nPeak memory, S={C.MEMORY_S}, d={C.MEMORY_D} (child processes; RSS peak over the run, after a warm-up):")
        log(report.format_memory(result["memory"]["runs"], result["memory"]["checks"]))
    if result.get("verify"):
        log(f"\nadaptopt verify (others used {result['verify']['load']['others_cores']:.2f} cores on average):")
        log(report.format_verify(result["verify"]))

    for message in result.get("errors", []):
        log(f"ERROR (cell not measured): {message}")
    hard_miss = sum(r["verdict"] == "MISS" for r in all_checks)
    hard_miss += sum(res.get(p, {}).get("verdict") == "MISS" for res in result.get("compile", {}).values()
                     for p in ("cold", "warm"))
    hard_miss += sum(result.get("verify", {}).get(p, {}).get("verdict") == "MISS" for p in ("cold", "warm"))
    result["hard_misses"] = hard_miss
    result["complete"] = not result.get("interrupted", False)
    save()
    total = time.perf_counter() - start
    log(f"\n{len(all_checks)} timing checks, {hard_miss} hard MISS in all; {_mmss(total)} elapsed "
        f"(ETA was {_mmss(sum(plan['eta_s'].values()))}); results in {path}")
    return 1 if args.strict and hard_miss else 0


def _cache_root() -> Path:
    from adaptopt import cache
    return cache.cache_root()


if __name__ == "__main__":
    sys.exit(main())
