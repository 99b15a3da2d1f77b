"""Part 1, noise adaptivity: SGDOL, exponential and cosine steps, AdaGrad-type baselines.

Spec: shared/spec/noise_adaptive.md §4 (SGDOL), §5 (exponential and cosine), §6 (AdaGrad) and
§7 (protocol). Experiments E-EC-1 ... E-EC-5 and E-SGDOL-1, -4, -5.

What the measurements taught us (and the checks encode):

* The (E-PL) bound has a ``ln²(T/β)/T`` noise term, but the measured last iterate decays like
  ``ln(T/β)/T``: regressing on ``ln²(T/β)/T`` gives a slope of 1.19, on ``ln(T/β)/T`` a slope of
  1.04. The local linearisation (:mod:`proofs_check.theory.local`) derives the ``ln(T/β)/T`` rate
  with its constant, and the measured means match it within 5 % at every T; the extra log of
  the bound is slack of its proof. So the rate check regresses on ``ln(T/β)/T`` and a level check
  compares with the derived constant, while the (E-PL) bound itself is checked with ``<=``.
* Cosine steps with a fixed η0 reach ``T^(-2/3)``, not ``1/T``, in the noisy PL regime; the
  derived constant matches within 7 %.
* On the 1-D objective F1 (local curvature 8 = L) every error scales exactly with σ², so an
  adaptivity sweep there is degenerate: the sweep uses F1-4 (four coordinates, weights
  ``logspace(0, -1, 4)``), where the best constant step does change with σ.
"""

from __future__ import annotations

import math

import numpy as np

from adaptopt import schedules
from proofs_check.records import (Check, ContractionClaim, Curve, CustomExperiment, EqualityClaim, Experiment,
                                  LinearRateClaim, PlateauClaim, PredictionClaim, Source, SlopeClaim, UpperBoundClaim,
                                  ValueClaim, exact_gradients, log_grid)
from proofs_check.theory import local
from proofs_check.theory import noise_adaptive as theory
from synthetic import noise, objectives

PART = "1 noise adaptivity"
SPEC = "spec noise_adaptive.md"

HORIZONS = {"quick": log_grid(2, 3.5), "default": log_grid(2, 4.5), "full": log_grid(2, 5)}
#: Shorter grids for the noise-model variants (E-EC-5), which only re-check slopes.
VARIANT_HORIZONS = {"quick": log_grid(2, 3.5), "default": log_grid(2, 4), "full": log_grid(2, 4.5)}
#: Horizons of the noiseless linear-rate experiments (E-EC-2), long enough for the slowest
#: coordinate of F1-d to reach its local regime.
LINEAR_HORIZONS = {p: tuple(range(2000, 40001, 2000)) for p in ("quick", "default", "full")}
#: SGDOL experiments start at T = 10 so that the step-size trajectory is visible early.
SGDOL_HORIZONS = {"quick": log_grid(1, 3.5), "default": log_grid(1, 4.5), "full": log_grid(1, 5)}

#: Relative tolerance of the level predictions (Monte-Carlo error about 3-5 % at the default seed
#: counts, plus the O(η h) error of the linearisation on the first rounds that still matter).
LEVEL_RTOL = 0.15
#: Relative tolerance of the SGDOL step-size prediction (Jensen gap of a ratio of sums).
STEP_RTOL = 0.10


# --------------------------------------------------------------------------------------------
# Problems.

def f1():
    """F1: x² + 3 sin² x, x1 = 3 (L = 8; curvature 8 at the minimiser)."""
    return objectives.pl_sine(dim=1, x0=3.0)


def f1d():
    """F1-d: 20 coordinates, weights logspace(0, -2, 20) (local condition number 100)."""
    return objectives.pl_sine(dim=20, weights=np.logspace(0.0, -2.0, 20), x0=3.0)


def f1_4():
    """F1-4: 4 coordinates, weights logspace(0, -1, 4) (local condition number 10)."""
    return objectives.pl_sine(dim=4, weights=np.logspace(0.0, -1.0, 4), x0=3.0)


def f2():
    """F2: Σ log(1 + x_i²), d = 10, x1 = 3·1 (L = 2; not PL; locally strongly convex)."""
    return objectives.log1p_square(dim=10, x0=3.0)


def f3():
    """F3: Σ x_i⁴/(1 + x_i²), d = 10, x1 = 3·1 (convex, flat minimum, not PL)."""
    return objectives.flat_quartic(dim=10, x0=3.0)


def _gaussian(sigma):
    return lambda: noise.gaussian(sigma)


def _curvatures(objective) -> np.ndarray:
    """Curvatures at the minimiser of the PL sine family: h_i = 8 w_i."""
    return 8.0 * np.asarray(objective.options["weights"])


