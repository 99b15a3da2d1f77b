"""Tasks and the shard store of a sweep.

A task is one configuration x one block of seeds. Its result is a :class:`adaptopt.Result` saved
atomically (temporary file, then rename) to a shard named by the SHA-256 of the canonical config
and the seed block, so a shard's name says exactly what it holds and a re-run finds it again::

    <store>/                       default: next to the sweep file, <name>.sweep/
      manifest.json                the plan: settings, every config (id, canonical config, labels)
                                   and every task (shard, config, seed block); rewritten atomically
      shards/<xx>/<sha256>.nc      one Result per task (xx: the first two hex digits)
      merged.nc                    every shard in one labelled dataset (adaptopt.sweep.merge)
      figures/                     `adaptopt plot` output (default)
      .lock                        held (flock) while a sweep runs on the store

A shard is *done* when it loads (netCDF-4 with Fletcher-32 checksums: a truncated or damaged
file raises) and carries its own shard id and seed block; otherwise it is *corrupt* and is
recomputed, never read. Shards of other plans (an edited sweep file) are left in place: a later
run with the same configurations finds them again.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import socket
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from adaptopt.result import config_hash

#: Format tag of manifest.json.
MANIFEST_FORMAT = "adaptopt.SweepManifest/1"
#: Suffix of the store folder created next to a sweep file.
STORE_SUFFIX = ".sweep"


class SweepError(RuntimeError):
    """A sweep that cannot proceed (store in use, scheduler unreachable, workers failing)."""


@dataclass(frozen=True)
class Task:
    """One configuration (index into ``Sweep.configs``) x one block of seeds."""

    shard: str
    config: int
    seed_start: int
    n_seeds: int


def shard_id(canonical: dict, seed_start: int, n_seeds: int) -> str:
    """SHA-256 of the canonical config and the seed block."""
    return config_hash({"config": canonical, "seed_start": int(seed_start), "n_seeds": int(n_seeds)})


def plan_tasks(sweep) -> list[Task]:
    """Every task of a sweep: configurations in file order, seed blocks in order within each."""
    blocks = sweep.seed_blocks()
    return [Task(shard_id(c.canonical, a, n), k, a, n) for k, c in enumerate(sweep.configs) for a, n in blocks]


def plan_hash(sweep, tasks) -> str:
    """SHA-256 of the plan (configs and tasks): the merged dataset records it."""
    return config_hash({"configs": [c.config_id for c in sweep.configs],
                        "tasks": [[t.shard, t.config, t.seed_start, t.n_seeds] for t in tasks]})


def task_spec(sweep, task: Task, path=None) -> dict:
    """Everything a worker needs to run a task (plain, picklable data); with ``path`` the worker
    saves the shard there itself."""
    c = sweep.configs[task.config]
    return {"path": None if path is None else str(path),
        "shard": task.shard, "config_id": c.config_id, "algorithm": c.algorithm, "hyper": c.hyper,
        "schedule": c.schedule, "objective": c.objective, "objective_options": c.objective_options,
        "noise": c.noise, "noise_options": c.noise_options, "T": sweep.T, "checkpoints": list(sweep.checkpoints),
        "root_seed": sweep.root_seed, "seed_start": task.seed_start, "n_seeds": task.n_seeds,
        "track_l1": sweep.track_l1,
    }


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


@dataclass
class Scan:
    """State of a plan's shards in a store."""

    done: list = field(default_factory=list)
    pending: list = field(default_factory=list)
    corrupt: list = field(default_factory=list)  # (task, reason)
    foreign: int = 0  # shards in the store that are not in this plan

    def counts(self) -> dict:
        return {"done": len(self.done), "pending": len(self.pending), "corrupt": len(self.corrupt)}


