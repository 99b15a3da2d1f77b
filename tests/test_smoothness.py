"""Tests for synthetic.smoothness: the local-smoothness estimator, envelopes and the B.8 self-test.

The estimator is compared with a naive loop written from the formula of spec B.8 and with exact
closed forms on quadratics (``||AΔ||/||Δ||`` for every grid point). Envelope fits are checked on
synthetic points with a known envelope (recovery to solver precision), with outliers (recovered
only when the coverage leaves them out: the must-fail case at coverage 1), and for the coverage
guarantee. The self-test recovers ``(w_i a_i², a_i)`` of ``Σ w_i cosh(a_i x_i)`` within ×2 (spec
B.9 B5) with the block denominator, and must fail with the spec's full denominator.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize, sparse

import adaptopt  # first: importing synthetic first is circular (see tests/test_noise.py)
from adaptopt import schedules
from synthetic import relaxed as R
from synthetic import smoothness as S
from synthetic.objectives import quadratic

# ---- test tolerances (one place) ---------------------------------------------------------------
EXACT_REL = 1e-10  # estimator on quadratics (gradient differences are exact up to round-off)
NAIVE_REL = 1e-13  # estimator against the naive loop
LP_REL = 1e-6  # envelope recovery (HiGHS feasibility tolerance ~1e-7 on scaled data)
SELFTEST_FACTOR = 2.0  # spec B.9 B5 pass criterion
RHO_NULL_SIGMAS = 4.0  # |ρ| <= 4/√n under independence


def _naive_local_smoothness(f, x, y, K, blocks=None, full=True):
    """Spec B.8 written as loops, one pair and one block at a time."""
    out = []
    for xt, xn in zip(x, y):
        delta = xn - xt
        g0 = f.grad(xt)
        row = []
        for s, e in ([(0, f.dim)] if blocks is None else blocks):
            best = -math.inf
            for k in range(1, K + 1):
                alpha = k / (K + 1)
                z = xt + (1 - alpha) * delta
                num = np.linalg.norm((f.grad(z) - g0)[s:e])
                den = np.linalg.norm(z - xt) if full else np.linalg.norm((z - xt)[s:e])
                best = max(best, num / den)
            row.append(best)
        out.append(row)
    return np.array(out)


# ---- the estimator ---------------------------------------------------------------------------------


def test_quadratic_gives_the_curvature_along_the_step():
    lam = np.array([0.5, 2.0, 8.0])
    f = quadratic(lam, center=[1.0, -1.0, 0.0])
    rng = np.random.default_rng(0)
    X = rng.uniform(-3, 3, (50, 3))
    # eigen-direction steps: exactly the eigenvalue, for every grid size K
    for i in range(3):
        steps = np.zeros((50, 3))
        steps[:, i] = rng.uniform(-1, 1, 50)
        for K in (1, 4):
            est = S.local_smoothness(f, X, X + steps, K=K)
            np.testing.assert_allclose(est.L_hat, lam[i], rtol=EXACT_REL)
    # any step: ||A Δ|| / ||Δ||; G = ||A (x − c)||
    D = rng.standard_normal((50, 3))
    est = S.local_smoothness(f, X, X + D, K=3)
    np.testing.assert_allclose(est.L_hat, np.linalg.norm(D * lam, axis=1) / np.linalg.norm(D, axis=1), rtol=EXACT_REL)
    np.testing.assert_allclose(est.G, np.linalg.norm((X - [1.0, -1.0, 0.0]) * lam, axis=1), rtol=1e-14)
    assert est.blocks is None and est.L_hat.shape == (50,)
    # coordinate blocks: full denominator λ_i |Δ_i|/||Δ||, block denominator λ_i exactly
    full = S.local_smoothness(f, X, X + D, blocks="coordinates")
    own = S.local_smoothness(f, X, X + D, blocks="coordinates", denominator="block")
    np.testing.assert_allclose(full.L_hat, lam * np.abs(D) / np.linalg.norm(D, axis=1)[:, None], rtol=EXACT_REL)
    np.testing.assert_allclose(own.L_hat, np.broadcast_to(lam, (50, 3)), rtol=EXACT_REL)
    np.testing.assert_allclose(own.G, np.abs((X - [1.0, -1.0, 0.0]) * lam), rtol=1e-14)
    assert [b[0] for b in own.blocks] == ["x0", "x1", "x2"]


@pytest.mark.parametrize("build, blocks", [
    (lambda: R.deep_scalar_chain(5, w0=1.2), None),
    (lambda: R.deep_scalar_chain(5, w0=1.2), "objective"),
    (lambda: R.tanh_rnn(steps=8, hidden=3, inputs=2, scale=1.3, input_scale=0.5), "objective"),
    (lambda: R.cosh_cos(4, scales=[0.3, 1.0, 2.0, 3.0]), "coordinates"),
])
@pytest.mark.parametrize("K", [1, 3])
@pytest.mark.parametrize("denominator", ["full", "block"])
def test_estimator_matches_the_naive_loop(build, blocks, K, denominator):
    f = build()
    rng = np.random.default_rng(1)
    X = f.x0 + 0.2 * rng.standard_normal((12, f.dim))
    Y = X + 0.05 * rng.standard_normal((12, f.dim))
    est = S.local_smoothness(f, X, Y, K=K, blocks=blocks, denominator=denominator)
    spans = None if blocks is None else [(s, e) for _, s, e in est.blocks]
    naive = _naive_local_smoothness(f, X, Y, K, spans, full=denominator == "full")
    np.testing.assert_allclose(est.L_hat.reshape(naive.shape), naive, rtol=NAIVE_REL)
    if blocks is not None and denominator == "full":  # ||Δ_b|| <= ||Δ||: full never exceeds block
        own = S.local_smoothness(f, X, Y, K=K, blocks=blocks, denominator="block")
        assert np.all(est.L_hat <= own.L_hat * (1 + 1e-12))


def test_block_with_zero_step_is_nan_and_is_left_out_of_the_fit():
    f = quadratic([1.0, 3.0])
    X = np.array([[1.0, 1.0], [2.0, 1.0], [3.0, -1.0]])
    Y = X + np.array([[0.5, 0.0], [0.1, 0.2], [-0.3, 0.4]])
    est = S.local_smoothness(f, X, Y, blocks="coordinates", denominator="block")
    assert np.isnan(est.L_hat[0, 1]) and np.all(np.isfinite(est.L_hat[1:]))
    fits = S.fit_block_envelopes(est, coverage=1.0)
    assert fits[1].n_points == 2 and fits[0].n_points == 3
    assert fits[1].L0 + fits[1].L1 * 0.0 >= 0.0


@pytest.mark.parametrize("call, error, match", [
    (lambda f: S.local_smoothness(f, [[0.0, 0.0]], [[0.0, 0.0]]), ValueError, "zero"),
    (lambda f: S.local_smoothness(f, [[0.0, 0.0]], [[1.0, 0.0], [2.0, 0.0]]), ValueError, "same shape"),
    (lambda f: S.local_smoothness(f, [[0.0, 0.0, 0.0]], [[1.0, 0.0, 0.0]]), ValueError, "x must have shape"),
    (lambda f: S.local_smoothness(f, [[0.0, math.nan]], [[1.0, 0.0]]), ValueError, "finite"),
    (lambda f: S.local_smoothness(f, [0.0, 0.0], [1.0, 0.0], K=0), ValueError, "K"),
    (lambda f: S.local_smoothness(f, [0.0, 0.0], [1.0, 0.0], denominator="half"), ValueError, "denominator"),
    (lambda f: S.local_smoothness(f, [0.0, 0.0], [1.0, 0.0], blocks=[(0, 3)]), ValueError, "blocks"),
    (lambda f: S.local_smoothness(f, [0.0, 0.0], [1.0, 0.0], blocks=[(1, 1)]), ValueError, "blocks"),
    (lambda f: S.local_smoothness(f, [0.0, 0.0], [1.0, 0.0], blocks="layers"), ValueError, "blocks"),
    (lambda f: S.local_smoothness(f, [0.0, 0.0], [1.0, 0.0], blocks="objective"), ValueError, "declares no blocks"),
    (lambda f: S.local_smoothness("quadratic", [0.0, 0.0], [1.0, 0.0]), TypeError, "objective"),
    (lambda f: S.trajectory_pairs(f), TypeError, "Result"),
])
def test_estimator_rejects_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call(quadratic([1.0, 2.0]))


# ---- trajectories from the engine --------------------------------------------------------------------


def test_trajectory_pairs_from_a_recorded_run():
    f = R.cosh(3, scales=[0.5, 1.0, 2.0])
    T, eta = 40, 0.05
    res = adaptopt.run("sgd", f, None, T=T, n_seeds=2, schedule=schedules.constant(eta),
                       checkpoints=range(T + 1), record_iterates=True)
    pairs = S.trajectory_pairs(res)
    assert pairs.x.shape == (2 * T, 3) and pairs.n_dropped == 0
    np.testing.assert_array_equal(pairs.step[:T], np.arange(T))
    np.testing.assert_array_equal(pairs.seed, np.repeat(res.seeds, T))
    np.testing.assert_allclose(pairs.x_next, pairs.x - eta * f.grad(pairs.x), rtol=1e-13, atol=1e-15)  # GD steps
    # only consecutive checkpoints form pairs
    sparse_run = adaptopt.run("sgd", f, None, T=T, n_seeds=1, schedule=schedules.constant(eta),
                              checkpoints=[0, 5, 6, 20, 21, 22], record_iterates=True)
    np.testing.assert_array_equal(S.trajectory_pairs(sparse_run).step, [5, 20, 21])
    with pytest.raises(ValueError, match="consecutive"):
        S.trajectory_pairs(adaptopt.run("sgd", f, None, T=T, n_seeds=1, schedule=schedules.constant(eta),
                                        checkpoints=[0, 10, 40], record_iterates=True))
    with pytest.raises(ValueError, match="record_iterates"):
        S.trajectory_pairs(adaptopt.run("sgd", f, None, T=T, n_seeds=1, schedule=schedules.constant(eta)))
    # a diverged seed (cosh overflows) leaves NaN iterates: its pairs are dropped and counted
    far = adaptopt.run("sgd", f, None, T=5, n_seeds=1, x0=[200.0, 0.0, 0.0], schedule=schedules.constant(1.0),
                       checkpoints=range(6), record_iterates=True)
    kept = S.trajectory_pairs(far)
    assert far.n_diverged == 1 and kept.n_dropped >= 1
    assert np.all(np.isfinite(kept.x)) and np.all(np.isfinite(kept.x_next))


# ---- envelopes -------------------------------------------------------------------------------------------


def _points(L0, L1, n, rng):
    """Points under L0 + L1 G with log-spread G; the smallest and largest G lie on the envelope."""
    G = np.sort(np.geomspace(1e-3, 1e3, n) * rng.uniform(0.9, 1.1, n))
    L = (L0 + L1 * G) * rng.uniform(0.2, 1.0, n)
    L[[0, -1]] = L0 + L1 * G[[0, -1]]
    return L, G


@pytest.mark.parametrize("L0, L1", [(1.0, 2.0), (50.0, 0.01), (1e-3, 7.0), (3.0, 0.0)])
def test_lp_envelope_recovers_known_constants(L0, L1):
    L, G = _points(L0, L1, 500, np.random.default_rng(2))
    fit = S.fit_envelope(L, G, coverage=1.0)
    assert fit.L0 == pytest.approx(L0, rel=LP_REL, abs=LP_REL * L1 * G.max())
    assert fit.L1 == pytest.approx(L1, rel=LP_REL, abs=LP_REL * L0 / G.max())
    assert fit.coverage == 1.0 and fit.n_points == 500 and fit.method == "lp"
    assert np.all(L <= fit.envelope(G) * (1 + 1e-9))
    assert set(fit.to_dict()) == {"L0", "L1", "rho", "coverage", "n_points", "method"}


def test_outliers_spoil_full_coverage_and_are_left_out_at_lower_coverage():
    rng = np.random.default_rng(3)
    L, G = _points(1.0, 2.0, 1000, rng)
    bad = rng.choice(np.arange(1, 999), 8, replace=False)
    L[bad] *= 100.0
    spoiled = S.fit_envelope(L, G, coverage=1.0)
    # must-fail: with every point covered, the outliers dictate the envelope (off by far more than ×2)
    assert not (0.5 <= spoiled.L0 / 1.0 <= 2.0 and 0.5 <= spoiled.L1 / 2.0 <= 2.0)
    clean = S.fit_envelope(L, G, coverage=0.99)  # drops 10 points: the 8 outliers and 2 of the top genuine ones
    assert clean.L0 == pytest.approx(1.0, rel=0.02) and clean.L1 == pytest.approx(2.0, rel=0.02)
    assert clean.coverage >= 0.99


@pytest.mark.parametrize("method", ["lp", "quantile"])
@pytest.mark.parametrize("coverage", [0.5, 0.9, 0.99])
def test_reported_coverage_is_at_least_the_requested_one(method, coverage):
    rng = np.random.default_rng(4)
    G = rng.lognormal(0, 2, 700)
    L = (1.0 + 0.5 * G) * rng.lognormal(0, 0.5, 700)
    fit = S.fit_envelope(L, G, coverage=coverage, method=method)
    covered = np.mean(L <= fit.envelope(G) * (1 + S.COVER_RTOL) + S.COVER_ATOL * L.max())
    assert fit.coverage == covered >= coverage
    assert fit.L0 >= 0 and fit.L1 >= 0
    if method == "quantile":  # the quantile line is not above more than a (1 − τ) + 1/n share... of the points
        assert covered <= coverage + 0.02


def _linprog_quantile(L, G, tau):
    """Reference: Koenker's primal LP, min τ Σu⁺ + (1−τ) Σu⁻, L0 + L1 G + u⁺ − u⁻ = L̂, all >= 0."""
    n = L.size
    eye = sparse.identity(n, format="csr")
    A = sparse.hstack([sparse.csr_matrix(np.column_stack([np.ones(n), G])), eye, -eye], format="csr")
    c = np.concatenate([[0.0, 0.0], np.full(n, tau), np.full(n, 1.0 - tau)])
    res = optimize.linprog(c=c, A_eq=A, b_eq=L, bounds=[(0.0, None)] * (2 * n + 2), method="highs")
    assert res.status == 0
    return res.x[0], res.x[1], res.fun


