"""Statistics for Monte-Carlo convergence data.

Means with confidence intervals, log-log slopes, linear (geometric) rates and upper-bound checks,
in plain numpy/scipy (no Numba: the data are small, the work is a few matrix products).

Data convention
---------------
``values`` is a float64 array of shape ``(n_points, n_seeds)``: row ``i`` belongs to the horizon
(or time) ``x[i]``, column ``j`` to the independent seed ``j``. The grid ``x`` (or ``t``) is
one-dimensional, finite and strictly increasing.

A non-finite entry (NaN, and also +-inf) marks a diverged seed. The fits and the bound check
exclude every seed (column) that has a non-finite entry in the rows they use, and report how many
they excluded in ``n_excluded``. :func:`mean_ci` is the exception: it summarises each row over the
seeds that are finite in that row, and reports the per-row count in ``n_seeds``.

Bootstrap
---------
All intervals called "bootstrap" are percentile intervals (Efron and Tibshirani 1993, ch. 13) over
seeds, the unit of independence. A replicate resamples ``n`` whole seed columns with replacement,
so the correlation between the points of one seed is kept. Reproducibility contract: the
generator is ``numpy.random.default_rng(seed)`` and the resampling indices of a fit are drawn in
one call, ``rng.integers(0, n, size=(n_boot, n))``; equal inputs and seed give bit-identical
intervals. There is no Python loop over replicates: the resampled mean curves of all replicates are
one matrix product (bootstrap counts times values) and all replicate slopes are one closed-form
least-squares expression (:func:`_ols`).

The measurement protocol follows ``shared/spec/noise_adaptive.md`` section 7: a mean and a 95% CI
per horizon, a least-squares slope on the upper half of the grid with the slope between the last
two points, log-corrected fits, a slope tolerance of 0.1 and an upper bound checked at every
horizon.

References
----------
B. Efron and R. J. Tibshirani, *An Introduction to the Bootstrap*, Chapman & Hall, 1993.
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

__all__ = [
    "DEFAULT_N_BOOT",
    "DEFAULT_LEVEL",
    "DEFAULT_SEED",
    "DEFAULT_SLACK",
    "DEFAULT_CI_METHOD",
    "DEFAULT_BOUND_METHOD",
    "DEFAULT_BOUND_JUDGE",
    "DEFAULT_STATISTIC",
    "MIN_N_BOOT",
    "MIN_FIT_POINTS",
    "MIN_SEEDS",
    "WINDOW_UPPER_HALF",
    "STATISTICS",
    "CI_METHODS",
    "BOUND_JUDGES",
    "MeanCI",
    "SlopeFit",
    "SlopeVerdict",
    "LinearRateFit",
    "BoundCheck",
    "mean_ci",
    "fit_slope",
    "fit_linear_rate",
    "check_upper_bound",
    "slope_from_points",
]

# ----------------------------------------------------------------------------------------------
# Named defaults and limits (the one place for this module's tunables)
# ----------------------------------------------------------------------------------------------

#: Bootstrap replicates used when the caller does not say.
DEFAULT_N_BOOT = 2000
#: Two-sided confidence level of every interval.
DEFAULT_LEVEL = 0.95
#: Seed of ``numpy.random.default_rng`` for the bootstrap.
DEFAULT_SEED = 0
#: Multiplier of the theoretical bound in :func:`check_upper_bound`.
DEFAULT_SLACK = 1.0
#: Interval method of :func:`mean_ci`.
DEFAULT_CI_METHOD = "bootstrap"
#: Interval method of :func:`check_upper_bound`.
DEFAULT_BOUND_METHOD = "normal"
#: What :func:`check_upper_bound` compares with the bound.
DEFAULT_BOUND_JUDGE = "ucl"
#: Centre of the seeds at each point in the fits.
DEFAULT_STATISTIC = "mean"
#: Fewest bootstrap replicates accepted (percentile tails need a few hundred to be stable).
MIN_N_BOOT = 100
#: Fewest grid points a fit accepts inside its window.
MIN_FIT_POINTS = 3
#: Fewest (finite) seeds accepted per point: a standard deviation needs two.
MIN_SEEDS = 2
#: ``window`` value selecting the upper half of the grid, the last ``ceil(n_points / 2)`` points.
WINDOW_UPPER_HALF = "upper_half"
#: Accepted ``statistic`` values.
STATISTICS = ("mean", "median")
#: Accepted ``method`` values.
CI_METHODS = ("bootstrap", "normal")
#: Accepted ``judge`` values.
BOUND_JUDGES = ("ucl", "mean")
# Largest number of float64 elements gathered at once by the median bootstrap (32 MiB).
_MAX_GATHER_ELEMENTS = 2**22


# ----------------------------------------------------------------------------------------------
# Result types
# ----------------------------------------------------------------------------------------------


def _to_builtin(obj: Any) -> Any:
    """Convert numpy arrays/scalars, tuples and nested containers to plain Python types."""
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, (tuple, list)):
        return [_to_builtin(item) for item in obj]
    if isinstance(obj, dict):
        return {str(key): _to_builtin(item) for key, item in obj.items()}
    return obj


class _ToDict:
    """Mixin: ``to_dict()`` for frozen dataclasses, JSON-serialisable plain Python types."""

    def to_dict(self) -> dict[str, Any]:
        """Return the fields as a dict of plain Python types (lists, floats, ints, str, None)."""
        return {f.name: _to_builtin(getattr(self, f.name)) for f in dataclasses.fields(self)}


def _frozen_array(a: np.ndarray) -> np.ndarray:
    out = np.array(a, copy=True)
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False)
class MeanCI(_ToDict):
    """Per-point mean of the seeds with a two-sided confidence interval.

    Attributes
    ----------
    mean, lower, upper : ndarray, shape (n_points,)
        Sample mean over the finite seeds of each row and the interval ends.
    n_seeds : ndarray of int, shape (n_points,)
        Number of finite seeds used in each row.
    level : float
        Two-sided confidence level.
    method : str
        ``"bootstrap"`` or ``"normal"``.
    n_boot : int
        Bootstrap replicates per row (recorded for provenance; unused by ``"normal"``).
    seed : int
        Seed of ``numpy.random.default_rng`` (recorded; unused by ``"normal"``).
    """

    mean: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    n_seeds: np.ndarray
    level: float
    method: str
    n_boot: int
    seed: int


@dataclass(frozen=True)
class SlopeVerdict(_ToDict):
    """Verdict of a slope against a predicted exponent.

    ``passes`` judges the point estimate, ``|measured - expected| <= tol``; the interval
    ``[ci_low, ci_high]`` and ``ci_overlaps`` are evidence reported beside it.
    """

    passes: bool
    measured: float
    expected: float
    tol: float
    ci_low: float
    ci_high: float
    level: float
    ci_overlaps: bool


@dataclass(frozen=True)
class SlopeFit(_ToDict):
    r"""Least-squares log-log slope with a bootstrap interval over seeds.

    The fitted model is :math:`\log s_i = a + b\,\log u(x_i)`, where :math:`s_i` is the statistic
    (mean or median) over the kept seeds at point :math:`i` and :math:`u` is the identity or the
    caller's transform. See :func:`fit_slope`.

    Attributes
    ----------
    slope, intercept : float
        :math:`b` and :math:`a`.
    ci_low, ci_high : float
        Percentile bootstrap interval of the slope at ``level``.
    level : float
        Two-sided confidence level of the interval.
    n_points : int
        Grid points inside the window.
    window : tuple of float
        ``(x[first], x[last])``: the x range actually used.
    n_seeds, n_excluded : int
        Seeds used, and seeds excluded for a non-finite entry inside the window.
    last_two_slope : float
        :math:`(\log s_{m} - \log s_{m-1}) / (\log u(x_m) - \log u(x_{m-1}))` over the last two
        points of the window.
    residual_rms : float
        Root mean square of the residuals of the fit, in natural-log units.
    statistic : str
        ``"mean"`` or ``"median"``.
    regressor : str
        ``"log(x)"`` or ``"log(<name>(x))"`` for a transform.
    n_boot, seed : int
        Bootstrap replicates and generator seed.
    """

    slope: float
    intercept: float
    ci_low: float
    ci_high: float
    level: float
    n_points: int
    window: tuple[float, float]
    n_seeds: int
    n_excluded: int
    last_two_slope: float
    residual_rms: float
    statistic: str
    regressor: str
    n_boot: int
    seed: int

    def within(self, expected: float, tol: float) -> bool:
        """Return ``|slope - expected| <= tol``, judged on the point estimate."""
        expected, tol = _validate_expected_tol(expected, tol)
        return bool(abs(self.slope - expected) <= tol)

    def ci_overlaps(self, expected: float, tol: float) -> bool:
        """Return whether ``[ci_low, ci_high]`` meets ``[expected - tol, expected + tol]``."""
        expected, tol = _validate_expected_tol(expected, tol)
        return bool(self.ci_low <= expected + tol and self.ci_high >= expected - tol)

    def ci_contains(self, value: float) -> bool:
        """Return ``ci_low <= value <= ci_high``."""
        value = _validate_real(value, "value")
        return bool(self.ci_low <= value <= self.ci_high)

    def verdict(self, expected: float, tol: float) -> SlopeVerdict:
        """Judge the slope against a predicted exponent.

        Parameters
        ----------
        expected : float
            Predicted exponent (e.g. -1/2).
        tol : float
            Allowed absolute deviation, >= 0 (the protocol suggests 0.1).

        Returns
        -------
        SlopeVerdict
            ``passes`` iff ``|slope - expected| <= tol``. The point estimate is judged; the
            confidence interval is reported as evidence (``ci_low``, ``ci_high``,
            ``ci_overlaps``), because with many seeds a CI excludes every exponent that the
            finite-T log factors shift by a little, and with few seeds it includes everything.
        """
        expected, tol = _validate_expected_tol(expected, tol)
        return SlopeVerdict(
            passes=self.within(expected, tol),
            measured=self.slope,
            expected=expected,
            tol=tol,
            ci_low=self.ci_low,
            ci_high=self.ci_high,
            level=self.level,
            ci_overlaps=self.ci_overlaps(expected, tol),
        )


@dataclass(frozen=True)
class LinearRateFit(_ToDict):
    r"""Least-squares semilog fit :math:`\log s_i = a + b\,r_i`, :math:`r_i = t_i` or a transform.

    See :func:`fit_linear_rate`.

    Attributes
    ----------
    slope : float
        :math:`b`, the log-decrease per unit of the regressor (per step when ``r = t``);
        negative for convergence.
    contraction : float
        :math:`e^{b}`, the error factor per unit of the regressor.
    ci_low, ci_high : float
        Percentile bootstrap interval of the slope at ``level``.
    intercept : float
        :math:`a`.
    level : float
        Two-sided confidence level.
    n_points : int
        Grid points inside the window.
    window : tuple of float
        ``(t[first], t[last])``: the t range actually used.
    n_seeds, n_excluded : int
        Seeds used, and seeds excluded for a non-finite entry inside the window.
    residual_rms : float
        Root mean square of the residuals, in natural-log units.
    r2 : float
        Coefficient of determination :math:`1 - \sum_i e_i^2 / \sum_i (\log s_i -
        \overline{\log s})^2` (1 when the log-statistic is constant and so fitted exactly):
        how close the data are to a straight line in these coordinates.
    statistic : str
        ``"mean"`` or ``"median"``.
    regressor : str
        ``"t"`` or ``"<name>(t)"``.
    n_boot, seed : int
        Bootstrap replicates and generator seed.
    """

    slope: float
    contraction: float
    ci_low: float
    ci_high: float
    intercept: float
    level: float
    n_points: int
    window: tuple[float, float]
    n_seeds: int
    n_excluded: int
    residual_rms: float
    r2: float
    statistic: str
    regressor: str
    n_boot: int
    seed: int

    @property
    def contraction_ci(self) -> tuple[float, float]:
        """``(exp(ci_low), exp(ci_high))``: the interval of the contraction factor."""
        return (float(np.exp(self.ci_low)), float(np.exp(self.ci_high)))

    def at_least_as_fast_as(self, rate: float) -> bool:
        """Return ``contraction <= rate`` (i.e. ``slope <= log(rate)``), on the point estimate.

        Parameters
        ----------
        rate : float
            Contraction factor per unit of the regressor, > 0 (e.g. ``exp(-mu * eta0 / 2)``).
        """
        return bool(self.slope <= np.log(_validate_rate(rate)))

    def at_least_as_fast_as_ci(self, rate: float) -> bool:
        """Return ``exp(ci_high) <= rate``: even the slow end of the interval is fast enough."""
        return bool(self.ci_high <= np.log(_validate_rate(rate)))


@dataclass(frozen=True, eq=False)
class BoundCheck(_ToDict):
    """Comparison of the measured mean with a theoretical upper bound at every point.

    Attributes
    ----------
    holds : bool
        ``all(judged <= slack * bound)``.
    x : ndarray
        The grid.
    mean, ucl : ndarray
        Mean over the kept seeds and the upper end of its two-sided ``level`` interval.
    bound : ndarray
        The theoretical bound.
    ratio : ndarray
        ``judged / bound`` per point, where ``judged`` is ``ucl`` or ``mean`` (see ``judge``).
    worst_index : int
        ``argmax(ratio)``; ``worst_x`` and ``worst_ratio`` are its grid value and ratio.
    slack : float
        The bound is relaxed to ``slack * bound``.
    judge, method : str
        ``"ucl"`` or ``"mean"``; ``"normal"`` or ``"bootstrap"``.
    level : float
        Two-sided confidence level of ``ucl``.
    n_seeds, n_excluded : int
        Seeds used; seeds excluded for a non-finite entry (divergence).
    """

    holds: bool
    x: np.ndarray
    mean: np.ndarray
    ucl: np.ndarray
    bound: np.ndarray
    ratio: np.ndarray
    worst_index: int
    worst_x: float
    worst_ratio: float
    slack: float
    judge: str
    method: str
    level: float
    n_seeds: int
    n_excluded: int


# ----------------------------------------------------------------------------------------------
# Validation (public functions validate; private helpers trust their inputs)
# ----------------------------------------------------------------------------------------------


def _is_real_scalar(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))


def _validate_real(v: Any, name: str) -> float:
    if not _is_real_scalar(v):
        raise TypeError(f"{name} must be a real number, got {v!r}")
    v = float(v)
    if not np.isfinite(v):
        raise ValueError(f"{name} must be finite, got {v!r}")
    return v


def _validate_expected_tol(expected: Any, tol: Any) -> tuple[float, float]:
    expected = _validate_real(expected, "expected")
    tol = _validate_real(tol, "tol")
    if tol < 0:
        raise ValueError(f"tol must be >= 0, got {tol!r}")
    return expected, tol


def _validate_rate(rate: Any) -> float:
    rate = _validate_real(rate, "rate")
    if rate <= 0:
        raise ValueError(f"rate must be a contraction factor in (0, inf), got {rate!r}")
    return rate


def _validate_level(level: Any) -> float:
    if not _is_real_scalar(level):
        raise TypeError(f"level must be a real number in (0, 1), got {level!r}")
    level = float(level)
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie in the open interval (0, 1), got {level!r}")
    return level


def _validate_n_boot(n_boot: Any) -> int:
    if not isinstance(n_boot, numbers.Integral) or isinstance(n_boot, (bool, np.bool_)):
        raise TypeError(f"n_boot must be an integer >= {MIN_N_BOOT}, got {n_boot!r}")
    if n_boot < MIN_N_BOOT:
        raise ValueError(f"n_boot must be an integer >= {MIN_N_BOOT}, got {n_boot!r}")
    return int(n_boot)


def _validate_seed(seed: Any) -> int:
    if not isinstance(seed, numbers.Integral) or isinstance(seed, (bool, np.bool_)):
        raise TypeError(f"seed must be a non-negative integer, got {seed!r}")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def _validate_choice(value: Any, name: str, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
    return value


def _as_float_array(a: Any, name: str) -> np.ndarray:
    if np.iscomplexobj(a):
        raise TypeError(f"{name} must be real, got a complex array")
    try:
        arr = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be convertible to a float64 array: {exc}") from None
    return np.ascontiguousarray(arr)


def _validate_values(values: Any) -> np.ndarray:
    arr = _as_float_array(values, "values")
    if arr.ndim != 2:
        raise ValueError(
            f"values must be a 2-D array of shape (n_points, n_seeds), got ndim={arr.ndim} "
            f"(shape {arr.shape}); use values[:, None] for a single seed"
        )
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(f"values must have at least one point and one seed, got shape {arr.shape}")
    return arr


def _validate_grid(x: Any, name: str, n_points: int, positive: bool) -> np.ndarray:
    arr = _as_float_array(x, name)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array, got shape {arr.shape}")
    if arr.shape[0] != n_points:
        raise ValueError(
            f"{name} must have one entry per row of values ({n_points}), got {arr.shape[0]}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite everywhere")
    if arr.shape[0] > 1 and not np.all(np.diff(arr) > 0):
        raise ValueError(f"{name} must be strictly increasing")
    if positive and not np.all(arr > 0):
        raise ValueError(
            f"{name} must be > 0 everywhere (its log is taken), min is {float(arr.min())!r}"
        )
    return arr


def _window_slice(x: np.ndarray, window: Any) -> slice:
    """Rows of the strictly increasing grid ``x`` inside ``window``; at least MIN_FIT_POINTS."""
    n = x.shape[0]
    if window is None:
        sl = slice(0, n)
    elif isinstance(window, str):
        if window != WINDOW_UPPER_HALF:
            raise ValueError(
                f"window must be None, {WINDOW_UPPER_HALF!r} or a pair (x_lo, x_hi), got {window!r}"
            )
        sl = slice(n // 2, n)
    else:
        try:
            lo, hi = window
        except (TypeError, ValueError):
            raise ValueError(
                f"window must be None, {WINDOW_UPPER_HALF!r} or a pair (x_lo, x_hi), got {window!r}"
            ) from None
        if not (_is_real_scalar(lo) and _is_real_scalar(hi)) or np.isnan(lo) or np.isnan(hi):
            raise ValueError(f"window must hold two real, non-NaN numbers, got {window!r}")
        if lo > hi:
            raise ValueError(f"window must satisfy x_lo <= x_hi, got {window!r}")
        start = int(np.searchsorted(x, lo, side="left"))
        stop = int(np.searchsorted(x, hi, side="right"))
        sl = slice(start, stop)
    count = sl.stop - sl.start
    if count < MIN_FIT_POINTS:
        raise ValueError(
            f"window must contain at least {MIN_FIT_POINTS} grid points of the data "
            f"(grid range [{float(x[0])!r}, {float(x[-1])!r}]), got {count} for window={window!r}"
        )
    return sl


def _kept_seeds(block: np.ndarray) -> tuple[np.ndarray, int]:
    """Drop seeds with a non-finite entry; return the kept columns and the number dropped."""
    finite_cols = np.all(np.isfinite(block), axis=0)
    n_excluded = int(block.shape[1] - np.count_nonzero(finite_cols))
    kept = np.ascontiguousarray(block[:, finite_cols])
    if kept.shape[1] < MIN_SEEDS:
        raise ValueError(
            f"values must keep at least {MIN_SEEDS} seeds without NaN/inf in the rows used; "
            f"{n_excluded} of {block.shape[1]} seeds are non-finite (diverged)"
        )
    return kept, n_excluded


def _regressor_from_transform(
    x: np.ndarray, transform: Callable[[np.ndarray], Any], log: bool
) -> np.ndarray:
    """Apply the caller's transform to the window's grid; optionally take the log."""
    u = _as_float_array(transform(x.copy()), "x_transform")
    if u.shape != x.shape:
        raise ValueError(
            f"x_transform must map an array of shape {x.shape} to the same shape, got {u.shape}"
        )
    if not np.all(np.isfinite(u)):
        raise ValueError("x_transform must return finite values on the window")
    if log:
        if not np.all(u > 0):
            raise ValueError(
                "x_transform must return values > 0 on the window (their log is taken)"
            )
        u = np.log(u)
    d = np.diff(u)
    if not (np.all(d > 0) or np.all(d < 0)):
        raise ValueError("x_transform must be strictly monotone on the window")
    return u


def _transform_name(transform: Callable[..., Any]) -> str:
    name = getattr(transform, "__qualname__", None) or getattr(transform, "__name__", None)
    return name or repr(transform)


# ----------------------------------------------------------------------------------------------
# Arithmetic (trusting its inputs)
# ----------------------------------------------------------------------------------------------


def _ols(r: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Closed-form ordinary least squares of ``y`` on ``r``, vectorised over leading axes of y.

    .. math::
        b = \frac{\sum_i (r_i - \bar r)(y_i - \bar y)}{\sum_i (r_i - \bar r)^2},
        \qquad a = \bar y - b\,\bar r .

    Parameters
    ----------
    r : ndarray, shape (n,)
        Regressor, not constant.
    y : ndarray, shape (..., n)
        Responses; each slice ``y[k]`` is fitted separately.

    Returns
    -------
    slope, intercept : ndarray, shape (...)
    """
    r_bar = r.mean()
    rc = r - r_bar
    y_bar = y.mean(axis=-1)
    slope = ((y - y_bar[..., None]) @ rc) / (rc @ rc)
    intercept = y_bar - slope * r_bar
    return slope, intercept


