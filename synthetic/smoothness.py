"""Local smoothness along a trajectory and (L0, L1) envelopes (spec scale_free_and_relaxed_smoothness.md B.8).

Estimator (Zhang, He, Sra, Jadbabaie 2020, ``eval_smooth`` in their released code)
-------------------------------------------------------------------------------------
For a step ``Δ = x_{t+1} − x_t`` and the grid ``α_k = k/(K+1)``, ``k = 1..K`` (``K = 1``: the
midpoint),

.. math::  \\hat L_t = \\max_k \\frac{\\lVert ∇F(x_t + (1−α_k)Δ) − ∇F(x_t)\\rVert}{(1−α_k)\\lVert Δ\\rVert},
           \\qquad G_t = \\lVert ∇F(x_t)\\rVert ,

with exact gradients. For a quadratic ``½ xᵀAx`` it is ``||AΔ||/||Δ||`` for every ``α_k``; for a
twice differentiable ``F`` it is an average of ``∇²F`` over a segment of the step, applied to the
step's direction. Plotting ``L̂_t`` against ``G_t`` and fitting the smallest envelope
``L̂ <= L0 + L1 G`` estimates the (L0, L1) constants that the trajectory experienced.

Block and coordinate-wise variants (spec B.8, for the coordinate-wise condition (S3)): for a
block ``b`` (a layer, or one coordinate),
``L̂_{t,b} = max_k ||∇_b F(x_t + (1−α_k)Δ) − ∇_b F(x_t)|| / ((1−α_k) D)`` against
``G_{t,b} = ||∇_b F(x_t)||`` with ``D = ||Δ||_2`` (``denominator="full"``, the spec's form,
matching (S3)'s ``||x − y||_2``) or ``D = ||Δ_b||_2`` (``denominator="block"``: the curvature of
the block's own step; for a separable ``F`` and single coordinates it is exactly the 1-D local
smoothness of ``f_i``).

Which denominator to fit. With ``"full"``, ``L̂_{t,i} = (|Δ_i|/||Δ||) · (1-D local smoothness)``:
the factor depends on the algorithm, not on ``f``. For sign-like steps it is ``1/√d``; for GD
on a heterogeneous separable objective the stiff coordinates dominate ``Δ`` and the factor of
the others is tiny, so a "full" fit does not return ``(ℓ0_i, ℓ1_i)`` (spec B.8's self-test,
``L1_i ≈ a_i``, only holds with ``"block"``: :func:`cosh_selftest`).

Envelope fit (:func:`fit_envelope`): the smallest affine envelope covering at least a fraction
``coverage`` of the points, by linear programming, or a ``coverage``-quantile regression, plus
Spearman's rank correlation of ``(L̂, G)`` (Zhang et al. observe a positive one along LSTM
trajectories).

Caveat for interpretation. Along a trajectory, ``L̂_t`` measures curvature in the direction
of the step, which changes as the run proceeds: gradient descent on an ill-conditioned
*quadratic* (``L1 = 0``) first steps along stiff directions and ends along flat ones, so ``L̂``
and ``G`` fall together (measured: Spearman ``ρ = 1.0`` and a fitted ``L1 ≈ 0.5`` for
``λ ∈ [0.1, 10]``, d = 10). A positive ``ρ`` or a positive fitted ``L1`` is evidence of
(L0, L1) behaviour only next to an L-smooth control run the same way (``log_cosh``, a
quadratic), or with steps whose directions do not depend on the iterate.

Round-off. ``L̂`` divides a gradient difference by a step; for steps of relative size
``||Δ||/||x|| ~ 1e-8`` or less the difference loses most of its digits. Drop such pairs
before fitting (the estimator itself only refuses zero steps).

References
----------
J. Zhang, T. He, S. Sra, A. Jadbabaie (2020), Why gradient clipping accelerates training: a
theoretical justification for adaptivity, ICLR; code github.com/JingzhaoZhang/why-clipping-accelerates.
M. Crawshaw, M. Liu, F. Orabona, W. Zhang, Z. Zhuang (2022), Robustness to unbounded smoothness of
generalized SignSGD, NeurIPS.
R. Koenker (2005), Quantile Regression, Cambridge University Press (the LP form).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import NamedTuple

import numpy as np
from scipy import optimize, stats

from adaptopt.validation import check_choice, check_in_range, check_positive_int
from synthetic.base import Objective

#: Envelope methods.
METHODS = ("lp", "quantile")
#: Denominators of the block variant.
DENOMINATORS = ("full", "block")
#: A point counts as covered when ``L̂ <= (L0 + L1 G)(1 + COVER_RTOL) + COVER_ATOL · max L̂``.
COVER_RTOL = 1e-9
COVER_ATOL = 1e-12
#: Quantile regression: tolerance on the slope (relative to its bracket) and bracket doublings.
QUANTILE_XATOL = 1e-12
QUANTILE_MAX_DOUBLINGS = 200
#: Self-test: pass when every fitted constant is within this factor of the analytic one (spec B.9 B5).
SELFTEST_FACTOR = 2.0
#: Self-test: start at ``a_i |x_i| = SELFTEST_START`` (gradients ``sinh(4) ≈ 27`` times ``w_i a_i``).
SELFTEST_START = 4.0
#: Self-test: GD step ``η = SELFTEST_STEP_FRACTION / max_i f_i''(x_0)`` (monotone, no overshoot).
SELFTEST_STEP_FRACTION = 0.5
#: Self-test: run until the slowest coordinate has contracted by this factor (linear rate bound).
SELFTEST_CONTRACTION = 1e-2
#: Self-test: cap on the number of GD steps, and pairs kept (all early steps, then log-spaced).
SELFTEST_MAX_STEPS = 200_000
SELFTEST_DENSE_PAIRS = 2_000
SELFTEST_LOG_PAIRS = 2_000


# --------------------------------------------------------------------------------------------
# Result types.


class LocalSmoothness(NamedTuple):
    """Output of :func:`local_smoothness`.

    Attributes
    ----------
    L_hat : ndarray, shape (n,) or (n, B)
        ``L̂_t`` (global) or ``L̂_{t,b}`` (one column per block); NaN where a block did not move
        (``denominator="block"`` and ``Δ_b = 0``).
    G : ndarray, same shape
        ``||∇F(x_t)||`` or ``||∇_b F(x_t)||``.
    blocks : list of (name, start, stop) or None
        The blocks of the columns (None for the global estimate).
    """

    L_hat: np.ndarray
    G: np.ndarray
    blocks: list | None


class TrajectoryPairs(NamedTuple):
    """Consecutive iterates ``(x_t, x_{t+1})`` of a run (:func:`trajectory_pairs`).

    Attributes
    ----------
    x, x_next : ndarray, shape (n, d)
    seed : ndarray of int, shape (n,)
        The seed index (``Result.seeds``) of every pair.
    step : ndarray of int, shape (n,)
        ``t``: ``x`` is the iterate after ``t`` steps.
    n_dropped : int
        Pairs left out because an iterate was not finite (a diverged seed) or the step was 0.
    """

    x: np.ndarray
    x_next: np.ndarray
    seed: np.ndarray
    step: np.ndarray
    n_dropped: int


@dataclass(frozen=True)
class EnvelopeFit:
    """An affine envelope ``L̂ <= L0 + L1 G`` and the rank correlation of the points.

    Attributes
    ----------
    L0, L1 : float
        The envelope (both ``>= 0``), in the units of the data.
    rho : float
        Spearman's ``ρ(L̂, G)`` over the points used (NaN if either is constant).
    coverage : float
        Fraction of the points used that lie under the envelope (``>=`` the requested one).
    n_points : int
        Points used (pairs with a NaN left out).
    method : str
        ``"lp"`` or ``"quantile"``.
    """

    L0: float
    L1: float
    rho: float
    coverage: float
    n_points: int
    method: str

    def envelope(self, G) -> np.ndarray:
        """``L0 + L1 G``."""
        return self.L0 + self.L1 * np.asarray(G, dtype=np.float64)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class CoshSelfTest:
    """Outcome of :func:`cosh_selftest`: fitted versus analytic per-coordinate constants.

    ``L0_fit``/``L1_fit`` are the per-coordinate envelopes, ``L0_expected = w_i a_i²`` and
    ``L1_expected = a_i`` the analytic 1-D pairs; ``passed`` is true when every ratio
    fit/expected lies in ``[1/factor, factor]``. ``rho`` is the Spearman correlation of the
    global ``(L̂_t, G_t)``.
    """

    scales: list
    weights: list
    L0_fit: list
    L1_fit: list
    L0_expected: list
    L1_expected: list
    factor: float
    passed: bool
    rho: float
    n_pairs: int
    eta: float
    steps: int
    denominator: str

    @property
    def L0_ratio(self) -> np.ndarray:
        return np.asarray(self.L0_fit) / np.asarray(self.L0_expected)

    @property
    def L1_ratio(self) -> np.ndarray:
        return np.asarray(self.L1_fit) / np.asarray(self.L1_expected)

    def to_dict(self) -> dict:
        return asdict(self)


# --------------------------------------------------------------------------------------------
# Validation.


def _check_objective(objective) -> Objective:
    if not isinstance(objective, Objective):
        raise TypeError(f"objective must be a synthetic.Objective, got {objective!r} ({type(objective).__name__})")
    return objective


def _points(name: str, value, dim: int) -> np.ndarray:
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of real numbers of shape (n, {dim}) or ({dim},)") from None
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != dim or arr.shape[0] == 0:
        raise ValueError(f"{name} must have shape (n, {dim}) with n >= 1 or ({dim},), got {np.shape(value)}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite values")
    return np.ascontiguousarray(arr)


def coordinate_blocks(dim: int) -> list:
    """One block per coordinate: ``[("x0", 0, 1), ("x1", 1, 2), ...]``."""
    dim = check_positive_int("dim", dim)
    return [(f"x{i}", i, i + 1) for i in range(dim)]


def objective_blocks(objective) -> list:
    """The blocks declared by an objective in ``options["blocks"]`` (networks), as tuples."""
    objective = _check_objective(objective)
    if "blocks" not in objective.options:
        raise ValueError(f"objective {objective.label()} declares no blocks (options['blocks']); pass a list of "
                         f"(name, start, stop) or blocks='coordinates'")
    return _check_blocks(objective.options["blocks"], objective.dim)


def _check_blocks(blocks, dim: int) -> list:
    if not isinstance(blocks, (list, tuple)) or len(blocks) == 0:
        raise ValueError(f"blocks must be a non-empty list of (start, stop) or (name, start, stop), got {blocks!r}")
    out = []
    for j, blk in enumerate(blocks):
        if not isinstance(blk, (list, tuple)) or len(blk) not in (2, 3):
            raise ValueError(f"blocks[{j}] must be (start, stop) or (name, start, stop), got {blk!r}")
        name, start, stop = (f"b{j}", *blk) if len(blk) == 2 else blk
        ok_int = all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in (start, stop))
        if not ok_int or not (0 <= start < stop <= dim):
            raise ValueError(f"blocks[{j}] = {blk!r}: need integers 0 <= start < stop <= d = {dim}")
        out.append((str(name), int(start), int(stop)))
    return out


def _resolve_blocks(blocks, objective: Objective):
    if blocks is None:
        return None
    if isinstance(blocks, str):
        check_choice("blocks", blocks, ("coordinates", "objective"))
        return coordinate_blocks(objective.dim) if blocks == "coordinates" else objective_blocks(objective)
    return _check_blocks(blocks, objective.dim)


# --------------------------------------------------------------------------------------------
# The estimator.


def local_smoothness(objective, x, x_next, *, K: int = 1, blocks=None, denominator: str = "full") -> LocalSmoothness:
    """Zhang et al.'s local smoothness ``L̂_t`` and ``G_t = ||∇F(x_t)||`` for many steps at once.

    .. math::  \\hat L_t = \\max_{k=1..K} \\frac{\\lVert ∇F(x_t + (1−α_k)Δ_t) − ∇F(x_t)\\rVert}
               {(1−α_k)\\lVert Δ_t\\rVert},\\quad α_k = \\frac{k}{K+1},\\quad Δ_t = x_{t+1} − x_t .

    The denominator uses the step actually represented in floating point,
    ``||fl(x_t + (1−α_k)Δ) − x_t||``.

    Parameters
    ----------
    objective : Objective
        Its exact gradient is used (no noise).
    x, x_next : array_like, shape (n, d) or (d,)
        The pairs ``(x_t, x_{t+1})``; every step must be non-zero.
    K : int
        Grid size (``K = 1``: midpoint only, Zhang et al.'s default).
    blocks : None, "coordinates", "objective" or list of (name, start, stop) / (start, stop)
        None: the global estimate. Otherwise one column per block: numerator and ``G`` restricted
        to the block (``∇_b F``); ``"coordinates"``: blocks of size 1; ``"objective"``: the
        blocks of ``objective.options["blocks"]``.
    denominator : {"full", "block"}
        For blocks: ``(1−α_k)||Δ||_2`` (spec B.8, the form of (S3)) or ``(1−α_k)||Δ_b||_2``
        (the block's own step; NaN where ``Δ_b = 0``). Ignored for the global estimate.

    Returns
    -------
    LocalSmoothness
        ``L_hat`` and ``G`` of shape (n,) (global) or (n, B), and the blocks.

    Raises
    ------
    ValueError
        Shapes differ, values are not finite, or some step is zero.
    """
    objective = _check_objective(objective)
    d = objective.dim
    X = _points("x", x, d)
    Y = _points("x_next", x_next, d)
    if X.shape != Y.shape:
        raise ValueError(f"x and x_next must have the same shape, got {X.shape} and {Y.shape}")
    K = check_positive_int("K", K)
    check_choice("denominator", denominator, DENOMINATORS)
    blk = _resolve_blocks(blocks, objective)
    delta = Y - X
    zero = ~np.any(delta != 0.0, axis=1)
    if np.any(zero):
        raise ValueError(f"{int(zero.sum())} of {X.shape[0]} steps are zero (x_next == x): L̂ is undefined there; "
                         f"drop them (trajectory_pairs does)")
    g0 = objective.grad(X)
    slices = [slice(0, d)] if blk is None else [slice(s, e) for _, s, e in blk]
    L_hat = np.full((X.shape[0], len(slices)), np.nan)
    for k in range(1, K + 1):
        frac = 1.0 - k / (K + 1.0)
        Z = X + frac * delta
        step = Z - X
        diff = objective.grad(Z) - g0
        full = np.linalg.norm(step, axis=1)
        for j, sl in enumerate(slices):
            num = np.linalg.norm(diff[:, sl], axis=1)
            den = full if (blk is None or denominator == "full") else np.linalg.norm(step[:, sl], axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(den > 0.0, num / np.where(den > 0.0, den, 1.0), np.nan)
            L_hat[:, j] = np.fmax(L_hat[:, j], ratio)
    G = np.stack([np.linalg.norm(g0[:, sl], axis=1) for sl in slices], axis=1)
    if blk is None:
        return LocalSmoothness(L_hat[:, 0], G[:, 0], None)
    return LocalSmoothness(L_hat, G, blk)


def trajectory_pairs(result) -> TrajectoryPairs:
    """The one-step pairs ``(x_t, x_{t+1})`` of a run recorded with ``record_iterates=True``.

    A pair is formed wherever two consecutive checkpoints are ``t`` and ``t + 1``. For short runs
    use ``checkpoints=range(T + 1)`` (every step; memory ``n_seeds × (T + 1) × d``); for long
    ones, pairs of checkpoints ``(t, t + 1)`` at chosen ``t`` (e.g. log-spaced ``t`` and ``t + 1``).
    Pairs with a non-finite iterate (a diverged seed) or a zero step are dropped and counted.

    Raises
    ------
    ValueError
        The run has no iterates or no two consecutive checkpoints.
    """
    from adaptopt.result import Result

    if not isinstance(result, Result):
        raise TypeError(f"result must be an adaptopt Result, got {type(result).__name__}")
    iterates = result.iterates  # raises ValueError without record_iterates=True
    steps = np.asarray(result.checkpoints, dtype=np.int64)
    js = np.flatnonzero(np.diff(steps) == 1)
    if js.size == 0:
        raise ValueError("no two consecutive checkpoints t, t+1 in this run: record with checkpoints=range(T + 1) "
                         "or include pairs (t, t + 1)")
    X = iterates[:, js, :]
    Y = iterates[:, js + 1, :]
    S, P, d = X.shape
    X = X.reshape(S * P, d)
    Y = Y.reshape(S * P, d)
    seed = np.repeat(np.asarray(result.seeds, dtype=np.int64), P)
    step = np.tile(steps[js], S)
    keep = np.all(np.isfinite(X), axis=1) & np.all(np.isfinite(Y), axis=1) & np.any(X != Y, axis=1)
    return TrajectoryPairs(np.ascontiguousarray(X[keep]), np.ascontiguousarray(Y[keep]), seed[keep], step[keep],
                           int((~keep).sum()))


# --------------------------------------------------------------------------------------------
# Envelopes.


def spearman(L_hat, G) -> float:
    """Spearman's rank correlation ``ρ(L̂, G)``; NaN when either is constant (no warning)."""
    a = np.asarray(L_hat, dtype=np.float64).ravel()
    b = np.asarray(G, dtype=np.float64).ravel()
    if a.size != b.size:
        raise ValueError(f"L_hat and G must have the same size, got {a.size} and {b.size}")
    if a.size < 2 or np.ptp(a) == 0.0 or np.ptp(b) == 0.0:
        return math.nan
    return float(stats.spearmanr(a, b).statistic)


def _data(L_hat, G):
    try:
        lh = np.array(L_hat, dtype=np.float64)
        g = np.array(G, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError("L_hat and G must be arrays of real numbers") from None
    if lh.ndim != 1 or g.shape != lh.shape:
        raise ValueError(f"L_hat and G must be 1-D arrays of the same length, got shapes {lh.shape} and {g.shape}")
    keep = ~(np.isnan(lh) | np.isnan(g))
    lh, g = lh[keep], g[keep]
    if np.any(np.isinf(lh)) or np.any(np.isinf(g)):
        raise ValueError("L_hat and G must not contain inf (NaN pairs are left out)")
    if np.any(lh < 0) or np.any(g < 0):
        raise ValueError("L_hat and G must be non-negative")
    if lh.size < 2:
        raise ValueError(f"need at least 2 points with finite L_hat and G, got {lh.size}")
    return lh, g


def _upper_hull(lh: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Indices of the vertices of the upper convex hull of the points ``(g_j, lh_j)``.

    A line lies above every point if and only if it lies above these vertices (the points lie
    under the hull's upper chain, and a line above two vertices is above the segment between
    them), so the envelope LP needs only them. Andrew's monotone chain, O(n log n).
    """
    order = np.lexsort((-lh, g))  # by g, and the highest point first among equal g
    hull: list[int] = []
    last_g = math.nan
    for j in order:
        if g[j] == last_g:  # a lower point at the same g: never a vertex
            continue
        last_g = g[j]
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            # drop b unless a -> b -> j turns right (clockwise)
            if (g[b] - g[a]) * (lh[j] - lh[a]) - (lh[b] - lh[a]) * (g[j] - g[a]) >= 0.0:
                hull.pop()
            else:
                break
        hull.append(int(j))
    return np.asarray(hull, dtype=np.int64)


def _lp_envelope(lh: np.ndarray, g: np.ndarray, m: float):
    """min L0 + L1 m  s.t.  L0 + L1 g_j >= lh_j,  L0, L1 >= 0 (scaled data; hull vertices only)."""
    idx = _upper_hull(lh, g)
    A = -np.column_stack([np.ones(idx.size), g[idx]])
    res = optimize.linprog(c=[1.0, m], A_ub=A, b_ub=-lh[idx], bounds=[(0.0, None), (0.0, None)], method="highs")
    if res.status != 0:
        raise RuntimeError(f"envelope LP failed: {res.message}")
    return max(float(res.x[0]), 0.0), max(float(res.x[1]), 0.0)


def _check_loss(lh: np.ndarray, g: np.ndarray, tau: float, L1: float):
    """``(min over L0 >= 0 of Σ ρ_τ(lh − L0 − L1 g), its minimiser L0)``.

    For a fixed slope the best intercept is the ``⌈τ n⌉``-th smallest residual ``lh − L1 g``
    (the smallest ``q`` with ``#{r_j <= q} >= τ n``), clipped at 0.
    """
    r = lh - L1 * g
    k = math.ceil(tau * r.size - 1e-9) - 1
    L0 = max(0.0, float(np.partition(r, k)[k]))
    u = r - L0
    return float(np.sum(np.where(u > 0.0, tau * u, (tau - 1.0) * u))), L0


def _quantile_line(lh: np.ndarray, g: np.ndarray, tau: float):
    """τ-quantile regression with ``L0, L1 >= 0``: ``min Σ_j ρ_τ(lh_j − L0 − L1 g_j)``.

    The loss minimised over ``L0 >= 0`` (:func:`_check_loss`) is a convex, piecewise-linear
    function of the slope ``L1`` (partial minimisation of a jointly convex function over a convex
    set). Its minimiser is bracketed by doubling ``L1`` from 1 (the data are scaled to
    ``max = 1``) until the loss stops decreasing, then found by a bounded scalar minimisation to
    ``QUANTILE_XATOL`` (relative). O(n) per evaluation, so it scales to 1e5+ points, where the
    equivalent LP (Koenker 2005; the reference in the tests) takes minutes with HiGHS.
    """
    def loss(L1):
        return _check_loss(lh, g, tau, L1)[0]

    upper, previous = 1.0, loss(0.0)
    for _ in range(QUANTILE_MAX_DOUBLINGS):
        current = loss(upper)
        if current >= previous:
            break
        previous = current
        upper *= 2.0
    res = optimize.minimize_scalar(loss, bounds=(0.0, upper), method="bounded",
                                   options={"xatol": QUANTILE_XATOL * upper, "maxiter": 1000})
    best = min((0.0, float(res.x), upper), key=loss)
    return _check_loss(lh, g, tau, best)[1], best


def _covered(lh, g, L0, L1, scale):
    bound = L0 + L1 * g
    return lh <= bound * (1.0 + COVER_RTOL) + COVER_ATOL * scale


def fit_envelope(L_hat, G, coverage: float = 0.99, method: str = "lp") -> EnvelopeFit:
    """The smallest affine envelope ``L̂ <= L0 + L1 G`` covering at least ``coverage`` of the points.

    Methods
    -------
    ``"lp"``
        With ``m = median(G)`` (the mean if the median is 0),

        .. math::  \\min_{L0, L1 \\ge 0} L0 + L1 m \\quad\\text{s.t.}\\quad \\hat L_j \\le L0 + L1 G_j
                   \\ \\text{for the retained } j

        (``scipy.optimize.linprog``, HiGHS, on the vertices of the upper convex hull of the
        retained points, which carry every active constraint): the envelope lowest at the
        typical gradient norm.
        For ``coverage < 1`` the retained points are all but the ``floor((1 − coverage) n)``
        points with the largest residual ``L̂_j − q(G_j)`` above the ``coverage``-quantile line
        ``q`` (the initial fit). For ``coverage = 1`` every point is retained.
    ``"quantile"``
        The ``coverage``-quantile regression line, ``min Σ_j ρ_τ(L̂_j − L0 − L1 G_j)`` with
        ``τ = coverage < 1`` and ``ρ_τ(r) = r (τ − 1{r < 0})`` (Koenker 2005). It is an LP, but
        with two unknowns it is solved faster as a convex 1-D problem in ``L1`` (the intercept
        is then an order statistic of the residuals); at the optimum at least ``τ n`` points lie
        on or under the line.

    Both results are lifted, if needed, by the solver's tolerance so that the reported coverage
    (counted with ``COVER_RTOL``/``COVER_ATOL``) is at least the requested one. The data are
    scaled by ``max L̂`` and ``max G`` before solving. Pairs with a NaN (blocks that did not
    move) are left out; if every ``G = 0``, ``L1 = 0``.

    Parameters
    ----------
    L_hat, G : array_like, shape (n,)
        Non-negative; n >= 2 after leaving out NaN pairs.
    coverage : float
        In ``(0, 1]`` (``"quantile"``: ``(0, 1)``).
    method : {"lp", "quantile"}

    Returns
    -------
    EnvelopeFit
    """
    check_choice("method", method, METHODS)
    if method == "quantile":
        coverage = check_in_range("coverage", coverage, 0.0, 1.0, low_open=True, high_open=True)
    else:
        coverage = check_in_range("coverage", coverage, 0.0, 1.0, low_open=True)
    lh, g = _data(L_hat, G)
    n = lh.size
    rho = spearman(lh, g)
    sL = float(lh.max())
    if sL == 0.0:
        return EnvelopeFit(0.0, 0.0, rho, 1.0, n, method)
    sG = float(g.max())
    ls = lh / sL
    gs = g / sG if sG > 0 else g
    n_required = math.ceil(coverage * n - 1e-9)
    if sG == 0.0:  # no slope to fit: the required order statistic of L̂
        L0s, L1s = float(np.sort(ls)[n_required - 1]), 0.0
    elif method == "quantile":
        L0s, L1s = _quantile_line(ls, gs, coverage)
    else:
        retained = np.ones(n, dtype=bool)
        n_discard = n - n_required
        if n_discard > 0:
            q0, q1 = _quantile_line(ls, gs, coverage)
            residual = ls - (q0 + q1 * gs)
            retained[np.argsort(residual)[n - n_discard:]] = False
        m = float(np.median(gs))
        if m == 0.0:
            m = float(np.mean(gs))
        L0s, L1s = _lp_envelope(ls[retained], gs[retained], m)
        # lift so that every retained point is covered despite the solver's tolerance
        L0s += max(0.0, float(np.max(ls[retained] - L0s - L1s * gs[retained])))
    # lift to the required number of covered points (only moves by round-off after the LPs)
    residual = np.sort(ls - L0s - L1s * gs)
    L0s += max(0.0, float(residual[n_required - 1]))
    L0 = L0s * sL
    L1 = L1s * sL / sG if sG > 0 else 0.0
    cover = float(np.mean(_covered(lh, g, L0, L1, sL)))
    return EnvelopeFit(float(L0), float(L1), rho, cover, n, method)


def fit_block_envelopes(sample: LocalSmoothness, coverage: float = 0.99, method: str = "lp") -> list:
    """:func:`fit_envelope` for every block (column) of a block-wise :class:`LocalSmoothness`."""
    if not isinstance(sample, LocalSmoothness):
        raise TypeError(f"sample must be a LocalSmoothness, got {type(sample).__name__}")
    if sample.blocks is None:
        return [fit_envelope(sample.L_hat, sample.G, coverage, method)]
    return [fit_envelope(sample.L_hat[:, j], sample.G[:, j], coverage, method) for j in range(len(sample.blocks))]


# --------------------------------------------------------------------------------------------
# Self-test (spec B.8): per-coordinate recovery on Σ w_i cosh(a_i x_i).


def gradient_descent_pairs(objective: Objective, x0: np.ndarray, eta: float, steps: int):
    """Pairs ``(x_t, x_{t+1})`` of plain gradient descent ``x_{t+1} = x_t − η ∇f(x_t)`` (exact
    gradients, a numpy loop): every early pair, then log-spaced ones; pairs that did not move are
    left out. Returns ``(X, Y)``, each of shape (n, d)."""
    xs = np.empty((steps + 1, objective.dim))
    xs[0] = x0
    g = np.empty(objective.dim)
    for t in range(steps):
        objective.grad_fn(xs[t], objective.params, g)
        xs[t + 1] = xs[t] - eta * g
    keep = np.union1d(np.arange(min(steps, SELFTEST_DENSE_PAIRS)),
                      np.unique(np.geomspace(1, steps, SELFTEST_LOG_PAIRS).astype(np.int64)) - 1)
    X, Y = xs[keep], xs[keep + 1]
    moved = np.any(X != Y, axis=1)
    return X[moved], Y[moved]


def cosh_selftest(scales, weights=None, *, pairs=None, coverage: float = 1.0, method: str = "lp",
                  denominator: str = "block", K: int = 1, factor: float = SELFTEST_FACTOR) -> CoshSelfTest:
    """Recover the per-coordinate (ℓ0_i, ℓ1_i) = (w_i a_i², a_i) of ``Σ w_i cosh(a_i x_i)`` (spec B.8).

    Trajectory (unless ``pairs`` is given): gradient descent from ``x_{0,i} = SELFTEST_START/a_i``
    with ``η = SELFTEST_STEP_FRACTION / max_i w_i a_i² cosh(SELFTEST_START)`` (at most half the
    largest curvature met, so each coordinate decreases monotonically to 0), for
    ``T = log(SELFTEST_CONTRACTION)/log(1 − η min_i w_i a_i²)`` steps (capped at
    ``SELFTEST_MAX_STEPS``): the slowest coordinate has then contracted by at least that factor,
    so every coordinate's points span ``G_i`` from ``w_i a_i sinh(4) ≈ 27 w_i a_i`` down to well
    below ``w_i a_i``. Pairs: every one of the first ``SELFTEST_DENSE_PAIRS`` steps and
    ``SELFTEST_LOG_PAIRS`` log-spaced later ones.

    Estimate and fit: coordinate blocks with ``denominator`` (default ``"block"``, see the module
    docstring), one :func:`fit_envelope` per coordinate. Expected: the points lie near
    ``sqrt(ℓ0² + (ℓ1 G)²) <= ℓ0 + ℓ1 G`` (``f'' = w a² cosh``, ``|f'| = w a |sinh|``), so the
    intercept is ``≈ ℓ0`` (points near ``G = 0``) and the slope a chord of that curve,
    ``≈ ℓ1 (√(1 + 27²) − 1)/27 ≈ 0.96 ℓ1``, reduced a little because GD's midpoint lies on the
    flatter side of ``x_t``; within the ``K_c`` factor of spec B.8 for steps ``<= c/a_i``.
    ``coverage = 1`` (exact gradients, no outliers): with 0.99 the few large-``G`` points of the
    stiff coordinates (they converge within a few steps) can all be discarded, which flattens
    the fitted slope.

    Parameters
    ----------
    scales : array_like, shape (d,)
        ``a_i > 0``.
    weights : array_like, shape (d,), optional
        ``w_i > 0`` (default 1).
    pairs : TrajectoryPairs or (x, x_next), optional
        Use these steps (e.g. from ``adaptopt.run(..., record_iterates=True)`` on
        ``synthetic.relaxed.cosh(d, weights, scales)`` with centre 0) instead of GD.
    coverage, method, denominator, K
        Passed to :func:`fit_envelope` and :func:`local_smoothness`.
    factor : float
        Pass criterion (spec B.9 B5: 2).

    Returns
    -------
    CoshSelfTest
    """
    from synthetic.relaxed import cosh as _cosh

    a = np.asarray(scales, dtype=np.float64)
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"scales must be a non-empty 1-D array, got shape {a.shape}")
    d = a.size
    f = _cosh(d, weights=1.0 if weights is None else weights, scales=a, center=0.0)
    w = np.asarray(f.options["weights"])
    factor = check_in_range("factor", factor, 1.0, math.inf, low_open=True)
    l0 = w * a**2
    if pairs is None:
        eta = SELFTEST_STEP_FRACTION / float(np.max(l0 * math.cosh(SELFTEST_START)))
        rate = eta * float(np.min(l0))
        steps = int(min(SELFTEST_MAX_STEPS, math.ceil(math.log(SELFTEST_CONTRACTION) / math.log1p(-rate))))
        X, Y = gradient_descent_pairs(f, SELFTEST_START / a, eta, steps)
    else:
        eta, steps = math.nan, 0
        X, Y = (pairs.x, pairs.x_next) if isinstance(pairs, TrajectoryPairs) else pairs
    per = local_smoothness(f, X, Y, K=K, blocks="coordinates", denominator=denominator)
    fits = fit_block_envelopes(per, coverage, method)
    glob = local_smoothness(f, X, Y, K=K)
    L0_fit = np.array([fit.L0 for fit in fits])
    L1_fit = np.array([fit.L1 for fit in fits])
    ratios = np.concatenate([L0_fit / l0, L1_fit / a])
    passed = bool(np.all((ratios >= 1.0 / factor) & (ratios <= factor)))
    return CoshSelfTest(a.tolist(), w.tolist(), L0_fit.tolist(), L1_fit.tolist(), l0.tolist(), a.tolist(), factor,
                        passed, spearman(glob.L_hat, glob.G), int(np.asarray(X).shape[0]), eta, steps, denominator)
