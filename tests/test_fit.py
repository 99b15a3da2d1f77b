"""Tests for proofs_check.fit: slopes, rates, intervals and bound checks on synthetic data.

Every test can fail: the data have a known exponent, rate or bound, and the vectorised estimators
are compared with slow loops written from the definitions (np.polyfit per replicate).
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from proofs_check.fit import (
    DEFAULT_LEVEL,
    MIN_N_BOOT,
    BoundCheck,
    LinearRateFit,
    MeanCI,
    SlopeFit,
    SlopeVerdict,
    check_upper_bound,
    fit_linear_rate,
    fit_slope,
    mean_ci,
    slope_from_points,
)

# ---- test tolerances (one place) ---------------------------------------------------------------
SLOPE_TOL = 0.02  # recovered exponent vs truth, 400 seeds at 50% multiplicative noise
PROTOCOL_TOL = 0.1  # spec section 7 pass criterion
EXACT_TOL = 1e-10  # closed forms and vectorised-vs-loop comparisons
RATE_TOL = 1e-3  # recovered contraction factor
COVERAGE_RANGE = (0.85, 0.99)  # empirical coverage of the nominal 95% bootstrap CI
N_COVERAGE_DATASETS = 200
SMALL_N_BOOT = 200

X_GRID = np.logspace(2, 4.5, 11)


def power_law_data(x, p, n_seeds, rng, noise=0.5, seed_sd=0.3, c=2.0):
    """values[i, j] = c * x_i^p * (point noise) * (seed effect), both mean-one lognormal.

    E values[i, :] = c * x_i^p exactly, so log E is a line of slope p in log x. The seed effect is
    shared by all points of a seed (correlated curves, as in a real trajectory).
    """
    z = rng.standard_normal((x.shape[0], n_seeds))
    u = rng.standard_normal(n_seeds)
    mult = np.exp(noise * z - noise**2 / 2) * np.exp(seed_sd * u - seed_sd**2 / 2)
    return c * x[:, None] ** p * mult


def naive_boot_slopes(r, values, n_boot, seed, statistic=np.mean):
    """Replicate slopes, one np.polyfit per replicate, same index draw as the contract."""
    n = values.shape[1]
    idx = np.random.default_rng(seed).integers(0, n, size=(n_boot, n))
    out = np.empty(n_boot)
    for k in range(n_boot):
        curve = statistic(values[:, idx[k]], axis=1)
        out[k] = np.polyfit(r, np.log(curve), 1)[0]
    return out


# ---- least squares -------------------------------------------------------------------------------


def test_slope_from_points_matches_scipy_linregress():
    rng = np.random.default_rng(1)
    x = np.sort(rng.uniform(1, 100, 20))
    y = np.exp(rng.normal(size=20))
    ref = stats.linregress(np.log(x), np.log(y))
    slope, intercept = slope_from_points(x, y)
    assert slope == pytest.approx(ref.slope, abs=EXACT_TOL)
    assert intercept == pytest.approx(ref.intercept, abs=EXACT_TOL)


@settings(max_examples=50, deadline=None, database=None)
@given(
    p=st.floats(-3.0, 3.0),
    log_c=st.floats(-7.0, 7.0),
    n=st.integers(2, 30),
)
def test_slope_from_points_exact_power_law(p, log_c, n):
    x = np.logspace(0, 3, n)
    slope, intercept = slope_from_points(x, np.exp(log_c) * x**p)
    assert slope == pytest.approx(p, abs=1e-9)
    assert intercept == pytest.approx(log_c, abs=1e-8)


@pytest.mark.parametrize(
    ("x", "y", "name"),
    [
        ([1.0, 2.0], [1.0], "y"),
        ([1.0], [1.0], "x"),
        ([1.0, -2.0], [1.0, 2.0], "x"),
        ([1.0, 2.0], [0.0, 2.0], "y"),
        ([2.0, 2.0], [1.0, 2.0], "x"),
    ],
)
def test_slope_from_points_rejects(x, y, name):
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        slope_from_points(x, y)


# ---- power-law slopes ---------------------------------------------------------------------------


@pytest.mark.parametrize("p", [-0.5, -1.0, -2.0 / 3.0])
def test_fit_slope_recovers_known_exponent(p):
    values = power_law_data(X_GRID, p, n_seeds=400, rng=np.random.default_rng(7))
    fit = fit_slope(X_GRID, values)
    assert isinstance(fit, SlopeFit)
    assert abs(fit.slope - p) < SLOPE_TOL
    assert fit.ci_low < p < fit.ci_high
    assert fit.ci_contains(p)
    assert fit.ci_high - fit.ci_low < 4 * SLOPE_TOL  # the interval is informative
    assert fit.n_points == X_GRID.size and fit.n_seeds == 400 and fit.n_excluded == 0
    assert abs(fit.last_two_slope - p) < 0.3
    assert fit.residual_rms < 0.05
    v = fit.verdict(p, PROTOCOL_TOL)
    assert isinstance(v, SlopeVerdict)
    assert v.passes and v.ci_overlaps and v.measured == fit.slope


def test_fit_slope_median_statistic():
    # lognormal noise: median = c x^p exp(-noise^2/2) * seed factor, still slope p
    values = power_law_data(X_GRID, -0.5, n_seeds=400, rng=np.random.default_rng(8))
    fit = fit_slope(X_GRID, values, statistic="median", n_boot=500)
    assert abs(fit.slope + 0.5) < 2 * SLOPE_TOL
    assert fit.statistic == "median"


def test_verdict_fails_on_wrong_exponent():
    values = power_law_data(X_GRID, -0.3, n_seeds=400, rng=np.random.default_rng(9))
    fit = fit_slope(X_GRID, values)
    v = fit.verdict(-0.5, PROTOCOL_TOL)
    assert not v.passes
    assert not fit.within(-0.5, PROTOCOL_TOL)
    assert not fit.ci_overlaps(-0.5, PROTOCOL_TOL)
    assert fit.verdict(-0.3, PROTOCOL_TOL).passes


def test_verdict_judges_point_estimate_not_ci():
    values = power_law_data(X_GRID, -0.5, n_seeds=400, rng=np.random.default_rng(10))
    fit = fit_slope(X_GRID, values)
    # an expected value just outside the tolerance but with the CI reaching into the band
    expected = fit.slope + 0.1 + 0.5 * (fit.ci_high - fit.slope)
    assert not fit.within(expected, 0.1)
    assert fit.ci_overlaps(expected, 0.1)
    v = fit.verdict(expected, 0.1)
    assert not v.passes and v.ci_overlaps


def test_bootstrap_matches_naive_loop():
    rng = np.random.default_rng(11)
    values = power_law_data(X_GRID, -0.7, n_seeds=25, rng=rng)
    for statistic, fn in (("mean", np.mean), ("median", np.median)):
        fit = fit_slope(X_GRID, values, n_boot=MIN_N_BOOT, seed=5, statistic=statistic)
        boot = naive_boot_slopes(np.log(X_GRID), values, MIN_N_BOOT, 5, fn)
        lo, hi = np.quantile(boot, [0.025, 0.975])
        assert fit.ci_low == pytest.approx(lo, abs=EXACT_TOL)
        assert fit.ci_high == pytest.approx(hi, abs=EXACT_TOL)
        lx, ly = np.log(X_GRID), np.log(fn(values, axis=1))
        ref = np.polyfit(lx, ly, 1)
        assert fit.slope == pytest.approx(ref[0], abs=EXACT_TOL)
        assert fit.intercept == pytest.approx(ref[1], abs=EXACT_TOL)
        resid = ly - np.polyval(ref, lx)
        assert fit.residual_rms == pytest.approx(np.sqrt(np.mean(resid**2)), abs=EXACT_TOL)
        last_two = (ly[-1] - ly[-2]) / (lx[-1] - lx[-2])
        assert fit.last_two_slope == pytest.approx(last_two, abs=EXACT_TOL)


def test_median_bootstrap_blocks_do_not_change_result(monkeypatch):
    import proofs_check.fit as fit_module

    values = power_law_data(X_GRID, -0.7, n_seeds=25, rng=np.random.default_rng(27))
    whole = fit_slope(X_GRID, values, n_boot=300, statistic="median")
    monkeypatch.setattr(fit_module, "_MAX_GATHER_ELEMENTS", 7 * 25 * X_GRID.size)  # 43 blocks
    blocked = fit_slope(X_GRID, values, n_boot=300, statistic="median")
    assert whole == blocked


def test_bootstrap_ci_coverage():
    """The nominal 95% interval contains the true exponent about 95% of the time."""
    x = np.logspace(2, 4, 8)
    p = -0.5
    rng = np.random.default_rng(12)
    hits = 0
    for k in range(N_COVERAGE_DATASETS):
        values = power_law_data(x, p, n_seeds=30, rng=rng)
        fit = fit_slope(x, values, n_boot=SMALL_N_BOOT, seed=k)
        hits += fit.ci_low <= p <= fit.ci_high
    frac = hits / N_COVERAGE_DATASETS
    assert COVERAGE_RANGE[0] <= frac <= COVERAGE_RANGE[1], frac


def test_resampling_keeps_seed_correlation():
    """Whole seed columns are resampled, so a per-seed level factor does not blur the slope.

    values[i, j] = exp(u_j) x_i^-0.5 (1 + 1% noise) with a large seed level u_j: every seed
    curve has slope -0.5, so the slope of any resampled mean curve is -0.5 up to the 1% noise.
    A bootstrap that resampled each point independently mixes different seed levels at
    different points and gives an interval about a hundred times wider (computed here as the
    counter-example).
    """
    rng = np.random.default_rng(13)
    n = 100
    level = np.exp(rng.standard_normal(n))
    noise = np.exp(0.01 * rng.standard_normal((X_GRID.size, n)))
    values = level[None, :] * X_GRID[:, None] ** -0.5 * noise
    fit = fit_slope(X_GRID, values, n_boot=1000)
    half_width = (fit.ci_high - fit.ci_low) / 2
    assert abs(fit.slope + 0.5) < 0.005
    assert half_width < 0.005

    idx = np.random.default_rng(0).integers(0, n, size=(1000, X_GRID.size, n))
    pointwise = np.take_along_axis(np.broadcast_to(values, idx.shape), idx, axis=2).mean(axis=2)
    wrong = np.polyfit(np.log(X_GRID), np.log(pointwise).T, 1)[0]
    wrong_half_width = np.diff(np.quantile(wrong, [0.025, 0.975]))[0] / 2
    assert wrong_half_width > 10 * half_width


# ---- windows ------------------------------------------------------------------------------------


def kink_data(rng, n_seeds=200):
    x = np.logspace(1, 5, 17)  # kink at 1e3 (index 8)
    curve = np.where(x <= 1e3, 1.0 / x, 1e-3 * (x / 1e3) ** -0.5)
    noise = np.exp(0.2 * rng.standard_normal((x.size, n_seeds)) - 0.02)
    return x, curve[:, None] * noise


def test_window_uses_only_points_inside():
    x, values = kink_data(np.random.default_rng(14))
    late = fit_slope(x, values, window=(1e3, 1e5))
    early = fit_slope(x, values, window=(10, 1e3))
    full = fit_slope(x, values)
    assert abs(late.slope + 0.5) < SLOPE_TOL
    assert abs(early.slope + 1.0) < SLOPE_TOL
    assert -1.0 + 0.1 < full.slope < -0.5 - 0.1
    assert late.n_points == 9 and late.window == (1e3, 1e5)
    # inclusive bounds between grid points report the x range actually used
    mid = fit_slope(x, values, window=(2e3, 5e4))
    assert mid.window[0] >= 2e3 and mid.window[1] <= 5e4
    assert mid.n_points == int(np.count_nonzero((x >= 2e3) & (x <= 5e4)))


def test_window_upper_half():
    x, values = kink_data(np.random.default_rng(15))
    fit = fit_slope(x, values, window="upper_half")
    assert fit.n_points == 9 and fit.window == (float(x[8]), float(x[-1]))
    assert abs(fit.slope + 0.5) < SLOPE_TOL


def test_values_outside_window_are_ignored():
    x, values = kink_data(np.random.default_rng(16))
    poisoned = values.copy()
    poisoned[:5, :50] = np.nan  # diverged-looking entries only before the window
    poisoned[5, 50:] = -1.0  # and invalid ones
    a = fit_slope(x, values, window=(1e3, 1e5))
    b = fit_slope(x, poisoned, window=(1e3, 1e5))
    assert a == b
    assert b.n_excluded == 0


# ---- log-corrected fits -------------------------------------------------------------------------


def test_log_corrected_fit():
    """ln^2(T)/T exactly: slope 1 against log(ln^2 T / T); about -0.72 raw on 1e2..1e4.5.

    The raw local slope is d log(ln^2 T / T) / d log T = 2 / ln T - 1, i.e. -0.57 at T = 1e2 and
    -0.81 at T = 10^4.5; the least-squares raw slope over the grid is pinned to np.polyfit.
    """
    t = np.logspace(2, 4.5, 6)
    curve = np.log(t) ** 2 / t
    values = np.repeat(curve[:, None], 10, axis=1) * np.linspace(0.9, 1.1, 10)
    corrected = fit_slope(t, values, x_transform=lambda s: np.log(s) ** 2 / s)
    raw = fit_slope(t, values)
    assert corrected.slope == pytest.approx(1.0, abs=EXACT_TOL)
    assert corrected.residual_rms < EXACT_TOL
    assert corrected.ci_low == pytest.approx(1.0, abs=EXACT_TOL)
    assert corrected.verdict(1.0, PROTOCOL_TOL).passes
    assert raw.slope == pytest.approx(np.polyfit(np.log(t), np.log(curve), 1)[0], abs=EXACT_TOL)
    assert -0.8 < raw.slope < -0.65
    assert not raw.within(-1.0, PROTOCOL_TOL)
    assert corrected.regressor.startswith("log(") and raw.regressor == "log(x)"


def test_log_corrected_fit_with_beta_and_noise():
    beta = 10.0
    t = np.logspace(2, 4.5, 11)
    rng = np.random.default_rng(17)
    curve = np.log(t / beta) ** 2 / t
    values = curve[:, None] * np.exp(0.4 * rng.standard_normal((t.size, 400)) - 0.08)
    fit = fit_slope(t, values, x_transform=lambda s: np.log(s / beta) ** 2 / s)
    assert abs(fit.slope - 1.0) < SLOPE_TOL
    assert fit.ci_contains(1.0)


def test_transform_must_be_positive_on_window():
    t = np.logspace(0, 2, 6)  # ln(t / 10) <= 0 for t <= 10; 3 grid points above 12
    values = np.ones((6, 4))
    with pytest.raises(ValueError, match="x_transform"):
        fit_slope(t, values, x_transform=lambda s: np.log(s / 10.0))
    fit = fit_slope(t, values, window=(12, 100), x_transform=lambda s: np.log(s / 10.0))
    assert fit.slope == pytest.approx(0.0, abs=EXACT_TOL)


# ---- linear rates -------------------------------------------------------------------------------


def test_linear_rate_recovers_contraction():
    q, a = 0.97, 5.0
    t = np.arange(0.0, 400.0, 10.0)
    rng = np.random.default_rng(18)
    values = a * q**t[:, None] * np.exp(0.2 * rng.standard_normal((t.size, 300)) - 0.02)
    fit = fit_linear_rate(t, values)
    assert isinstance(fit, LinearRateFit)
    assert fit.contraction == pytest.approx(q, abs=RATE_TOL)
    assert fit.slope == pytest.approx(np.log(q), abs=RATE_TOL)
    assert fit.ci_low < np.log(q) < fit.ci_high
    assert fit.r2 > 0.999
    assert fit.at_least_as_fast_as(0.98) and not fit.at_least_as_fast_as(0.96)
    assert fit.at_least_as_fast_as_ci(0.98) and not fit.at_least_as_fast_as_ci(0.96)
    lo, hi = fit.contraction_ci
    assert lo < q < hi
    # a rate inside the interval but above the point estimate: estimate passes, CI end does not
    between = float(np.exp(0.5 * (fit.slope + fit.ci_high)))
    assert fit.at_least_as_fast_as(between) and not fit.at_least_as_fast_as_ci(between)


def test_linear_rate_r2_low_for_polynomial_decay():
    t = np.arange(1.0, 1000.0, 20.0)
    values = np.repeat((1.0 / t)[:, None], 5, axis=1) * np.linspace(0.5, 1.5, 5)
    fit = fit_linear_rate(t, values)
    assert fit.r2 < 0.9  # 1/t is not a straight line on semilog axes


def test_linear_rate_transformed_time():
    """Exponential schedule: log error linear in t / ln(t / beta), not in t."""
    beta, c = 1.0, 0.05
    t = np.linspace(50.0, 2000.0, 30)
    s = t / np.log(t / beta)
    values = np.exp(-c * s)[:, None] * np.linspace(0.8, 1.2, 6)
    fit = fit_linear_rate(t, values, x_transform=lambda u: u / np.log(u / beta))
    raw = fit_linear_rate(t, values)
    assert fit.slope == pytest.approx(-c, abs=EXACT_TOL)
    assert fit.r2 == pytest.approx(1.0, abs=EXACT_TOL)
    assert raw.r2 < fit.r2 - 1e-4
    assert fit.at_least_as_fast_as(np.exp(-0.69 * c))
    assert not fit.at_least_as_fast_as(np.exp(-1.01 * c))


# ---- bound checks -------------------------------------------------------------------------------


def test_bound_holds_below():
    x = X_GRID
    values = power_law_data(x, -0.5, n_seeds=200, rng=np.random.default_rng(19))
    bound = 2.0 * 2.0 * x**-0.5  # twice the true mean
    chk = check_upper_bound(x, values, bound)
    assert isinstance(chk, BoundCheck)
    assert chk.holds and chk.judge == "ucl"
    assert np.all(chk.ratio < 1.0)
    assert np.all(chk.ucl > chk.mean)
    assert check_upper_bound(x, values, bound, method="bootstrap", n_boot=500).holds


def test_bound_fails_at_one_point():
    x = X_GRID
    values = power_law_data(x, -0.5, n_seeds=200, rng=np.random.default_rng(20))
    bound = 2.0 * 2.0 * x**-0.5
    bound[6] = 0.5 * 2.0 * x[6] ** -0.5  # half the true mean at one horizon
    chk = check_upper_bound(x, values, bound)
    assert not chk.holds
    assert chk.worst_index == 6 and chk.worst_x == x[6]
    assert chk.worst_ratio == pytest.approx(chk.ratio[6]) and chk.worst_ratio > 1.5
    assert np.count_nonzero(chk.ratio > 1.0) == 1
    # a slack large enough to absorb it makes the check hold
    assert check_upper_bound(x, values, bound, slack=1.1 * chk.worst_ratio).holds


def test_bound_ucl_versus_mean():
    rng = np.random.default_rng(21)
    x = np.array([1.0, 2.0, 3.0])
    values = 1.0 + 0.5 * rng.standard_normal((3, 40))
    m = values.mean(axis=1)
    half = stats.norm.ppf(0.975) * values.std(axis=1, ddof=1) / np.sqrt(40)
    bound = m + 0.5 * half  # above the mean, below the upper confidence limit
    by_mean = check_upper_bound(x, values, bound, judge="mean")
    by_ucl = check_upper_bound(x, values, bound, judge="ucl")
    assert by_mean.holds and not by_ucl.holds
    np.testing.assert_allclose(by_ucl.ucl, m + half, rtol=1e-12)
    np.testing.assert_allclose(by_mean.ratio, m / bound, rtol=1e-12)


# ---- means and intervals ------------------------------------------------------------------------


def test_mean_ci_normal_formula():
    rng = np.random.default_rng(22)
    values = rng.normal(3.0, 2.0, (4, 50))
    ci = mean_ci(values, level=0.9, method="normal")
    assert isinstance(ci, MeanCI)
    half = stats.norm.ppf(0.95) * values.std(axis=1, ddof=1) / np.sqrt(50)
    np.testing.assert_allclose(ci.mean, values.mean(axis=1), rtol=1e-14)
    np.testing.assert_allclose(ci.upper - ci.mean, half, rtol=1e-12)
    np.testing.assert_allclose(ci.mean - ci.lower, half, rtol=1e-12)
    np.testing.assert_array_equal(ci.n_seeds, [50] * 4)


def test_mean_ci_bootstrap_matches_naive_and_normal():
    rng = np.random.default_rng(23)
    values = rng.exponential(1.0, (3, 400))
    ci = mean_ci(values, n_boot=MIN_N_BOOT, seed=3)
    gen = np.random.default_rng(3)
    for i in range(3):
        idx = gen.integers(0, 400, size=(MIN_N_BOOT, 400))
        boot = np.array([values[i, idx[k]].mean() for k in range(MIN_N_BOOT)])
        lo, hi = np.quantile(boot, [0.025, 0.975])
        assert ci.lower[i] == pytest.approx(lo, abs=EXACT_TOL)
        assert ci.upper[i] == pytest.approx(hi, abs=EXACT_TOL)
    big = mean_ci(values, n_boot=4000)
    normal = mean_ci(values, method="normal")
    np.testing.assert_allclose(big.upper - big.lower, normal.upper - normal.lower, rtol=0.1)


def test_mean_ci_skips_nan_per_row():
    values = np.arange(24.0).reshape(3, 8)
    values[1, :3] = np.nan
    ci = mean_ci(values, method="normal")
    np.testing.assert_array_equal(ci.n_seeds, [8, 5, 8])
    assert ci.mean[1] == pytest.approx(values[1, 3:].mean())


# ---- divergence (NaN seeds) ---------------------------------------------------------------------


def test_nan_seeds_excluded_and_counted():
    rng = np.random.default_rng(24)
    values = power_law_data(X_GRID, -0.5, n_seeds=100, rng=rng)
    bad = values.copy()
    bad[7:, [3, 40, 41]] = np.nan  # three seeds diverge late
    bad[2, 90] = np.inf
    clean = np.delete(values, [3, 40, 41, 90], axis=1)
    fit = fit_slope(X_GRID, bad, n_boot=500)
    ref = fit_slope(X_GRID, clean, n_boot=500)
    assert fit.n_excluded == 4 and fit.n_seeds == 96
    assert dataclasses.replace(fit, n_excluded=0) == ref
    rate = fit_linear_rate(X_GRID, bad, n_boot=500)
    assert rate.n_excluded == 4
    chk = check_upper_bound(X_GRID, bad, 10 * X_GRID**-0.5)
    assert chk.n_excluded == 4 and chk.n_seeds == 96
    np.testing.assert_allclose(chk.mean, clean.mean(axis=1), rtol=1e-14)


def test_all_nan_raises():
    values = np.full((5, 10), np.nan)
    x = np.arange(1.0, 6.0)
    for call in (
        lambda: fit_slope(x, values),
        lambda: fit_linear_rate(x, values),
        lambda: mean_ci(values),
        lambda: check_upper_bound(x, values, np.ones(5)),
    ):
        with pytest.raises(ValueError, match="values"):
            call()


# ---- bad input ----------------------------------------------------------------------------------

_X = np.logspace(1, 3, 5)
_V = np.ones((5, 4))


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"x": _X[:4]}, "x"),
        ({"x": _X[::-1]}, "x"),
        ({"x": np.r_[_X[:4], np.nan]}, "x"),
        ({"x": -_X[::-1]}, "x"),
        ({"values": np.ones(5)}, "values"),
        ({"values": np.ones((5, 4, 1))}, "values"),
        ({"values": -_V}, "values"),
        ({"values": np.zeros((5, 4))}, "values"),
        ({"window": (10.0, 20.0)}, "window"),
        ({"window": (1e4, 1e5)}, "window"),
        ({"window": (100.0, 10.0)}, "window"),
        ({"window": "lower_half"}, "window"),
        ({"level": 1.0}, "level"),
        ({"level": 0.0}, "level"),
        ({"level": 1.5}, "level"),
        ({"n_boot": 50}, "n_boot"),
        ({"statistic": "mode"}, "statistic"),
        ({"x_transform": "sqrt"}, "x_transform"),
    ],
)
def test_fit_slope_rejects_bad_input(kwargs, name):
    args = {"x": _X, "values": _V} | kwargs
    with pytest.raises(ValueError, match=name):
        fit_slope(**args)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"bound": np.ones(4)}, "bound"),
        ({"bound": np.zeros(5)}, "bound"),
        ({"slack": 0.0}, "slack"),
        ({"judge": "median"}, "judge"),
        ({"method": "student"}, "method"),
        ({"level": -0.1}, "level"),
        ({"n_boot": 10}, "n_boot"),
        ({"x": _X[:3]}, "x"),
    ],
)
def test_check_upper_bound_rejects_bad_input(kwargs, name):
    args = {"x": _X, "values": _V, "bound": np.ones(5)} | kwargs
    with pytest.raises(ValueError, match=name):
        check_upper_bound(**args)


def test_other_rejections():
    with pytest.raises(ValueError, match="method"):
        mean_ci(_V, method="t")
    with pytest.raises(ValueError, match="level"):
        mean_ci(_V, level=1.0)
    with pytest.raises(ValueError, match="values"):
        mean_ci(np.ones((5, 1)))
    with pytest.raises(ValueError, match="window"):
        fit_linear_rate(_X, _V, window=(0.0, 20.0))
    with pytest.raises(ValueError, match="t"):
        fit_linear_rate(_X[::-1], _V)
    with pytest.raises(TypeError, match="n_boot"):
        fit_slope(_X, _V, n_boot=2000.0)
    with pytest.raises(ValueError, match="seed"):
        fit_slope(_X, _V, seed=-1)
    fit = fit_slope(_X, _V)
    with pytest.raises(ValueError, match="tol"):
        fit.verdict(-0.5, -0.1)
    rate = fit_linear_rate(_X, _V)
    with pytest.raises(ValueError, match="rate"):
        rate.at_least_as_fast_as(0.0)


# ---- reproducibility and results ----------------------------------------------------------------


def test_same_seed_same_interval():
    values = power_law_data(X_GRID, -0.5, n_seeds=50, rng=np.random.default_rng(25))
    a = fit_slope(X_GRID, values, seed=123)
    b = fit_slope(X_GRID, values, seed=123)
    c = fit_slope(X_GRID, values, seed=124)
    assert (a.ci_low, a.ci_high) == (b.ci_low, b.ci_high)
    assert (a.ci_low, a.ci_high) != (c.ci_low, c.ci_high)
    assert a.slope == c.slope
    ra = fit_linear_rate(X_GRID, values, seed=9)
    rb = fit_linear_rate(X_GRID, values, seed=9)
    assert ra == rb
    ma, mb = mean_ci(values, seed=4), mean_ci(values, seed=4)
    np.testing.assert_array_equal(ma.lower, mb.lower)
    np.testing.assert_array_equal(ma.upper, mb.upper)


def test_results_are_frozen_and_json_serialisable():
    values = power_law_data(X_GRID, -0.5, n_seeds=30, rng=np.random.default_rng(26))
    fit = fit_slope(X_GRID, values, n_boot=MIN_N_BOOT)
    results = [
        fit,
        fit.verdict(-0.5, PROTOCOL_TOL),
        fit_linear_rate(X_GRID, values, n_boot=MIN_N_BOOT),
        mean_ci(values, n_boot=MIN_N_BOOT),
        check_upper_bound(X_GRID, values, 10 * X_GRID**-0.5),
    ]
    for res in results:
        d = res.to_dict()
        text = json.dumps(d, allow_nan=False)
        assert json.loads(text) == d
        with pytest.raises(dataclasses.FrozenInstanceError):
            res.level = 0.5  # type: ignore[misc]
    assert results[0].to_dict()["window"] == [X_GRID[0], X_GRID[-1]]
    assert results[3].to_dict()["level"] == DEFAULT_LEVEL
    with pytest.raises(ValueError):
        results[3].mean[0] = 0.0  # read-only arrays
