"""Figures of a stored sweep (``adaptopt plot``): they read the merged dataset, never run anything.

The input is the ``merged.nc`` written by ``adaptopt sweep`` (an xarray Dataset with metrics of
dims (config, seed, step) and one coordinate per label along ``config``; see
:mod:`adaptopt.sweep.merge`). Three kinds:

``curves``
    A metric against the step, mean over seeds with its normal 95 % confidence band
    (mean ± 1.96 s/√n over the seeds that did not diverge); one line per configuration, or per
    value of one coordinate (``by``).
``heatmap``
    The mean over seeds at one checkpoint (default: the last) over two coordinates, e.g. two
    hyper-parameters; the best cell is marked; cells where a seed diverged are hatched (the
    mean is infinite).
``adaptivity``
    The mean at one checkpoint against the noise level (``level``), one line per setting held
    fixed across levels (or, with ``by``, per group: the group's best fixed setting, the one
    with the smallest worst-case ratio to the per-level best), with the per-level best as the
    reference, and the ratio to it in a second panel.

Coordinates are named as in the dataset (``hyper_lr``, ``schedule_eta0``, ``noise_sigma``,
``level``, ``algorithm``, ...) or by their short names (``lr``, ``eta0``, ``sigma``) when that is
unambiguous. ``where`` selects configurations first (``{"beta1": 0.9, "algorithm": "adam"}``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from figures import style

#: Normal quantile of the 95 % confidence band.
Z95 = 1.959963984540054
#: Prefixes tried when a coordinate is given by its short name.
PREFIXES = ("", "hyper_", "schedule_", "noise_", "objective_")
#: Coordinates along ``config`` that are bookkeeping, not settings.
NON_SETTINGS = ("config_id", "config_json", "label", "algorithm_label", "schedule", "objective", "noise",
                "level_option")
#: Largest number of legend entries drawn.
MAX_LEGEND = 14
#: Largest heat map whose cells are annotated with their values.
MAX_ANNOTATED_CELLS = 100
#: Relative tolerance when matching a numeric ``where`` value.
WHERE_RTOL = 1e-9


# ----------------------------------------------------------------------------------------------
# Selecting configurations.


def config_coords(data) -> list[str]:
    """Names of the coordinates along ``config`` that describe settings."""
    return [name for name, coord in data.coords.items()
            if coord.dims == ("config",) and name not in NON_SETTINGS and name != "config"]


def resolve(data, name: str) -> str:
    """The full coordinate name for ``name`` (itself, or with a hyper_/schedule_/noise_/objective_ prefix)."""
    names = config_coords(data)
    if name in names:
        return name
    found = [p + name for p in PREFIXES[1:] if p + name in names]
    if len(found) == 1:
        return found[0]
    if found:
        raise ValueError(f"{name!r} is ambiguous: {', '.join(found)}; give the full name")
    raise ValueError(f"no coordinate {name!r} in the sweep; available: {', '.join(names)}")


def _is_numeric(values) -> bool:
    return np.asarray(values).dtype.kind in "fiub"


def _present(values) -> np.ndarray:
    """Mask of configurations where a coordinate applies (not NaN, not empty)."""
    values = np.asarray(values)
    if _is_numeric(values):
        return ~np.isnan(values.astype(float))
    return np.array([str(v) != "" for v in values])


def _distinct(values) -> list:
    """Distinct values in order (numbers ascending, text in order of appearance), NaN/"" left out."""
    values = np.asarray(values)[_present(values)]
    if _is_numeric(values):
        return sorted({float(v) for v in values})
    out = []
    for v in values:
        if str(v) not in out:
            out.append(str(v))
    return out


def _matches(values, wanted) -> np.ndarray:
    values = np.asarray(values)
    if _is_numeric(values):
        try:
            target = float(wanted)
        except (TypeError, ValueError):
            return np.zeros(values.shape, dtype=bool)
        return np.isclose(values.astype(float), target, rtol=WHERE_RTOL, atol=0.0)
    return np.array([str(v) == str(wanted) for v in values])


def select(data, where: dict | None = None):
    """The configurations whose coordinates match every ``where`` item."""
    keep = np.ones(data.sizes["config"], dtype=bool)
    for key, wanted in (where or {}).items():
        name = resolve(data, key)
        hit = _matches(data[name].values, wanted)
        if not np.any(hit & keep):
            choices = ", ".join(_fmt(v) for v in _distinct(data[name].values[keep]))
            raise ValueError(f"no configuration has {name} = {wanted}; values: {choices or 'none'}")
        keep &= hit
    return data.isel(config=np.flatnonzero(keep))


def varying(data, exclude=()) -> list[str]:
    """Setting coordinates that take more than one value among the configurations (a coordinate
    that repeats another, such as ``level`` and ``noise_sigma``, is listed once)."""
    out, seen = [], []
    for name in config_coords(data):
        if name in exclude:
            continue
        values = data[name].values
        key = tuple(str(v) for v in values)
        if len(_distinct(values)) + (0 if np.all(_present(values)) else 1) > 1 and key not in seen:
            out.append(name)
            seen.append(key)
    return out


def _short(name: str) -> str:
    for prefix in PREFIXES[1:]:
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def _fmt(value) -> str:
    return f"{value:g}" if isinstance(value, (float, np.floating)) else str(value)


def config_labels(data, names) -> list[str]:
    """One label per configuration from the coordinates ``names`` (those that apply to it)."""
    labels = []
    for k in range(data.sizes["config"]):
        parts = []
        for name in names:
            value = data[name].values[k]
            if _present(np.array([value]))[0]:
                parts.append(f"{_short(name)}={_fmt(value.item() if hasattr(value, 'item') else value)}")
        labels.append(", ".join(parts) or "all")
    return labels


def _ambiguity(data, cells: dict, exclude, what: str = "cell") -> str:
    others = varying(data, exclude)
    detail = "; ".join(f"{_short(n)} ({', '.join(_fmt(v) for v in _distinct(data[n].values))})" for n in others)
    example = f" (e.g. --where {_short(others[0])}={_fmt(_distinct(data[others[0]].values)[0])})" if others else ""
    crowded = max(len(v) for v in cells.values())
    return (f"{crowded} configurations share a {what}: they differ in {detail or 'nothing visible'}; choose with "
            f"--where{example}")


# ----------------------------------------------------------------------------------------------
# Statistics over seeds.


def _metric(data, metric: str) -> np.ndarray:
    if metric not in data.data_vars or data[metric].dims != ("config", "seed", "step"):
        names = [n for n, v in data.data_vars.items() if v.dims == ("config", "seed", "step")]
        raise ValueError(f"unknown metric {metric!r}; allowed: {', '.join(names)}")
    return data[metric].values


def _step_index(data, step) -> int:
    steps = data["step"].values
    if step is None:
        return steps.size - 1
    where = np.flatnonzero(steps == step)
    if where.size == 0:
        raise ValueError(f"step {step} is not a checkpoint; checkpoints: {', '.join(map(str, steps))}")
    return int(where[0])


def final_means(data, metric: str, step=None) -> np.ndarray:
    """Mean over seeds at a checkpoint, per configuration; ``inf`` when a seed is not finite there
    (it diverged: the expectation is infinite)."""
    values = _metric(data, metric)[:, :, _step_index(data, step)]
    finite = np.all(np.isfinite(values), axis=1)
    means = np.full(values.shape[0], np.inf)
    means[finite] = values[finite].mean(axis=1)
    return means


def mean_band(values: np.ndarray):
    """Mean over seeds (axis 0) of the finite values, and the normal 95 % band; shape (steps,)."""
    ok = np.isfinite(values)
    n = ok.sum(axis=0)
    safe = np.where(ok, values, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = safe.sum(axis=0) / n
        var = np.where(ok, (values - mean) ** 2, 0.0).sum(axis=0) / (n - 1)
        half = Z95 * np.sqrt(var / n)
    half = np.where(n > 1, half, 0.0)
    return mean, mean - half, mean + half


# ----------------------------------------------------------------------------------------------
# Figures.


def _title(data, text: str, where) -> str:
    extra = ", ".join(f"{k}={v}" for k, v in (where or {}).items())
    return f"{data.attrs.get('sweep', 'sweep')}: {text}" + (f" [{extra}]" if extra else "")


def _positive(values) -> bool:
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    return values.size > 0 and bool(np.all(values > 0))


def plot_curves(data, metric: str, out, *, by: str | None = None, where: dict | None = None) -> Path:
    """Convergence curves with 95 % bands: one line per configuration, or per value of ``by``."""
    data = select(data, where)
    values = _metric(data, metric)
    steps = data["step"].values
    diverged = (data["diverged_at"].values >= 0).sum(axis=1)
    if by is not None:
        by = resolve(data, by)
        data = data.isel(config=np.flatnonzero(_present(data[by].values)))
        values, diverged = _metric(data, metric), (data["diverged_at"].values >= 0).sum(axis=1)
        groups: dict = {}
        for k, v in enumerate(data[by].values):
            groups.setdefault(_fmt(v.item() if hasattr(v, "item") else v), []).append(k)
        if any(len(g) > 1 for g in groups.values()):
            raise ValueError(_ambiguity(data, groups, (by,), "line"))
        labels = [f"{_short(by)}={v}" for v in groups]
        order = [g[0] for g in groups.values()]
    else:
        labels = config_labels(data, varying(data))
        order = list(range(data.sizes["config"]))
    fig, ax = style.new_axes()
    fig.set_size_inches(6.4, 4.2)
    colours = _colours(len(order))
    for colour, k, label in zip(colours, order, labels):
        mean, lower, upper = mean_band(values[k])
        if diverged[k]:
            label += f" ({diverged[k]} diverged)"
        ax.fill_between(steps, np.clip(lower, np.finfo(float).tiny, None), upper, color=colour, alpha=0.2,
                        linewidth=0)
        ax.plot(steps, mean, color=colour, linewidth=1.3, label=label)
    if steps.min() > 0:
        ax.set_xscale("log")
    if _positive(values):
        ax.set_yscale("log")
    ax.set_xlabel("step t")
    ax.set_ylabel(f"{metric} (mean over {data.sizes['seed']} seeds, 95% band)")
    ax.set_title(_title(data, f"{metric} against t", where), fontsize=9)
    if len(order) <= MAX_LEGEND:
        ax.legend(fontsize=6, loc="best")
    ax.grid(True, which="both", alpha=0.3)
    stem = Path(out) / (f"curves_{metric}" + (f"_by_{_short(by)}" if by else ""))
    style.save(fig, stem)
    return stem


def _colours(n: int):
    import matplotlib.pyplot as plt
    cmap = plt.get_cmap("tab10" if n <= 10 else "viridis")
    return [cmap(k if n <= 10 else k / max(1, n - 1)) for k in range(n)]


def heatmap_grid(data, metric: str, x: str, y: str, *, where: dict | None = None, step=None):
    """The heat map's numbers: ``(xs, ys, grid, best)`` with ``grid[j, i]`` the mean at
    (``ys[j]``, ``xs[i]``) (NaN: no configuration, inf: a seed diverged) and ``best`` the
    ``(j, i)`` of the smallest finite cell (None if none is finite)."""
    data = select(data, where)
    x, y = resolve(data, x), resolve(data, y)
    if x == y:
        raise ValueError("the heat map needs two different coordinates for x and y")
    data = data.isel(config=np.flatnonzero(_present(data[x].values) & _present(data[y].values)))
    if data.sizes["config"] == 0:
        raise ValueError(f"no configuration has both {x} and {y}")
    xs, ys = _distinct(data[x].values), _distinct(data[y].values)
    means = final_means(data, metric, step)
    cells: dict = {}
    for k in range(data.sizes["config"]):
        xv, yv = data[x].values[k], data[y].values[k]
        key = (xs.index(float(xv) if _is_numeric(data[x].values) else str(xv)),
               ys.index(float(yv) if _is_numeric(data[y].values) else str(yv)))
        cells.setdefault(key, []).append(k)
    if any(len(v) > 1 for v in cells.values()):
        raise ValueError(_ambiguity(data, cells, (x, y)))
    grid = np.full((len(ys), len(xs)), np.nan)
    for (i, j), ks in cells.items():
        grid[j, i] = means[ks[0]]
    finite = np.isfinite(grid)
    best = tuple(int(v) for v in np.unravel_index(np.argmin(np.where(finite, grid, np.inf)), grid.shape)) \
        if finite.any() else None
    return xs, ys, grid, best


def plot_heatmap(data, metric: str, x: str, y: str, out, *, where: dict | None = None, step=None) -> Path:
    """Mean metric at a checkpoint over two coordinates, best cell marked, diverged cells hatched."""
    from matplotlib import colors
    xs, ys, grid, best = heatmap_grid(data, metric, x, y, where=where, step=step)
    x, y = resolve(data, x), resolve(data, y)
    fig, ax = style.new_axes()
    fig.set_size_inches(max(4.5, 1.0 + 0.7 * len(xs)), max(3.4, 1.2 + 0.45 * len(ys)))
    finite = grid[np.isfinite(grid)]
    norm = colors.LogNorm(finite.min(), finite.max()) if finite.size and np.all(finite > 0) and \
        finite.min() < finite.max() else None
    shown = np.ma.masked_invalid(grid)
    image = ax.imshow(shown, origin="lower", aspect="auto", cmap="viridis_r", norm=norm)
    fig.colorbar(image, ax=ax, label=f"{metric} (mean over seeds)")
    for j, i in zip(*np.nonzero(np.isinf(grid))):
        ax.add_patch(_hatched(i, j))
        ax.text(i, j, "diverged", ha="center", va="center", fontsize=6, color="black")
    if grid.size <= MAX_ANNOTATED_CELLS:
        for j, i in zip(*np.nonzero(np.isfinite(grid))):
            r, g, b, _ = image.cmap(image.norm(grid[j, i]))
            light = 0.299 * r + 0.587 * g + 0.114 * b > 0.5
            ax.text(i, j, f"{grid[j, i]:.2g}", ha="center", va="center", fontsize=6,
                    color="black" if light else "white")
    if best is not None:
        from matplotlib.patches import Rectangle
        j, i = best
        ax.add_patch(Rectangle((i - 0.5, j - 0.5), 1, 1, fill=False, edgecolor="red", linewidth=2.5,
                               label=f"best: {_short(x)}={_fmt(xs[i])}, {_short(y)}={_fmt(ys[j])} "
                                     f"({grid[j, i]:.3g})"))
        ax.plot(i - 0.32, j + 0.3, marker="*", markersize=9, color="gold", markeredgecolor="black",
                linestyle="none")
        ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(0.0, -0.18))
    ax.set_xticks(range(len(xs)), [_fmt(v) for v in xs], fontsize=7)
    ax.set_yticks(range(len(ys)), [_fmt(v) for v in ys], fontsize=7)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    steps = data["step"].values
    at = steps[-1] if step is None else step
    ax.set_title(_title(data, f"{metric} at t={at}", where), fontsize=9)
    stem = Path(out) / f"heatmap_{metric}_{_short(x)}_{_short(y)}"
    style.save(fig, stem)
    return stem


def _hatched(i, j):
    from matplotlib.patches import Rectangle
    return Rectangle((i - 0.5, j - 0.5), 1, 1, facecolor="lightgrey", edgecolor="grey", hatch="xx", linewidth=0)


def adaptivity_lines(data, metric: str, *, x: str = "level", by=None, where: dict | None = None, step=None):
    """The adaptivity map's numbers: ``(levels, lines, best)``.

    ``lines`` is a list of ``(label, values)`` (one value per level: mean at the checkpoint, inf
    if a seed diverged, NaN if the setting was not run at that level); ``best`` is the per-level
    minimum over every selected configuration. Without ``by`` each setting (the varying
    coordinates other than ``x``) is a line; with ``by`` each group of equal ``by`` coordinates
    is a line: the group's setting with the smallest worst-case ratio to ``best``.
    """
    data = select(data, where)
    x = resolve(data, x)
    if not _is_numeric(data[x].values):
        raise ValueError(f"the adaptivity map needs a numeric x coordinate, got {x}")
    data = data.isel(config=np.flatnonzero(_present(data[x].values)))
    levels = _distinct(data[x].values)
    if len(levels) < 2:
        raise ValueError(f"the adaptivity map needs at least two values of {x}, got {len(levels)}")
    means = final_means(data, metric, step)
    level_of = np.array([levels.index(float(v)) for v in data[x].values])
    best = np.full(len(levels), np.inf)
    for k, m in enumerate(means):
        best[level_of[k]] = min(best[level_of[k]], m)
    setting_names = [n for n in varying(data, (x,)) if not np.array_equal(
        np.asarray(data[n].values, dtype=str), np.asarray(data[x].values, dtype=str))]
    settings = config_labels(data, setting_names)
    table: dict[str, np.ndarray] = {}
    for k, label in enumerate(settings):
        row = table.setdefault(label, np.full(len(levels), np.nan))
        if not np.isnan(row[level_of[k]]):
            raise ValueError(f"two configurations have the same settings ({label}) at {x}={_fmt(levels[level_of[k]])}:"
                             " they differ only in options that are not coordinates; select one with --where")
        row[level_of[k]] = means[k]
    if not by:
        return levels, list(table.items()), best
    by = [resolve(data, b) for b in (by if isinstance(by, (list, tuple)) else [by])]
    group_of = config_labels(data, by)
    groups: dict[str, list[int]] = {}
    for k in range(len(settings)):
        groups.setdefault(group_of[k], []).append(k)
    lines = []
    with np.errstate(invalid="ignore", divide="ignore"):
        for group, ks in groups.items():
            members = list(dict.fromkeys(settings[k] for k in ks))
            worst = [np.nanmax(table[m] / best) if np.any(np.isfinite(table[m])) else np.inf for m in members]
            chosen = members[int(np.argmin(worst))]
            label = group
            if len(members) > 1:  # name the chosen setting by what varies inside the group
                inside = data.isel(config=ks)
                names = [n for n in varying(inside, (x, *by)) if n in setting_names]
                k0 = next(k for k in ks if settings[k] == chosen)
                label += f" (best fixed: {config_labels(data.isel(config=[k0]), names)[0]})"
            lines.append((label, table[chosen]))
    return levels, lines, best


def plot_adaptivity(data, metric: str, out, *, x: str = "level", by=None, where: dict | None = None,
                    step=None) -> Path:
    """Metric at a checkpoint against the noise level, per setting, with the per-level best."""
    import matplotlib.pyplot as plt
    levels, lines, best = adaptivity_lines(data, metric, x=x, by=by, where=where, step=step)
    x = resolve(data, x)
    fig, (ax, ratio_ax) = plt.subplots(1, 2, figsize=(10.0, 4.0), constrained_layout=True)
    xs = np.array(levels, dtype=float)
    for colour, (label, values) in zip(_colours(len(lines)), lines):
        shown = np.where(np.isfinite(values), values, np.nan)
        diverged = np.isinf(values)
        if diverged.any():
            label += f" (diverged at {int(diverged.sum())} level{'s' if diverged.sum() > 1 else ''})"
        ax.plot(xs, shown, marker="o", markersize=3, color=colour, label=label)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio_ax.plot(xs, shown / best, marker="o", markersize=3, color=colour)
    ax.plot(xs, np.where(np.isfinite(best), best, np.nan), color="black", linestyle="--", linewidth=1.5,
            label="best per level (tuned at each level)")
    ratio_ax.axhline(1.0, color="black", linestyle="--", linewidth=1.0)
    for axis in (ax, ratio_ax):
        if np.all(xs > 0):
            axis.set_xscale("log")
        axis.set_xlabel(x)
        axis.grid(True, which="both", alpha=0.3)
    if _positive([v for _, values in lines for v in values] + list(best)):
        ax.set_yscale("log")
    ratio_ax.set_yscale("log")
    at = data["step"].values[-1] if step is None else step
    ax.set_ylabel(f"{metric} at t={at} (mean over seeds)")
    ratio_ax.set_ylabel("ratio to the best per level")
    ax.set_title(_title(data, f"{metric} against {x}", where), fontsize=9)
    ratio_ax.set_title("ratio to the best per level (1 = tuned at every level)", fontsize=9)
    if len(lines) < MAX_LEGEND:
        fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", fontsize=7,
                   ncol=1 if len(lines) > 4 else 2)
    stem = Path(out) / (f"adaptivity_{metric}" + ("" if x == "level" else f"_{_short(x)}"))
    style.save(fig, stem)
    return stem


def plot(data, kind: str, out, *, metric: str = "f_gap", x=None, y=None, by=None, where=None, step=None) -> Path:
    """Dispatch on ``kind`` (curves, heatmap, adaptivity); returns the stem of the PNG and PDF."""
    if kind == "curves":
        if isinstance(by, (list, tuple)):
            if len(by) > 1:
                raise ValueError("curves take one --by coordinate")
            by = by[0] if by else None
        return plot_curves(data, metric, out, by=by, where=where)
    if kind == "heatmap":
        if x is None or y is None:
            raise ValueError("a heat map needs --x and --y (two coordinates, e.g. --x lr --y beta1)")
        return plot_heatmap(data, metric, x, y, out, where=where, step=step)
    if kind == "adaptivity":
        return plot_adaptivity(data, metric, out, x=x or "level", by=by, where=where, step=step)
    raise ValueError(f"unknown kind {kind!r}; allowed: curves, heatmap, adaptivity")
