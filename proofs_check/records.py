"""Theorems as small declarative records, and the claims that judge them.

A :class:`Check` is one theorem (or one consequence of a theorem) stated so a machine can test
it: the statement and assumptions in words, its :class:`Source` (a paper and its theorem, or a
derivation done in this project, whose proof is in the docstring of the bound function), the
:class:`Experiment` that measures it, and a claim:

=======================  ===========================================================  ==========
claim                    passes when                                                   assertion
=======================  ===========================================================  ==========
:class:`SlopeClaim`      fitted log-log slope within ``tol`` of the expected exponent  rate
:class:`PlateauClaim`    slope within ``tol`` of 0, and the level in a stated range     no decay
:class:`UpperBoundClaim` the mean's upper confidence limit is below the bound at        ``<=``
                         every horizon (times a stated slack)
:class:`LinearRateClaim` log error is a straight line in t (R² at least ``min_r2``)     rate
                         with per-step contraction at most the theory's
:class:`ContractionClaim` fitted log-rate within ``rtol`` of a predicted one            equality
:class:`PredictionClaim` the mean within ``rtol`` of a derived formula at every point   equality
:class:`EqualityClaim`   two experiments' outputs agree to ``rtol`` (round-off)         ``==``
:class:`ValueClaim`      a derived quantity (a ratio, a deviation, an error) in range  ``<=``
=======================  ===========================================================  ==========

A seed that diverges makes an expectation infinite, so any divergence fails a judged claim.
Experiments whose assumptions do not hold (for example infinite-variance noise) are marked
``judged=False``: they are run and reported, never passed or failed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from adaptopt.algorithms import get_algorithm
from adaptopt.engine import run
from adaptopt.kernels import METRIC_NAMES
from proofs_check import fit

PASS, FAIL, REPORT = "pass", "fail", "report"


def exact_gradients():
    """Exact gradients, as Gaussian noise of level 0: g = ∇f + 0·ξ = ∇f bit for bit.

    Deterministic experiments use this instead of ``noise.none()`` so that they share the
    compiled kernel of the noisy experiments on the same (algorithm, objective) (each distinct
    triple costs a kernel compile of about 2-3 s); the draws are wasted work at small d.
    """
    from synthetic.noise import gaussian
    return gaussian(0.0)

PROFILES = ("quick", "default", "full")

#: Per-profile multipliers applied to an experiment's default seed count.
SEED_SCALE = {"quick": 0.2, "default": 1.0, "full": 4.0}


@dataclass(frozen=True)
class Source:
    """Where a claim comes from.

    ``kind`` is ``"paper"`` (``reference`` names the paper and theorem), ``"derived"``
    (derived in this project: ``reference`` points to the docstring that carries the proof;
    the constants are ours), or ``"standard"`` (textbook fact, cited).
    """

    kind: str
    reference: str

    def __post_init__(self):
        if self.kind not in ("paper", "derived", "standard"):
            raise ValueError(f"source kind must be 'paper', 'derived' or 'standard', got {self.kind!r}")


@dataclass(frozen=True)
class Resolved:
    """An experiment's problem, built: what bound functions receive."""

    objective: object
    noise: object
    delta: float  # f(x_1) - f*

    @property
    def L(self) -> float:
        return self.objective.constants.L.value

    @property
    def sigma2(self) -> float:
        """The noise variance at the minimiser-free reference point x = 0 with ∇f = 0 (b of (N2))."""
        return self.noise.variance(0.0, np.zeros(self.objective.dim))


