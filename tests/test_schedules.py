"""Tests for adaptopt.schedules: hand-computed values, vectorisation, validation, configs.

The expected numbers are written out below, computed by hand from the table of the module
docstring (the counter starts at t = 1; exponential ends at eta0 * beta / T, cosine at 0).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import adaptopt  # noqa: F401  (imported before synthetic-dependent modules; see tests/test_noise.py)
from adaptopt import schedules as sch

# ---- test tolerances (one place) ---------------------------------------------------------------
ROUNDOFF = 1e-14  # relative: hand values against exp/log/cos evaluations
PRODUCT_TOL = 1e-12  # relative: exp((t/T) log(beta/T)) against T repeated multiplications by alpha

# (schedule, T, {t: eta_t}) with eta_t computed by hand.
HAND_VALUES = [
    (sch.constant(0.3), None, {1: 0.3, 2: 0.3, 1000: 0.3}),
    (sch.inv_sqrt(2.0), None, {1: 2.0, 4: 1.0, 9: 2.0 / 3.0, 100: 0.2}),
    (sch.inv_t(3.0), None, {1: 3.0, 3: 1.0, 6: 0.5, 300: 0.01}),
    (sch.inv_linear(2.0, 0.5), None, {1: 2.0 / 1.5, 2: 1.0, 6: 0.5, 18: 0.2}),
    (sch.inv_linear(1.0, 0.0), None, {1: 1.0, 50: 1.0}),
    (sch.inv_sqrt_linear(3.0, 0.5), None, {1: 2.0, 4: 1.5, 16: 1.0, 100: 0.5}),
    # alpha = (1/100)^(1/100): eta_t = 0.01^(t/100); eta_50 = 0.1, eta_T = eta0 beta / T = 0.01.
    (sch.exponential(1.0), 100, {1: 10.0**-0.02, 50: 0.1, 100: 0.01}),
    # eta0 = 2, beta = 4, T = 16: alpha = (1/4)^(1/16); eta_4 = 2 / sqrt(2), eta_8 = 1, eta_16 = 2 * 4/16.
    (sch.exponential(2.0, beta=4.0), 16, {4: math.sqrt(2.0), 8: 1.0, 16: 0.5}),
    # cosine, T = 4: (1 + cos(pi t/4)) / 2 = (2 + sqrt 2)/4, 1/2, (2 - sqrt 2)/4, 0.
    (sch.cosine(1.0), 4, {1: (2.0 + math.sqrt(2.0)) / 4.0, 2: 0.5, 3: (2.0 - math.sqrt(2.0)) / 4.0, 4: 0.0}),
    # cosine, eta0 = 2, T = 3: 1 + cos(pi/3) = 3/2, 1 + cos(2 pi/3) = 1/2, 1 + cos(pi) = 0.
    (sch.cosine(2.0), 3, {1: 1.5, 2: 0.5, 3: 0.0}),
    # stagewise: factor 0.1 at steps 3 and 6 (milestone t counts once t >= m).
    (sch.stagewise(1.0, 0.1, [3, 6]), None, {1: 1.0, 2: 1.0, 3: 0.1, 5: 0.1, 6: 0.01, 100: 0.01}),
    (sch.stagewise(0.5, 1.0, [2]), None, {1: 0.5, 2: 0.5, 9: 0.5}),
    (sch.stagewise(4.0, 0.5, 10), None, {9: 4.0, 10: 2.0, 11: 2.0}),
    # inv_sqrt_offset, tau = 100: 1/sqrt(1 + t/100) = 1/sqrt(2) at 100, 1/2 at 300, 1/10 at 9900.
    (sch.inv_sqrt_offset(1.0, 100.0), None, {100: 1.0 / math.sqrt(2.0), 300: 0.5, 9900: 0.1}),
    (sch.inv_sqrt_offset(3.0, 1.0), None, {3: 1.5, 8: 1.0}),
]


def _id(case):
    schedule, horizon, _ = case
    return f"{schedule.label()}-T{horizon}"


@pytest.mark.parametrize("case", HAND_VALUES, ids=_id)
def test_hand_computed_values(case):
    schedule, horizon, expected = case
    for t, eta in expected.items():
        got = schedule(t, horizon)
        assert isinstance(got, float)
        assert got == pytest.approx(eta, rel=ROUNDOFF, abs=0.0 if eta else 1e-300), t


def test_every_kind_has_hand_values():
    assert {case[0].kind for case in HAND_VALUES} == set(sch.SCHEDULES)


def test_cosine_last_step_is_exactly_zero_and_exponential_last_step():
    for horizon in (1, 2, 7, 1000, 12345):
        assert sch.cosine(0.7)(horizon, horizon) == 0.0
    for eta0, beta, horizon in [(1.0, 1.0, 10), (0.3, 2.5, 1000), (5.0, 99.0, 100)]:
        assert sch.exponential(eta0, beta)(horizon, horizon) == pytest.approx(eta0 * beta / horizon, rel=ROUNDOFF)


@pytest.mark.parametrize("eta0, beta, horizon", [(1.0, 1.0, 1000), (0.25, 3.0, 500), (2.0, 1.5, 2)])
def test_exponential_equals_repeated_multiplication_by_alpha(eta0, beta, horizon):
    """The authors' code multiplies by alpha = (beta/T)^(1/T) once per step, starting from eta0."""
    alpha = (beta / horizon) ** (1.0 / horizon)
    eta, expected = eta0, []
    for _ in range(horizon):
        eta *= alpha
        expected.append(eta)
    got = sch.exponential(eta0, beta)(np.arange(1, horizon + 1), horizon)
    np.testing.assert_allclose(got, expected, rtol=PRODUCT_TOL, atol=0)


