"""Sign, clipped and normalized methods against the claims of spec B.1, B.2, A.4 and B.9-B1.

The claims and the kind of assertion that matches each (STYLE.md §6):

* implicit per-coordinate clipping of Generalized SignSGD (ε = 0, no bias correction):
  ``|Δx_{t,i}| <= η_t/sqrt(1 − β2)`` at every step (upper bound, ``<=`` up to the rounding of
  the iterates), with equality at ``t = 1`` (tight: relative 1e-12), also as the recorded state
  ``max_step_ratio`` of a Monte-Carlo run;
* reductions, by equality: β2 = 0 is Signum and β1 = β2 = 0 is SignSGD (bit for bit, ε = 0);
  clipping at γ = 1e300 is SGD (and with momentum, PyTorch heavy ball); the authors' normalized
  SGD with dampening 0 is the EMA form (up to its 1e-10 guard, bounded explicitly);
* the bias-correction caveat: first step ``η/(1 − β1)`` per coordinate;
* scale-freeness (A.4): sign methods give the same iterates for ``c ⊙ g``, ``c > 0`` per
  coordinate (relative 1e-12, also as a hypothesis property); coupled weight decay, clipping and
  normalization by the global norm do not (deviation >= 1e-2), and normalized SGD is invariant to
  a global scalar ``c``.

Gradient streams are the spec's heavy-tailed ones (B.9-B1): Student-t with 1.5 degrees of
freedom (infinite variance) times per-coordinate scales ``10^U(−3, 3)``, T = 5000, d = 20, from
a numpy Generator. Everything goes through :func:`adaptopt.replay` (one replay kernel per
algorithm) except the state check, which goes through :func:`adaptopt.run`.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import lfilter

import adaptopt
from adaptopt import schedules
from adaptopt.algorithms.clipping import NORM_GUARD
from adaptopt.reference import reference_replay
from synthetic import noise, objectives

# ---- test tolerances and sizes (one place) ------------------------------------------------------
T_STREAM = 5000  # spec B.9-B1
D_STREAM = 20
STUDENT_DF = 1.5
LOG10_SCALE_RANGE = 3.0  # per-coordinate scales 10^U(-3, 3)
BETA2_GRID = (0.0, 0.5, 0.9, 0.99, 0.999)
TIGHT_RTOL = 1e-12  # equalities that hold up to a few roundings (tight bounds, reductions)
SCALE_FREE_RTOL = 1e-12  # max_t ||x~_t - x_t||_inf relative to max_t ||x_t||_inf
NOT_SCALE_FREE_MIN = 1e-2  # the same relative deviation for methods that are not scale-free
ULP_SLACK = 8 * np.finfo(float).eps  # rounding of an iterate difference, relative to |x|
HUGE_GAMMA = 1e300  # clipping threshold that never clips (the registry's gamma must be finite)
HYPOTHESIS_EXAMPLES = 60
HYPOTHESIS_T = 300

ETA0 = 1e-2
SCHEDULE = schedules.inv_sqrt(ETA0)  # a varying eta_t, so that bounds are checked per step


def heavy_tailed_stream(seed: int, horizon: int = T_STREAM, dim: int = D_STREAM) -> np.ndarray:
    """Student-t(1.5) gradients times per-coordinate scales 10^U(-3, 3), shape (T, d)."""
    rng = np.random.default_rng(seed)
    scales = 10.0 ** rng.uniform(-LOG10_SCALE_RANGE, LOG10_SCALE_RANGE, dim)
    return rng.standard_t(STUDENT_DF, (horizon, dim)) * scales


def coordinate_scales(seed: int, dim: int = D_STREAM) -> np.ndarray:
    """A fixed positive rescaling c, non-uniform over four decades either way."""
    return 10.0 ** np.random.default_rng(seed).uniform(-LOG10_SCALE_RANGE, LOG10_SCALE_RANGE, dim)


def eta(horizon: int = T_STREAM) -> np.ndarray:
    """eta_t of SCHEDULE for t = 1..horizon."""
    return SCHEDULE(np.arange(1, horizon + 1), horizon)


def replay(algorithm, grads, x0=None, **hyper):
    x0 = np.zeros(grads.shape[1]) if x0 is None else x0
    return adaptopt.replay(algorithm, grads, x0=x0, hyper=hyper, schedule=SCHEDULE)


def relative_deviation(a: np.ndarray, b: np.ndarray) -> float:
    """max_t ||a_t - b_t||_inf / max_t ||b_t||_inf over two trajectories."""
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


GEN_SIGN_EXACT = dict(beta1=0.9, eps=0.0, weight_decay=0.0, bias_correction=0)


# ---- implicit per-coordinate clipping (spec B.1) -------------------------------------------------


@pytest.mark.parametrize("beta2", BETA2_GRID)
def test_implicit_clipping_bound_holds_and_is_attained_at_the_first_step(beta2):
    grads = heavy_tailed_stream(1)
    iterates, steps = replay("generalized_signsgd", grads, **GEN_SIGN_EXACT, beta2=beta2)
    bound = 1.0 / math.sqrt(1.0 - beta2)
    etas = eta()
    np.testing.assert_array_equal(steps, etas)  # the recorded step size is the schedule's
    moves = np.abs(np.diff(iterates, axis=0))
    rounding = ULP_SLACK * np.maximum(np.abs(iterates[1:]), np.abs(iterates[:-1]))
    excess = moves - (etas[:, None] * bound * (1.0 + TIGHT_RTOL) + rounding)
    assert np.all(excess <= 0.0), f"|Δx|/η_t = {np.max(moves / etas[:, None]):.6g} > 1/sqrt(1-β2) = {bound:.6g}"
    # t = 1 from x0 = 0: |x_1| = η_1/sqrt(1 - β2) exactly in every coordinate (g_1 has no zeros).
    np.testing.assert_allclose(moves[0], etas[0] * bound, rtol=TIGHT_RTOL, atol=0.0)
    np.testing.assert_allclose(np.max(moves / etas[:, None]), bound, rtol=TIGHT_RTOL)


@pytest.mark.parametrize("beta2", [0.0, 0.99])
def test_max_step_ratio_is_recorded_by_run(beta2):
    """The state max_step_ratio of a noisy quadratic run is 1/sqrt(1 - β2) from the first step on
    (ε = 0); with ε > 0 it stays strictly below, and with bias correction it is 1/(1 - β1)."""
    obj = objectives.quadratic([1.0, 4.0, 20.0])
    kwargs = dict(T=300, n_seeds=3, schedule=schedules.constant(0.01), checkpoints=[0, 1, 7, 300])
    res = adaptopt.run("generalized_signsgd", obj, noise.gaussian(1.0), hyper={**GEN_SIGN_EXACT, "beta2": beta2},
                       **kwargs)
    ratio = res.metric("state_max_step_ratio")
    np.testing.assert_array_equal(ratio[0], 0.0)
    np.testing.assert_allclose(ratio[1:], 1.0 / math.sqrt(1.0 - beta2), rtol=TIGHT_RTOL)
    with_eps = adaptopt.run("generalized_signsgd", obj, noise.gaussian(1.0),
                            hyper={**GEN_SIGN_EXACT, "beta2": beta2, "eps": 1e-3}, **kwargs)
    assert np.all(with_eps.metric("state_max_step_ratio")[1:] < 1.0 / math.sqrt(1.0 - beta2))
    corrected = adaptopt.run("generalized_signsgd", obj, noise.gaussian(1.0),
                             hyper={**GEN_SIGN_EXACT, "beta2": beta2, "bias_correction": 1}, **kwargs)
    assert np.all(corrected.metric("state_max_step_ratio")[1:] >= (1.0 - TIGHT_RTOL) / (1.0 - 0.9))


@pytest.mark.parametrize("beta1", [0.0, 0.5, 0.9, 0.99])
def test_bias_corrected_first_step_is_eta_over_one_minus_beta1(beta1):
    grads = heavy_tailed_stream(2, horizon=3)
    grads[0, ::4] = 0.0  # zero coordinates: 0/0 := 0, no move
    iterates, _ = replay("generalized_signsgd", grads, beta1=beta1, beta2=0.999, eps=0.0, bias_correction=1)
    expected = np.where(grads[0] != 0.0, eta(3)[0] / (1.0 - beta1), 0.0)
    np.testing.assert_allclose(np.abs(iterates[1]), expected, rtol=TIGHT_RTOL, atol=0.0)
    np.testing.assert_array_equal(np.sign(iterates[1]), -np.sign(grads[0]))


# ---- reductions ----------------------------------------------------------------------------------


def _stream_with_zeros(seed: int) -> np.ndarray:
    grads = heavy_tailed_stream(seed)
    grads[np.random.default_rng(seed + 100).random(grads.shape) < 0.05] = 0.0  # sign(0) = 0, 0/0 := 0
    return grads


@pytest.mark.parametrize("beta1", [0.5, 0.9])
def test_generalized_signsgd_with_beta2_zero_is_signum(beta1):
    grads = _stream_with_zeros(3)
    general, steps = replay("generalized_signsgd", grads, beta1=beta1, beta2=0.0, eps=0.0)
    signum, signum_steps = replay("signum", grads, momentum=beta1)
    np.testing.assert_array_equal(general, signum)
    np.testing.assert_array_equal(steps, signum_steps)


def test_generalized_signsgd_with_both_betas_zero_is_signsgd():
    grads = _stream_with_zeros(4)
    general, _ = replay("generalized_signsgd", grads, beta1=0.0, beta2=0.0, eps=0.0)
    sign, _ = replay("signsgd", grads)
    np.testing.assert_array_equal(general, sign)
    # and SignSGD is x_t = x_0 - sum_{s<=t} eta_s sign(g_s), with sign(0) = 0
    closed_form = -np.cumsum(eta()[:, None] * np.sign(grads), axis=0)
    np.testing.assert_allclose(sign[1:], closed_form, rtol=TIGHT_RTOL, atol=TIGHT_RTOL * np.abs(closed_form).max())


def test_clipped_sgd_with_huge_gamma_is_sgd():
    grads = heavy_tailed_stream(5)
    clipped, clipped_steps = replay("clipped_sgd", grads, gamma=HUGE_GAMMA)
    sgd, sgd_steps = replay("sgd", grads)
    np.testing.assert_array_equal(clipped_steps, sgd_steps)
    np.testing.assert_allclose(clipped, sgd, rtol=0.0, atol=TIGHT_RTOL * np.abs(sgd).max())
    momentum, _ = replay("clipped_sgd_momentum", grads, momentum=0.9, gamma=HUGE_GAMMA)
    heavy_ball, _ = replay("sgd_heavy_ball", grads, momentum=0.9)
    np.testing.assert_allclose(momentum, heavy_ball, rtol=0.0, atol=TIGHT_RTOL * np.abs(heavy_ball).max())


def test_clipped_sgd_caps_the_step_length_at_gamma():
    """||Δx_t|| = min(η_t ||g_t||, γ): clipping active on half of the stream, and a zero
    gradient moves nothing while recording η_t."""
    grads = heavy_tailed_stream(6)
    grads[10] = 0.0
    norms = np.linalg.norm(grads, axis=1)
    gamma = float(np.median(eta() * norms))  # clips about half of the steps
    iterates, steps = replay("clipped_sgd", grads, gamma=gamma)
    lengths = np.linalg.norm(np.diff(iterates, axis=0), axis=1)
    expected = np.minimum(eta() * norms, gamma)
    clipped = eta() * norms > gamma
    assert 0.1 < clipped.mean() < 0.9, "the stream must exercise both branches"
    np.testing.assert_allclose(lengths, expected, rtol=1e-9, atol=ULP_SLACK * np.abs(iterates).max())
    np.testing.assert_allclose(steps, np.where(clipped, gamma / np.where(norms > 0, norms, 1.0), eta()),
                               rtol=TIGHT_RTOL)
    assert steps[10] == eta()[10] and np.all(iterates[11] == iterates[10])


def _guard_bound(grads, momentum, c=1.0):
    """Σ_t η_t guard/||b_t|| for the PyTorch buffer b_t = m_t/(1 - μ) (dampening 0) of c g: how far
    the 1e-10 guard can move the authors' normalized SGD from exact normalization."""
    ema = lfilter([1.0 - momentum], [1.0, -momentum], c * grads, axis=0)
    return float(np.sum(eta() * NORM_GUARD * (1.0 - momentum) / np.linalg.norm(ema, axis=1)))


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_authors_normalized_sgd_is_the_ema_form_up_to_its_guard(momentum):
    """PyTorch buffer (dampening 0) = EMA/(1 - μ); normalization removes the factor."""
    grads = heavy_tailed_stream(7)
    pytorch, _ = replay("normalized_sgd_momentum", grads, momentum=momentum)
    ema, _ = replay("normalized_sgd_ema", grads, momentum=momentum)
    tol = _guard_bound(grads, momentum) + TIGHT_RTOL * np.abs(ema).max()
    assert np.max(np.abs(pytorch - ema)) <= tol
    # every step of the EMA form has length exactly eta_t
    np.testing.assert_allclose(np.linalg.norm(np.diff(ema, axis=0), axis=1), eta(), rtol=1e-9)


