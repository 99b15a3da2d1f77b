"""Run a sweep: plan, resume, warm the kernels, fan out, save shards, merge, summarise."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from adaptopt.sweep.executors import (
    DaskExecutor,
    InlineExecutor,
    LocalExecutor,
    default_jobs,
)
from adaptopt.sweep.merge import merge_store, merged_is_current, write_merged
from adaptopt.sweep.store import Store, SweepError, plan_hash, plan_tasks, task_spec

#: Failed tasks listed in full in a summary (the rest are counted).
FAILURES_SHOWN = 3


@dataclass
class SweepSummary:
    """What a sweep did: task counts, seeds and steps computed, wall time, events, outputs."""

    name: str
    store: Path
    executor: str
    n_configs: int
    n_tasks: int
    run: int = 0
    skipped: int = 0
    corrupt: int = 0
    failed: list = field(default_factory=list)  # (task, message)
    seeds_run: int = 0
    T: int = 0
    wall_time_s: float = 0.0
    warm_time_s: float = 0.0
    workers: int = 0
    merged: Path | None = None
    events: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def steps(self) -> int:
        """Seed-steps computed by this run: Σ over run tasks of seeds x T."""
        return self.seeds_run * self.T

    @property
    def steps_per_second(self) -> float:
        """Seed-steps per second of wall time (warm-up and I/O included)."""
        return self.steps / self.wall_time_s if self.wall_time_s > 0 else 0.0

    def lines(self) -> list[str]:
        out = [f"{self.n_tasks} tasks ({self.n_configs} configs): {self.run} run, {self.skipped} skipped, "
               f"{self.corrupt} corrupt recomputed, {len(self.failed)} failed; executor: {self.executor}"]
        if self.run:
            out.append(f"{self.seeds_run} seeds x {self.T} steps in {self.wall_time_s:.1f} s wall "
                       f"(warm-up {self.warm_time_s:.1f} s on {self.workers} worker{'s' if self.workers != 1 else ''}):"
                       f" {self.steps_per_second:.3g} steps/s")
        else:
            out.append(f"nothing to run ({self.wall_time_s:.1f} s)")
        for task, message in self.failed[:FAILURES_SHOWN]:
            out.append(f"failed: config {task.config}, seeds {task.seed_start}..{task.seed_start + task.n_seeds - 1}: "
                       f"{message}")
        if len(self.failed) > FAILURES_SHOWN:
            out.append(f"... and {len(self.failed) - FAILURES_SHOWN} more failed tasks")
        if self.merged is not None:
            out.append(f"merged: {self.merged}")
        elif self.failed:
            out.append("not merged: re-run the sweep to retry the failed tasks")
        return out


def _executor(jobs, dask_local, scheduler, per_node_cache, n_todo, on_event):
    if scheduler is not None:
        per_node_cache = True if per_node_cache is None else per_node_cache
        return DaskExecutor(scheduler=scheduler, per_node_cache=per_node_cache, on_event=on_event)
    per_node_cache = bool(per_node_cache)
    if dask_local is not None:
        return DaskExecutor(n_local=dask_local, per_node_cache=per_node_cache, on_event=on_event)
    jobs = default_jobs() if jobs is None else jobs
    if jobs == 1:
        return InlineExecutor()
    return LocalExecutor(min(jobs, max(1, n_todo)), per_node_cache=per_node_cache, on_event=on_event)


def _progress(console):
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TimeRemainingColumn(), console=console, transient=True, disable=console is None)


def run_sweep(sweep, store=None, *, jobs: int | None = None, dask_local: int | None = None,
              scheduler: str | None = None, per_node_cache: bool | None = None, merge: bool = True,
              console=None) -> SweepSummary:
    """Run every unfinished task of ``sweep`` and merge the shards.

    Parameters
    ----------
    sweep : Sweep
        From :func:`adaptopt.sweep.load_sweep`.
    store : path, optional
        The store folder (default ``<file>.sweep/`` next to the sweep file).
    jobs : int, optional
        Local worker processes (default one per core; 1 runs the tasks in this process).
    dask_local : int, optional
        Start a Dask ``LocalCluster`` with this many worker processes (one thread each).
    scheduler : str, optional
        Address of a running Dask scheduler, e.g. ``tcp://10.0.0.5:8786``.
    per_node_cache : bool, optional
        Workers keep their compiled kernels in ``<cache root>/nodes/<hostname>``, so that no
        cache file is written by two machines when the cache root is on a shared file system.
        Default: on with ``scheduler`` (workers on several machines), off for the executors of
        this machine (which share its cache with ``adaptopt verify`` and ``run``).
    merge : bool
        Merge the shards into ``merged.nc`` when every task is done.
    console : rich.console.Console, optional
        Where progress bars and events go (None: silent).

    Returns
    -------
    SweepSummary
    """
    t0 = time.perf_counter()
    store = Store.default_for(sweep.path) if store is None else Store(store)
    tasks = plan_tasks(sweep)

    def event(message: str) -> None:
        summary.events.append(message)
        if console is not None:
            console.print(f"[yellow]{message}[/]")

    with store.lock():
        store.remove_stale_temporaries()
        manifest = store.write_manifest(sweep, tasks)
        with _progress(console) as progress:
            bar = progress.add_task("checking shards", total=len(tasks))
            scan = store.scan(tasks, on_checked=lambda: progress.advance(bar))
            progress.remove_task(bar)
        todo = scan.pending + [task for task, _ in scan.corrupt]
        executor = _executor(jobs, dask_local, scheduler, per_node_cache, len(todo), lambda m: event(m))
        summary = SweepSummary(name=sweep.name, store=store.root, executor=executor.description,
                               n_configs=len(sweep.configs), n_tasks=len(tasks), skipped=len(scan.done),
                               corrupt=len(scan.corrupt), T=sweep.T)
        for task, reason in scan.corrupt:
            event(f"corrupt shard {store.shard_path(task.shard)} ({reason}): recomputing it")
            store.discard(task)
        if todo:
            by_shard = {task.shard: task for task in todo}
            specs = [task_spec(sweep, task, store.shard_path(task.shard) if executor.writes_shards else None)
                     for task in todo]
            with executor, _progress(console) as progress:
                bar = progress.add_task(f"warming {len({s['algorithm'] + s['objective'] + s['noise'] for s in specs})}"
                                        " kernel(s)", total=None)
                tw = time.perf_counter()
                try:
                    summary.workers = executor.warm(specs)
                except SweepError:
                    raise
                except Exception as err:
                    raise SweepError(f"kernel warm-up failed: {type(err).__name__}: {err}") from None
                summary.warm_time_s = time.perf_counter() - tw
                progress.update(bar, description=f"sweep {sweep.name}", total=len(todo), completed=0)
                for spec, out in executor.run(specs):
                    task = by_shard[spec["shard"]]
                    if isinstance(out, BaseException):
                        summary.failed.append((task, f"{type(out).__name__}: {out}"))
                    else:
                        if not isinstance(out, dict):  # a Dataset: the worker could not see the store
                            store.save_shard(task, out)
                        summary.run += 1
                        summary.seeds_run += task.n_seeds
                    progress.advance(bar)
            # a worker killed while writing leaves its temporary file; the shard itself is recomputed
            store.remove_stale_temporaries()
        if merge and not summary.failed:
            if todo or not merged_is_current(store, manifest):
                with _progress(console) as progress:
                    bar = progress.add_task("merging shards", total=len(tasks))
                    data = merge_store(store, manifest, on_loaded=lambda: progress.advance(bar))
                write_merged(data, store.merged_path)
            summary.merged = store.merged_path
    summary.wall_time_s = time.perf_counter() - t0
    return summary


@dataclass
class SweepStatus:
    """Done / pending / corrupt shards of a sweep's plan in a store, without running anything."""

    name: str
    store: Path
    n_configs: int
    n_blocks: int
    n_tasks: int
    done: int
    pending: int
    corrupt: list
    foreign: int
    merged: str  # "missing", "current" or "stale"

    def lines(self) -> list[str]:
        out = [f"sweep {self.name}: {self.n_configs} configs x {self.n_blocks} seed block"
               f"{'s' if self.n_blocks != 1 else ''} = {self.n_tasks} tasks; store {self.store}",
               f"{self.done} done, {self.pending} pending, {len(self.corrupt)} corrupt; merged.nc: {self.merged}"]
        for path, reason in self.corrupt[:FAILURES_SHOWN]:
            out.append(f"corrupt: {path}: {reason}")
        if len(self.corrupt) > FAILURES_SHOWN:
            out.append(f"... and {len(self.corrupt) - FAILURES_SHOWN} more corrupt shards")
        if self.foreign:
            out.append(f"{self.foreign} other shard(s) in the store belong to no task of this plan (kept)")
        return out


def sweep_status(sweep, store=None) -> SweepStatus:
    """Classify every task's shard (reading each in full) without running or writing anything."""
    store = Store.default_for(sweep.path) if store is None else Store(store)
    tasks = plan_tasks(sweep)
    scan = store.scan(tasks)
    if not store.merged_path.exists():
        merged = "missing"
    else:
        merged = "current" if merged_is_current(store, {"plan_hash": plan_hash(sweep, tasks)}) else "stale"
    return SweepStatus(name=sweep.name, store=store.root, n_configs=len(sweep.configs),
                       n_blocks=len(sweep.seed_blocks()), n_tasks=len(tasks), done=len(scan.done),
                       pending=len(scan.pending),
                       corrupt=[(store.shard_path(t.shard), reason) for t, reason in scan.corrupt],
                       foreign=scan.foreign, merged=merged)