@dataclass(frozen=True, eq=False)
class Experiment:
    """One measured curve: a metric of one algorithm, as a function of the horizon T.

    Parameters
    ----------
    algorithm : str
        Registered algorithm name.
    objective, noise : callables
        Factories (no arguments) of the objective and the noise model.
    schedule : callable or None
        ``schedule(T, resolved) -> Schedule``; None for algorithms that set their own step.
    metric : str
        Which recorded metric is the measured quantity (see ``adaptopt.kernels.METRICS``).
    horizons : dict
        Profile name -> the T grid.
    seeds : int
        Number of seeds in the default profile (scaled by :data:`SEED_SCALE`).
    per_horizon : bool
        True when the schedule depends on T (exponential, cosine, tuned steps): one run per T.
        Otherwise one run to max T, read at the grid's checkpoints.
    hyper : dict or callable
        Hyper-parameters of the algorithm, or ``hyper(T, resolved) -> dict`` when they depend on
        the horizon (e.g. 1 − β1 ∝ T^(-1/2)); then ``per_horizon`` must be True.
    judged : bool
        False when the experiment lies outside the theorem's assumptions (reported only).
    run_options : dict
        Further keyword arguments of :func:`adaptopt.run` (e.g. ``track_l1=True``).
    """

    algorithm: str
    objective: Callable
    noise: Callable
    schedule: Callable | None
    metric: str
    horizons: dict
    seeds: int
    per_horizon: bool = False
    hyper: dict = field(default_factory=dict)
    judged: bool = True
    run_options: dict = field(default_factory=dict)

    def __post_init__(self):
        if callable(self.hyper) and not self.per_horizon:
            raise ValueError("hyper-parameters that depend on T need per_horizon=True")
        if self.metric not in METRIC_NAMES and not self.metric.startswith("state_"):
            raise ValueError(f"metric must be one of {METRIC_NAMES} or an algorithm state 'state_<name>', "
                             f"got {self.metric!r}")
        missing = set(PROFILES) - set(self.horizons)
        if missing:
            raise ValueError(f"horizons must give a T grid for every profile; missing {sorted(missing)}")

    def resolve(self) -> Resolved:
        objective, noise = self.objective(), self.noise()
        return Resolved(objective, noise, float(objective.value(objective.x0) - objective.f_star))

    def n_seeds(self, profile: str, override: int | None = None) -> int:
        if override is not None:
            return override
        return max(8, int(round(self.seeds * SEED_SCALE[profile])))

    def measure(self, profile: str, root_seed: int = 0, n_seeds: int | None = None) -> "Curve":
        """Run the experiment; returns the metric at every T of the profile's grid, per seed."""
        resolved = self.resolve()
        grid = np.asarray(sorted(set(int(t) for t in self.horizons[profile])), dtype=np.int64)
        seeds = self.n_seeds(profile, n_seeds)

        def one(horizon, checkpoints):
            sched = None if self.schedule is None else self.schedule(int(horizon), resolved)
            hyper = self.hyper(int(horizon), resolved) if callable(self.hyper) else self.hyper
            return run(self.algorithm, resolved.objective, resolved.noise, T=int(horizon), n_seeds=seeds,
                       hyper=hyper, schedule=sched, seed=root_seed, checkpoints=checkpoints, **self.run_options)

        if self.per_horizon:
            results = [one(T, [T]) for T in grid]
            values = np.stack([r.metric(self.metric)[-1] for r in results])
        else:
            results = [one(grid[-1], grid)]
            values = results[0].metric(self.metric)
        n_diverged = sum(r.n_diverged for r in results)
        return Curve(grid, values, resolved, results, n_diverged, profile, root_seed, n_seeds,
                     {"calls_per_step": get_algorithm(self.algorithm).samples_per_step})


class CustomExperiment:
    """Base of experiments that are more than one curve (sweeps, invariance tests, hitting times).

    A subclass sets the catalogue fields (``algorithm``: a label of the methods compared,
    ``objective`` and ``noise``: factories, ``metric``: what is measured, ``seeds``: per profile,
    ``judged``) and implements :meth:`run`, which returns ``(x, values, extra, results)``:
    the points of the main curve, the values (points, seeds), a dict of everything else the
    claims and figures read, and the :class:`adaptopt.Result` objects behind it.
    """

    algorithm = ""
    metric = ""
    judged = True
    seeds = {"quick": 2, "default": 8, "full": 32}
    #: False for tuning sweeps, where a diverging step size is a result of the search, not a failure
    #: (the count is reported as ``extra["diverged_runs"]``).
    divergence_fails = True

    @staticmethod
    def objective():
        raise NotImplementedError

    @staticmethod
    def noise():
        from synthetic.noise import none
        return none()

    def n_seeds(self, profile: str, override: int | None = None) -> int:
        return override if override is not None else self.seeds[profile]

    def resolve(self) -> Resolved:
        return Experiment.resolve(self)

    def run(self, profile: str, root_seed: int, n_seeds: int):
        raise NotImplementedError

    def measure(self, profile: str, root_seed: int = 0, n_seeds: int | None = None) -> "Curve":
        x, values, extra, results = self.run(profile, root_seed, self.n_seeds(profile, n_seeds))
        diverged = sum(r.n_diverged for r in results)
        if not self.divergence_fails:
            extra = {**extra, "diverged_runs": diverged}
            diverged = 0
        return Curve(np.asarray(x), np.asarray(values, dtype=float), self.resolve(), list(results), diverged, profile,
                     root_seed, n_seeds, extra)