# ---- scale-freeness (spec A.4) -------------------------------------------------------------------


SCALE_FREE_CASES = [("signsgd", {}), ("signum", {"momentum": 0.9})] + [
    ("generalized_signsgd", {**GEN_SIGN_EXACT, "beta2": b2}) for b2 in BETA2_GRID] + [
    ("generalized_signsgd", {**GEN_SIGN_EXACT, "beta2": 0.999, "bias_correction": 1})]


SCALE_FREE_IDS = ["signsgd", "signum"] + [f"generalized-beta2={b2:g}" for b2 in BETA2_GRID] + [
    "generalized-bias-corrected"]


@pytest.mark.parametrize(("algorithm", "hyper"), SCALE_FREE_CASES, ids=SCALE_FREE_IDS)
def test_sign_methods_are_scale_free(algorithm, hyper):
    grads = heavy_tailed_stream(8)
    x0 = np.random.default_rng(9).standard_normal(D_STREAM)
    c = coordinate_scales(10)
    plain, _ = replay(algorithm, grads, x0, **hyper)
    scaled, _ = replay(algorithm, c * grads, x0, **hyper)
    assert relative_deviation(scaled, plain) <= SCALE_FREE_RTOL


NOT_SCALE_FREE_CASES = [
    ("generalized_signsgd", {**GEN_SIGN_EXACT, "beta2": 0.99, "weight_decay": 1.0}),  # coupled decay
    ("clipped_sgd", {"gamma": 0.05}),
    ("clipped_sgd_momentum", {"momentum": 0.9, "gamma": 0.05}),
    ("normalized_sgd_ema", {"momentum": 0.9}),
    ("normalized_sgd_momentum", {"momentum": 0.9}),
]


