"""Sweep files: TOML parsing, grid expansion and complete validation before anything runs.

A sweep file names the algorithms (with hyper-parameter grids and schedules), the objectives,
the noise models and their levels, and the run settings shared by every configuration::

    [sweep]
    name = "adaptivity"          # optional (default: the file name)
    T = 2000                     # steps (one horizon for every configuration)
    seeds = 32                   # seeds 0 .. seeds-1 of the root seed
    seed_block = 16              # seeds per task (default min(seeds, 256))
    root_seed = 0                # default 0
    checkpoints = 20             # a count of log-spaced steps (default 40) or a list of steps
    track_l1 = false             # also keep the running average of ||grad f||_1

    [[algorithms]]
    name = "sgd"
    schedule = [                 # one schedule table, or an array of them
      { kind = "exponential", eta0 = { log = [0.01, 0.1, 3] }, beta = 1 },
      { kind = "cosine", eta0 = { log = [0.01, 0.1, 3] } },
    ]

    [[algorithms]]
    name = "adam"
    hyper = { lr = { log = [1e-3, 1e-1, 3] }, beta1 = [0.0, 0.9] }
    schedule = { kind = "constant", eta0 = 1.0 }

    [[objectives]]
    name = "pl_sine"
    options = { dim = 10 }

    [[noise]]                    # optional (default: exact gradients)
    name = "gaussian"
    levels = { log = [0.01, 1.0, 3] }    # grid of the level option (sigma by default)
    level = "sigma"              # which option is the level (default sigma when the model has one)

Grids. Wherever a grid is allowed (hyper-parameters, schedule parameters, objective and noise
options, noise levels), a value is one of

* a scalar: one value;
* an array ``[a, b, c]``: one configuration per element (an array of arrays is a grid of
  list-valued options);
* ``{log = [a, b, n]}``: ``n`` log-spaced values from ``a`` to ``b`` (both > 0, ends included);
* ``{lin = [a, b, n]}``: ``n`` evenly spaced values from ``a`` to ``b``;
* ``{value = X}``: the literal ``X``, for a list-valued option such as a quadratic's
  ``eigenvalues = {value = [1, 10, 100]}``.

Generated values are rounded to 12 significant digits (``{log = [1e-4, 1e-1, 4]}`` gives
``1e-4, 1e-3, 1e-2, 1e-1`` exactly). The configurations are the cartesian product of every grid:
for each ``[[algorithms]]`` entry, its hyper grid x its schedules (each with its own grid), times
every objective (x its option grid), times every noise model (x its option and level grid).
Identical configurations (the same canonical config) are kept once.

Validation. :func:`load_sweep` builds every Objective, NoiseModel and Schedule and packs every
hyper-parameter set with the library's own validators (cheap: no kernel is compiled), and
checks every (objective, noise) pair, the horizon against each schedule and the checkpoints.
Every error names the file, the TOML key path, the value and what is allowed, e.g.
``experiment.toml: algorithms[1].hyper.beta1 = 1.5: must lie in [0, 1)``.
"""

from __future__ import annotations

import hashlib
import inspect
import itertools
import math
import numbers
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

#: Keys of each table of a sweep file, with a description for "allowed" lists.
TOP_KEYS = ("sweep", "algorithms", "objectives", "noise")
SWEEP_KEYS = ("name", "T", "seeds", "seed_block", "root_seed", "checkpoints", "track_l1")
ALGORITHM_KEYS = ("name", "hyper", "schedule")
OBJECTIVE_KEYS = ("name", "options")
NOISE_KEYS = ("name", "options", "levels", "level")
GRID_KINDS = ("log", "lin", "value")

#: Default seeds per task (a task is one configuration x one block of seeds).
DEFAULT_SEED_BLOCK = 256
#: Default number of log-spaced checkpoints (the engine's default).
DEFAULT_CHECKPOINTS = 40
#: Most configurations one sweep file may expand to.
MAX_CONFIGS = 1_000_000
#: Significant digits kept in generated grid values.
GRID_DIGITS = 12
#: Option chosen as the noise level when the file does not say (if the model has it).
DEFAULT_LEVEL_OPTION = "sigma"
#: Errors listed in full in a SweepConfigError's text (the rest are counted).
ERRORS_SHOWN = 1


