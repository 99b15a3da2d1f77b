"""The harness: claims fail when they should, divergence fails, errors are reported, reports are written."""

import json
import math

import numpy as np
import pytest

from adaptopt import schedules
from proofs_check import verify
from proofs_check.records import (FAIL, PASS, REPORT, Check, ContractionClaim, Curve, Experiment, LinearRateClaim,
                                  PlateauClaim, Resolved, SlopeClaim, Source, UpperBoundClaim, ValueClaim, log_grid)
from synthetic import noise, objectives

GRID = {p: log_grid(2, 3, 4) for p in ("quick", "default", "full")}


def _curve(x, values, n_diverged=0):
    f = objectives.quadratic(np.ones(2))
    return Curve(np.asarray(x), np.asarray(values, dtype=float), Resolved(f, noise.none(), 1.0), [], n_diverged)


def _power_law(p, n_seeds=64, seed=0):
    x = np.array(log_grid(2, 4, 4))
    rng = np.random.default_rng(seed)
    return x, (x[:, None] ** p) * np.exp(0.05 * rng.standard_normal((x.size, n_seeds)))


def test_slope_claim_passes_and_fails():
    x, v = _power_law(-0.5)
    assert SlopeClaim(-0.5).judge(_curve(x, v)).status == PASS
    judged = SlopeClaim(-1.0).judge(_curve(x, v))
    assert judged.status == FAIL and "outside" in judged.reason


def test_plateau_claim_fails_on_a_decaying_curve_and_checks_the_level():
    x, v = _power_law(-0.5)
    assert PlateauClaim().judge(_curve(x, v)).status == FAIL
    flat = np.ones_like(v) * 3.0

    def floor(curve):
        """floor"""
        return np.full(curve.x.shape, 4.0)
    assert PlateauClaim(floor, (0.5, 1.0)).judge(_curve(x, flat)).status == PASS
    assert PlateauClaim(floor, (0.9, 1.0)).judge(_curve(x, flat)).status == FAIL


def test_upper_bound_claim_judges_every_point():
    x, v = _power_law(-1.0)

    def loose(curve):
        """2 T^-1"""
        return 2.0 * curve.x ** -1.0

    def tight_at_end(curve):
        """bound violated at the last T"""
        b = 2.0 * curve.x ** -1.0
        b[-1] = 0.5 * curve.x[-1] ** -1.0
        return b
    assert UpperBoundClaim(loose).judge(_curve(x, v)).status == PASS
    judged = UpperBoundClaim(tight_at_end).judge(_curve(x, v))
    assert judged.status == FAIL and str(x[-1]) in judged.reason


def test_linear_rate_and_contraction_claims():
    t = np.arange(0, 200, 5)
    v = np.tile(0.9 ** t, (4, 1)).T
    assert LinearRateClaim(lambda c: 0.95).judge(_curve(t, v)).status == PASS
    assert LinearRateClaim(lambda c: 0.85).judge(_curve(t, v)).status == FAIL
    assert ContractionClaim(lambda c: 0.9, rtol=1e-3).judge(_curve(t, v)).status == PASS
    assert ContractionClaim(lambda c: 0.91, rtol=1e-3).judge(_curve(t, v)).status == FAIL


def _check(experiment, claim):
    return Check("T-CHECK", "test", "title", "statement", ("a",), Source("derived", "here"), experiment, claim)


def test_divergence_fails_a_passing_claim_and_unjudged_experiments_are_reported():
    x, v = _power_law(-0.5)
    experiment = Experiment("sgd", lambda: objectives.quadratic(np.ones(2)), noise.none,
                            lambda T, r: schedules.constant(0.1), "f_gap", GRID, seeds=8)
    check = _check(experiment, SlopeClaim(-0.5))
    assert check.evaluate(_curve(x, v)).status == PASS
    judged = check.evaluate(_curve(x, v, n_diverged=3))
    assert judged.status == FAIL and "diverged" in judged.reason
    unjudged = Experiment("sgd", lambda: objectives.quadratic(np.ones(2)), noise.none,
                          lambda T, r: schedules.constant(0.1), "f_gap", GRID, seeds=8, judged=False)
    assert _check(unjudged, SlopeClaim(-1.0)).evaluate(_curve(x, v)).status == REPORT


