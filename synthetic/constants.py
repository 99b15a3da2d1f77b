"""Numerical estimators of problem constants: smoothness ``L``, PL ``mu`` and the least curvature.

The objectives of :mod:`synthetic.objectives` carry their constants in closed form; these
estimators measure the same quantities from the objective's exact gradient, so that a documented
constant can be checked (tests, ``adaptopt estimate``) and a user-defined objective can be given
numerical constants (reported with ``source="numerical"``).

Definitions
-----------
For ``f: R^d -> R`` with exact gradient ``grad f`` and a region ``X`` (a box, or the points of a
trajectory):

* **smoothness**: ``L(X) = sup_{x in X} ||Hess f(x)||_2``, the largest absolute eigenvalue of the
  Hessian. For twice differentiable ``f`` on a convex ``X`` this is the best constant in
  ``||grad f(x) - grad f(y)|| <= L ||x - y||`` for ``x, y`` in ``X``; over ``X = R^d`` it is the
  global ``L`` of spec noise_adaptive.md §2.
* **Polyak-Lojasiewicz constant**: ``mu(X) = inf_{x in X, f(x) > f*} ||grad f(x)||^2 / (2 (f(x) - f*))``,
  the largest ``mu`` with ``½ ||grad f||^2 >= mu (f - f*)`` on ``X``. A function is PL when the
  infimum over ``R^d`` is positive; a value that keeps shrinking as ``X`` grows (or as ``X``
  approaches the minimiser) shows that it is not.
* **least curvature**: ``c(X) = inf_{x in X} lambda_min(Hess f(x))``; ``c < 0`` proves that
  ``f`` is not convex on ``X``.

Method
------
The Hessian is never needed in closed form: column ``j`` is the central difference of the exact
gradient, ``(grad f(x + h_j e_j) - grad f(x - h_j e_j)) / (2 h_j)`` with
``h_j = step * max(1, |x_j|)`` (truncation error ``O(h^2)``, round-off ``O(eps / h)``; the
default ``step = 1e-5`` balances them near ``1e-10``). The result is symmetrised and its
eigenvalues come from :func:`numpy.linalg.eigvalsh`.

Over a box the estimators evaluate ``n_points`` uniform random points and, when ``d`` is small
(``d <= GRID_MAX_DIM``), a regular grid with an odd number of nodes per axis (so the centre of a
symmetric box, typically the minimiser, is a node); the best point is then refined by a bounded
Nelder-Mead search (derivative-free: the estimated quantities are themselves finite
differences). A sampled supremum (infimum) is a lower (upper) estimate of the true one; for
one-dimensional or separable problems the fine grid makes it exact to about ``1e-10``. Along a
trajectory (``points``) the quantities are evaluated at the given points only, without
refinement: that is the *local* constant the run actually experienced.

References
----------
H. Karimi, J. Nutini, M. Schmidt (2016), Linear convergence of gradient and proximal-gradient
methods under the Polyak-Lojasiewicz condition, ECML-PKDD (the PL definition and ``x^2 + 3 sin^2 x``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from adaptopt.validation import check_in_range, check_positive_int, check_vector
from synthetic.base import Objective

#: Central-difference step of the Hessian, relative to ``max(1, |x_j|)``.
DEFAULT_STEP = 1e-5
#: Uniform random points evaluated in a box (besides the grid).
DEFAULT_N_POINTS = 10_000
#: Largest dimension for which a box is also covered by a regular grid.
GRID_MAX_DIM = 3
#: Largest number of grid nodes (an odd count per axis, ``k**d <= GRID_BUDGET``).
GRID_BUDGET = 20_001
#: PL: points with ``f(x) - f* < DEFAULT_GAP_FLOOR`` are skipped (the ratio is 0/0 at the minimiser).
DEFAULT_GAP_FLOOR = 1e-12
#: Points processed per block (bounds the memory of the ``(block, d, d)`` Hessian stack).
BLOCK = 2048
#: Nelder-Mead refinement: tolerances on the point and on the value, and evaluations per dimension.
REFINE_XATOL = 1e-10
REFINE_FATOL = 1e-14
REFINE_MAXFEV_PER_DIM = 400


@dataclass(frozen=True, eq=False)
class ConstantEstimate:
    """A numerically estimated constant and where it was attained.

    Attributes
    ----------
    name : str
        ``"L"``, ``"mu_pl"`` or ``"min_curvature"``.
    value : float
        The estimate: a supremum (``L``) or infimum (``mu_pl``, ``min_curvature``) over the
        evaluated points, improved by the refinement when there was one.
    point : ndarray, shape (d,)
        The point attaining ``value`` (argmax for ``L``, argmin otherwise).
    n_points : int
        Number of points evaluated before refinement (grid + random, or trajectory points;
        for ``mu_pl`` the points kept after skipping ``f - f* < gap_floor``).
    method : str
        How the value was obtained (region, step, refinement).
    """

    name: str
    value: float
    point: np.ndarray
    n_points: int
    method: str

    def to_dict(self) -> dict:
        return {"name": self.name, "value": self.value, "point": self.point.tolist(), "n_points": self.n_points,
                "method": self.method}


# --------------------------------------------------------------------------------------------
# Validation.


def _check_objective(objective) -> Objective:
    if not isinstance(objective, Objective):
        raise TypeError(f"objective must be a synthetic.Objective, got {objective!r} ({type(objective).__name__})")
    return objective


def _check_box(box, dim: int):
    if isinstance(box, np.ndarray) and box.ndim >= 1:
        box = list(box)
    if not isinstance(box, (tuple, list)) or len(box) != 2:
        raise ValueError(f"box must be a pair (low, high) of scalars or length-{dim} arrays, got {box!r}")
    try:
        low = np.broadcast_to(np.asarray(box[0], dtype=np.float64), (dim,)).copy()
        high = np.broadcast_to(np.asarray(box[1], dtype=np.float64), (dim,)).copy()
    except (TypeError, ValueError):
        raise ValueError(f"box must be a pair (low, high) of scalars or length-{dim} arrays, got {box!r}") from None
    if not (np.all(np.isfinite(low)) and np.all(np.isfinite(high))):
        raise ValueError(f"box must have finite bounds, got {box!r}")
    if not np.all(low < high):
        raise ValueError(f"box must satisfy low < high in every coordinate, got {box!r}")
    return low, high


def _check_points(points, dim: int) -> np.ndarray:
    try:
        arr = np.array(points, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"points must be an array of real numbers of shape (n, {dim}), got {points!r}") from None
    if arr.ndim == 1 and arr.size == dim:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != dim or arr.shape[0] == 0:
        raise ValueError(f"points must have shape (n, {dim}) with n >= 1, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("points must contain only finite values")
    return np.ascontiguousarray(arr)


def _check_seed(seed) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be a non-negative integer or a numpy.random.Generator, got {seed!r}")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer or a numpy.random.Generator, got {seed!r}")
    return np.random.default_rng(int(seed))


def _check_flag(name: str, value, allow_none: bool = False):
    if value is None and allow_none:
        return None
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool{' or None' if allow_none else ''}, got {value!r}")
    return bool(value)


def _region(objective, points, box, n_points, seed, grid):
    """The points to evaluate and, for a box, its bounds and a typical spacing (for refinement)."""
    d = objective.dim
    if (points is None) == (box is None):
        raise ValueError("give exactly one of points (a trajectory) and box (low, high)")
    if points is not None:
        X = _check_points(points, d)
        return X, None, f"{X.shape[0]} given points"
    low, high = _check_box(box, d)
    n_points = check_positive_int("n_points", n_points)
    rng = _check_seed(seed)
    grid = _check_flag("grid", grid, allow_none=True)
    per_axis = _grid_nodes(d)
    if grid is None:
        grid = d <= GRID_MAX_DIM
    elif grid and per_axis < 3:
        raise ValueError(f"grid=True needs a dimension with at least 3 nodes per axis within GRID_BUDGET="
                         f"{GRID_BUDGET}; d={d} allows {per_axis}")
    parts = [rng.uniform(low, high, size=(n_points, d))]
    spacing = (high - low) / max(n_points ** (1.0 / d), 1.0)
    what = f"{n_points} uniform points"
    if grid:
        axes = [np.linspace(low[j], high[j], per_axis) for j in range(d)]
        mesh = np.meshgrid(*axes, indexing="ij")
        parts.insert(0, np.stack([m.ravel() for m in mesh], axis=1))
        spacing = np.minimum(spacing, (high - low) / (per_axis - 1))
        what = f"a {'x'.join([str(per_axis)] * d)} grid + " + what
    region = np.ascontiguousarray(np.concatenate(parts, axis=0))
    return region, (low, high, spacing), f"{what} in the box [{_fmt(low)}, {_fmt(high)}]"


def _grid_nodes(dim: int) -> int:
    k = int(math.floor(GRID_BUDGET ** (1.0 / dim) + 1e-9))
    while k**dim > GRID_BUDGET:
        k -= 1
    return k if k % 2 == 1 else k - 1


def _fmt(arr: np.ndarray) -> str:
    return f"{arr[0]:g}" if np.all(arr == arr[0]) else "[" + ", ".join(f"{v:g}" for v in arr) + "]"


# --------------------------------------------------------------------------------------------
# Numerics.


def _hessians(objective: Objective, X: np.ndarray, step: float) -> np.ndarray:
    """Symmetrised central-difference Hessians of the exact gradient at the rows of ``X``."""
    n, d = X.shape
    out = np.empty((n, d, d))
    for start in range(0, n, BLOCK):
        block = X[start:start + BLOCK]
        H = out[start:start + BLOCK]
        h = step * np.maximum(1.0, np.abs(block))
        for j in range(d):
            plus = block.copy()
            minus = block.copy()
            plus[:, j] += h[:, j]
            minus[:, j] -= h[:, j]
            width = plus[:, j] - minus[:, j]  # the step actually represented in floating point
            H[:, :, j] = (objective.grad(plus) - objective.grad(minus)) / width[:, None]
        H += np.swapaxes(H, 1, 2)
        H *= 0.5
    return out


def _eigenvalues(objective: Objective, X: np.ndarray, step: float) -> np.ndarray:
    """Eigenvalues (ascending, shape (n, d)) of the estimated Hessians at the rows of ``X``."""
    return np.linalg.eigvalsh(_hessians(objective, X, step))


def _pl_ratios(objective: Objective, X: np.ndarray, f_star: float, gap_floor: float) -> np.ndarray:
    """``||grad f||^2 / (2 (f - f*))`` at the rows of ``X``; NaN where ``f - f* < gap_floor``."""
    gap = np.atleast_1d(objective.value(X)) - f_star
    g = objective.grad(X)
    ratio = np.full(X.shape[0], np.nan)
    keep = gap >= gap_floor
    ratio[keep] = np.einsum("ij,ij->i", g[keep], g[keep]) / (2.0 * gap[keep])
    return ratio


def _refine(fun, x0: np.ndarray, low: np.ndarray, high: np.ndarray, spacing: np.ndarray):
    """Bounded Nelder-Mead from ``x0`` with an initial simplex of the sampling spacing; ``(f, x)``."""
    d = x0.size
    simplex = np.repeat(x0[None, :], d + 1, axis=0)
    for j in range(d):
        delta = min(spacing[j], 0.5 * (high[j] - low[j]))
        simplex[j + 1, j] = x0[j] + delta if x0[j] + delta <= high[j] else x0[j] - delta
    res = optimize.minimize(
        fun, x0, method="Nelder-Mead", bounds=list(zip(low, high)),
        options={"initial_simplex": simplex, "xatol": REFINE_XATOL, "fatol": REFINE_FATOL,
                 "maxfev": REFINE_MAXFEV_PER_DIM * max(d, 2)},
    )
    x = np.clip(np.asarray(res.x, dtype=np.float64), low, high)
    return float(fun(x)), x


def _curvature_estimate(objective, points, box, n_points, seed, step, grid, refine, select):
    """Shared driver of :func:`estimate_smoothness` and :func:`estimate_min_curvature`.

    ``select(eigenvalues) -> scores`` (one per point); the estimate is the *largest* score.
    """
    objective = _check_objective(objective)
    step = check_in_range("step", step, 0.0, 1.0, low_open=True, high_open=True)
    refine = _check_flag("refine", refine)
    X, bounds, where = _region(objective, points, box, n_points, seed, grid)
    scores = select(_eigenvalues(objective, X, step))
    k = int(np.argmax(scores))
    best, point = float(scores[k]), X[k].copy()
    method = f"symmetrised central differences of the exact gradient (step {step:g}) at {where}"
    if refine and bounds is not None:
        low, high, spacing = bounds

        def negative_score(x):
            return -float(select(_eigenvalues(objective, x[None, :], step))[0])

        value, x = _refine(negative_score, point, low, high, spacing)
        if -value > best:
            best, point = -value, x
        method += ", refined by bounded Nelder-Mead"
    return best, point, X.shape[0], method


# --------------------------------------------------------------------------------------------
# Public estimators.


def estimate_smoothness(objective, points=None, box=None, n_points: int = DEFAULT_N_POINTS, seed=0,
                        step: float = DEFAULT_STEP, grid: bool | None = None,
                        refine: bool = True) -> ConstantEstimate:
    """Numerical smoothness constant ``L = sup_x ||Hess f(x)||_2`` over a box or along a trajectory.

    ``||Hess f(x)||_2 = max_i |lambda_i(x)|`` with ``lambda_i`` the eigenvalues of the
    symmetrised central-difference Hessian of ``objective.grad`` (see the module docstring).
    A sampled supremum never exceeds the true one (up to the ``O(step^2)`` difference error), so
    the estimate is a lower bound on the global ``L`` that becomes tight as the sampling refines.

    Parameters
    ----------
    objective : synthetic.Objective
        The function; only its exact gradient is used.
    points : array_like, shape (n, d), optional
        Evaluate along these points (e.g. a trajectory): the local ``L`` actually met.
    box : tuple (low, high), optional
        Evaluate over the box ``low <= x <= high``; ``low`` and ``high`` are scalars or length-d
        arrays with ``low < high``. Exactly one of ``points`` and ``box`` is required.
    n_points : int
        Number of uniform random points in the box (besides the grid); unused along ``points``.
    seed : int or numpy.random.Generator
        Randomness of the uniform points; unused along ``points``.
    step : float
        Relative central-difference step, in ``(0, 1)``.
    grid : bool or None
        Add a regular grid (odd node count per axis, at most ``GRID_BUDGET`` nodes); ``None``
        adds it when ``d <= GRID_MAX_DIM``.
    refine : bool
        Refine the best box point by bounded Nelder-Mead (ignored along ``points``).

    Returns
    -------
    ConstantEstimate
        ``name="L"``, the estimate and its argmax.

    Raises
    ------
    TypeError, ValueError
        For a bad argument; the message names it.
    """

    def spectral_norm(ev):
        return np.maximum(np.abs(ev[:, 0]), np.abs(ev[:, -1]))

    value, point, n, method = _curvature_estimate(objective, points, box, n_points, seed, step, grid, refine,
                                                  spectral_norm)
    return ConstantEstimate("L", value, point, n, method)


def estimate_min_curvature(objective, points=None, box=None, n_points: int = DEFAULT_N_POINTS, seed=0,
                           step: float = DEFAULT_STEP, grid: bool | None = None,
                           refine: bool = True) -> ConstantEstimate:
    """Least curvature ``c = inf_x lambda_min(Hess f(x))`` over a box or along a trajectory.

    A negative value proves that ``f`` is not convex on the region (e.g. ``-4`` for
    ``x^2 + 3 sin^2 x``, attained at ``x = pi/2``); a convex ``f`` gives ``c >= 0`` up to the
    finite-difference error. A sampled infimum is an upper estimate of the true one. Parameters
    as in :func:`estimate_smoothness`.

    Returns
    -------
    ConstantEstimate
        ``name="min_curvature"``, the estimate and its argmin.
    """

    def negated_least(ev):
        return -ev[:, 0]

    value, point, n, method = _curvature_estimate(objective, points, box, n_points, seed, step, grid,
                                                  refine, negated_least)
    return ConstantEstimate("min_curvature", -value, point, n, method)


def estimate_pl(objective, box=None, n_points: int = DEFAULT_N_POINTS, seed=0, exclude_radius: float = 0.0, *,
                points=None, minimizer=None, f_star: float | None = None, gap_floor: float = DEFAULT_GAP_FLOOR,
                grid: bool | None = None, refine: bool = True) -> ConstantEstimate:
    """Numerical PL constant ``mu = inf_x ||grad f(x)||^2 / (2 (f(x) - f*))`` over a box or a trajectory.

    Points with ``f(x) - f* < gap_floor`` are skipped (the ratio is ``0/0`` at a minimiser), and
    so are points with ``||x - minimizer|| < exclude_radius``: excluding a shrinking ball around
    the minimiser shows how the ratio behaves as ``x`` approaches it (it tends to ``0`` for a
    flat minimum such as ``x^4/(1 + x^2)``, so such an ``f`` is not PL). Over a box the best
    point is refined by bounded Nelder-Mead inside the allowed region (which reproduces the
    tight value ``0.17553`` of ``x^2 + 3 sin^2 x`` to about ``1e-9``). A sampled infimum is an
    upper estimate of the true ``mu``.

    Parameters
    ----------
    objective : synthetic.Objective
        The function; its value, exact gradient and ``f*`` are used.
    box : tuple (low, high), optional
        The box ``low <= x <= high`` (scalars or length-d arrays, ``low < high``).
    n_points : int
        Number of uniform random points in the box (besides the grid).
    seed : int or numpy.random.Generator
        Randomness of the uniform points.
    exclude_radius : float
        Skip points within this Euclidean distance of ``minimizer`` (``>= 0``).
    points : array_like, shape (n, d), optional
        Evaluate along these points instead of a box (no refinement). Exactly one of ``box`` and
        ``points`` is required.
    minimizer : array_like, shape (d,), optional
        Centre of the excluded ball (default: the origin, the minimiser of the built-in
        objectives other than a shifted quadratic).
    f_star : float, optional
        ``inf f`` (default ``objective.f_star``).
    gap_floor : float
        Smallest ``f - f*`` at which the ratio is evaluated (``> 0``).
    grid, refine : bool
        As in :func:`estimate_smoothness`.

    Returns
    -------
    ConstantEstimate
        ``name="mu_pl"``, the estimate and its argmin.

    Raises
    ------
    TypeError, ValueError
        For a bad argument (the message names it), or when no evaluated point has
        ``f - f* >= gap_floor`` outside the excluded ball.
    """
    objective = _check_objective(objective)
    d = objective.dim
    exclude_radius = check_in_range("exclude_radius", exclude_radius, 0.0, math.inf)
    gap_floor = check_in_range("gap_floor", gap_floor, 0.0, math.inf, low_open=True)
    f_star = objective.f_star if f_star is None else f_star
    f_star = check_in_range("f_star", f_star, -math.inf, math.inf)
    refine = _check_flag("refine", refine)
    centre = np.zeros(d) if minimizer is None else check_vector("minimizer", minimizer, d)
    X, bounds, where = _region(objective, points, box, n_points, seed, grid)
    if exclude_radius > 0.0:
        X = X[np.linalg.norm(X - centre, axis=1) >= exclude_radius]
    ratios = _pl_ratios(objective, X, f_star, gap_floor) if X.shape[0] else np.empty(0)
    kept = np.isfinite(ratios)
    if not np.any(kept):
        raise ValueError(f"no evaluated point has f - f* >= gap_floor={gap_floor:g} outside the excluded ball "
                         f"of radius {exclude_radius:g}; enlarge the region or lower gap_floor")
    X, ratios = X[kept], ratios[kept]
    k = int(np.argmin(ratios))
    best, point = float(ratios[k]), X[k].copy()
    method = f"inf of ||grad f||^2 / (2 (f - f*)) at {where}, skipping f - f* < {gap_floor:g}"
    if exclude_radius > 0.0:
        method += f" and ||x - minimizer|| < {exclude_radius:g}"
    if refine and bounds is not None:
        low, high, spacing = bounds

        def ratio(x):
            if np.linalg.norm(x - centre) < exclude_radius:
                return math.inf
            r = _pl_ratios(objective, x[None, :], f_star, gap_floor)[0]
            return math.inf if math.isnan(r) else float(r)

        value, x = _refine(ratio, point, low, high, spacing)
        if value < best:
            best, point = value, x
        method += ", refined by bounded Nelder-Mead"
    return ConstantEstimate("mu_pl", best, point, int(X.shape[0]), method)