@dataclass(frozen=True, eq=False)
class Curve:
    """A measured curve: ``values[i, j]`` is the metric at horizon ``x[i]`` for seed ``j``.

    ``results`` are the runs behind it (one per horizon when the schedule depends on T);
    :meth:`metric` reads any other recorded metric at the same horizons.
    """

    x: np.ndarray
    values: np.ndarray
    resolved: Resolved
    results: list
    n_diverged: int
    profile: str = "default"
    root_seed: int = 0
    seeds_override: int | None = None
    extra: dict = field(default_factory=dict)

    @property
    def objective(self):
        return self.resolved.objective

    @property
    def noise(self):
        return self.resolved.noise

    def metric(self, name: str) -> np.ndarray:
        """Metric ``name`` at the curve's horizons, shape (n_points, n_seeds)."""
        if len(self.results) == 1:
            result = self.results[0]
            rows = np.searchsorted(result.checkpoints, self.x)
            return result.metric(name)[rows]
        return np.stack([r.metric(name)[-1] for r in self.results])

    def mean_ci(self):
        return fit.mean_ci(self.values, method="normal")


@dataclass
class Judgement:
    """What a claim concluded: a status, the measured and theoretical values, and evidence."""

    status: str
    measured: dict
    theory: dict
    measured_text: str
    theory_text: str
    reason: str = ""
    theory_curve: np.ndarray | None = None
    fit_line: tuple | None = None  # (x, y) of the fitted line, for figures


# --------------------------------------------------------------------------------------------
# Claims.


@dataclass(frozen=True)
class SlopeClaim:
    """The log-log slope of the measured mean against T is ``expected`` within ``tol``.

    ``window`` selects the fitted T range (``"upper_half"`` of the grid, the asymptotic regime,
    spec §7); ``x_transform`` replaces T by a function of T before the log (log-corrected fits).
    """

    expected: float
    tol: float = 0.1
    window: object = fit.WINDOW_UPPER_HALF
    x_transform: Callable | None = None
    one_sided: bool = False
    kind: str = "slope"

    def describe(self) -> str:
        regressor = "T" if self.x_transform is None else getattr(self.x_transform, "__doc__", None) or "g(T)"
        if self.one_sided:
            return f"log-log slope against {regressor.strip()} <= {self.expected:g} + {self.tol:g} (an upper bound's order)"
        return f"log-log slope against {regressor.strip()} = {self.expected:g} ± {self.tol:g}"

    def judge(self, curve: Curve) -> Judgement:
        f = fit.fit_slope(curve.x, curve.values, window=self.window,
                          x_transform="log" if self.x_transform is None else self.x_transform)
        ok = f.slope <= self.expected + self.tol if self.one_sided else f.within(self.expected, self.tol)
        xs = curve.x[(curve.x >= f.window[0]) & (curve.x <= f.window[1])]
        reg = xs if self.x_transform is None else self.x_transform(xs)
        line = (xs, np.exp(f.intercept) * reg ** f.slope)
        return Judgement(PASS if ok else FAIL,
                         {"slope": f.slope, "ci": [f.ci_low, f.ci_high], "last_two_slope": f.last_two_slope,
                          "window": list(f.window)},
                         {"slope": self.expected, "tol": self.tol},
                         f"slope {f.slope:.3f} [{f.ci_low:.3f}, {f.ci_high:.3f}]",
                         f"<= {self.expected + self.tol:g}" if self.one_sided else f"{self.expected:g} ± {self.tol:g}",
                         "" if ok else f"slope {f.slope:.3f} outside the claim ({self.describe()})",
                         fit_line=line)


