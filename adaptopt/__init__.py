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

from adaptopt.algorithms import ALGORITHMS, get_algorithm  # noqa: E402
from adaptopt.engine import log_checkpoints, replay, run  # noqa: E402
from adaptopt.result import Result  # noqa: E402

load = Result.load

__all__ = ["ALGORITHMS", "Result", "__version__", "get_algorithm", "load", "log_checkpoints", "replay", "run"]
