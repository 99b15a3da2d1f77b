"""AdaGrad-type step sizes: the noise-adaptive baselines of spec noise_adaptive.md §6.

AdaGrad-norm (Ward, Wu and Bottou, *AdaGrad stepsizes: sharp convergence over nonconvex
landscapes*, ICML 2019, arXiv 1806.01811), one global step that includes the current gradient::

    b_0² = b0²,   b_{t+1}² = b_t² + ||g_t||²,   x_{t+1} = x_t − η g_t / b_{t+1}

Generalized AdaGrad step sizes (Li and Orabona, *On the convergence of stochastic gradient
descent with adaptive stepsizes*, AISTATS 2019, arXiv 1805.08114; formula from the spec, tagged
[MEM] there), which exclude the current gradient so that ``η_t`` is independent of ``g_t``::

    η_t = α / (β + Σ_{i<t} ||g_i||²)^(1/2 + ε),   x_{t+1} = x_t − η_t g_t,   0 <= ε < 1/2

and its per-coordinate form ``η_{t,j} = α / (β + Σ_{i<t} g_{i,j}²)^(1/2 + ε)``. For
per-coordinate methods the recorded step size is the mean over coordinates.
"""

from __future__ import annotations

import math

from adaptopt._jit import jit
from adaptopt.algorithms.base import Algorithm, Hyper


@jit
def adagrad_norm_init(x, hyper, vec, scal):
    scal[0] = hyper[1] * hyper[1]


@jit
def adagrad_norm_step(t, eta, x, g, g2, hyper, vec, scal):
    sq = 0.0
    for i in range(x.size):
        sq += g[i] * g[i]
    scal[0] += sq
    step = hyper[0] / math.sqrt(scal[0])
    for i in range(x.size):
        x[i] -= step * g[i]
    return step


@jit
def li_orabona_init(x, hyper, vec, scal):
    scal[0] = hyper[1]


@jit
def li_orabona_step(t, eta, x, g, g2, hyper, vec, scal):
    step = hyper[0] / scal[0] ** (0.5 + hyper[2])
    sq = 0.0
    for i in range(x.size):
        sq += g[i] * g[i]
        x[i] -= step * g[i]
    scal[0] += sq
    return step


@jit
def li_orabona_coordinate_init(x, hyper, vec, scal):
    for i in range(x.size):
        vec[0, i] = hyper[1]


@jit
def li_orabona_coordinate_step(t, eta, x, g, g2, hyper, vec, scal):
    power = 0.5 + hyper[2]
    mean_step = 0.0
    for i in range(x.size):
        step = hyper[0] / vec[0, i] ** power
        mean_step += step
        x[i] -= step * g[i]
        vec[0, i] += g[i] * g[i]
    return mean_step / x.size


_POSITIVE = dict(low=0.0, high=math.inf, low_open=True)

ADAGRAD_NORM = Algorithm(
    "adagrad_norm", adagrad_norm_init, adagrad_norm_step,
    hypers=(Hyper("eta", 1.0, doc="η", **_POSITIVE), Hyper("b0", 0.1, doc="b_0 > 0", **_POSITIVE)),
    n_state_scalars=1, uses_schedule=False, state_names=("b_squared",),
    summary="b² ← b² + ||g||²;  x ← x − η g / b  (Ward, Wu, Bottou)",
)
_LI_ORABONA_HYPERS = (
    Hyper("alpha", 1.0, doc="α", **_POSITIVE),
    Hyper("beta", 1.0, doc="β > 0", **_POSITIVE),
    Hyper("eps", 0.0, 0.0, 0.5, high_open=True, doc="ε in [0, 1/2)"),
)
GENERALIZED_ADAGRAD = Algorithm(
    "generalized_adagrad", li_orabona_init, li_orabona_step, hypers=_LI_ORABONA_HYPERS, n_state_scalars=1,
    uses_schedule=False, state_names=("sum_sq",),
    summary="η_t = α/(β + Σ_{i<t}||g_i||²)^(1/2+ε);  x ← x − η_t g  (Li, Orabona)",
)
GENERALIZED_ADAGRAD_COORDINATE = Algorithm(
    "generalized_adagrad_coordinate", li_orabona_coordinate_init, li_orabona_coordinate_step,
    hypers=_LI_ORABONA_HYPERS, n_state_vectors=1, uses_schedule=False,
    summary="η_{t,j} = α/(β + Σ_{i<t} g_{i,j}²)^(1/2+ε), per coordinate (Li, Orabona)",
)