def _noise_b(n) -> float:
    """The constant b of the (N2) noise assumption for the noise models used here."""
    return float(n.options["b"]) if n.name == "affine" else float(n.variance(0.0, np.zeros(1)))


def _noise_a(n) -> float:
    return float(n.options["a"]) if n.name == "affine" else 0.0


def _eta0(r) -> float:
    """η0 = 1/(L(1 + a)), the largest step the theorems allow."""
    return 1.0 / (r.L * (1.0 + _noise_a(r.noise)))


def ln_over_t(T):
    """ln(T)/T"""
    return np.log(T) / T


def exponential_shape_beta10(T):
    """(10/32 + ln(T/10)/64)/T"""
    return (10.0 / 32.0 + np.log(T / 10.0) / 64.0) / T


def t_over_ln(T):
    """T/ln(T)"""
    return T / np.log(T)


def sqrt_ln_over_t(T):
    """√(ln T / T)"""
    return np.sqrt(np.log(T) / T)


# --------------------------------------------------------------------------------------------
# E-EC-1: noisy PL slopes and levels on F1.

def _exponential(beta):
    return lambda T, r: schedules.exponential(_eta0(r), beta)


def _cosine(T, r):
    return schedules.cosine(_eta0(r))


def exponential_level(curve: Curve):
    """(σ²/d) Σ_i [η0β/(4T) + ln(T/β)/(8 h_i T)] (local linearisation)"""
    r = curve.resolved
    beta = curve.results[0].config["schedule"]["beta"]
    return local.exponential_local_gap(curve.x, h=_curvatures(r.objective), sigma2=_noise_b(r.noise),
                                       eta0=_eta0(r), beta=beta)


def cosine_level(curve: Curve):
    """(σ²/d) Σ_i π^(2/3) 6^(5/3) Γ(5/3) η0^(1/3)/(96 h_i^(2/3)) T^(−2/3) (local linearisation)"""
    r = curve.resolved
    return local.cosine_local_gap(curve.x, h=_curvatures(r.objective), sigma2=_noise_b(r.noise), eta0=_eta0(r))


def exponential_pl_bound(curve: Curve):
    """(E-PL) bound with the proven PL constant"""
    r = curve.resolved
    beta = curve.results[0].config["schedule"]["beta"]
    return theory.exponential_pl_bound(curve.x, L=r.L, mu=r.objective.constants.mu_pl.value, b=_noise_b(r.noise),
                                       eta0=_eta0(r), beta=beta, delta=r.delta)


