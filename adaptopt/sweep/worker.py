"""What runs in a worker process: set-up, kernel warm-up and one task.

This module imports nothing that compiles at import time: :func:`setup_process` must be able to
choose the kernel cache folder (``ADAPTOPT_CACHE_DIR``) before adaptopt's Numba options module is
imported, because Numba fixes a function's cache location when the function is decorated.
(That module is not named here on purpose: :func:`adaptopt.cache.source_hash` hashes every file
that mentions it into the cache tag, and this file holds no compiled code.)

Kernel cache on workers. Every worker process of one machine shares one cache folder: Numba
writes its cache files by rename, which is safe between processes of one machine, and the
warm-up compiles each kernel once before the fan-out, so workers only load it. On a cluster whose
home (hence ``~/.cache/adaptopt``) is a network file system, several machines would write the
same files; with ``per_node_cache`` each machine uses ``<cache root>/nodes/<hostname>/``
instead, so no file is written by two machines.
"""

from __future__ import annotations

import os
import socket
import time

#: Steps of a warm-up run (the kernel's code does not depend on T, the schedule or the
#: hyper-parameters, which are runtime data).
WARM_STEPS = 8

_setup: dict = {}
_objectives: dict = {}
#: Objectives kept per process (built once per distinct option set).
OBJECTIVE_MEMO_SIZE = 64


def node_cache_root(base=None) -> str:
    """``<cache root>/nodes/<hostname>``: the per-node kernel cache folder."""
    if base is None:
        from adaptopt.cache import cache_root
        base = cache_root()
    return os.path.join(str(base), "nodes", socket.gethostname())


def setup_process(per_node_cache: bool = False) -> dict:
    """Prepare this process to run tasks: one Numba thread, and the kernel cache folder.

    Idempotent. Returns ``{"host", "pid", "cache_dir", "note"}``; ``note`` is non-empty when the
    process had already loaded adaptopt's kernels with another cache folder (it keeps that one).
    """
    if _setup:
        return dict(_setup)
    os.environ["NUMBA_NUM_THREADS"] = "1"
    note = ""
    import numba

    from adaptopt import cache
    if per_node_cache:
        wanted = node_cache_root()
        # adaptopt points numba.config.CACHE_DIR at <root>/<tag>/numba when its compiled code is first
        # imported; after that the folder cannot move.
        configured = numba.config.CACHE_DIR.endswith(os.path.join(cache.cache_tag(), "numba"))
        if configured and os.environ.get("ADAPTOPT_CACHE_DIR") != wanted:
            note = "adaptopt's kernels were already imported in this worker: it keeps its cache folder"
        else:
            os.environ["ADAPTOPT_CACHE_DIR"] = wanted
    numba.set_num_threads(1)
    _setup.update(host=socket.gethostname(), pid=os.getpid(), cache_dir=str(cache.cache_dir()), note=note)
    return dict(_setup)


#: Seconds between two checks that a local worker's parent (the sweep process) is alive.
PARENT_POLL_S = 0.5


def init_local_worker(per_node_cache: bool, parent_pid: int) -> None:
    """Initializer of the local process pool's workers: set-up, and exit when the sweep process dies.

    A pool worker otherwise outlives a SIGKILLed parent (it waits on its task queue forever);
    a daemon thread notices that its parent is no longer ``parent_pid`` (the sweep process, passed
    in rather than read here: a worker still starting up when the sweep dies has already been
    re-parented) and ends the process. A shard it was writing stays a temporary file, which the
    next run deletes.
    """
    if os.getppid() != parent_pid:
        os._exit(1)
    setup_process(per_node_cache)
    import threading

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_POLL_S)
        os._exit(1)

    threading.Thread(target=watch, name="adaptopt-parent-watch", daemon=True).start()


def _objective(name: str, options: dict):
    import json

    from synthetic import make_any_objective
    key = (name, json.dumps(options, sort_keys=True))
    if key not in _objectives:
        if len(_objectives) >= OBJECTIVE_MEMO_SIZE:
            _objectives.pop(next(iter(_objectives)))
        _objectives[key] = make_any_objective(name, **options)
    return _objectives[key]


def warm(specs) -> list[str]:
    """Compile (or load from the disk cache) the kernel of every task spec's triple: one tiny run each.

    Returns the triples warmed, as ``algorithm/objective/noise`` strings.
    """
    import numpy as np

    from adaptopt.algorithms import get_algorithm
    from adaptopt.engine import run
    from synthetic import make_noise
    done = []
    for spec in specs:
        algo = get_algorithm(spec["algorithm"])
        run(algo, _objective(spec["objective"], spec["objective_options"]),
            make_noise(spec["noise"], **spec["noise_options"]), T=WARM_STEPS, n_seeds=1,
            schedule={"kind": "constant", "eta0": 1e-12} if algo.uses_schedule else None,
            checkpoints=np.array([WARM_STEPS], dtype=np.int64), n_threads=1, track_l1=spec["track_l1"])
        done.append(f"{spec['algorithm']}/{spec['objective']}/{spec['noise']}")
    return done


def run_task(spec: dict):
    """Run one task; its result (the Result format) is labelled with the shard id, the config id
    and the worker that computed it.

    With ``spec["path"]`` (workers that see the store) the worker saves the shard itself,
    atomically, and returns a small receipt ``{"shard", "path", "worker", "seconds"}``;
    otherwise it returns the xarray Dataset and the submitting process saves it.
    """
    import numpy as np

    from adaptopt.engine import run
    from synthetic import make_noise
    t0 = time.perf_counter()
    result = run(spec["algorithm"], _objective(spec["objective"], spec["objective_options"]),
                 make_noise(spec["noise"], **spec["noise_options"]), T=spec["T"], n_seeds=spec["n_seeds"],
                 hyper=spec["hyper"], schedule=spec["schedule"], seed=spec["root_seed"],
                 seed_start=spec["seed_start"], checkpoints=np.asarray(spec["checkpoints"], dtype=np.int64),
                 n_threads=1, track_l1=spec["track_l1"])
    data = result.data
    data.attrs.update({
        "sweep_shard": spec["shard"],
        "sweep_config_id": spec["config_id"],
        "sweep_worker": f"{socket.gethostname()}:{os.getpid()}",
        "sweep_task_seconds": time.perf_counter() - t0,
    })
    if spec.get("path"):
        result.save(spec["path"])
        return {"shard": spec["shard"], "path": spec["path"], "worker": data.attrs["sweep_worker"],
                "seconds": time.perf_counter() - t0}
    return data
