"""Sweeps: the TOML format and its validation, the resumable shard store, the executors (local
processes, Dask), bit-identity with one engine call, SIGKILL recovery, merge and figures."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

import adaptopt
from adaptopt.cli import main
from adaptopt.result import Result
from adaptopt.sweep import (
    SweepConfigError,
    load_sweep,
    open_merged,
    parse_sweep,
    plan_tasks,
    run_sweep,
)
from adaptopt.sweep.store import Store, read_shard
from figures import sweep as sweep_figures

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "sweep_example.toml"
#: Seconds a test waits for shards to appear before it gives up.
WAIT_S = 120


# ----------------------------------------------------------------------------------------------
# The file format.

BASE = """
[sweep]
T = 100
seeds = 4
seed_block = 2

[[algorithms]]
name = "sgd"
schedule = { kind = "constant", eta0 = 0.1 }

[[algorithms]]
name = "adam"
hyper = { lr = 0.01, beta1 = 0.9 }
schedule = { kind = "constant", eta0 = 1.0 }

[[objectives]]
name = "pl_sine"
options = { dim = 3 }

[[noise]]
name = "gaussian"
levels = [0.1, 1.0]
"""


def _parse(text, name="experiment.toml"):
    return parse_sweep(textwrap.dedent(text), Path(name), name)


def test_grids_expand_to_the_cartesian_product():
    sweep = _parse(BASE.replace('hyper = { lr = 0.01, beta1 = 0.9 }',
                                'hyper = { lr = { log = [1e-4, 1e-1, 4] }, beta1 = { lin = [0.0, 0.9, 4] }, '
                                'eps = { value = 1e-8 } }'))
    adam = [c for c in sweep.configs if c.algorithm == "adam"]
    assert sorted({c.hyper["lr"] for c in adam}) == [1e-4, 1e-3, 1e-2, 1e-1]  # exact, not 0.0010000000000000002
    assert sorted({c.hyper["beta1"] for c in adam}) == [0.0, 0.3, 0.6, 0.9]
    assert len(adam) == 4 * 4 * 2 and len(sweep.configs) == 2 + 32  # x 2 noise levels
    assert {c.coords["level"] for c in sweep.configs} == {0.1, 1.0}
    assert sweep.seed_blocks() == [(0, 2), (2, 2)]
    assert len(plan_tasks(sweep)) == 2 * len(sweep.configs)
    # a list-valued option needs {value = [...]}; repeated configurations are kept once
    quad = _parse(BASE.replace('name = "pl_sine"\noptions = { dim = 3 }',
                               'name = "quadratic"\noptions = { eigenvalues = { value = [1.0, 10.0, 100.0] } }')
                  .replace("levels = [0.1, 1.0]", "levels = [0.1, 0.1]"))
    assert quad.n_duplicates == 2 and len(quad.configs) == 2
    assert quad.configs[0].canonical["objective"]["dim"] == 3


@pytest.mark.parametrize("old, new, message", [
    ("beta1 = 0.9", "beta1 = 1.5", "experiment.toml: algorithms[1].hyper.beta1 = 1.5: must lie in [0, 1)"),
    ("beta1 = 0.9", "beta1 = [0.9, 1.5]", "experiment.toml: algorithms[1].hyper.beta1[1] = 1.5: must lie in [0, 1)"),
    ("lr = 0.01", "lr = { log = [0.0, 1.0, 3] }",
     "experiment.toml: algorithms[1].hyper.lr.log = [0.0, 1.0, 3]: a log grid needs start > 0 and stop > 0"),
    ("lr = 0.01", "lr = { geom = [1, 2] }", "algorithms[1].hyper.lr = {geom = [1, 2]}: a table here must be a grid"),
    ("lr = 0.01", "rho = 0.5", "algorithms[1].hyper.rho: unknown hyper-parameter of 'adam'; allowed: lr in (0, inf)"),
    ('name = "adam"', 'name = "adamx"', 'algorithms[1].name = "adamx": unknown algorithm; allowed: '),
    ('schedule = { kind = "constant", eta0 = 0.1 }', "",
     "experiment.toml: algorithms[0]: algorithm 'sgd' needs a step-size schedule"),
    ('eta0 = 0.1 }', 'eta0 = -0.1 }', "algorithms[0].schedule.eta0 = -0.1: must lie in (0, inf)"),
    ('kind = "constant", eta0 = 0.1', 'kind = "exponential", eta0 = 0.1, beta = 500',
     "algorithms[0].schedule = {kind = \"exponential\", eta0 = 0.1, beta = 500.0}: exponential schedule needs beta < T"),
    ('kind = "constant", eta0 = 0.1', 'kind = "step", eta0 = 0.1', 'algorithms[0].schedule.kind = "step": allowed: '),
    ("dim = 3", "dim = 0", "experiment.toml: objectives[0].options.dim = 0: must be an integer >= 1"),
    ("dim = 3", "dims = 3", "objectives[0].options.dims: unknown option of objective 'pl_sine'; allowed: dim,"),
    ("levels = [0.1, 1.0]", "levels = [0.1, -1.0]", "experiment.toml: noise[0].levels[1] = -1.0: must lie in [0, inf)"),
    ('name = "gaussian"\nlevels = [0.1, 1.0]', 'name = "affine"\nlevels = [0.1, 1.0]',
     "noise[0].levels: noise model 'affine' has no sigma option: name the level option"),
    ('name = "gaussian"\nlevels = [0.1, 1.0]', 'name = "scaled"\noptions = { scales = { value = [1.0, 2.0] } }',
     "noise[0]: noise model scaled(scales=[1, 2]) is built for dimension 2, but objectives[0]"),
    ("T = 100", "T = 0", "experiment.toml: sweep.T = 0: must be an integer >= 1"),
    ("seeds = 4", "", "experiment.toml: sweep.seeds: missing: an integer >= 1"),
    ("seed_block = 2", "seed_block = 2\ncheckpoints = [0, 50, 200]", "sweep.checkpoints = [0, 50, 200]: must lie in"),
    ("[sweep]", "[sweeps]\n[sweep]", "experiment.toml: sweeps: unknown table; allowed: sweep, algorithms,"),
    ("T = 100", "T = = 100", "experiment.toml: invalid TOML: "),
])
def test_errors_name_the_file_the_key_the_value_and_what_is_allowed(old, new, message):
    assert old in BASE
    with pytest.raises(SweepConfigError) as info:
        _parse(BASE.replace(old, new, 1))
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_cli_reports_a_bad_file_in_one_line_with_status_2(tmp_path, capsys):
    bad = tmp_path / "experiment.toml"
    bad.write_text(BASE.replace("beta1 = 0.9", "beta1 = 1.5"))
    assert main(["sweep", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"adaptopt: error: {bad}: algorithms[1].hyper.beta1 = 1.5: must lie in [0, 1)"]
    for args in (["--jobs", "0"], ["--jobs", "2", "--dask-local", "2"], ["--scheduler", "localhost"]):
        assert main(["sweep", str(EXAMPLE), *args]) == 2
        assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert not (tmp_path / "experiment.sweep").exists()  # nothing ran


# ----------------------------------------------------------------------------------------------
# Running the example: local processes, Dask, one engine call.


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    """The README's example, run with the local executor (2 worker processes)."""
    store = tmp_path_factory.mktemp("local") / "store"
    spec = load_sweep(EXAMPLE)
    summary = run_sweep(spec, store, jobs=2)
    return spec, store, summary, open_merged(store)