def _check_loss(L, G, tau, L0, L1):
    u = L - L0 - L1 * G
    return float(np.sum(np.where(u > 0, tau * u, (tau - 1.0) * u)))


@pytest.mark.parametrize("tau", [0.5, 0.9, 0.99])
@pytest.mark.parametrize("n", [40, 1500])
def test_quantile_fit_matches_the_linprog_reference(tau, n):
    rng = np.random.default_rng(7)
    G = rng.lognormal(0, 2, n)
    L = (1.0 + 0.5 * G) * rng.lognormal(0, 0.5, n)
    fit = S.fit_envelope(L, G, coverage=tau, method="quantile")
    ref0, ref1, ref_loss = _linprog_quantile(L / L.max(), G / G.max(), tau)
    loss = _check_loss(L / L.max(), G / G.max(), tau, fit.L0 / L.max(), fit.L1 * G.max() / L.max())
    assert loss <= ref_loss + 1e-8 * max(1.0, ref_loss)  # as good as the LP optimum
    assert fit.L1 == pytest.approx(ref1 * L.max() / G.max(), rel=1e-5)
    assert fit.L0 == pytest.approx(ref0 * L.max(), rel=1e-5, abs=1e-9 * L.max())


def test_hull_restricted_lp_equals_the_lp_over_every_point():
    rng = np.random.default_rng(8)
    for _ in range(20):
        n = int(rng.integers(2, 300))
        G = np.round(rng.uniform(0, 5, n), 1)  # ties in G on purpose
        L = rng.uniform(0, 3, n) + rng.uniform(0, 1) * G
        fit = S.fit_envelope(L, G, coverage=1.0)
        m = np.median(G) if np.median(G) > 0 else np.mean(G)
        ref = optimize.linprog(c=[1.0, m], A_ub=-np.column_stack([np.ones(n), G]), b_ub=-L,
                               bounds=[(0, None), (0, None)], method="highs")
        assert fit.L0 + fit.L1 * m == pytest.approx(ref.fun, rel=1e-7, abs=1e-9)


