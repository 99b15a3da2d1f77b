"""Sharp predictions from the local linearisation at the minimiser (derived here).

The bounds of :mod:`proofs_check.theory.noise_adaptive` hold everywhere but are loose (they use
the global PL constant). Near a minimiser with Hessian ``diag(h_1, ..., h_d)`` the dynamics of SGD
are linear and its variance can be summed in closed form; the measured means match these
formulas within a few per cent once the transient from ``x_1`` is over. The checks use them as
two-sided predictions of the level and of the rate, which can fail where a loose bound cannot.

Common set-up (derived): ``f(x) ≈ f* + ½ Σ_i h_i x_i²`` and isotropic noise with total variance
``σ²`` (``σ²/d`` per coordinate). SGD gives ``x_i ← (1 − η_t h_i) x_i − η_t ξ_i``, so after T
rounds ``Var x_i = (σ²/d) Σ_t η_t² Π_{u>t} (1 − η_u h_i)²`` and ``E f − f* = Σ_i (h_i/2) Var x_i``.
Replacing ``(1 − a)²`` by ``exp(−2a)`` (accurate when ``η h`` is small on the late rounds that
matter) and sums by integrals gives the formulas below.
"""

from __future__ import annotations

import math

import numpy as np

from proofs_check.theory import collect, theory

REFERENCE = "derived here: local linearisation at the minimiser (proofs_check/theory/local.py)"


def _curvatures(h) -> np.ndarray:
    h = np.atleast_1d(np.asarray(h, dtype=float))
    if h.size == 0 or np.any(h <= 0) or not np.all(np.isfinite(h)):
        raise ValueError("h (curvatures at the minimiser) must be positive finite numbers")
    return h


@theory(source="derived", kind="leading order", reference=REFERENCE)
def exponential_local_gap(T, *, h, sigma2, eta0, beta=1.0):
    """E f(x_{T+1}) − f* ≈ (σ²/d) Σ_i [η0 β/(4T) + ln(T/β)/(8 h_i T)], exponential step

    Derivation. With ``η_t = η0 α^t``, ``α = (β/T)^(1/T)`` and ``λ = −ln α = ln(T/β)/T``,
    ``Σ_{u>t} η_u ≈ (η_t − η_T)/λ``. Changing variables to ``v = η_t`` (``dt = −dv/(λ v)``),
    ``Var x_i ≈ (σ²/d)(1/λ) ∫_{η_T}^{∞} v exp(−2h_i (v − η_T)/λ) dv
             = (σ²/d)(η_T/(2h_i) + λ/(4h_i²))``,
    and ``(h_i/2) Var x_i = (σ²/d)(η_T/4 + λ/(8h_i))`` with ``η_T = η0 β/T``. The rate is
    ``ln(T/β)/T`` (plus a ``1/T`` term), not the ``ln²(T/β)/T`` of the (E-PL) bound: the
    bound's extra logarithm comes from the slack of ``max_u u² e^{−cu}`` in its proof.
    """
    T = np.asarray(T, dtype=float)
    h = _curvatures(h)
    per_coordinate = eta0 * beta / (4.0 * T[..., None]) + np.log(T[..., None] / beta) / (8.0 * h * T[..., None])
    return sigma2 / h.size * per_coordinate.sum(axis=-1)


@theory(source="derived", kind="leading order", reference=REFERENCE)
def cosine_local_gap(T, *, h, sigma2, eta0):
    """E f(x_{T+1}) − f* ≈ (σ²/d) Σ_i π^(2/3) 6^(5/3) Γ(5/3) η0^(1/3) / (96 h_i^(2/3)) T^(−2/3), cosine step

    Derivation. Counting from the end, ``s = T − t``: ``η ≈ η0 π² s²/(4T²)`` and
    ``Σ_{u>t} η_u ≈ η0 π² s³/(12 T²)``. Then
    ``Var x_i ≈ (σ²/d) η0² π⁴/(16 T⁴) ∫_0^∞ s⁴ exp(−k s³) ds`` with ``k = h_i η0 π²/(6T²)``, and
    ``∫_0^∞ s⁴ e^{−k s³} ds = Γ(5/3)/(3 k^{5/3})``. Multiplying by ``h_i/2`` gives the formula:
    cosine steps reach only ``T^(−2/3)`` in the noisy PL regime, for a fixed η0.
    """
    T = np.asarray(T, dtype=float)
    h = _curvatures(h)
    constant = math.pi ** (2.0 / 3.0) * 6.0 ** (5.0 / 3.0) * math.gamma(5.0 / 3.0) / 96.0
    per_coordinate = constant * eta0 ** (1.0 / 3.0) * h ** (-2.0 / 3.0)
    return sigma2 / h.size * per_coordinate.sum() * T ** (-2.0 / 3.0)


@theory(source="derived", kind="leading order", reference=REFERENCE)
def cosine_local_log_rate(*, h_min, eta0):
    """exp(−h_min η0) per unit of T, cosine step without noise

    Derivation. Without noise the slowest coordinate decays as
    ``Π_t (1 − η_t h_min)² ≈ exp(−2 h_min Σ_t η_t)`` and the cosine steps sum to exactly
    ``Σ_{t=1}^T η_t = η0 (T − 1)/2`` (``Σ_t cos(π t/T) = −1``), so ``log(f − f*)`` falls by
    ``h_min η0`` per unit of T.
    """
    return math.exp(-h_min * eta0)


@theory(source="derived", kind="leading order", reference=REFERENCE)
def exponential_local_log_rate(*, h_min, eta0):
    """exp(−2 h_min η0) per unit of T/ln(T/β), exponential step without noise

    Derivation. As for the cosine step, ``f − f* ∝ exp(−2 h_min Σ_t η_t)`` for the slowest
    coordinate, and ``Σ_{t=1}^T η0 α^t = η0 α (1 − β/T)/(1 − α) ≈ η0 T/ln(T/β)`` for
    ``α = (β/T)^(1/T)``.
    """
    return math.exp(-2.0 * h_min * eta0)


@theory(source="derived", kind="leading order", reference=REFERENCE)
def gradient_descent_local_rate(*, h_min, eta):
    """(1 − η h_min)² per step, gradient descent with constant step

    Derivation. Without noise the slowest coordinate is multiplied by ``1 − η h_min`` per step and
    its share of ``f − f*`` (quadratic in it) by the square.
    """
    return (1.0 - eta * h_min) ** 2


@theory(source="derived", kind="leading order", reference=f"{REFERENCE}; spec noise_adaptive.md §4.4 E-SGDOL-4")
def sgdol_step_prediction(t, *, alpha, sum_grad_norm2, sigma2):
    """η_{t+1} L ≈ (α + S_t)/(α + S_t + t σ²), S_t = Σ_{i<=t} ||∇f(x_i)||²

    Derivation. The learner's step after round t is
    ``clip((α + Σ⟨g_i, g'_i⟩)/(L(α + Σ||g_i||²)), 0, 2/L)``. Given the path, the sums concentrate
    around their conditional means: ``E⟨g, g'⟩ = ||∇f||²`` (independent samples) and
    ``E||g||² = ||∇f||² + σ²``. So ``ηL`` tracks the fraction of the squared gradient that is
    signal, and shrinks like ``1/√t`` once the noise dominates. Per seed, from the path's true
    gradients (the engine records ``S_t = t · avg_grad_norm2``).
    """
    t = np.asarray(t, dtype=float)
    return (alpha + sum_grad_norm2) / (alpha + sum_grad_norm2 + t * sigma2)


THEORY = collect(globals())