@dataclass(frozen=True)
class PlateauClaim:
    """The curve stops decaying: slope within ``slope_tol`` of 0 over the window, and (if given)
    the last level lies in ``level_range`` times ``floor(curve)``."""

    floor: Callable | None = None
    level_range: tuple | None = None
    slope_tol: float = 0.1
    window: object = fit.WINDOW_UPPER_HALF
    kind: str = "plateau"

    def describe(self) -> str:
        text = f"plateau: slope 0 ± {self.slope_tol:g}"
        if self.floor is not None:
            doc = (self.floor.__doc__ or "floor").strip().splitlines()[0]
            text += f", final level in {list(self.level_range)} × {doc}"
        return text

    def judge(self, curve: Curve) -> Judgement:
        f = fit.fit_slope(curve.x, curve.values, window=self.window)
        measured = {"slope": f.slope, "ci": [f.ci_low, f.ci_high]}
        theory = {"slope": 0.0, "tol": self.slope_tol}
        reasons = []
        if abs(f.slope) > self.slope_tol:
            reasons.append(f"slope {f.slope:.3f} is not within ±{self.slope_tol:g}")
        floor_curve = None
        if self.floor is not None:
            floor_curve = np.asarray(self.floor(curve), dtype=float)
            level = float(np.mean(curve.values[-1]) / floor_curve[-1])
            measured["level_over_floor"] = level
            theory["level_range"] = list(self.level_range)
            if not self.level_range[0] <= level <= self.level_range[1]:
                reasons.append(f"final level {level:.3g} × floor outside {list(self.level_range)}")
        text = f"slope {f.slope:.3f}" + (f", level {measured['level_over_floor']:.3g}×floor" if self.floor else "")
        want = f"0 ± {self.slope_tol:g}" + (f", level in {list(self.level_range)}" if self.floor else "")
        return Judgement(FAIL if reasons else PASS, measured, theory, text, want, "; ".join(reasons),
                         theory_curve=floor_curve)


@dataclass(frozen=True)
class UpperBoundClaim:
    """``bound(curve)`` (an array over ``curve.x``) holds at every T: judged on the mean's upper
    95 % confidence limit (``judge="ucl"``) or on the mean, against ``slack * bound``. The bound
    sees the whole curve, so it can use quantities measured in the run (SGDOL's regret)."""

    bound: Callable
    judge_on: str = "ucl"
    slack: float = 1.0
    kind: str = "upper bound"

    def describe(self) -> str:
        doc = (self.bound.__doc__ or "bound").strip().splitlines()[0]
        slack = "" if self.slack == 1.0 else f" × {self.slack:g}"
        judged = "upper 95% confidence limit of the mean" if self.judge_on == "ucl" else "mean"
        return f"{judged} <= {doc}{slack} at every point"

    def judge(self, curve: Curve) -> Judgement:
        b = np.asarray(self.bound(curve), dtype=float)
        c = fit.check_upper_bound(curve.x, curve.values, b, slack=self.slack, judge=self.judge_on)
        return Judgement(PASS if c.holds else FAIL,
                         {"worst_ratio": c.worst_ratio, "worst_T": int(c.worst_x)},
                         {"bound_at_max_T": float(b[-1]), "slack": self.slack},
                         f"{self.judge_on}/bound <= {c.worst_ratio:.3g} (worst at T={int(c.worst_x)})",
                         "<= 1" if self.slack == 1.0 else f"<= {self.slack:g}",
                         "" if c.holds else f"bound exceeded at T={int(c.worst_x)} (ratio {c.worst_ratio:.3g})",
                         theory_curve=b)


@dataclass(frozen=True)
class LinearRateClaim:
    """``log(E error)`` is a straight line in t (R² >= ``min_r2`` over the window) whose per-step
    contraction is at most ``rate(curve)``."""

    rate: Callable
    window: object = None
    min_r2: float = 0.99
    x_transform: Callable | None = None
    kind: str = "linear rate"

    def describe(self) -> str:
        doc = (self.rate.__doc__ or "rate").strip().splitlines()[0]
        against = "t" if self.x_transform is None else (self.x_transform.__doc__ or "g(t)").strip()
        return f"log error linear in {against} (R² >= {self.min_r2:g}), contraction per unit <= {doc}"

    def judge(self, curve: Curve) -> Judgement:
        f = fit.fit_linear_rate(curve.x, curve.values, window=self.window, x_transform=self.x_transform)
        q = float(self.rate(curve))
        reasons = []
        if f.r2 < self.min_r2:
            reasons.append(f"R² {f.r2:.4f} < {self.min_r2:g}: not a straight line")
        if not f.at_least_as_fast_as(q):
            reasons.append(f"contraction {f.contraction:.6f} > theory {q:.6f}")
        line_x = curve.x[curve.x >= f.window[0]]
        reg = line_x if self.x_transform is None else self.x_transform(line_x)
        return Judgement(FAIL if reasons else PASS,
                         {"contraction": f.contraction, "r2": f.r2},
                         {"contraction_at_most": q},
                         f"q = {f.contraction:.6f}, R² = {f.r2:.4f}", f"q <= {q:.6f}, R² >= {self.min_r2:g}",
                         "; ".join(reasons),
                         fit_line=(line_x, np.exp(f.intercept + f.slope * reg)))