def _assert_same_data(a, b):
    assert set(a.variables) == set(b.variables)
    for name in a.variables:
        np.testing.assert_array_equal(a[name].values, b[name].values, err_msg=name)


def test_example_runs_and_equals_one_engine_call_over_all_seeds(example):
    spec, store, summary, merged = example
    assert summary.ok and summary.run == 90 and summary.skipped == 0 and summary.n_configs == 45
    assert summary.steps == 32 * 45 * 2000 and summary.steps_per_second > 0
    assert merged["f_gap"].dims == ("config", "seed", "step") and merged["f_gap"].shape == (45, 32, 19)
    for k, config in enumerate(spec.configs):
        res = adaptopt.run(config.algorithm, _objective(config), _noise(config), T=spec.T, n_seeds=spec.seeds,
                           hyper=config.hyper, schedule=config.schedule, seed=spec.root_seed,
                           checkpoints=20)  # as in the file
        assert np.array_equal(res.checkpoints, merged["step"].values)
        for name in res.metric_names:
            np.testing.assert_array_equal(merged[name].values[k], res.data[name].values, err_msg=f"{k} {name}")
        np.testing.assert_array_equal(merged["diverged_at"].values[k], res.diverged_at)
        np.testing.assert_array_equal(merged["final_x"].values[k], res.final_x)
        assert merged["config_id"].values[k] == config.config_id
    adam = merged.isel(config=np.flatnonzero(merged["algorithm"].values == "adam"))
    assert sorted(set(adam["hyper_lr"].values)) == [1e-3, 1e-2, 1e-1]
    assert np.all(np.isnan(merged["hyper_lr"].values[merged["algorithm"].values == "sgd"]))
    manifest = json.loads((store / "manifest.json").read_text())
    assert len(manifest["tasks"]) == 90 and manifest["plan_hash"] == merged.attrs["plan_hash"]