def _ec1_checks(sigma: float) -> list:
    tag = f"S{sigma:g}"
    exp = Experiment("sgd", f1, _gaussian(sigma), _exponential(1.0), "f_gap", HORIZONS, seeds=1000,
                     per_horizon=True)
    cos = Experiment("sgd", f1, _gaussian(sigma), _cosine, "f_gap", HORIZONS, seeds=1000, per_horizon=True)
    sqrt = Experiment("sgd", f1, _gaussian(sigma), lambda T, r: schedules.inv_sqrt(_eta0(r)), "f_gap", HORIZONS,
                      seeds=1000)
    assumptions = ("f L-smooth and PL", f"additive Gaussian noise, σ = {sigma:g}", "η0 = 1/L")
    checks = [
        Check(f"P1-EXP-PL-RATE-{tag}", PART, f"Exponential step under PL, σ = {sigma:g}: rate ln(T)/T",
              "With η0 = 1/L and β = 1, E f(x_{T+1}) − f* decays like ln(T/β)/T without knowing σ: the "
              "log-log slope against ln(T)/T is 1 (near-optimal 1/T up to a log).",
              assumptions, Source("derived", "proofs_check.theory.local.exponential_local_gap; order of "
                                             "Li, Zhuang, Orabona (2021) up to logs"),
              exp, SlopeClaim(1.0, x_transform=ln_over_t)),
        Check(f"P1-EXP-PL-LEVEL-{tag}", PART, f"Exponential step under PL, σ = {sigma:g}: level",
              "The measured E f − f* equals the local-linearisation formula within 15 % at every T.",
              assumptions, Source("derived", "proofs_check.theory.local.exponential_local_gap"),
              exp, PredictionClaim(exponential_level, LEVEL_RTOL)),
        Check(f"P1-EXP-PL-BOUND-{tag}", PART, f"Exponential step under PL, σ = {sigma:g}: (E-PL) bound",
              "E f(x_{T+1}) − f* <= exp(−0.69 μη0 (T − β)/ln(T/β)) Δ + 2Lb ln²(T/β) exp(μη0β/ln(T/β))/(e²μ²α²T).",
              assumptions, Source("derived", "proofs_check.theory.noise_adaptive.exponential_pl_bound"),
              exp, UpperBoundClaim(exponential_pl_bound)),
        Check(f"P1-COS-PL-RATE-{tag}", PART, f"Cosine step under PL, σ = {sigma:g}: rate T^(-2/3)",
              "With a fixed η0 = 1/L, E f(x_{T+1}) − f* decays like T^(−2/3) in the noisy PL regime.",
              assumptions, Source("derived", "proofs_check.theory.local.cosine_local_gap; spec §5.2 (C-PL)"),
              cos, SlopeClaim(-2.0 / 3.0)),
        Check(f"P1-COS-PL-LEVEL-{tag}", PART, f"Cosine step under PL, σ = {sigma:g}: level",
              "The measured E f − f* equals the local-linearisation formula within 15 % at every T.",
              assumptions, Source("derived", "proofs_check.theory.local.cosine_local_gap"),
              cos, PredictionClaim(cosine_level, LEVEL_RTOL)),
        Check(f"P1-SQRT-PL-{tag}", PART, f"η0/√t step under PL, σ = {sigma:g}: rate T^(-1/2)",
              "A polynomial step η0/√t gives only O(1/√T) in the noisy PL regime.",
              assumptions, Source("derived", f"{SPEC} §3.3, recursion (R)"), sqrt, SlopeClaim(-0.5)),
    ]
    # sigma = 1 is covered by F-SGD-PL-CONST-PLATEAU and F-SGD-PL-INV-T (foundation). The tuned 1/t
    # step is not re-checked at sigma = 0.1: its polynomial transient from x1 = 3 (the iterate
    # crosses the flat region near |x| = 2 with steps ~ 1/(4t)) still dominates at T = 10^4.5,
    # so its slope there is -1.67, not -1 -- the lack of adaptivity the spec describes for
    # polynomial steps; E f * T / sigma^2 reaches its noise-regime value 0.08 only at T ~ 10^4.
    if sigma != 1.0:
        checks += [
            Check(f"P1-CONST-PL-{tag}", PART, f"Constant step under PL, σ = {sigma:g}: plateau",
                  "A constant step stops improving at a noise floor.", assumptions,
                  Source("derived", f"{SPEC} §3.3, recursion (R)"),
                  Experiment("sgd", f1, _gaussian(sigma), lambda T, r: schedules.constant(_eta0(r)), "f_gap",
                             HORIZONS, seeds=1000),
                  PlateauClaim()),
        ]
    return checks


def _beta10_checks() -> list:
    exp = Experiment("sgd", f1, _gaussian(1.0), _exponential(10.0), "f_gap", HORIZONS, seeds=1000, per_horizon=True)
    assumptions = ("f L-smooth and PL", "additive Gaussian noise, σ = 1", "η0 = 1/L", "β = 10")
    return [
        Check("P1-EXP-PL-RATE-BETA10", PART, "Exponential step under PL, β = 10: rate (η0β/4 + ln(T/β)/(8h))/T",
              "For β = 10 the 1/T term η0β/(4T) of the local formula is as large as the ln(T/β)/T term at these "
              "T, so the slope is 1 against the whole shape (η0β/4 + ln(T/β)/(8h))/T with h = 8, η0 = 1/8.",
              assumptions, Source("derived", "proofs_check.theory.local.exponential_local_gap"),
              exp, SlopeClaim(1.0, x_transform=exponential_shape_beta10)),
        Check("P1-EXP-PL-LEVEL-BETA10", PART, "Exponential step under PL, β = 10: level",
              "The level follows η0β/(4T) + ln(T/β)/(8hT) within 15 %.", assumptions,
              Source("derived", "proofs_check.theory.local.exponential_local_gap"),
              exp, PredictionClaim(exponential_level, LEVEL_RTOL)),
    ]


# --------------------------------------------------------------------------------------------
# E-EC-2: linear rates without noise on F1-d.

def cosine_linear_rate(curve: Curve):
    """exp(−μη0/2) per unit T (C-PL, proven μ)"""
    r = curve.resolved
    return math.exp(-r.objective.constants.mu_pl.value * _eta0(r) / 2.0)


def exponential_linear_rate(curve: Curve):
    """exp(−0.69 μη0) per unit T/ln T (E-PL, proven μ)"""
    r = curve.resolved
    return math.exp(-0.69 * r.objective.constants.mu_pl.value * _eta0(r))


def cosine_local_rate(curve: Curve):
    """exp(−h_min η0) (local linearisation)"""
    return local.cosine_local_log_rate(h_min=_curvatures(curve.objective).min(), eta0=_eta0(curve.resolved))


