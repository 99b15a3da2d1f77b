r"""The theory of Part 1 (noise-adaptive step sizes) as labelled, vectorised functions of T.

Spec: ``shared/spec/noise_adaptive.md`` §3 (baselines and lower bounds), §4.3 (SGDOL), §5.2
(exponential and cosine step sizes). Every explicit constant of that spec is tagged [DERIVED]
there: the spec's authors could not read the papers' theorems, so the bounds below are ours,
proven here from the stated assumptions (the proofs are in the docstrings, section Notes), not
the papers' constants. Only the orders are confirmed by the papers' abstracts.

Symbols (keyword arguments)
---------------------------
============  =================================================================================
``T``         horizon: number of steps of a run (array or scalar; >= 1)
``L``         smoothness constant: ``||∇f(x) − ∇f(y)|| <= L ||x − y||``
``mu``        PL constant: ``½ ||∇f(x)||² >= μ (f(x) − f*)`` for all x
``delta``     Δ = Δ₁ = f(x₁) − f*, the initial gap
``sigma``     σ, ``sigma2`` = σ²: bounded variance (N1), ``E||g − ∇f(x)||² <= σ²``
``a``, ``b``  affine variance (N2): ``E||g − ∇f(x)||² <= a ||∇f(x)||² + b`` ((N1) is a = 0, b = σ²)
``eta``       a constant step η; ``eta0`` the first step η₀ of a schedule
``beta``      β >= 1 of the exponential schedule ``η_t = η₀ α^t``, ``α = (β/T)^{1/T}``
``regret``    R̄, the expected regret of SGDOL's step-size learner (measured: :func:`sgdol_regret`)
============  =================================================================================

Two lemmas used throughout [DERIVED, standard]
----------------------------------------------
Let ``E_t`` be the expectation given the past, ``x_{t+1} = x_t − η_t g_t`` with ``η_t``
deterministic (or fixed before ``g_t`` is drawn), ``E_t g_t = ∇f(x_t)`` and (N2). Smoothness
gives ``f(x_{t+1}) <= f(x_t) − η_t ⟨∇f(x_t), g_t⟩ + (L/2) η_t² ||g_t||²`` and
``E_t ||g_t||² = ||∇f||² + E_t||g_t − ∇f||² <= (1 + a)||∇f||² + b``, so

    E_t f(x_{t+1}) <= f(x_t) − η_t (1 − L η_t (1 + a)/2) ||∇f(x_t)||² + (Lb/2) η_t²
                   <= f(x_t) − (η_t/2) ||∇f(x_t)||² + (Lb/2) η_t²       if η_t <= 1/(L(1 + a)).   (D)

*Non-PL sum (NC).* Summing (D) over t = 1..T and using f(x_{T+1}) >= f*:
``Σ_t η_t E||∇f(x_t)||² <= 2Δ + Lb Σ_t η_t²``; dividing by ``Σ_t η_t`` bounds the η-weighted
average ``E Σ η_t||∇f(x_t)||² / Σ η_t`` (the engine's metric ``weighted_avg_grad_norm2``), which
is ``E||∇f(x_τ)||²`` for τ drawn with ``P(τ = t) ∝ η_t``.

*PL recursion (R).* With PL, ``||∇f||² >= 2μ(f − f*)``, and with ``Δ_t = E f(x_t) − f*``:
``Δ_{t+1} <= (1 − μη_t) Δ_t + (Lb/2) η_t²``. Since μ <= L and η_t <= 1/L, every factor
``1 − μη_t`` lies in [0, 1]; unrolling,

    Δ_{T+1} <= Π_{t=1}^T (1 − μη_t) Δ + (Lb/2) Σ_{t=1}^T η_t² Π_{i=t+1}^T (1 − μη_i)
            <= exp(−μ Σ_t η_t) Δ + (Lb/2) Σ_t η_t² exp(−μ Σ_{i>t} η_i)                  (U)

using ``1 − x <= e^{−x}``. :func:`pl_recursion_bound` evaluates the first line exactly; the
closed forms below bound the second.

The step-size assumption ``η_t <= 1/(L(1 + a))`` of every bound is the caller's to check (the
formulas are defined without it); the functions only refuse arguments outside a formula's domain.

References
----------
Z. Zhuang, *Adaptive Strategies in Non-convex Optimization*, PhD thesis, Boston University (2023),
arXiv 2306.10278. Z. Zhuang, A. Cutkosky, F. Orabona, *Surrogate Losses for Online Learning of
Stepsizes in Stochastic Non-Convex Optimization*, ICML 2019, arXiv 1901.09068. X. Li, Z. Zhuang,
F. Orabona, *A Second look at Exponential and Cosine Step Sizes: Simplicity, Adaptivity, and
Performance*, ICML 2021, arXiv 2002.05273. H. Karimi, J. Nutini, M. Schmidt, *Linear Convergence of
Gradient and Proximal-Gradient Methods under the Polyak-Łojasiewicz Condition*, ECML-PKDD 2016.
S. Ghadimi, G. Lan, *Stochastic first- and zeroth-order methods for nonconvex stochastic
programming*, SIAM J. Optim. 23(4), 2013. F. Orabona, *A Modern Introduction to Online Learning*,
arXiv 1912.13213.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy.special import gamma

from proofs_check.theory import collect, theory

SPEC = "shared/spec/noise_adaptive.md"

#: ``e^{−1/e}``: the smallest value of ``α = (β/T)^{1/T}`` over all ``T > β >= 1`` (spec §5.1).
ALPHA_MIN = math.exp(-1.0 / math.e)
#: Leading-order constant of the cosine schedule's noise term under PL (derived in
#: :func:`cosine_pl_leading`): ``Γ(5/3) (9π²/32)^{1/3} ≈ 1.2687``.
COSINE_PL_CONSTANT = float(gamma(5.0 / 3.0) * (9.0 * math.pi**2 / 32.0) ** (1.0 / 3.0))
#: The spec's constant ``π⁴ Γ(5/3) 3^{5/3}/96 ≈ 5.716``: too large by ``(π²/4)^{5/3} ≈ 4.51`` as a
#: leading order (it mixes an upper bound of η_t² with a lower bound of the exponent; see
#: :func:`cosine_pl_leading`). Kept for reports.
COSINE_PL_CONSTANT_SPEC = float(math.pi**4 * gamma(5.0 / 3.0) * 3.0 ** (5.0 / 3.0) / 96.0)
#: Relative rounding tolerated when ``sum_sq`` (= α + Σ||g||²) is read back below α.
SUM_SQ_ROUNDING = 1e-12


# ----------------------------------------------------------------------------------------------
# Validation (public functions validate; the arithmetic trusts the checked arrays)
# ----------------------------------------------------------------------------------------------


def _real(name: str, value, allow_nan: bool = False) -> np.ndarray:
    if isinstance(value, (bool, np.bool_, str, bytes)):
        raise TypeError(f"{name} must be a real number or an array of real numbers, got {value!r}")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a real number or an array of real numbers, got {value!r}") from None
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    finite = np.isfinite(arr) | np.isnan(arr) if allow_nan else np.isfinite(arr)
    if not np.all(finite):
        raise ValueError(f"{name} must be finite{' or NaN' if allow_nan else ''}, got {value!r}")
    return arr


def _positive(name: str, value) -> np.ndarray:
    arr = _real(name, value)
    if not np.all(arr > 0):
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return arr


def _nonnegative(name: str, value) -> np.ndarray:
    arr = _real(name, value)
    if not np.all(arr >= 0):
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return arr


def _horizon(T, minimum: float = 1.0, strict: bool = False) -> np.ndarray:
    arr = _real("T", T)
    ok = arr > minimum if strict else arr >= minimum
    if not np.all(ok):
        relation = ">" if strict else ">="
        raise ValueError(f"T must be {relation} {minimum:g}, got {T!r}")
    return arr


def _integer_horizons(T) -> np.ndarray:
    arr = _horizon(T)
    if not np.all(arr == np.round(arr)):
        raise ValueError(f"T must hold integers (the bound sums over the steps), got {T!r}")
    return arr.astype(np.int64)


def _beta(beta) -> np.ndarray:
    arr = _real("beta", beta)
    if not np.all(arr >= 1):
        raise ValueError(f"beta must be >= 1, got {beta!r}")
    return arr


def _exp_horizon(T, beta) -> tuple[np.ndarray, np.ndarray]:
    """T and β of the exponential schedule, with the domain T > β >= 1 checked."""
    b = _beta(beta)
    t = _real("T", T)
    if not np.all(t > b):
        raise ValueError(f"T must be > beta (the exponential schedule needs T > β >= 1), got T={T!r}, beta={beta!r}")
    return t, b


def _alpha(T: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """α = (β/T)^{1/T}, computed as exp(−ln(T/β)/T)."""
    return np.exp(-np.log(T / beta) / T)


def _out(value) -> np.ndarray:
    return np.asarray(value, dtype=np.float64)


# ----------------------------------------------------------------------------------------------
# §3: baselines and lower bounds
# ----------------------------------------------------------------------------------------------


@theory(source="derived", kind="upper bound", reference=f"{SPEC} §3.1 (Ghadimi-Lan type, constants ours)")
def sgd_constant_nonconvex_bound(T, *, L, eta, sigma2, delta):
    r"""SGD with a constant step on a smooth function: ``2Δ/(ηT) + Lησ²``.

    For ``x_{t+1} = x_t − η g_t``, ``η <= 1/L``, the uniform average of the squared gradient norms
    (``E||∇f(x_k)||²`` with k uniform on 1..T; the engine's ``avg_grad_norm2``) satisfies

        (1/T) Σ_{t=1}^T E||∇f(x_t)||² <= 2Δ/(ηT) + Lησ².

    Parameters
    ----------
    T : array_like
        Horizons, >= 1.
    L : float
        Smoothness constant, > 0.
    eta : float
        The constant step η, > 0 (the theorem needs η <= 1/L, or η <= 1/(L(1 + a)) under (N2)).
    sigma2 : float
        σ², the noise variance bound (N1), >= 0; under (N2) pass ``b``.
    delta : float
        Δ = f(x₁) − f*, >= 0.

    Returns
    -------
    ndarray
        The bound at every T (shape of the broadcast arguments).

    Notes
    -----
    Derived (classical, Ghadimi and Lan 2013 type; the constants are ours). For η <= 1/L,
    L-smoothness and ``E[g | x] = ∇f(x)``, ``E||g − ∇f||² <= σ²`` give

        E f(x_{t+1}) <= E f(x_t) − η(1 − Lη/2) E||∇f(x_t)||² + Lη²σ²/2
                     <= E f(x_t) − (η/2) E||∇f(x_t)||² + Lη²σ²/2.

    Summing over t = 1..T and using f(x_{T+1}) >= f* gives
    ``(1/T) Σ_t E||∇f(x_t)||² <= 2Δ/(ηT) + Lησ²`` with Δ = f(x₁) − f*.

    Under the affine-variance assumption (N2) the same proof with ``E||g||² <= (1 + a)||∇f||² + b``
    and η <= 1/(L(1 + a)) gives the same bound with σ² replaced by b (lemma (D) of the module).

    With ``η* = min{1/L, √(2Δ/(Lσ²T))}`` the bound is at most ``2LΔ/T + 2σ√(2LΔ/T)``: the optimal
    rate, but only for an η tuned to σ; an untuned η leaves the floor ``Lησ²``.

    References
    ----------
    S. Ghadimi and G. Lan, SIAM J. Optim. 23(4), 2013. Spec noise_adaptive.md §3.1.
    """
    T = _horizon(T)
    L, eta = _positive("L", L), _positive("eta", eta)
    sigma2, delta = _nonnegative("sigma2", sigma2), _nonnegative("delta", delta)
    return _out(2.0 * delta / (eta * T) + L * eta * sigma2)


@theory(source="derived", kind="upper bound", reference=f"{SPEC} §3.3, recursion (R) unrolled")
def constant_step_pl_bound(T, *, L, mu, b, eta, delta):
    r"""SGD with a constant step under PL: ``(1 − μη)^T Δ + Lbη/(2μ)``.

    Bounds the last iterate, ``E f(x_{T+1}) − f*`` (the engine's ``f_gap`` at checkpoint T).

    Parameters
    ----------
    T : array_like
        Horizons, >= 1.
    L : float
        Smoothness constant, > 0.
    mu : float
        PL constant, > 0.
    b : float
        Additive noise level of (N2) (σ² under (N1)), >= 0.
    eta : float
        The constant step, > 0 with μη <= 1 (the theorem needs η <= 1/(L(1 + a))).
    delta : float
        Δ = f(x₁) − f*, >= 0.

    Returns
    -------
    ndarray

    Notes
    -----
    Derived. Recursion (R) with η_t = η gives ``Δ_{t+1} <= (1 − μη)Δ_t + Lbη²/2``; unrolling,

        Δ_{T+1} <= (1 − μη)^T Δ + (Lbη²/2) Σ_{k=0}^{T−1} (1 − μη)^k
                <= (1 − μη)^T Δ + (Lbη²/2) / (μη) = (1 − μη)^T Δ + Lbη/(2μ).

    Linear convergence without noise (b = 0); with noise, a plateau at ``Lbη/(2μ)``: reaching an
    accuracy ε needs η ≈ 2με/(Lb), i.e. knowledge of b (spec §3.3 table, first row).

    References
    ----------
    Karimi, Nutini, Schmidt (2016) for the PL step; spec noise_adaptive.md §3.3.
    """
    T = _horizon(T)
    L, mu, eta = _positive("L", L), _positive("mu", mu), _positive("eta", eta)
    b, delta = _nonnegative("b", b), _nonnegative("delta", delta)
    if not np.all(mu * eta <= 1.0):
        raise ValueError(f"mu * eta must be <= 1 (the factor 1 − μη is raised to the power T), got mu={mu!r}, "
                         f"eta={eta!r}")
    return _out((1.0 - mu * eta) ** T * delta + L * b * eta / (2.0 * mu))


@theory(source="derived", kind="rate shape", reference=f"{SPEC} §3.3 table (polynomial steps do not adapt)")
def polynomial_pl_rate_shape(T, *, p, L, mu, b, eta0, delta):
    r"""Shape of ``E f(x_{T+1}) − f*`` for SGD with ``η_t = η₀/t^p`` under PL, 0 < p <= 1.

    Only the dependence on T is meaningful; the constants are indicative (leading orders of the
    unrolled recursion (R)). With q = μη₀:

    * ``0 < p < 1``: ``exp(−q((T + 1)^{1−p} − 1)/(1 − p)) Δ + Lbη₀/(2μT^p)``: a *stretched*
      exponential (not linear) without noise, and ``O(Lbη₀/(μT^p))`` with noise;
    * ``p = 1``: ``(T + 1)^{−q} Δ + (Lbη₀²/2) T^{−q} S_q(T)`` with ``S_q(T) = 1 + (T^{q−1} − 1)/(q − 1)``
      (``1 + ln T`` at q = 1): only polynomial without noise (``T^{−q}``); with noise
      ``≈ Lbη₀²/(2(q − 1)T)`` if q > 1, ``ln T/T`` if q = 1, and ``T^{−q}`` if q < 1.

    Parameters
    ----------
    T : array_like
        Horizons, >= 1.
    p : float
        Exponent of the schedule, 0 < p <= 1.
    L, mu : float
        Smoothness and PL constants, > 0.
    b : float
        Additive noise level, >= 0.
    eta0 : float
        η₀ > 0 with μη₀ <= 1.
    delta : float
        Δ = f(x₁) − f*, >= 0.

    Returns
    -------
    ndarray

    Notes
    -----
    From (U). *Deterministic term*: ``Σ_{t=1}^T t^{−p} >= ∫_1^{T+1} t^{−p} dt``, which is
    ``((T+1)^{1−p} − 1)/(1 − p)`` for p < 1 and ``ln(T + 1)`` for p = 1.

    *Noise term, p < 1* (Chung-type lemma). The one-step fixed point of (R) is ``Lbη_t/(2μ)``. If
    ``Δ_t <= cη_t`` with c = Lb/μ, then ``Δ_{t+1} <= cη_t − (Lb/2)η_t²``, and since
    ``η_t − η_{t+1} <= pη_t/t <= (μ/2)η_t²`` as soon as ``t^{1−p} >= 2p/(μη₀)``, this is
    ``<= cη_{t+1}``: once the deterministic transient has passed, Δ_t stays within
    ``(Lb/μ)η₀ t^{−p}``; the shape uses the fixed point ``Lbη₀/(2μT^p)``.

    *Noise term, p = 1*. ``Π_{i=t+1}^T (1 − q/i) ≈ (t/T)^q``, so the noise term is about
    ``(Lbη₀²/2) T^{−q} Σ_{t<=T} t^{q−2}``, and the sum is approximated by ``S_q(T)`` (its integral
    form plus the first term).

    Remark: η₀ <= 1/L and μ <= L force q = μη₀ <= 1, so the plain η₀/t schedule can never reach
    the 1/T regime inside the analysis' step-size condition; the 1/T rate needs a step such as
    η₀/(1 + at) with a small enough, i.e. knowledge of μ (spec §3.3, "what must be known").

    References
    ----------
    K. L. Chung, *On a stochastic approximation method*, Ann. Math. Stat. 25, 1954 (the lemma);
    spec noise_adaptive.md §3.3.
    """
    T = _horizon(T)
    p = _real("p", p)
    if not np.all((p > 0) & (p <= 1)):
        raise ValueError(f"p must lie in (0, 1], got {p!r}")
    L, mu, eta0 = _positive("L", L), _positive("mu", mu), _positive("eta0", eta0)
    b, delta = _nonnegative("b", b), _nonnegative("delta", delta)
    q = mu * eta0
    if not np.all(q <= 1.0):
        raise ValueError(f"mu * eta0 must be <= 1, got mu={mu!r}, eta0={eta0!r}")
    T, p, q, L, mu, b, eta0, delta = np.broadcast_arrays(T, p, q, L, mu, b, eta0, delta)
    out = np.empty(T.shape)
    sub = p < 1
    if np.any(sub):
        e = 1.0 - p[sub]
        det = np.exp(-q[sub] * ((T[sub] + 1.0) ** e - 1.0) / e) * delta[sub]
        out[sub] = det + L[sub] * b[sub] * eta0[sub] / (2.0 * mu[sub] * T[sub] ** p[sub])
    one = ~sub
    if np.any(one):
        qq, tt = q[one], T[one]
        near = np.abs(qq - 1.0) < 1e-12
        safe = np.where(near, 0.5, qq - 1.0)
        s = np.where(near, 1.0 + np.log(tt), 1.0 + (tt ** (qq - 1.0) - 1.0) / safe)
        out[one] = (tt + 1.0) ** (-qq) * delta[one] + 0.5 * L[one] * b[one] * eta0[one] ** 2 * tt ** (-qq) * s
    return _out(out)


@theory(source="standard", kind="lower bound shape",
        reference="Arjevani, Carmon, Duchi, Foster, Srebro, Woodworth (2019), arXiv 1912.02365; Carmon et al. "
                  f"(2020); {SPEC} §3.2")
def nonconvex_lower_shape(T, *, L, delta, sigma):
    r"""Shape of the minimax lower bound for smooth non-convex stochastic optimization: ``LΔ/T + σ√(LΔ/T)``.

    Only the shape is meaningful: the true lower bound is ``c`` times this for an unknown
    absolute constant c (the papers state it up to constants). 1/T without noise, σ/√T with noise.

    Parameters
    ----------
    T : array_like
        Number of oracle calls, >= 1.
    L : float
        Smoothness constant, > 0.
    delta : float
        Δ, >= 0.
    sigma : float
        Noise standard deviation σ, >= 0.

    Returns
    -------
    ndarray

    Notes
    -----
    Arjevani et al.: any stochastic first-order method needs Ω(ΔLσ²/ε⁴) calls to reach
    ``E||∇f|| <= ε``; the deterministic term is Ω(ΔL/ε²) (Carmon, Duchi, Hinder, Sidford). Solving
    ``T = ΔL/ε² + ΔLσ²/ε⁴`` for ε² up to constants gives ``ε² ≍ LΔ/T + σ√(LΔ/T)`` (spec §3.2,
    [DERIVED] rewriting). SGD with a σ-tuned step matches it (:func:`sgd_constant_nonconvex_bound`).

    References
    ----------
    Y. Arjevani et al., *Lower Bounds for Non-Convex Stochastic Optimization*, arXiv 1912.02365.
    Y. Carmon, J. Duchi, O. Hinder, A. Sidford, *Lower bounds for finding stationary points I*,
    Math. Program. 184, 2020.
    """
    T = _horizon(T)
    L = _positive("L", L)
    delta, sigma = _nonnegative("delta", delta), _nonnegative("sigma", sigma)
    return _out(L * delta / T + sigma * np.sqrt(L * delta / T))


@theory(source="standard", kind="lower bound shape",
        reference=f"Nemirovski-Yudin (1983), Agarwal et al. (2012), strongly convex ⊂ PL; {SPEC} §3.2 [MEM]")
def pl_stochastic_lower_shape(T, *, mu, sigma):
    r"""Shape of the stochastic lower bound under PL (strong convexity): ``σ²/(μT)``.

    Only the shape is meaningful (unknown constant c): ``E f(x̂_T) − f* >= c σ²/(μT)`` for every
    method using T noisy gradients, on strongly convex (hence PL) functions.

    Parameters
    ----------
    T : array_like
        Number of oracle calls, >= 1.
    mu : float
        PL (strong convexity) constant, > 0.
    sigma : float
        Noise standard deviation σ, >= 0.

    Returns
    -------
    ndarray

    Notes
    -----
    Cited from memory in the spec ([MEM]); classical information-theoretic bound for strongly
    convex stochastic optimization. Compared with it, the exponential schedule's noise term
    (:func:`exponential_pl_bound`) is worse by a ln² T factor and an L/μ factor.

    References
    ----------
    A. Nemirovski, D. Yudin, *Problem Complexity and Method Efficiency in Optimization*, Wiley 1983.
    A. Agarwal, P. Bartlett, P. Ravikumar, M. Wainwright, IEEE Trans. Inf. Theory 58(5), 2012.
    """
    T = _horizon(T)
    mu, sigma = _positive("mu", mu), _nonnegative("sigma", sigma)
    return _out(sigma**2 / (mu * T))


@theory(source="paper", kind="lower bound shape",
        reference=f"Yue, Fang, Lin, On the Lower Bound of Minimizing PL Functions, arXiv 2212.13551; {SPEC} §3.2")
def pl_deterministic_lower_iterations(eps, *, L, mu):
    r"""Shape of the deterministic PL lower bound: ``(L/μ) ln(1/ε)`` gradient calls to reach ε.

    Only the shape is meaningful (unknown constant). Gradient descent with step 1/L reaches it up
    to the constant (``(1 − μ/L)^t Δ <= ε`` after ``(L/μ) ln(Δ/ε)`` steps).

    Parameters
    ----------
    eps : array_like
        Target accuracy ε of ``f − f*`` relative to the initial gap, 0 < ε < 1.
    L, mu : float
        Smoothness and PL constants, > 0.

    Returns
    -------
    ndarray
        The number of calls (real-valued shape, not rounded).

    References
    ----------
    P. Yue, C. Fang, Z. Lin, arXiv 2212.13551 (first-order methods need Ω((L/μ) log(1/ε)) calls on
    smooth PL functions).
    """
    e = _real("eps", eps)
    if not np.all((e > 0) & (e < 1)):
        raise ValueError(f"eps must lie in (0, 1), got {eps!r}")
    L, mu = _positive("L", L), _positive("mu", mu)
    return _out(L / mu * np.log(1.0 / e))


# ----------------------------------------------------------------------------------------------
# §4: SGDOL
# ----------------------------------------------------------------------------------------------


@theory(source="derived", kind="estimator", reference=f"{SPEC} §4.2-4.3; adaptopt/algorithms/sgdol.py")
def sgdol_regret(surrogate, sum_inner, sum_sq, *, alpha, L):
    r"""Regret of SGDOL's step-size learner against the best fixed η in [0, 2/L], per seed.

    With the state SGDOL records (metrics ``state_surrogate``, ``state_sum_inner``,
    ``state_sum_sq`` of :class:`adaptopt.result.Result`), ``A = sum_inner − α = Σ⟨g_t, g'_t⟩``,
    ``B = sum_sq − α = Σ||g_t||²`` and the learner's cumulative loss ``surrogate = Σ_t ℓ_t(η_t)``
    (with the steps actually used), the regret after T rounds is

        R_T = Σ_t ℓ_t(η_t) − min_{η ∈ [0, 2/L]} Σ_t ℓ_t(η) = surrogate − min_{η ∈ [0, 2/L]} (−ηA + (L/2)η²B),

    since ``Σ_t ℓ_t(η) = −ηA + (L/2)η²B`` for the surrogate losses ``ℓ_t(η) = −η⟨g_t, g'_t⟩ +
    (L/2)η²||g_t||²``.

    Parameters
    ----------
    surrogate, sum_inner, sum_sq : array_like
        The recorded state (any broadcastable shapes, e.g. (n_checkpoints, n_seeds)).
        ``sum_sq`` must be >= α (up to rounding): it is α plus a sum of squares. NaN marks a
        diverged seed (as in :meth:`adaptopt.result.Result.metric`) and gives NaN.
    alpha : float
        SGDOL's α (hyper-parameter ``alpha``), > 0.
    L : float
        SGDOL's L (hyper-parameter ``smoothness``), > 0.

    Returns
    -------
    ndarray
        R_T per entry. It can be negative: the learner plays a different η every round and may
        beat every fixed η in hindsight.

    Notes
    -----
    ``q(η) = −ηA + (L/2)η²B`` is convex (B >= 0), so its minimum over [0, 2/L] is attained at an
    end point or at the clipped stationary point ``clip(A/(LB), 0, 2/L)``; the minimum of q over
    these three candidates is exact (for B = 0, q is linear and an end point wins). B is clipped
    at 0 against rounding in ``sum_sq − α``.

    References
    ----------
    Z. Zhuang, A. Cutkosky, F. Orabona, ICML 2019, arXiv 1901.09068 (surrogate losses); authors'
    code ``zhenxun-zhuang/SGDOL``, ``sgdol.py``.
    """
    surrogate = _real("surrogate", surrogate, allow_nan=True)
    sum_inner = _real("sum_inner", sum_inner, allow_nan=True)
    sum_sq = _real("sum_sq", sum_sq, allow_nan=True)
    alpha, L = _positive("alpha", alpha), _positive("L", L)
    if not np.all((sum_sq >= alpha * (1.0 - SUM_SQ_ROUNDING)) | np.isnan(sum_sq)):
        raise ValueError("sum_sq must be >= alpha (it is α + Σ||g_t||²); is alpha the run's hyper-parameter?")
    A = sum_inner - alpha
    B = np.maximum(sum_sq - alpha, 0.0)
    hi = 2.0 / L
    stationary = np.clip(A / (L * np.where(B > 0, B, 1.0)), 0.0, hi)

    def q(eta):
        return -eta * A + 0.5 * L * eta * eta * B

    best = np.minimum(np.minimum(q(0.0), q(hi)), q(stationary))
    return _out(surrogate - best)


@theory(source="derived", kind="upper bound",
        reference=f"{SPEC} §4.3 (FTRL regret; Orabona, Modern Introduction to Online Learning, ch. 7)")
def sgdol_regret_bound(T, *, L, alpha, G):
    r"""Regret of SGDOL's FTRL learner with bounded gradients: ``α/(2L) + (9G²/(2L)) ln(1 + TG²/α)``.

    Holds for every realisation when every stochastic gradient satisfies ``||g_t||, ||g'_t|| <= G``.

    Parameters
    ----------
    T : array_like
        Rounds, >= 1.
    L : float
        SGDOL's L, > 0.
    alpha : float
        SGDOL's α, > 0.
    G : float
        Almost-sure bound on the stochastic gradient norms, >= 0.

    Returns
    -------
    ndarray

    Notes
    -----
    Derived (spec §4.3). SGDOL's step is FTRL on K = [0, 2/L] with ψ(η) = (Lα/2)(η − 1/L)²:
    ``η_{t+1} = argmin_K F_{t+1}``, ``F_{t+1} = ψ + Σ_{i<=t} ℓ_i``. By the strong FTRL lemma
    (Orabona, Lemma 7.1), for u in K,

        R_T(u) <= ψ(u) − min ψ + Σ_t [(F_t + ℓ_t)(η_t) − (F_t + ℓ_t)(η_{t+1})] + F_{T+1}(η_{T+1}) − F_{T+1}(u),

    and the last difference is <= 0. ``F_t + ℓ_t = F_{t+1}`` is λ_t-strongly convex with
    ``λ_t = L(α + Σ_{i<=t}||g_i||²)`` and minimised on K by η_{t+1}; ℓ'_t(η_t) is a subgradient of
    ``F_{t+1} + I_K`` at η_t (because η_t minimises F_t on K), so each bracket is at most
    ``ℓ'_t(η_t)²/(2λ_t)``. Here ``|ℓ'_t(η_t)| = |−⟨g_t, g'_t⟩ + Lη_t||g_t||²| <= ||g_t||(||g'_t|| + 2||g_t||)
    <= 3G||g_t||`` and ``ψ(u) − min ψ <= (Lα/2)(1/L)² = α/(2L)``. With x_t = ||g_t||² <= G²,

        R_T <= α/(2L) + (9G²/(2L)) Σ_t x_t/(α + Σ_{i<=t} x_i) <= α/(2L) + (9G²/(2L)) ln(1 + TG²/α),

    by the log-sum lemma ``x_t/(α + S_t) <= ln((α + S_t)/(α + S_{t−1}))`` (from 1 − 1/y <= ln y).

    References
    ----------
    F. Orabona, *A Modern Introduction to Online Learning*, arXiv 1912.13213, ch. 7.
    """
    T = _horizon(T)
    L, alpha, G = _positive("L", L), _positive("alpha", alpha), _nonnegative("G", G)
    return _out(alpha / (2.0 * L) + 9.0 * G * G / (2.0 * L) * np.log1p(T * G * G / alpha))


@theory(source="derived", kind="upper bound", reference=f"{SPEC} §4.3, theorem (S1) (constants ours)")
def sgdol_bound(T, *, L, delta, regret, sigma, a=0.0):
    r"""SGDOL (S1): ``E||∇f(x_k)||² <= 3L(Δ + R̄)/T + σ√(2L(Δ + R̄)/T)``, k uniform on 1..T.

    The measured quantity is the engine's ``avg_grad_norm2`` of an ``sgdol`` run at checkpoint T.
    Under (N2) (``a > 0``, σ² = b) the constant 3 becomes ``3 + 2a``.

    Parameters
    ----------
    T : array_like
        Horizons, >= 1.
    L : float
        Smoothness constant of f (SGDOL must be run with ``smoothness = L``), > 0.
    delta : float
        Δ = f(x₁) − f*, >= 0.
    regret : array_like
        R̄ = E R_T, the expected regret of the step-size learner at each T (scalar or an array
        broadcasting with T; measure it with :func:`sgdol_regret` and average over seeds).
        The theorem implies Δ + R̄ >= 0; a smaller value is refused.
    sigma : float
        σ: noise standard deviation (N1), or √b under (N2); >= 0.
    a : float, default 0
        Multiplicative noise level of (N2), >= 0.

    Returns
    -------
    ndarray

    Notes
    -----
    Derived (spec §4.3; the orders match arXiv 1901.09068's claim, the constants are ours).
    Assumptions: f L-smooth with f* > −∞; ``g_t, g'_t`` unbiased and independent given the past,
    with (N1) σ² (or (N2)); η_t in [0, 2/L] fixed before round t. Write
    ``ℓ_t(η) = −η⟨g_t, g'_t⟩ + (L/2)η²||g_t||²``, ``A = Σ_t ⟨g_t, g'_t⟩``, ``B = Σ_t ||g_t||²``,
    ``S = Σ_t E||∇f(x_t)||²``, ``D = Δ + R̄``.

    1. *Descent.* Smoothness: ``f(x_{t+1}) <= f(x_t) − η_t⟨∇f(x_t), g_t⟩ + (L/2)η_t²||g_t||²``. As η_t
       is fixed before the draws and ``E_t⟨g_t, g'_t⟩ = ||∇f(x_t)||² = E_t⟨∇f(x_t), g_t⟩``,
       ``E f(x_{t+1}) <= E f(x_t) + E ℓ_t(η_t)``. Telescoping, ``−Δ <= E Σ_t ℓ_t(η_t) =
       E min_{η∈[0,2/L]} Σ_t ℓ_t(η) + R̄``, i.e. ``E[−min_η(−ηA + (L/2)η²B)] <= D``.
    2. *The minimum.* On [0, 2/L], ``min_η (−ηA + (L/2)η²B) <= −A₊²/(2L(B + A₊/2))``. Case A <= 0:
       η = 0 gives 0. Case 0 < A <= 2B: η = A/(LB) <= 2/L gives ``−A²/(2LB) <= −A²/(2L(B + A/2))``.
       Case A > 2B: η = 2/L gives ``−2(A − B)/L``, and ``2(A − B)/L >= A²/(L(2B + A))`` iff
       ``2(A − B)(2B + A) >= A²`` iff ``A² + 2AB − 4B² >= 0``, true at A = 2B (4B² >= 0) and
       increasing in A > 0. Hence ``E[A₊²/(2L(B + A₊/2))] <= D`` (and so D >= 0).
    3. *Jensen.* ``(u, v) ↦ u²/v`` is jointly convex on v > 0 (a perspective), so
       ``(E A₊)²/(2L(E B + E A₊/2)) <= D``. ``S = E A <= E A₊``, and ``u ↦ u²/(c + u/2)`` is
       increasing for u >= 0 (derivative ``(2uc + u²/2)/(c + u/2)² >= 0``), so
       ``S²/(2L(E B + S/2)) <= D``.
    4. *Quadratic inequality.* ``E B = Σ_t (E||∇f(x_t)||² + E||g_t − ∇f(x_t)||²) <= (1 + a)S + Tb``
       (b = σ² under (N1), a = 0). So ``S² <= 2LD((3/2 + a)S + Tb)``, i.e.
       ``S² − (3 + 2a)LD·S − 2LDTb <= 0``, whose larger root gives

           S <= [(3 + 2a)LD + √((3 + 2a)²L²D² + 8LDTb)]/2 <= (3 + 2a)LD + √(2LDTb)

       by ``√(x + y) <= √x + √y``. Dividing by T: ``S/T <= (3 + 2a)LD/T + σ√(2LD/T)`` (σ² = b), and
       ``S/T = E||∇f(x_k)||²`` for k uniform on 1..T.

    With bounded gradients :func:`sgdol_regret_bound` makes R̄ = O(α/L + (G²/L) log T), giving
    ``Õ(1/T)`` without noise and ``Õ(σ/√T)`` with noise, without knowing σ. Here R̄ is measured
    instead (the Gaussian oracle is unbounded); its Monte-Carlo error enters the bound.

    References
    ----------
    Z. Zhuang, A. Cutkosky, F. Orabona, ICML 2019, arXiv 1901.09068 (order only; constants ours).
    """
    T = _horizon(T)
    L = _positive("L", L)
    delta = _nonnegative("delta", delta)
    regret = _real("regret", regret)
    sigma, a = _nonnegative("sigma", sigma), _nonnegative("a", a)
    D = delta + regret
    if not np.all(D >= 0):
        raise ValueError(f"delta + regret must be >= 0 (the theorem implies Δ + R̄ >= 0), got min "
                         f"{float(np.min(D))!r}: is the regret estimate too noisy?")
    return _out((3.0 + 2.0 * a) * L * D / T + sigma * np.sqrt(2.0 * L * D / T))


# ----------------------------------------------------------------------------------------------
# §5: exponential and cosine step sizes
# ----------------------------------------------------------------------------------------------


@theory(source="derived", kind="upper bound", reference=f"{SPEC} §5.2 (E-PL) (constants ours)")
def exponential_pl_bound(T, *, L, mu, b, eta0, beta, delta):
    r"""Exponential steps under PL (E-PL), last iterate ``E f(x_{T+1}) − f*``.

    With ``η_t = η₀α^t``, ``α = (β/T)^{1/T}``, T > β >= 1 and η₀ <= 1/(L(1 + a)):

        E f(x_{T+1}) − f* <= exp(−μη₀α(T − β)/ln(T/β)) Δ
                             + 2Lb ln²(T/β)/(e²μ²α²T) · exp(μη₀β/ln(T/β)).

    Since ``α >= e^{−1/e} ≈ 0.692`` (:data:`ALPHA_MIN`) the first exponent is at most
    ``−0.69μη₀(T − β)/ln(T/β)``, the spec's display; using α itself is tighter and equally proven.
    Without noise (b = 0) the rate is linear in T/ln T; with noise the second term is
    ``O(Lb ln²T/(μ²T))``, and the schedule needs neither b nor μ.

    Parameters
    ----------
    T : array_like
        Horizons, > β.
    L, mu : float
        Smoothness and PL constants, > 0.
    b : float
        Additive noise level of (N2) (σ² under (N1)), >= 0.
    eta0 : float
        η₀ > 0 (the theorem needs η₀ <= 1/(L(1 + a))).
    beta : float
        β >= 1.
    delta : float
        Δ, >= 0.

    Returns
    -------
    ndarray
        The bound (``inf`` where ``exp(μη₀β/ln(T/β))`` overflows, as T approaches β).

    Notes
    -----
    Derived (spec §5.2). Start from (U).

    1. *First term.* ``Σ_{t=1}^T η_t = η₀α(1 − α^T)/(1 − α) = η₀α(1 − β/T)/(1 − α)``, and
       ``1 − α <= ln(1/α) = ln(T/β)/T``, so ``Σ_t η_t >= η₀α(T − β)/ln(T/β)``.
    2. *Noise term.* ``Σ_{i=t+1}^T η_i = α(η_t − η_T)/(1 − α)``; with ``c = μα/(1 − α)``,
       ``exp(−μΣ_{i>t}η_i) = exp(−cη_t) exp(cη_T)``, and ``η_t² e^{−cη_t} <= max_u u²e^{−cu} = 4/(e²c²)``
       (at u = 2/c). Summing T terms: noise <= ``(Lb/2)·T·4(1 − α)²/(e²μ²α²)·exp(cη_T)``.
       ``(1 − α)² <= ln²(T/β)/T²`` gives ``2Lb ln²(T/β)/(e²μ²α²T)``. For the exponent, with
       ``x = ln(T/β)/T``, ``α/(1 − α) = 1/(e^x − 1) <= 1/x = T/ln(T/β)``, so
       ``cη_T = μη₀(β/T)·α/(1 − α) <= μη₀β/ln(T/β)``.
    3. ``α >= (1/T)^{1/T} = e^{−ln T/T} >= e^{−1/e}`` because ``ln T/T <= 1/e``; so α² >= 0.479.

    References
    ----------
    X. Li, Z. Zhuang, F. Orabona, ICML 2021, arXiv 2002.05273 (order only; constants ours).
    """
    T, beta = _exp_horizon(T, beta)
    L, mu, eta0 = _positive("L", L), _positive("mu", mu), _positive("eta0", eta0)
    b, delta = _nonnegative("b", b), _nonnegative("delta", delta)
    alpha = _alpha(T, beta)
    log_ratio = np.log(T / beta)
    first = np.exp(-mu * eta0 * alpha * (T - beta) / log_ratio) * delta
    with np.errstate(over="ignore", invalid="ignore"):
        amplification = np.exp(mu * eta0 * beta / log_ratio)
        noise = 2.0 * L * b * log_ratio**2 / (math.e**2 * mu**2 * alpha**2 * T) * amplification
    noise = np.where(b == 0, 0.0, noise)
    return _out(first + noise)


@theory(source="derived", kind="leading order", reference=f"{SPEC} §5.2 (C-PL); constant corrected here")
def cosine_pl_leading(T, *, L, mu, b, eta0, delta):
    r"""Cosine steps under PL (C-PL): ``exp(−μη₀(T − 1)/2)Δ + C·L·b·η₀^{1/3}·μ^{−5/3}·T^{−2/3}``.

    **Not a proven bound**: the first term is an exact consequence of (U), the second is the
    leading order as T → ∞ of (U)'s noise term, ``C = Γ(5/3)(9π²/32)^{1/3} ≈ 1.2687``
    (:data:`COSINE_PL_CONSTANT`). Numerically the exact noise term of the unrolled recursion
    approaches ``C·L·b·η₀^{1/3}μ^{−5/3}T^{−2/3}`` **from below** (ratio 0.93, 0.986, 0.997, 0.9994 at
    T = 10⁴..10⁷ for μ = 1/32, η₀ = 1/8; 0.93 at T = 100 for μη₀ = 1), which is observed, not
    proven. For a proven bound at finite T use :func:`pl_recursion_bound` with the cosine
    schedule. So cosine adapts to noise too, but its noisy-regime rate is T^{−2/3}, not T^{−1}.

    Parameters
    ----------
    T : array_like
        Horizons, >= 1.
    L, mu : float
        Smoothness and PL constants, > 0.
    b : float
        Additive noise level, >= 0.
    eta0 : float
        η₀ > 0 (the recursion needs η₀ <= 1/(L(1 + a))).
    delta : float
        Δ, >= 0.

    Returns
    -------
    ndarray

    Notes
    -----
    Derived. Cosine: ``η_t = (η₀/2)(1 + cos(πt/T))``, t = 1..T.

    *First term (exact).* ``Σ_{t=0}^{2T−1} cos(πt/T) = 0`` (the 2T-th roots of unity) and the terms
    t and 2T − t are equal, so ``1 − 1 + 2Σ_{t=1}^{T−1} cos(πt/T) = 0`` and
    ``Σ_{t=1}^T cos(πt/T) = cos π = −1``. Hence ``Σ_t η_t = η₀(T − 1)/2`` and (U) gives
    ``exp(−μη₀(T − 1)/2)Δ``.

    *Noise term (Laplace-type leading order).* With s = T − t, ``η_t = η₀ sin²(πs/(2T))``. The terms
    that survive the factor ``exp(−μΣ_{i>t}η_i)`` have s ≍ (T²/(μη₀))^{1/3} ≪ T, where
    ``η_t ≈ η₀π²s²/(4T²)`` and ``Σ_{i>t}η_i = η₀Σ_{r<s} sin²(πr/(2T)) ≈ η₀π²s³/(12T²)``. So the
    noise term is ``≈ (Lb/2)(η₀²π⁴/(16T⁴)) ∫_0^∞ s⁴ e^{−ks³} ds`` with ``k = μη₀π²/(12T²)``, and
    ``∫_0^∞ s⁴e^{−ks³} ds = Γ(5/3)k^{−5/3}/3`` (substitute u = ks³). Collecting,

        noise ≈ π^{2/3} Γ(5/3) 12^{5/3}/96 · L b η₀^{1/3} μ^{−5/3} T^{−2/3} = C L b η₀^{1/3} μ^{−5/3} T^{−2/3},

    ``π^{2/3}12^{5/3}/96 = (9π²/32)^{1/3}``. The relative corrections are O((s/T)²) = O((μη₀T)^{−2/3}),
    so the estimate is accurate only for T ≫ 1/(μη₀).

    *Correction to the spec.* The spec's ``C = π⁴Γ(5/3)3^{5/3}/96 ≈ 5.7`` (:data:`COSINE_PL_CONSTANT_SPEC`)
    comes from bounding ``η_t <= η₀π²s²/(4T²)`` (sin x <= x) but ``Σ_{i>t}η_i >= η₀s³/(3T²)``
    (sin x >= 2x/π): mixing an upper and a lower estimate, it is the leading order of an
    (asymptotic) upper bound, too large by ``(π²/4)^{5/3} ≈ 4.51`` as a leading order. The exponent
    −2/3 and the dependence ``L b η₀^{1/3} μ^{−5/3}`` are right.

    References
    ----------
    X. Li, Z. Zhuang, F. Orabona, ICML 2021, arXiv 2002.05273 (order only).
    """
    T = _horizon(T)
    L, mu, eta0 = _positive("L", L), _positive("mu", mu), _positive("eta0", eta0)
    b, delta = _nonnegative("b", b), _nonnegative("delta", delta)
    first = np.exp(-mu * eta0 * (T - 1.0) / 2.0) * delta
    noise = COSINE_PL_CONSTANT * L * b * eta0 ** (1.0 / 3.0) * mu ** (-5.0 / 3.0) * T ** (-2.0 / 3.0)
    return _out(first + noise)


def _step_sizes(step_size: Callable, horizon: int) -> np.ndarray:
    eta = np.asarray(step_size(np.arange(1, horizon + 1, dtype=np.int64), horizon), dtype=np.float64)
    if eta.shape != (horizon,):
        raise ValueError(f"step_size(t, T) must return one step per t = 1..T, shape ({horizon},), got {eta.shape}")
    if not np.all(np.isfinite(eta)) or not np.all(eta >= 0):
        raise ValueError(f"step_size(t, T) must return finite steps >= 0 (T = {horizon})")
    return eta


@theory(source="derived", kind="upper bound", reference=f"{SPEC} §3.3, recursion (R) unrolled exactly")
def pl_recursion_bound(T, *, step_size, L, mu, b, delta):
    r"""Any step-size schedule under PL: the recursion (R) unrolled exactly, no approximation.

        E f(x_{T+1}) − f* <= Π_{t=1}^T (1 − μη_t) Δ + (Lb/2) Σ_{t=1}^T η_t² Π_{i=t+1}^T (1 − μη_i).

    The tightest bound the (R) analysis gives at finite T; the closed forms
    (:func:`constant_step_pl_bound`, :func:`exponential_pl_bound`) are upper estimates of it, and
    :func:`cosine_pl_leading` its asymptotic form for the cosine schedule. Costs O(T) per horizon.

    Parameters
    ----------
    T : array_like of int
        Horizons, integers >= 1.
    step_size : callable
        ``step_size(t, T) -> η_t`` for the integer array t = 1..T, e.g. an
        :class:`adaptopt.schedules.Schedule` (called as ``schedule(t, T)``). Steps must satisfy
        ``0 <= μη_t <= 1``.
    L, mu : float
        Smoothness and PL constants, > 0.
    b : float
        Additive noise level of (N2), >= 0.
    delta : float
        Δ, >= 0.

    Returns
    -------
    ndarray
        Shape of T.

    Notes
    -----
    Derived: recursion (R) of the module docstring, valid when every ``η_t <= 1/(L(1 + a))``
    (the caller's assumption to check); unrolled by induction, each factor ``1 − μη_t`` being in
    [0, 1]. Evaluated with log-products, ``Π_{i>t}(1 − μη_i) = exp(Σ_{i>t} log1p(−μη_i))``.

    References
    ----------
    Karimi, Nutini, Schmidt (2016) for the PL step; spec noise_adaptive.md §3.3 and §5.2.
    """
    if not callable(step_size):
        raise TypeError(f"step_size must be a callable step_size(t, T), got {step_size!r}")
    horizons = _integer_horizons(T)
    L, mu = float(_positive("L", L)), float(_positive("mu", mu))
    b, delta = float(_nonnegative("b", b)), float(_nonnegative("delta", delta))
    out = np.empty(horizons.shape)
    flat = out.reshape(-1)
    for k, horizon in enumerate(horizons.reshape(-1).tolist()):
        eta = _step_sizes(step_size, horizon)
        if not np.all(mu * eta <= 1.0):
            raise ValueError(f"every step must satisfy mu * eta_t <= 1 (T = {horizon})")
        with np.errstate(divide="ignore"):
            log_factor = np.log1p(-mu * eta)
        after = np.concatenate([np.cumsum(log_factor[::-1])[::-1][1:], [0.0]])  # Σ_{i>t}
        flat[k] = math.exp(float(np.sum(log_factor))) * delta + 0.5 * L * b * float(np.sum(eta**2 * np.exp(after)))
    return _out(out)


@theory(source="derived", kind="upper bound", reference=f"{SPEC} §5.2 (E-NC) (constants ours)")
def exponential_nonpl_bound(T, *, L, b, eta0, beta, delta):
    r"""Exponential steps without PL (E-NC): the η-weighted average of ``E||∇f(x_t)||²``.

    With ``η_t = η₀α^t``, ``α = (β/T)^{1/T}``, T > β >= 1, η₀ <= 1/(L(1 + a)), and τ drawn with
    ``P(τ = t) ∝ η_t`` (the engine's ``weighted_avg_grad_norm2``):

        E||∇f(x_τ)||² <= 2Δ ln(T/β)/(αη₀(T − β)) + Lbη₀T/(2α(T − β)).

    With α >= 0.69 this is the spec's ``2Δ ln(T/β)/(0.69η₀(T − β)) + Lbη₀T/(1.38(T − β))``. With a
    fixed η₀ the second term is a floor ≈ Lbη₀/2; with η₀ from
    :func:`tuned_eta0_exponential_nonpl` the bound is ``O(L(1 + a)Δ ln(T/β)/T + √(LbΔ ln(T/β)/T))``,
    optimal up to logs, but that η₀ depends on b: no noise adaptivity is claimed without PL.

    Parameters
    ----------
    T : array_like
        Horizons, > β.
    L : float
        Smoothness constant, > 0.
    b : float
        Additive noise level, >= 0.
    eta0 : array_like
        η₀ > 0 (may vary with T, e.g. the tuned choice).
    beta : float
        β >= 1.
    delta : float
        Δ, >= 0.

    Returns
    -------
    ndarray

    Notes
    -----
    Derived from the non-PL sum (NC) of the module docstring:
    ``E||∇f(x_τ)||² <= (2Δ + LbΣ_tη_t²)/Σ_tη_t``. As in :func:`exponential_pl_bound`,
    ``Σ_tη_t >= η₀α(T − β)/ln(T/β)``. For the squares,
    ``Σ_tη_t² = η₀²α²(1 − β²/T²)/(1 − α²) <= η₀²/(e^{2x} − 1) <= η₀²/(2x) = η₀²T/(2 ln(T/β))`` with
    ``x = ln(T/β)/T``. Dividing gives the two terms.

    References
    ----------
    X. Li, Z. Zhuang, F. Orabona, ICML 2021, arXiv 2002.05273 (order only; constants ours).
    """
    T, beta = _exp_horizon(T, beta)
    L, eta0 = _positive("L", L), _positive("eta0", eta0)
    b, delta = _nonnegative("b", b), _nonnegative("delta", delta)
    alpha = _alpha(T, beta)
    return _out(2.0 * delta * np.log(T / beta) / (alpha * eta0 * (T - beta))
                + L * b * eta0 * T / (2.0 * alpha * (T - beta)))


@theory(source="derived", kind="upper bound", reference=f"{SPEC} §5.2 (C-NC) (constants ours)")
def cosine_nonpl_bound(T, *, L, b, eta0, delta):
    r"""Cosine steps without PL (C-NC): the η-weighted average of ``E||∇f(x_t)||²``.

    With ``η_t = (η₀/2)(1 + cos(πt/T))``, T >= 2, η₀ <= 1/(L(1 + a)):

        E||∇f(x_τ)||² <= 4Δ/(η₀(T − 1)) + Lbη₀(3T − 4)/(4(T − 1)).

    With η₀ from :func:`tuned_eta0_cosine_nonpl` this is ``O(L(1 + a)Δ/T + √(LbΔ/T))``, with no log
    factor (but η₀ depends on b).

    Parameters
    ----------
    T : array_like
        Horizons, > 1 (the identities below hold for integers T >= 2).
    L : float
        Smoothness constant, > 0.
    b : float
        Additive noise level, >= 0.
    eta0 : array_like
        η₀ > 0 (may vary with T).
    delta : float
        Δ, >= 0.

    Returns
    -------
    ndarray

    Notes
    -----
    Derived from (NC): ``E||∇f(x_τ)||² <= (2Δ + LbΣη_t²)/Ση_t``, with two exact sums.
    ``Σ_tη_t = η₀(T − 1)/2`` (see :func:`cosine_pl_leading`). With θ_t = πt/T,
    ``Σ_tη_t² = (η₀²/4)Σ_t(1 + 2cos θ_t + cos²θ_t)``, ``Σ_t cos θ_t = −1`` and
    ``Σ_t cos²θ_t = T/2 + (1/2)Σ_t cos(2πt/T) = T/2`` for T >= 2 (the T-th roots of unity sum to 0;
    at T = 1 the last sum is 1). So ``Σ_tη_t² = (η₀²/4)(T − 2 + T/2) = η₀²(3T − 4)/8`` exactly, and
    ``(2Δ + Lbη₀²(3T − 4)/8)/(η₀(T − 1)/2)`` is the bound.

    References
    ----------
    X. Li, Z. Zhuang, F. Orabona, ICML 2021, arXiv 2002.05273 (order only; constants ours).
    """
    T = _horizon(T, 1.0, strict=True)
    L, eta0 = _positive("L", L), _positive("eta0", eta0)
    b, delta = _nonnegative("b", b), _nonnegative("delta", delta)
    return _out(4.0 * delta / (eta0 * (T - 1.0)) + L * b * eta0 * (3.0 * T - 4.0) / (4.0 * (T - 1.0)))


@theory(source="derived", kind="upper bound", reference=f"{SPEC} §5.2, the non-PL sum (NC) evaluated exactly")
def weighted_nonpl_bound(T, *, step_size, L, b, delta):
    r"""Any schedule without PL: ``(2Δ + LbΣ_tη_t²)/Σ_tη_t``, the sums evaluated exactly.

    Bounds the η-weighted average ``E Σ_tη_t||∇f(x_t)||²/Σ_tη_t`` (``weighted_avg_grad_norm2``).
    :func:`exponential_nonpl_bound` is an upper estimate of it for the exponential schedule;
    :func:`cosine_nonpl_bound` equals it for the cosine schedule.

    Parameters
    ----------
    T : array_like of int
        Horizons, integers >= 1.
    step_size : callable
        ``step_size(t, T) -> η_t`` for t = 1..T (e.g. an :class:`adaptopt.schedules.Schedule`);
        the steps must not all vanish.
    L : float
        Smoothness constant, > 0.
    b : float
        Additive noise level of (N2), >= 0.
    delta : float
        Δ, >= 0.

    Returns
    -------
    ndarray

    Notes
    -----
    Derived: the non-PL sum (NC) of the module docstring, valid when every η_t <= 1/(L(1 + a)).

    References
    ----------
    S. Ghadimi and G. Lan, SIAM J. Optim. 23(4), 2013 (the randomised output rule); spec
    noise_adaptive.md §5.2.
    """
    if not callable(step_size):
        raise TypeError(f"step_size must be a callable step_size(t, T), got {step_size!r}")
    horizons = _integer_horizons(T)
    L, b, delta = float(_positive("L", L)), float(_nonnegative("b", b)), float(_nonnegative("delta", delta))
    out = np.empty(horizons.shape)
    flat = out.reshape(-1)
    for k, horizon in enumerate(horizons.reshape(-1).tolist()):
        eta = _step_sizes(step_size, horizon)
        total = float(np.sum(eta))
        if total <= 0:
            raise ValueError(f"the steps must not all be zero (T = {horizon})")
        flat[k] = (2.0 * delta + L * b * float(np.sum(eta**2))) / total
    return _out(out)


@theory(source="derived", kind="step size", reference=f"{SPEC} §5.2 (E-NC)")
def tuned_eta0_exponential_nonpl(T, *, L, a, b, delta, beta):
    r"""η₀ of (E-NC): ``min{1/(L(1 + a)), √(Δ ln(T/β)/(LbT))}`` (``1/(L(1 + a))`` when b = 0).

    Parameters
    ----------
    T : array_like
        Horizons, > β.
    L : float
        Smoothness constant, > 0.
    a, b : float
        Noise levels of (N2), >= 0.
    delta : float
        Δ, > 0.
    beta : float
        β >= 1.

    Returns
    -------
    ndarray

    Notes
    -----
    Derived. For T ≫ β, :func:`exponential_nonpl_bound` is ``P/η₀ + Qη₀`` with
    ``P ≈ 2Δ ln(T/β)/T``, ``Q ≈ Lb/2`` (α → 1), minimised at ``η₀ = √(P/Q) = 2√(Δ ln(T/β)/(LbT))``;
    the spec's choice is half of it, which changes only the constant:
    ``P/η₀ + Qη₀ = 2.5√(LbΔ ln(T/β)/T)`` instead of ``2√(...)``. The cap ``1/(L(1 + a))`` is the
    theorem's step condition; in the capped regime the bound is ``O(L(1 + a)Δ ln(T/β)/T)``.

    References
    ----------
    X. Li, Z. Zhuang, F. Orabona, ICML 2021, arXiv 2002.05273; spec noise_adaptive.md §5.2.
    """
    T, beta = _exp_horizon(T, beta)
    L, a, b = _positive("L", L), _nonnegative("a", a), _nonnegative("b", b)
    delta = _positive("delta", delta)
    with np.errstate(divide="ignore"):
        noise_choice = np.sqrt(delta * np.log(T / beta) / (L * b * T))
    return _out(np.minimum(1.0 / (L * (1.0 + a)), noise_choice))


@theory(source="derived", kind="step size", reference=f"{SPEC} §5.2 (C-NC)")
def tuned_eta0_cosine_nonpl(T, *, L, a, b, delta):
    r"""η₀ of (C-NC): ``min{1/(L(1 + a)), √(16Δ/(3LbT))}`` (``1/(L(1 + a))`` when b = 0).

    Parameters
    ----------
    T : array_like
        Horizons, > 1.
    L : float
        Smoothness constant, > 0.
    a, b : float
        Noise levels of (N2), >= 0.
    delta : float
        Δ, > 0.

    Returns
    -------
    ndarray

    Notes
    -----
    Derived. For large T, :func:`cosine_nonpl_bound` is ``4Δ/(η₀T) + 3Lbη₀/4``, minimised exactly
    at ``η₀ = √(16Δ/(3LbT))``, where it equals ``2√(3LbΔ/T)``.

    References
    ----------
    X. Li, Z. Zhuang, F. Orabona, ICML 2021, arXiv 2002.05273; spec noise_adaptive.md §5.2.
    """
    T = _horizon(T, 1.0, strict=True)
    L, a, b = _positive("L", L), _nonnegative("a", a), _nonnegative("b", b)
    delta = _positive("delta", delta)
    with np.errstate(divide="ignore"):
        noise_choice = np.sqrt(16.0 * delta / (3.0 * L * b * T))
    return _out(np.minimum(1.0 / (L * (1.0 + a)), noise_choice))


#: Every labelled function of this module, by name, in definition order.
THEORY = collect(globals())

__all__ = [
    "ALPHA_MIN", "COSINE_PL_CONSTANT", "COSINE_PL_CONSTANT_SPEC", "SUM_SQ_ROUNDING", "THEORY",
    "constant_step_pl_bound", "cosine_nonpl_bound", "cosine_pl_leading", "exponential_nonpl_bound",
    "exponential_pl_bound", "nonconvex_lower_shape", "pl_deterministic_lower_iterations", "pl_recursion_bound",
    "pl_stochastic_lower_shape", "polynomial_pl_rate_shape", "sgd_constant_nonconvex_bound", "sgdol_bound",
    "sgdol_regret", "sgdol_regret_bound", "tuned_eta0_cosine_nonpl", "tuned_eta0_exponential_nonpl",
    "weighted_nonpl_bound",
]