def test_lp_envelope_is_the_lowest_at_the_median_gradient():
    """Any other envelope covering the retained points is higher at median(G) (checked on a grid of lines)."""
    rng = np.random.default_rng(5)
    G = rng.uniform(0, 10, 200)
    L = 2.0 + 0.3 * G + rng.uniform(0, 1, 200)
    fit = S.fit_envelope(L, G, coverage=1.0)
    m = np.median(G)
    best = fit.L0 + fit.L1 * m
    for slope in np.linspace(0, 1, 201):
        intercept = max(0.0, np.max(L - slope * G))
        assert intercept + slope * m >= best * (1 - 1e-7)


def test_degenerate_data():
    assert S.fit_envelope([0.0, 0.0, 0.0], [1.0, 2.0, 3.0]).L0 == 0.0
    flat = S.fit_envelope([1.0, 2.0, 3.0], [0.0, 0.0, 0.0], coverage=1.0)
    assert (flat.L0, flat.L1) == (3.0, 0.0) and math.isnan(flat.rho)
    half_zero = S.fit_envelope([1.0, 1.0, 1.0, 5.0], [0.0, 0.0, 0.0, 2.0], coverage=1.0)  # median G = 0
    assert half_zero.L0 == pytest.approx(1.0, rel=LP_REL) and half_zero.L1 == pytest.approx(2.0, rel=LP_REL)


