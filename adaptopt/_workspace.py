"""A seed's working memory in the kernels: one zeroed block with fixed gaps between its vectors.

Why not one ``np.empty(d)`` per vector: a loop that writes one array and reduces over another
(the objective's gradient and its squared norm, returned together) is vectorised by LLVM behind
a run-time check that the written array does not start less than VF x interleave elements (up
to 32 doubles on this machine) after one it reads; when the check fails, the scalar loop runs,
and with ``reassoc`` its sum is associated differently (a 1-ulp difference). With separately
allocated arrays the outcome depended on where ``malloc`` happened to put them, so the same
seed could differ in the last bit between two processes (found by the sweep tests, which
compare a sweep's shards with one engine call bit for bit).

In a workspace the distance between a seed's vectors is fixed by d, and any array outside it
that the loops read (objective, noise and hyper-parameter vectors, all allocated before it)
ends at least :data:`WORK_GAP` doubles before the first vector, so the check gives the same
answer in every process and every run.
"""

import numpy as np

from adaptopt._jit import jit

#: Doubles of free space before the first vector and between two vectors (1 KiB; larger than
#: any vector width x interleave count of x86-64 or AArch64 code).
WORK_GAP = 128


@jit(inline="never")
def workspace(d, n_vectors, n_state):
    """Zeroed memory for ``n_vectors`` vectors of length d, each preceded by WORK_GAP doubles,
    followed by an (n_state, d) block of algorithm state."""
    return np.zeros(WORK_GAP + n_vectors * (d + WORK_GAP) + n_state * d)


@jit
def workspace_vector(work, d, k):
    """Vector k (0-based) of a workspace."""
    start = WORK_GAP + k * (d + WORK_GAP)
    return work[start:start + d]


@jit
def workspace_state(work, d, n_vectors, n_state):
    """The (n_state, d) state block that follows a workspace's ``n_vectors`` vectors."""
    start = WORK_GAP + n_vectors * (d + WORK_GAP)
    return work[start:start + n_state * d].reshape((n_state, d))