class SweepConfigError(ValueError):
    """A sweep file that cannot run; ``errors`` lists every problem found, one line each."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        more = len(self.errors) - ERRORS_SHOWN
        text = "; ".join(self.errors[:ERRORS_SHOWN])
        super().__init__(text + (f" (and {more} more error{'s' if more > 1 else ''})" if more > 0 else ""))


# ----------------------------------------------------------------------------------------------
# The validated sweep.


@dataclass(frozen=True)
class ConfigSpec:
    """One configuration of a sweep: everything a worker needs to run it, and its labels.

    ``canonical`` is the canonical config (algorithm and resolved hyper-parameters, schedule,
    objective, noise, T, checkpoints, root seed, track_l1) whose SHA-256 is ``config_id``.
    ``objective_options`` and ``noise_options`` are the constructor arguments as written (after
    grid expansion); ``coords`` are the scalar labels of the merged dataset's ``config`` axis.
    """

    algorithm: str
    hyper: dict
    schedule: dict | None
    objective: str
    objective_options: dict
    noise: str
    noise_options: dict
    canonical: dict
    config_id: str
    label: str
    coords: dict
    origin: str

    @property
    def triple(self) -> tuple:
        """The kernel this configuration runs: (algorithm, objective family, noise family)."""
        return (self.algorithm, self.objective, self.noise)


@dataclass
class Sweep:
    """A validated sweep file: shared run settings and the expanded configurations."""

    path: Path
    name: str
    text: str
    T: int
    seeds: int
    seed_block: int
    root_seed: int
    checkpoints: list
    track_l1: bool
    configs: list = field(default_factory=list)
    n_duplicates: int = 0

    @property
    def file_sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    def seed_blocks(self) -> list[tuple[int, int]]:
        """``(seed_start, n_seeds)`` of every block: fixed-size blocks from seed 0 (the last may be
        shorter), so that raising ``seeds`` keeps every finished block."""
        return [(a, min(self.seed_block, self.seeds - a)) for a in range(0, self.seeds, self.seed_block)]


# ----------------------------------------------------------------------------------------------
# Error collection and value formatting.


def toml_value(value) -> str:
    """``value`` written as in a TOML file (strings quoted, booleans lower case)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"
    return str(value)


class _Errors:
    def __init__(self, file: str):
        self.file = file
        self.items: list[str] = []

    def add(self, path: str, message: str, value=None, *, show_value: bool = True) -> None:
        where = f"{path} = {toml_value(value)}" if show_value else path
        self.items.append(f"{self.file}: {where}: {message}")

    def __bool__(self) -> bool:
        return bool(self.items)


def _reason(message: str, name: str | None = None) -> str:
    """A library validation message without the parameter name in front and ``, got X`` at the end
    (the error line already shows the key path and the value)."""
    text = str(message).strip()
    if name and text.startswith(f"{name} "):
        text = text[len(name) + 1:]
    text = re.sub(r",? got .*$", "", text, flags=re.DOTALL)
    return text or str(message)


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _plain(value):
    """JSON-ready copy: numpy scalars and arrays to Python, tuples to lists."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    return value


# ----------------------------------------------------------------------------------------------
# Grids.


@dataclass(frozen=True)
class _Choice:
    value: object
    path: str
    from_array: bool = False


def _round(value: float) -> float:
    return float(f"{value:.{GRID_DIGITS}g}")


def _range_values(kind: str, spec, path: str, errors: _Errors) -> list | None:
    ok = (isinstance(spec, list) and len(spec) == 3 and _is_real(spec[0]) and _is_real(spec[1])
          and isinstance(spec[2], int) and not isinstance(spec[2], bool))
    if not ok:
        errors.add(f"{path}.{kind}", "must be [start, stop, count] with two numbers and an integer count", spec)
        return None
    a, b, n = float(spec[0]), float(spec[1]), spec[2]
    if n < 1 or not (math.isfinite(a) and math.isfinite(b)):
        errors.add(f"{path}.{kind}", "needs finite ends and a count >= 1", spec)
        return None
    if n == 1:
        if a != b:
            errors.add(f"{path}.{kind}", "a count of 1 needs start == stop", spec)
            return None
        return [spec[0]]
    if kind == "log":
        if a <= 0 or b <= 0:
            errors.add(f"{path}.log", "a log grid needs start > 0 and stop > 0", spec)
            return None
        la, lb = math.log10(a), math.log10(b)
        values = [_round(10.0 ** (la + (lb - la) * k / (n - 1))) for k in range(n)]
    else:
        values = [_round(a + (b - a) * k / (n - 1)) for k in range(n)]
    values[0], values[-1] = a, b
    return values


def expand_grid(value, path: str, errors: _Errors) -> list[_Choice] | None:
    """The values of one grid entry (see the module docstring); None after reporting an error."""
    if isinstance(value, list):
        if not value:
            errors.add(path, "an empty array is an empty grid: give at least one value", value)
            return None
        bad = [i for i, v in enumerate(value) if isinstance(v, dict)]
        if bad:
            errors.add(f"{path}[{bad[0]}]", "a grid element must be a value, not a table", value[bad[0]])
            return None
        return [_Choice(v, f"{path}[{i}]", True) for i, v in enumerate(value)]
    if isinstance(value, dict):
        keys = list(value)
        if len(keys) != 1 or keys[0] not in GRID_KINDS:
            errors.add(path, "a table here must be a grid: {log = [a, b, n]}, {lin = [a, b, n]} or {value = ...}",
                       value)
            return None
        kind = keys[0]
        if kind == "value":
            return [_Choice(value["value"], path)]
        values = _range_values(kind, value[kind], path, errors)
        return None if values is None else [_Choice(v, path) for v in values]
    return [_Choice(value, path)]


def _expand_table(table: dict, path: str, errors: _Errors) -> list[dict[str, _Choice]] | None:
    """Cartesian product of the grids of a table's entries (each combination maps key -> choice)."""
    keys, lists = [], []
    for key, value in table.items():
        choices = expand_grid(value, f"{path}.{key}", errors)
        if choices is None:
            return None
        keys.append(key)
        lists.append(choices)
    return [dict(zip(keys, combo)) for combo in itertools.product(*lists)]