@dataclass(frozen=True)
class ContractionClaim:
    """The fitted per-unit contraction q equals ``prediction(curve)``: the log-rates agree,
    |log q_fit / log q_pred − 1| <= ``rtol`` (comparing q itself would hide a factor 2 in the
    rate when q is close to 1)."""

    prediction: Callable
    rtol: float = 0.02
    window: object = None
    x_transform: Callable | None = None
    kind: str = "contraction"

    def describe(self) -> str:
        doc = (self.prediction.__doc__ or "prediction").strip().splitlines()[0]
        against = "t" if self.x_transform is None else (self.x_transform.__doc__ or "g(t)").strip()
        return f"contraction per unit of {against} = {doc}, log-rate within {self.rtol:.0%}"

    def judge(self, curve: Curve) -> Judgement:
        f = fit.fit_linear_rate(curve.x, curve.values, window=self.window, x_transform=self.x_transform)
        q = float(self.prediction(curve))
        rel = f.slope / math.log(q) - 1.0
        ok = abs(rel) <= self.rtol
        return Judgement(PASS if ok else FAIL, {"contraction": f.contraction, "log_rate_rel_error": rel, "r2": f.r2},
                         {"contraction": q, "rtol": self.rtol},
                         f"q = {f.contraction:.6f} (log-rate {rel:+.2%})", f"{q:.6f}, log-rate ± {self.rtol:.0%}",
                         "" if ok else f"log-rate of {f.contraction:.6f} differs from that of {q:.6f} by {rel:+.2%}")


@dataclass(frozen=True)
class PredictionClaim:
    """The measured mean equals ``prediction(curve)`` within relative ``rtol`` at every point.

    For derived asymptotic formulas (local linearisation at the minimiser): a two-sided check
    of the level, sharper than a slope.
    """

    prediction: Callable
    rtol: float = 0.15
    kind: str = "prediction"

    def describe(self) -> str:
        doc = (self.prediction.__doc__ or "prediction").strip().splitlines()[0]
        return f"mean = {doc} within {self.rtol:.0%} at every point"

    def judge(self, curve: Curve) -> Judgement:
        pred = np.asarray(self.prediction(curve), dtype=float)
        keep = np.all(np.isfinite(curve.values), axis=0)
        ratio = curve.values[:, keep].mean(axis=1) / pred
        worst = int(np.argmax(np.abs(ratio - 1.0)))
        ok = bool(np.all(np.abs(ratio - 1.0) <= self.rtol))
        return Judgement(PASS if ok else FAIL, {"ratio_min": float(ratio.min()), "ratio_max": float(ratio.max())},
                         {"rtol": self.rtol},
                         f"mean/prediction in [{ratio.min():.3f}, {ratio.max():.3f}]", f"1 ± {self.rtol:g}",
                         "" if ok else f"mean/prediction = {ratio[worst]:.3f} at {curve.x[worst]:g}",
                         theory_curve=pred)


@dataclass(frozen=True)
class EqualityClaim:
    """The measured metric equals that of a ``reference`` experiment (same seeds, same noise)
    to relative ``rtol`` at every point, and so do the last iterates."""

    reference: "Experiment"
    rtol: float = 1e-12
    kind: str = "equality"

    def describe(self) -> str:
        ref = self.reference
        return f"equals {ref.algorithm} ({ref.metric}, last iterates) to {self.rtol:g} relative"

    def judge(self, curve: Curve) -> Judgement:
        other = self.reference.measure(curve.profile, curve.root_seed, curve.seeds_override)
        scale = np.maximum(np.abs(other.values), np.finfo(float).tiny)
        metric_gap = float(np.max(np.abs(curve.values - other.values) / scale))
        xa = np.concatenate([r.final_x for r in curve.results])
        xb = np.concatenate([r.final_x for r in other.results])
        iterate_gap = float(np.max(np.abs(xa - xb)) / max(np.max(np.abs(xb)), np.finfo(float).tiny))
        gap = max(metric_gap, iterate_gap)
        ok = gap <= self.rtol
        return Judgement(PASS if ok else FAIL, {"metric_rel_gap": metric_gap, "iterate_rel_gap": iterate_gap},
                         {"rtol": self.rtol}, f"max relative gap {gap:.2e}", f"<= {self.rtol:g}",
                         "" if ok else f"relative gap {gap:.2e} > {self.rtol:g}",
                         theory_curve=other.values.mean(axis=1))


