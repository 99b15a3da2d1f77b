"""(L0, L1)-smooth test objectives with known constants, and two small non-normalized networks
(spec scale_free_and_relaxed_smoothness.md, Part B: B.3, B.7, B.9 B3/B5).

Separable families ``f(x) = Σ_i f_i(x_i)``, with ``r_i = x_i − c_i`` (``c`` = ``center``),
weights ``w_i > 0`` and scales ``a_i > 0``:

======================  ==========================================  ===============================================  =========  ======
name                    f_i(x_i)                                    1-D pair (ℓ0_i, ℓ1_i)                            f*         convex
======================  ==========================================  ===============================================  =========  ======
``quartic``             w_i r_i⁴                                    (16 w_i / ℓ_i², ℓ_i), any ℓ_i > 0                0          yes
``cosh``                w_i cosh(a_i r_i)                           (w_i a_i², a_i)                                  Σ w        yes
``exp_pair``            w_i (e^{a_i r_i} + e^{−a_i r_i})            (2 w_i a_i², a_i)                                2 Σ w      yes
``exp_minus_linear``    w_i (e^{a_i r_i} − a_i r_i)                 (w_i a_i², a_i)                                  Σ w        yes
``log_cosh``            w_i log cosh(a_i r_i)                       (w_i a_i², 0): the L-smooth control              0          yes
``cosh_cos``            w_i (cosh(a_i r_i) + b_i cos(ω_i x_i))      (w_i (a_i² + a_i |b_i| ω_i + |b_i| ω_i²), a_i)   numerical  no (*)
======================  ==========================================  ===============================================  =========  ======

(*) ``cosh_cos`` is non-convex when some ``|b_i| ω_i² > a_i²`` *and* the cosine's curvature
wins somewhere (checked numerically; ``|b_i| ω_i² <= a_i²`` for all ``i`` proves convexity).
Non-separable networks: :func:`deep_scalar_chain` and :func:`tanh_rnn` (f* = 0; no global
(L0, L1) constants exist, see their docstrings; estimate them along trajectories with
:mod:`synthetic.smoothness`).

The 1-D pair means ``|f_i''(t)| <= ℓ0_i + ℓ1_i |f_i'(t)|`` for every ``t`` (the Hessian form
(S1) of Zhang, He, Sra, Jadbabaie 2020 in one dimension). Every pair of the table except
``cosh_cos`` is *Pareto-tight*: ``sup_t (|f_i''| − ℓ1_i |f_i'|) = ℓ0_i`` and
``sup_t (|f_i''| − ℓ0_i) / |f_i'| = ℓ1_i`` (neither constant can be lowered with the other fixed).

Constants put into ``Constants.extra`` of every separable objective
--------------------------------------------------------------------
``"l0_terms"``, ``"l1_terms"``
    The 1-D pairs ``(ℓ0_i)`` and ``(ℓ1_i)`` (lists).
``"L0"``, ``"L1"``
    Global constants of (S1), ``||∇²f(x)||_2 <= L0 + L1 ||∇f(x)||_2``, with ``L0 = max_i ℓ0_i``
    and ``L1 = max_i ℓ1_i``. Derivation: the Hessian is ``diag(f_i''(x_i))``, so
    ``||∇²f|| = max_i |f_i''| <= max_i (ℓ0_i + ℓ1_i |f_i'|) <= max ℓ0 + max ℓ1 · max_i |f_i'|``
    and ``max_i |f_i'| = ||∇f||_∞ <= ||∇f||_2``. Both are individually necessary when the pairs
    are Pareto-tight: put one coordinate at the point where ``ℓ0`` is attained and the others at
    their minimisers (``∇f`` has only that coordinate), or send one coordinate to infinity.
``"L0_coordinate"``, ``"L1_coordinate"``, ``"S3_radius"``
    The coordinate-wise condition (S3) as *reconstructed* in spec B.3 (its exact form in [P-B]
    is still unverified): for all ``i`` and ``||x − y||_2 <= 1/||L1||_∞``,
    ``|∂_i f(x) − ∂_i f(y)| <= (L0_i/√d + L1_i |∂_i f(x)|) ||x − y||_2``. Derived (spec B.3,
    re-derived here): ``L0_i = K_1 √d ℓ0_i``, ``L1_i = K_1 ℓ1_i`` with ``K_1 = e − 1``. Proof:
    for ``|x_i − y_i| <= 1/ℓ1_i``, Grönwall on ``s ↦ |f_i'|`` gives
    ``|f_i'(y_i) − f_i'(x_i)| <= (ℓ0_i + ℓ1_i |f_i'(x_i)|) |x_i − y_i| (e^u − 1)/u`` with
    ``u = ℓ1_i |x_i − y_i| <= 1``, and ``(e^u − 1)/u <= e − 1``; finally
    ``|x_i − y_i| <= ||x − y||_2``. The proof holds on the radius ``1/max ℓ1`` (``"S3_radius"``,
    ``inf`` when every ``ℓ1_i = 0``), which contains (S3)'s ``1/||L1||_∞ = 1/(K_1 max ℓ1)``.

Rules used (spec B.7, re-derived): scaling ``w f`` maps ``(ℓ0, ℓ1) → (w ℓ0, ℓ1)``; adding ``g``
with ``|g''| <= L_g`` and ``|g'| <= G_g`` to ``h`` with pair ``(ℓ0, ℓ1)`` gives
``|h'' + g''| <= ℓ0 + ℓ1 |h'| + L_g <= ℓ0 + ℓ1 (|h' + g'| + G_g) + L_g``, i.e. the pair
``(ℓ0 + L_g + ℓ1 G_g, ℓ1)``.

Parameter vectors (``p``) of the jitted functions: ``[w, a, c]`` (three length-``d`` blocks) for
``cosh``, ``exp_pair``, ``exp_minus_linear``, ``log_cosh``; ``[w, c]`` for ``quartic``;
``[w, a, c, b, ω]`` for ``cosh_cos``; the networks' layouts are in their constructors. Values
and gradients overflow to ``inf`` for ``|a_i r_i| > ~709``, which the engine reports as a
divergence.

References
----------
J. Zhang, T. He, S. Sra, A. Jadbabaie (2020), Why gradient clipping accelerates training: a
theoretical justification for adaptivity, ICLR (the Hessian form (S1)).
M. Crawshaw, M. Liu, F. Orabona, W. Zhang, Z. Zhuang (2022), Robustness to unbounded smoothness
of generalized SignSGD, NeurIPS (the coordinate-wise condition (S3), reconstructed).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize

from adaptopt._jit import jit
from adaptopt.validation import check_finite_positive, check_positive_int, check_real, check_vector
from synthetic.base import Constant, Constants, Objective

#: ``K_1 = e − 1``: the factor of the first-order lemma at radius ``1/ℓ1`` (spec B.3).
K1 = math.e - 1.0
#: Default offset of the starting point from the centre, per coordinate (spec B.9 B2: ``x* + 2``).
DEFAULT_START_OFFSET = 2.0
#: cosh_cos: grid points per period ``2π/ω`` of the cosine, and at least this many in total,
#: for the 1-D minimisation that gives f*.
COSH_COS_POINTS_PER_PERIOD = 200
COSH_COS_MIN_POINTS = 4001
#: cosh_cos: grid local minima refined by a bounded scalar minimisation, and its x tolerance.
COSH_COS_REFINED = 3
COSH_COS_XATOL = 1e-12
#: cosh_cos: a grid curvature below ``−CURVATURE_MARGIN · w ω² |b|`` proves non-convexity.
CURVATURE_MARGIN = 1e-9

# --------------------------------------------------------------------------------------------
# Jitted values and gradients (``grad`` writes ∇f(x) into ``out`` and returns ||∇f(x)||²). The
# parameter vector's d-blocks (weight, scale, center, and for cosh_cos amp, freq) are sliced
# before the loop, as in synthetic.objectives, so that the loops vectorise.


@jit
def quartic_value(x, p):
    d = x.size
    weight = p[:d]
    center = p[d:2 * d]
    f = 0.0
    for i in range(d):
        r = x[i] - center[i]
        r2 = r * r
        f += weight[i] * r2 * r2
    return f


@jit
def quartic_grad(x, p, out):
    d = x.size
    weight = p[:d]
    center = p[d:2 * d]
    sq = 0.0
    for i in range(d):
        r = x[i] - center[i]
        out[i] = 4.0 * weight[i] * r * r * r
        sq += out[i] * out[i]
    return sq


@jit
def _weight_scale_center(p, d):
    """The first three d-blocks of a cosh-type family's parameter vector: weight w_i, scale a_i
    and center x*_i of w_i phi(a_i (x_i - x*_i))."""
    return p[:d], p[d:2 * d], p[2 * d:3 * d]


@jit
def cosh_value(x, p):
    d = x.size
    weight, scale, center = _weight_scale_center(p, d)
    f = 0.0
    for i in range(d):
        f += weight[i] * math.cosh(scale[i] * (x[i] - center[i]))
    return f


@jit
def cosh_grad(x, p, out):
    d = x.size
    weight, scale, center = _weight_scale_center(p, d)
    sq = 0.0
    for i in range(d):
        a = scale[i]
        out[i] = weight[i] * a * math.sinh(a * (x[i] - center[i]))
        sq += out[i] * out[i]
    return sq


@jit
def exp_pair_value(x, p):
    d = x.size
    weight, scale, center = _weight_scale_center(p, d)
    f = 0.0
    for i in range(d):
        z = scale[i] * (x[i] - center[i])
        f += weight[i] * (math.exp(z) + math.exp(-z))
    return f


@jit
def exp_pair_grad(x, p, out):
    d = x.size
    weight, scale, center = _weight_scale_center(p, d)
    sq = 0.0
    for i in range(d):
        a = scale[i]
        z = a * (x[i] - center[i])
        out[i] = weight[i] * a * (math.exp(z) - math.exp(-z))
        sq += out[i] * out[i]
    return sq


@jit
def exp_minus_linear_value(x, p):
    d = x.size
    weight, scale, center = _weight_scale_center(p, d)
    f = 0.0
    for i in range(d):
        z = scale[i] * (x[i] - center[i])
        f += weight[i] * (math.exp(z) - z)
    return f


@jit
def exp_minus_linear_grad(x, p, out):
    d = x.size
    weight, scale, center = _weight_scale_center(p, d)
    sq = 0.0
    for i in range(d):
        a = scale[i]
        out[i] = weight[i] * a * math.expm1(a * (x[i] - center[i]))
        sq += out[i] * out[i]
    return sq


@jit
def log_cosh_value(x, p):
    # log cosh z = |z| + log1p(e^{−2|z|}) − log 2: no overflow for large |z|.
    d = x.size
    weight, scale, center = _weight_scale_center(p, d)
    f = 0.0
    for i in range(d):
        z = abs(scale[i] * (x[i] - center[i]))
        f += weight[i] * (z + math.log1p(math.exp(-2.0 * z)) - math.log(2.0))
    return f


@jit
def log_cosh_grad(x, p, out):
    d = x.size
    weight, scale, center = _weight_scale_center(p, d)
    sq = 0.0
    for i in range(d):
        a = scale[i]
        out[i] = weight[i] * a * math.tanh(a * (x[i] - center[i]))
        sq += out[i] * out[i]
    return sq


@jit
def cosh_cos_value(x, p):
    d = x.size
    weight, scale, center = _weight_scale_center(p, d)
    amp = p[3 * d:4 * d]
    freq = p[4 * d:5 * d]
    f = 0.0
    for i in range(d):
        f += weight[i] * (math.cosh(scale[i] * (x[i] - center[i])) + amp[i] * math.cos(freq[i] * x[i]))
    return f


@jit
def cosh_cos_grad(x, p, out):
    d = x.size
    weight, scale, center = _weight_scale_center(p, d)
    amp = p[3 * d:4 * d]
    freq = p[4 * d:5 * d]
    sq = 0.0
    for i in range(d):
        a = scale[i]
        omega = freq[i]
        out[i] = weight[i] * (a * math.sinh(a * (x[i] - center[i])) - amp[i] * omega * math.sin(omega * x[i]))
        sq += out[i] * out[i]
    return sq


@jit
def deep_scalar_chain_value(x, p):
    prod = 1.0
    for k in range(x.size):
        prod *= x[k]
    r = prod * p[0] - p[1]
    return 0.5 * r * r


@jit
def deep_scalar_chain_grad(x, p, out):
    # ∂f/∂w_k = r u Π_{j≠k} w_j, from prefix products (forward pass) and suffix products
    # (backward pass): no division, exact when some w_j = 0.
    K = x.size
    prefix = 1.0
    for k in range(K):
        out[k] = prefix
        prefix *= x[k]
    scale = (prefix * p[0] - p[1]) * p[0]
    suffix = 1.0
    sq = 0.0
    for k in range(K - 1, -1, -1):
        out[k] *= suffix * scale
        suffix *= x[k]
        sq += out[k] * out[k]
    return sq


@jit
def tanh_rnn_value(x, p):
    H = int(p[1])
    m = int(p[2])
    o = int(p[3])
    T = int(p[4])
    off_u = int(p[5])
    off_y = int(p[6])
    oU = H * H
    oV = oU + H * m
    h = np.zeros(H)
    hn = np.empty(H)
    for t in range(T):
        for i in range(H):
            s = 0.0
            for j in range(H):
                s += x[i * H + j] * h[j]
            for k in range(m):
                s += x[oU + i * m + k] * p[off_u + t * m + k]
            hn[i] = math.tanh(s)
        for i in range(H):
            h[i] = hn[i]
    f = 0.0
    for k in range(o):
        e = -p[off_y + k]
        for i in range(H):
            e += x[oV + k * H + i] * h[i]
        f += e * e
    return 0.5 * f


@jit
def tanh_rnn_grad(x, p, out):
    # Forward pass storing h_0..h_T, then backpropagation through time (a loop, no recursion):
    #   e = V h_T − y,  ∂f/∂V = e h_Tᵀ,  δ_T = Vᵀ e,
    #   for t = T−1..0:  δa = δ_{t+1} ⊙ (1 − h_{t+1}²),  ∂f/∂W += δa h_tᵀ,  ∂f/∂U += δa u_tᵀ,
    #                    δ_t = Wᵀ δa.
    H = int(p[1])
    m = int(p[2])
    o = int(p[3])
    T = int(p[4])
    off_u = int(p[5])
    off_y = int(p[6])
    oU = H * H
    oV = oU + H * m
    hs = np.zeros((T + 1, H))
    for t in range(T):
        for i in range(H):
            s = 0.0
            for j in range(H):
                s += x[i * H + j] * hs[t, j]
            for k in range(m):
                s += x[oU + i * m + k] * p[off_u + t * m + k]
            hs[t + 1, i] = math.tanh(s)
    delta = np.zeros(H)
    da = np.empty(H)
    for k in range(o):
        e = -p[off_y + k]
        for i in range(H):
            e += x[oV + k * H + i] * hs[T, i]
        for i in range(H):
            out[oV + k * H + i] = e * hs[T, i]
            delta[i] += x[oV + k * H + i] * e
    for q in range(oV):
        out[q] = 0.0
    for t in range(T - 1, -1, -1):
        for i in range(H):
            hi = hs[t + 1, i]
            da[i] = delta[i] * (1.0 - hi * hi)
        for i in range(H):
            for j in range(H):
                out[i * H + j] += da[i] * hs[t, j]
            for k in range(m):
                out[oU + i * m + k] += da[i] * p[off_u + t * m + k]
        for j in range(H):
            s = 0.0
            for i in range(H):
                s += x[i * H + j] * da[i]
            delta[j] = s
    sq = 0.0
    for q in range(out.size):
        sq += out[q] * out[q]
    return sq


# --------------------------------------------------------------------------------------------
# Validation helpers.


def _per_coordinate(name: str, value, dim: int, *, positive: bool = True, nonnegative: bool = False) -> np.ndarray:
    """A length-``dim`` float64 vector from a scalar (broadcast) or a vector."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number or a vector of length {dim}, got {value!r}") from None
    arr = np.full(dim, float(arr)) if arr.ndim == 0 else check_vector(name, arr, dim)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite values")
    if positive and np.any(arr <= 0):
        raise ValueError(f"{name} must be positive, got {value!r}")
    if nonnegative and np.any(arr < 0):
        raise ValueError(f"{name} must be non-negative, got {value!r}")
    return np.ascontiguousarray(arr)


