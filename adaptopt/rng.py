"""Per-seed random streams usable inside jitted kernels.

Every seed of a run owns one stream: the xoshiro256++ generator (Blackman and Vigna, 2018)
whose 256-bit state is taken from ``numpy.random.SeedSequence(root, spawn_key=(i,))``. The
stream of seed ``i`` therefore depends only on ``(root, i)``, never on the thread count, on how
seeds are split into blocks, or on which machine runs them.

Samplers (all float64):

* uniform on [0, 1): the top 53 bits of one 64-bit output, ``(r >> 11) * 2**-53``;
* standard normal: a 256-layer ziggurat (Marsaglia and Tsang, 2000) in Doornik's (2005)
  formulation, with the tail sampled by Marsaglia's (1964) method; the tables are computed in
  :func:`_ziggurat_tables` from the two defining constants, not imported;
* Gamma(k, 1): Marsaglia and Tsang (2000), with the boost ``Gamma(k) = Gamma(k + 1) U^(1/k)``
  for ``k < 1``;
* Student-t with ``df`` degrees of freedom: ``Z / sqrt(2 G / df)`` with ``G ~ Gamma(df/2)``,
  for any ``df > 0`` (``df <= 2`` has infinite variance, ``df <= 1`` no mean); ``df = inf`` is
  the normal.

Inside kernels the state lives in a ``uint64[4]`` array; bulk fills load it into registers,
loop, and store it back. From Python, :class:`Stream` wraps one state and mirrors the part of
``numpy.random.Generator``'s interface that the noise oracles use, so the same oracle code runs
with either.
"""

from __future__ import annotations

import math

import numpy as np

from adaptopt._jit import jit

_U = np.uint64
_SHIFT_17 = _U(17)
_SHIFT_11 = _U(11)
_MASK_8 = _U(0xFF)
_TWO_POW_M53 = 2.0**-53

#: Number of ziggurat layers and the two constants that define them (Marsaglia and Tsang 2000):
#: the start of the tail and the common area of every layer.
ZIGGURAT_LAYERS = 256
ZIGGURAT_R = 3.6541528853610088
ZIGGURAT_V = 4.92867323399e-3


def _ziggurat_tables(layers: int = ZIGGURAT_LAYERS, r: float = ZIGGURAT_R, v: float = ZIGGURAT_V):
    """Doornik's ziggurat tables ``X`` (layer widths) and ``ratio[i] = X[i+1] / X[i]``.

    ``X[0] = v / f(r)`` is the width of a rectangle with the base layer's area, ``X[1] = r``,
    ``X[i] = sqrt(-2 log(v / X[i-1] + f(X[i-1])))`` and ``X[layers] = 0``, with
    ``f(x) = exp(-x^2 / 2)``. A draw ``u * X[i]`` with ``|u| < ratio[i]`` lies in the part of
    layer ``i`` that is entirely under ``f`` and is accepted at once (about 99 % of draws).
    """
    x = np.empty(layers + 1)
    f_r = math.exp(-0.5 * r * r)
    x[0] = v / f_r
    x[1] = r
    for i in range(2, layers):
        x[i] = math.sqrt(-2.0 * math.log(v / x[i - 1] + math.exp(-0.5 * x[i - 1] ** 2)))
    x[layers] = 0.0
    ratio = x[1:] / x[:-1]
    return x, ratio


_ZIG_X, _ZIG_RATIO = _ziggurat_tables()


@jit
def _rotl(x, k):
    return (x << _U(k)) | (x >> _U(64 - k))


@jit
def next_u64(s0, s1, s2, s3):
    """One xoshiro256++ step: returns ``(output, s0, s1, s2, s3)``."""
    result = _rotl(s0 + s3, 23) + s0
    t = s1 << _SHIFT_17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    return result, s0, s1, s2, s3


@jit
def next_uniform(s0, s1, s2, s3):
    """Uniform on [0, 1) with 53 random bits: returns ``(u, s0, s1, s2, s3)``."""
    r, s0, s1, s2, s3 = next_u64(s0, s1, s2, s3)
    return float(r >> _SHIFT_11) * _TWO_POW_M53, s0, s1, s2, s3


