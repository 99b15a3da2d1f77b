"""Executors: where a sweep's tasks run.

Each executor is a context manager with two methods:

``warm(specs)``
    Compile every distinct (algorithm, objective, noise) kernel before the fan-out, once per
    machine, and load it into every worker; returns the number of workers.
``run(specs)``
    Yield ``(spec, dataset)`` or ``(spec, exception)`` for every task spec as tasks finish.

:class:`InlineExecutor` runs tasks in this process (``jobs = 1``). :class:`LocalExecutor` runs
them in a pool of worker processes (``spawn``), each with one Numba thread; if a worker dies (a
SIGKILL, the out-of-memory killer) the pool is restarted and the unfinished tasks are resubmitted
(at most :data:`MAX_POOL_RESTARTS` times). :class:`DaskExecutor` runs them on a Dask
distributed cluster (an existing scheduler, or a ``LocalCluster`` it starts); Dask reschedules
the tasks of a worker that dies. Workers on this machine save their shards themselves (atomically);
workers of a remote scheduler return the data and this process saves it (no shared file system
is assumed). Every seed has its own random stream, so the executor never changes a number.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool

from adaptopt.sweep import worker
from adaptopt.sweep.store import SweepError

#: Restarts of the local pool after a worker died, before the sweep gives up.
MAX_POOL_RESTARTS = 3
#: Seconds to wait for a Dask scheduler and its first worker.
DASK_CONNECT_TIMEOUT = 30


def default_jobs() -> int:
    """One worker per core available to this process."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def warm_specs(specs) -> list[dict]:
    """One task spec per distinct kernel (algorithm, objective family, noise family, track_l1)."""
    first = {}
    for spec in specs:
        first.setdefault((spec["algorithm"], spec["objective"], spec["noise"], spec["track_l1"]), spec)
    return list(first.values())


def _split(items, parts: int) -> list[list]:
    parts = max(1, min(parts, len(items)))
    return [items[k::parts] for k in range(parts)]


class InlineExecutor:
    """Tasks run one after another in this process (no pool: ``--jobs 1``, and debuggers)."""

    description = "this process"
    writes_shards = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def warm(self, specs) -> int:
        worker.warm(warm_specs(specs))
        return 1

    def run(self, specs):
        for spec in specs:
            try:
                yield spec, worker.run_task(spec)
            except Exception as err:
                yield spec, err


class LocalExecutor:
    """A pool of ``jobs`` worker processes on this machine, one Numba thread each; workers save
    their shards themselves (in parallel)."""

    writes_shards = True

    def __init__(self, jobs: int | None = None, per_node_cache: bool = False, on_event=None):
        self.jobs = default_jobs() if jobs is None else int(jobs)
        self.per_node_cache = per_node_cache
        self.on_event = on_event or (lambda message: None)
        self.restarts = 0
        self._pool = None
        self.description = f"{self.jobs} local worker process{'es' if self.jobs > 1 else ''}"

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            import multiprocessing
            self._pool = ProcessPoolExecutor(self.jobs, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=worker.init_local_worker,
                                             initargs=(self.per_node_cache, os.getpid()))
        return self._pool

    def _restart(self, why: str) -> None:
        self.restarts += 1
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self.restarts > MAX_POOL_RESTARTS:
            raise SweepError(f"{why}; the pool was restarted {MAX_POOL_RESTARTS} times: giving up (finished shards "
                             "are kept: re-run to resume)")
        self.on_event(f"{why}: restarting the pool ({self.restarts}/{MAX_POOL_RESTARTS}); unfinished tasks resubmitted")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        return False

    def warm(self, specs) -> int:
        """Each distinct kernel is compiled by one worker (different kernels in parallel) into the
        machine's cache folder; the other workers then load it from disk instead of compiling."""
        chunks = _split(warm_specs(specs), self.jobs)
        while True:
            futures = [self._get_pool().submit(worker.warm, chunk) for chunk in chunks]
            try:
                for future in futures:
                    future.result()
                return self.jobs
            except BrokenProcessPool:
                self._restart("a worker died during the warm-up")

    def run(self, specs):
        remaining = {spec["shard"]: spec for spec in specs}
        while remaining:
            pool = self._get_pool()
            futures = {pool.submit(worker.run_task, spec): shard for shard, spec in remaining.items()}
            broken = False
            for future in as_completed(futures):
                shard = futures[future]
                try:
                    data = future.result()
                except BrokenProcessPool:
                    broken = True
                    continue
                except Exception as err:
                    yield remaining.pop(shard), err
                    continue
                yield remaining.pop(shard), data
            if broken:
                self._restart("a worker process died")


