"""Tests for adaptopt.rng: the generator, the samplers' distributions, and the per-seed contract.

Every distributional test compares with scipy.stats (an independent implementation) on about a
million draws at fixed seeds: raw moments by z-scores against their exact values (only where
the moment of twice the order exists, so that the standard error is finite), Kolmogorov-Smirnov
tests, a chi-square test on the ziggurat's own layer boundaries and a conditional test of the
tail beyond ``ZIGGURAT_R``. The generator itself is checked against a pure-Python xoshiro256++
written from Blackman and Vigna's reference C code.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, special, stats

import adaptopt  # noqa: F401  (imported before synthetic-dependent modules; see tests/test_noise.py)
from adaptopt import rng
from adaptopt._jit import jit

# ---- test tolerances (one place) ---------------------------------------------------------------
N_DRAWS = 1_000_000
SEEDS = (0, 1, 2)
Z_MAX = 4.5  # |z-score| allowed for a moment or a count (two-sided p ~ 7e-6 per check)
KS_MIN_P = 1e-3  # Kolmogorov-Smirnov and chi-square p-values must exceed this
TABLE_TOL = 1e-10  # ziggurat layer areas against ZIGGURAT_V (absolute)
N_TAIL_DRAWS = 10_000_000
DF_VALUES = (0.5, 1.5, 3.0, 10.0, math.inf)
MASK64 = (1 << 64) - 1


def _zscore(samples: np.ndarray, exact: float) -> float:
    """z-score of the sample mean of ``samples`` against ``exact`` (standard error from the sample)."""
    return (samples.mean() - exact) / (samples.std(ddof=1) / math.sqrt(samples.size))


def _normal_raw_moment(k: int) -> float:
    return 0.0 if k % 2 else float(special.factorial2(k - 1))


def _t_raw_moment(k: int, df: float) -> float:
    """E T^k for T ~ t_df, k < df (odd: 0; even: df^(k/2) Gamma((k+1)/2) Gamma((df-k)/2) / (sqrt(pi) Gamma(df/2)))."""
    if math.isinf(df):
        return _normal_raw_moment(k)
    if k % 2:
        return 0.0
    numerator = df ** (k / 2) * math.gamma((k + 1) / 2) * math.gamma((df - k) / 2)
    return numerator / (math.sqrt(math.pi) * math.gamma(df / 2))


# ---- the generator ---------------------------------------------------------------------------------


def _rotl(x: int, k: int) -> int:
    return ((x << k) | (x >> (64 - k))) & MASK64


def _xoshiro256pp(state: list[int], n: int) -> list[int]:
    """Reference xoshiro256++ (Blackman and Vigna 2018, xoshiro256plusplus.c), Python integers mod 2^64."""
    s = list(state)
    out = []
    for _ in range(n):
        out.append((_rotl((s[0] + s[3]) & MASK64, 23) + s[0]) & MASK64)
        t = (s[1] << 17) & MASK64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = _rotl(s[3], 45)
    return out


def test_next_u64_matches_reference_xoshiro256pp():
    # The first output from state (1, 2, 3, 4) is rotl(1 + 4, 23) + 1, by hand.
    assert rng.next_u64(*map(np.uint64, (1, 2, 3, 4)))[0] == (5 << 23) + 1
    for state in ([1, 2, 3, 4], [int(v) for v in rng.seed_states(2024, 7, 1)[0]]):
        expected = _xoshiro256pp(state, 1000)
        s = tuple(np.uint64(v) for v in state)
        got = []
        for _ in range(1000):
            r, *rest = rng.next_u64(*s)
            s = tuple(np.uint64(v) for v in rest)  # keep uint64: int64 arguments would change the arithmetic
            got.append(int(r))
        assert got == expected


def test_uniform_is_top_53_bits_of_the_reference_outputs():
    stream = rng.Stream(99, 3)
    expected = np.array([(r >> 11) * 2.0**-53 for r in _xoshiro256pp([int(v) for v in stream.state], 500)])
    u = stream.random(500)
    np.testing.assert_array_equal(u, expected)
    assert np.all((u >= 0.0) & (u < 1.0))
    np.testing.assert_array_equal(u * 2.0**53, np.floor(u * 2.0**53))  # on the 2^-53 lattice


# ---- per-seed contract -------------------------------------------------------------------------------


@pytest.mark.parametrize("root", [0, 1, 123456789, 2**63 + 11])
def test_seed_i_depends_only_on_root_and_i(root):
    block = rng.seed_states(root, 0, 10)
    assert block.shape == (10, 4) and block.dtype == np.uint64 and block.flags.c_contiguous
    for i in range(10):
        np.testing.assert_array_equal(block[i], rng.seed_states(root, i, 1)[0])
        np.testing.assert_array_equal(block[i], rng.Stream(root, i).state)
    np.testing.assert_array_equal(rng.seed_states(root, 3, 4), block[3:7])
    # The documented derivation: SeedSequence(root, spawn_key=(i,)).
    np.testing.assert_array_equal(block[5], np.random.SeedSequence(root, spawn_key=(5,)).generate_state(4, np.uint64))
    assert len({tuple(row) for row in block}) == 10


def test_roots_give_different_states():
    assert not np.array_equal(rng.seed_states(1, 0, 1), rng.seed_states(2, 0, 1))
    assert rng.seed_states(5, 0, 0).shape == (0, 4)


@pytest.mark.parametrize("method, args", [("standard_normal", ()), ("random", ()), ("standard_t", (3.0,)),
                                          ("standard_t", (0.7,)), ("uniform", (-2.0, 5.0))])
def test_stream_is_deterministic_and_sequential(method, args):
    a = getattr(rng.Stream(11, 4), method)(*args, size=1000)
    b = getattr(rng.Stream(11, 4), method)(*args, size=1000)
    np.testing.assert_array_equal(a, b)
    # Drawing in pieces continues the same sequence: the state is stored back after every call.
    s = rng.Stream(11, 4)
    pieces = np.concatenate([getattr(s, method)(*args, size=300), getattr(s, method)(*args, size=(35, 20)).ravel()])
    np.testing.assert_array_equal(pieces, a)
    assert not np.array_equal(a, getattr(rng.Stream(11, 5), method)(*args, size=1000))
    assert not np.array_equal(a, getattr(rng.Stream(12, 4), method)(*args, size=1000))


def test_stream_scalar_and_shapes():
    s = rng.Stream(0)
    assert isinstance(s.standard_normal(), float)
    assert isinstance(s.standard_t(4.0), float)
    assert isinstance(s.random(), float)
    assert s.standard_normal((3, 4)).shape == (3, 4)
    assert s.standard_t(np.inf, 7).shape == (7,)
    # Kernel fills and the Stream draw the same numbers from the same state.
    state = rng.seed_states(3, 2, 1)[0].copy()
    out = np.empty(50)
    rng.fill_normal(state, out)
    np.testing.assert_array_equal(out, rng.Stream(3, 2).standard_normal(50))
    assert rng.draw_normal(state) == rng.Stream(3, 2).standard_normal(51)[50]


@pytest.mark.parametrize("roots, indices", [((77, 77), (0, 1)), ((77, 77), (3, 1000)), ((1, 2), (0, 0)),
                                            ((0, 1), (5, 5))])
def test_different_streams_are_uncorrelated(roots, indices):
    a = rng.Stream(roots[0], indices[0]).standard_normal(N_DRAWS)
    b = rng.Stream(roots[1], indices[1]).standard_normal(N_DRAWS)
    bound = 5.0 / math.sqrt(N_DRAWS)
    assert abs(np.corrcoef(a, b)[0, 1]) < bound
    assert abs(np.corrcoef(a[:-1], a[1:])[0, 1]) < bound  # lag-1 within a stream
    ua = rng.Stream(roots[0], indices[0]).random(N_DRAWS)
    ub = rng.Stream(roots[1], indices[1]).random(N_DRAWS)
    assert abs(np.corrcoef(ua, ub)[0, 1]) < bound


@pytest.mark.parametrize("bad, error, name", [
    ((-1, 0, 1), ValueError, "root_seed"), ((0, -1, 1), ValueError, "seed_start"), ((0, 0, -1), ValueError, "n_seeds"),
    ((1.0, 0, 1), TypeError, "root_seed"), ((True, 0, 1), TypeError, "root_seed"),
    ((0, 0.5, 1), TypeError, "seed_start"),
    ((0, 0, "3"), TypeError, "n_seeds"), ((0, np.bool_(True), 1), TypeError, "seed_start"),
])
def test_seed_states_rejects_bad_input(bad, error, name):
    with pytest.raises(error, match=name):
        rng.seed_states(*bad)


def test_stream_rejects_bad_input():
    with pytest.raises(ValueError, match="root_seed"):
        rng.Stream(-3)
    with pytest.raises(TypeError, match="root_seed"):
        rng.Stream(2.5)
    with pytest.raises(ValueError, match="seed"):
        rng.Stream(0, -1)
    s = rng.Stream(0)
    for df in (0.0, -1.0, math.nan, -math.inf):
        with pytest.raises(ValueError, match="df"):
            s.standard_t(df, 3)


# ---- ziggurat tables -------------------------------------------------------------------------------


def test_ziggurat_tables_against_an_independent_computation():
    x, ratio = rng._ziggurat_tables()
    v, r = rng.ZIGGURAT_V, rng.ZIGGURAT_R
    assert x.shape == (rng.ZIGGURAT_LAYERS + 1,) and x[1] == r and x[-1] == 0.0
    assert np.all(np.diff(x[1:]) < 0)
    # Every layer but the top one has an inner part accepted at once; the top one always tests.
    assert np.all((ratio[:-1] > 0) & (ratio[:-1] < 1)) and ratio[-1] == 0.0

    def f(t):
        return np.exp(-0.5 * t * t)

    # Layers 1..254: rectangles of width x[i] between heights f(x[i]) and f(x[i+1]).
    areas = x[1:255] * (f(x[2:256]) - f(x[1:255]))
    np.testing.assert_allclose(areas, v, rtol=0, atol=TABLE_TOL)
    # Top layer closes at height 1.
    assert abs(x[255] * (1.0 - f(x[255])) - v) < TABLE_TOL
    # Base layer: the strip [0, r] x [0, f(r)] plus the tail integral, by quadrature.
    tail, _ = integrate.quad(f, r, np.inf, epsabs=1e-15)
    assert abs(r * f(r) + tail - v) < TABLE_TOL
    assert abs(x[0] * f(r) - v) < TABLE_TOL
    np.testing.assert_allclose(ratio, x[1:] / x[:-1], rtol=0, atol=0)


# ---- distributions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_standard_normal_moments_and_ks(seed):
    z = rng.Stream(2718, seed).standard_normal(N_DRAWS)
    for k in (1, 2, 3, 4):
        assert abs(_zscore(z**k, _normal_raw_moment(k))) < Z_MAX, k
    # skewness and excess kurtosis against their asymptotic standard errors sqrt(6/n), sqrt(24/n)
    assert abs(stats.skew(z)) < Z_MAX * math.sqrt(6.0 / N_DRAWS)
    assert abs(stats.kurtosis(z)) < Z_MAX * math.sqrt(24.0 / N_DRAWS)
    assert stats.kstest(z, stats.norm.cdf).pvalue > KS_MIN_P


def test_normal_layer_frequencies_chi_square():
    """Counts between the ziggurat's own layer edges +-x[i]: a wrong layer shows up as one bad bin."""
    x, _ = rng._ziggurat_tables()
    edges = np.concatenate([[-np.inf], -x[1:256], [0.0], x[255:0:-1], [np.inf]])
    z = rng.Stream(31415, 0).standard_normal(4 * N_DRAWS)
    counts, _ = np.histogram(z, bins=edges)
    expected = z.size * np.diff(stats.norm.cdf(edges))
    assert stats.chisquare(counts, expected).pvalue > KS_MIN_P