@pytest.mark.parametrize("args, kwargs, error, match", [
    (([1.0, 2.0], [1.0]), {}, ValueError, "same length"),
    (([1.0], [1.0]), {}, ValueError, "at least 2"),
    (([1.0, math.inf], [1.0, 2.0]), {}, ValueError, "inf"),
    (([1.0, -1.0], [1.0, 2.0]), {}, ValueError, "non-negative"),
    (([1.0, 2.0], [1.0, 2.0]), {"coverage": 0.0}, ValueError, "coverage"),
    (([1.0, 2.0], [1.0, 2.0]), {"coverage": 1.0, "method": "quantile"}, ValueError, "coverage"),
    (([1.0, 2.0], [1.0, 2.0]), {"method": "ols"}, ValueError, "method"),
    ((["a", "b"], [1.0, 2.0]), {}, TypeError, "real numbers"),
])
def test_fit_rejects_bad_input(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        S.fit_envelope(*args, **kwargs)


# ---- Spearman ---------------------------------------------------------------------------------------------


def test_spearman_positive_on_cosh_and_null_on_a_quadratic():
    f = R.cosh(5, scales=R.log_scales(5))
    x = f.x0.copy()
    xs = [x]
    for _ in range(300):
        x = x - 0.002 * f.grad(x)
        xs.append(x)
    xs = np.array(xs)
    est = S.local_smoothness(f, xs[:-1], xs[1:])
    assert S.spearman(est.L_hat, est.G) > 0.9
    # quadratic with random points and independent random directions: L̂ depends on the direction only
    q = quadratic(np.geomspace(0.1, 10.0, 4))
    rng = np.random.default_rng(6)
    n = 2000
    X = rng.uniform(-5, 5, (n, 4))
    Qe = S.local_smoothness(q, X, X + 0.1 * rng.standard_normal((n, 4)))
    assert abs(S.spearman(Qe.L_hat, Qe.G)) <= RHO_NULL_SIGMAS / math.sqrt(n)
    assert S.fit_envelope(Qe.L_hat, Qe.G, coverage=1.0).L1 <= 1e-6 * Qe.L_hat.max() / Qe.G.max()
    assert math.isnan(S.spearman([1.0, 1.0, 1.0], [1.0, 2.0, 3.0]))  # constant: NaN without a warning


def test_trajectory_correlation_alone_is_not_evidence_of_relaxed_smoothness():
    """GD on an ill-conditioned quadratic (L1 = 0): L̂ and G fall together as the steps turn flat."""
    q = quadratic(np.geomspace(0.1, 10.0, 10))
    x = np.full(10, 3.0)
    xs = [x]
    for _ in range(500):
        x = x - 0.09 * q.grad(x)
        xs.append(x)
    xs = np.array(xs)
    est = S.local_smoothness(q, xs[:-1], xs[1:])
    fit = S.fit_envelope(est.L_hat, est.G, coverage=1.0)
    assert fit.rho > 0.99 and fit.L1 > 0.3  # looks "relaxed-smooth" although the Hessian is constant
    assert np.all(est.L_hat <= 10.0 * (1 + 1e-12))  # yet every L̂ is bounded by L = max λ


# ---- the B.8 self-test ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("weights", [None, np.array([1.0, 0.5, 2.0, 0.7, 1.5])])
def test_selftest_recovers_per_coordinate_constants_of_cosh(weights):
    a = R.log_scales(5, 0.3, 3.0)
    out = S.cosh_selftest(a, weights)
    assert out.passed and out.factor == SELFTEST_FACTOR
    assert np.all((out.L1_ratio >= 1 / SELFTEST_FACTOR) & (out.L1_ratio <= SELFTEST_FACTOR))
    assert np.all((out.L0_ratio >= 1 / SELFTEST_FACTOR) & (out.L0_ratio <= SELFTEST_FACTOR))
    assert out.rho > 0.9
    np.testing.assert_allclose(out.L1_expected, a)
    np.testing.assert_allclose(out.L0_expected, (1.0 if weights is None else weights) * a**2)
    # The finer statement of spec B.8: slope within the K_c factor below a_i, intercept ~ w_i a_i².
    assert np.all(out.L1_ratio <= 1.0 + 1e-6) and np.all(out.L1_ratio >= 0.8)
    assert np.all(np.abs(out.L0_ratio - 1.0) <= 0.05)


def test_selftest_with_engine_pairs_and_with_quantile_fits():
    a = R.log_scales(4, 0.3, 3.0)
    w = 1.0 / a  # w_i a_i² = a_i: curvatures within a factor 10, a short run suffices
    f = R.cosh(4, weights=w, scales=a)
    eta = S.SELFTEST_STEP_FRACTION / float(np.max(w * a**2 * math.cosh(S.SELFTEST_START)))
    T = 2500
    res = adaptopt.run("sgd", f, None, T=T, n_seeds=1, x0=S.SELFTEST_START / a, schedule=schedules.constant(eta),
                       checkpoints=range(T + 1), record_iterates=True)
    out = S.cosh_selftest(a, w, pairs=S.trajectory_pairs(res))
    assert out.passed and out.n_pairs == T - S.trajectory_pairs(res).n_dropped
    assert S.cosh_selftest(a, w, coverage=0.99).passed
    assert S.cosh_selftest(a, w, coverage=0.99, method="quantile").passed


def test_selftest_must_fail_with_the_full_denominator_or_a_tight_factor():
    a = R.log_scales(5, 0.3, 3.0)
    full = S.cosh_selftest(a, denominator="full")
    assert not full.passed
    assert np.min(full.L0_ratio) < 0.1  # non-dominant coordinates: |Δ_i|/||Δ|| << 1 under GD
    assert not S.cosh_selftest(a, factor=1.01).passed  # the slope is a chord, below a_i by a few percent