def exponential_local_rate(curve: Curve):
    """exp(−2 h_min η0) (local linearisation)"""
    return local.exponential_local_log_rate(h_min=_curvatures(curve.objective).min(), eta0=_eta0(curve.resolved))


_LATE = (20000, 40000)
_NOISELESS = ("f L-smooth and PL", "exact gradients", "η0 = 1/L")


def _ec2_checks() -> list:
    cos = Experiment("sgd", f1d, exact_gradients, _cosine, "f_gap", LINEAR_HORIZONS, seeds=8, per_horizon=True)
    exp = Experiment("sgd", f1d, exact_gradients, _exponential(1.0), "f_gap", LINEAR_HORIZONS, seeds=8, per_horizon=True)
    return [
        Check("P1-COS-LINEAR", PART, "Cosine step without noise: linear in T",
              "log(f(x_{T+1}) − f*) is a straight line in T with slope at most −μη0/2.", _NOISELESS,
              Source("derived", "proofs_check.theory.noise_adaptive.cosine_pl_leading (first term, exact)"),
              cos, LinearRateClaim(cosine_linear_rate, window=_LATE)),
        Check("P1-COS-LOCAL-RATE", PART, "Cosine step without noise: the rate of the slowest coordinate",
              "The late slope of log(f − f*) against T is −h_min η0 (= −0.01 on F1-d).", _NOISELESS,
              Source("derived", "proofs_check.theory.local.cosine_local_log_rate"),
              cos, ContractionClaim(cosine_local_rate, window=_LATE)),
        Check("P1-EXP-LINEAR", PART, "Exponential step without noise: linear in T/ln T",
              "log(f(x_{T+1}) − f*) is a straight line in T/ln(T/β) with slope at most −0.69 μη0.", _NOISELESS,
              Source("derived", "proofs_check.theory.noise_adaptive.exponential_pl_bound (first term)"),
              exp, LinearRateClaim(exponential_linear_rate, window=_LATE, x_transform=t_over_ln)),
        Check("P1-EXP-LOCAL-RATE", PART, "Exponential step without noise: the rate of the slowest coordinate",
              "The late slope of log(f − f*) against T/ln T is −2 h_min η0 (= −0.02 on F1-d).", _NOISELESS,
              Source("derived", "proofs_check.theory.local.exponential_local_log_rate"),
              exp, ContractionClaim(exponential_local_rate, window=_LATE, x_transform=t_over_ln)),
    ]


# --------------------------------------------------------------------------------------------
# E-EC-3: the adaptivity map.

#: Noise levels of the sweep: six decades.
SWEEP_SIGMAS = {"quick": np.logspace(-5.5, 0.5, 5), "default": np.logspace(-5.5, 0.5, 9),
                "full": np.logspace(-5.5, 0.5, 25)}
#: Horizon of the sweep.
SWEEP_T = 10_000
#: Grids of the tuned baselines: constant steps η L and the rate a of η0/(1 + a t).
SWEEP_CONSTANT_GRID = np.logspace(-3.0, 0.0, 10)
SWEEP_INV_T_GRID = np.logspace(-3.0, 0.0, 7)
#: η0 L values of the (σ, η0) heat map of the exponential schedule.
SWEEP_HEATMAP_ETA = np.logspace(-1.5, 0.0, 4)


