"""The one result type of every run, and its file format.

A :class:`Result` wraps an :class:`xarray.Dataset`:

===================  ===============  =====================================================
variable             dims             meaning
===================  ===============  =====================================================
one per metric       (seed, step)     see :data:`adaptopt.kernels.METRICS`
``state_<name>``     (seed, step)     the algorithm's named scalar state (e.g. SGDOL's sums)
``final_x``          (seed, coord)    the last iterate of every seed
``iterates``        (seed, step,     the iterates at the checkpoints (only with
                     coord)           ``run(..., record_iterates=True)``)
``converged_at``     (seed,)          steps until the stopping rule held (with ``stop_grad_norm``)
``diverged_at``      (seed,)          step after which the iterate left the finite region
                                      or passed the divergence threshold; −1 if never
===================  ===============  =====================================================

Coordinates ``seed`` (the seed indices of the run's root seed) and ``step`` (the checkpoints).
Attributes hold the canonical configuration (``config``, JSON) and the provenance
(``provenance``, JSON: package versions, config hash, creation time, wall time, threads), plus
readable labels. Files are netCDF-4 (HDF5), written atomically; any netCDF reader opens them,
for example ``xarray.open_dataset(path)``, without adaptopt.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import xarray as xr

from adaptopt.kernels import METRIC_NAMES, METRICS

#: Value of the ``format`` attribute; bumped when the layout changes.
FORMAT = "adaptopt.Result/1"


def canonical_json(config: dict) -> str:
    """The canonical text of a configuration: sorted keys, compact separators."""
    return json.dumps(config, sort_keys=True, separators=(",", ":"), allow_nan=True)


def config_hash(config: dict) -> str:
    """SHA-256 of :func:`canonical_json` of ``config``."""
    return hashlib.sha256(canonical_json(config).encode()).hexdigest()


class Result:
    """Metrics of S seeds at the checkpoints of one run, labelled, with provenance.

    Build it with :func:`adaptopt.run`; reopen a saved one with :meth:`load`.
    """

    def __init__(self, data: xr.Dataset):
        if data.attrs.get("format") != FORMAT:
            raise ValueError(f"not an adaptopt result (format attribute {data.attrs.get('format')!r})")
        self.data = data

    @classmethod
    def from_arrays(cls, metrics, checkpoints, seeds, final_x, diverged_at, config, provenance,
                    state_names=(), iterates=None, converged_at=None) -> "Result":
        """Assemble a result from kernel outputs (``metrics`` has shape (seed, step, metric)).

        Columns after the standard metrics are the algorithm's scalar state, named by
        ``state_names``. The provenance gets the ``config_hash`` of ``config``.
        """
        config_text = canonical_json(config)
        provenance = {**provenance, "config_hash": hashlib.sha256(config_text.encode()).hexdigest()}
        coords = {"seed": np.asarray(seeds, dtype=np.int64), "step": np.asarray(checkpoints, dtype=np.int64)}
        variables = {
            name: (("seed", "step"), metrics[:, :, k], {"description": desc})
            for k, (name, desc) in enumerate(METRICS)
        }
        for j, name in enumerate(state_names):
            variables[f"state_{name}"] = (("seed", "step"), metrics[:, :, len(METRICS) + j],
                                          {"description": f"algorithm state {name!r} after the step"})
        variables["final_x"] = (("seed", "coord"), final_x, {"description": "last iterate"})
        if converged_at is not None:
            variables["converged_at"] = (("seed",), np.asarray(converged_at, dtype=np.int64),
                                         {"description": "steps until the stopping rule held, -1 if never"})
        if iterates is not None:
            variables["iterates"] = (("seed", "step", "coord"), iterates,
                                     {"description": "iterate after each checkpoint's number of steps"})
        variables["diverged_at"] = (("seed",), np.asarray(diverged_at, dtype=np.int64),
                                    {"description": "divergence step, -1 if the seed did not diverge"})
        attrs = {
            "format": FORMAT,
            "algorithm": config["algorithm"]["label"],
            "objective": config["objective"]["label"],
            "noise": config["noise"]["label"],
            "config": config_text,
            "provenance": json.dumps(provenance, sort_keys=True),
        }
        return cls(xr.Dataset(variables, coords=coords, attrs=attrs))

    # -- labels ---------------------------------------------------------------------------

    @property
    def config(self) -> dict:
        """The canonical configuration of the run."""
        return json.loads(self.data.attrs["config"])

    @property
    def provenance(self) -> dict:
        """Versions, config hash, creation time, wall time and thread count."""
        return json.loads(self.data.attrs["provenance"])

    @property
    def checkpoints(self) -> np.ndarray:
        return self.data["step"].values

    @property
    def seeds(self) -> np.ndarray:
        return self.data["seed"].values

    @property
    def n_seeds(self) -> int:
        return int(self.data.sizes["seed"])

    @property
    def final_x(self) -> np.ndarray:
        """Last iterates, shape (n_seeds, d)."""
        return self.data["final_x"].values

    @property
    def iterates(self) -> np.ndarray:
        """Iterates at the checkpoints, shape (n_seeds, n_checkpoints, d) (``record_iterates=True``)."""
        if "iterates" not in self.data:
            raise ValueError("this run did not record iterates: use run(..., record_iterates=True)")
        return self.data["iterates"].values

    @property
    def converged_at(self) -> np.ndarray:
        """Steps until the stopping rule held, per seed (-1 if never); needs ``stop_grad_norm``."""
        if "converged_at" not in self.data:
            raise ValueError("this run had no stopping rule: use run(..., stop_grad_norm=...)")
        return self.data["converged_at"].values

    @property
    def diverged_at(self) -> np.ndarray:
        return self.data["diverged_at"].values

    @property
    def n_diverged(self) -> int:
        return int(np.sum(self.diverged_at >= 0))

    # -- values ---------------------------------------------------------------------------

    @property
    def metric_names(self) -> tuple:
        """The standard metrics, then the algorithm's recorded state (``state_<name>``)."""
        return METRIC_NAMES + tuple(v for v in self.data.data_vars if v.startswith("state_"))

    def metric(self, name: str) -> np.ndarray:
        """Metric ``name`` as an array of shape (n_checkpoints, n_seeds): rows are checkpoints.

        (``final_x`` and ``iterates`` put seeds first; metrics put checkpoints first, the layout
        of :mod:`proofs_check.fit`.) NaN after a seed's divergence.
        """
        if name not in self.metric_names:
            raise ValueError(f"unknown metric {name!r}; allowed: {', '.join(self.metric_names)}")
        return self.data[name].transpose("step", "seed").values

    def mean(self, name: str) -> np.ndarray:
        """Mean of a metric over the seeds that did not diverge, per checkpoint."""
        values = self.metric(name)
        ok = self.diverged_at < 0
        return values[:, ok].mean(axis=1) if ok.any() else np.full(values.shape[0], np.nan)

    def at(self, name: str, step: int) -> np.ndarray:
        """Metric ``name`` at checkpoint ``step``, one value per seed."""
        where = np.flatnonzero(self.checkpoints == step)
        if where.size == 0:
            raise ValueError(f"step {step} is not a checkpoint of this run")
        return self.metric(name)[where[0]]

    def to_xarray(self) -> xr.Dataset:
        return self.data

    def __repr__(self) -> str:
        a = self.data.attrs
        return (f"<Result {a['algorithm']} on {a['objective']} with {a['noise']}: {self.n_seeds} seeds, "
                f"{self.checkpoints.size} checkpoints up to T={self.config['T']}, {self.n_diverged} diverged>")

    # -- files ----------------------------------------------------------------------------

    def save(self, path) -> Path:
        """Write a netCDF-4 file atomically (temporary file in the same folder, then rename)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        os.close(fd)
        try:
            # Fletcher-32 checksums: a damaged value fails to load instead of loading silently.
            encoding = {name: {"fletcher32": True} for name in self.data.data_vars}
            self.data.to_netcdf(tmp, engine="h5netcdf", encoding=encoding)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
        return path

    @classmethod
    def load(cls, path) -> "Result":
        """Read a file written by :meth:`save`; a truncated or foreign file raises ValueError."""
        path = Path(path)
        if not path.is_file():
            raise ValueError(f"no result file at {path}")
        try:
            with xr.open_dataset(path, engine="h5netcdf") as ds:
                data = ds.load()
        except Exception as err:  # noqa: BLE001 - h5py raises OSError, KeyError, ValueError, ... on damage
            raise ValueError(f"cannot read result file {path}: {type(err).__name__}: {err}") from None
        return cls(data)


def load(path) -> Result:
    """Read a result file written by :meth:`Result.save`."""
    return Result.load(path)