def _start(x0, center: np.ndarray) -> np.ndarray:
    dim = center.size
    if x0 is None:
        return center + DEFAULT_START_OFFSET
    return _per_coordinate("x0", x0, dim, positive=False)


def log_scales(dim: int, low: float = 0.3, high: float = 3.0) -> np.ndarray:
    """``dim`` log-spaced scales from ``low`` to ``high`` (heterogeneous ``a_i``, spec B.7/B.9)."""
    dim = check_positive_int("dim", dim)
    low = check_finite_positive("low", low)
    high = check_finite_positive("high", high)
    if high < low:
        raise ValueError(f"high must be >= low, got low={low!r}, high={high!r}")
    return np.geomspace(low, high, dim)


def _relaxed_extra(l0: np.ndarray, l1: np.ndarray, note: str) -> dict:
    """The (S1)/(S3) constants of a separable objective from its 1-D pairs (module docstring)."""
    d = l0.size
    radius = math.inf if float(l1.max()) == 0.0 else 1.0 / float(l1.max())
    s3 = "spec B.3's reconstructed (S3): |∂_i f(x) − ∂_i f(y)| <= (L0_i/√d + L1_i |∂_i f(x)|)||x − y||_2"
    return {
        "l0_terms": Constant(l0.tolist(), "derived", "1-D pairs: |f_i''| <= l0_i + l1_i |f_i'|; " + note),
        "l1_terms": Constant(l1.tolist(), "derived", "1-D pairs: |f_i''| <= l0_i + l1_i |f_i'|; " + note),
        "L0": Constant(float(l0.max()), "derived", "(S1) ||Hess f|| <= L0 + L1 ||grad f||_2: Hessian diagonal, "
                                                   "L0 = max_i l0_i"),
        "L1": Constant(float(l1.max()), "derived", "(S1): L1 = max_i l1_i (||grad f||_inf <= ||grad f||_2)"),
        "L0_coordinate": Constant((K1 * math.sqrt(d) * l0).tolist(), "derived",
                                  s3 + "; L0_i = (e − 1) √d l0_i"),
        "L1_coordinate": Constant((K1 * l1).tolist(), "derived", s3 + "; L1_i = (e − 1) l1_i"),
        "S3_radius": Constant(radius, "derived", "(S3) holds for ||x − y||_2 <= 1/max_i l1_i (inf if all l1_i = 0); "
                                                 "contains (S3)'s own radius 1/||L1||_inf"),
    }


