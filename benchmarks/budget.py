"""Compile budget: one kernel cold and warm, and ``adaptopt verify`` end to end.

Per kernel (in child processes, so that nothing is loaded already):

* **cold**: a new process with an empty ``ADAPTOPT_CACHE_DIR``; the first ``adaptopt.run``
  minus a second identical call is the compile time (code generation, type inference, LLVM,
  writing the on-disk cache). Imports are excluded and printed apart.
* **warm**: another new process with the same folder: the same difference is the cost of
  finding and loading the cached kernel.

``adaptopt verify`` (``--verify-budget``, about 3-5 minutes): the default profile run as a user
runs it (``python -m adaptopt.cli verify``, its default ``--jobs``, figures included), first with
an empty cache folder (cold), then again with the filled one (warm). Printed: both wall times,
the number of distinct kernel specialisations verify compiled (generated kernel modules in
``<cache>/<tag>/kernels/`` and the compiled signatures of their top-level kernels in Numba's
index), and the split between compile and compute: ``cold - warm`` of the checks' own wall
time (what compilation cost), the warm checks' time (compute), and the rest (start-up, figures,
report).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import config as C

REPO_ROOT = Path(__file__).resolve().parent.parent
RUN_PY = Path(__file__).resolve().parent / "run.py"

#: Kernels of the compile budget: name -> the workload whose engine kernel is compiled.
COMPILE_KERNELS = {
    "sgd": "sgd-inv_sqrt/quadratic",
    "adam": "adam/quadratic",
    "generalized_signsgd": "generalized_signsgd/cosh",
    "sgdol": "sgdol/quadratic",
}


def _child_env(cache_dir: Path) -> dict:
    path = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    return dict(os.environ, ADAPTOPT_CACHE_DIR=str(cache_dir), PYTHONPATH=path)


def compile_child(kernel_name: str, module_start: float) -> dict:
    """Child process: the first and a second adaptopt.run of one kernel (JSON on stdout)."""
    from adaptopt import cache
    from benchmarks.implementations import make_engine
    from benchmarks.workloads import WORKLOADS
    import_s = time.perf_counter() - module_start
    workload = WORKLOADS[COMPILE_KERNELS[kernel_name]]
    p = C.COMPILE_PROBE
    run = make_engine(1)(workload, p["d"], p["S"])
    t0 = time.perf_counter()
    run(p["T"])
    t1 = time.perf_counter()
    run(p["T"])
    t2 = time.perf_counter()
    return {"import_s": import_s, "first_run_s": t1 - t0, "second_run_s": t2 - t1,
            "compile_s": (t1 - t0) - (t2 - t1), "kernels": kernel_counts(cache.cache_root())}


def kernel_counts(cache_root: Path) -> dict:
    """Generated kernel modules and compiled specialisations under an adaptopt cache root."""
    modules = sorted(p.name for p in cache_root.rglob("kernels/*.py"))
    nbc = [p.name for p in cache_root.rglob("*.nbc")]
    top = [n for n in nbc if ".run_kernel-" in n or ".replay_kernel-" in n]
    return {
        "generated_modules": len(modules),
        "run_kernels": sum(m.startswith("run_") for m in modules),
        "replay_kernels": sum(m.startswith("replay_") for m in modules),
        "kernel_specialisations": len(top),
        "all_cached_specialisations": len(nbc),
        "max_signatures_per_kernel": _max_signatures(top),
    }


def _max_signatures(nbc_names) -> int:
    """Largest number of compiled signatures of one kernel (index entries ``<stem>.<func>-<line>.<py>.<k>.nbc``)."""
    per_kernel: dict[str, int] = {}
    for name in nbc_names:
        stem = name.rsplit(".", 2)[0]
        per_kernel[stem] = per_kernel.get(stem, 0) + 1
    return max(per_kernel.values(), default=0)


def _run_child(args: list[str], env: dict, timeout: float) -> dict:
    try:
        proc = subprocess.run([sys.executable, str(RUN_PY), *args], capture_output=True, text=True, env=env,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-3:] or [f"exit status {proc.returncode}"]
        return {"error": " | ".join(tail)}
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"error": f"no JSON from the child: {proc.stdout[-300:]!r}"}


def measure_compile(kernel_name: str) -> dict:
    """Cold (empty cache folder) and warm (same folder, new process) compile time of one kernel."""
    out = {"workload": COMPILE_KERNELS[kernel_name]}
    with tempfile.TemporaryDirectory(prefix="adaptopt_bench_cache_") as folder:
        env = _child_env(Path(folder))
        for phase, bound in (("cold", C.COMPILE_COLD_MAX_S), ("warm", C.COMPILE_WARM_MAX_S)):
            res = _run_child(["--child", "compile", kernel_name], env, C.COMPILE_TIMEOUT_S)
            if "compile_s" in res:
                res["bound_s"] = bound
                res["verdict"] = "PASS" if res["compile_s"] <= bound else "MISS"
            out[phase] = res
    return out


def _verify_command(out_dir: Path) -> list[str]:
    code = "import sys; from adaptopt.cli import main; sys.exit(main(sys.argv[1:]))"
    return [sys.executable, "-c", code, "verify", "--out", str(out_dir)]


def _read_verify_results(out_dir: Path) -> dict:
    try:
        payload = json.loads((out_dir / "results.json").read_text())
    except (OSError, ValueError) as err:
        return {"results_error": str(err)}
    meta = payload.get("meta", {})
    checks = payload.get("checks", [])
    return {"checks_wall_s": meta.get("wall_time_s"), "counts": meta.get("counts"), "n_checks": len(checks)}


def measure_verify(log) -> dict:
    """``adaptopt verify`` (default profile) end to end, cold then warm, in new processes."""
    out = {"command": "python -m adaptopt.cli verify --out <tmp>  (default profile, default --jobs, figures)",
           "jobs_default": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="adaptopt_bench_verify_") as root:
        cache_dir = Path(root) / "cache"
        env = _child_env(cache_dir)
        for phase, bound in (("cold", C.VERIFY_COLD_MAX_S), ("warm", C.VERIFY_WARM_MAX_S)):
            out_dir = Path(root) / phase
            log(f"  adaptopt verify, {phase} cache ...")
            t0 = time.perf_counter()
            try:
                proc = subprocess.run(_verify_command(out_dir), capture_output=True, text=True, env=env,
                                      timeout=C.VERIFY_TIMEOUT_S, cwd=root)
                status = proc.returncode
                error = None if status in (0, 1) else " | ".join(proc.stderr.strip().splitlines()[-3:])
            except subprocess.TimeoutExpired:
                status, error = None, f"timed out after {C.VERIFY_TIMEOUT_S:.0f} s"
            wall = time.perf_counter() - t0
            res = {"wall_s": wall, "exit_status": status, "bound_s": bound, **_read_verify_results(out_dir)}
            if error:
                res["error"] = error
            res["verdict"] = "MISS" if error or wall > bound else "PASS"
            if phase == "cold":
                res["kernels"] = kernel_counts(cache_dir)
            out[phase] = res
    cold, warm = out["cold"], out["warm"]
    if cold.get("checks_wall_s") is not None and warm.get("checks_wall_s") is not None:
        out["split"] = {
            "compile_s": cold["checks_wall_s"] - warm["checks_wall_s"],
            "compute_s": warm["checks_wall_s"],
            "other_cold_s": cold["wall_s"] - cold["checks_wall_s"],
            "other_warm_s": warm["wall_s"] - warm["checks_wall_s"],
        }
    return out