def test_exponential_alpha_is_at_least_exp_minus_one_over_e():
    bound = math.exp(-1.0 / math.e)
    alphas = [sch.exponential(1.0, 1.0)(1, horizon) for horizon in range(2, 200)]
    assert min(alphas) >= bound
    assert min(alphas) == pytest.approx((1.0 / 3.0) ** (1.0 / 3.0), rel=ROUNDOFF)  # minimum at T = 3 (closest to e)


DECAYING = [sch.inv_sqrt(1.0), sch.inv_t(1.0), sch.inv_linear(1.0, 0.2), sch.inv_sqrt_linear(1.0, 0.2),
            sch.exponential(1.0, 3.0), sch.cosine(1.0), sch.stagewise(1.0, 0.5, [5, 20, 21])]


@pytest.mark.parametrize("schedule", DECAYING, ids=lambda s: s.kind)
def test_decaying_schedules_do_not_increase(schedule):
    horizon = 64
    eta = schedule(np.arange(1, horizon + 1), horizon)
    assert np.all(np.diff(eta) <= 0.0) and np.all(eta >= 0.0) and eta[0] <= schedule.eta0


ALL = [case[0] for case in HAND_VALUES]


@pytest.mark.parametrize("schedule", ALL, ids=lambda s: s.label())
def test_vectorised_call_equals_scalar_calls(schedule):
    horizon = 50
    ts = np.arange(1, horizon + 1)
    vec = schedule(ts, horizon)
    assert vec.dtype == np.float64 and vec.shape == ts.shape
    np.testing.assert_array_equal(vec, [schedule(int(t), horizon) for t in ts])
    grid = ts.reshape(5, 10).astype(np.int32)
    np.testing.assert_array_equal(schedule(grid, horizon), vec.reshape(5, 10))
    assert schedule(np.array([], dtype=np.int64), horizon).shape == (0,)
    # The jitted scalar function, as kernels call it, gives the same numbers up to round-off (the
    # fast-math flags let the compiled loop turn divisions into multiplications by reciprocals).
    packed = schedule.packed(horizon)
    for t in (1, 17, horizon):
        assert sch.schedule_value(schedule.code, packed, float(t), float(horizon)) == pytest.approx(
            vec[t - 1], rel=ROUNDOFF, abs=1e-300)


def test_packed_layout():
    np.testing.assert_array_equal(sch.stagewise(0.5, 0.1, [3, 6]).packed(), [0.5, 0.1, 3.0, 6.0])
    np.testing.assert_array_equal(sch.exponential(0.5, 2.0).packed(10), [0.5, 2.0, math.log(0.2) / 10])
    with pytest.raises(ValueError, match="depends on the horizon"):
        sch.exponential(0.5, 2.0).packed()
    np.testing.assert_array_equal(sch.inv_linear(0.5, 0.25).packed(), [0.5, 0.25])
    assert sch.exponential(1.0).needs_horizon and sch.cosine(1.0).needs_horizon
    assert not any(s.needs_horizon for s in (sch.constant(1.0), sch.inv_sqrt(1.0), sch.stagewise(1.0, 0.5, [2])))