def _center(kept: np.ndarray, statistic: str) -> np.ndarray:
    """Mean or median over seeds (axis 1)."""
    if statistic == "mean":
        return kept.mean(axis=1)
    return np.median(kept, axis=1)


def _bootstrap_centers(kept: np.ndarray, statistic: str, n_boot: int, seed: int) -> np.ndarray:
    r"""Statistic curves of ``n_boot`` seed resamples, shape ``(n_boot, n_points)``.

    ``idx = default_rng(seed).integers(0, n, size=(n_boot, n))`` picks whole seed columns. For the
    mean, replicate ``k`` is :math:`\bar s^{(k)}_i = \frac1n \sum_j c_{kj} v_{ij}` with
    :math:`c_{kj}` the number of times seed ``j`` appears in ``idx[k]``: one matrix product. The
    median gathers the resampled columns in blocks of replicates to bound memory.
    """
    n_points, n = kept.shape
    idx = np.random.default_rng(seed).integers(0, n, size=(n_boot, n))
    if statistic == "mean":
        flat = (idx + n * np.arange(n_boot)[:, None]).ravel()
        counts = np.bincount(flat, minlength=n_boot * n).reshape(n_boot, n).astype(np.float64)
        return (counts @ kept.T) / n
    out = np.empty((n_boot, n_points))
    block = max(1, _MAX_GATHER_ELEMENTS // (n * n_points))
    for start in range(0, n_boot, block):  # blocks of replicates, for memory only
        sub = idx[start : start + block]
        out[start : start + block] = np.median(kept[:, sub], axis=2).T
    return out


def _log_statistic_fit(
    r: np.ndarray, kept: np.ndarray, statistic: str, n_boot: int, level: float, seed: int
) -> dict[str, float]:
    """Fit log(statistic over seeds) on r; bootstrap the slope. Shared by both fits."""
    center = _center(kept, statistic)
    if not np.all(center > 0):
        i = int(np.argmin(center))
        raise ValueError(
            f"values must have a {statistic} > 0 at every point of the window (its log is "
            f"taken); the {statistic} at row {i} of the window is {float(center[i])!r}"
        )
    log_center = np.log(center)
    slope, intercept = _ols(r, log_center)
    resid = log_center - (intercept + slope * r)
    ss_res = float(resid @ resid)
    dev = log_center - log_center.mean()
    ss_tot = float(dev @ dev)

    boot = _bootstrap_centers(kept, statistic, n_boot, seed)
    bad = np.count_nonzero(~np.all(boot > 0, axis=1))
    if bad:
        raise ValueError(
            f"values: {bad} of {n_boot} bootstrap resamples have a {statistic} of 0 at some "
            "point, so its log is undefined; remove exact zeros or use statistic='mean'"
        )
    boot_slopes, _ = _ols(r, np.log(boot))
    alpha = 1.0 - level
    ci_low, ci_high = np.quantile(boot_slopes, [alpha / 2.0, 1.0 - alpha / 2.0])
    return {
        "slope": float(slope),
        "intercept": float(intercept),
        "ci_low": float(ci_low),
        "ci_high": float(ci_high),
        "residual_rms": float(np.sqrt(ss_res / r.shape[0])),
        "r2": 1.0 if ss_tot == 0.0 else float(1.0 - ss_res / ss_tot),
        "last_two_slope": float((log_center[-1] - log_center[-2]) / (r[-1] - r[-2])),
    }


def _row_intervals(
    values: np.ndarray, level: float, method: str, n_boot: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-row mean and interval over the finite entries of each row."""
    finite = np.isfinite(values)
    n_seeds = finite.sum(axis=1)
    if np.any(n_seeds < MIN_SEEDS):
        i = int(np.argmin(n_seeds))
        raise ValueError(
            f"values must have at least {MIN_SEEDS} finite seeds in every row; row {i} has "
            f"{int(n_seeds[i])}"
        )
    n_points = values.shape[0]
    mean = np.empty(n_points)
    lower = np.empty(n_points)
    upper = np.empty(n_points)
    alpha = 1.0 - level
    if method == "normal":
        z = float(stats.norm.ppf(1.0 - alpha / 2.0))
    else:
        rng = np.random.default_rng(seed)
    for i in range(n_points):  # rows (a handful), not replicates
        row = values[i, finite[i]]
        m = row.shape[0]
        mean[i] = row.mean()
        if method == "normal":
            half = z * row.std(ddof=1) / np.sqrt(m)
            lower[i], upper[i] = mean[i] - half, mean[i] + half
        else:
            idx = rng.integers(0, m, size=(n_boot, m))
            boot_means = row[idx].mean(axis=1)
            lower[i], upper[i] = np.quantile(boot_means, [alpha / 2.0, 1.0 - alpha / 2.0])
    return mean, lower, upper, n_seeds


# ----------------------------------------------------------------------------------------------
# Public functions
# ----------------------------------------------------------------------------------------------


def slope_from_points(x: Any, y: Any) -> tuple[float, float]:
    r"""Closed-form least-squares line through ``(log x, log y)``.

    .. math::
        b = \frac{\sum_i (\ell_i - \bar\ell)(\log y_i - \overline{\log y})}
                 {\sum_i (\ell_i - \bar\ell)^2},\quad \ell_i = \log x_i,
        \qquad a = \overline{\log y} - b\,\bar\ell .

    Parameters
    ----------
    x, y : array_like, shape (n,)
        Positive, finite; ``n >= 2`` and ``x`` not constant. Order does not matter.

    Returns
    -------
    slope, intercept : float
        ``b`` and ``a`` of :math:`\log y \approx a + b \log x`.
    """
    xa = _as_float_array(x, "x")
    ya = _as_float_array(y, "y")
    if xa.ndim != 1 or ya.ndim != 1:
        raise ValueError(f"x and y must be 1-D, got shapes {xa.shape} and {ya.shape}")
    if xa.shape != ya.shape:
        raise ValueError(f"y must have the shape of x {xa.shape}, got {ya.shape}")
    if xa.shape[0] < 2:
        raise ValueError(f"x must hold at least 2 points, got {xa.shape[0]}")
    for name, a in (("x", xa), ("y", ya)):
        if not np.all(np.isfinite(a)) or not np.all(a > 0):
            raise ValueError(f"{name} must be finite and > 0 everywhere (its log is taken)")
    lx = np.log(xa)
    if np.all(lx == lx[0]):
        raise ValueError("x must not be constant")
    slope, intercept = _ols(lx, np.log(ya))
    return float(slope), float(intercept)


def mean_ci(
    values: Any,
    level: float = DEFAULT_LEVEL,
    method: str = DEFAULT_CI_METHOD,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
) -> MeanCI:
    r"""Mean over seeds at each point with a two-sided confidence interval.

    For row :math:`i` let :math:`v_{i1}, \dots, v_{im}` be its finite entries (:math:`m = m_i`).
    The estimate is :math:`\bar v_i = \frac1m \sum_j v_{ij}`. With :math:`\alpha = 1 - `
    ``level``:

    * ``method="normal"``: :math:`\bar v_i \pm z_{1-\alpha/2}\, s_i / \sqrt{m}`, with :math:`s_i`
      the sample standard deviation (``ddof=1``) and :math:`z` the standard normal quantile
      (1.96 at 95%);
    * ``method="bootstrap"``: the :math:`\alpha/2` and :math:`1-\alpha/2` quantiles of
      ``n_boot`` means of resamples of size :math:`m` drawn with replacement from the row's
      finite entries (percentile interval). Rows are resampled independently, one after the
      other, from one ``default_rng(seed)`` stream.

    Parameters
    ----------
    values : array_like, shape (n_points, n_seeds)
        One row per horizon, one column per seed; non-finite entries are skipped row by row.
    level : float, default DEFAULT_LEVEL
        Confidence level in (0, 1).
    method : {"bootstrap", "normal"}, default DEFAULT_CI_METHOD
    n_boot : int, default DEFAULT_N_BOOT
        Bootstrap replicates, >= MIN_N_BOOT.
    seed : int, default DEFAULT_SEED
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    MeanCI

    Raises
    ------
    ValueError
        If a row has fewer than MIN_SEEDS finite seeds, or an argument is out of range.
    """
    arr = _validate_values(values)
    level = _validate_level(level)
    method = _validate_choice(method, "method", CI_METHODS)
    n_boot = _validate_n_boot(n_boot)
    seed = _validate_seed(seed)
    mean, lower, upper, n_seeds = _row_intervals(arr, level, method, n_boot, seed)
    return MeanCI(
        mean=_frozen_array(mean),
        lower=_frozen_array(lower),
        upper=_frozen_array(upper),
        n_seeds=_frozen_array(n_seeds.astype(np.int64)),
        level=level,
        method=method,
        n_boot=n_boot,
        seed=seed,
    )


def fit_slope(
    x: Any,
    values: Any,
    window: Any = None,
    x_transform: str | Callable[[np.ndarray], Any] = "log",
    n_boot: int = DEFAULT_N_BOOT,
    level: float = DEFAULT_LEVEL,
    seed: int = DEFAULT_SEED,
    statistic: str = DEFAULT_STATISTIC,
) -> SlopeFit:
    r"""Log-log slope of a Monte-Carlo convergence curve, with a bootstrap interval over seeds.

    Let :math:`W` be the grid points inside the window and :math:`s_i` the statistic (mean or
    median) over the kept seeds at :math:`x_i`. The slope :math:`b` and intercept :math:`a`
    minimise

    .. math::
        \sum_{i \in W} \bigl(\log s_i - a - b\,\ell_i\bigr)^2,
        \qquad \ell_i = \log u(x_i),

    where :math:`u(x) = x` for ``x_transform="log"`` and :math:`u` is the caller's function
    otherwise. A metric behaving like :math:`C x^p` gives :math:`b \approx p`.

    **Log-corrected fits.** For a rate such as :math:`\ln^2(T/\beta)/T`, pass
    ``x_transform=lambda T: np.log(T / beta) ** 2 / T``: the regression is then of
    :math:`\log s` on :math:`\log(\ln^2(T/\beta)/T)` and the expected slope is **1**. The
    transform maps x to the regressor *before* the log; it is applied to the window's points only
    and must be finite, > 0 and strictly monotone there.

    **Interval.** ``ci_low, ci_high`` are the :math:`\alpha/2` and :math:`1-\alpha/2` quantiles
    (:math:`\alpha = 1-` ``level``) of the slopes of ``n_boot`` replicates. A replicate resamples
    the kept seed columns with replacement, recomputes every :math:`s_i` and refits; whole columns
    are resampled, so the correlation between the points of one seed is kept.

    **Divergence.** A seed with a NaN (or inf) in any row of the window is excluded and counted in
    ``n_excluded``; NaNs outside the window do not matter.

    Parameters
    ----------
    x : array_like, shape (n_points,)
        Horizons, finite and strictly increasing (> 0 when ``x_transform="log"``).
    values : array_like, shape (n_points, n_seeds)
        Non-negative metric per horizon and seed; NaN marks a diverged seed.
    window : None, "upper_half" or (x_lo, x_hi), default None
        Points with ``x_lo <= x <= x_hi`` (inclusive); None uses all points, ``"upper_half"``
        the last ``ceil(n_points / 2)`` (the protocol's asymptotic regime). At least
        MIN_FIT_POINTS points must fall inside.
    x_transform : "log" or callable, default "log"
        ``"log"`` regresses on ``log x``; a callable ``u`` regresses on ``log u(x)``.
    n_boot : int, default DEFAULT_N_BOOT
        Bootstrap replicates, >= MIN_N_BOOT.
    level : float, default DEFAULT_LEVEL
        Confidence level in (0, 1).
    seed : int, default DEFAULT_SEED
        Seed of ``numpy.random.default_rng``; the same seed gives the same interval.
    statistic : {"mean", "median"}, default DEFAULT_STATISTIC
        Centre of the seeds at each point. The theorems bound expectations: use the mean to check
        them; the median is a robustness diagnostic.

    Returns
    -------
    SlopeFit
        Judge it with :meth:`SlopeFit.verdict` (point estimate within a tolerance; interval
        reported as evidence).

    Raises
    ------
    ValueError
        Naming the parameter: shapes, non-finite or non-increasing ``x``, a window with fewer than
        MIN_FIT_POINTS points, negative values or a statistic <= 0 (``values``), fewer than
        MIN_SEEDS finite seeds, ``n_boot`` < MIN_N_BOOT, ``level`` outside (0, 1).
    """
    arr = _validate_values(values)
    if isinstance(x_transform, str):
        _validate_choice(x_transform, "x_transform", ("log",))
    elif not callable(x_transform):
        raise TypeError(f"x_transform must be 'log' or a callable, got {x_transform!r}")
    grid = _validate_grid(x, "x", arr.shape[0], positive=x_transform == "log")
    n_boot = _validate_n_boot(n_boot)
    level = _validate_level(level)
    seed = _validate_seed(seed)
    statistic = _validate_choice(statistic, "statistic", STATISTICS)

    sl = _window_slice(grid, window)
    xw = grid[sl]
    kept, n_excluded = _kept_seeds(arr[sl])
    if np.any(kept < 0):
        raise ValueError("values must be >= 0 (a convergence metric whose log is fitted)")
    if x_transform == "log":
        r = np.log(xw)
        regressor = "log(x)"
    else:
        r = _regressor_from_transform(xw, x_transform, log=True)
        regressor = f"log({_transform_name(x_transform)}(x))"
    res = _log_statistic_fit(r, kept, statistic, n_boot, level, seed)
    return SlopeFit(
        slope=res["slope"],
        intercept=res["intercept"],
        ci_low=res["ci_low"],
        ci_high=res["ci_high"],
        level=level,
        n_points=int(xw.shape[0]),
        window=(float(xw[0]), float(xw[-1])),
        n_seeds=int(kept.shape[1]),
        n_excluded=n_excluded,
        last_two_slope=res["last_two_slope"],
        residual_rms=res["residual_rms"],
        statistic=statistic,
        regressor=regressor,
        n_boot=n_boot,
        seed=seed,
    )


def fit_linear_rate(
    t: Any,
    values: Any,
    window: Any = None,
    x_transform: Callable[[np.ndarray], Any] | None = None,
    n_boot: int = DEFAULT_N_BOOT,
    level: float = DEFAULT_LEVEL,
    seed: int = DEFAULT_SEED,
    statistic: str = DEFAULT_STATISTIC,
) -> LinearRateFit:
    r"""Linear (geometric) convergence rate from a semilog fit, with a bootstrap interval.

    With :math:`s_i` the statistic over the kept seeds at :math:`t_i` (:math:`i` in the window)
    and the regressor :math:`r_i = t_i` (or :math:`r_i = g(t_i)` for a callable ``x_transform``
    :math:`g`), the slope :math:`b` and intercept :math:`a` minimise

    .. math::
        \sum_{i} \bigl(\log s_i - a - b\, r_i\bigr)^2 .

    An error :math:`A q^{t}` gives :math:`b = \log q` and ``contraction`` :math:`= e^b = q`, the
    factor per step. ``r2`` measures how straight the curve is in these coordinates.

    **Transformed time.** The exponential schedule's noiseless PL rate is a straight line in
    :math:`t/\ln(t/\beta)` (spec E-EC-2): pass ``x_transform=lambda t: t / np.log(t / beta)``.
    Then ``slope`` and ``contraction`` are per unit of :math:`t/\ln(t/\beta)` (no log is taken
    of the regressor here, unlike :func:`fit_slope`); the transform is applied to the window's
    points only and must be finite and strictly monotone there. The claim "slope at least
    :math:`c\mu\eta_0`" reads ``fit.at_least_as_fast_as(np.exp(-c * mu * eta0))``.

    The interval, window and divergence handling are as in :func:`fit_slope`.

    Parameters
    ----------
    t : array_like, shape (n_points,)
        Times, finite and strictly increasing.
    values : array_like, shape (n_points, n_seeds)
        Non-negative error per time and seed (e.g. :math:`f(x_t) - f^*`); NaN marks a diverged
        seed. The statistic must stay > 0 (keep errors above about 1e-300).
    window : None, "upper_half" or (t_lo, t_hi), default None
        Inclusive range of t; at least MIN_FIT_POINTS points.
    x_transform : callable or None, default None
        None regresses on ``t``; a callable ``g`` regresses on ``g(t)``.
    n_boot, level, seed, statistic
        As in :func:`fit_slope`.

    Returns
    -------
    LinearRateFit
        ``at_least_as_fast_as(rate)`` judges the point estimate;
        ``at_least_as_fast_as_ci(rate)`` the slow end of the interval.

    Raises
    ------
    ValueError
        As :func:`fit_slope`, naming the parameter.
    """
    arr = _validate_values(values)
    if x_transform is not None and not callable(x_transform):
        raise TypeError(f"x_transform must be None or a callable, got {x_transform!r}")
    grid = _validate_grid(t, "t", arr.shape[0], positive=False)
    n_boot = _validate_n_boot(n_boot)
    level = _validate_level(level)
    seed = _validate_seed(seed)
    statistic = _validate_choice(statistic, "statistic", STATISTICS)

    sl = _window_slice(grid, window)
    tw = grid[sl]
    kept, n_excluded = _kept_seeds(arr[sl])
    if np.any(kept < 0):
        raise ValueError("values must be >= 0 (an error whose log is fitted)")
    if x_transform is None:
        r = tw.copy()
        regressor = "t"
    else:
        r = _regressor_from_transform(tw, x_transform, log=False)
        regressor = f"{_transform_name(x_transform)}(t)"
    res = _log_statistic_fit(r, kept, statistic, n_boot, level, seed)
    return LinearRateFit(
        slope=res["slope"],
        contraction=float(np.exp(res["slope"])),
        ci_low=res["ci_low"],
        ci_high=res["ci_high"],
        intercept=res["intercept"],
        level=level,
        n_points=int(tw.shape[0]),
        window=(float(tw[0]), float(tw[-1])),
        n_seeds=int(kept.shape[1]),
        n_excluded=n_excluded,
        residual_rms=res["residual_rms"],
        r2=res["r2"],
        statistic=statistic,
        regressor=regressor,
        n_boot=n_boot,
        seed=seed,
    )


def check_upper_bound(
    x: Any,
    values: Any,
    bound: Any,
    level: float = DEFAULT_LEVEL,
    slack: float = DEFAULT_SLACK,
    judge: str = DEFAULT_BOUND_JUDGE,
    method: str = DEFAULT_BOUND_METHOD,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
) -> BoundCheck:
    r"""Check a theoretical upper bound on the expected metric at every point.

    With :math:`\bar v_i` the mean over the kept seeds at :math:`x_i`, :math:`U_i` the upper end
    of its two-sided ``level`` interval (:func:`mean_ci` with ``method``) and :math:`B_i` the
    bound, the judged value is :math:`J_i = U_i` (``judge="ucl"``) or :math:`J_i = \bar v_i`
    (``judge="mean"``), and

    .. math::
        \text{holds} \iff J_i \le \text{slack}\cdot B_i \quad \text{for every } i .

    ``judge="ucl"`` asks the data to show the bound holds beyond Monte-Carlo error (at 95% the
    upper end is a one-sided 97.5% limit); ``judge="mean"`` only asks the estimate to be below.

    **Divergence.** Seeds with any non-finite entry are excluded and counted in ``n_excluded``;
    ``holds`` is then a statement about the surviving seeds only. A diverged seed makes the
    expectation infinite, so a caller checking a theorem about :math:`\mathbb E` should treat
    ``n_excluded > 0`` as a failure of its own.

    Parameters
    ----------
    x : array_like, shape (n_points,)
        Grid, finite and strictly increasing (reported; not transformed).
    values : array_like, shape (n_points, n_seeds)
        Metric per point and seed; NaN marks a diverged seed.
    bound : array_like, shape (n_points,)
        Theoretical bound at each point, finite and > 0.
    level : float, default DEFAULT_LEVEL
        Confidence level in (0, 1).
    slack : float, default DEFAULT_SLACK
        Multiplier of the bound, finite and > 0.
    judge : {"ucl", "mean"}, default DEFAULT_BOUND_JUDGE
    method : {"normal", "bootstrap"}, default DEFAULT_BOUND_METHOD
        Interval method, as in :func:`mean_ci`.
    n_boot : int, default DEFAULT_N_BOOT
        Bootstrap replicates, >= MIN_N_BOOT.
    seed : int, default DEFAULT_SEED
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    BoundCheck
    """
    arr = _validate_values(values)
    grid = _validate_grid(x, "x", arr.shape[0], positive=False)
    b = _as_float_array(bound, "bound")
    if b.shape != (arr.shape[0],):
        raise ValueError(f"bound must have shape ({arr.shape[0]},) like x, got {b.shape}")
    if not np.all(np.isfinite(b)) or not np.all(b > 0):
        raise ValueError("bound must be finite and > 0 at every point")
    level = _validate_level(level)
    slack = _validate_real(slack, "slack")
    if slack <= 0:
        raise ValueError(f"slack must be > 0, got {slack!r}")
    judge = _validate_choice(judge, "judge", BOUND_JUDGES)
    method = _validate_choice(method, "method", CI_METHODS)
    n_boot = _validate_n_boot(n_boot)
    seed = _validate_seed(seed)

    kept, n_excluded = _kept_seeds(arr)
    mean, _, upper, _ = _row_intervals(kept, level, method, n_boot, seed)
    judged = upper if judge == "ucl" else mean
    ratio = judged / b
    worst = int(np.argmax(ratio))
    return BoundCheck(
        holds=bool(np.all(judged <= slack * b)),
        x=_frozen_array(grid),
        mean=_frozen_array(mean),
        ucl=_frozen_array(upper),
        bound=_frozen_array(b),
        ratio=_frozen_array(ratio),
        worst_index=worst,
        worst_x=float(grid[worst]),
        worst_ratio=float(ratio[worst]),
        slack=slack,
        judge=judge,
        method=method,
        level=level,
        n_seeds=int(kept.shape[1]),
        n_excluded=n_excluded,
    )
