"""Assembly of fused kernels from plug-in functions.

One Monte-Carlo kernel exists per (algorithm, objective, noise) triple and one replay kernel
per algorithm. Each is the text of :data:`RUN_TEMPLATE` or :data:`REPLAY_TEMPLATE` with its
plug-in functions bound by name, so Numba compiles one fused loop (the plug-ins are
``inline="always"``) in which hyper-parameters, problem constants and noise levels are runtime
arrays.

How a kernel is built
---------------------
If every bound function is importable by name (defined at the top level of a module other than
``__main__``), the kernel's source is written to a module file in the cache folder
(:func:`adaptopt.cache.kernels_dir`) and imported; Numba's on-disk cache then works for it as
for any module, and a new process loads the compiled kernel instead of compiling it. The file
name carries a hash of the source and of the files that define the bound functions, so editing
a plug-in yields a new kernel. Otherwise (functions defined in ``__main__``, a notebook or a
closure) the same source is executed in a namespace holding the functions, uncached.

Why code generation: passing jitted functions as arguments costs 40-55 ns per call at small
``d`` and blocks the on-disk cache, and Numba cannot cache closures
(shared/spec/performance_baseline.md §4).
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.util
import inspect
import os
import re
import sys
import tempfile
from pathlib import Path

from adaptopt import cache as _cache

#: Metrics recorded at every checkpoint, in storage order, with their definitions. ``t`` is the
#: checkpoint (number of completed steps); ``x_{t+1}`` is the iterate after ``t`` steps and
#: ``x_1`` the starting point.
METRICS = (
    ("f_gap", "f(x_{t+1}) − f*"),
    ("grad_norm2", "||∇f(x_{t+1})||²"),
    ("grad_norm1", "||∇f(x_{t+1})||₁"),
    ("avg_grad_norm2", "(1/t) Σ_{s≤t} ||∇f(x_s)||²  (uniform average = E||∇f(x_k)||², k uniform)"),
    ("avg_grad_norm1", "(1/t) Σ_{s≤t} ||∇f(x_s)||₁  (only with run(..., track_l1=True), else NaN)"),
    ("weighted_avg_grad_norm2", "Σ_{s≤t} η_s ||∇f(x_s)||² / Σ_{s≤t} η_s  (step-size-weighted average)"),
    ("min_grad_norm2", "min_{s≤t} ||∇f(x_s)||²"),
    ("step_size", "η_t, the effective step size of round t"),
    ("oracle_calls", "stochastic-gradient evaluations after t steps"),
)
METRIC_NAMES = tuple(name for name, _ in METRICS)

RUN_TEMPLATE = '''
@_kernel_decorator
def run_kernel(x0, obj_params, f_star, noise_params, hyper, sched_kind, sched_params, horizon,
               checkpoints, states, div_threshold2, stop_threshold2, stop_patience, n_vec, n_scal, metrics, final_x,
               diverged_at, converged_at, snapshots):
    """A block of seeds, each T steps of one algorithm on one objective with one noise model.

    Each seed owns its stream ``states[s]``, its output slab ``metrics[s]``, its row of
    ``final_x``, ``diverged_at[s]`` and ``snapshots[s]`` (the iterates at the checkpoints, when
    ``snapshots`` has a checkpoint axis; an empty one records nothing). A seed whose gradient norm
    stays at or below the stop threshold for ``stop_patience`` consecutive steps stops there
    (``converged_at[s]``, the number of completed steps; -1 if never; a negative threshold never stops). The kernel releases the GIL; :func:`adaptopt.engine.run`
    runs blocks of seeds on parallel threads, and since no seed reads another's data the
    results do not depend on the thread count or the split.
    """
    for s in range(x0.shape[0]):
        diverged_at[s] = _run_seed(x0[s], obj_params, f_star, noise_params, hyper, sched_kind, sched_params,
                                   horizon, checkpoints, states[s], div_threshold2, stop_threshold2, stop_patience,
                                   n_vec, n_scal, metrics[s], final_x[s], converged_at[s:s + 1], snapshots[s])


@_helper_decorator(inline="never")
def _run_seed(x0, obj_params, f_star, noise_params, hyper, sched_kind, sched_params, horizon, checkpoints,
              seed_state, div_threshold2, stop_threshold2, stop_patience, n_vec, n_scal, out, final_x, converged,
              snap):
    """One seed: T steps from x0, metrics into out (n_checkpoints, n_metrics), last iterate into final_x.

    Returns the step after which the seed diverged, -1 if it did not, or -2 if the objective's
    gradient function does not return ||grad||^2 at x0 (its plug-in contract).
    """
    d = x0.size
    n_ckpt = checkpoints.size
    work = workspace(d, 4, n_vec)
    x = workspace_vector(work, d, 0)
    grad = workspace_vector(work, d, 1)
    g = workspace_vector(work, d, 2)
    g2 = workspace_vector(work, d, 3) if SAMPLES_PER_STEP == 2 else g
    vec = workspace_state(work, d, 4, n_vec)
    for i in range(d):
        x[i] = x0[i]
    scal = np.zeros(n_scal)
    state = seed_state.copy()
    algo_init(x, hyper, vec, scal)
    sum_sq = 0.0
    sum_l1 = 0.0 if TRACK_L1 else np.nan
    sum_weighted = 0.0
    sum_eta = 0.0
    min_sq = np.inf
    eta_eff = np.nan
    calls = 0.0
    diverged = -1
    converged[0] = -1
    below = 0
    returned = obj_grad(x, obj_params, grad)
    norm2 = 0.0
    for i in range(d):
        norm2 += grad[i] * grad[i]
    if abs(returned - norm2) > 1e-9 * norm2 + 1e-300:
        for i in range(d):
            final_x[i] = x[i]
        return -2
    k = 0
    while k < n_ckpt and checkpoints[k] == 0:
        # np.int64(0), not 0: a literal would compile a second specialisation of _record.
        _record(out[k], x, grad, obj_params, f_star, np.int64(0), sum_sq, sum_l1, sum_weighted, sum_eta, min_sq,
                eta_eff, calls, scal)
        if snap.shape[0] > 0:
            _copy_row(snap, k, x)
        k += 1
    for t in range(1, horizon + 2):
        gn2 = obj_grad(x, obj_params, grad)
        if not gn2 <= div_threshold2:
            diverged = t - 1
            break
        if gn2 <= stop_threshold2:
            below += 1
            if below >= stop_patience:
                converged[0] = t - 1
                break
        else:
            below = 0
        if t > horizon:
            break
        eta = schedule_value(sched_kind, sched_params, t, horizon)
        noise_sample(grad, x, gn2, noise_params, state, g)
        if SAMPLES_PER_STEP == 2:
            noise_sample(grad, x, gn2, noise_params, state, g2)
        eta_eff = algo_step(t, eta, x, g, g2, hyper, vec, scal)
        calls += SAMPLES_PER_STEP
        sum_sq += gn2
        if TRACK_L1:
            for i in range(d):
                sum_l1 += abs(grad[i])
        sum_weighted += eta_eff * gn2
        sum_eta += eta_eff
        if gn2 < min_sq:
            min_sq = gn2
        if k < n_ckpt and checkpoints[k] == t:
            _record(out[k], x, grad, obj_params, f_star, t, sum_sq, sum_l1, sum_weighted, sum_eta, min_sq, eta_eff,
                    calls, scal)
            if snap.shape[0] > 0:
                _copy_row(snap, k, x)
            k += 1
    stopped = diverged if diverged >= 0 else converged[0]
    if stopped >= 0:
        for j in range(n_ckpt):
            if checkpoints[j] >= stopped:
                _fill_row(out, j, np.nan)
                if snap.shape[0] > 0:
                    _fill_row(snap, j, np.nan)
    for i in range(d):
        final_x[i] = x[i]
    return diverged



@_helper_decorator
def _copy_row(target, k, x):
    """target[k, :] = x, as a loop: the slice assignment's shape check formats its error message
    with Numba's string machinery, which costs about 3 s of compile time per kernel."""
    for i in range(x.size):
        target[k, i] = x[i]


