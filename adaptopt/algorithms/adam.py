"""Adam and its relatives: Adam-ℓ2, AdamW (two conventions), AdamProx, AMSGrad, RMSProp, AdaGrad.

Spec: shared/spec/scale_free_and_relaxed_smoothness.md, Part A (A.2-A.4).

.. warning:: **Learning-rate convention of this family.** The engine's schedule value is the
   *multiplier* η_t of [P-A] (η_t = lr_t/α), **not** the learning rate, and the
   hyper-parameter ``lr`` is the *base* learning rate α: the step of round t is α·η_t. Pass
   ``schedules.constant(1.0)`` for a constant learning rate α (PyTorch without a scheduler),
   ``schedules.cosine(1.0)`` for a cosine-annealed one, and so on. Every step returns the
   effective step α·η_t, which the engine records as ``step_size`` (for these per-coordinate
   methods that is the learning rate of the round, not the per-coordinate step
   α·η_t/(sqrt(v̂_i) + ε)).

The Adam block (PyTorch's formula: ε added *after* the bias correction of sqrt(v))
---------------------------------------------------------------------------------
For a direction gradient ĝ_t (which differs per variant, below) and round t = 1, 2, ...;
every operation is coordinate-wise; initial state m_0 = v_0 = w_0 = 0::

    m_t = β1 m_{t−1} + (1 − β1) ĝ_t
    v_t = β2 v_{t−1} + (1 − β2) ĝ_t²
    w_t = v_t                                  (Adam, amsgrad = 0)
    w_t = max(w_{t−1}, v_t)                    (AMSGrad, amsgrad = 1; Reddi et al. 2018)
    D_t = sqrt(w_t) / sqrt(1 − β2^t) + ε
    u_t = (m_t / (1 − β1^t)) / D_t             ( = m̂_t / (sqrt(ŵ_t) + ε) )

with **0/0 := 0**: a coordinate whose denominator D_t is 0 (possible only when ε = 0 and its
w_t = 0) gets u_t = 0, so that ε = 0 is allowed (spec A.7).

Convention warnings:

* **Where ε sits.** ε is added to sqrt(v̂_t) = sqrt(v_t/(1 − β2^t)), as in ``torch.optim.Adam``,
  the authors' code and Kingma and Ba's Algorithm 1; it is *not* added to the uncorrected
  sqrt(v_t) (Kingma and Ba's "efficient" reformulation with α_t = α sqrt(1 − β2^t)/(1 − β1^t)
  adds a differently scaled ε̂ there). The forms agree only when ε is negligible.
* **AMSGrad** takes the running maximum of the raw v_t (not of v̂_t) and bias-corrects that
  maximum, as PyTorch does (``max_exp_avg_sq.sqrt() / sqrt(bias_correction2) + eps``); Reddi et
  al. have no bias correction.
* **β^t** are running products in the scalar state (scal[0] = β1^t, scal[1] = β2^t, both 1 at
  t = 0), not ``pow`` calls (performance_baseline.md, W2); they equal ``β**t`` to about t ulps.

The variants (g_t = the oracle's gradient of the *loss* at x_{t−1}; λ = ``weight_decay``)
--------------------------------------------------------------------------------------
::

    adam          ĝ_t = g_t              x_t = x_{t−1} − α η_t u_t
    adam_l2       ĝ_t = g_t + λ x_{t−1}  x_t = x_{t−1} − α η_t u_t               torch Adam(weight_decay=λ)
    adamw         ĝ_t = g_t              x_t = (1 − λ η_t) x_{t−1} − α η_t u_t    [P-A], authors' code
    adamw_torch   ĝ_t = g_t              x_t = (1 − α η_t λ') x_{t−1} − α η_t u_t torch AdamW(weight_decay=λ')
    adamprox      ĝ_t = g_t              x_t = (x_{t−1} − α η_t u_t) / (1 + λ η_t) [P-A]

Decoupled weight decay, the two conventions side by side:

* ``adamw`` (Loshchilov and Hutter 2019; [P-A]; authors' ``AdamW-Scale-free/src/adam.py``): the
  decay is λ times the **schedule multiplier only**, λ·η_t; it is **not multiplied by the base
  learning rate α**. With a constant schedule every weight shrinks by the factor 1 − λ per step
  (λ η_t > 1 would flip signs; it is not refused, since η_t comes from the schedule).
* ``adamw_torch`` (``torch.optim.AdamW``): the decay is α·η_t·λ' = ``lr_t * weight_decay``,
  i.e. it **is** multiplied by the learning rate.
* Conversion: **λ_paper = α · λ'_torch**; then both give the same iterates, for every schedule.
  Example: the paper's α = 5e-4, λ = 1e-4 is PyTorch's ``weight_decay = 0.2``.
* Order of operations (both): the gradient g_t is evaluated at x_{t−1}; the decay multiplies
  x_{t−1} *before* the Adam step is subtracted, so the formulas above are exact. AdamProx
  instead applies the proximal map of (λ/2)||x||² with step η_t *after* the Adam step; AdamW is
  its first-order expansion in λη_t (per-step gap O(λη_t²), spec A.3).

Scale-freeness (spec A.4): with ε = 0, ``adam``, ``adamw``, ``adamw_torch`` and ``adamprox`` (any
λ, AMSGrad or not), ``rmsprop`` and ``adagrad`` give the same iterates when every loss gradient is
rescaled coordinate-wise by a fixed c > 0; ``adam_l2`` with λ > 0 does not.

RMSProp and AdaGrad (coordinate-wise, PyTorch's formulas)
---------------------------------------------------------
``rmsprop``: ``torch.optim.RMSprop`` with momentum 0, not centered. ρ = ``decay`` is torch's
``alpha`` (renamed: α is the learning rate here). Initial state v_0 = 0::

    v_t = ρ v_{t−1} + (1 − ρ) g_t²,    x_t = x_{t−1} − α η_t g_t / (sqrt(v_t) + ε)

There is no bias correction: ``adam`` with β1 = 0, β2 = ρ and ε = 0 moves by exactly
sqrt(1 − ρ^t) times RMSProp's step (pinned in tests/test_adam_family.py).

``adagrad``: ``torch.optim.Adagrad`` with ``lr_decay = 0``, ``initial_accumulator_value = 0``
(Duchi, Hazan and Singer 2011). Initial state s_0 = 0::

    s_t = s_{t−1} + g_t²,    x_t = x_{t−1} − α η_t g_t / (sqrt(s_t) + ε)

Both use the same 0/0 := 0 rule. (The global AdaGrad-norm and the generalized AdaGrad step
sizes, which set their own step size, are in :mod:`adaptopt.algorithms.adagrad`.)

Kernel functions
----------------
Each variant is a pure step ``<name>_step(t, eta, x, g, g2, hyper, vec, scal) -> α·η_t`` (the
contract of :mod:`adaptopt.algorithms.base`): ``t`` is the round (1-based), ``eta`` the
multiplier η_t, ``x`` the iterate x_{t−1}, overwritten with x_t, ``g`` the stochastic gradient at
x_{t−1} (``g2`` is unused: one sample per step), ``hyper`` the packed hyper-parameters in the
order ``lr, beta1, beta2, eps, amsgrad[, weight_decay]`` (``rmsprop``: ``lr, decay, eps``;
``adagrad``: ``lr, eps``), and ``vec``, ``scal`` the state below, which ``adam_init`` /
``zero_state_init`` initialise. Each step is one fused, branch-free loop over coordinates.

State
-----
::

    vec[0], vec[1]   m, v          (Adam family);   vec[0] = v or s  (rmsprop, adagrad)
    vec[2]           w, the running max of v (kept up to date always, used only when amsgrad = 1)
    scal[0], scal[1] β1^t, β2^t    (Adam family)

Symbol-to-argument map
----------------------
α = ``lr``, β1 = ``beta1``, β2 = ``beta2``, ε = ``eps``, λ (λ' for ``adamw_torch``) =
``weight_decay``, AMSGrad = ``amsgrad`` (0.0 or 1.0), ρ = ``decay``, η_t = the schedule.
Defaults are PyTorch's and the authors': lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 0,
amsgrad off (Adam family); lr 1e-2, decay 0.99, eps 1e-8 (RMSprop); lr 1e-2, eps 1e-10
(Adagrad). Ranges: lr > 0, β1, β2, ρ in [0, 1), ε >= 0, λ >= 0.

References
----------
[P-A] Zhuang, Liu, Cutkosky, Orabona, *Understanding AdamW through Proximal Methods and
Scale-Freeness*, TMLR 2022, arXiv 2202.00089.
Kingma and Ba, *Adam: A Method for Stochastic Optimization*, ICLR 2015, arXiv 1412.6980.
Loshchilov and Hutter, *Decoupled Weight Decay Regularization*, ICLR 2019, arXiv 1711.05101.
Reddi, Kale and Kumar, *On the Convergence of Adam and Beyond*, ICLR 2018 (AMSGrad).
Tieleman and Hinton, *Lecture 6.5, RMSProp*, COURSERA: Neural Networks for Machine Learning, 2012.
Duchi, Hazan and Singer, *Adaptive Subgradient Methods for Online Learning and Stochastic
Optimization*, JMLR 2011 (AdaGrad).
"""