def _objective(config):
    from synthetic import make_any_objective
    return make_any_objective(config.objective, **config.objective_options)


def _noise(config):
    from synthetic import make_noise
    return make_noise(config.noise, **config.noise_options)


def _adam_only(tmp_path) -> Path:
    """The example without its SGD entry and at one noise level: 6 of its 45 configurations
    (12 tasks), with the same settings, hence the same config ids and shard names."""
    text = EXAMPLE.read_text()
    start = text.index('[[algorithms]]\nname = "sgd"')
    end = text.index("[[algorithms]]", start + 1)
    levels = "levels = { log = [0.01, 1.0, 3] }"
    assert levels in text
    path = tmp_path / "adam_only.toml"
    path.write_text((text[:start] + text[end:]).replace(levels, "levels = [0.1]"))
    return path


def _assert_rows_equal(part, whole):
    """Every variable of ``part`` equals the rows of ``whole`` with the same config ids."""
    rows = [int(np.flatnonzero(whole["config_id"].values == cid)[0]) for cid in part["config_id"].values]
    subset = whole.isel(config=rows).assign_coords(config=part["config"].values)
    for name in part.variables:
        np.testing.assert_array_equal(part[name].values, subset[name].values, err_msg=name)


def _ancestors(pid: int) -> set:
    """Process ids above ``pid`` (Linux /proc)."""
    out = set()
    while pid > 1:
        pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        out.add(pid)
    return out


def _kill_a_worker_when_shards_appear(store: Path, minimum: int, box: dict) -> None:
    """SIGKILL the worker process that wrote the first shard (read from the shard), once ``minimum``
    shards exist; record the pid and the shard count at the kill in ``box``."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        shards = sorted((store / "shards").glob("*/*.nc"))
        if len(shards) >= minimum:
            with h5py.File(shards[0], "r") as handle:
                pid = int(str(handle.attrs["sweep_worker"]).rsplit(":", 1)[1])
            assert pid != os.getpid() and os.getpid() in _ancestors(pid), "the worker is not a process of this test"
            os.kill(pid, signal.SIGKILL)
            box.update(pid=pid, shards_at_kill=len(shards))
            return
        time.sleep(0.005)


def _sweep_with_a_killed_worker(path, store, n_tasks, **executor):
    box = {}
    watcher = threading.Thread(target=_kill_a_worker_when_shards_appear, args=(store, 2, box), daemon=True)
    watcher.start()
    summary = run_sweep(load_sweep(path), store, **executor)
    watcher.join()
    assert "pid" in box and box["shards_at_kill"] < n_tasks, "the worker was not killed mid-run"
    return summary


def test_dask_local_cluster_with_a_killed_worker_gives_identical_results(example, tmp_path):
    """A real LocalCluster (2 worker processes on loopback); one worker is SIGKILLed mid-run,
    Dask restarts it and reschedules its tasks; the merged dataset equals the local executor's."""
    path, store = _adam_only(tmp_path), tmp_path / "dask"
    summary = _sweep_with_a_killed_worker(path, store, 12, dask_local=2)
    assert summary.ok and summary.run == 12 and summary.executor.startswith("Dask LocalCluster (2 worker")
    _assert_rows_equal(open_merged(store), example[3])


def test_cli_on_a_running_dask_scheduler(example, tmp_path, capsys):
    """`--scheduler ADDRESS`: the workers return their results and this process writes the store."""
    from distributed import LocalCluster
    path, store = _adam_only(tmp_path), tmp_path / "remote"
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None,
                      silence_logs=40) as cluster:
        code = main(["sweep", str(path), "--store", str(store), "--scheduler", cluster.scheduler_address])
    out = capsys.readouterr().out
    assert code == 0 and f"Dask scheduler {cluster.scheduler_address}" in out and "12 run, 0 skipped" in out
    _assert_rows_equal(open_merged(store), example[3])


