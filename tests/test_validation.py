"""Bad input never reaches a kernel: adaptopt.run and adaptopt.replay refuse it with a readable error.

Contract (DESIGN.md, "Failure behaviour"): a value of the wrong kind raises ``TypeError``, a value
out of range ``ValueError``, and the message names the parameter. The hypothesis test drives
``adaptopt.run`` with random mixtures of valid and invalid arguments: only ``ValueError`` and
``TypeError`` may escape, every call with only valid arguments returns a :class:`adaptopt.Result`,
and every call with an invalid argument raises.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import adaptopt
from adaptopt import schedules
from adaptopt.algorithms import Algorithm, get_algorithm
from adaptopt.algorithms.sgd import no_state_init, sgd_step
from synthetic import noise, objectives

# ---- sizes (one place) ------------------------------------------------------------------------------
MAX_EXAMPLES = 60
MAX_T = 5  # horizons drawn by the property test (exponential(beta=10) is then always invalid)
DIM = 2

QUAD = objectives.quadratic([1.0, 2.0])
GOOD = dict(T=3, n_seeds=2, schedule=schedules.constant(0.1))
NAN, INF = math.nan, math.inf

#: An algorithm that sets its own step size (none is registered yet): built here only to check
#: that a schedule given to it is refused before anything runs.
FIXED_STEP = Algorithm("fixed_step_for_tests", no_state_init, sgd_step, uses_schedule=False)


def run(algorithm="sgd", objective=QUAD, noise_model=None, **overrides):
    kwargs = dict(GOOD)
    kwargs.update(overrides)
    return adaptopt.run(algorithm, objective, noise_model, **kwargs)


def test_good_arguments_run():
    result = run()
    assert isinstance(result, adaptopt.Result) and result.n_seeds == 2


# ---- step sizes (through schedules) ----------------------------------------------------------------


@pytest.mark.parametrize("eta0", [0.0, -0.1, NAN, INF, -INF])
@pytest.mark.parametrize("kind", ["constant", "inv_sqrt", "inv_t", "cosine"])
def test_bad_step_size_is_refused(kind, eta0):
    with pytest.raises(ValueError, match="eta0"):
        getattr(schedules, kind)(eta0)
    with pytest.raises(ValueError, match="eta0"):
        run(schedule={"kind": kind, "eta0": eta0})


@pytest.mark.parametrize(("spec", "error", "name"), [
    ({"kind": "constant", "eta0": "0.1"}, TypeError, "eta0"),
    ({"kind": "constant", "eta0": None}, TypeError, "eta0"),
    ({"kind": "constant", "eta0": True}, TypeError, "eta0"),
    ({"kind": "inv_linear", "eta0": 0.1, "a": -1.0}, ValueError, "a"),
    ({"kind": "inv_sqrt_linear", "eta0": 0.1, "a": NAN}, ValueError, "a"),
    ({"kind": "exponential", "eta0": 0.1, "beta": 0.5}, ValueError, "beta"),
    ({"kind": "stagewise", "eta0": 0.1, "factor": 0.0, "milestones": [2]}, ValueError, "factor"),
    ({"kind": "stagewise", "eta0": 0.1, "factor": 1.5, "milestones": [2]}, ValueError, "factor"),
    ({"kind": "stagewise", "eta0": 0.1, "factor": 0.5, "milestones": [3, 2]}, ValueError, "milestones"),
    ({"kind": "stagewise", "eta0": 0.1, "factor": 0.5, "milestones": [0]}, ValueError, "milestones"),
    ({"kind": "constant", "eta0": 0.1, "bogus": 1}, ValueError, "constant"),
    ({"kind": "bogus", "eta0": 0.1}, ValueError, "schedule kind"),
    ({"eta0": 0.1}, TypeError, "schedule"),
    ("constant", TypeError, "schedule"),
    (0.1, TypeError, "schedule"),
])
def test_bad_schedule_is_refused(spec, error, name):
    with pytest.raises(error, match=name):
        run(schedule=spec)


def test_exponential_schedule_needs_a_longer_horizon():
    with pytest.raises(ValueError, match="beta"):
        run(T=5, schedule=schedules.exponential(0.1, beta=10.0))
    assert isinstance(run(T=11, schedule=schedules.exponential(0.1, beta=10.0)), adaptopt.Result)


def test_schedule_presence_must_match_the_algorithm():
    with pytest.raises(ValueError, match="schedule"):
        run(schedule=None)
    with pytest.raises(ValueError, match="schedule"):
        run(FIXED_STEP, schedule=schedules.constant(0.1))
    with pytest.raises(ValueError, match="schedule"):
        adaptopt.replay("sgd", np.ones((3, DIM)), x0=np.zeros(DIM))


# ---- hyper-parameters ------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["sgd_heavy_ball", "sgd_ema"])
@pytest.mark.parametrize(("momentum", "error"), [
    (1.0, ValueError), (1.5, ValueError), (-0.1, ValueError), (NAN, ValueError), (INF, ValueError),
    ("0.5", TypeError), (None, TypeError), (True, TypeError), ([0.5], TypeError),
])
def test_momentum_outside_its_interval_is_refused(algorithm, momentum, error):
    with pytest.raises(error, match="momentum"):
        run(algorithm, hyper={"momentum": momentum})
    with pytest.raises(error, match="momentum"):
        adaptopt.replay(algorithm, np.ones((3, DIM)), x0=np.zeros(DIM), hyper={"momentum": momentum},
                        schedule=schedules.constant(0.1))


@pytest.mark.parametrize("momentum", [0.0, 0.5, 0.999])
def test_momentum_inside_its_interval_is_accepted(momentum):
    result = run("sgd_heavy_ball", noise_model=noise.uniform(0.5), hyper={"momentum": momentum})
    assert result.config["algorithm"]["hyper"] == {"momentum": momentum}


@pytest.mark.parametrize(("algorithm", "hyper"), [
    ("sgd", {"momentum": 0.5}),
    ("sgd_heavy_ball", {"lr": 0.1}),
    ("sgd_heavy_ball", {"momentum": 0.5, "beta": 0.5}),
])
def test_unknown_hyper_parameter_is_refused(algorithm, hyper):
    with pytest.raises(ValueError, match="unknown hyper-parameter"):
        run(algorithm, hyper=hyper)


@pytest.mark.parametrize("hyper", ["abc", [1], 5, [("momentum", 0.5, 1)]])
def test_hyper_that_is_not_a_mapping_is_refused_by_name(hyper):
    with pytest.raises(TypeError, match="hyper"):
        run("sgd_heavy_ball", hyper=hyper)


# ---- sizes, seeds, threads, thresholds --------------------------------------------------------------


@pytest.mark.parametrize("name", ["T", "n_seeds", "n_threads"])
@pytest.mark.parametrize(("value", "error"), [
    (0, ValueError), (-3, ValueError), (2.0, TypeError), ("3", TypeError), (True, TypeError),
    (np.float64(2.0), TypeError),
])
def test_bad_counts_are_refused(name, value, error):
    with pytest.raises(error, match=rf"\b{name}\b"):
        run(**{name: value})


@pytest.mark.parametrize("name", ["T", "n_seeds"])
def test_missing_counts_are_refused(name):
    with pytest.raises(TypeError, match=rf"\b{name}\b"):
        run(**{name: None})


@pytest.mark.parametrize(("name", "value", "error", "match"), [
    ("seed", -1, ValueError, "seed"),
    ("seed", 1.5, TypeError, "seed"),
    ("seed", None, TypeError, "seed"),
    ("seed", True, TypeError, "seed"),
    ("seed_start", -1, ValueError, "seed_start"),
    ("seed_start", 0.5, TypeError, "seed_start"),
    ("divergence_threshold", 0.0, ValueError, "divergence_threshold"),
    ("divergence_threshold", -1.0, ValueError, "divergence_threshold"),
    ("divergence_threshold", NAN, ValueError, "divergence_threshold"),
    ("divergence_threshold", INF, ValueError, "divergence_threshold"),
    ("divergence_threshold", "1e3", TypeError, "divergence_threshold"),
    ("divergence_threshold", None, TypeError, "divergence_threshold"),
])
def test_bad_seeds_and_thresholds_are_refused(name, value, error, match):
    with pytest.raises(error, match=match):
        run(**{name: value})


# ---- starting points -------------------------------------------------------------------------------


@pytest.mark.parametrize("x0", [
    np.zeros(DIM + 1), np.zeros((3, DIM)), np.zeros((2, DIM + 1)), np.zeros((1, 2, DIM)), np.zeros(()),
    [0.0, NAN], [INF, 0.0], np.array([[0.0, 0.0], [0.0, -INF]]),
])
def test_bad_starting_point_is_refused(x0):
    with pytest.raises(ValueError, match="x0"):
        run(x0=x0)


@pytest.mark.parametrize("x0", ["ab", [[1.0, 2.0], [3.0]], object(), {"a": 1}])
def test_non_numeric_starting_point_is_refused_by_name(x0):
    with pytest.raises((TypeError, ValueError), match="x0"):
        run(x0=x0)


# ---- names and plug-in types -----------------------------------------------------------------------


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    (dict(algorithm="adam_not_registered"), ValueError, "algorithm"),
    (dict(algorithm=None), ValueError, "algorithm"),
    (dict(objective="no_such_objective"), ValueError, "objective"),
    (dict(objective="quadratic"), ValueError, "objective"),  # registered, but needs its eigenvalues
    (dict(objective=3), TypeError, "objective"),
    (dict(objective=None), TypeError, "objective"),
    (dict(noise_model="no_such_noise"), ValueError, "noise"),
    (dict(noise_model="gaussian"), ValueError, "noise"),  # registered, but needs sigma
    (dict(noise_model=3), TypeError, "noise"),
    (dict(noise_model=noise.scaled([0.1, 0.2, 0.3])), ValueError, "dimension"),
])
def test_unknown_names_and_wrong_plugin_types_are_refused(kwargs, error, match):
    with pytest.raises(error, match=match):
        run(**kwargs)


def test_unknown_algorithm_is_refused_by_replay():
    with pytest.raises(ValueError, match="algorithm"):
        adaptopt.replay("adam_not_registered", np.ones((3, DIM)), x0=np.zeros(DIM), schedule=schedules.constant(0.1))


@pytest.mark.parametrize(("grads", "x0", "error", "match"), [
    (np.ones((3, DIM)), np.zeros(DIM + 1), ValueError, "x0"),
    (np.ones((3, DIM)), [NAN, 0.0], ValueError, "x0"),
    (np.ones(DIM), np.zeros(DIM), ValueError, "grads"),
    ([[1.0, NAN]], np.zeros(DIM), ValueError, "grads"),
])
def test_bad_replay_input_is_refused(grads, x0, error, match):
    with pytest.raises(error, match=match):
        adaptopt.replay("sgd", grads, x0=x0, schedule=schedules.constant(0.1))


@pytest.mark.parametrize(("grads", "x0", "match"), [
    ("abc", np.zeros(DIM), "grads"),
    ([[1.0, 2.0], [3.0]], np.zeros(DIM), "grads"),
    (np.ones((3, DIM)), "ab", "x0"),
])
def test_non_numeric_replay_input_is_refused_by_name(grads, x0, match):
    with pytest.raises((TypeError, ValueError), match=match):
        adaptopt.replay("sgd", grads, x0=x0, schedule=schedules.constant(0.1))


# ---- property test: random mixtures of valid and invalid arguments ---------------------------------

#: Valid (algorithm, noise) pairs, tied so that the property test compiles few kernels (the
#: validation it checks does not depend on the pairing).
VALID_PAIRS = [("sgd", None), ("sgd", "none"), (get_algorithm("sgd"), noise.none()),
               ("sgd_heavy_ball", noise.uniform(0.5))]
BAD_ALGORITHMS = ["adam_not_registered", "", None, 3, ["sgd"]]
BAD_NOISES = ["no_such_noise", "gaussian", 5, noise.scaled([0.1, 0.2, 0.3])]
BAD_OBJECTIVES = ["no_such_objective", "quadratic", 3, None, np.zeros(DIM)]


@st.composite
def run_arguments(draw):
    """``(kwargs, valid)``: arguments for adaptopt.run and whether all of them are valid.

    Each argument is invalid with probability 1/8, so about a fifth of the calls are valid.
    """
    flags = []

    def choose(good, bad):
        invalid = bool(bad) and draw(st.integers(0, 7)) == 0
        flags.append(not invalid)
        return draw(st.sampled_from(bad if invalid else good))

    algorithm, noise_model = draw(st.sampled_from(VALID_PAIRS))
    if draw(st.integers(0, 7)) == 0:
        algorithm = draw(st.sampled_from(BAD_ALGORITHMS))
        flags.append(False)
    if draw(st.integers(0, 7)) == 0:
        noise_model = draw(st.sampled_from(BAD_NOISES))
        flags.append(False)
    objective = choose([QUAD], BAD_OBJECTIVES)
    horizon = choose([1, 2, MAX_T, np.int64(3)], [0, -1, 2.5, "5", None, True, NAN])
    n_seeds = choose([1, 2, 3], [0, -2, 1.0, "2", None])
    rows = n_seeds if isinstance(n_seeds, int) and not isinstance(n_seeds, bool) and n_seeds > 0 else 2
    name = getattr(algorithm, "name", algorithm)
    good_hyper = [None, {}] + ([{"momentum": 0.0}, {"momentum": 0.5}, {"momentum": np.float64(0.3)}]
                               if name == "sgd_heavy_ball" else [])
    bad_hyper = [{"momentum": 1.0}, {"momentum": -0.1}, {"momentum": NAN}, {"momentum": INF}, {"momentum": "0.5"},
                 {"momentum": None}, {"lr": 0.1}, "abc", [1], 5] + ([{"momentum": 0.5}] if name == "sgd" else [])
    hyper = choose(good_hyper, bad_hyper)
    schedule = choose(
        [schedules.constant(0.1), {"kind": "inv_sqrt", "eta0": 0.1}, schedules.cosine(0.2),
         schedules.stagewise(0.1, 0.5, [2])],
        [None, {"kind": "constant", "eta0": -1.0}, {"kind": "constant", "eta0": 0.0}, {"kind": "constant", "eta0": NAN},
         {"kind": "constant", "eta0": INF}, {"kind": "bogus", "eta0": 0.1}, {"eta0": 0.1}, "constant", 0.1,
         schedules.exponential(0.1, beta=10.0), {"kind": "constant", "eta0": "0.1"}])
    x0 = choose([None, [0.5, -0.5], np.ones((rows, DIM)), (0, 1)],
                [np.ones(DIM + 1), np.ones((rows + 1, DIM)), [NAN, 0.0], [INF, 0.0], "ab", [[1.0, 2.0], [3.0]],
                 np.ones((1, 1, DIM))])
    seed = choose([0, 7, 2**40, np.int64(5)], [-1, 1.5, "0", None, True])
    seed_start = choose([0, 3], [-1, 0.5, None])
    checkpoints = choose([None, 1, 3, [0], [0, 1], np.array([1])], [0, -1, [-1], [100], [], [0.5], "x", 2.5, True])
    threshold = choose([1e100, 10.0, 1e50], [0.0, -1.0, NAN, INF, "1", None, True])
    n_threads = choose([None, 1, 2, 4], [0, -1, 1.5, "2"])
    kwargs = dict(algorithm=algorithm, objective=objective, noise=noise_model, T=horizon, n_seeds=n_seeds,
                  hyper=hyper, schedule=schedule, x0=x0, seed=seed, seed_start=seed_start, checkpoints=checkpoints,
                  divergence_threshold=threshold, n_threads=n_threads)
    return kwargs, all(flags)


@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(run_arguments())
def test_random_arguments_raise_only_readable_errors(case):
    kwargs, valid = case
    event("valid" if valid else "invalid")
    algorithm, objective, noise_model = kwargs.pop("algorithm"), kwargs.pop("objective"), kwargs.pop("noise")
    if valid:
        result = adaptopt.run(algorithm, objective, noise_model, **kwargs)
        assert isinstance(result, adaptopt.Result)
        assert result.n_seeds == kwargs["n_seeds"] and result.config["T"] == kwargs["T"]
        assert result.n_diverged == 0
        assert np.all(np.isfinite(result.final_x))
    else:
        with pytest.raises((ValueError, TypeError)):
            adaptopt.run(algorithm, objective, noise_model, **kwargs)