# ---- validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize("build, error, name", [
    (lambda: sch.constant(0.0), ValueError, "eta0"),
    (lambda: sch.constant(-1.0), ValueError, "eta0"),
    (lambda: sch.inv_sqrt(math.nan), ValueError, "eta0"),
    (lambda: sch.inv_t(math.inf), ValueError, "eta0"),
    (lambda: sch.cosine("0.1"), TypeError, "eta0"),
    (lambda: sch.constant(True), TypeError, "eta0"),
    (lambda: sch.inv_linear(1.0, -0.1), ValueError, "a"),
    (lambda: sch.inv_sqrt_linear(1.0, math.nan), ValueError, "a"),
    (lambda: sch.exponential(1.0, 0.5), ValueError, "beta"),
    (lambda: sch.exponential(1.0, math.nan), ValueError, "beta"),
    (lambda: sch.exponential(-1.0, 2.0), ValueError, "eta0"),
    (lambda: sch.stagewise(1.0, 0.0, [2]), ValueError, "factor"),
    (lambda: sch.stagewise(1.0, 1.5, [2]), ValueError, "factor"),
    (lambda: sch.stagewise(1.0, math.nan, [2]), ValueError, "factor"),
    (lambda: sch.stagewise(1.0, 0.5, []), ValueError, "milestones"),
    (lambda: sch.stagewise(1.0, 0.5, [5, 3]), ValueError, "milestones"),
    (lambda: sch.stagewise(1.0, 0.5, [4, 4]), ValueError, "milestones"),
    (lambda: sch.stagewise(1.0, 0.5, [0, 3]), ValueError, "milestones"),
    (lambda: sch.stagewise(1.0, 0.5, [2.5]), TypeError, "milestones"),
])
def test_constructors_reject_bad_parameters(build, error, name):
    with pytest.raises(error, match=rf"\b{name}\b"):
        build()


@pytest.mark.parametrize("horizon", [3, 4])
def test_exponential_needs_beta_below_T(horizon):
    schedule = sch.exponential(1.0, beta=4.0)
    with pytest.raises(ValueError, match="beta"):
        schedule(1, horizon)
    assert schedule(1, 5) > 0.0


@pytest.mark.parametrize("schedule", [sch.exponential(1.0), sch.cosine(1.0)], ids=lambda s: s.kind)
def test_horizon_dependent_schedules_need_a_valid_T(schedule):
    with pytest.raises(ValueError, match="T"):
        schedule(1)
    with pytest.raises(TypeError, match="T"):
        schedule(1, 10.0)
    with pytest.raises(ValueError, match="T"):
        schedule(1, 0)
    with pytest.raises(ValueError, match=r"\bt\b"):
        schedule(11, 10)
    with pytest.raises(ValueError, match=r"\bt\b"):
        schedule(np.array([1, 5, 11]), 10)


@pytest.mark.parametrize("schedule", ALL, ids=lambda s: s.label())
def test_t_must_be_a_positive_integer(schedule):
    horizon = 10
    for bad in (0, -3, np.array([2, 0, 3])):
        with pytest.raises(ValueError, match=r"\bt\b"):
            schedule(bad, horizon)
    for bad in (1.0, np.array([1.0, 2.0]), True):
        with pytest.raises(TypeError, match=r"\bt\b"):
            schedule(bad, horizon)


# ---- configs -------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec, direct", [
    ({"kind": "constant", "eta0": 0.1}, sch.constant(0.1)),
    ({"kind": "inv_sqrt", "eta0": 0.2}, sch.inv_sqrt(0.2)),
    ({"kind": "inv_t", "eta0": 0.3}, sch.inv_t(0.3)),
    ({"kind": "inv_linear", "eta0": 1.0, "a": 0.5}, sch.inv_linear(1.0, 0.5)),
    ({"kind": "inv_sqrt_linear", "eta0": 1.0, "a": 2.0}, sch.inv_sqrt_linear(1.0, 2.0)),
    ({"kind": "exponential", "eta0": 0.5, "beta": 3.0}, sch.exponential(0.5, 3.0)),
    ({"kind": "exponential", "eta0": 0.5}, sch.exponential(0.5, 1.0)),
    ({"kind": "cosine", "eta0": 0.5}, sch.cosine(0.5)),
    ({"kind": "stagewise", "eta0": 1.0, "factor": 0.1, "milestones": [10, 20]}, sch.stagewise(1.0, 0.1, [10, 20])),
])
def test_make_schedule_from_dicts(spec, direct):
    built = sch.make_schedule(spec)
    assert built == direct
    np.testing.assert_array_equal(built(np.arange(1, 31), 30), direct(np.arange(1, 31), 30))
    # to_dict round-trips, also through JSON (configs are files).
    assert sch.make_schedule(json.loads(json.dumps(built.to_dict()))) == built
    assert sch.make_schedule(built) is built


@pytest.mark.parametrize("spec, error, fragment", [
    ({"kind": "warmup", "eta0": 1.0}, ValueError, "warmup"),
    ({"eta0": 1.0}, TypeError, "kind"),
    ("constant", TypeError, "kind"),
    ({"kind": "constant", "eta0": 1.0, "beta": 2.0}, ValueError, "beta"),
    ({"kind": "inv_linear", "eta0": 1.0}, ValueError, "a"),
    ({"kind": "constant", "eta0": -1.0}, ValueError, "eta0"),
    ({"kind": "stagewise", "eta0": 1.0, "factor": 0.5, "milestones": [3, 1]}, ValueError, "milestones"),
])
def test_make_schedule_rejects_bad_specs(spec, error, fragment):
    with pytest.raises(error, match=fragment):
        sch.make_schedule(spec)