from __future__ import annotations

import math

from adaptopt._jit import jit
from adaptopt.algorithms.base import Algorithm, Hyper

# Packing order of the Adam family (adam has no weight_decay, the last entry of the others).
_LR, _BETA1, _BETA2, _EPS, _AMSGRAD, _WEIGHT_DECAY = range(6)
#: adam_clipped's clipping threshold takes the slot of weight_decay.
_CLIP = _WEIGHT_DECAY


@jit
def adam_init(x, hyper, vec, scal):
    """m = v = w = 0 (zero-filled by the engine); β1^0 = β2^0 = 1."""
    scal[0] = 1.0
    scal[1] = 1.0


@jit
def _advance_powers(hyper, scal):
    """β1^t, β2^t from β1^{t-1}, β2^{t-1}; returns (1 − β1^t, sqrt(1 − β2^t))."""
    scal[0] *= hyper[_BETA1]
    scal[1] *= hyper[_BETA2]
    return 1.0 - scal[0], math.sqrt(1.0 - scal[1])


@jit
def _adam_update(x, g, hyper, vec, scal, g_scale, coupled, shrink, prox, step):
    """The shared Adam-family step, one fused loop over coordinates.

    ĝ_i = g_scale·g_i + coupled·x_i;  m, v (and w = max(w, v)) updated with ĝ;
    u_i = m̂_i/(sqrt(ŵ_i or v̂_i) + ε) with 0/0 := 0;  x_i ← (shrink·x_i − step·u_i)/prox.

    Each variant is a choice of the four scalars (see the step functions). The loop is
    branch-free per coordinate (the AMSGrad flag selects a value; the division by ``prox`` is
    hoisted by the compiler when prox = 1), so it vectorises; a per-coordinate helper returning the
    guarded ratio did not (measured 3-5x slower at d = 1000).
    """
    bias1, sqrt_bias2 = _advance_powers(hyper, scal)
    beta1, beta2, eps = hyper[_BETA1], hyper[_BETA2], hyper[_EPS]
    amsgrad = hyper[_AMSGRAD] != 0.0
    divide = prox != 1.0
    for i in range(x.size):
        gi = g_scale * g[i] + coupled * x[i]
        m = beta1 * vec[0, i] + (1.0 - beta1) * gi
        v = beta2 * vec[1, i] + (1.0 - beta2) * gi * gi
        w = max(vec[2, i], v)
        vec[0, i] = m
        vec[1, i] = v
        vec[2, i] = w
        denom = math.sqrt(w if amsgrad else v) / sqrt_bias2 + eps
        u = (m / bias1) / denom
        moved = shrink * x[i] - step * (u if denom > 0.0 else 0.0)
        x[i] = moved / prox if divide else moved
    return step


