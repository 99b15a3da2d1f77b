"""The workload table: which algorithm, on which problem, over which (d, S) cells, against what.

A :class:`Workload` is one row of :data:`WORKLOADS`; adding an algorithm family means adding
rows here (nothing else: the numpy baseline reads the algorithm's reference class from
:mod:`adaptopt.reference`, and the torch baseline is named in ``torch_optimizer``).

Problems: every workload has additive isotropic Gaussian noise of total variance 1
(``synthetic.noise.gaussian(1.0)``) and one of three separable objectives, all with the
library's default start:

``quadratic``  ``f(x) = 1/2 sum x_i^2`` (W1 of the spec), start ``x_i = 1``
``pl_sine``    ``f(x) = sum (x_i^2 + 3 sin^2 x_i)``, non-convex PL, start ``x_i = 3`` (SGD-type)
``cosh``       ``f(x) = sum cosh(x_i)``, (L0, L1)-smooth, not L-smooth, start ``x_i = 2``
               (sign and clipping methods)

Hyper-parameters are chosen so that no seed diverges over the longest calibrated horizon
(tens of millions of steps at d = 1): a diverged seed stops early and would make its row look
fast. The engine's health is checked after the timings (``diverged`` in the JSON).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from adaptopt import schedules
from benchmarks.config import LARGE_D_MIN, MANY_SEEDS, SMALL_D_MAX, TORCH_MAX_D
from synthetic import noise as noises
from synthetic import objectives, relaxed

#: Noise level of every workload: E||g - grad f||^2 = SIGMA^2.
SIGMA = 1.0

#: Every row a table can have, in display order: name -> one-line description.
ROWS = {
    "engine": "adaptopt.run, default thread count",
    "engine_1t": "adaptopt.run(..., n_threads=1)",
    "sgd_1t": "adaptopt.run of plain SGD on the same problem, n_threads=1 (the Adam-family yardstick)",
    "noise_1t": "the Gaussians alone: the same S*T*d*samples normals from the same per-seed streams, 1 thread",
    "noise_mt": "the Gaussians alone, seeds split into the engine's blocks on its thread pool",
    "numpy": "Python loop over steps on (S, d) arrays: adaptopt.reference step + numpy Generator noise",
    "torch_optim": "torch.optim + autograd on an (S, d) float64 tensor, noise added to .grad",
}
#: Rows that run the engine (their health is checked, their fixed cost per call measured).
ENGINE_ROWS = ("engine", "engine_1t", "sgd_1t")


def make_objective(name: str, dim: int):
    """The objective ``name`` of dimension ``dim`` (see the module docstring)."""
    if name == "quadratic":
        return objectives.quadratic(np.ones(dim))
    if name == "pl_sine":
        return objectives.pl_sine(dim)
    if name == "cosh":
        return relaxed.cosh(dim)
    raise ValueError(f"unknown benchmark objective {name!r}")


def make_noise():
    return noises.gaussian(SIGMA)


@dataclass(frozen=True)
class Workload:
    """One benchmarked configuration.

    Attributes
    ----------
    name : str
        ``algorithm[-schedule]/objective``; the ``--only`` regex sees it.
    family : str
        The algorithm family of issue 7 (targets are summarised per family).
    algorithm, hyper, schedule
        As passed to :func:`adaptopt.run`. The Adam family's schedule is the multiplier of
        ``lr`` (``constant(1.0)`` is PyTorch without a scheduler).
    objective : str
        ``quadratic``, ``pl_sine`` or ``cosh`` (:func:`make_objective`).
    cells, quick_cells : tuple of (d, S)
        The grid of the full run and of ``--quick``.
    rows : tuple of str
        Rows of :data:`ROWS` to time (cells where a row makes no sense skip it with a reason).
    torch_optimizer : str or None
        ``"sgd"``, ``"adam"`` or ``"adamw"``: the torch.optim class of the baseline.
    torch_all_d : bool
        Time torch.optim at every d, not only up to ``TORCH_MAX_D``.
    tags : frozenset
        Which targets apply: ``sgd_floor`` (SGD vs the noise alone, <= 1.3x), ``sgd_d1``
        (<= 15 ns per seed-step at d = 1), ``adam`` (<= 1.5x SGD).
    """

    name: str
    family: str
    algorithm: str
    objective: str
    schedule: schedules.Schedule | None
    cells: tuple
    quick_cells: tuple
    rows: tuple
    hyper: dict = field(default_factory=dict)
    torch_optimizer: str | None = None
    torch_all_d: bool = False
    tags: frozenset = frozenset()

    def description(self) -> str:
        sched = "" if self.schedule is None else f", {self.schedule.label()}"
        hyper = "" if not self.hyper else ", " + ", ".join(f"{k}={v:g}" for k, v in self.hyper.items())
        return f"{self.algorithm}{hyper}{sched} on {self.objective}, gaussian({SIGMA:g})"

    def grid(self, quick: bool) -> tuple:
        return self.quick_cells if quick else self.cells

    def skip_reason(self, row: str, dim: int, n_seeds: int) -> str | None:
        """Why ``row`` is not timed in cell (dim, n_seeds), or None."""
        from adaptopt.engine import MIN_BLOCK_SEEDS
        if row in ("engine_1t", "noise_mt") and n_seeds < 2 * MIN_BLOCK_SEEDS:
            return (f"S < {2 * MIN_BLOCK_SEEDS}: the engine runs a single block on one thread, so "
                    f"{'engine_1t = engine' if row == 'engine_1t' else 'noise_mt = noise_1t'}")
        if row == "torch_optim" and self.torch_optimizer is None:
            return f"torch.optim has no counterpart of {self.algorithm!r}"
        if row == "torch_optim" and dim > TORCH_MAX_D and not self.torch_all_d:
            return f"torch.optim is timed up to d = {TORCH_MAX_D} here (its target is stated there)"
        return None


def _cells(dims, seeds=(MANY_SEEDS,)) -> tuple:
    return tuple((d, s) for s in seeds for d in dims)


ALL_D = (1, 10, 100, 10_000)
#: Quick grid: one small and one large d, where the targets are stated.
QUICK_D = (SMALL_D_MAX, LARGE_D_MIN)
_FLOOR_ROWS = ("engine", "engine_1t", "noise_1t")
_BASE_ROWS = ("engine", "engine_1t", "noise_1t", "numpy")

SGD_ETA0 = 0.1
#: The Adam family's base learning rate α and decoupled decay λ (paper convention, λ η_t per
#: step; torch AdamW gets weight_decay = λ / α, which gives the same iterates).
ADAM_LR = 1e-3
ADAMW_DECAY = 1e-2
SIGN_ETA0 = 0.01

WORKLOADS = {w.name: w for w in (
    # SGD: W1 over the whole grid, the other schedules where the schedule's cost shows.
    Workload("sgd-inv_sqrt/quadratic", "SGD", "sgd", "quadratic", schedules.inv_sqrt(SGD_ETA0),
             cells=_cells(ALL_D, (MANY_SEEDS, 1)), quick_cells=_cells((1, 10, 100)) + ((100, 1),),
             rows=("engine", "engine_1t", "noise_1t", "noise_mt", "numpy", "torch_optim"),
             torch_optimizer="sgd", torch_all_d=True, tags=frozenset({"sgd_floor", "sgd_d1"})),
    Workload("sgd-constant/quadratic", "SGD", "sgd", "quadratic", schedules.constant(SGD_ETA0),
             cells=_cells((1, 100)), quick_cells=_cells((1, 100)),
             rows=("engine", "engine_1t", "noise_1t", "noise_mt"), tags=frozenset({"sgd_floor", "sgd_d1"})),
    Workload("sgd-exponential/quadratic", "SGD", "sgd", "quadratic", schedules.exponential(SGD_ETA0),
             cells=_cells((1, 100)), quick_cells=_cells((1, 100)),
             rows=("engine", "engine_1t", "noise_1t", "noise_mt"), tags=frozenset({"sgd_floor", "sgd_d1"})),
    Workload("sgd-inv_sqrt/pl_sine", "SGD", "sgd", "pl_sine", schedules.inv_sqrt(SGD_ETA0),
             cells=_cells(ALL_D), quick_cells=_cells((100,)), rows=_BASE_ROWS + ("torch_optim",),
             torch_optimizer="sgd"),
    # SGDOL: two oracle calls per step (the tables also give ns per oracle call).
    Workload("sgdol/quadratic", "SGDOL", "sgdol", "quadratic", None, cells=_cells(ALL_D), quick_cells=_cells(QUICK_D),
             rows=_BASE_ROWS),
    Workload("sgdol/pl_sine", "SGDOL", "sgdol", "pl_sine", None, cells=_cells((100,)), quick_cells=(),
             rows=_BASE_ROWS),
    # AdaGrad-norm: one global step size from the running sum of ||g||^2.
    Workload("adagrad_norm/quadratic", "AdaGrad-norm", "adagrad_norm", "quadratic", None, cells=_cells(ALL_D),
             quick_cells=_cells(QUICK_D), rows=_BASE_ROWS),
    Workload("adagrad_norm/pl_sine", "AdaGrad-norm", "adagrad_norm", "pl_sine", None, cells=_cells((100,)),
             quick_cells=(), rows=_BASE_ROWS),
    # The Adam family, each against its SGD twin (same problem, one thread).
    Workload("adam/quadratic", "Adam family", "adam", "quadratic", schedules.constant(1.0),
             hyper={"lr": ADAM_LR}, cells=_cells(ALL_D) + ((100, 1),), quick_cells=_cells(QUICK_D),
             rows=("engine", "engine_1t", "sgd_1t", "noise_1t", "numpy", "torch_optim"), torch_optimizer="adam",
             tags=frozenset({"adam"})),
    Workload("adamw/quadratic", "Adam family", "adamw", "quadratic", schedules.constant(1.0),
             hyper={"lr": ADAM_LR, "weight_decay": ADAMW_DECAY}, cells=_cells(ALL_D), quick_cells=_cells(QUICK_D),
             rows=("engine", "engine_1t", "sgd_1t", "noise_1t", "numpy", "torch_optim"), torch_optimizer="adamw",
             tags=frozenset({"adam"})),
    Workload("adamprox/quadratic", "Adam family", "adamprox", "quadratic", schedules.constant(1.0),
             hyper={"lr": ADAM_LR, "weight_decay": ADAMW_DECAY}, cells=_cells(ALL_D), quick_cells=_cells((100,)),
             rows=("engine", "engine_1t", "sgd_1t", "noise_1t", "numpy"), tags=frozenset({"adam"})),
    Workload("adam/cosh", "Adam family", "adam", "cosh", schedules.constant(1.0), hyper={"lr": ADAM_LR},
             cells=_cells((100,)), quick_cells=(),
             rows=("engine", "engine_1t", "sgd_1t", "noise_1t", "numpy"), tags=frozenset({"adam"})),
    # Generalized SignSGD (Crawshaw et al.), on the relaxed-smooth cosh and on the quadratic.
    Workload("generalized_signsgd/cosh", "generalized SignSGD", "generalized_signsgd", "cosh",
             schedules.constant(SIGN_ETA0), cells=_cells(ALL_D), quick_cells=_cells(QUICK_D), rows=_BASE_ROWS),
    Workload("generalized_signsgd/quadratic", "generalized SignSGD", "generalized_signsgd", "quadratic",
             schedules.constant(SIGN_ETA0), cells=_cells((10, 100)), quick_cells=(), rows=_BASE_ROWS),
    # Clipped and normalized SGD.
    Workload("clipped_sgd/cosh", "clipped/normalized SGD", "clipped_sgd", "cosh", schedules.inv_sqrt(SGD_ETA0),
             hyper={"gamma": 1.0}, cells=_cells(ALL_D), quick_cells=_cells(QUICK_D), rows=_BASE_ROWS),
    Workload("clipped_sgd/quadratic", "clipped/normalized SGD", "clipped_sgd", "quadratic",
             schedules.inv_sqrt(SGD_ETA0), hyper={"gamma": 1.0}, cells=_cells((10, 100)), quick_cells=(),
             rows=_BASE_ROWS),
    Workload("normalized_sgd_ema/cosh", "clipped/normalized SGD", "normalized_sgd_ema", "cosh",
             schedules.inv_sqrt(SIGN_ETA0), cells=_cells(ALL_D), quick_cells=_cells((100,)), rows=_BASE_ROWS),
    Workload("normalized_sgd_ema/quadratic", "clipped/normalized SGD", "normalized_sgd_ema", "quadratic",
             schedules.inv_sqrt(SIGN_ETA0), cells=_cells((100,)), quick_cells=(), rows=_BASE_ROWS),
)}

#: Families in display order (targets are summarised per family).
FAMILIES = tuple(dict.fromkeys(w.family for w in WORKLOADS.values()))


# --------------------------------------------------------------------------------------------
# The problems in numpy and torch form (the baselines), from the objective's parameter vector.


class NumpyProblem:
    """Value and gradient of a benchmark objective on (S, d) arrays, written with numpy."""

    def __init__(self, objective):
        self.name, p, d = objective.name, np.asarray(objective.params, dtype=np.float64), objective.dim
        self.f_star = float(objective.f_star)
        if self.name == "quadratic":
            self.lam, self.center = p[:d], p[d:2 * d]
        elif self.name == "pl_sine":
            self.w = p[:d]
        elif self.name == "cosh":
            self.w, self.a, self.center = p[:d], p[d:2 * d], p[2 * d:3 * d]
        else:
            raise ValueError(f"no numpy form of objective {self.name!r}")

    def grad(self, x: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Write grad f(x) into ``out`` (S, d); return ||grad f(x)||^2 per seed (S,)."""
        if self.name == "quadratic":
            np.subtract(x, self.center, out=out)
            out *= self.lam
        elif self.name == "pl_sine":
            np.multiply(x, 2.0, out=out)
            np.sin(out, out=out)
            out *= 3.0
            out += 2.0 * x
            out *= self.w
        else:
            np.subtract(x, self.center, out=out)
            out *= self.a
            np.sinh(out, out=out)
            out *= self.w * self.a
        return np.einsum("ij,ij->i", out, out)

    def value_gap(self, x: np.ndarray) -> np.ndarray:
        """f(x) - f* per seed."""
        if self.name == "quadratic":
            r = x - self.center
            return 0.5 * np.einsum("ij,ij,j->i", r, r, self.lam)
        if self.name == "pl_sine":
            s = np.sin(x)
            return (self.w * (x * x + 3.0 * s * s)).sum(axis=1)
        return (self.w * np.cosh(self.a * (x - self.center))).sum(axis=1) - self.f_star