def _separable(name, value_fn, grad_fn, params, d, x0, f_star, l0, l1, *, note, properties, options, description,
               L=None, mu=None, mu_tight=None, extra=None):
    more = _relaxed_extra(l0, l1, note)
    if extra:
        more.update(extra)
    constants = Constants(f_star=float(f_star), L=L, mu_pl=mu, mu_pl_tight=mu_tight,
                          properties={"l0l1_smooth": True, **properties}, extra=more)
    return Objective(name, value_fn, grad_fn, np.ascontiguousarray(params), d, constants, x0,
                     options=options, description=description)


# --------------------------------------------------------------------------------------------
# Separable constructors.


def quartic(dim: int = 10, weights=1.0, center=0.0, ell=1.0, x0=None) -> Objective:
    """``f(x) = Σ w_i (x_i − c_i)⁴``: convex, not L-smooth, (L0, L1)-smooth for a family of pairs.

    Derived (spec B.7, V-num exact): with ``r = x − c``, ``h = r⁴``, ``h' = 4r³``, ``h'' = 12r²``.
    For any ``ℓ > 0``, ``sup_r (12 r² − 4ℓ|r|³) = 16/ℓ²`` (attained at ``|r| = 2/ℓ``), so
    ``h`` has the pair ``(16/ℓ², ℓ)``, and ``w h`` the pair ``(16 w/ℓ², ℓ)``. At ``|r| = 2/ℓ``
    the inequality is an equality, so the pair is Pareto-tight; the family trades ``L0`` against
    ``L1`` (a polynomial has ``|p''|/|p'| → 0``, so every ``ℓ1 > 0`` works with a large enough
    ``ℓ0``; ``ℓ1 = 0`` does not). ``ell`` (scalar or per coordinate) chooses the member.

    Not PL: ``h'²/(2h) = 8 r² → 0`` at the minimiser. ``f* = 0`` at ``c``.

    Parameters
    ----------
    dim : int
    weights, center, ell : float or array_like, shape (dim,)
        ``w_i > 0``, ``c_i``, ``ℓ_i > 0``.
    x0 : float or array_like, optional
        Default start ``c + 2``.
    """
    d = check_positive_int("dim", dim)
    w = _per_coordinate("weights", weights, d)
    c = _per_coordinate("center", center, d, positive=False)
    ell_v = _per_coordinate("ell", ell, d)
    l0 = 16.0 * w / ell_v**2
    return _separable(
        "quartic", quartic_value, quartic_grad, np.concatenate([w, c]), d, _start(x0, c), 0.0, l0, ell_v.copy(),
        note="h = r^4: sup(12 r^2 − 4 ell |r|^3) = 16/ell^2 at |r| = 2/ell",
        properties={"l_smooth": False, "pl": False, "convex": True},
        options={"dim": d, "weights": w.tolist(), "center": c.tolist(), "ell": ell_v.tolist()},
        description="Σ w_i (x_i − c_i)⁴",
    )