@_helper_decorator
def _fill_row(target, k, value):
    """target[k, :] = value, as a loop (see _copy_row)."""
    for i in range(target.shape[1]):
        target[k, i] = value


@_helper_decorator(inline="never")
def _record(row, x, grad, obj_params, f_star, t, sum_sq, sum_l1, sum_weighted, sum_eta, min_sq, eta_eff, calls,
            scal):
    """Write the metrics of checkpoint t (see adaptopt.kernels.METRICS) into row, followed by the
    algorithm's scalar state when the row has room for it (algorithms with state_names)."""
    row[0] = obj_value(x, obj_params) - f_star
    row[1] = obj_grad(x, obj_params, grad)
    l1 = 0.0
    for i in range(x.size):
        l1 += abs(grad[i])
    row[2] = l1
    row[3] = sum_sq / t if t > 0 else np.nan
    row[4] = sum_l1 / t if t > 0 else np.nan
    row[5] = sum_weighted / sum_eta if t > 0 else np.nan
    row[6] = min_sq if t > 0 else np.nan
    row[7] = eta_eff
    row[8] = calls
    for j in range(row.size - 9):
        row[9 + j] = scal[j]
'''

REPLAY_TEMPLATE = '''
@_kernel_decorator
def replay_kernel(x0, grads, grads2, hyper, sched_kind, sched_params, horizon, n_vec, n_scal, iterates,
                  step_sizes):
    """The algorithm's update on a given gradient sequence: iterates[t] is x after t steps."""
    d = x0.size
    work = workspace(d, 1, n_vec)
    x = workspace_vector(work, d, 0)
    vec = workspace_state(work, d, 1, n_vec)
    for i in range(d):
        x[i] = x0[i]
    scal = np.zeros(n_scal)
    algo_init(x, hyper, vec, scal)
    for i in range(d):
        iterates[0, i] = x[i]
    for t in range(1, horizon + 1):
        eta = schedule_value(sched_kind, sched_params, t, horizon)
        step_sizes[t - 1] = algo_step(t, eta, x, grads[t - 1], grads2[t - 1], hyper, vec, scal)
        for i in range(d):
            iterates[t, i] = x[i]
