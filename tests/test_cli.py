"""The command line: exit codes, one-line errors, listing, catalogue, cache, run."""

import subprocess
import sys

import pytest

from adaptopt.cli import main
from proofs_check.catalogue import render_catalogue


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "adaptopt.cli", *args], capture_output=True, text=True)


@pytest.mark.parametrize("args", [
    ("verify", "--profile", "bogus"),
    ("verify", "--only", "NO-SUCH-CHECK"),
    ("verify", "--seeds", "1"),
    ("run", "sgd", "pl_sine", "-T", "0", "--out", "x.nc", "--schedule", "constant", "-s", "eta0=0.1"),
    ("run", "nope", "pl_sine", "-T", "10", "--out", "x.nc"),
    ("run", "sgd", "pl_sine", "-T", "10", "--out", "x.nc", "--schedule", "constant", "-s", "eta0=-1"),
    ("run", "sgd", "pl_sine", "-T", "10", "--out", "x.nc", "--schedule", "constant", "-s", "eta0"),
    ("frobnicate",),
])
def test_bad_arguments_print_one_line_and_exit_2(args, tmp_path):
    proc = _cli(*args)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("adaptopt: error:"), proc.stderr
    assert "Traceback" not in proc.stderr


def test_run_writes_a_result(tmp_path, capsys):
    out = tmp_path / "r.nc"
    code = main(["run", "sgd", "pl_sine", "--noise", "gaussian", "-n", "sigma=1", "--schedule", "inv_sqrt",
                 "-s", "eta0=0.125", "-T", "100", "--seeds", "4", "--out", str(out)])
    assert code == 0 and out.is_file()
    import adaptopt
    assert adaptopt.load(out).n_seeds == 4


def test_list_and_cache_info(capsys):
    assert main(["list"]) == 0
    text = capsys.readouterr().out
    for word in ("algorithms:", "sgd_heavy_ball", "objectives:", "noise:", "schedules:", "checks:", "F-GD-PL-BOUND"):
        assert word in text
    assert main(["cache", "info"]) == 0
    assert "cache root" in capsys.readouterr().out


def test_catalogue_check_detects_a_stale_file(tmp_path):
    path = tmp_path / "checks.md"
    assert main(["catalogue", "--out", str(path)]) == 0
    assert main(["catalogue", "--out", str(path), "--check"]) == 0
    path.write_text(path.read_text() + "edited\n")
    assert main(["catalogue", "--out", str(path), "--check"]) == 1


def test_docs_catalogue_is_current():
    from pathlib import Path
    docs = Path(__file__).resolve().parent.parent / "docs" / "checks.md"
    assert docs.read_text() == render_catalogue(), "docs/checks.md is stale: run `make docs`"


def test_estimate_fits_envelopes_from_a_recorded_run(tmp_path, capsys):
    """cosh with scales a_i: the per-coordinate L1 fits come out within a factor 2 of a_i."""
    import json
    out = tmp_path / "cosh.nc"
    assert main(["run", "sgd", "cosh", "-o", "dim=4", "-o", "scales=[0.3,1,2,3]", "-o", "x0=2.0",
                 "--schedule", "constant", "-s", "eta0=0.001", "-T", "300", "--seeds", "1",
                 "--record-iterates", "--every-step", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["estimate", str(out), "--blocks", "coordinates", "--json"]) == 0
    fits = json.loads(capsys.readouterr().out)["fits"]
    L1 = [fits[f"x{i}"]["L1"] for i in range(4)]
    for fitted, a in zip(L1, (0.3, 1.0, 2.0, 3.0)):
        assert a / 2 <= fitted <= 2 * a, L1
    assert fits["global"]["rho"] > 0


def test_estimate_needs_recorded_iterates(tmp_path):
    out = tmp_path / "plain.nc"
    assert main(["run", "sgd", "pl_sine", "--schedule", "constant", "-s", "eta0=0.1", "-T", "20", "--seeds", "1",
                 "--out", str(out)]) == 0
    proc = _cli("estimate", str(out))
    assert proc.returncode == 2 and "record_iterates" in proc.stderr