class AdaptivitySweep(CustomExperiment):
    """E-EC-3: errors over a σ sweep, adaptive schedules against per-σ tuned baselines.

    One fixed setting per adaptive schedule (η0 = 1/L, β = 1); the constant step and the
    ``η0/(1 + a t)`` step are tuned separately at every σ over :data:`SWEEP_CONSTANT_GRID` and
    :data:`SWEEP_INV_T_GRID`. The curve's values are the exponential schedule's errors
    ``E f(x_{T+1}) − f*`` per σ; ``extra`` holds every error, the per-σ ratios to the best tuned
    baseline, the ratios of a constant step tuned once (at the largest σ) and the (σ, η0) map of
    the exponential schedule.
    """

    divergence_fails = False  # a tuning sweep: diverging grid points are part of the search
    algorithm = "sgd: exponential, cosine, tuned constant and 1/t steps"
    metric = "f_gap"
    objective = staticmethod(f1_4)
    noise = staticmethod(lambda: noise.gaussian(1.0))
    seeds = {"quick": 16, "default": 32, "full": 128}

    def run(self, profile: str, root_seed: int, seeds: int):
        from adaptopt.engine import run
        objective = self.objective()
        L = objective.constants.L.value
        sigmas = SWEEP_SIGMAS[profile]
        results = []

        def error(schedule, sigma, keep=False):
            res = run("sgd", objective, noise.gaussian(float(sigma)), T=SWEEP_T, n_seeds=seeds, schedule=schedule,
                      seed=root_seed, checkpoints=[SWEEP_T])
            if keep:
                results.append(res)
            return res.metric("f_gap")[-1]

        exp_values = np.stack([error(schedules.exponential(1.0 / L, 1.0), s, keep=True) for s in sigmas])
        mean = {"exponential": exp_values.mean(axis=1),
                "cosine": np.array([error(schedules.cosine(1.0 / L), s).mean() for s in sigmas])}
        constant = np.array([[error(schedules.constant(c / L), s).mean() for c in SWEEP_CONSTANT_GRID]
                             for s in sigmas])
        inv_t = np.array([[error(schedules.inv_linear(1.0 / L, a), s).mean() for a in SWEEP_INV_T_GRID]
                          for s in sigmas])
        heatmap = np.array([[error(schedules.exponential(c / L, 1.0), s).mean() for c in SWEEP_HEATMAP_ETA]
                            for s in sigmas])
        best = np.minimum(constant.min(axis=1), inv_t.min(axis=1))
        fixed = int(np.argmin(constant[-1]))
        extra = {
            "sigmas": sigmas, "T": SWEEP_T, "errors": mean, "best_tuned": best,
            "best_constant": constant.min(axis=1), "best_constant_eta_L": SWEEP_CONSTANT_GRID[constant.argmin(axis=1)],
            "best_inv_t": inv_t.min(axis=1), "best_inv_t_a": SWEEP_INV_T_GRID[inv_t.argmin(axis=1)],
            "ratios": {"exponential": mean["exponential"] / best, "cosine": mean["cosine"] / best,
                       "constant tuned at the largest sigma": constant[:, fixed] / best},
            "heatmap_eta0_L": SWEEP_HEATMAP_ETA, "heatmap": heatmap, "x_label": "σ",
        }
        return sigmas, exp_values, extra, results


def adaptivity_limit(curve: Curve):
    """2 (hη0β/2 + ln(T/β)/4), twice the derived ratio to the optimal 1/t step

    Derived from :func:`proofs_check.theory.local.exponential_local_gap`: per coordinate the
    exponential step reaches σ²(η0β/4 + ln(T/β)/(8h))/T, while the best step c/t reaches
    σ²/(2hT) (minimise hc²/(2(2ch − 1)) over c). Their ratio is hη0β/2 + ln(T/β)/4 <= 1/2 +
    ln(T)/4 (hη0 <= 1 for η0 = 1/L); the factor 2 allows for Monte-Carlo error and the transient.
    """
    return 2.0 * (0.5 + math.log(SWEEP_T) / 4.0)


def _ec3_checks() -> list:
    return [Check(
        "P1-ADAPTIVITY-MAP", PART, "Exponential step: one setting adapts to the noise over six decades",
        "With one fixed setting (η0 = 1/L, β = 1) the exponential step stays within a log factor of the constant "
        "and 1/t steps tuned separately for each σ, over σ from 10^-5.5 to 10^0.5 (T = 10^4); a constant step "
        "tuned once (at the largest σ) is off by orders of magnitude at small σ.",
        ("f L-smooth and PL", "additive Gaussian noise of unknown level σ"),
        Source("derived", "proofs_check.theorems.noise_adaptive.adaptivity_limit; Li, Zhuang, Orabona (2021)"),
        AdaptivitySweep(), ValueClaim("ratios/exponential", "exponential error / best tuned baseline error at every σ",
                                      at_most=adaptivity_limit))]


# --------------------------------------------------------------------------------------------
# E-EC-4: the non-PL control on F3.

F3_SIGMA = 3.0 * math.sqrt(10.0)  # s = 3 per coordinate


def _tuned_exponential(T, r):
    return schedules.exponential(float(theory.tuned_eta0_exponential_nonpl(
        T, L=r.L, a=0.0, b=_noise_b(r.noise), delta=r.delta, beta=1.0)), 1.0)


def _tuned_cosine(T, r):
    return schedules.cosine(float(theory.tuned_eta0_cosine_nonpl(T, L=r.L, a=0.0, b=_noise_b(r.noise),
                                                                   delta=r.delta)))


def exponential_nonpl_bound(curve: Curve):
    """(E-NC) bound on the η-weighted average"""
    r = curve.resolved
    eta0 = np.array([res.config["schedule"]["eta0"] for res in curve.results])
    return theory.exponential_nonpl_bound(curve.x, L=r.L, b=_noise_b(r.noise), eta0=eta0, beta=1.0, delta=r.delta)


def cosine_nonpl_bound(curve: Curve):
    """(C-NC) bound on the η-weighted average"""
    r = curve.resolved
    eta0 = np.array([res.config["schedule"]["eta0"] for res in curve.results])
    return theory.cosine_nonpl_bound(curve.x, L=r.L, b=_noise_b(r.noise), eta0=eta0, delta=r.delta)


