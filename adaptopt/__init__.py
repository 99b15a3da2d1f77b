"""adaptopt: theorems about adaptive non-convex optimization as automatic numerical checks.

The Python API in one screen::

    import adaptopt
    from adaptopt import schedules
    from synthetic import objectives, noise

    res = adaptopt.run("sgd", objectives.pl_sine(), noise.gaussian(1.0),
                       schedule=schedules.inv_sqrt(0.125), T=10_000, n_seeds=256)
    res.mean("f_gap")            # E f(x_{t+1}) - f* at the log-spaced checkpoints
    res.save("run.nc")           # netCDF-4, readable with xarray.open_dataset

See the README for the verification harness (``adaptopt verify``) and how to add objectives,
noise models and algorithms.
"""

__version__ = "0.1.0"

# The public names are loaded on first use: ``synthetic`` imports ``adaptopt.validation`` and
# ``adaptopt.engine`` imports ``synthetic``, so importing the engine here would make
# ``import synthetic`` circular.
_LAZY = {
    "ALGORITHMS": ("adaptopt.algorithms", "ALGORITHMS"),
    "get_algorithm": ("adaptopt.algorithms", "get_algorithm"),
    "run": ("adaptopt.engine", "run"),
    "replay": ("adaptopt.engine", "replay"),
    "log_checkpoints": ("adaptopt.engine", "log_checkpoints"),
    "Result": ("adaptopt.result", "Result"),
    "load": ("adaptopt.result", "load"),
}

__all__ = ["__version__", *_LAZY]


from adaptopt._lazy import lazy_attributes  # noqa: E402

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)