class TorchProblem:
    """Loss (for autograd) and exact gradient of a benchmark objective on an (S, d) tensor."""

    def __init__(self, objective):
        import torch
        self.np = NumpyProblem(objective)
        self.name, self.f_star = self.np.name, self.np.f_star
        self.t = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in vars(self.np).items()
                  if isinstance(v, np.ndarray)}

    def loss(self, x):
        """The sum over seeds of f(x_s): its gradient is every seed's gradient."""
        import torch
        t = self.t
        if self.name == "quadratic":
            r = x - t["center"]
            return 0.5 * (t["lam"] * r * r).sum()
        if self.name == "pl_sine":
            s = torch.sin(x)
            return (t["w"] * (x * x + 3.0 * s * s)).sum()
        return (t["w"] * torch.cosh(t["a"] * (x - t["center"]))).sum()

    def grad(self, x):
        import torch
        t = self.t
        if self.name == "quadratic":
            return t["lam"] * (x - t["center"])
        if self.name == "pl_sine":
            return t["w"] * (2.0 * x + 3.0 * torch.sin(2.0 * x))
        return t["w"] * t["a"] * torch.sinh(t["a"] * (x - t["center"]))

    def value_gap(self, x):
        import torch
        t = self.t
        if self.name == "quadratic":
            r = x - t["center"]
            return 0.5 * (t["lam"] * r * r).sum(dim=1)
        if self.name == "pl_sine":
            s = torch.sin(x)
            return (t["w"] * (x * x + 3.0 * s * s)).sum(dim=1)
        return (t["w"] * torch.cosh(t["a"] * (x - t["center"]))).sum(dim=1) - self.f_star