@pytest.mark.parametrize(("algorithm", "hyper"), NOT_SCALE_FREE_CASES, ids=[a for a, _ in NOT_SCALE_FREE_CASES])
def test_global_norm_methods_and_coupled_decay_are_not_scale_free(algorithm, hyper):
    grads = heavy_tailed_stream(8)
    x0 = np.random.default_rng(9).standard_normal(D_STREAM)
    c = coordinate_scales(10)
    plain, _ = replay(algorithm, grads, x0, **hyper)
    scaled, _ = replay(algorithm, c * grads, x0, **hyper)
    assert relative_deviation(scaled, plain) >= NOT_SCALE_FREE_MIN


@pytest.mark.parametrize("c", [1e-3, 0.37, 250.0])
def test_normalized_sgd_is_invariant_to_a_global_scalar(c):
    grads = heavy_tailed_stream(11)
    x0 = np.random.default_rng(12).standard_normal(D_STREAM)
    plain, _ = replay("normalized_sgd_ema", grads, x0, momentum=0.9)
    scaled, _ = replay("normalized_sgd_ema", c * grads, x0, momentum=0.9)
    assert relative_deviation(scaled, plain) <= SCALE_FREE_RTOL
    plain, _ = replay("normalized_sgd_momentum", grads, x0, momentum=0.9)
    scaled, _ = replay("normalized_sgd_momentum", c * grads, x0, momentum=0.9)
    tol = _guard_bound(grads, 0.9) + _guard_bound(grads, 0.9, c) + SCALE_FREE_RTOL * np.abs(plain).max()
    assert np.max(np.abs(scaled - plain)) <= tol