@jit
def next_uniform_open0(s0, s1, s2, s3):
    """Uniform on (0, 1] (safe to take the logarithm of)."""
    r, s0, s1, s2, s3 = next_u64(s0, s1, s2, s3)
    return (float(r >> _SHIFT_11) + 1.0) * _TWO_POW_M53, s0, s1, s2, s3


@jit(inline="never")
def _normal_slow(i, u, s0, s1, s2, s3):
    """The rare branch of the ziggurat: base-layer tail or a wedge test (about 1 % of draws)."""
    while True:
        if i == 0:
            # Tail beyond r (Marsaglia 1964): x = -log(U1)/r, accept if -2 log(U2) > x^2.
            while True:
                a, s0, s1, s2, s3 = next_uniform_open0(s0, s1, s2, s3)
                b, s0, s1, s2, s3 = next_uniform_open0(s0, s1, s2, s3)
                x = math.log(a) / ZIGGURAT_R
                y = math.log(b)
                if -2.0 * y >= x * x:
                    break
            tail = ZIGGURAT_R - x
            return (-tail if u < 0.0 else tail), s0, s1, s2, s3
        x = u * _ZIG_X[i]
        f0 = math.exp(-0.5 * (_ZIG_X[i] * _ZIG_X[i] - x * x))
        f1 = math.exp(-0.5 * (_ZIG_X[i + 1] * _ZIG_X[i + 1] - x * x))
        w, s0, s1, s2, s3 = next_uniform(s0, s1, s2, s3)
        if f1 + w * (f0 - f1) < 1.0:
            return x, s0, s1, s2, s3
        # Rejected: start over with a fresh layer and abscissa.
        r, s0, s1, s2, s3 = next_u64(s0, s1, s2, s3)
        i = np.intp(r & _MASK_8)
        u = 2.0 * float(r >> _SHIFT_11) * _TWO_POW_M53 - 1.0
        if abs(u) < _ZIG_RATIO[i]:
            return u * _ZIG_X[i], s0, s1, s2, s3


@jit
def next_normal(s0, s1, s2, s3):
    """Standard normal by the ziggurat: returns ``(z, s0, s1, s2, s3)``.

    One 64-bit output gives the layer (low 8 bits) and a signed abscissa (top 53 bits).
    """
    r, s0, s1, s2, s3 = next_u64(s0, s1, s2, s3)
    i = np.intp(r & _MASK_8)
    u = 2.0 * float(r >> _SHIFT_11) * _TWO_POW_M53 - 1.0
    if abs(u) < _ZIG_RATIO[i]:
        return u * _ZIG_X[i], s0, s1, s2, s3
    return _normal_slow(i, u, s0, s1, s2, s3)


@jit
def next_gamma(shape, s0, s1, s2, s3):
    """Gamma(shape, 1) by Marsaglia and Tsang (2000); ``shape > 0``."""
    boost = 1.0
    k = shape
    if k < 1.0:
        w, s0, s1, s2, s3 = next_uniform_open0(s0, s1, s2, s3)
        boost = w ** (1.0 / k)
        k += 1.0
    d = k - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        z, s0, s1, s2, s3 = next_normal(s0, s1, s2, s3)
        v = 1.0 + c * z
        if v <= 0.0:
            continue
        v = v * v * v
        w, s0, s1, s2, s3 = next_uniform_open0(s0, s1, s2, s3)
        if math.log(w) < 0.5 * z * z + d - d * v + d * math.log(v):
            return boost * d * v, s0, s1, s2, s3


@jit
def next_student_t(df, s0, s1, s2, s3):
    """Student-t with ``df > 0`` degrees of freedom (``df = inf``: standard normal)."""
    z, s0, s1, s2, s3 = next_normal(s0, s1, s2, s3)
    if math.isinf(df):
        return z, s0, s1, s2, s3
    g, s0, s1, s2, s3 = next_gamma(0.5 * df, s0, s1, s2, s3)
    return z / math.sqrt(2.0 * g / df), s0, s1, s2, s3


@jit
def fill_normal(state, out):
    """Fill ``out`` with independent standard normals drawn from ``state`` (updated in place)."""
    s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    for i in range(out.size):
        out[i], s0, s1, s2, s3 = next_normal(s0, s1, s2, s3)
    state[0], state[1], state[2], state[3] = s0, s1, s2, s3