def _ec4_checks() -> list:
    metric = "weighted_avg_grad_norm2"
    n = _gaussian(F3_SIGMA)
    fixed_exp = Experiment("sgd", f3, n, _exponential(1.0), metric, HORIZONS, seeds=300, per_horizon=True)
    fixed_cos = Experiment("sgd", f3, n, _cosine, metric, HORIZONS, seeds=300, per_horizon=True)
    tuned_exp = Experiment("sgd", f3, n, _tuned_exponential, metric, HORIZONS, seeds=300, per_horizon=True)
    tuned_cos = Experiment("sgd", f3, n, _tuned_cosine, metric, HORIZONS, seeds=300, per_horizon=True)
    assumptions = ("f L-smooth, not PL (F3: flat minimum)", "additive Gaussian noise, s = 3 per coordinate")
    return [
        Check("P1-EXP-NONPL-FIXED", PART, "Exponential step without PL, fixed η0: plateau",
              "Without PL and with η0 = 1/L fixed, the η-weighted average of ||∇f||² stalls at the Lbη0 floor of (E-NC).",
              assumptions, Source("derived", "proofs_check.theory.noise_adaptive.exponential_nonpl_bound"),
              fixed_exp, PlateauClaim()),
        Check("P1-COS-NONPL-FIXED", PART, "Cosine step without PL, fixed η0: plateau",
              "Without PL and with η0 = 1/L fixed, the η-weighted average of ||∇f||² stalls at the Lbη0 floor of (C-NC).",
              assumptions, Source("derived", "proofs_check.theory.noise_adaptive.cosine_nonpl_bound"),
              fixed_cos, PlateauClaim()),
        Check("P1-EXP-NONPL-TUNED-RATE", PART, "Exponential step without PL, η0 tuned to σ: rate √(ln T/T)",
              "With η0 = min{1/L, √(Δ ln(T/β)/(LbT))} the η-weighted average decays like √(ln(T)/T).",
              assumptions + ("η0 tuned with the noise level b",),
              Source("derived", "proofs_check.theory.noise_adaptive.exponential_nonpl_bound"),
              tuned_exp, SlopeClaim(1.0, x_transform=sqrt_ln_over_t)),
        Check("P1-EXP-NONPL-BOUND", PART, "Exponential step without PL, η0 tuned: (E-NC) bound",
              "The η-weighted average is below the (E-NC) bound at every T.",
              assumptions + ("η0 tuned with the noise level b",),
              Source("derived", "proofs_check.theory.noise_adaptive.exponential_nonpl_bound"),
              tuned_exp, UpperBoundClaim(exponential_nonpl_bound)),
        Check("P1-COS-NONPL-TUNED-RATE", PART, "Cosine step without PL, η0 tuned to σ: rate T^(-1/2)",
              "With η0 = min{1/L, √(16Δ/(3LbT))} the η-weighted average decays like T^(−1/2), no log factor.",
              assumptions + ("η0 tuned with the noise level b",),
              Source("derived", "proofs_check.theory.noise_adaptive.cosine_nonpl_bound"),
              tuned_cos, SlopeClaim(-0.5)),
        Check("P1-COS-NONPL-BOUND", PART, "Cosine step without PL, η0 tuned: (C-NC) bound",
              "The η-weighted average is below the (C-NC) bound at every T.",
              assumptions + ("η0 tuned with the noise level b",),
              Source("derived", "proofs_check.theory.noise_adaptive.cosine_nonpl_bound"),
              tuned_cos, UpperBoundClaim(cosine_nonpl_bound)),
    ]


# --------------------------------------------------------------------------------------------
# E-EC-5: other noise models.

_VARIANTS = (
    # (tag, noise factory, within the assumptions?, description)
    ("AFFINE1", lambda: noise.affine(1.0, 1.0), True, "affine variance ||∇f||² + 1 (a = 1), η0 = 1/(2L)"),
    ("AFFINE4", lambda: noise.affine(4.0, 1.0), True, "affine variance 4||∇f||² + 1 (a = 4), η0 = 1/(5L)"),
    ("T3", lambda: noise.student_t(1.0, 3.0), True, "Student-t, 3 degrees of freedom, variance 1"),
    ("HETERO", lambda: noise.heteroscedastic(1.0, 1.0), True,
     "variance 1 + x² (bounded along the run: |x| stays below 4)"),
    ("T1.5", lambda: noise.student_t(1.0, 1.5), False, "Student-t, 1.5 degrees of freedom (infinite variance)"),
)


