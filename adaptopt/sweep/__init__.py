"""Sweeps: grids of configurations from a TOML file, run as resumable tasks, merged into one dataset.

::

    from adaptopt import sweep
    spec = sweep.load_sweep("examples/sweep_example.toml")     # validated; nothing runs yet
    summary = sweep.run_sweep(spec, "results/example", jobs=2)  # or dask_local=2, scheduler="tcp://..."
    data = sweep.open_merged("results/example")                 # xarray Dataset (config, seed, step)

Modules: :mod:`~adaptopt.sweep.config` (the file format and its validation),
:mod:`~adaptopt.sweep.store` (tasks, shard names, manifest, resume),
:mod:`~adaptopt.sweep.executors` (in-process, local processes, Dask),
:mod:`~adaptopt.sweep.worker` (what runs in a worker), :mod:`~adaptopt.sweep.merge` and
:mod:`~adaptopt.sweep.runner`. See the README section "Sweeps and running on a cluster".

Names are loaded on first use: a worker process imports this package before it chooses its
kernel cache folder (:func:`adaptopt.sweep.worker.setup_process`), so nothing here may import
compiled code at import time.
"""

_LAZY = {
    "Sweep": ("adaptopt.sweep.config", "Sweep"),
    "SweepConfigError": ("adaptopt.sweep.config", "SweepConfigError"),
    "load_sweep": ("adaptopt.sweep.config", "load_sweep"),
    "parse_sweep": ("adaptopt.sweep.config", "parse_sweep"),
    "Store": ("adaptopt.sweep.store", "Store"),
    "SweepError": ("adaptopt.sweep.store", "SweepError"),
    "plan_tasks": ("adaptopt.sweep.store", "plan_tasks"),
    "run_sweep": ("adaptopt.sweep.runner", "run_sweep"),
    "sweep_status": ("adaptopt.sweep.runner", "sweep_status"),
    "merge_store": ("adaptopt.sweep.merge", "merge_store"),
    "open_merged": ("adaptopt.sweep.merge", "open_merged"),
}

__all__ = list(_LAZY)


from adaptopt._lazy import lazy_attributes  # noqa: E402

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)