def test_normal_tail_beyond_ziggurat_r():
    r = rng.ZIGGURAT_R
    assert r == 3.6541528853610088
    z = rng.Stream(1618, 9).standard_normal(N_TAIL_DRAWS)
    tail = np.abs(z[np.abs(z) > r])
    p = 2.0 * stats.norm.sf(r)
    expected = p * z.size
    assert abs(tail.size - expected) < Z_MAX * math.sqrt(expected * (1.0 - p))
    # Conditional law of |z| given |z| > r: the normal truncated to (r, inf).
    assert stats.kstest(tail, stats.truncnorm(r, np.inf).cdf).pvalue > KS_MIN_P
    # Both signs occur in the tail with probability 1/2 each.
    n_pos = np.count_nonzero(z > r)
    assert abs(n_pos - tail.size / 2) < Z_MAX * math.sqrt(tail.size) / 2


@pytest.mark.parametrize("df", DF_VALUES)
@pytest.mark.parametrize("seed", SEEDS[:2])
def test_student_t_moments_and_ks(df, seed):
    t = rng.Stream(4242, seed).standard_t(df, N_DRAWS)
    assert np.all(np.isfinite(t))
    for k in (1, 2, 3, 4):
        if 2 * k < df:  # the sample moment has a finite standard error
            assert abs(_zscore(t**k, _t_raw_moment(k, df))) < Z_MAX, k
    dist = stats.norm if math.isinf(df) else stats.t(df)
    assert stats.kstest(t, dist.cdf).pvalue > KS_MIN_P
    # Median 0 for every df (the mean does not exist for df <= 1): sign count is Binomial(n, 1/2).
    assert abs(np.count_nonzero(t > 0) - N_DRAWS / 2) < Z_MAX * math.sqrt(N_DRAWS) / 2