@settings(max_examples=HYPOTHESIS_EXAMPLES, deadline=None, database=None)
@given(
    beta1=st.floats(0.0, 0.999),
    beta2=st.floats(0.0, 0.999),
    bias_correction=st.sampled_from([0, 1]),
    log10_c=st.lists(st.floats(-LOG10_SCALE_RANGE, LOG10_SCALE_RANGE), min_size=1, max_size=8),
    seed=st.integers(0, 2**32 - 1),
)
def test_generalized_signsgd_is_scale_free_property(beta1, beta2, bias_correction, log10_c, seed):
    c = 10.0 ** np.array(log10_c)
    dim = c.size
    rng = np.random.default_rng(seed)
    grads = rng.standard_t(STUDENT_DF, (HYPOTHESIS_T, dim)) * 10.0 ** rng.uniform(-3, 3, dim)
    grads[rng.random(grads.shape) < 0.05] = 0.0
    x0 = rng.standard_normal(dim)
    hyper = dict(beta1=beta1, beta2=beta2, eps=0.0, bias_correction=bias_correction)
    plain, _ = replay("generalized_signsgd", grads, x0, **hyper)
    scaled, _ = replay("generalized_signsgd", c * grads, x0, **hyper)
    assert relative_deviation(scaled, plain) <= SCALE_FREE_RTOL