def _grid_size(table: dict) -> int:
    """Number of combinations of a table of grids (without validating them)."""
    size = 1
    for value in table.values():
        if isinstance(value, list):
            size *= max(1, len(value))
        elif isinstance(value, dict) and len(value) == 1 and ("log" in value or "lin" in value):
            spec = value.get("log", value.get("lin"))
            if isinstance(spec, list) and len(spec) == 3 and isinstance(spec[2], int):
                size *= max(1, spec[2])
    return size


# ----------------------------------------------------------------------------------------------
# Parsing and validation.


def _check_keys(table, allowed, path: str, errors: _Errors) -> bool:
    if not isinstance(table, dict):
        errors.add(path, "must be a table", table)
        return False
    unknown = [k for k in table if k not in allowed]
    for key in unknown:
        errors.add(f"{path}.{key}" if path else key, f"unknown key; allowed: {', '.join(allowed)}",
                   show_value=False)
    return not unknown


def _array_of_tables(doc: dict, key: str, errors: _Errors, required: bool) -> list | None:
    if key not in doc:
        if required:
            errors.add(key, f"missing: add at least one [[{key}]] table", show_value=False)
        return None
    value = doc[key]
    if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
        errors.add(key, f"must be a non-empty array of tables: write [[{key}]] (one per entry)", show_value=False)
        return None
    return value


def _name(entry: dict, path: str, registry: dict, what: str, errors: _Errors) -> str | None:
    if "name" not in entry:
        errors.add(f"{path}.name", f"missing; allowed: {', '.join(registry)}", show_value=False)
        return None
    name = entry["name"]
    if not isinstance(name, str) or name not in registry:
        errors.add(f"{path}.name", f"unknown {what}; allowed: {', '.join(registry)}", name)
        return None
    return name


def _options_table(entry: dict, key: str, path: str, errors: _Errors) -> dict | None:
    table = entry.get(key, {})
    if not isinstance(table, dict):
        errors.add(f"{path}.{key}", "must be a table of options, e.g. {dim = 10}", table)
        return None
    return table


def _blame(err: Exception, combo: dict[str, _Choice], path: str, errors: _Errors, hint_arrays: bool = True) -> None:
    """Report a constructor error at the option it names (or at the whole table)."""
    message = str(err)
    for key, choice in combo.items():
        if message.startswith((f"{key} ", f"{key}:")):
            reason = _reason(message, key)
            if hint_arrays and choice.from_array and not isinstance(choice.value, list):
                reason += " (an array is a grid of values; write {value = [...]} for one list-valued option)"
            errors.add(choice.path, reason, choice.value)
            return
    values = {k: c.value for k, c in combo.items()}
    errors.add(path, _reason(message), values)


