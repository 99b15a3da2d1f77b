"""Run registered checks and write the report.

:func:`run_checks` measures each check's experiment (experiments shared by several checks run
once), judges the claim, and returns one :class:`Outcome` per check. :func:`write_outputs`
writes ``report.md``, ``results.json`` and one figure per check (PNG and PDF) into a folder;
the figures are drawn from the outcomes, never by running an optimizer again.
"""

from __future__ import annotations

import datetime as _dt
import json
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from proofs_check import fit
from proofs_check.records import FAIL, PASS, REPORT, Check

#: Claim kinds plotted against t on a semilog axis (the others are log-log).
SEMILOG_KINDS = ("linear rate", "contraction")


def _floats(a) -> list | None:
    return None if a is None else [float(v) for v in np.asarray(a, dtype=float)]


@dataclass
class Outcome:
    """The verdict of one check, with everything the report and the figure need."""

    id: str
    part: str
    title: str
    statement: str
    assumptions: list
    source_kind: str
    source_reference: str
    claim_kind: str
    claim: str
    metric: str
    status: str
    reason: str
    measured: dict
    theory: dict
    measured_text: str
    theory_text: str
    x: list
    mean: list
    lower: list
    upper: list
    theory_curve: list | None
    fit_line: list | None
    n_seeds: int
    n_diverged: int
    experiment: str
    wall_time_s: float
    axis: str = "loglog"
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def _experiment_label(check: Check, curve) -> str:
    e = check.experiment
    if not curve.results:
        return f"{e.algorithm} on {curve.objective.label()}"
    r = curve.results[0]
    sched = r.config["schedule"]
    sched_text = "" if sched is None else f", schedule {sched['kind']}(η0={sched['eta0']:g})"
    return f"{e.algorithm}{sched_text} on {r.config['objective']['label']} with {r.config['noise']['label']}"


def evaluate(check: Check, curve, wall: float) -> Outcome:
    """Judge ``check`` on a measured curve."""
    j = check.evaluate(curve)
    mean, lower, upper = _band(curve.values)
    fit_line = None if j.fit_line is None else [_floats(j.fit_line[0]), _floats(j.fit_line[1])]
    return Outcome(
        id=check.id, part=check.part, title=check.title, statement=check.statement,
        assumptions=list(check.assumptions), source_kind=check.source.kind,
        source_reference=check.source.reference, claim_kind=check.claim.kind, claim=check.claim.describe(),
        metric=check.experiment.metric, status=j.status, reason=j.reason,
        measured=_jsonable(j.measured), theory=_jsonable(j.theory),
        measured_text=j.measured_text, theory_text=j.theory_text,
        x=_floats(curve.x), mean=_floats(mean), lower=_floats(lower), upper=_floats(upper),
        theory_curve=_floats(j.theory_curve), fit_line=fit_line, n_seeds=int(curve.values.shape[1]),
        n_diverged=int(curve.n_diverged), experiment=_experiment_label(check, curve), wall_time_s=wall,
        axis="semilogy" if check.claim.kind in SEMILOG_KINDS else "loglog",
        extra=_jsonable(curve.extra),
    )


def _band(values: np.ndarray):
    """Mean over seeds with its normal 95 % interval (the mean itself when there is one seed)."""
    if values.shape[1] < fit.MIN_SEEDS:
        mean = values.mean(axis=1)
        return mean, mean, mean
    ci = fit.mean_ci(values, method="normal")
    return ci.mean, ci.lower, ci.upper


def _jsonable(obj):
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.floating, np.integer)):
        return obj.item()
    return obj


def run_checks(checks, profile: str = "default", root_seed: int = 0, n_seeds: int | None = None,
               on_done=None, jobs: int = 1) -> list[Outcome]:
    """Measure and judge ``checks``; ``on_done(outcome)`` is called after each one.

    Experiments shared by several checks are measured once. A check whose experiment raises is
    reported with status ``fail`` and the error as its reason (the others still run).

    With ``jobs > 1`` (registered checks only), groups of checks that share an experiment run in
    ``jobs`` worker processes, each with one Numba thread: kernel compilation, which dominates a
    cold run, then proceeds in parallel. Outcomes are the same, in the same order (every seed has
    its own random stream, so the thread and process layout never changes a number).
    """
    from proofs_check.registry import CHECKS
    if jobs > 1 and all(CHECKS.get(c.id) is c for c in checks):
        return _run_in_processes(checks, profile, root_seed, n_seeds, on_done, jobs)
    curves: dict[int, tuple] = {}
    outcomes = []
    for check in checks:
        t0 = time.perf_counter()
        key = id(check.experiment)
        try:
            if key not in curves:
                curves[key] = (check.experiment.measure(profile, root_seed, n_seeds), time.perf_counter() - t0)
            curve, measure_time = curves[key]
            outcome = evaluate(check, curve, measure_time + time.perf_counter() - t0)
        except Exception as err:  # noqa: BLE001 - a failing experiment is a failed check, not a crash
            outcome = _error_outcome(check, err, time.perf_counter() - t0)
        outcomes.append(outcome)
        if on_done is not None:
            on_done(outcome)
    return outcomes


def _experiment_groups(checks) -> list[list[str]]:
    """Check ids grouped by shared experiment, in first-appearance order."""
    groups: dict[int, list[str]] = {}
    for check in checks:
        groups.setdefault(id(check.experiment), []).append(check.id)
    return list(groups.values())


def _worker_init() -> None:
    import numba
    numba.set_num_threads(1)