def torch_optimizer(workload: Workload, params):
    """The torch.optim counterpart of ``workload`` with its hyper-parameters, or None."""
    import torch
    if workload.torch_optimizer == "sgd":
        return torch.optim.SGD(params, lr=workload.schedule.eta0)
    from adaptopt.algorithms import get_algorithm
    hyper = get_algorithm(workload.algorithm).resolved(workload.hyper)
    common = dict(lr=hyper["lr"], betas=(hyper["beta1"], hyper["beta2"]), eps=hyper["eps"],
                  amsgrad=bool(hyper["amsgrad"]))
    if workload.torch_optimizer == "adam":
        return torch.optim.Adam(params, **common)
    if workload.torch_optimizer == "adamw":
        # adaptopt's adamw decays by λ η_t (not multiplied by lr); torch's AdamW by lr η_t λ'.
        return torch.optim.AdamW(params, weight_decay=hyper["weight_decay"] / hyper["lr"], **common)
    raise ValueError(f"unknown torch optimizer {workload.torch_optimizer!r}")


def schedule_multiplier_is_constant(workload: Workload) -> bool:
    """True when torch needs no LR scheduler (a constant schedule)."""
    return workload.schedule is not None and workload.schedule.kind == "constant"


def check_table() -> None:
    """Sanity of the table (run at import by run.py): known rows, cells and tags."""
    for w in WORKLOADS.values():
        unknown = set(w.rows) - set(ROWS)
        if unknown:
            raise ValueError(f"workload {w.name}: unknown rows {sorted(unknown)}")
        for d, s in w.cells + w.quick_cells:
            if d < 1 or s < 1 or not float(d).is_integer():
                raise ValueError(f"workload {w.name}: bad cell {(d, s)}")
        if w.torch_optimizer and "torch_optim" not in w.rows:
            raise ValueError(f"workload {w.name}: torch_optimizer set but no torch_optim row")
        if w.schedule is not None and not math.isfinite(w.schedule.eta0):
            raise ValueError(f"workload {w.name}: bad schedule")