def test_local_worker_killed_mid_run_then_rerun(example, tmp_path):
    path, store = _adam_only(tmp_path), tmp_path / "local"
    summary = _sweep_with_a_killed_worker(path, store, 12, jobs=2)
    assert summary.ok and summary.run == 12 and any("worker process died" in e for e in summary.events)
    assert not list(store.rglob("*.tmp"))
    again = run_sweep(load_sweep(path), store, jobs=2)
    assert again.run == 0 and again.skipped == 12
    _assert_rows_equal(open_merged(store), example[3])


def _group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes of a process group (Linux /proc)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


def test_sweep_process_killed_then_resumed(example, tmp_path):
    """SIGKILL of the `adaptopt sweep` process after some shards exist: its worker processes exit by
    themselves; the re-run keeps every finished shard, recomputes the rest, and no file is lost,
    corrupted or left behind."""
    path, store = _adam_only(tmp_path), tmp_path / "killed"
    log = tmp_path / "stderr.txt"
    with open(log, "wb") as stderr:
        proc = subprocess.Popen([sys.executable, "-m", "adaptopt.cli", "sweep", str(path), "--store", str(store),
                                 "--jobs", "2"], stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True)
    try:
        deadline = time.monotonic() + WAIT_S
        while len(list((store / "shards").glob("*/*.nc"))) < 2 and proc.poll() is None:
            assert time.monotonic() < deadline, "no shards appeared"
            time.sleep(0.002)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL, log.read_text()
        deadline = time.monotonic() + 20
        while _group_members(proc.pid):
            assert time.monotonic() < deadline, "worker processes outlived the sweep process"
            time.sleep(0.05)
    finally:
        if _group_members(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
    kept = {p.name: p.read_bytes() for p in (store / "shards").glob("*/*.nc")}
    assert 2 <= len(kept) < 12 and not (store / "merged.nc").exists()
    summary = run_sweep(load_sweep(path), store, jobs=1)
    assert summary.skipped == len(kept) and summary.corrupt == 0 and summary.run == 12 - len(kept)
    assert all((store / "shards" / name[:2] / name).read_bytes() == data for name, data in kept.items())
    assert not list(store.rglob("*.tmp"))
    _assert_rows_equal(open_merged(store), example[3])


def test_corrupt_shard_is_reported_and_recomputed(example, tmp_path, capsys):
    _, source, _, merged = example
    store = tmp_path / "store"
    shutil.copytree(source, store)
    victim = sorted((store / "shards").glob("*/*.nc"))[7]
    size = victim.stat().st_size
    with open(victim, "r+b") as handle:
        handle.truncate(size // 2)
    assert main(["sweep", str(EXAMPLE), "--store", str(store), "--status"]) == 0
    out = capsys.readouterr().out
    assert "89 done, 0 pending, 1 corrupt; merged.nc: current" in out and victim.name in out.replace("\n", "")
    assert main(["sweep", str(EXAMPLE), "--store", str(store), "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    assert "corrupt shard" in out and "90 tasks (45 configs): 1 run, 89 skipped, 1 corrupt recomputed, 0 failed" in out
    assert re.search(r"steps/s", out)
    assert Result.load(victim).n_seeds == 16
    _assert_same_data(open_merged(store), merged)
    assert main(["sweep", str(EXAMPLE), "--store", str(store), "--status"]) == 0
    assert "90 done, 0 pending, 0 corrupt; merged.nc: current" in capsys.readouterr().out


def test_fast_shard_reader_equals_result_load(example):
    spec, store, _, _ = example
    task = plan_tasks(spec)[3]
    path = Store(store).shard_path(task.shard)
    fast, slow = read_shard(path), Result.load(path)
    for name, values in fast.metrics.items():
        np.testing.assert_array_equal(values, slow.data[name].values)
    assert set(fast.metrics) == set(slow.metric_names)
    np.testing.assert_array_equal(fast.final_x, slow.final_x)
    np.testing.assert_array_equal(fast.diverged_at, slow.diverged_at)
    np.testing.assert_array_equal(fast.steps, slow.checkpoints)
    assert fast.attrs["config"] == slow.data.attrs["config"] and fast.attrs["sweep_shard"] == task.shard


def test_merged_file_opens_with_plain_xarray(example):
    script = ("import json, sys, xarray\n"
              f"ds = xarray.open_dataset({str(example[1] / 'merged.nc')!r})\n"
              "print(json.dumps({'dims': dict(ds.sizes), 'algorithms': sorted(set(ds['algorithm'].values.tolist())),"
              " 'gap': float(ds['f_gap'].isel(step=-1).mean()), 'adaptopt': 'adaptopt' in sys.modules}))\n")
    out = json.loads(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout)
    merged = example[3]
    assert out == {"dims": {"config": 45, "seed": 32, "step": 19, "coord": 10}, "algorithms": ["adam", "sgd"],
                   "gap": float(merged["f_gap"].isel(step=-1).mean()), "adaptopt": False}


def test_per_node_cache_is_the_default_only_for_a_remote_scheduler():
    from adaptopt.sweep.runner import _executor
    remote = _executor(None, None, "tcp://10.0.0.5:8786", None, 10, print)
    assert remote.per_node_cache and not _executor(None, None, "tcp://10.0.0.5:8786", False, 10, print).per_node_cache
    assert not _executor(2, None, None, None, 10, print).per_node_cache
    assert _executor(2, None, None, True, 10, print).per_node_cache
    assert not _executor(None, 2, None, None, 10, print).per_node_cache


def test_per_node_cache_folder_names_the_host():
    script = ("import socket, numba\nfrom adaptopt.sweep.worker import setup_process\n"
              "info = setup_process(True)\nimport adaptopt._jit\n"
              "print(numba.config.CACHE_DIR, socket.gethostname(), info['cache_dir'], numba.get_num_threads())\n")
    cache_dir, host, reported, threads = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                                                        check=True).stdout.split()
    assert f"{os.sep}nodes{os.sep}{host}{os.sep}" in cache_dir and cache_dir.startswith(reported)
    assert threads == "1"


# ----------------------------------------------------------------------------------------------
# Figures.


def test_plot_kinds_write_png_and_pdf(example, tmp_path, capsys):
    store = example[1]
    commands = [
        ["--kind", "curves", "--where", "algorithm=adam", "--where", "sigma=0.1", "--where", "beta1=0.9", "--by", "lr"],
        ["--kind", "heatmap", "--x", "lr", "--y", "beta1", "--where", "sigma=0.1"],
        ["--kind", "adaptivity", "--by", "algorithm", "schedule_kind"],
    ]
    for args in commands:
        assert main(["plot", str(store), *args, "--out", str(tmp_path)]) == 0, capsys.readouterr().err
    for stem in ("curves_f_gap_by_lr", "heatmap_f_gap_lr_beta1", "adaptivity_f_gap"):
        for suffix in (".png", ".pdf"):
            assert (tmp_path / (stem + suffix)).stat().st_size > 1000
    assert main(["plot", str(store), "--kind", "heatmap", "--x", "lr", "--y", "beta1", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "share a cell" in err[0] and "sigma" in err[0]
    assert main(["plot", str(store / "nothing.nc"), "--kind", "curves"]) == 2


def test_heatmap_and_adaptivity_numbers(example):
    merged = example[3]
    xs, ys, grid, best = sweep_figures.heatmap_grid(merged, "f_gap", "lr", "beta1", where={"sigma": "1"})
    last = merged["f_gap"].values[:, :, -1].mean(axis=1)
    adam = (merged["algorithm"].values == "adam") & (merged["level"].values == 1.0)
    assert xs == [1e-3, 1e-2, 1e-1] and ys == [0.0, 0.9]
    for j, b1 in enumerate(ys):
        for i, lr in enumerate(xs):
            k = np.flatnonzero(adam & (merged["hyper_lr"].values == lr) & (merged["hyper_beta1"].values == b1))
            assert k.size == 1 and grid[j, i] == last[k[0]]
    assert grid[best] == np.min(last[adam])
    levels, lines, reference = sweep_figures.adaptivity_lines(merged, "f_gap", by=["algorithm", "schedule_kind"])
    assert levels == [0.01, 0.1, 1.0] and len(lines) == 4
    for j, level in enumerate(levels):
        assert reference[j] == np.min(last[merged["level"].values == level])
        assert all(values[j] >= reference[j] for _, values in lines)


# ----------------------------------------------------------------------------------------------
# The README documents the example the tests run.


def test_readme_shows_the_example_file():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Sweeps and running on a cluster", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```toml\n(.*?)```", section, flags=re.DOTALL)
    assert blocks and blocks[0] == EXAMPLE.read_text()
    for command in ("adaptopt sweep examples/sweep_example.toml", "--dask-local 2", "--scheduler tcp://", "--status",
                    "adaptopt plot"):
        assert command in section