@jit
def adam_step(t, eta, x, g, g2, hyper, vec, scal):
    """Adam: x_t = x_{t−1} − α η_t u_t, with u_t from ĝ_t = g_t (module docstring)."""
    return _adam_update(x, g, hyper, vec, scal, 1.0, 0.0, 1.0, 1.0, hyper[_LR] * eta)


@jit
def adam_l2_step(t, eta, x, g, g2, hyper, vec, scal):
    """Adam-ℓ2 (coupled): ĝ_t = g_t + λ x_{t−1};  x_t = x_{t−1} − α η_t u_t."""
    return _adam_update(x, g, hyper, vec, scal, 1.0, hyper[_WEIGHT_DECAY], 1.0, 1.0, hyper[_LR] * eta)


@jit
def adamw_step(t, eta, x, g, g2, hyper, vec, scal):
    """AdamW, [P-A]'s convention: x_t = (1 − λ η_t) x_{t−1} − α η_t u_t.

    The decay λ η_t is **not** multiplied by α (λ = α λ'_torch); it acts on x_{t−1}, where the
    gradient was evaluated, before the Adam step.
    """
    shrink = 1.0 - hyper[_WEIGHT_DECAY] * eta
    return _adam_update(x, g, hyper, vec, scal, 1.0, 0.0, shrink, 1.0, hyper[_LR] * eta)