def _check_int(errors: _Errors, path: str, value, minimum: int, name: str) -> int | None:
    from adaptopt.validation import check_positive_int
    try:
        return check_positive_int(name, value, minimum)
    except (TypeError, ValueError) as err:
        errors.add(path, _reason(str(err), name), value)
        return None


def _parse_settings(doc: dict, errors: _Errors, stem: str) -> dict | None:
    if "sweep" not in doc:
        errors.add("sweep", "missing: add a [sweep] table with at least T and seeds", show_value=False)
        return None
    table = doc["sweep"]
    if not _check_keys(table, SWEEP_KEYS, "sweep", errors):
        return None
    out = {}
    for key in ("T", "seeds"):
        if key not in table:
            errors.add(f"sweep.{key}", "missing: an integer >= 1", show_value=False)
    if errors:
        return None
    name = table.get("name", stem)
    if not isinstance(name, str) or not name.strip():
        errors.add("sweep.name", "must be a non-empty string", name)
    out["name"] = name
    out["T"] = _check_int(errors, "sweep.T", table["T"], 1, "T")
    out["seeds"] = _check_int(errors, "sweep.seeds", table["seeds"], 1, "seeds")
    out["root_seed"] = _check_int(errors, "sweep.root_seed", table.get("root_seed", 0), 0, "root_seed")
    block = table.get("seed_block")
    if block is None:
        out["seed_block"] = None if out["seeds"] is None else min(out["seeds"], DEFAULT_SEED_BLOCK)
    else:
        out["seed_block"] = _check_int(errors, "sweep.seed_block", block, 1, "seed_block")
        if out["seed_block"] is not None and out["seeds"] is not None:
            out["seed_block"] = min(out["seed_block"], out["seeds"])
    track = table.get("track_l1", False)
    if not isinstance(track, bool):
        errors.add("sweep.track_l1", "must be true or false", track)
    out["track_l1"] = bool(track)
    spec = table.get("checkpoints", DEFAULT_CHECKPOINTS)
    if out["T"] is not None:
        out["checkpoints"] = _checkpoint_steps(spec, out["T"], errors)
    return None if errors else out


def _checkpoint_steps(spec, horizon: int, errors: _Errors) -> list | None:
    from adaptopt.engine import _checkpoints
    if isinstance(spec, bool) or not (isinstance(spec, int) or
                                      (isinstance(spec, list) and all(isinstance(s, int) and not isinstance(s, bool)
                                                                      for s in spec))):
        errors.add("sweep.checkpoints", "must be a count of log-spaced steps or a list of integer steps", spec)
        return None
    try:
        steps = _checkpoints(spec if isinstance(spec, int) else np.array(spec, dtype=np.int64), horizon)
    except (TypeError, ValueError) as err:
        errors.add("sweep.checkpoints", _reason(str(err), "checkpoints"), spec)
        return None
    return [int(s) for s in steps]


