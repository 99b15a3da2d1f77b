"""Command line: ``adaptopt verify | run | sweep | plot | estimate | list | catalogue | cache``.

Exit status: 0 on success, 1 when a verified check fails (or the catalogue is stale), 2 on bad
arguments; errors print one line, without a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

#: Default output folder of ``adaptopt verify`` (git-ignored).
DEFAULT_VERIFY_OUT = Path("results") / "verify"


class UsageError(Exception):
    """Bad command-line input: reported in one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, status 2 (argparse prints usage + message otherwise)
        raise UsageError(message)


def _key_values(items, what: str) -> dict:
    """Parse ``k=v`` pairs; values are JSON when possible (numbers, lists), else strings."""
    out = {}
    for item in items or ():
        if "=" not in item:
            raise UsageError(f"{what} must be given as key=value, got {item!r}")
        key, text = item.split("=", 1)
        try:
            out[key] = json.loads(text)
        except json.JSONDecodeError:
            out[key] = text
    return out


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="adaptopt", description="Theorems of adaptive non-convex optimization as numerical checks.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    v = sub.add_parser("verify", help="run the registered theorem checks and write a report")
    v.add_argument("--only", nargs="+", metavar="ID", help="check ids or shell patterns (e.g. 'F-GD-*')")
    v.add_argument("--profile", choices=("quick", "default", "full"), default="default",
                   help="default: the judged run (about 3 min cold); full: more seeds and longer horizons; "
                        "quick: a fast smoke run whose horizons are too short to judge (everything is reported)")
    v.add_argument("--seeds", type=int, help="override the number of seeds of every experiment")
    v.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    v.add_argument("--out", type=Path, default=DEFAULT_VERIFY_OUT, help="output folder (default results/verify)")
    v.add_argument("--json", action="store_true", help="print the results as JSON instead of a table")
    v.add_argument("--no-figures", action="store_true", help="skip the figures")
    v.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="worker processes (default: one per core); results do not depend on it")

    r = sub.add_parser("run", help="run one algorithm on one problem and save the result (netCDF)")
    r.add_argument("algorithm")
    r.add_argument("objective")
    r.add_argument("--objective-option", "-o", action="append", metavar="K=V", default=[])
    r.add_argument("--noise", default="none")
    r.add_argument("--noise-option", "-n", action="append", metavar="K=V", default=[])
    r.add_argument("--hyper", "-p", action="append", metavar="K=V", default=[])
    r.add_argument("--schedule", help="schedule kind (see `adaptopt list schedules`)")
    r.add_argument("--schedule-option", "-s", action="append", metavar="K=V", default=[],
                   help="schedule parameters, e.g. eta0=0.1")
    r.add_argument("-T", type=int, required=True, help="number of steps")
    r.add_argument("--seeds", type=int, default=100)
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--out", type=Path, required=True, help="result file (.nc)")
    r.add_argument("--record-iterates", action="store_true",
                   help="store the iterates at every checkpoint (for `adaptopt estimate`)")
    r.add_argument("--every-step", action="store_true", help="checkpoints at every step 0..T (short runs)")

    w = sub.add_parser("sweep", help="run a grid of configurations from a TOML file (resumable; local or Dask)")
    w.add_argument("file", type=Path, help="sweep file (see examples/sweep_example.toml)")
    w.add_argument("--store", type=Path, help="store folder for shards, manifest and merged.nc "
                                              "(default: <file>.sweep next to the file)")
    w.add_argument("--status", action="store_true", help="show done / pending / corrupt tasks; run nothing")
    where = w.add_mutually_exclusive_group()
    where.add_argument("--jobs", type=int, help="local worker processes (default: one per core; 1 runs the tasks "
                                                "in this process)")
    where.add_argument("--dask-local", type=int, metavar="N", help="start a Dask LocalCluster with N worker processes "
                                                                   "(one thread each) on this machine")
    where.add_argument("--scheduler", metavar="ADDRESS", help="run on a Dask scheduler, e.g. tcp://10.0.0.5:8786")
    node = w.add_mutually_exclusive_group()
    node.add_argument("--per-node-cache", action="store_true", default=None,
                      help="workers keep compiled kernels in <cache root>/nodes/<hostname>, so that no file is "
                           "written by two machines (default with --scheduler)")
    node.add_argument("--shared-cache", dest="per_node_cache", action="store_false",
                      help="workers use the cache root itself even with --scheduler (a cache root that is "
                           "local to each machine)")
    w.add_argument("--no-merge", action="store_true", help="do not write merged.nc")

    p = sub.add_parser("plot", help="figures from a stored sweep: convergence curves, heat maps, adaptivity maps")
    p.add_argument("source", type=Path, help="a sweep store folder or its merged.nc")
    p.add_argument("--kind", choices=("curves", "heatmap", "adaptivity"), required=True)
    p.add_argument("--metric", default="f_gap", help="metric (default f_gap; see `adaptopt run`'s result)")
    p.add_argument("--x", help="heat map: x coordinate (e.g. lr); adaptivity: the level coordinate (default level)")
    p.add_argument("--y", help="heat map: y coordinate (e.g. beta1)")
    p.add_argument("--by", nargs="+", metavar="COORD",
                   help="curves: one line per value of COORD; adaptivity: one line per group (its best fixed setting)")
    p.add_argument("--where", action="append", metavar="K=V", default=[],
                   help="keep configurations with coordinate K equal to V (repeatable)")
    p.add_argument("--step", type=int, help="checkpoint of heat maps and adaptivity maps (default: the last)")
    p.add_argument("--out", type=Path, help="output folder (default: figures/ next to merged.nc)")

    e = sub.add_parser("estimate", help="local smoothness along a recorded run and its (L0, L1) envelope")
    e.add_argument("result", type=Path, help="a result file written with --record-iterates --every-step")
    e.add_argument("--blocks", choices=("none", "coordinates", "objective"), default="none",
                   help="per-coordinate or per-block estimates (the objective's own blocks, e.g. layers)")
    e.add_argument("--denominator", choices=("full", "block"), default="block",
                   help="step norm in the block estimates: the whole step or the block's own (default)")
    e.add_argument("--coverage", type=float, default=0.99, help="fraction of points under the envelope")
    e.add_argument("--method", choices=("lp", "quantile"), default="lp")
    e.add_argument("--json", action="store_true", help="print JSON")

    li = sub.add_parser("list", help="list algorithms, objectives, noise models, schedules or checks")
    li.add_argument("what", nargs="?", choices=("algorithms", "objectives", "noise", "schedules", "checks", "all"),
                    default="all")

    c = sub.add_parser("catalogue", help="write the catalogue of checks (docs/checks.md)")
    c.add_argument("--out", type=Path, default=Path("docs") / "checks.md")
    c.add_argument("--check", action="store_true", help="exit 1 if the file is not up to date, write nothing")

    k = sub.add_parser("cache", help="show or clear the compiled-kernel cache")
    k.add_argument("action", choices=("info", "clear"))
    return parser