class Store:
    """The folder of a sweep's shards, manifest and merged dataset."""

    def __init__(self, root):
        self.root = Path(root)

    @classmethod
    def default_for(cls, sweep_path) -> "Store":
        """``<file>.sweep/`` next to the sweep file."""
        path = Path(sweep_path)
        return cls(path.with_name(path.stem + STORE_SUFFIX))

    @property
    def shards_dir(self) -> Path:
        return self.root / "shards"

    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"

    @property
    def merged_path(self) -> Path:
        return self.root / "merged.nc"

    def shard_path(self, shard: str) -> Path:
        return self.shards_dir / shard[:2] / f"{shard}.nc"

    # -- manifest -------------------------------------------------------------------------

    def write_manifest(self, sweep, tasks) -> dict:
        from adaptopt import __version__
        manifest = {
            "format": MANIFEST_FORMAT,
            "name": sweep.name,
            "file": str(Path(sweep.path).resolve()),
            "file_sha256": sweep.file_sha256,
            "toml": sweep.text,
            "adaptopt": __version__,
            "written": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "T": sweep.T, "seeds": sweep.seeds, "seed_block": sweep.seed_block, "root_seed": sweep.root_seed,
            "checkpoints": list(sweep.checkpoints), "track_l1": sweep.track_l1,
            "plan_hash": plan_hash(sweep, tasks),
            "configs": [{"id": c.config_id, "label": c.label, "origin": c.origin, "coords": c.coords,
                         "config": c.canonical} for c in sweep.configs],
            "tasks": [{"shard": t.shard, "config": t.config, "seed_start": t.seed_start, "n_seeds": t.n_seeds}
                      for t in tasks],
        }
        write_atomic(self.manifest_path, json.dumps(manifest, indent=1, allow_nan=True) + "\n")
        return manifest

    def read_manifest(self) -> dict:
        try:
            manifest = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise SweepError(f"cannot read the manifest {self.manifest_path}: {err}") from None
        if manifest.get("format") != MANIFEST_FORMAT:
            raise SweepError(f"{self.manifest_path} is not an adaptopt sweep manifest")
        return manifest

    # -- shards ---------------------------------------------------------------------------

    def load_shard(self, task: Task):
        """``(status, reason, shard)``: ``("done", "", ShardData)``, ``("pending", "", None)`` or
        ``("corrupt", why, None)``. A shard is read in full (its checksums verified) and must carry
        its own shard id and seed block."""
        import numpy as np
        path = self.shard_path(task.shard)
        if not path.exists():
            return "pending", "", None
        try:
            shard = read_shard(path)
        except ValueError as err:
            return "corrupt", str(err), None
        if shard.attrs.get("sweep_shard") != task.shard:
            return "corrupt", f"{path} holds shard {shard.attrs.get('sweep_shard')!r}, not this task's", None
        if not np.array_equal(shard.seeds, np.arange(task.seed_start, task.seed_start + task.n_seeds)):
            return "corrupt", f"{path} holds other seeds than the task's block", None
        return "done", "", shard

    def check_shard(self, task: Task):
        """``(status, reason)`` of a task's shard (see :meth:`load_shard`)."""
        status, reason, _ = self.load_shard(task)
        return status, reason

    def scan(self, tasks, on_checked=None) -> Scan:
        """Classify every task's shard (loading each existing one in full, checksums included)."""
        scan = Scan()
        wanted = set()
        for task in tasks:
            wanted.add(task.shard)
            status, reason = self.check_shard(task)
            if status == "done":
                scan.done.append(task)
            elif status == "pending":
                scan.pending.append(task)
            else:
                scan.corrupt.append((task, reason))
            if on_checked is not None:
                on_checked()
        if self.shards_dir.is_dir():
            scan.foreign = sum(1 for p in self.shards_dir.glob("*/*.nc") if p.stem not in wanted)
        return scan

    def remove_stale_temporaries(self) -> int:
        """Delete temporary files left by an interrupted write (call with the lock held)."""
        count = 0
        for folder in (self.root, *(self.shards_dir.glob("*") if self.shards_dir.is_dir() else ())):
            if folder.is_dir():
                for tmp in folder.glob("*.tmp"):
                    tmp.unlink(missing_ok=True)
                    count += 1
        return count

    def discard(self, task: Task) -> None:
        self.shard_path(task.shard).unlink(missing_ok=True)

    def save_shard(self, task: Task, data) -> Path:
        """Save a task's result (an xarray Dataset in the Result format) atomically."""
        from adaptopt.result import Result
        return Result(data).save(self.shard_path(task.shard))

    # -- lock -----------------------------------------------------------------------------

    @contextmanager
    def lock(self):
        """Hold ``<store>/.lock`` (flock) for the duration: one sweep per store at a time.

        The kernel releases the lock when the process dies, even by SIGKILL.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: no locking
            fcntl = None
        with open(self.root / ".lock", "a+", encoding="utf-8") as handle:
            if fcntl is not None:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    handle.seek(0)
                    owner = handle.read().strip() or "another process"
                    raise SweepError(f"the store {self.root} is in use by another sweep ({owner})") from None
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()} on {socket.gethostname()}\n")
            handle.flush()
            yield self


@dataclass
class ShardData:
    """The arrays and attributes of a shard (a saved :class:`adaptopt.Result`)."""

    attrs: dict
    seeds: object
    steps: object
    metrics: dict  # name -> (seed, step) array, with its description
    descriptions: dict
    final_x: object
    diverged_at: object


#: Attributes that would make raw HDF5 values differ from the decoded netCDF values.
_ENCODING_ATTRS = ("scale_factor", "add_offset", "units", "calendar", "missing_value", "_Unsigned")


def read_shard(path) -> ShardData:
    """Read a shard in full with h5py, verifying every Fletcher-32 checksum; raise ValueError on a
    damaged, truncated or foreign file.

    The same values as :meth:`adaptopt.Result.load` (a test checks it) at a fraction of the cost
    (about 5 ms against 90 ms for xarray's netCDF layer), which matters when a store holds
    thousands of shards. A file whose variables carry a netCDF encoding (scale factors, units, a
    non-NaN fill value) is read through :meth:`Result.load` instead.
    """
    import h5py
    import numpy as np

    from adaptopt.kernels import METRIC_NAMES
    from adaptopt.result import FORMAT, Result
    path = Path(path)
    try:
        with h5py.File(path, "r") as handle:
            attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in handle.attrs.items()}
            if attrs.get("format") != FORMAT:
                raise ValueError(f"not an adaptopt result (format attribute {attrs.get('format')!r})")
            encoded = False
            values, descriptions = {}, {}
            for name, dataset in handle.items():
                if name == "coord":
                    continue
                if any(a in dataset.attrs for a in _ENCODING_ATTRS):
                    encoded = True
                fill = dataset.attrs.get("_FillValue")
                if fill is not None and not np.all(np.isnan(np.asarray(fill, dtype=float))):
                    encoded = True
                values[name] = dataset[()]
                text = dataset.attrs.get("description", "")
                descriptions[name] = text.decode() if isinstance(text, bytes) else str(text)
    except ValueError:
        raise
    except Exception as err:
        raise ValueError(f"cannot read result file {path}: {type(err).__name__}: {err}") from None
    if encoded:
        data = Result.load(path).data
        values = {name: data[name].values for name in data.variables}
        descriptions = {name: data[name].attrs.get("description", "") for name in data.variables}
    missing = [n for n in ("seed", "step", "final_x", "diverged_at", *METRIC_NAMES) if n not in values]
    if missing:
        raise ValueError(f"result file {path} lacks {', '.join(missing)}")
    names = [n for n in values if n in METRIC_NAMES or n.startswith("state_")]
    shape = (values["seed"].size, values["step"].size)
    if any(values[n].shape != shape for n in names):
        raise ValueError(f"result file {path} has metrics of another shape than (seed, step) = {shape}")
    return ShardData(attrs=attrs, seeds=values["seed"], steps=values["step"],
                     metrics={n: values[n] for n in names}, descriptions={n: descriptions[n] for n in names},
                     final_x=values["final_x"], diverged_at=values["diverged_at"])
