"""The Adam family (:mod:`adaptopt.algorithms.adam`): reductions, scale-freeness, PyTorch.

1. Registry: hyper-parameter names, defaults and ranges; readable errors.
2. Kernels against the plain-numpy references through ``replay`` with non-default
   hyper-parameters (decay, AMSGrad, ε = 0, every schedule kind), and through ``run`` on the
   scale-freeness problem (the shared-noise harness of tests/test_engine.py runs the defaults).
3. Reductions to round-off (STYLE item 6): zero decay gives Adam; the torch AdamW convention
   with λ' equals the paper's with λ = α λ' for any schedule; AMSGrad equals Adam while the
   gradients grow; β1 = β2 = 0 (and RMSProp with ρ = 0) is SignSGD; Adam with β1 = 0, β2 = ρ,
   ε = 0 moves by exactly sqrt(1 − ρ^t) times RMSProp's step (the bias correction is the only
   difference); the exact one-step gap between AdamProx and AdamW; 0/0 := 0.
4. Scale-freeness (spec A.4, experiment A7-A1): exact invariance of AdamW / AdamProx / Adam at
   ε = 0 under a coordinate-wise rescaling of the oracle with common random numbers; Adam-ℓ2
   with λ > 0 is not invariant; the ε sweep; a hypothesis property test through ``replay``.
5. Agreement with ``torch.optim`` on the same gradient sequence (skipped without torch).
6. One compilation per replay kernel across a sweep of hyper-parameters and shapes.

Compilation budget: seven replay kernels (about 0.5 s each) and four run kernels
(adam, adam_l2, adamw, adamprox on (quadratic, scaled), about 3 s each, cold).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import adaptopt
from adaptopt import schedules
from adaptopt.algorithms import ALGORITHMS, get_algorithm
from adaptopt.engine import replay_kernel_for, run_kernel_for
from adaptopt.kernels import METRIC_NAMES
from adaptopt.reference import make_reference, reference_replay, reference_run, reference_step_size
from synthetic import noise, objectives

# ---- test tolerances and sizes (one place) ------------------------------------------------------
REF_RTOL = 1e-12  # kernel vs numpy reference (normwise over a trajectory)
EQUIV_RTOL = 1e-13  # reductions that hold exactly in real arithmetic (normwise)
TORCH_RTOL = 1e-12  # kernel vs torch.optim on the same gradients (normwise)
SCALE_FREE_RTOL = 1e-10  # spec A.7-A1: max|x − x̃| <= 1e-10 max|x| at ε = 0
L2_MIN_DEVIATION = 1e-2  # spec A.7-A1: Adam-ℓ2 with λ > 0 deviates by at least 1e-2 max|x|
AMSGRAD_MIN_DEVIATION = 1e-2  # AMSGrad must differ visibly from Adam when gradients shrink
EPS_SWEEP = (1e-16, 1e-14, 1e-12, 1e-10, 1e-8, 1e-6, 1e-4)
EPS_MONOTONE_SLACK = 0.5  # "monotone-ish": each deviation >= slack x the previous one
EPS_PRACTICAL = 1e-8  # the default ε already breaks the invariance beyond SCALE_FREE_RTOL
EPS_SWEEP_MIN_GROWTH = 1e6  # deviation(1e-4) / deviation(1e-16)
T_REPLAY, D_REPLAY = 300, 6
HYPOTHESIS_EXAMPLES = 60

ADAM_FAMILY = ("adam", "adam_l2", "adamw", "adamw_torch", "adamprox")
FAMILY = (*ADAM_FAMILY, "rmsprop", "adagrad")
DECAYED = ("adam_l2", "adamw", "adamw_torch", "adamprox")
#: Scale-free at ε = 0 for every λ (spec A.4).
SCALE_FREE = ("adam", "adamw", "adamw_torch", "adamprox", "rmsprop", "adagrad")
#: A schedule of several kinds; η_t is the multiplier of the base learning rate (eta0 = 1).
MULTIPLIERS = [schedules.constant(1.0), schedules.inv_sqrt(1.0), schedules.cosine(1.0),
               schedules.stagewise(1.0, 0.3, [40, 150]), schedules.exponential(1.0, beta=5.0),
               schedules.inv_linear(1.0, 0.02)]


def multiscale_gradients(seed: int, horizon: int = T_REPLAY, d: int = D_REPLAY) -> np.ndarray:
    """Gaussian gradients whose coordinates live on scales 1e-3 .. 1e3, with a mean drift."""
    rng = np.random.default_rng(seed)
    scales = np.logspace(-3.0, 3.0, d)
    return (rng.standard_normal((horizon, d)) + 0.5) * scales


def normwise_gap(actual, desired) -> float:
    """max |actual − desired| / max |desired| over the whole array."""
    actual, desired = np.asarray(actual), np.asarray(desired)
    assert actual.shape == desired.shape and np.all(np.isfinite(actual)) and np.all(np.isfinite(desired))
    return float(np.max(np.abs(actual - desired)) / np.max(np.abs(desired)))


def assert_normwise_close(actual, desired, rtol, what: str) -> None:
    gap = normwise_gap(actual, desired)
    assert gap <= rtol, f"{what}: normwise gap {gap:.3g} > {rtol:g}"


# ---- 1. registry ---------------------------------------------------------------------------------

_ADAM_DEFAULTS = {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "amsgrad": 0.0}
EXPECTED_DEFAULTS = {
    "adam": _ADAM_DEFAULTS,
    **{name: {**_ADAM_DEFAULTS, "weight_decay": 0.0} for name in DECAYED},
    "rmsprop": {"lr": 1e-2, "decay": 0.99, "eps": 1e-8},
    "adagrad": {"lr": 1e-2, "eps": 1e-10},
}


@pytest.mark.parametrize("name", FAMILY)
def test_registry_names_and_defaults(name):
    entry = ALGORITHMS[name]
    assert entry.resolved(None) == EXPECTED_DEFAULTS[name]
    assert entry.uses_schedule and entry.samples_per_step == 1
    if name in ADAM_FAMILY:
        assert {h.name: h.choices for h in entry.hypers}["amsgrad"] == (0.0, 1.0)
        assert entry.resolved({"amsgrad": True})["amsgrad"] == 1.0


@pytest.mark.parametrize(("name", "hyper", "match"), [
    ("adam", {"lr": 0.0}, "lr"), ("adam", {"lr": -1e-3}, "lr"), ("adam", {"beta1": 1.0}, "beta1"),
    ("adam", {"beta1": -0.1}, "beta1"), ("adam", {"beta2": 1.0}, "beta2"), ("adam", {"eps": -1e-8}, "eps"),
    ("adam", {"eps": math.inf}, "eps"), ("adam", {"amsgrad": 0.5}, "amsgrad"), ("adam", {"amsgrad": "yes"}, "amsgrad"),
    ("adam", {"weight_decay": 0.1}, "weight_decay"), ("adamw", {"weight_decay": -1e-4}, "weight_decay"),
    ("adamw_torch", {"weight_decay": math.nan}, "weight_decay"), ("adamprox", {"beta2": 1.5}, "beta2"),
    ("rmsprop", {"decay": 1.0}, "decay"), ("rmsprop", {"alpha": 0.9}, "alpha"), ("rmsprop", {"lr": 0.0}, "lr"),
    ("adagrad", {"eps": -1.0}, "eps"), ("adagrad", {"lr_decay": 0.1}, "lr_decay"),
])
def test_bad_hyper_parameters_are_refused_by_name(name, hyper, match):
    with pytest.raises(ValueError, match=match):
        get_algorithm(name).pack(hyper)


def test_family_needs_a_schedule_multiplier():
    with pytest.raises(ValueError, match="schedule"):
        adaptopt.replay("adamw", np.ones((3, 2)), x0=np.zeros(2))


# ---- 2. kernels against the references -----------------------------------------------------------

REF_HYPERS = {
    "adam": [{"lr": 2e-2}, {"lr": 2e-2, "amsgrad": 1.0, "beta1": 0.5, "beta2": 0.9}, {"eps": 0.0, "beta1": 0.0}],
    "adam_l2": [{"lr": 2e-2, "weight_decay": 0.3}, {"weight_decay": 2.0, "amsgrad": 1.0, "eps": 0.0}],
    "adamw": [{"lr": 2e-2, "weight_decay": 0.05}, {"weight_decay": 0.01, "amsgrad": 1.0, "eps": 0.0, "beta2": 0.0}],
    "adamw_torch": [{"lr": 2e-2, "weight_decay": 5.0}, {"weight_decay": 10.0, "amsgrad": 1.0, "eps": 1e-3}],
    "adamprox": [{"lr": 2e-2, "weight_decay": 0.05}, {"weight_decay": 0.5, "amsgrad": 1.0, "eps": 0.0}],
    "rmsprop": [{"lr": 2e-2, "decay": 0.9}, {"decay": 0.0, "eps": 0.0}],
    "adagrad": [{"lr": 0.1}, {"eps": 0.0}],
}
REF_CASES = [(name, hyper, MULTIPLIERS[k % len(MULTIPLIERS)])
             for name in FAMILY for k, hyper in enumerate(REF_HYPERS[name], start=FAMILY.index(name))]


@pytest.mark.parametrize(("name", "hyper", "schedule"), REF_CASES,
                         ids=[f"{n}-{k}-{s.kind}" for k, (n, _, s) in enumerate(REF_CASES)])
def test_replay_matches_reference(name, hyper, schedule):
    grads = multiscale_gradients(REF_CASES.index((name, hyper, schedule)))
    grads[:, 1] = 0.0  # a coordinate without gradient exercises 0/0 := 0 at ε = 0
    x0 = np.linspace(-2.0, 3.0, D_REPLAY)
    iterates, steps = adaptopt.replay(name, grads, x0=x0, hyper=hyper, schedule=schedule)
    ref_iterates, ref_steps = reference_replay(name, grads, x0=x0, hyper=hyper, schedule=schedule)
    assert_normwise_close(iterates, ref_iterates, REF_RTOL, f"{name} {hyper} iterates")
    np.testing.assert_allclose(steps, ref_steps, rtol=REF_RTOL, atol=0.0)
    lr = get_algorithm(name).resolved(hyper)["lr"]
    multipliers = [reference_step_size(schedule, t, T_REPLAY) for t in range(1, T_REPLAY + 1)]
    np.testing.assert_allclose(steps, lr * np.array(multipliers), rtol=REF_RTOL, atol=0.0)
    assert np.max(np.abs(iterates[-1] - x0)) > 1e-3, "the test trajectory should move"


@pytest.mark.parametrize("name", FAMILY)
def test_zero_over_zero_is_zero(name):
    """ε = 0 and a coordinate that never sees a gradient: u = 0, the coordinate stays put (no NaN)."""
    grads = multiscale_gradients(1, horizon=50, d=3)
    grads[:, 0] = 0.0
    x0 = np.array([0.7, -1.0, 2.0])
    iterates, _ = adaptopt.replay(name, grads, x0=x0, hyper={"eps": 0.0}, schedule=schedules.constant(1.0))
    assert np.all(np.isfinite(iterates))
    np.testing.assert_array_equal(iterates[:, 0], x0[0])


# ---- 3. reductions to round-off ------------------------------------------------------------------


@pytest.mark.parametrize("name", DECAYED)
@pytest.mark.parametrize("amsgrad", [0.0, 1.0])
def test_zero_decay_is_adam(name, amsgrad):
    grads = multiscale_gradients(2)
    x0 = np.linspace(-1.0, 1.0, D_REPLAY)
    hyper = {"lr": 1e-2, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6, "amsgrad": amsgrad}
    adam, _ = adaptopt.replay("adam", grads, x0=x0, hyper=hyper, schedule=schedules.cosine(1.0))
    other, _ = adaptopt.replay(name, grads, x0=x0, hyper={**hyper, "weight_decay": 0.0},
                               schedule=schedules.cosine(1.0))
    assert_normwise_close(other, adam, EQUIV_RTOL, f"{name} with weight_decay 0 vs adam")


@pytest.mark.parametrize("schedule", MULTIPLIERS, ids=lambda s: s.kind)
def test_torch_adamw_convention_equals_the_papers_with_lambda_alpha_lambda_prime(schedule):
    """(1 − α η_t λ') x − α η_t u with λ' equals (1 − λ η_t) x − α η_t u with λ = α λ', for any η_t."""
    grads = multiscale_gradients(3)
    x0 = np.linspace(-3.0, 2.0, D_REPLAY)
    alpha, lam_torch = 3e-3, 4.0
    common = {"lr": alpha, "amsgrad": 1.0}
    torch_form, _ = adaptopt.replay("adamw_torch", grads, x0=x0, hyper={**common, "weight_decay": lam_torch},
                                    schedule=schedule)
    paper_form, _ = adaptopt.replay("adamw", grads, x0=x0, hyper={**common, "weight_decay": alpha * lam_torch},
                                    schedule=schedule)
    assert_normwise_close(torch_form, paper_form, EQUIV_RTOL, "adamw_torch(λ') vs adamw(α λ')")
    adam, _ = adaptopt.replay("adam", grads, x0=x0, hyper=common, schedule=schedule)
    assert normwise_gap(paper_form, adam) > L2_MIN_DEVIATION, "the decay should matter in this test"


def test_amsgrad_equals_adam_while_gradients_grow_and_differs_when_they_shrink():
    """|g_t| non-decreasing per coordinate ⇒ v_t non-decreasing ⇒ max(w_{t−1}, v_t) = v_t."""
    rng = np.random.default_rng(4)
    horizon, d = 200, 4
    magnitude = np.logspace(-2.0, 2.0, d) * 1.01 ** np.arange(horizon)[:, None]
    signs = np.where(rng.random((horizon, d)) < 0.3, -1.0, 1.0)
    x0 = np.ones(d)
    hyper = {"lr": 1e-2, "beta1": 0.9, "beta2": 0.9}  # v forgets faster than |g| shrinks
    kwargs = dict(x0=x0, schedule=schedules.constant(1.0))
    for grads, equal in ((signs * magnitude, True), (signs * magnitude[::-1], False)):
        adam, _ = adaptopt.replay("adam", grads, hyper=hyper, **kwargs)
        ams, _ = adaptopt.replay("adam", grads, hyper={**hyper, "amsgrad": 1.0}, **kwargs)
        gap = normwise_gap(ams, adam)
        if equal:
            assert gap <= EQUIV_RTOL, f"growing gradients: AMSGrad vs Adam gap {gap:.3g}"
        else:
            assert gap >= AMSGRAD_MIN_DEVIATION, f"shrinking gradients: AMSGrad vs Adam gap only {gap:.3g}"


def test_adam_without_moments_and_rmsprop_without_memory_are_signsgd():
    """β1 = β2 = 0, ε = 0: m̂ = g, sqrt(v̂) = |g|, u = sign(g) (0/0 := 0 gives sign(0) = 0)."""
    grads = multiscale_gradients(5)
    grads[::7, 2] = 0.0
    x0 = np.linspace(-1.0, 1.0, D_REPLAY)
    schedule = schedules.inv_sqrt(1.0)
    alpha = 1e-2
    ts = np.arange(1, T_REPLAY + 1)
    signsgd = x0 - np.concatenate([np.zeros((1, D_REPLAY)),
                                   np.cumsum(alpha * schedule(ts, T_REPLAY)[:, None] * np.sign(grads), axis=0)])
    adam, _ = adaptopt.replay("adam", grads, x0=x0, hyper={"lr": alpha, "beta1": 0.0, "beta2": 0.0, "eps": 0.0},
                              schedule=schedule)
    rmsprop, _ = adaptopt.replay("rmsprop", grads, x0=x0, hyper={"lr": alpha, "decay": 0.0, "eps": 0.0},
                                 schedule=schedule)
    assert_normwise_close(adam, signsgd, EQUIV_RTOL, "adam(β1 = β2 = 0) vs SignSGD")
    assert_normwise_close(rmsprop, signsgd, EQUIV_RTOL, "rmsprop(ρ = 0) vs SignSGD")


@pytest.mark.parametrize("rho", [0.0, 0.5, 0.9, 0.999])
def test_adam_with_beta1_zero_is_rmsprop_up_to_the_bias_correction(rho):
    """Adam(β1 = 0, β2 = ρ, ε = 0) is *not* RMSProp(ρ): its v̂ = v/(1 − ρ^t), so that its step is
    α η_t g/sqrt(v̂) = sqrt(1 − ρ^t) · α η_t g/sqrt(v), exactly sqrt(1 − ρ^t) times RMSProp's step
    (v is the same EMA of g² in both, and neither step depends on x). With ε > 0 the relation
    would need the time-varying ε sqrt(1 − ρ^t), which is why ε = 0 here."""
    grads = multiscale_gradients(6)
    x0 = np.zeros(D_REPLAY)
    schedule = schedules.cosine(1.0)
    adam, _ = adaptopt.replay("adam", grads, x0=x0, hyper={"lr": 1e-2, "beta1": 0.0, "beta2": rho, "eps": 0.0},
                              schedule=schedule)
    rms, _ = adaptopt.replay("rmsprop", grads, x0=x0, hyper={"lr": 1e-2, "decay": rho, "eps": 0.0},
                             schedule=schedule)
    factor = np.sqrt(1.0 - rho ** np.arange(1, T_REPLAY + 1))[:, None]
    predicted = x0 + np.concatenate([np.zeros((1, D_REPLAY)), np.cumsum(factor * np.diff(rms, axis=0), axis=0)])
    assert_normwise_close(adam, predicted, EQUIV_RTOL, f"adam(β1=0, β2={rho}) vs sqrt(1 − ρ^t) · rmsprop steps")
    if rho > 0.0:
        assert normwise_gap(adam, rms) > L2_MIN_DEVIATION, "without the bias correction factor they differ"


@pytest.mark.parametrize("lam", [1e-3, 0.1, 2.0])
def test_one_step_gap_between_adamprox_and_adamw(lam):
    """From the same x and u: x_P − x_W = λη²(λx + αu)/(1 + λη) exactly ([D], spec A.3: O(λη²)).
    At t = 1 with ε = 0, u_1 = m̂_1/sqrt(v̂_1) = sign(g_1)."""
    rng = np.random.default_rng(7)
    x0, grads = rng.standard_normal(5), rng.standard_normal((1, 5))
    alpha, eta = 1e-2, 0.3
    hyper = {"lr": alpha, "eps": 0.0, "weight_decay": lam}
    (_, prox), _ = adaptopt.replay("adamprox", grads, x0=x0, hyper=hyper, schedule=schedules.constant(eta))
    (_, decoupled), _ = adaptopt.replay("adamw", grads, x0=x0, hyper=hyper, schedule=schedules.constant(eta))
    gap = lam * eta**2 * (lam * x0 + alpha * np.sign(grads[0])) / (1.0 + lam * eta)
    np.testing.assert_allclose(prox - decoupled, gap, rtol=1e-10, atol=EQUIV_RTOL * np.max(np.abs(x0)))


# ---- 4. scale-freeness (spec A.4, A.7-A1) ---------------------------------------------------------

A1_DIM, A1_T, A1_SEEDS = 50, 2000, 4
A1_ALPHA = A1_LAMBDA = 1e-2
A1_CHECKPOINTS = [0, 1, 2, 10, 100, 500, 1000, 1500, A1_T]


def a1_problem(rescaled: bool):
    """f = ½ Σ h_i (x_i − x*_i)², h log-spaced in [1e-3, 1e3], noise 0.1 sqrt(h_i) ξ_i; rescaled
    by c_i = 10^U(−4, 4): the objective (c ⊙ h) has gradient c ⊙ ∇f and noise.scaled(c ⊙ s)
    draws c ⊙ (s ⊙ ξ) from the same ξ as noise.scaled(s) for the same seed."""
    rng = np.random.default_rng(20220207)
    h = np.logspace(-3.0, 3.0, A1_DIM)
    x_star = rng.uniform(-2.0, 2.0, A1_DIM)
    c = 10.0 ** rng.uniform(-4.0, 4.0, A1_DIM)
    s = 0.1 * np.sqrt(h)
    if rescaled:
        return objectives.quadratic(h * c, center=x_star), noise.scaled(c * s)
    return objectives.quadratic(h, center=x_star), noise.scaled(s)


def a1_deviation(name: str, hyper: dict) -> float:
    """max over seeds, checkpoints and coordinates of |x − x̃|, relative to max |x|."""
    kwargs = dict(T=A1_T, n_seeds=A1_SEEDS, hyper=hyper, schedule=schedules.constant(1.0), seed=11,
                  checkpoints=A1_CHECKPOINTS, record_iterates=True)
    plain = adaptopt.run(name, *a1_problem(False), **kwargs)
    rescaled = adaptopt.run(name, *a1_problem(True), **kwargs)
    assert plain.n_diverged == 0 and rescaled.n_diverged == 0
    np.testing.assert_array_equal(plain.iterates[:, -1], plain.final_x)
    return normwise_gap(rescaled.iterates, plain.iterates)


@pytest.mark.parametrize(("name", "hyper"), [
    ("adamw", {"lr": A1_ALPHA, "weight_decay": A1_LAMBDA, "eps": 0.0}),
    ("adamprox", {"lr": A1_ALPHA, "weight_decay": A1_LAMBDA, "eps": 0.0}),
    ("adam", {"lr": A1_ALPHA, "eps": 0.0}),
    ("adamw", {"lr": A1_ALPHA, "weight_decay": A1_LAMBDA, "eps": 0.0, "amsgrad": 1.0}),
])
def test_scale_free_at_eps_zero(name, hyper):
    deviation = a1_deviation(name, hyper)
    assert deviation <= SCALE_FREE_RTOL, f"{name} {hyper}: max|x − x̃| = {deviation:.3g} max|x|"


def test_adam_l2_is_not_scale_free():
    deviation = a1_deviation("adam_l2", {"lr": A1_ALPHA, "weight_decay": A1_LAMBDA, "eps": 0.0})
    assert deviation >= L2_MIN_DEVIATION, f"Adam-ℓ2: max|x − x̃| = {deviation:.3g} max|x| (spec pilot: O(1))"


def test_eps_breaks_scale_freeness_progressively():
    """ε is added to sqrt(v̂); on the coordinates whose rescaled gradients are tiny (c h ~ 1e-7)
    it is not negligible, and the deviation grows with ε (about linearly until it saturates)."""
    deviations = [a1_deviation("adamw", {"lr": A1_ALPHA, "weight_decay": A1_LAMBDA, "eps": eps})
                  for eps in EPS_SWEEP]
    table = ", ".join(f"ε={eps:g}: {dev:.3g}" for eps, dev in zip(EPS_SWEEP, deviations))
    assert all(b >= EPS_MONOTONE_SLACK * a for a, b in itertools.pairwise(deviations)), f"not monotone: {table}"
    assert deviations[-1] >= EPS_SWEEP_MIN_GROWTH * deviations[0], f"no growth: {table}"
    assert deviations[EPS_SWEEP.index(EPS_PRACTICAL)] > SCALE_FREE_RTOL, f"ε = 1e-8 should break it: {table}"
    assert deviations[-1] >= L2_MIN_DEVIATION, f"ε = 1e-4 should be an O(1e-2) deviation: {table}"


@pytest.mark.parametrize(("name", "hyper"), [
    ("adam", {"lr": A1_ALPHA, "eps": 0.0, "amsgrad": 1.0}),
    ("adam_l2", {"lr": A1_ALPHA, "weight_decay": 0.5, "amsgrad": 1.0, "beta2": 0.9}),
    ("adamw", {"lr": A1_ALPHA, "weight_decay": 0.5, "eps": 1e-4}),
    ("adamprox", {"lr": A1_ALPHA, "weight_decay": 0.5, "eps": 0.0, "beta1": 0.0}),
])
def test_run_kernel_matches_reference_with_decay_and_amsgrad(name, hyper):
    """The engine harness runs the defaults (λ = 0); these cells exercise decay, AMSGrad, ε = 0."""
    obj, noise_model = a1_problem(True)
    kwargs = dict(T=200, n_seeds=2, hyper=hyper, schedule=schedules.inv_sqrt(1.0), seed=5,
                  checkpoints=[0, 1, 7, 50, 200])
    result = adaptopt.run(name, obj, noise_model, **kwargs)
    ref = reference_run(name, obj, noise_model, **kwargs)
    assert_normwise_close(result.final_x, ref["final_x"], REF_RTOL, "final_x")
    for metric in METRIC_NAMES:
        np.testing.assert_allclose(result.metric(metric), ref[metric], rtol=REF_RTOL, atol=0.0, err_msg=metric)


@st.composite
def scale_free_cases(draw):
    """(name, hyper, schedule, x0, grads, c) with the gradients of a noisy quadratic along the
    algorithm's own trajectory (closed loop, computed with the reference)."""
    name = draw(st.sampled_from(SCALE_FREE))
    d = draw(st.integers(1, 5))
    horizon = draw(st.integers(1, 30))
    exponents = st.lists(st.floats(-4.0, 4.0), min_size=d, max_size=d)
    c = 10.0 ** np.array(draw(exponents))
    h = 10.0 ** np.array(draw(st.lists(st.floats(-3.0, 3.0), min_size=d, max_size=d)))
    hyper = {"lr": 10.0 ** draw(st.floats(-3.0, -0.5)), "eps": 0.0}
    if name in ADAM_FAMILY:
        hyper.update(beta1=draw(st.floats(0.0, 0.99)), beta2=draw(st.floats(0.0, 0.9999)),
                     amsgrad=draw(st.sampled_from([0.0, 1.0])))
    if name in DECAYED:
        hyper["weight_decay"] = draw(st.sampled_from([0.0, 1e-4, 1e-2, 0.3]))
    if name == "rmsprop":
        hyper["decay"] = draw(st.floats(0.0, 0.999))
    schedule = draw(st.sampled_from(MULTIPLIERS[:4]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x_star, x = rng.uniform(-2.0, 2.0, d), rng.uniform(-2.0, 2.0, (1, d))
    x0 = x[0].copy()
    algo = make_reference(name, hyper)
    algo.init(x.copy())
    grads = np.empty((horizon, d))
    for t in range(1, horizon + 1):
        grads[t - 1] = h * (x[0] - x_star) + 0.1 * np.sqrt(h) * rng.standard_normal(d)
        x, _ = algo.step(t, reference_step_size(schedule, t, horizon), x, grads[t - 1:t], grads[t - 1:t])
    return name, hyper, schedule, x0, grads, c


@settings(max_examples=HYPOTHESIS_EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(scale_free_cases())
def test_rescaled_gradients_give_identical_iterates(case):
    """Open-loop invariance replay(c ⊙ g) = replay(g) for every sequence implies, by induction over
    t, the closed-loop one (the rescaled oracle along the same trajectory returns c ⊙ g)."""
    name, hyper, schedule, x0, grads, c = case
    plain, _ = adaptopt.replay(name, grads, x0=x0, hyper=hyper, schedule=schedule)
    rescaled, _ = adaptopt.replay(name, grads * c, x0=x0, hyper=hyper, schedule=schedule)
    assert_normwise_close(rescaled, plain, SCALE_FREE_RTOL, f"{name} {hyper} c={c}")
    reference, _ = reference_replay(name, grads, x0=x0, hyper=hyper, schedule=schedule)
    assert_normwise_close(plain, reference, REF_RTOL, f"{name} {hyper} vs reference")


# ---- 5. PyTorch ------------------------------------------------------------------------------------

#: (our name, our hyper, torch class name, torch kwargs); torch's lr is set to α η_t every step.
TORCH_CASES = [
    ("adam", {"lr": 1e-2}, "Adam", {}),
    ("adam", {"lr": 1e-2, "beta1": 0.5, "beta2": 0.9, "eps": 1e-3}, "Adam", {"betas": (0.5, 0.9), "eps": 1e-3}),
    ("adam", {"lr": 1e-2, "amsgrad": 1.0}, "Adam", {"amsgrad": True}),
    ("adam_l2", {"lr": 1e-2, "weight_decay": 0.3}, "Adam", {"weight_decay": 0.3}),
    ("adamw_torch", {"lr": 1e-2, "weight_decay": 3.0}, "AdamW", {"weight_decay": 3.0}),
    ("adamw_torch", {"lr": 1e-2, "weight_decay": 3.0, "amsgrad": 1.0}, "AdamW", {"weight_decay": 3.0, "amsgrad": True}),
    ("adamw", {"lr": 1e-2, "weight_decay": 3e-2}, "AdamW", {"weight_decay": 3.0}),  # λ = α λ'
    ("rmsprop", {"lr": 1e-2}, "RMSprop", {}),
    ("rmsprop", {"lr": 1e-2, "decay": 0.9, "eps": 1e-4}, "RMSprop", {"alpha": 0.9, "eps": 1e-4}),
    ("adagrad", {"lr": 0.1}, "Adagrad", {}),
]


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch", reason="torch is not installed: the torch.optim comparisons need it")


def torch_trajectory(torch, optimizer_name, torch_kwargs, lr, grads, x0, schedule):
    """Iterates of ``torch.optim.<optimizer_name>`` fed ``grads`` (float64), lr_t = lr η_t."""
    horizon = grads.shape[0]
    param = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    optimizer = getattr(torch.optim, optimizer_name)([param], lr=lr, foreach=False, **torch_kwargs)
    multipliers = schedule(np.arange(1, horizon + 1), horizon)
    out = np.empty((horizon + 1, x0.size))
    out[0] = x0
    for t in range(horizon):
        for group in optimizer.param_groups:
            group["lr"] = lr * float(multipliers[t])
        param.grad = torch.tensor(grads[t], dtype=torch.float64)
        optimizer.step()
        out[t + 1] = param.detach().numpy()
    return out


@pytest.mark.parametrize(("name", "hyper", "optimizer_name", "torch_kwargs"), TORCH_CASES,
                         ids=[f"{c[0]}-{c[2]}-{k}" for k, c in enumerate(TORCH_CASES)])
def test_agrees_with_torch_optim(torch, name, hyper, optimizer_name, torch_kwargs):
    case = TORCH_CASES.index((name, hyper, optimizer_name, torch_kwargs))
    grads = multiscale_gradients(100 + case, horizon=200)
    if hyper.get("amsgrad"):
        grads *= np.linspace(3.0, 0.1, 200)[:, None]  # shrinking gradients, so the max matters
    x0 = np.linspace(-2.0, 2.5, D_REPLAY)
    schedule = MULTIPLIERS[case % len(MULTIPLIERS)]
    ours, _ = adaptopt.replay(name, grads, x0=x0, hyper=hyper, schedule=schedule)
    theirs = torch_trajectory(torch, optimizer_name, torch_kwargs, hyper["lr"], grads, x0, schedule)
    assert_normwise_close(ours, theirs, TORCH_RTOL, f"{name} vs torch.optim.{optimizer_name}")
    assert np.max(np.abs(ours[-1] - x0)) > 1e-2, "the test trajectory should move"


# ---- 6. compilation ------------------------------------------------------------------------------


def test_hyper_sweeps_compile_each_replay_kernel_once():
    for name in FAMILY:
        for k, hyper in enumerate([{}, *REF_HYPERS[name], {"eps": 0.0, "lr": 0.5}]):
            d = 1 + k % 3
            grads = multiscale_gradients(k, horizon=5 + k, d=d)
            adaptopt.replay(name, grads, x0=np.ones(d), hyper=hyper, schedule=MULTIPLIERS[k % len(MULTIPLIERS)])
        kernel = replay_kernel_for(get_algorithm(name))
        assert len(kernel.signatures) == 1, (name, kernel.signatures)
    obj, noise_model = a1_problem(False)
    kernel = run_kernel_for(get_algorithm("adamw"), obj, noise_model)
    for lam, amsgrad in ((0.0, 0.0), (0.1, 1.0)):
        adaptopt.run("adamw", *a1_problem(bool(amsgrad)), T=3, n_seeds=2, schedule=schedules.constant(1.0),
                     hyper={"weight_decay": lam, "amsgrad": amsgrad})
    assert run_kernel_for(get_algorithm("adamw"), *a1_problem(True)) is kernel
    assert len(kernel.signatures) == 1, kernel.signatures