def _exp_family_pl(w, a, factor, note):
    mu = float((factor * w * a**2).min())
    return (Constant(mu, "derived", note), Constant(mu, "derived", "infimum of the 1-D ratio, approached at the "
                                                                    "minimiser of the coordinate with min w a^2"))


def cosh(dim: int = 10, weights=1.0, scales=1.0, center=0.0, x0=None) -> Objective:
    """``f(x) = Σ w_i cosh(a_i (x_i − c_i))``: convex, PL, not L-smooth; pair ``(w_i a_i², a_i)``.

    Derived: ``h = cosh(a r)``, ``h' = a sinh(a r)``, ``h'' = a² cosh(a r)``; since
    ``cosh <= |sinh| + 1``, ``h'' <= a² + a|h'|``. Pareto-tight: ``cosh − |sinh| = e^{−a|r|}``
    has supremum 1 at ``r = 0``, and ``(h'' − a²)/|h'| = a tanh(a|r|/2) → a``.

    PL (derived): ``sinh² = (cosh − 1)(cosh + 1) >= 2 (cosh − 1)``, so
    ``||∇f||² = Σ w_i² a_i² sinh² >= 2 min_i(w_i a_i²) Σ w_i (cosh − 1) = 2 μ (f − f*)`` with
    ``μ = min_i w_i a_i²``, tight (the 1-D ratio ``(cosh + 1)/2 → 1`` at the minimiser).
    ``f* = Σ w_i`` at ``c``. Use ``scales=log_scales(dim)`` for heterogeneous ``L1_i = a_i``.
    """
    d = check_positive_int("dim", dim)
    w = _per_coordinate("weights", weights, d)
    a = _per_coordinate("scales", scales, d)
    c = _per_coordinate("center", center, d, positive=False)
    mu, mu_tight = _exp_family_pl(w, a, 1.0, "sinh^2 >= 2(cosh − 1): PL with min_i w_i a_i^2")
    return _separable(
        "cosh", cosh_value, cosh_grad, np.concatenate([w, a, c]), d, _start(x0, c), float(w.sum()), w * a**2,
        a.copy(), note="cosh <= |sinh| + 1, tight at r = 0; (h'' − a^2)/|h'| → a",
        properties={"l_smooth": False, "pl": True, "convex": True}, mu=mu, mu_tight=mu_tight,
        options={"dim": d, "weights": w.tolist(), "scales": a.tolist(), "center": c.tolist()},
        description="Σ w_i cosh(a_i (x_i − c_i))",
    )


