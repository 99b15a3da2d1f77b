"""Every Numba option of the project, in one place.

No module of adaptopt, synthetic or proofs_check calls ``numba.njit`` directly: they use the
decorators below, so that the flag set is defined once (a test greps the tree for bare
``@njit``/``numba.jit``).

Choices
-------
``cache=True``
    Compiled kernels are written to an on-disk cache. Its folder is chosen here, before any
    decorated function exists, so that ``numba.config.CACHE_DIR`` applies to all of them; see
    :mod:`adaptopt.cache` for its location and for ``adaptopt cache clear``.
``error_model="numpy"``
    Division by zero yields inf/nan instead of raising; the Python error model also inserts a
    zero check before every division, which blocks SIMD (performance_baseline.md, W2).
``fastmath=SAFE_FASTMATH``
    Contraction to FMA, reassociation of reductions, approximate functions, but *not* ``nnan``
    or ``ninf``: divergence detection tests for NaN and inf, which the full ``fastmath=True``
    would let the compiler remove.
``boundscheck=False``
    Kernels trust their inputs; the public Python layer validates them.
"""

from __future__ import annotations

import numba

from adaptopt import cache as _cache

#: LLVM fast-math flags without ``nnan``/``ninf`` (NaN and inf must stay observable).
SAFE_FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}

_cache.configure_numba_cache()

_COMMON = dict(cache=True, error_model="numpy", boundscheck=False)


def jit(func=None, **overrides):
    """Compile a helper function with the project's options (inlined at the LLVM level).

    Helpers (objective values, gradients, noise transforms, optimizer steps, samplers) are
    compiled with ``inline="always"`` so that a kernel assembled from them is one fused loop
    (the Numba-IR inliner removes the 40-55 ns per call of separate functions at small d).
    They remain callable from plain Python.

    Expensive plug-ins should pass ``inline="never"``: inlining a value or gradient that costs more
    than about 10 µs per call (a network's forward and backward pass) saves nothing and multiplies
    the kernel's compile time (measured: 40 s instead of 9 s for the depth-32 network).
    """
    options = dict(_COMMON, fastmath=set(SAFE_FASTMATH), inline="always")
    options.update(overrides)
    if func is None:
        return numba.njit(**options)
    return numba.njit(**options)(func)


def kernel(func=None, *, cache=True):
    """Compile a top-level kernel; it releases the GIL so that threads can run seed blocks.

    Kernels are sequential: parallelism over seeds comes from threads, one block of seeds each
    (:func:`adaptopt.engine.run`). Numba's ``parallel=True`` would cost 2.2 s more compile time
    per kernel on this machine kind (measured: 4.1 s against 1.9 s) for no gain on a loop of
    independent seeds. ``cache=False`` is for kernels built around functions that are not
    importable by name (defined in ``__main__`` or in another function), which Numba cannot cache.
    """
    options = dict(_COMMON, fastmath=set(SAFE_FASTMATH), nogil=True, cache=cache)
    if func is None:
        return numba.njit(**options)
    return numba.njit(**options)(func)