def _dask_plugin_class():
    from distributed.diagnostics.plugin import WorkerPlugin

    class SweepWorkerSetup(WorkerPlugin):
        """Runs :func:`adaptopt.sweep.worker.setup_process` on every worker, also on workers that
        join or are restarted later."""

        name = "adaptopt-sweep-setup"

        def __init__(self, per_node_cache: bool):
            self.per_node_cache = per_node_cache

        def setup(self, worker):
            from adaptopt.sweep.worker import setup_process
            setup_process(self.per_node_cache)

    return SweepWorkerSetup


class DaskExecutor:
    """Tasks on a Dask distributed cluster: ``scheduler`` (``tcp://host:port``) or a LocalCluster of
    ``n_local`` worker processes with one thread each, started here on the loopback interface."""

    def __init__(self, scheduler: str | None = None, n_local: int | None = None, per_node_cache: bool = False,
                 on_event=None):
        if (scheduler is None) == (n_local is None):
            raise ValueError("give exactly one of scheduler and n_local")
        self.scheduler = scheduler
        self.n_local = n_local
        self.per_node_cache = per_node_cache
        self.on_event = on_event or (lambda message: None)
        self.cluster = None
        self.client = None
        # Workers of a LocalCluster see the store and save their shards; remote workers may not
        # (no shared file system is assumed): they return the data and this process saves it.
        self.writes_shards = n_local is not None
        self.description = (f"Dask LocalCluster ({n_local} worker process{'es' if n_local != 1 else ''})"
                            if n_local is not None else f"Dask scheduler {scheduler}")

    def __enter__(self):
        import logging

        from distributed import Client, LocalCluster
        try:
            if self.n_local is not None:
                self.cluster = LocalCluster(n_workers=self.n_local, threads_per_worker=1, processes=True,
                                            host="127.0.0.1", dashboard_address=None, silence_logs=logging.ERROR)
                self.client = Client(self.cluster, timeout=DASK_CONNECT_TIMEOUT)
            else:
                self.client = Client(self.scheduler, timeout=DASK_CONNECT_TIMEOUT)
            self.client.register_plugin(_dask_plugin_class()(self.per_node_cache))
            self.client.wait_for_workers(1, timeout=DASK_CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as err:
            self.__exit__(None, None, None)
            where = self.scheduler or "the LocalCluster"
            raise SweepError(f"cannot reach {where}: {type(err).__name__}: {err}") from None
        return self

    def __exit__(self, *exc):
        if self.client is not None:
            self.client.close()
            self.client = None
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None
        return False

    def _workers(self) -> dict:
        return {addr: info.get("host", addr) for addr, info in self.client.scheduler_info()["workers"].items()}

    def warm(self, specs) -> int:
        """Compile each kernel once per cache folder, spread over the workers that share it (one
        folder per machine with ``per_node_cache``, else one for all), then load every kernel on
        every worker (``client.run``) before the fan-out."""
        kernels = warm_specs(specs)
        workers = self._workers()
        groups: dict[str, list[str]] = {}
        for addr, host in sorted(workers.items()):
            groups.setdefault(host if self.per_node_cache else "all", []).append(addr)
        futures = []
        for addrs in groups.values():
            for addr, chunk in zip(addrs, _split(kernels, len(addrs))):
                futures.append(self.client.submit(worker.warm, chunk, workers=[addr], allow_other_workers=False,
                                                  pure=False))
        self.client.gather(futures)
        self.client.run(worker.warm, kernels)
        for addr, info in self.client.run(worker.setup_process, self.per_node_cache).items():
            if info.get("note"):
                self.on_event(f"worker {addr}: {info['note']} ({info['cache_dir']})")
        return len(workers)

    def run(self, specs):
        from distributed import as_completed as dask_as_completed
        by_key = {f"adaptopt-sweep-{spec['shard']}": spec for spec in specs}
        futures = self.client.map(worker.run_task, list(by_key.values()), key=list(by_key), pure=False)
        for future in dask_as_completed(futures):
            spec = by_key[future.key]
            try:
                yield spec, future.result()
            except Exception as err:
                yield spec, err
            future.release()