def _cmd_verify(args) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from proofs_check import registry, verify
    if args.seeds is not None and args.seeds < 2:
        raise UsageError(f"--seeds must be an integer >= 2, got {args.seeds}")
    if args.seed < 0:
        raise UsageError(f"--seed must be a non-negative integer, got {args.seed}")
    if args.jobs < 1:
        raise UsageError(f"--jobs must be a positive integer, got {args.jobs}")
    try:
        checks = registry.select(args.only)
    except ValueError as err:
        raise UsageError(str(err)) from None
    console = Console(stderr=args.json)
    t0 = time.perf_counter()
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console, transient=True) as progress:
        task = progress.add_task("verifying", total=len(checks))

        def done(outcome):
            progress.update(task, advance=1, description=f"{outcome.id}: {outcome.status}")

        outcomes = verify.run_checks(checks, args.profile, args.seed, args.seeds, on_done=done, jobs=args.jobs)
    wall = time.perf_counter() - t0
    paths = verify.write_outputs(outcomes, args.out, profile=args.profile, root_seed=args.seed, wall_time_s=wall,
                                 figures=not args.no_figures, jobs=args.jobs)
    counts = verify.summary_counts(outcomes)
    if args.json:
        print(paths["json"].read_text())
    else:
        _print_table(console, outcomes)
        console.print(f"{counts['pass']} passed, {counts['fail']} failed, {counts['report']} reported "
                      f"in {wall:.1f} s. Report: {paths['report']}")
    return 1 if counts["fail"] else 0