@jit(cache=False)
def _fill_gamma(state, shape, out):
    s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    for i in range(out.size):
        out[i], s0, s1, s2, s3 = rng.next_gamma(shape, s0, s1, s2, s3)
    state[0], state[1], state[2], state[3] = s0, s1, s2, s3


@pytest.mark.parametrize("shape", [0.25, 0.75, 1.0, 2.5, 12.0])
def test_gamma_sampler(shape):
    """Gamma(k, 1) underlies the t sampler; k < 1 exercises the boost Gamma(k+1) U^(1/k)."""
    state = rng.seed_states(555, 0, 1)[0].copy()
    g = np.empty(N_DRAWS // 4)
    _fill_gamma(state, shape, g)
    assert np.all(g >= 0.0)
    assert abs(_zscore(g, shape)) < Z_MAX
    assert abs(_zscore(g * g, shape * (shape + 1.0))) < Z_MAX
    assert stats.kstest(g, stats.gamma(shape).cdf).pvalue > KS_MIN_P


@pytest.mark.parametrize("seed", SEEDS)
def test_uniform_moments_and_ks(seed):
    u = rng.Stream(8080, seed).random(N_DRAWS)
    for k in (1, 2, 3, 4):
        assert abs(_zscore(u**k, 1.0 / (k + 1))) < Z_MAX, k
    assert stats.kstest(u, stats.uniform.cdf).pvalue > KS_MIN_P
    w = rng.Stream(8080, seed).uniform(-3.0, 5.0, N_DRAWS)
    np.testing.assert_allclose(w, -3.0 + 8.0 * u, rtol=0, atol=1e-15 * 8)
    assert np.all((w >= -3.0) & (w < 5.0))
    assert stats.kstest(w, stats.uniform(-3.0, 8.0).cdf).pvalue > KS_MIN_P
