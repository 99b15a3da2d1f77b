"""SGDOL: SGD whose step size is learned online from surrogate losses.

Zhuang, Cutkosky and Orabona, *Surrogate Losses for Online Learning of Stepsizes in Stochastic
Non-Convex Optimization*, ICML 2019 (arXiv 1901.09068); authors' code ``zhenxun-zhuang/SGDOL``,
``sgdol.py``. Spec: shared/spec/noise_adaptive.md §4.

Each round draws two independent stochastic gradients ``g_t`` and ``g'_t`` at ``x_t`` and uses
the surrogate loss of the step size

    l_t(η) = −η ⟨g_t, g'_t⟩ + (L/2) η² ||g_t||²,

a convex quadratic with ``E[l_t(η) | x_t] >= E[f(x_t − η g_t) − f(x_t) | x_t]`` by smoothness.
The step of round t is chosen by FTRL over the rounds before it, with the regulariser
``(Lα/2)(η − 1/L)²`` on ``[0, 2/L]``, whose closed form is (this reproduces the code exactly)::

    η_1 = 1/L
    η_{t+1} = clip( (α + Σ_{i<=t} ⟨g_i, g'_i⟩) / (L (α + Σ_{i<=t} ||g_i||²)), 0, 2/L )
    x_{t+1} = x_t − η_t g_t

The update uses the first sample ``g_t`` and the current step ``η_t`` (computed from rounds
``1..t-1``); ``g'_t`` enters only the inner product. Two oracle calls per round.

State scalars (recorded at every checkpoint): ``sum_inner`` = α + Σ⟨g, g'⟩, ``sum_sq`` =
α + Σ||g||², ``eta`` = the next step, ``surrogate`` = Σ_t l_t(η_t), the learner's cumulative
loss, from which the regret against the best fixed step is measured.

Variants
--------
``sgdol_coordinate`` (an extension, not the paper's: spec §4.5, reconstructed) learns one step
per coordinate with the same closed form on coordinate-wise sums; its recorded step size is the
mean over coordinates.

``second_sample_correlation`` = c in [0, 1] replaces ``g'_t`` by ``(1 − c) g'_t + c g_t``: c = 0 is
the paper's independent second sample; c close to 1 makes ``g'`` a small perturbation of ``g``,
like the authors' MNIST demo where both gradients come from the same minibatch, and the learner
then no longer sees the noise (spec E-SGDOL-5).
"""

from __future__ import annotations

import math

from adaptopt._jit import jit
from adaptopt.algorithms.base import Algorithm, Hyper


@jit
def sgdol_init(x, hyper, vec, scal):
    alpha = hyper[1]
    scal[0] = alpha
    scal[1] = alpha
    scal[2] = 1.0 / hyper[0]
    scal[3] = 0.0


@jit
def sgdol_step(t, eta, x, g, g2, hyper, vec, scal):
    smoothness = hyper[0]
    c = hyper[2]
    step = scal[2]
    inner = 0.0
    sq = 0.0
    for i in range(x.size):
        second = (1.0 - c) * g2[i] + c * g[i]
        inner += g[i] * second
        sq += g[i] * g[i]
        x[i] -= step * g[i]
    scal[3] += -step * inner + 0.5 * smoothness * step * step * sq
    scal[0] += inner
    scal[1] += sq
    scal[2] = min(max(scal[0] / (smoothness * scal[1]), 0.0), 2.0 / smoothness)
    return step


@jit
def sgdol_coordinate_init(x, hyper, vec, scal):
    alpha = hyper[1]
    for i in range(x.size):
        vec[0, i] = alpha
        vec[1, i] = alpha
        vec[2, i] = 1.0 / hyper[0]


@jit
def sgdol_coordinate_step(t, eta, x, g, g2, hyper, vec, scal):
    smoothness = hyper[0]
    c = hyper[2]
    mean_step = 0.0
    for i in range(x.size):
        step = vec[2, i]
        mean_step += step
        second = (1.0 - c) * g2[i] + c * g[i]
        x[i] -= step * g[i]
        vec[0, i] += g[i] * second
        vec[1, i] += g[i] * g[i]
        vec[2, i] = min(max(vec[0, i] / (smoothness * vec[1, i]), 0.0), 2.0 / smoothness)
    return mean_step / x.size


_HYPERS = (
    Hyper("smoothness", 10.0, 0.0, math.inf, low_open=True, doc="L, the smoothness constant (the only knowledge used)"),
    Hyper("alpha", 10.0, 0.0, math.inf, low_open=True, doc="α, FTRL regulariser weight (rule of thumb α = L)"),
    Hyper("second_sample_correlation", 0.0, 0.0, 1.0,
          doc="c: g' ← (1 − c) g' + c g (0 = independent samples, the paper's method)"),
)

SGDOL = Algorithm(
    "sgdol", sgdol_init, sgdol_step, hypers=_HYPERS, n_state_scalars=4, samples_per_step=2, uses_schedule=False,
    state_names=("sum_inner", "sum_sq", "eta", "surrogate"),
    summary="x ← x − η_t g;  η_{t+1} = clip((α + Σ⟨g, g'⟩)/(L(α + Σ||g||²)), 0, 2/L)  (two samples per step)",
)
SGDOL_COORDINATE = Algorithm(
    "sgdol_coordinate", sgdol_coordinate_init, sgdol_coordinate_step, hypers=_HYPERS, n_state_vectors=3,
    samples_per_step=2, uses_schedule=False,
    summary="per-coordinate SGDOL steps (extension, not in the paper)",
)