def _parse_algorithm(entry: dict, i: int, horizon: int, errors: _Errors) -> list[tuple] | None:
    """Every (algorithm, resolved hyper, schedule, origin) of one [[algorithms]] entry."""
    from adaptopt.algorithms import ALGORITHMS
    from adaptopt.schedules import SCHEDULES, make_schedule
    path = f"algorithms[{i}]"
    if not _check_keys(entry, ALGORITHM_KEYS, path, errors):
        return None
    name = _name(entry, path, ALGORITHMS, "algorithm", errors)
    if name is None:
        return None
    algo = ALGORITHMS[name]
    hyper_table = entry.get("hyper", {})
    if not isinstance(hyper_table, dict):
        errors.add(f"{path}.hyper", "must be a table of hyper-parameters, e.g. {lr = [1e-3, 1e-2]}", hyper_table)
        return None
    n_before = len(errors.items)
    combos = _expand_table(hyper_table, f"{path}.hyper", errors)
    if combos is None:
        return None
    allowed = ", ".join(f"{h.name} in {h.allowed()}" for h in algo.hypers) or "none"
    for key, value in hyper_table.items():  # each value alone: errors land on their own key
        if key not in {h.name for h in algo.hypers}:
            errors.add(f"{path}.hyper.{key}", f"unknown hyper-parameter of {name!r}; allowed: {allowed}",
                       show_value=False)
            continue
        seen = set()
        for choice in combos:
            c = choice[key]
            if c.path in seen:
                continue
            seen.add(c.path)
            try:
                algo.pack({key: c.value})
            except (TypeError, ValueError) as err:
                errors.add(c.path, _reason(str(err), key), c.value)
    if len(errors.items) > n_before:
        return None
    hypers = []
    for combo in combos:
        values = {k: c.value for k, c in combo.items()}
        try:
            algo.pack(values)
        except (TypeError, ValueError) as err:
            errors.add(f"{path}.hyper", _reason(str(err)), values)
            return None
        hypers.append(algo.resolved(values))

    raw = entry.get("schedule")
    if algo.uses_schedule and raw is None:
        errors.add(path, f"algorithm {name!r} needs a step-size schedule: add schedule = {{kind = \"constant\", "
                         f"eta0 = 0.1}} (kinds: {', '.join(SCHEDULES)})", show_value=False)
        return None
    if not algo.uses_schedule and raw is not None:
        errors.add(f"{path}.schedule", f"algorithm {name!r} sets its own step size: remove the schedule",
                   show_value=False)
        return None
    schedules = [None]
    if raw is not None:
        tables = raw if isinstance(raw, list) else [raw]
        schedules = []
        for j, table in enumerate(tables):
            spath = f"{path}.schedule[{j}]" if isinstance(raw, list) else f"{path}.schedule"
            if not isinstance(table, dict):
                errors.add(spath, "must be a table {kind = ..., eta0 = ...} or an array of such tables", table)
                return None
            kind = table.get("kind")
            if not isinstance(kind, str) or kind not in SCHEDULES:
                errors.add(f"{spath}.kind", f"allowed: {', '.join(SCHEDULES)}", kind, show_value=kind is not None)
                return None
            params = {k: v for k, v in table.items() if k != "kind"}
            accepted = inspect.signature(SCHEDULES[kind]).parameters
            if not _known_keys(params, accepted, spath, f"parameter of the {kind} schedule", errors):
                return None
            combos = _expand_table(params, spath, errors)
            if combos is None:
                return None
            for combo in combos:
                try:
                    sched = make_schedule({"kind": kind, **{k: c.value for k, c in combo.items()}})
                except (TypeError, ValueError) as err:
                    _blame(err, combo, spath, errors)
                    return None
                try:
                    sched.check_horizon(horizon)
                except ValueError as err:
                    errors.add(spath, f"{_reason(str(err))} (T = {horizon})", sched.to_dict())
                    return None
                schedules.append(sched)
    return [(algo, h, s, path) for h in hypers for s in schedules]


def _named_entry(entry: dict, path: str, keys, registry: dict, kind: str, errors: _Errors):
    """Check an ``[[objectives]]`` or ``[[noise]]`` entry's keys, its ``name`` (one of ``registry``)
    and that every key of its ``options`` table is a parameter of that factory.

    Returns ``(name, options, accepted parameter names)``, or None after recording the errors.
    """
    if not _check_keys(entry, keys, path, errors):
        return None
    name = _name(entry, path, registry, kind, errors)
    options = _options_table(entry, "options", path, errors)
    if name is None or options is None:
        return None
    accepted = inspect.signature(registry[name]).parameters
    if not _known_keys(options, accepted, f"{path}.options", f"option of {kind} {name!r}", errors):
        return None
    return name, options, accepted


def _known_keys(table: dict, accepted, path: str, what: str, errors: _Errors) -> bool:
    """Record an error for every key of ``table`` that is not in ``accepted``; True if there is none."""
    unknown = [k for k in table if k not in accepted]
    for key in unknown:
        errors.add(f"{path}.{key}", f"unknown {what}; allowed: {', '.join(accepted) or 'none'}", show_value=False)
    return not unknown


def _parse_objective(entry: dict, i: int, errors: _Errors) -> list[tuple] | None:
    from synthetic import ALL_OBJECTIVES, make_any_objective
    path = f"objectives[{i}]"
    named = _named_entry(entry, path, OBJECTIVE_KEYS, ALL_OBJECTIVES, "objective", errors)
    if named is None:
        return None
    name, options, _ = named
    combos = _expand_table(options, f"{path}.options", errors)
    if combos is None:
        return None
    out = []
    for combo in combos:
        values = {k: c.value for k, c in combo.items()}
        try:
            out.append((make_any_objective(name, **values), values, path))
        except (TypeError, ValueError) as err:
            _blame(err, combo, f"{path}.options", errors)
            return None
    return out