def exp_pair(dim: int = 10, weights=1.0, scales=1.0, center=0.0, x0=None) -> Objective:
    """``f(x) = Σ w_i (e^{a_i r_i} + e^{−a_i r_i})``, ``r = x − c``: pair ``(2 w_i a_i², a_i)``.

    This is ``2 w cosh(a r)`` (the objective of spec B.9 B2/B3): by the scaling rule the pair of
    :func:`cosh` doubles its ``ℓ0`` (spec B.7: ``a = 2`` gives ``(8, 2)``, V-num). Pareto-tight
    as for ``cosh``. PL with ``μ = min_i 2 w_i a_i²`` (tight). ``f* = 2 Σ w_i`` at ``c``.
    """
    d = check_positive_int("dim", dim)
    w = _per_coordinate("weights", weights, d)
    a = _per_coordinate("scales", scales, d)
    c = _per_coordinate("center", center, d, positive=False)
    mu, mu_tight = _exp_family_pl(w, a, 2.0, "f = 2 w cosh(a r): PL with min_i 2 w_i a_i^2")
    return _separable(
        "exp_pair", exp_pair_value, exp_pair_grad, np.concatenate([w, a, c]), d, _start(x0, c),
        2.0 * float(w.sum()), 2.0 * w * a**2, a.copy(),
        note="f_i = 2 w_i cosh(a_i r_i): (2 w a^2, a)",
        properties={"l_smooth": False, "pl": True, "convex": True}, mu=mu, mu_tight=mu_tight,
        options={"dim": d, "weights": w.tolist(), "scales": a.tolist(), "center": c.tolist()},
        description="Σ w_i (e^{a_i(x_i − c_i)} + e^{−a_i(x_i − c_i)})",
    )


def exp_minus_linear(dim: int = 10, weights=1.0, scales=1.0, center=0.0, x0=None) -> Objective:
    """``f(x) = Σ w_i (e^{a_i r_i} − a_i r_i)``, ``r = x − c``: pair ``(w_i a_i², a_i)``; not PL.

    Derived (spec B.7 has ``a = w = 1``: ``(1, 1)``, V-num): ``h = e^{ar} − ar``,
    ``h' = a(e^{ar} − 1)``, ``h'' = a² e^{ar} = a² + a h'``; for ``r >= 0`` this is
    ``a² + a|h'|`` exactly, for ``r < 0`` ``h'' < a²``. Pareto-tight: equality for every
    ``r >= 0``. Not PL: on the left ``h' → −a`` while ``h → ∞`` (ratio ``~ 1/(2|r|)``). Convex;
    ``f* = Σ w_i`` at ``c``. A one-sided relaxed-smooth objective: the gradient explodes only for
    ``r > 0``.
    """
    d = check_positive_int("dim", dim)
    w = _per_coordinate("weights", weights, d)
    a = _per_coordinate("scales", scales, d)
    c = _per_coordinate("center", center, d, positive=False)
    return _separable(
        "exp_minus_linear", exp_minus_linear_value, exp_minus_linear_grad, np.concatenate([w, a, c]), d,
        _start(x0, c), float(w.sum()), w * a**2, a.copy(),
        note="h'' = a^2 + a h' (equality for r >= 0)",
        properties={"l_smooth": False, "pl": False, "convex": True},
        options={"dim": d, "weights": w.tolist(), "scales": a.tolist(), "center": c.tolist()},
        description="Σ w_i (e^{a_i(x_i − c_i)} − a_i(x_i − c_i))",
    )


def log_cosh(dim: int = 10, weights=1.0, scales=1.0, center=0.0, x0=None) -> Objective:
    """``f(x) = Σ w_i log cosh(a_i r_i)``, ``r = x − c``: the L-smooth control, pair ``(w_i a_i², 0)``.

    Derived: ``h' = a tanh(a r)``, ``h'' = a² sech²(a r) ∈ (0, a²]``, maximal at ``r = 0``: ``f``
    is ``L``-smooth with ``L = max_i w_i a_i²`` (tight) and ``(L0, L1) = (L, 0)``. Convex; not
    PL (``h' → ±a`` while ``h`` grows linearly); ``f* = 0`` at ``c``.
    """
    d = check_positive_int("dim", dim)
    w = _per_coordinate("weights", weights, d)
    a = _per_coordinate("scales", scales, d)
    c = _per_coordinate("center", center, d, positive=False)
    L = float((w * a**2).max())
    return _separable(
        "log_cosh", log_cosh_value, log_cosh_grad, np.concatenate([w, a, c]), d, _start(x0, c), 0.0, w * a**2,
        np.zeros(d), note="h'' = a^2 sech^2(a r) <= a^2",
        properties={"l_smooth": True, "pl": False, "convex": True},
        L=Constant(L, "derived", "Hessian diag(w_i a_i^2 sech^2(a_i r_i)), maximal at the centre"),
        options={"dim": d, "weights": w.tolist(), "scales": a.tolist(), "center": c.tolist()},
        description="Σ w_i log cosh(a_i (x_i − c_i))",
    )