# ---- non-default options against the reference -----------------------------------------------------
# tests/test_engine.py compares every kernel with its reference at the default hyper-parameters;
# the options that defaults leave off (bias correction, weight decay, ε = 0, dampening, no momentum
# with dampening) are compared here, on replay.

OPTION_CASES = [
    ("generalized_signsgd", {"beta1": 0.8, "beta2": 0.95, "eps": 1e-6, "weight_decay": 0.3, "bias_correction": 1}),
    ("generalized_signsgd", {"beta1": 0.0, "beta2": 0.5, "eps": 0.0, "weight_decay": 0.0, "bias_correction": 0}),
    ("signum", {"momentum": 0.0}),
    ("clipped_sgd_momentum", {"momentum": 0.7, "dampening": 0.4, "gamma": 0.5}),
    ("clipped_sgd_momentum", {"momentum": 0.0, "dampening": 0.4, "gamma": 0.5}),
    ("normalized_sgd_momentum", {"momentum": 0.7, "dampening": 0.4}),
    ("normalized_sgd_momentum", {"momentum": 0.0, "dampening": 0.4}),
    ("normalized_sgd_ema", {"momentum": 0.0}),
    ("clipped_sgd", {"gamma": 0.3}),
]


@pytest.mark.parametrize(("algorithm", "hyper"), OPTION_CASES,
                         ids=[f"{a}-{k}" for k, (a, _) in enumerate(OPTION_CASES)])
def test_kernel_matches_reference_with_options(algorithm, hyper):
    grads = _stream_with_zeros(13)[:500]
    x0 = np.random.default_rng(14).standard_normal(D_STREAM)
    iterates, steps = adaptopt.replay(algorithm, grads, x0=x0, hyper=hyper, schedule=SCHEDULE)
    ref_iterates, ref_steps = reference_replay(algorithm, grads, x0=x0, hyper=hyper, schedule=SCHEDULE)
    assert relative_deviation(iterates, ref_iterates) <= TIGHT_RTOL
    np.testing.assert_allclose(steps, ref_steps, rtol=TIGHT_RTOL, atol=0.0)


def test_pytorch_buffer_starts_at_the_gradient_and_ignores_dampening_without_momentum():
    """torch.optim.SGD (and the authors' S7 classes): b_1 = g_1, b_t = μ b_{t-1} + (1 - δ) g_t,
    and b_t = g_t when μ = 0 whatever δ; seen through clipping at γ = 1e300 (no clipping)."""
    grads = heavy_tailed_stream(15, horizon=3)
    etas = eta(3)
    iterates, _ = replay("clipped_sgd_momentum", grads, momentum=0.9, dampening=0.5, gamma=HUGE_GAMMA)
    np.testing.assert_allclose(-np.diff(iterates, axis=0)[:2],
                               [etas[0] * grads[0], etas[1] * (0.9 * grads[0] + 0.5 * grads[1])], rtol=TIGHT_RTOL)
    iterates, _ = replay("clipped_sgd_momentum", grads, momentum=0.0, dampening=0.5, gamma=HUGE_GAMMA)
    np.testing.assert_allclose(-np.diff(iterates, axis=0), etas[:, None] * grads, rtol=TIGHT_RTOL)


# ---- hyper-parameter validation ------------------------------------------------------------------


@pytest.mark.parametrize(("algorithm", "hyper", "match"), [
    ("generalized_signsgd", {"bias_correction": 0.5}, "bias_correction must be one of"),
    ("generalized_signsgd", {"beta2": 1.0}, "beta2 must lie in"),
    ("generalized_signsgd", {"eps": -1.0}, "eps must lie in"),
    ("clipped_sgd", {"gamma": 0.0}, "gamma must lie in"),
    ("clipped_sgd", {"gamma": math.inf}, "gamma must be a finite number"),
    ("signum", {"momentum": 1.0}, "momentum must lie in"),
    ("normalized_sgd_momentum", {"dampening": 1.5}, "dampening must lie in"),
])
def test_bad_hyper_parameters_are_refused(algorithm, hyper, match):
    with pytest.raises(ValueError, match=match):
        adaptopt.replay(algorithm, np.ones((2, 2)), x0=np.zeros(2), hyper=hyper, schedule=SCHEDULE)