@dataclass(frozen=True)
class ValueClaim:
    """Every value of ``curve.extra[key]`` (a number or an array) lies within the stated limits.

    ``key`` may be a path into nested dicts, ``"ratios/exponential"``.
    ``at_most`` / ``at_least`` are numbers or callables of the curve (documented by their
    docstrings); ``what`` describes the quantity in the catalogue and the report.
    """

    key: str
    what: str
    at_most: object = None
    at_least: object = None
    kind: str = "value"

    def _limit(self, limit, curve):
        return None if limit is None else float(limit(curve) if callable(limit) else limit)

    @staticmethod
    def _text(limit) -> str:
        return (limit.__doc__ or "limit").strip().splitlines()[0] if callable(limit) else f"{limit:g}"

    def describe(self) -> str:
        parts = []
        if self.at_least is not None:
            parts.append(f">= {self._text(self.at_least)}")
        if self.at_most is not None:
            parts.append(f"<= {self._text(self.at_most)}")
        return f"{self.what} " + " and ".join(parts)

    def judge(self, curve: Curve) -> Judgement:
        found = curve.extra
        for part in self.key.split("/"):
            found = found[part]
        values = np.atleast_1d(np.asarray(found, dtype=float))
        hi, lo = self._limit(self.at_most, curve), self._limit(self.at_least, curve)
        reasons = []
        finite = values[~np.isnan(values)]
        if finite.size < values.size:
            reasons.append("NaN values" if finite.size else "no value (not measured in this profile)")
        if hi is not None and finite.size and not np.all(finite <= hi):
            reasons.append(f"max {finite.max():.3g} > {hi:.3g}")
        if lo is not None and finite.size and not np.all(finite >= lo):
            reasons.append(f"min {finite.min():.3g} < {lo:.3g}")
        if values.size == 1 or not finite.size:
            text = f"{values[0]:.3g}"
        else:
            text = f"in [{finite.min():.3g}, {finite.max():.3g}]"
        want = " and ".join(([f">= {lo:.3g}"] if lo is not None else []) + ([f"<= {hi:.3g}"] if hi is not None else []))
        return Judgement(FAIL if reasons else PASS, {"values": values.tolist()}, {"at_most": hi, "at_least": lo},
                         text, want, "; ".join(reasons))


@dataclass(frozen=True, eq=False)
class Check:
    """One registered theorem check (see the module docstring).

    ``report_only`` (a reason) marks a check whose claim is an empirical hypothesis rather than a
    theorem: it is measured and reported, never passed or failed.
    """

    id: str
    part: str
    title: str
    statement: str
    assumptions: tuple
    source: Source
    experiment: Experiment
    claim: object
    report_only: str = ""

    def catalogue_row(self) -> dict:
        e = self.experiment
        return {
            "id": self.id,
            "part": self.part,
            "title": self.title,
            "claim": self.claim.describe(),
            "source": f"{self.source.kind}: {self.source.reference}",
            "experiment": f"{e.algorithm} on {e.objective().label()} with {e.noise().label()}",
            "metric": e.metric,
            "judged": e.judged and not self.report_only,
        }

    def evaluate(self, curve: Curve) -> Judgement:
        """Judge a measured curve (divergence, unjudged experiments and the quick profile handled here)."""
        judgement = self.claim.judge(curve)
        if curve.profile == "quick":
            judgement.status = REPORT
            judgement.reason = "quick profile: horizons and seeds too small to judge asymptotic claims"
        elif self.report_only:
            judgement.status = REPORT
            judgement.reason = self.report_only + (f" ({judgement.reason})" if judgement.reason else "")
        elif not self.experiment.judged:
            judgement.status = REPORT
            judgement.reason = "outside the theorem's assumptions: reported, not judged"
        elif curve.n_diverged:
            judgement.status = FAIL
            judgement.reason = f"{curve.n_diverged} seed(s) diverged; " + judgement.reason
        return judgement


def log_grid(lo_exp: float, hi_exp: float, per_decade: int = 4) -> tuple:
    """Integer horizons ``10**lo_exp .. 10**hi_exp``, ``per_decade`` points per decade."""
    n = int(round((hi_exp - lo_exp) * per_decade)) + 1
    return tuple(int(v) for v in np.unique(np.round(np.logspace(lo_exp, hi_exp, n))))