@jit
def adamw_torch_step(t, eta, x, g, g2, hyper, vec, scal):
    """AdamW, ``torch.optim.AdamW``'s convention: x_t = (1 − α η_t λ') x_{t−1} − α η_t u_t.

    The decay is multiplied by the learning rate α η_t of the round (λ' = λ_paper / α).
    """
    step = hyper[_LR] * eta
    return _adam_update(x, g, hyper, vec, scal, 1.0, 0.0, 1.0 - step * hyper[_WEIGHT_DECAY], 1.0, step)


#: PyTorch's guard in ``clip_grad_norm_``: clip_coef = max_norm / (||g|| + 1e-6), capped at 1.
CLIP_GUARD = 1e-6


@jit
def adam_clipped_step(t, eta, x, g, g2, hyper, vec, scal):
    """Adam on the clipped gradient ĝ_t = g_t min(1, γ/(||g_t|| + 1e-6)) (torch ``clip_grad_norm_``)."""
    sq = 0.0
    for i in range(x.size):
        sq += g[i] * g[i]
    factor = min(1.0, hyper[_CLIP] / (math.sqrt(sq) + CLIP_GUARD))
    return _adam_update(x, g, hyper, vec, scal, factor, 0.0, 1.0, 1.0, hyper[_LR] * eta)


@jit
def adamprox_step(t, eta, x, g, g2, hyper, vec, scal):
    """AdamProx [P-A]: x_t = (x_{t−1} − α η_t u_t)/(1 + λ η_t), the prox of (λ/2)||x||² after the step."""
    return _adam_update(x, g, hyper, vec, scal, 1.0, 0.0, 1.0, 1.0 + hyper[_WEIGHT_DECAY] * eta, hyper[_LR] * eta)


@jit
def rmsprop_step(t, eta, x, g, g2, hyper, vec, scal):
    """v ← ρ v + (1 − ρ) g²;  x ← x − α η_t g/(sqrt(v) + ε)."""
    rho, eps = hyper[1], hyper[2]
    step = hyper[0] * eta
    for i in range(x.size):
        v = rho * vec[0, i] + (1.0 - rho) * g[i] * g[i]
        vec[0, i] = v
        denom = math.sqrt(v) + eps
        x[i] -= step * (g[i] / denom if denom > 0.0 else 0.0)
    return step


@jit
def adagrad_step(t, eta, x, g, g2, hyper, vec, scal):
    """s ← s + g²;  x ← x − α η_t g/(sqrt(s) + ε)."""
    eps = hyper[1]
    step = hyper[0] * eta
    for i in range(x.size):
        s = vec[0, i] + g[i] * g[i]
        vec[0, i] = s
        denom = math.sqrt(s) + eps
        x[i] -= step * (g[i] / denom if denom > 0.0 else 0.0)
    return step


@jit
def zero_state_init(x, hyper, vec, scal):
    """RMSProp / AdaGrad: v_0 = 0 (s_0 = 0), zero-filled by the engine."""


_UNIT_OPEN = dict(low=0.0, high=1.0, high_open=True)
_NON_NEGATIVE = dict(low=0.0, high=math.inf)