def _print_table(console, outcomes) -> None:
    from rich.table import Table
    table = Table(show_lines=False)
    for col in ("check", "measured", "theory", "source", "verdict"):
        table.add_column(col, overflow="fold")
    colour = {"pass": "green", "fail": "bold red", "report": "yellow"}
    for o in outcomes:
        verdict = f"[{colour[o.status]}]{o.status}[/]" + (f"\n{o.reason}" if o.reason else "")
        table.add_row(o.id, o.measured_text, o.theory_text, o.source_kind, verdict)
    console.print(table)


def _cmd_run(args) -> int:
    from adaptopt import schedules
    from adaptopt.engine import run
    from synthetic import make_any_objective, make_noise
    try:
        objective = make_any_objective(args.objective, **_key_values(args.objective_option, "--objective-option"))
        noise = make_noise(args.noise, **_key_values(args.noise_option, "--noise-option"))
        schedule = None
        if args.schedule is not None:
            options = _key_values(args.schedule_option, "--schedule-option")
            schedule = schedules.make_schedule({"kind": args.schedule, **options})
        result = run(args.algorithm, objective, noise, T=args.T, n_seeds=args.seeds,
                     hyper=_key_values(args.hyper, "--hyper"), schedule=schedule, seed=args.seed,
                     record_iterates=args.record_iterates,
                     checkpoints=list(range(args.T + 1)) if args.every_step else None)
    except (ValueError, TypeError) as err:  # bad values reach the API's validation
        raise UsageError(str(err)) from None
    path = result.save(args.out)
    gap = result.mean("f_gap")
    print(f"{result!r}\nE f - f* at T={result.checkpoints[-1]}: {gap[-1]:.6g}; saved to {path}")
    return 0


_SCHEDULER_ADDRESS = r"^[a-z][a-z0-9+.-]*://\S+$"


def _cmd_sweep(args) -> int:
    import re

    from rich.console import Console

    from adaptopt.sweep import SweepConfigError, SweepError, load_sweep, run_sweep, sweep_status
    for flag, value in (("--jobs", args.jobs), ("--dask-local", args.dask_local)):
        if value is not None and value < 1:
            raise UsageError(f"{flag} must be a positive integer, got {value}")
    if args.scheduler is not None and not re.match(_SCHEDULER_ADDRESS, args.scheduler):
        raise UsageError(f"--scheduler must be an address such as tcp://host:8786, got {args.scheduler!r}")
    try:
        spec = load_sweep(args.file)
    except SweepConfigError as err:
        raise UsageError(str(err)) from None
    console = Console()
    if args.status:
        for line in sweep_status(spec, args.store).lines():
            console.print(line, highlight=False, markup=False)
        return 0
    try:
        summary = run_sweep(spec, args.store, jobs=args.jobs, dask_local=args.dask_local, scheduler=args.scheduler,
                            per_node_cache=args.per_node_cache, merge=not args.no_merge, console=console)
    except SweepError as err:
        raise UsageError(str(err)) from None
    except KeyboardInterrupt:
        print("adaptopt: interrupted; finished shards are kept: run the same command to resume", file=sys.stderr)
        return 130
    for line in summary.lines():
        console.print(line, highlight=False, markup=False)
    return 0 if summary.ok else 1


def _cmd_plot(args) -> int:
    from adaptopt.sweep import open_merged
    where = {}
    for item in args.where:
        if "=" not in item:
            raise UsageError(f"--where must be given as key=value, got {item!r}")
        key, value = item.split("=", 1)
        where[key] = value
    try:
        data = open_merged(args.source)
        from figures.sweep import plot
        out = args.out or (args.source if args.source.is_dir() else args.source.parent) / "figures"
        stem = plot(data, args.kind, out, metric=args.metric, x=args.x, y=args.y, by=args.by, where=where,
                    step=args.step)
    except ValueError as err:
        raise UsageError(str(err)) from None
    print(f"wrote {stem.with_suffix('.png')} and {stem.with_suffix('.pdf')}")
    return 0