def _cosh_cos_1d(w, a, c, b, omega):
    """Minimiser and minimum of ``w (cosh(a (t − c)) + b cos(ω t))`` and the least curvature.

    Every stationary point satisfies ``a sinh(a|r|) <= |b| ω``, i.e. ``|r| <= R = asinh(|b|ω/a)/a``;
    the minimiser lies in ``[c − R, c + R]``. A grid with ``COSH_COS_POINTS_PER_PERIOD`` points
    per period of the cosine locates the local minima; the best ``COSH_COS_REFINED`` are refined
    by a bounded scalar minimisation. Returns ``(t*, h*, min h'' on the grid, number of local
    minima)``; the curvature is only searched where it can be negative
    (``cosh(a r) <= |b| ω²/a²``).
    """
    bw = abs(b) * omega

    def h(t):
        return w * (np.cosh(a * (t - c)) + b * np.cos(omega * t))

    if bw == 0.0:
        return c, float(h(c)), w * a * a, 1
    R = math.asinh(bw / a) / a
    n = max(COSH_COS_MIN_POINTS, math.ceil(2.0 * R * omega / (2.0 * math.pi) * COSH_COS_POINTS_PER_PERIOD) + 1)
    t = np.linspace(c - R, c + R, n)
    v = h(t)
    interior = np.flatnonzero((v[1:-1] < v[:-2]) & (v[1:-1] <= v[2:])) + 1
    candidates = np.concatenate([interior, [int(np.argmin(v))]])
    candidates = np.unique(candidates[np.argsort(v[candidates])][:COSH_COS_REFINED + 1])
    best_t, best_v = c, math.inf
    for k in candidates:
        lo, hi = t[max(k - 1, 0)], t[min(k + 1, n - 1)]
        res = optimize.minimize_scalar(lambda s: float(h(s)), bounds=(lo, hi), method="bounded",
                                       options={"xatol": COSH_COS_XATOL})
        for cand in (float(res.x), float(t[k])):
            val = float(h(cand))
            if val < best_v:
                best_t, best_v = cand, val
    # Least curvature: h'' = w (a² cosh(a r) − b ω² cos(ω t)) >= w (a² − |b| ω²).
    if abs(b) * omega * omega <= a * a:
        min_curv = w * (a * a - abs(b) * omega * omega)
    else:
        Rc = math.acosh(abs(b) * omega * omega / (a * a)) / a
        nc = max(COSH_COS_MIN_POINTS, math.ceil(2.0 * Rc * omega / (2.0 * math.pi) * COSH_COS_POINTS_PER_PERIOD))
        tc = np.linspace(c - Rc, c + Rc, nc)
        min_curv = float(np.min(w * (a * a * np.cosh(a * (tc - c)) - b * omega * omega * np.cos(omega * tc))))
    return best_t, best_v, min_curv, max(1, int(interior.size))


def cosh_cos(dim: int = 10, weights=1.0, scales=1.0, center=0.0, amplitudes=0.5, frequencies=3.0,
             x0=None) -> Objective:
    """Non-convex separable ``f(x) = Σ w_i [cosh(a_i (x_i − c_i)) + b_i cos(ω_i x_i)]`` (spec B.7).

    Constants (derived, re-derived from spec B.7): ``h = cosh(a r)`` has the pair ``(a², a)``;
    ``g = b cos(ω x)`` has ``|g''| <= |b| ω²`` and ``|g'| <= |b| ω``; the addition rule gives
    ``(a² + |b| ω² + a |b| ω, a)`` and the weight multiplies ``ℓ0``:
    ``ℓ0_i = w_i (a_i² + a_i |b_i| ω_i + |b_i| ω_i²)``, ``ℓ1_i = a_i``. These are valid upper
    constants, *not* tight (the bounds on ``|g'|``, ``|g''|`` and ``cosh − |sinh| <= 1`` are not
    attained at the same point); ``ℓ1_i = a_i`` is necessary (``f_i''/|f_i'| → a_i``).

    ``f*``: numerical. The sum is separable, so ``f* = Σ_i min_t f_i(t)``; each 1-D minimum is
    found by a grid over ``[c_i − R_i, c_i + R_i]``, ``R_i = asinh(|b_i| ω_i / a_i)/a_i`` (every
    stationary point satisfies ``a_i sinh(a_i |r_i|) <= |b_i| ω_i``), refined by a bounded scalar
    minimisation (``xatol = 1e-12``); ``f*`` is the value of the jitted function at the
    minimiser (``extra["minimiser"]``). Lower bound ``Σ w_i (1 − |b_i|)`` (``cosh >= 1``).

    Convexity: ``f_i'' = w_i (a_i² cosh(a_i r_i) − b_i ω_i² cos(ω_i x_i)) >= w_i (a_i² − |b_i| ω_i²)``,
    so ``|b_i| ω_i² <= a_i²`` for all ``i`` proves convexity; otherwise the least curvature is
    searched on a grid where ``cosh(a_i r_i) <= |b_i| ω_i²/a_i²`` (spec B.7's ``b ω² > a²`` is
    necessary for non-convexity, not sufficient: the cosine's peaks may fall where ``cosh`` is
    already large). PL is marked ``False`` when some coordinate has more than one local minimum
    on the grid (between two of them lies a local maximum: a stationary point above ``f*``), and
    left out (unknown) otherwise.

    Defaults ``b = 0.5``, ``ω = 3``, ``a = 1``, ``c = 0``: ``x = 0`` is a local maximum of each
    term and ``f`` has ``2^d`` global minimisers ``x_i = ±t*``.
    """
    d = check_positive_int("dim", dim)
    w = _per_coordinate("weights", weights, d)
    a = _per_coordinate("scales", scales, d)
    c = _per_coordinate("center", center, d, positive=False)
    b = _per_coordinate("amplitudes", amplitudes, d, positive=False)
    om = _per_coordinate("frequencies", frequencies, d, positive=False, nonnegative=True)
    params = np.concatenate([w, a, c, b, om])
    minimiser = np.empty(d)
    curvatures = np.empty(d)
    n_minima = np.empty(d, dtype=np.int64)
    for i in range(d):
        minimiser[i], _, curvatures[i], n_minima[i] = _cosh_cos_1d(w[i], a[i], c[i], b[i], om[i])
    f_star = float(cosh_cos_value(minimiser, params))
    babs = np.abs(b)
    l0 = w * (a**2 + a * babs * om + babs * om**2)
    provably_convex = bool(np.all(babs * om**2 <= a**2))
    margin = CURVATURE_MARGIN * float(np.max(w * np.maximum(babs * om**2, a**2)))
    convex = provably_convex or bool(np.min(curvatures) >= -margin)
    properties = {"l_smooth": False, "convex": convex}
    if np.any(n_minima > 1):
        properties["pl"] = False
    extra = {
        "minimiser": Constant(minimiser.tolist(), "numerical", "per-coordinate grid + bounded scalar minimisation"),
        "f_lower_bound": Constant(float(np.sum(w * (1.0 - babs))), "derived", "cosh >= 1, b cos >= −|b|"),
        "min_curvature": Constant(float(np.min(curvatures)), "derived" if provably_convex else "numerical",
                                  "w (a^2 − |b| ω^2) bound" if provably_convex else "grid minimum of f_i''"),
    }
    return _separable(
        "cosh_cos", cosh_cos_value, cosh_cos_grad, params, d, _start(x0, c), f_star, l0, a.copy(),
        note="cosh pair (a^2, a) plus b cos(ω x) with |g''| <= |b|ω^2, |g'| <= |b|ω (addition rule)",
        properties=properties, extra=extra,
        options={"dim": d, "weights": w.tolist(), "scales": a.tolist(), "center": c.tolist(),
                 "amplitudes": b.tolist(), "frequencies": om.tolist()},
        description="Σ w_i [cosh(a_i (x_i − c_i)) + b_i cos(ω_i x_i)]",
    )