@jit
def fill_normal_around(state, center, scale, out):
    """``out[i] = center[i] + scale * z_i`` with ``z_i`` standard normal: noise added in the draw loop.

    The draw loop is bound by the generator's latency, so the load, FMA and store of the
    addition are free here, while a separate pass over ``out`` would cost memory bandwidth.
    """
    s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    for i in range(out.size):
        z, s0, s1, s2, s3 = next_normal(s0, s1, s2, s3)
        out[i] = center[i] + scale * z
    state[0], state[1], state[2], state[3] = s0, s1, s2, s3


@jit
def fill_uniform(state, out):
    """Fill ``out`` with independent uniforms on [0, 1)."""
    s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    for i in range(out.size):
        out[i], s0, s1, s2, s3 = next_uniform(s0, s1, s2, s3)
    state[0], state[1], state[2], state[3] = s0, s1, s2, s3


@jit
def fill_student_t(state, df, out):
    """Fill ``out`` with independent Student-t variates with ``df`` degrees of freedom."""
    s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    for i in range(out.size):
        out[i], s0, s1, s2, s3 = next_student_t(df, s0, s1, s2, s3)
    state[0], state[1], state[2], state[3] = s0, s1, s2, s3


@jit
def draw_normal(state):
    """One standard normal from ``state`` (updated in place)."""
    z, state[0], state[1], state[2], state[3] = next_normal(state[0], state[1], state[2], state[3])
    return z


def seed_states(root: int, start: int, count: int) -> np.ndarray:
    """Initial xoshiro256++ states of seeds ``start, ..., start + count - 1``.

    Seed ``i`` uses ``SeedSequence(root, spawn_key=(i,)).generate_state(4, uint64)``, so its
    stream depends only on ``(root, i)``. Returns a C-contiguous ``(count, 4)`` uint64 array.
    """
    root = _check_nonnegative_int("root_seed", root)
    start = _check_nonnegative_int("seed_start", start)
    count = _check_nonnegative_int("n_seeds", count)
    states = np.empty((count, 4), dtype=np.uint64)
    for k in range(count):
        states[k] = np.random.SeedSequence(root, spawn_key=(start + k,)).generate_state(4, np.uint64)
    return states


def _check_nonnegative_int(name: str, value) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a non-negative integer, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)


class Stream:
    """One seed's stream, used from plain Python.

    Mirrors the methods of :class:`numpy.random.Generator` that the noise oracles call
    (``standard_normal``, ``standard_t``, ``uniform``, ``random``), drawing exactly the numbers
    a kernel draws for the same seed, in the same order. Use it to reproduce a kernel's noise
    outside the kernel (reference implementations, tests, examples).

    Parameters
    ----------
    root_seed, seed_index : int
        The stream of seed ``seed_index`` of a run with root seed ``root_seed``.
    """

    def __init__(self, root_seed: int, seed_index: int = 0):
        _check_nonnegative_int("seed_index", seed_index)
        self.root_seed = root_seed
        self.seed_index = seed_index
        self.state = seed_states(root_seed, seed_index, 1)[0].copy()

    def _shaped(self, size, fill, *args):
        shape = () if size is None else (size,) if np.isscalar(size) else tuple(size)
        out = np.empty(int(np.prod(shape, dtype=np.int64)))
        fill(self.state, *args, out)
        return out.reshape(shape) if shape else float(out[0])

    def standard_normal(self, size=None):
        """Standard normal variates (a float if ``size`` is None)."""
        return self._shaped(size, fill_normal)

    def standard_t(self, df, size=None):
        """Student-t variates with ``df > 0`` degrees of freedom (``np.inf`` allowed)."""
        df = float(df)
        if not df > 0:
            raise ValueError(f"df must be > 0 (np.inf allowed), got {df!r}")
        return self._shaped(size, fill_student_t, df)

    def random(self, size=None):
        """Uniform variates on [0, 1)."""
        return self._shaped(size, fill_uniform)

    def uniform(self, low=0.0, high=1.0, size=None):
        """Uniform variates on [low, high)."""
        return low + (high - low) * self.random(size)
