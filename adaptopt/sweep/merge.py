"""Merge a sweep's shards into one labelled dataset (``merged.nc``).

===================  ======================  ================================================
variable             dims                    meaning
===================  ======================  ================================================
one per metric       (config, seed, step)    :data:`adaptopt.kernels.METRICS`, and the
                                             algorithms' recorded state ``state_<name>``
                                             (NaN for configs whose algorithm has none)
``diverged_at``      (config, seed)          divergence step, -1 if never
``final_x``          (config, seed, coord)   last iterate (NaN-padded to the largest d)
===================  ======================  ================================================

Coordinates: ``config`` (0..C-1), ``seed``, ``step``, and along ``config``: ``config_id`` (the
SHA-256 of the canonical config), ``config_json`` (the canonical config), ``label``,
``algorithm``, ``algorithm_label``, ``hyper_<name>`` for every hyper-parameter of any algorithm
(NaN where it does not apply), ``schedule`` (label), ``schedule_kind``, ``schedule_<param>``,
``objective`` (label), ``objective_name``, ``objective_dim``, ``objective_<option>``, ``noise``
(label), ``noise_name``, ``noise_<option>``, ``level`` (the noise level, NaN if the model has
none, 0 for exact gradients) and ``level_option``. Attributes: ``format``, the sweep's name,
its TOML text, the plan hash and the provenance (JSON: versions, creation time, shard count,
summed compute time, workers). The file is netCDF-4 (h5netcdf), written atomically; any netCDF
reader opens it, e.g. ``xarray.open_dataset("merged.nc")`` without adaptopt.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import tempfile
from pathlib import Path

import numpy as np
import xarray as xr

from adaptopt.sweep.store import Store, SweepError, Task

#: Value of the merged dataset's ``format`` attribute.
MERGED_FORMAT = "adaptopt.Sweep/1"


def _coordinate_arrays(configs: list[dict]) -> dict:
    """Config-axis coordinates from each config's ``coords`` dict: numbers as float64 (NaN where a
    config lacks the key), text as strings ("" where missing)."""
    keys = []
    for c in configs:
        for key in c["coords"]:
            if key not in keys:
                keys.append(key)
    out = {}
    for key in keys:
        values = [c["coords"].get(key) for c in configs]
        present = [v for v in values if v is not None]
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
            out[key] = np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)
        else:
            out[key] = np.array(["" if v is None else str(v) for v in values], dtype=object)
    return out


def merge_store(store: Store, manifest: dict | None = None, on_loaded=None) -> xr.Dataset:
    """Load every shard of the store's plan (``manifest.json``) into one dataset.

    Raises SweepError if a shard is missing or corrupt (run the sweep again: it recomputes them).
    """
    manifest = store.read_manifest() if manifest is None else manifest
    configs = manifest["configs"]
    tasks = [Task(**t) for t in manifest["tasks"]]
    n_conf, n_seeds, steps = len(configs), int(manifest["seeds"]), np.asarray(manifest["checkpoints"], dtype=np.int64)
    arrays: dict[str, np.ndarray] = {}
    descriptions: dict[str, str] = {}
    diverged = np.full((n_conf, n_seeds), -1, dtype=np.int64)
    finals: list[tuple] = []
    dims = [1]
    provenance_keys = ("adaptopt", "numpy", "numba", "scipy", "python", "machine")
    versions: dict[str, set] = {k: set() for k in provenance_keys}
    workers: set = set()
    compute = 0.0
    for task in tasks:
        status, reason, shard = store.load_shard(task)
        if status != "done":
            raise SweepError(f"shard {task.shard} (config {task.config}, seeds {task.seed_start}.."
                             f"{task.seed_start + task.n_seeds - 1}) is {status}"
                             f"{': ' + reason if reason else ''}: run the sweep again to compute it")
        if not np.array_equal(shard.steps, steps):
            raise SweepError(f"shard {task.shard} has other checkpoints than the plan")
        block = slice(task.seed_start, task.seed_start + task.n_seeds)
        for name, values in shard.metrics.items():
            if name not in arrays:
                arrays[name] = np.full((n_conf, n_seeds, steps.size), np.nan)
                descriptions[name] = shard.descriptions[name]
            arrays[name][task.config, block, :] = values
        diverged[task.config, block] = shard.diverged_at
        dims.append(shard.final_x.shape[1])
        finals.append((task.config, block, shard.final_x))
        provenance = json.loads(shard.attrs.get("provenance", "{}"))
        for key in provenance_keys:
            if key in provenance:
                versions[key].add(str(provenance[key]))
        compute += float(provenance.get("wall_time_s", 0.0))
        workers.add(str(shard.attrs.get("sweep_worker", "?")).split(":")[0])
        if on_loaded is not None:
            on_loaded()
    final = np.full((n_conf, n_seeds, max(dims)), np.nan)
    for config, block, values in finals:
        final[config, block, :values.shape[1]] = values

    variables = {name: (("config", "seed", "step"), values, {"description": descriptions[name]})
                 for name, values in arrays.items()}
    variables["diverged_at"] = (("config", "seed"), diverged,
                                {"description": "divergence step, -1 if the seed did not diverge"})
    variables["final_x"] = (("config", "seed", "coord"), final,
                            {"description": "last iterate (NaN beyond the objective's dimension)"})
    coords = {"config": np.arange(n_conf, dtype=np.int64), "seed": np.arange(n_seeds, dtype=np.int64), "step": steps}
    coords["config_id"] = ("config", np.array([c["id"] for c in configs], dtype=object))
    coords["config_json"] = ("config", np.array([json.dumps(c["config"], sort_keys=True) for c in configs],
                                                dtype=object))
    coords["label"] = ("config", np.array([c["label"] for c in configs], dtype=object))
    for key, values in _coordinate_arrays(configs).items():
        coords[key] = ("config", values)
    provenance = {
        "merged": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "merged_on": platform.node(),
        "shards": len(tasks),
        "compute_time_s": compute,
        "workers": sorted(workers),
        **{k: sorted(v) for k, v in versions.items()},
    }
    attrs = {
        "format": MERGED_FORMAT,
        "sweep": manifest["name"],
        "sweep_file": manifest["file"],
        "sweep_file_sha256": manifest["file_sha256"],
        "sweep_toml": manifest["toml"],
        "plan_hash": manifest["plan_hash"],
        "T": int(manifest["T"]),
        "root_seed": int(manifest["root_seed"]),
        "seed_block": int(manifest["seed_block"]),
        "provenance": json.dumps(provenance, sort_keys=True),
    }
    return xr.Dataset(variables, coords=coords, attrs=attrs)


def write_merged(data: xr.Dataset, path) -> Path:
    """Write the merged dataset atomically as netCDF-4 (Fletcher-32 checksums on every variable)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    os.close(fd)
    try:
        encoding = {name: {"fletcher32": True} for name, var in data.data_vars.items() if var.dtype.kind in "fiu"}
        data.to_netcdf(tmp, engine="h5netcdf", encoding=encoding)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def merged_is_current(store: Store, manifest: dict) -> bool:
    """Whether ``merged.nc`` exists, reads, and was merged from this plan."""
    path = store.merged_path
    if not path.is_file():
        return False
    try:
        with xr.open_dataset(path, engine="h5netcdf") as data:
            return data.attrs.get("format") == MERGED_FORMAT and data.attrs.get("plan_hash") == manifest["plan_hash"]
    except Exception:
        return False


def open_merged(path) -> xr.Dataset:
    """Read a merged dataset (a ``merged.nc`` file or a store folder holding one) into memory."""
    path = Path(path)
    if path.is_dir():
        path = path / "merged.nc"
    if not path.is_file():
        raise ValueError(f"no merged dataset at {path}: run `adaptopt sweep FILE` first")
    try:
        with xr.open_dataset(path, engine="h5netcdf") as data:
            data = data.load()
    except Exception as err:
        raise ValueError(f"cannot read {path}: {type(err).__name__}: {err}") from None
    if data.attrs.get("format") != MERGED_FORMAT:
        raise ValueError(f"{path} is not a merged sweep (format attribute {data.attrs.get('format')!r})")
    return data