def _ec5_checks() -> list:
    checks = []
    for tag, factory, judged, text in _VARIANTS:
        exp = Experiment("sgd", f1, factory, _exponential(1.0), "f_gap", VARIANT_HORIZONS, seeds=1000,
                         per_horizon=True, judged=judged)
        cos = Experiment("sgd", f1, factory, _cosine, "f_gap", VARIANT_HORIZONS, seeds=1000, per_horizon=True,
                         judged=judged)
        assumptions = ("f L-smooth and PL", text) + (() if judged else ("outside the bounded-variance assumption",))
        checks += [
            Check(f"P1-NOISE-{tag}-EXP", PART, f"Exponential step, {text}: rate unchanged",
                  "The rate ln(T)/T of the exponential step does not depend on the noise model while the "
                  "variance is finite near the minimiser.", assumptions,
                  Source("derived", "proofs_check.theory.local.exponential_local_gap"),
                  exp, SlopeClaim(1.0, x_transform=ln_over_t)),
            Check(f"P1-NOISE-{tag}-COS", PART, f"Cosine step, {text}: rate unchanged",
                  "The rate T^(−2/3) of the cosine step does not depend on the noise model while the variance "
                  "is finite near the minimiser.", assumptions,
                  Source("derived", "proofs_check.theory.local.cosine_local_gap"), cos, SlopeClaim(-2.0 / 3.0)),
        ]
    return checks


# --------------------------------------------------------------------------------------------
# SGDOL (E-SGDOL-1, -4, -5) and the AdaGrad-type baselines on F2.

SGDOL_HYPER = {"smoothness": 2.0, "alpha": 2.0}  # L of F2, α = L (the authors' rule of thumb)


def _sgdol(s: float, **extra_hyper) -> Experiment:
    factory = exact_gradients if s == 0 else _gaussian(s * math.sqrt(10.0))
    return Experiment("sgdol", f2, factory, None, "avg_grad_norm2", SGDOL_HORIZONS, seeds=500,
                      hyper={**SGDOL_HYPER, **extra_hyper})


def sgdol_bound(curve: Curve):
    """(S1) with the measured regret R̄ at each T"""
    r = curve.resolved
    hyper = curve.results[0].config["algorithm"]["hyper"]
    regret = theory.sgdol_regret(curve.metric("state_surrogate"), curve.metric("state_sum_inner"),
                                 curve.metric("state_sum_sq"), alpha=hyper["alpha"], L=hyper["smoothness"])
    return theory.sgdol_bound(curve.x, L=r.L, delta=r.delta, regret=regret.mean(axis=1),
                              sigma=math.sqrt(_noise_b(r.noise)), a=_noise_a(r.noise))


def sgdol_step(curve: Curve):
    """(α + S_t)/(L(α + S_t + tσ²)), S_t the path's Σ||∇f||² (mean over seeds)"""
    r = curve.resolved
    hyper = curve.results[0].config["algorithm"]["hyper"]
    t = curve.x[:, None].astype(float)
    per_seed = local.sgdol_step_prediction(t, alpha=hyper["alpha"], sum_grad_norm2=t * curve.metric(
        "avg_grad_norm2"), sigma2=r.sigma2) / hyper["smoothness"]
    return per_seed.mean(axis=1)


_SGDOL_ASSUMPTIONS = ("f L-smooth (F2, not PL)", "two independent oracle samples per step")