def _parse_noise(entry: dict, i: int, errors: _Errors) -> list[tuple] | None:
    from synthetic import NOISE_MODELS, make_noise
    path = f"noise[{i}]"
    named = _named_entry(entry, path, NOISE_KEYS, NOISE_MODELS, "noise model", errors)
    if named is None:
        return None
    name, options, accepted = named
    level = entry.get("level", DEFAULT_LEVEL_OPTION if DEFAULT_LEVEL_OPTION in accepted else None)
    if "level" in entry and (not isinstance(level, str) or level not in accepted):
        errors.add(f"{path}.level", f"must name an option of noise model {name!r}; allowed: "
                                    f"{', '.join(accepted) or 'none (this model has no level)'}", level)
        return None
    options = dict(options)
    if "levels" in entry:
        if level is None:
            errors.add(f"{path}.levels", f"noise model {name!r} has no {DEFAULT_LEVEL_OPTION} option: name the level "
                                         f"option with level = \"...\" (allowed: {', '.join(accepted) or 'none'})",
                       show_value=False)
            return None
        if level in options:
            errors.add(f"{path}.levels", f"the level option {level!r} is also given in options: give it once",
                       show_value=False)
            return None
        options[level] = entry["levels"]
    combos = _expand_table(options, f"{path}.options", errors)
    if combos is None:
        return None
    if "levels" in entry:  # report level errors at noise[i].levels
        for combo in combos:
            c = combo[level]
            combo[level] = _Choice(c.value, c.path.replace(f"{path}.options.{level}", f"{path}.levels"), c.from_array)
    out = []
    for combo in combos:
        values = {k: c.value for k, c in combo.items()}
        try:
            model = make_noise(name, **values)
        except (TypeError, ValueError) as err:
            _blame(err, combo, f"{path}.options", errors)
            return None
        if level is None:
            value = 0.0 if name == "none" else math.nan
        else:
            value = model.options.get(level, math.nan)
            if not _is_real(value):
                errors.add(f"{path}.level", f"the level option must be a number, got {toml_value(_plain(value))}",
                           level)
                return None
        out.append((model, values, float(value), level, path))
    return out


def _scalar_coords(prefix: str, options: dict) -> dict:
    out = {}
    for key, value in options.items():
        if isinstance(value, bool) or _is_real(value):
            out[f"{prefix}_{key}"] = float(value)
        elif isinstance(value, str):
            out[f"{prefix}_{key}"] = value
    return out


def _make_config(algo, hyper, sched, obj, obj_options, noise, noise_options, level, level_name, origin,
                 settings) -> ConfigSpec:
    from adaptopt.result import config_hash
    canonical = _plain({
        "algorithm": {"name": algo.name, "hyper": hyper},
        "schedule": None if sched is None else sched.to_dict(),
        "objective": {"name": obj.name, "dim": obj.dim, "options": obj.options},
        "noise": {"name": noise.name, "options": noise.options},
        "T": settings["T"],
        "checkpoints": settings["checkpoints"],
        "root_seed": settings["root_seed"],
        "track_l1": settings["track_l1"],
    })
    algo_label = algo.name + ("(" + ", ".join(f"{k}={v:g}" for k, v in hyper.items()) + ")" if hyper else "")
    sched_label = "none" if sched is None else sched.label()
    coords = {
        "algorithm": algo.name,
        "algorithm_label": algo_label,
        **{f"hyper_{k}": float(v) for k, v in hyper.items()},
        "schedule": sched_label,
        "schedule_kind": "none" if sched is None else sched.kind,
        **({} if sched is None else _scalar_coords("schedule", sched.to_dict())),
        "objective": obj.label(),
        "objective_name": obj.name,
        "objective_dim": float(obj.dim),
        **_scalar_coords("objective", {k: v for k, v in obj.options.items() if k != "dim"}),
        "noise": noise.label(),
        "noise_name": noise.name,
        **_scalar_coords("noise", noise.options),
        "level": level,
        "level_option": level_name or "",
    }
    return ConfigSpec(
        algorithm=algo.name, hyper=dict(hyper), schedule=None if sched is None else _plain(sched.to_dict()),
        objective=obj.name, objective_options=_plain(obj_options), noise=noise.name,
        noise_options=_plain(noise_options), canonical=canonical, config_id=config_hash(canonical),
        label=f"{algo_label} | {sched_label} | {obj.label()} | {noise.label()}", coords=coords, origin=origin,
    )