def test_experiment_validation():
    with pytest.raises(ValueError, match="metric"):
        Experiment("sgd", objectives.pl_sine, noise.none, None, "nope", GRID, seeds=8)
    with pytest.raises(ValueError, match="profile"):
        Experiment("sgd", objectives.pl_sine, noise.none, None, "f_gap", {"quick": (1, 2)}, seeds=8)
    with pytest.raises(ValueError, match="source kind"):
        Source("folklore", "x")


def test_runner_measures_judges_and_writes_a_report(tmp_path):
    # GD on a quadratic with curvature 1 and step 0.5 contracts f - f* by exactly 0.25 per step.
    steps = {p: tuple(range(1, 40)) for p in ("quick", "default", "full")}
    experiment = Experiment("sgd", lambda: objectives.quadratic(np.ones(3)), noise.none,
                            lambda T, r: schedules.constant(0.5), "f_gap", steps, seeds=8)
    good = _check(experiment, ContractionClaim(lambda c: 0.25, rtol=1e-6))
    bad = Check("T-BAD", "test", "t", "s", ("a",), Source("paper", "p"), experiment,
                ContractionClaim(lambda c: 0.5, rtol=1e-6))
    outcomes = verify.run_checks([good, bad], "default")
    assert [o.status for o in outcomes] == [PASS, FAIL]
    assert [o.status for o in verify.run_checks([good, bad], "quick")] == [REPORT, REPORT]
    assert math.isclose(outcomes[0].measured["contraction"], 0.25, rel_tol=1e-9)
    paths = verify.write_outputs(outcomes, tmp_path, profile="default", root_seed=0, wall_time_s=1.0)
    data = json.loads(paths["json"].read_text())
    assert data["meta"]["counts"] == {"pass": 1, "fail": 1, "report": 0}
    assert (tmp_path / "figures" / "T-CHECK.png").is_file() and (tmp_path / "figures" / "T-BAD.pdf").is_file()
    assert "**fail**" in paths["report"].read_text()


def test_runner_reports_an_experiment_error_as_a_failed_check():
    def broken_objective():
        raise RuntimeError("boom")
    experiment = Experiment("sgd", broken_objective, noise.none, None, "f_gap", GRID, seeds=8)
    (outcome,) = verify.run_checks([_check(experiment, SlopeClaim(-1.0))], "quick")
    assert outcome.status == FAIL and "boom" in outcome.reason


def test_value_claim_reads_nested_extra_and_checks_both_limits():
    x, v = _power_law(-0.5)
    curve = Curve(x, v, Resolved(objectives.quadratic(np.ones(2)), noise.none(), 1.0), [], 0,
                  extra={"ratios": {"a": [0.5, 2.0, 3.0]}, "gap": 1e-3})
    assert ValueClaim("ratios/a", "ratio", at_most=3.0).judge(curve).status == PASS
    assert ValueClaim("ratios/a", "ratio", at_most=2.5).judge(curve).status == FAIL
    assert ValueClaim("gap", "gap", at_least=1e-2).judge(curve).status == FAIL

    def limit(c):
        """a limit from the curve"""
        return 1e-4
    judged = ValueClaim("gap", "gap", at_least=limit).judge(curve)
    assert judged.status == PASS and "a limit from the curve" in ValueClaim("gap", "gap", at_least=limit).describe()


def test_hyper_parameters_that_depend_on_the_horizon_need_one_run_per_horizon():
    with pytest.raises(ValueError, match="per_horizon"):
        Experiment("sgd_heavy_ball", objectives.pl_sine, noise.none, lambda T, r: schedules.constant(0.1), "f_gap",
                   GRID, seeds=8, hyper=lambda T, r: {"momentum": 1 - T ** -0.5})


def test_worker_processes_give_the_same_outcomes():
    """Running registered checks in two processes changes neither a number nor the order."""
    from proofs_check import registry
    checks = registry.select(["F-GD-PL-*"])
    serial = verify.run_checks(checks, "default")
    parallel = verify.run_checks(checks, "default", jobs=2)
    assert [o.id for o in parallel] == [o.id for o in serial]
    for a, b in zip(serial, parallel):
        assert (a.status, a.measured, a.mean) == (b.status, b.measured, b.mean)