def _sgdol_checks() -> list:
    noiseless = _sgdol(0.0)
    gd = Experiment("sgd", f2, exact_gradients, lambda T, r: schedules.constant(1.0 / r.L), "avg_grad_norm2",
                    SGDOL_HORIZONS, seeds=500)
    checks = [
        Check("P1-SGDOL-EQUALS-GD", PART, "SGDOL without noise is gradient descent with step 1/L",
              "With g' = g the surrogate sums are equal, η_t = 1/L at every round, and SGDOL's iterates are those "
              "of GD with step 1/L (to round-off).", ("exact gradients",),
              Source("derived", f"{SPEC} §4.2 (noiseless sanity check)"), noiseless, EqualityClaim(gd)),
        Check("P1-SGDOL-NOISELESS-RATE", PART, "SGDOL without noise: rate 1/T",
              "Without noise the uniform average of ||∇f||² decays like 1/T.", ("exact gradients",),
              Source("derived", f"{SPEC} §4.3 (S1) with σ = 0"), noiseless, SlopeClaim(-1.0)),
    ]
    for s in (0.3, 3.0):
        experiment = _sgdol(s)
        steps = Experiment("sgdol", f2, _gaussian(s * math.sqrt(10.0)), None, "state_eta",
                           {p: tuple(t for t in g if t >= 100) for p, g in SGDOL_HORIZONS.items()}, seeds=500,
                           hyper=SGDOL_HYPER)
        tag = f"S{s:g}"
        assumptions = _SGDOL_ASSUMPTIONS + (f"Gaussian noise, s = {s:g} per coordinate (σ² = {10 * s * s:g})",)
        checks += [
            Check(f"P1-SGDOL-RATE-{tag}", PART, f"SGDOL with noise s = {s:g}: rate T^(-1/2) without knowing σ",
                  "The uniform average of ||∇f||² decays like T^(−1/2) (slope −1/2 within 0.1), against iterations "
                  "and against oracle calls (2 per step).", assumptions,
                  Source("derived", "proofs_check.theory.noise_adaptive.sgdol_bound (order of S1)"),
                  experiment, SlopeClaim(-0.5)),
            Check(f"P1-SGDOL-BOUND-{tag}", PART, f"SGDOL with noise s = {s:g}: under the (S1) bound",
                  "E||∇f(x_k)||² <= 3L(Δ + R̄)/T + σ√(2L(Δ + R̄)/T) with the learner's regret R̄ measured in the run.",
                  assumptions, Source("derived", "proofs_check.theory.noise_adaptive.sgdol_bound"),
                  experiment, UpperBoundClaim(sgdol_bound)),
            Check(f"P1-SGDOL-STEP-{tag}", PART, f"SGDOL with noise s = {s:g}: the learned step",
                  "η_{t+1}L tracks the signal fraction (α + S_t)/(α + S_t + tσ²) of the path within 10 % for t >= 100.",
                  assumptions, Source("derived", "proofs_check.theory.local.sgdol_step_prediction"),
                  steps, PredictionClaim(sgdol_step, STEP_RTOL)),
        ]
    checks += [
        Check("P1-SGDOL-CORRELATED", PART, "SGDOL with a correlated second sample stops adapting",
              "With g' = g + 0.01 (g_indep − g) (like the same-minibatch demo), ⟨g, g'⟩ ≈ ||g||²: the step stays "
              "near 1/L and the average of ||∇f||² stalls at the noise floor instead of decaying.",
              _SGDOL_ASSUMPTIONS[:1] + ("second sample correlated with the first (c = 0.99)", "s = 1"),
              Source("derived", f"{SPEC} §4.4 E-SGDOL-5"),
              _sgdol(1.0, second_sample_correlation=0.99), PlateauClaim()),
        Check("P1-SGDOL-COORDINATE", PART, "Per-coordinate SGDOL (an extension, not in the paper)",
              "Reported without a verdict: the per-coordinate learner's average ||∇f||² slope (no theorem).",
              _SGDOL_ASSUMPTIONS + ("s = 3",), Source("derived", f"{SPEC} §4.5 (reconstructed variant)"),
              Experiment("sgdol_coordinate", f2, _gaussian(3.0 * math.sqrt(10.0)), None, "avg_grad_norm2",
                         SGDOL_HORIZONS, seeds=500, hyper=SGDOL_HYPER, judged=False),
              SlopeClaim(-0.5)),
    ]
    baselines = (
        ("ADAGRAD-NORM", "adagrad_norm", {"eta": 1.0, "b0": 0.1}, "AdaGrad-norm (Ward, Wu, Bottou 2019)"),
        ("GEN-ADAGRAD", "generalized_adagrad", {"alpha": 1.0, "beta": 1.0, "eps": 0.0},
         "generalized AdaGrad, global (Li and Orabona 2019)"),
        ("GEN-ADAGRAD-COORD", "generalized_adagrad_coordinate", {"alpha": 1.0, "beta": 1.0, "eps": 0.0},
         "generalized AdaGrad, per coordinate (Li and Orabona 2019)"),
    )
    for tag, algorithm, hyper, text in baselines:
        checks.append(Check(
            f"P1-{tag}-RATE", PART, f"{text}: at least T^(-1/2) with noise",
            "The uniform average of ||∇f||² decays at least like T^(−1/2) up to logs (an upper bound: the "
            "measured slope must be at most −1/2 + 0.1; on F2 the transient makes it steeper).",
            ("f L-smooth", "bounded variance, s = 3 per coordinate"), Source("paper", text),
            Experiment(algorithm, f2, _gaussian(3.0 * math.sqrt(10.0)), None, "avg_grad_norm2", SGDOL_HORIZONS,
                       seeds=500, hyper=hyper),
            SlopeClaim(-0.5, one_sided=True)))
    return checks


CHECKS = tuple(_ec1_checks(1.0) + _ec1_checks(0.1) + _beta10_checks() + _ec2_checks() + _ec3_checks()
               + _ec4_checks() + _ec5_checks() + _sgdol_checks())