'''

_COMMON_IMPORTS = {
    "np": ("numpy", None),
    "schedule_value": ("adaptopt.schedules", "schedule_value"),
    "workspace": ("adaptopt._workspace", "workspace"),
    "workspace_vector": ("adaptopt._workspace", "workspace_vector"),
    "workspace_state": ("adaptopt._workspace", "workspace_state"),
}

_memo: dict = {}


def _location(func):
    """``(module, qualname)`` if ``func`` (a Numba dispatcher) is importable by name, else None."""
    py = getattr(func, "py_func", func)
    module, qualname = getattr(py, "__module__", None), getattr(py, "__qualname__", "")
    if not module or module == "__main__" or "<locals>" in qualname or "." in qualname:
        return None
    try:
        found = getattr(importlib.import_module(module), qualname)
    except (ImportError, AttributeError):
        return None
    return (module, qualname) if found is func else None


def _source_files_digest(modules) -> str:
    digest = hashlib.sha256()
    for name in sorted(set(modules)):
        path = inspect.getsourcefile(sys.modules[name])
        digest.update(name.encode())
        if path and os.path.exists(path):
            digest.update(Path(path).read_bytes())
    return digest.hexdigest()


def _slug(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_")[:40] or "x"


def build(kind: str, bindings: dict, constants: dict, label: str):
    """The kernel ``kind`` ("run" or "replay") with ``bindings`` (name -> jitted function).

    ``constants`` are module-level literals of the generated source (compile-time constants of
    the kernel, e.g. ``SAMPLES_PER_STEP``). Kernels are memoised per process.
    """
    template, name = (RUN_TEMPLATE, "run_kernel") if kind == "run" else (REPLAY_TEMPLATE, "replay_kernel")
    key = (kind, tuple(sorted((k, id(v)) for k, v in bindings.items())), tuple(sorted(constants.items())))
    if key in _memo:
        return _memo[key]
    locations = {alias: _location(func) for alias, func in bindings.items()}
    const_lines = [f"{k} = {v!r}" for k, v in sorted(constants.items())]
    if all(locations.values()):
        imports = [f"from {m} import {q} as {alias}" for alias, (m, q) in sorted(locations.items())]
        source = "\n".join([
            f'"""Generated by adaptopt.kernels: {label}. Do not edit; `adaptopt cache clear` removes it."""',
            *(f"from {m} import {n} as {a}" if n else f"import {m} as {a}" for a, (m, n) in _COMMON_IMPORTS.items()),
            "from adaptopt._jit import kernel as _kernel_decorator, jit as _helper_decorator",
            *imports, *const_lines, template,
        ])
        digest = hashlib.sha256(source.encode())
        digest.update(_source_files_digest(m for m, _ in locations.values()).encode())
        stem = f"{kind}_{_slug(label)}_{digest.hexdigest()[:12]}"
        module = _import_generated(stem, source)
        func = getattr(module, name)
    else:
        from adaptopt import _jit
        namespace = {a: (importlib.import_module(m) if n is None else getattr(importlib.import_module(m), n))
                     for a, (m, n) in _COMMON_IMPORTS.items()}
        namespace.update(bindings)
        namespace.update(constants)
        namespace["_kernel_decorator"] = _jit.kernel(cache=False)
        namespace["_helper_decorator"] = functools.partial(_jit.jit, cache=False)
        exec(compile(template, f"<adaptopt {kind} kernel: {label}>", "exec"), namespace)
        func = namespace[name]
    _memo[key] = func
    return func


def _import_generated(stem: str, source: str):
    """Write ``source`` to ``<kernels_dir>/<stem>.py`` once (atomically) and import it."""
    folder = _cache.kernels_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}.py"
    if not path.exists():
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w") as handle:
            handle.write(source)
        os.replace(tmp, path)
    module_name = f"adaptopt_generated_{stem}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module
