"""The examples run and show what they claim."""

import importlib.util
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_plain_numpy_loop_matches_the_engine(capsys):
    gap = _load("plain_numpy_loop").main()
    assert gap < 1e-12
    assert "max |x_hand - x_engine|" in capsys.readouterr().out
