"""Every tunable and every target of the benchmark suite, in one place.

Targets are those of shared/spec/performance_baseline.md §5 and issue 7. All of them are
*ratios measured in the same run* (levels drift 30-40 % between runs on the shared VM), except
the per-step cost at d = 1 and the compile budgets, which the spec states in ns and seconds.
"""

from __future__ import annotations

# --------------------------------------------------------------------------------------------
# Timing.

#: Target duration of one timed call, seconds (full run, --quick).
TARGET_CALL_S = 0.2
TARGET_CALL_S_QUICK = 0.04
#: Repetitions per cell (full run, --quick); the spec asks for the median of 5-7.
DEFAULT_REPS = 5
QUICK_REPS = 3
#: Calibration: start T, stop growing once the steps of a call last this fraction of the target.
CALIBRATION_START_T = 8
CALIBRATION_STOP_FRACTION = 0.25
#: Calls whose minimum estimates the fixed cost and the final rate during calibration.
CALIBRATION_CALLS = 3
#: Bounds on T: the fixed-cost probe, the shortest timed call, the longest.
MIN_T = 2
MIN_TIMED_T = 8
MAX_T = 50_000_000
#: T of the warm-up call (compiles or loads every kernel before anything is timed).
WARMUP_T = 4
#: Checkpoints: the engine's default count, and at most one checkpoint per this many steps.
STEPS_PER_CHECKPOINT = 25
#: Calls of an engine row with T = MIN_T timed to estimate adaptopt.run's fixed cost per call.
OVERHEAD_CALLS = 5
#: Root seed of every implementation.
ROOT_SEED = 12345
#: The seed count at which the "many seeds" targets are stated.
MANY_SEEDS = 64
#: torch.optim rows are timed up to this dimension (the torch target is stated at d <= 100),
#: except in workloads that ask for every d.
TORCH_MAX_D = 100

# --------------------------------------------------------------------------------------------
# Machine load.

#: Idle sampling of /proc/stat before the whole run and before every cell, seconds.
LOAD_SAMPLE_S = 1.0
LOAD_SAMPLE_S_QUICK = 0.5
CELL_IDLE_SAMPLE_S = 0.2
CELL_IDLE_SAMPLE_S_QUICK = 0.1
#: Other processes using more than this many cores before or during a cell mark it [busy].
BUSY_OTHERS_CORES = 0.25

# --------------------------------------------------------------------------------------------
# Targets (performance_baseline.md §5).

#: SGD + Gaussian noise on one core, d >= 100: engine / (drawing the Gaussians alone).
ENGINE_OVER_NOISE_MAX = 1.3
#: Adam-family kernel / SGD kernel, d >= 100, one core.
ADAM_OVER_SGD_MAX = 1.5
#: Speed-up over numpy vectorised over seeds (S = 64): d <= 10 and d >= 100.
NUMPY_SPEEDUP_SMALL_D_MIN = 8.0
NUMPY_SPEEDUP_LARGE_D_MIN = 5.0
#: Speed-up over torch.optim (S = 64, d <= 100).
TORCH_SPEEDUP_MIN = 20.0
#: SGD at d = 1, S = 64, default threads: ns per (seed x step).
D1_NS_PER_SEED_STEP_MAX = 15.0
#: Default threads over one thread, S = 64 (soft: needs two idle cores).
THREAD_SPEEDUP_MIN = 1.6
#: Small and large dimensions of the targets.
SMALL_D_MAX = 10
LARGE_D_MIN = 100

# --------------------------------------------------------------------------------------------
# Compile budget.

COMPILE_COLD_MAX_S = 3.0
COMPILE_WARM_MAX_S = 0.6
#: Problem size of the compile-time probe (small: compilation dominates).
COMPILE_PROBE = dict(d=10, S=4, T=100)
#: adaptopt verify, default profile, end to end (a new process, figures included).
VERIFY_COLD_MAX_S = 180.0
VERIFY_WARM_MAX_S = 90.0
#: A child process that runs longer than this is stopped and reported as failed, seconds.
VERIFY_TIMEOUT_S = 1800.0
COMPILE_TIMEOUT_S = 300.0

# --------------------------------------------------------------------------------------------
# Scaling and memory.

#: Fitted log-log exponents of wall time within this distance of 1 pass (soft).
SCALING_EXPONENT_TOLERANCE = 0.15
#: Repetitions (interleaved) of every scaling point.
SCALING_REPS = 3
#: Peak-memory probe: S, d, checkpoint counts, and the two horizons (full, quick).
MEMORY_S = 64
MEMORY_D = 100
MEMORY_CHECKPOINTS = (40, 400)
MEMORY_T_SMALL = 10_000
MEMORY_T_LARGE = 1_000_000
MEMORY_T_LARGE_QUICK = 100_000
#: Two peaks "match" when they differ by at most this many KiB or this fraction.
MEMORY_MATCH_KIB = 2048
MEMORY_MATCH_FRACTION = 0.10
MEMORY_TIMEOUT_S = 600.0

# --------------------------------------------------------------------------------------------
# ETA model (seconds): calibration costs about this many target calls per row and cell, a row's
# warm-up about this long with a warm kernel cache, and compiling a kernel about this long.

ETA_CALIBRATION_CALLS = 2.0
ETA_WARMUP_S = 0.4
ETA_COLD_KERNEL_S = 4.0
ETA_COMPILE_CHILD_S = 9.0
ETA_VERIFY_S = 300.0