def _run_group(ids, profile, root_seed, n_seeds) -> list[Outcome]:
    from proofs_check.registry import CHECKS
    return run_checks([CHECKS[i] for i in ids], profile, root_seed, n_seeds)


def _run_in_processes(checks, profile, root_seed, n_seeds, on_done, jobs) -> list[Outcome]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    groups = _experiment_groups(checks)
    done: dict[str, Outcome] = {}
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_worker_init) as pool:
        futures = [pool.submit(_run_group, ids, profile, root_seed, n_seeds) for ids in groups]
        for future in as_completed(futures):
            for outcome in future.result():
                done[outcome.id] = outcome
                if on_done is not None:
                    on_done(outcome)
    return [done[c.id] for c in checks]


def _error_outcome(check: Check, err: Exception, wall: float) -> Outcome:
    return Outcome(
        id=check.id, part=check.part, title=check.title, statement=check.statement,
        assumptions=list(check.assumptions), source_kind=check.source.kind,
        source_reference=check.source.reference, claim_kind=check.claim.kind, claim=check.claim.describe(),
        metric=check.experiment.metric, status=FAIL, reason=f"error: {type(err).__name__}: {err}",
        measured={}, theory={}, measured_text="—", theory_text="—", x=[], mean=[], lower=[], upper=[],
        theory_curve=None, fit_line=None, n_seeds=0, n_diverged=0, experiment="", wall_time_s=wall,
    )


def summary_counts(outcomes) -> dict:
    return {s: sum(o.status == s for o in outcomes) for s in (PASS, FAIL, REPORT)}


def environment() -> dict:
    """Versions and machine, for the report's provenance."""
    import numba
    import scipy

    from adaptopt import __version__
    return {"adaptopt": __version__, "numpy": np.__version__, "numba": numba.__version__,
            "scipy": scipy.__version__, "python": platform.python_version(), "machine": platform.machine(),
            "numba_threads": numba.get_num_threads(),
            "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}


def _plot_one(args):
    from figures.convergence import plot_outcome
    outcome, stem = args
    return plot_outcome(outcome, stem)


def write_outputs(outcomes, out_dir, *, profile: str, root_seed: int, wall_time_s: float,
                  figures: bool = True, jobs: int = 1) -> dict:
    """Write ``results.json``, ``report.md`` and (optionally) ``figures/<id>.png|pdf``
    (drawn in ``jobs`` processes)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    meta = {"profile": profile, "root_seed": root_seed, "wall_time_s": wall_time_s, **environment(),
            "counts": summary_counts(outcomes)}
    paths = {"json": out / "results.json", "report": out / "report.md"}
    figure_files, gallery = {}, []
    if figures:
        from figures.gallery import make_gallery
        tasks = [(o.to_dict(), out / "figures" / o.id) for o in outcomes if o.x]
        if jobs > 1:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor
            with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
                stems = list(pool.map(_plot_one, tasks, chunksize=4))
        else:
            stems = [_plot_one(task) for task in tasks]
        figure_files = {task[0]["id"]: stem for task, stem in zip(tasks, stems)}
        gallery = [stem.relative_to(out) for stem in make_gallery([o.to_dict() for o in outcomes],
                                                                   out / "figures" / "gallery")]
    payload = {"meta": meta, "checks": [o.to_dict() for o in outcomes]}
    paths["json"].write_text(json.dumps(payload, indent=1, allow_nan=True))
    paths["report"].write_text(render_markdown(outcomes, meta, {k: v.relative_to(out) for k, v in figure_files.items()},
                                               gallery))
    return paths


def render_markdown(outcomes, meta: dict, figure_files: dict, gallery=()) -> str:
    """The report: a summary table, the gallery figures, then one section per check."""
    c = meta["counts"]
    lines = [
        "# adaptopt verification report",
        "",
        f"Profile `{meta['profile']}`, root seed {meta['root_seed']}, {meta['wall_time_s']:.1f} s; "
        f"adaptopt {meta['adaptopt']}, numpy {meta['numpy']}, numba {meta['numba']}, Python {meta['python']}, "
        f"{meta['created']}.",
        "",
        f"**{c[PASS]} passed, {c[FAIL]} failed, {c[REPORT]} reported without a verdict.**",
        "",
        "| check | claim | measured | theory | source | verdict |",
        "|---|---|---|---|---|---|",
    ]
    for o in outcomes:
        lines.append(f"| [{o.id}](#{o.id.lower()}) | {o.claim} | {o.measured_text} | {o.theory_text} | "
                     f"{o.source_kind} | **{o.status}** |")
    if gallery:
        lines += ["", "## Gallery", ""] + [f"![{stem.name}]({stem}.png)" for stem in gallery]
    for o in outcomes:
        lines += ["", f"## {o.id}", "", f"*{o.title}* — part: {o.part}.", "", o.statement, "",
                  "Assumptions: " + "; ".join(o.assumptions) + ".", "",
                  f"Source ({o.source_kind}): {o.source_reference}.", "",
                  f"Experiment: {o.experiment}; metric `{o.metric}`; {o.n_seeds} seeds, {o.n_diverged} diverged.", "",
                  f"Claim: {o.claim}. Measured: {o.measured_text}. Theory: {o.theory_text}. "
                  f"Verdict: **{o.status}**" + (f" ({o.reason})" if o.reason else "") + "."]
        if o.id in figure_files:
            lines += ["", f"![{o.id}]({figure_files[o.id]}.png)"]
    return "\n".join(lines) + "\n"