# --------------------------------------------------------------------------------------------
# Non-normalized networks.


def deep_scalar_chain(depth: int = 8, u: float = 1.0, y: float = 1.0, w0=1.5) -> Objective:
    """Deep scalar "network" ``f(w) = ½ (w_1 w_2 ⋯ w_K u − y)²`` (spec B.9 B5/B7).

    The parameters are the ``K = depth`` scalar layer weights (``d = K``; one block per layer,
    ``options["blocks"] = [["w1", 0, 1], ...]``). With ``P = Π_j w_j`` and ``r = P u − y``,
    ``∂f/∂w_k = r u Π_{j≠k} w_j`` (computed from prefix and suffix products, no division). At
    ``w = (s, …, s)`` every ``|∂f/∂w_k| = |r u| |s|^{K−1}`` with ``|r| ≈ |s^K u|``: the gradient
    explodes like ``|s|^{2K−1}`` for ``|s| > 1`` and vanishes like ``|s|^{K−1}`` for ``|s| < 1``
    (when ``y ≠ 0``). Heterogeneous layers give per-layer gradients ``∝ 1/|w_k|``.

    Constants (derived): ``f* = 0``, attained (``w_k = |y/u|^{1/K}`` with one sign flipped if
    ``y/u < 0``; ``u ≠ 0`` is required). *Not* (L0, L1)-smooth for any constants when ``K >= 2``:
    on the minimiser set ``r = 0`` the gradient vanishes while ``∇²f = u² ∇P ∇Pᵀ`` is unbounded
    (e.g. ``w = (t, q/t, 1, …, 1)`` with ``q = y/u`` gives ``||∇P|| >= |t|`` if ``y ≠ 0``, or
    ``w = (0, t, …)`` if ``y = 0``); hence not L-smooth either. Not PL and not convex:
    ``w = 0`` is stationary (``K >= 3``, or ``K = 2``) with ``f = y²/2 > 0`` when ``y ≠ 0``, and
    with ``y = 0`` the ratio ``||∇f||²/(2f) = u² ||∇P||² → 0`` near 0. Local constants along a
    trajectory: :func:`synthetic.smoothness.local_smoothness` with the layer blocks.

    Parameters
    ----------
    depth : int
        ``K >= 2``.
    u, y : float
        Input (non-zero) and target.
    w0 : float or array_like, shape (depth,)
        Default start (``1.5`` per layer: ``P = 25.6``, exploding gradients).
    """
    K = check_positive_int("depth", depth, minimum=2)
    u = check_real("u", u)
    y = check_real("y", y)
    if not (math.isfinite(u) and u != 0.0):
        raise ValueError(f"u must be a finite non-zero number, got {u!r}")
    if not math.isfinite(y):
        raise ValueError(f"y must be finite, got {y!r}")
    start = _per_coordinate("w0", w0, K, positive=False)
    blocks = [[f"w{k + 1}", k, k + 1] for k in range(K)]
    constants = Constants(
        f_star=0.0,
        properties={"l_smooth": False, "l0l1_smooth": False, "pl": False, "convex": False},
        extra={"minimiser_example": Constant(_chain_minimiser(K, u, y).tolist(), "derived",
                                             "w_k = |y/u|^(1/K), first sign = sign(y/u)")},
    )
    return Objective("deep_scalar_chain", deep_scalar_chain_value, deep_scalar_chain_grad, np.array([u, y]), K,
                     constants, start, options={"depth": K, "u": u, "y": y, "w0": start.tolist(), "blocks": blocks},
                     description="½ (w_1 ⋯ w_K u − y)²")


def _chain_minimiser(K: int, u: float, y: float) -> np.ndarray:
    q = y / u
    w = np.full(K, abs(q) ** (1.0 / K))
    if q < 0:
        w[0] = -w[0]
    return w


#: tanh_rnn: header length of the parameter vector and its layout version.
RNN_HEADER = 7
RNN_LAYOUT = 1