def _cmd_estimate(args) -> int:
    import numpy as np

    from adaptopt.result import Result
    from synthetic import objective_from_config, smoothness
    if not 0.0 < args.coverage <= 1.0:
        raise UsageError(f"--coverage must lie in (0, 1], got {args.coverage}")
    try:
        result = Result.load(args.result)
        result.iterates
        objective = objective_from_config(result.config["objective"])
    except ValueError as err:
        raise UsageError(str(err)) from None
    pairs = smoothness.trajectory_pairs(result)
    if len(pairs.x) < 3:
        raise UsageError("the run has fewer than 3 consecutive moving steps: record it with --every-step")
    rows = []
    sample = smoothness.local_smoothness(objective, pairs.x, pairs.x_next)
    rows.append(("global", smoothness.fit_envelope(sample.L_hat, sample.G, args.coverage, args.method)))
    if args.blocks != "none":
        blocks = smoothness.local_smoothness(objective, pairs.x, pairs.x_next, blocks=args.blocks,
                                             denominator=args.denominator)
        fits = smoothness.fit_block_envelopes(blocks, args.coverage, args.method)
        rows += [(name, fit) for (name, _, _), fit in zip(blocks.blocks, fits)]
    if args.json:
        print(json.dumps({"pairs": int(len(pairs.x)), "dropped": int(pairs.n_dropped),
                          "fits": {name: fit.to_dict() for name, fit in rows}}, indent=1, default=float))
        return 0
    print(f"{len(pairs.x)} step pairs ({pairs.n_dropped} dropped) of {result!r}")
    print(f"{'block':>16}  {'L0':>11}  {'L1':>11}  {'rho':>6}  coverage")
    for name, fit in rows:
        rho = "nan" if np.isnan(fit.rho) else f"{fit.rho:.2f}"
        print(f"{name:>16}  {fit.L0:11.4g}  {fit.L1:11.4g}  {rho:>6}  {fit.coverage:.3f}")
    return 0


def _cmd_list(args) -> int:
    from adaptopt.algorithms import ALGORITHMS
    from adaptopt.schedules import SCHEDULES
    from synthetic import ALL_OBJECTIVES, NOISE_MODELS
    sections = {
        "algorithms": [(a.name, a.summary + (" [hyper: " + ", ".join(f"{h.name} in {h.allowed()}" for h in a.hypers)
                                              + "]" if a.hypers else "")) for a in ALGORITHMS.values()],
        "objectives": [(n, (f.__doc__ or "").strip().splitlines()[0]) for n, f in ALL_OBJECTIVES.items()],
        "noise": [(n, (f.__doc__ or "").strip().splitlines()[0]) for n, f in NOISE_MODELS.items()],
        "schedules": [(n, (f.__doc__ or "").strip().splitlines()[0]) for n, f in SCHEDULES.items()],
    }
    if args.what in ("checks", "all"):
        from proofs_check.registry import CHECKS
        sections["checks"] = [(c.id, c.title) for c in CHECKS.values()]
    for name, rows in sections.items():
        if args.what not in (name, "all"):
            continue
        print(f"{name}:")
        width = max(len(r[0]) for r in rows)
        for key, text in rows:
            print(f"  {key.ljust(width)}  {text}")
    return 0


def _cmd_catalogue(args) -> int:
    from proofs_check.catalogue import render_catalogue
    text = render_catalogue()
    if args.check:
        current = args.out.read_text() if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is out of date: run `adaptopt catalogue --out {args.out}`", file=sys.stderr)
            return 1
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(f"wrote {args.out}")
    return 0


def _cmd_cache(args) -> int:
    from adaptopt import cache
    if args.action == "clear":
        freed = cache.clear_cache()
        print(f"cleared {cache.cache_root()} ({freed / 1e6:.1f} MB)")
    else:
        print(f"cache root: {cache.cache_root()}\nthis version's folder: {cache.cache_dir()}\n"
              f"size: {cache.cache_size() / 1e6:.1f} MB")
    return 0


_COMMANDS = {"verify": _cmd_verify, "run": _cmd_run, "sweep": _cmd_sweep, "plot": _cmd_plot,
             "estimate": _cmd_estimate, "list": _cmd_list, "catalogue": _cmd_catalogue, "cache": _cmd_cache}


def main(argv=None) -> int:
    """Entry point of the ``adaptopt`` command."""
    try:
        args = _build_parser().parse_args(argv)
        return _COMMANDS[args.command](args)
    except UsageError as err:
        print(f"adaptopt: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