def parse_sweep(text: str, path, display: str | None = None) -> Sweep:
    """Validate the sweep described by the TOML ``text`` (``path`` locates it; ``display`` names
    it in errors). Raises :class:`SweepConfigError` listing every problem found."""
    path = Path(path)
    errors = _Errors(display or str(path))
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise SweepConfigError([f"{errors.file}: invalid TOML: {err}"]) from None
    for key in doc:
        if key not in TOP_KEYS:
            errors.add(key, f"unknown table; allowed: {', '.join(TOP_KEYS)}", show_value=False)
    settings = _parse_settings(doc, errors, path.stem)
    algorithms = _array_of_tables(doc, "algorithms", errors, required=True)
    objectives = _array_of_tables(doc, "objectives", errors, required=True)
    noises = _array_of_tables(doc, "noise", errors, required=False) if "noise" in doc else [{"name": "none"}]
    if errors or settings is None:
        raise SweepConfigError(errors.items)

    size = 0
    for entry in algorithms:
        hyper = entry.get("hyper", {}) if isinstance(entry.get("hyper", {}), dict) else {}
        raw = entry.get("schedule")
        tables = [t for t in (raw if isinstance(raw, list) else [raw]) if isinstance(t, dict)] if raw else []
        n_sched = sum(_grid_size({k: v for k, v in t.items() if k != "kind"}) for t in tables) or 1
        size += _grid_size(hyper) * n_sched
    size *= sum(_grid_size(e.get("options", {}) if isinstance(e.get("options", {}), dict) else {}) for e in objectives)
    size *= sum(_grid_size({**(e.get("options", {}) if isinstance(e.get("options", {}), dict) else {}),
                            "__levels": e.get("levels", 0)}) for e in noises)
    if size > MAX_CONFIGS:
        raise SweepConfigError([(f"{errors.file}: the grids expand to {size} configurations; at most {MAX_CONFIGS} "
                                 "are allowed (split the sweep into several files)")])

    algo_sets = [_parse_algorithm(e, i, settings["T"], errors) for i, e in enumerate(algorithms)]
    obj_sets = [_parse_objective(e, i, errors) for i, e in enumerate(objectives)]
    noise_sets = [_parse_noise(e, i, errors) for i, e in enumerate(noises)]
    if errors:
        raise SweepConfigError(errors.items)
    for objs in obj_sets:
        for noise_list in noise_sets:
            for obj, _, opath in objs:
                for model, _, _, _, npath in noise_list:
                    if model.dim is not None and model.dim != obj.dim:
                        errors.add(npath, f"noise model {model.label()} is built for dimension {model.dim}, but "
                                          f"{opath} ({obj.label()}) has dimension {obj.dim}", show_value=False)
                        raise SweepConfigError(errors.items)

    configs, seen, duplicates = [], set(), 0
    for algo_list in algo_sets:
        for algo, hyper, sched, apath in algo_list:
            for objs in obj_sets:
                for obj, obj_options, opath in objs:
                    for noise_list in noise_sets:
                        for model, noise_options, level, level_name, npath in noise_list:
                            config = _make_config(algo, hyper, sched, obj, obj_options, model, noise_options, level,
                                                  level_name, f"{apath} x {opath} x {npath}", settings)
                            if config.config_id in seen:
                                duplicates += 1
                                continue
                            seen.add(config.config_id)
                            configs.append(config)
    return Sweep(path=path, name=settings["name"], text=text, T=settings["T"], seeds=settings["seeds"],
                 seed_block=settings["seed_block"], root_seed=settings["root_seed"],
                 checkpoints=settings["checkpoints"], track_l1=settings["track_l1"], configs=configs,
                 n_duplicates=duplicates)


def load_sweep(path) -> Sweep:
    """Read and validate a sweep file (see the module docstring); errors name the file as given."""
    display = str(path)
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SweepConfigError([f"{display}: no such file"]) from None
    except (OSError, UnicodeDecodeError) as err:
        raise SweepConfigError([f"{display}: cannot read: {err}"]) from None
    return parse_sweep(text, path, display)