def tanh_rnn(steps: int = 30, hidden: int = 6, inputs: int = 1, outputs: int = 1, scale: float = 1.0,
             input_scale: float = 1e-4, seed: int = 0, x0=None) -> Objective:
    """Vanilla tanh RNN regression ``f(W, U, V) = ½ ||V h_T − y||²`` (spec B.9 B5).

    Recurrence ``h_0 = 0``, ``h_{t+1} = tanh(W h_t + U u_t)`` for ``t = 0..T−1`` (``T = steps``),
    with fixed synthetic inputs ``u_t ∈ R^m`` and target ``y ∈ R^o`` (standard normal, drawn from
    ``numpy.random.default_rng([seed, 0])``). All of ``W`` (``H×H``), ``U`` (``H×m``) and ``V``
    (``o×H``) are optimised: ``x = [vec W, vec U, vec V]``, each row-major, ``d = H² + Hm + oH``;
    ``options["blocks"] = [["W", 0, H²], ["U", H², H²+Hm], ["V", H²+Hm, d]]``. The jitted
    gradient is exact backpropagation through time (a loop over ``t``, see ``tanh_rnn_grad``).

    Default start (``x0=None``; ``numpy.random.default_rng([seed, 1])``): ``W = scale · Q`` with
    ``Q`` a random orthogonal matrix (spectral radius and norm = ``scale``), ``U`` entries
    ``N(0, input_scale²/m)``, ``V`` entries ``N(0, 1/H)``. With a small ``input_scale`` the state
    stays in tanh's linear range for many steps, so ``∂h_T/∂U ≈ Σ_t W^{T−1−t} u_t`` grows like
    ``scale^T``: the gradient explodes for ``scale > 1`` and vanishes for ``scale < 1`` as long
    as ``input_scale · scale^T`` stays well below 1 (measured, ``T = 30``, ``input_scale = 1e-6``:
    ``||∇f(x0)||`` grows monotonically from 0.4 at ``scale = 0.5`` to 3e5 at ``scale = 2``). Once
    the state saturates, the factors ``1 − h²`` cut the gradient again and its size depends
    erratically on ``scale`` (with ``input_scale = 1e-3``, ``T = 50`` it is not monotone).

    Constants (derived): ``f* = 0``, attained (``V = y h_Tᵀ/||h_T||²`` for any ``W, U`` with
    ``h_T ≠ 0``). Not (L0, L1)-smooth for any constants (hence not L-smooth): along
    ``V h_T = y`` with ``U → 0`` (so ``h_T → 0`` and ``||V|| → ∞``) the gradient is 0 while
    ``∇²f = JᵀJ`` with ``J = ∂(V h_T)/∂θ ⊇ V ∂h_T/∂U`` of norm ``→ ∞``. Not PL, not convex: the
    origin is stationary with ``f = ½||y||² > 0``.

    Parameter vector ``p``: ``[layout, H, m, o, T, off_u, off_y, u_0..u_{T−1} (T×m), y (o)]``.
    """
    T = check_positive_int("steps", steps)
    H = check_positive_int("hidden", hidden)
    m = check_positive_int("inputs", inputs)
    o = check_positive_int("outputs", outputs)
    scale = check_finite_positive("scale", scale)
    input_scale = check_finite_positive("input_scale", input_scale)
    seed = check_positive_int("seed", seed, minimum=0)
    data = np.random.default_rng([seed, 0])
    u_seq = data.standard_normal((T, m))
    target = data.standard_normal(o)
    off_u = RNN_HEADER
    off_y = off_u + T * m
    params = np.concatenate([[RNN_LAYOUT, H, m, o, T, off_u, off_y], u_seq.ravel(), target]).astype(np.float64)
    d = H * H + H * m + o * H
    if x0 is None:
        init = np.random.default_rng([seed, 1])
        q, rr = np.linalg.qr(init.standard_normal((H, H)))
        q = q * np.sign(np.diag(rr))[None, :]
        U0 = init.standard_normal((H, m)) * (input_scale / math.sqrt(m))
        V0 = init.standard_normal((o, H)) / math.sqrt(H)
        start = np.concatenate([(scale * q).ravel(), U0.ravel(), V0.ravel()])
    else:
        start = check_vector("x0", x0, d)
    blocks = [["W", 0, H * H], ["U", H * H, H * H + H * m], ["V", H * H + H * m, d]]
    constants = Constants(f_star=0.0,
                          properties={"l_smooth": False, "l0l1_smooth": False, "pl": False, "convex": False})
    return Objective("tanh_rnn", tanh_rnn_value, tanh_rnn_grad, params, d, constants, start,
                     options={"steps": T, "hidden": H, "inputs": m, "outputs": o, "scale": scale,
                              "input_scale": input_scale, "seed": seed, "blocks": blocks},
                     description="½ ||V h_T − y||², h_{t+1} = tanh(W h_t + U u_t)")


def rnn_unpack(objective: Objective, x=None) -> dict:
    """``{"W", "U", "V", "inputs", "target"}`` of a :func:`tanh_rnn` objective at ``x`` (default x0)."""
    if not isinstance(objective, Objective) or objective.name != "tanh_rnn":
        raise TypeError(f"objective must be a tanh_rnn Objective, got {objective!r}")
    p = objective.params
    H, m, o, T = (int(v) for v in p[1:5])
    off_u, off_y = int(p[5]), int(p[6])
    vec = objective.x0 if x is None else check_vector("x", x, objective.dim)
    return {"W": vec[:H * H].reshape(H, H), "U": vec[H * H:H * H + H * m].reshape(H, m),
            "V": vec[H * H + H * m:].reshape(o, H), "inputs": p[off_u:off_u + T * m].reshape(T, m),
            "target": p[off_y:off_y + o].copy()}


#: Constructors by name, to be merged into :data:`synthetic.objectives.OBJECTIVES` by the lead.
RELAXED_OBJECTIVES = {
    "quartic": quartic,
    "cosh": cosh,
    "exp_pair": exp_pair,
    "exp_minus_linear": exp_minus_linear,
    "log_cosh": log_cosh,
    "cosh_cos": cosh_cos,
    "deep_scalar_chain": deep_scalar_chain,
    "tanh_rnn": tanh_rnn,
}