def _lr(default):
    return Hyper("lr", default, 0.0, math.inf, low_open=True, doc="α, base learning rate (step = α η_t)")


_ADAM_HYPERS = (
    _lr(1e-3),
    Hyper("beta1", 0.9, doc="β1, first-moment decay", **_UNIT_OPEN),
    Hyper("beta2", 0.999, doc="β2, second-moment decay", **_UNIT_OPEN),
    Hyper("eps", 1e-8, doc="ε, added to sqrt(v̂) (after bias correction); 0 allowed (0/0 := 0)", **_NON_NEGATIVE),
    Hyper("amsgrad", 0.0, 0.0, 1.0, doc="1 = AMSGrad (max of v in the denominator)", choices=(0.0, 1.0)),
)


def _decay(doc):
    return Hyper("weight_decay", 0.0, doc=doc, **_NON_NEGATIVE)


def _adam_family(name, step_fn, decay_doc, summary):
    hypers = _ADAM_HYPERS + ((_decay(decay_doc),) if decay_doc else ())
    return Algorithm(name, adam_init, step_fn, hypers=hypers, n_state_vectors=3, n_state_scalars=2,
                     summary=summary)


_ADAM_SUMMARY = "u = m̂/(sqrt(v̂) + ε), m, v EMAs of ĝ, ĝ²; step α η_t (η_t = schedule multiplier)"

ADAM = _adam_family("adam", adam_step, None, f"x ← x − α η_t u;  {_ADAM_SUMMARY}  (torch Adam)")
ADAM_L2 = _adam_family("adam_l2", adam_l2_step, "λ, coupled ℓ2: ĝ = g + λ x",
                       f"ĝ = g + λ x;  x ← x − α η_t u;  {_ADAM_SUMMARY}  (torch Adam weight_decay)")
ADAMW = _adam_family("adamw", adamw_step, "λ, decoupled decay λ η_t (not multiplied by α; λ = α λ'_torch)",
                     f"x ← (1 − λ η_t) x − α η_t u;  {_ADAM_SUMMARY}  ([P-A], Loshchilov-Hutter)")
ADAMW_TORCH = _adam_family("adamw_torch", adamw_torch_step, "λ', decoupled decay α η_t λ' (torch AdamW)",
                           f"x ← (1 − α η_t λ') x − α η_t u;  {_ADAM_SUMMARY}  (torch AdamW)")
ADAMPROX = _adam_family("adamprox", adamprox_step, "λ, proximal step of (λ/2)||x||² with step η_t",
                        f"x ← (x − α η_t u)/(1 + λ η_t);  {_ADAM_SUMMARY}  ([P-A])")
ADAM_CLIPPED = Algorithm(
    "adam_clipped", adam_init, adam_clipped_step,
    hypers=_ADAM_HYPERS + (Hyper("clip", 1.0, 0.0, math.inf, low_open=True,
                                 doc="γ, global-norm clipping threshold of the gradient fed to Adam"),),
    n_state_vectors=3, n_state_scalars=2,
    summary=f"ĝ = g min(1, γ/||g||);  x ← x − α η_t u;  {_ADAM_SUMMARY}  (torch Adam + clip_grad_norm_)",
)
RMSPROP = Algorithm(
    "rmsprop", zero_state_init, rmsprop_step,
    hypers=(_lr(1e-2), Hyper("decay", 0.99, doc="ρ, torch RMSprop's alpha", **_UNIT_OPEN),
            Hyper("eps", 1e-8, doc="ε, added to sqrt(v)", **_NON_NEGATIVE)),
    n_state_vectors=1,
    summary="v ← ρ v + (1 − ρ) g²;  x ← x − α η_t g/(sqrt(v) + ε)  (torch RMSprop)",
)
ADAGRAD = Algorithm(
    "adagrad", zero_state_init, adagrad_step,
    hypers=(_lr(1e-2), Hyper("eps", 1e-10, doc="ε, added to sqrt(s)", **_NON_NEGATIVE)),
    n_state_vectors=1,
    summary="s ← s + g²;  x ← x − α η_t g/(sqrt(s) + ε)  (coordinate-wise, torch Adagrad)",
)
