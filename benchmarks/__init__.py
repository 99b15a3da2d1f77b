"""The adaptopt benchmark suite (``python benchmarks/run.py``, ``make bench``).

Modules: :mod:`~benchmarks.config` (every constant and target), :mod:`~benchmarks.workloads`
(the workload table), :mod:`~benchmarks.implementations` (the rows of a table: the engine, the
noise alone, numpy, torch.optim), :mod:`~benchmarks.measure` (load, timing, interleaving),
:mod:`~benchmarks.checks` (targets), :mod:`~benchmarks.budget` (compile time, ``adaptopt
verify``), :mod:`~benchmarks.scaling` (exponents, peak memory), :mod:`~benchmarks.report`
(tables, provenance) and :mod:`~benchmarks.run` (the command line). See benchmarks/README.md.
"""
