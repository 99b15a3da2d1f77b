"""The README's Python examples run as written."""

import re
from pathlib import Path

import numpy as np

README = Path(__file__).resolve().parent.parent / "README.md"


def _python_blocks():
    """The README's Python blocks, each preceded by as many blank lines as README lines before it,
    so that compiled line numbers are README line numbers (Numba's on-disk cache reads a jitted
    function's source from the file it names, here README.md, at those lines)."""
    text = README.read_text()
    return ["\n" * text.count("\n", 0, m.start(1)) + m.group(1)
            for m in re.finditer(r"```python\n(.*?)```", text, flags=re.S)]


def test_readme_has_the_api_and_plugin_examples():
    blocks = _python_blocks()
    assert any("adaptopt.run(" in b for b in blocks)
    assert any("Objective(" in b for b in blocks)


def test_readme_examples_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace = {}
    for block in _python_blocks():
        exec(compile(block, str(README), "exec"), namespace)
    # The plug-in example defines an objective; it must run through the engine as documented.
    f = namespace["quartic"](3)
    import adaptopt
    from adaptopt import schedules
    res = adaptopt.run("sgd", f, None, schedule=schedules.constant(0.05), T=200, n_seeds=2)
    assert np.all(res.mean("f_gap")[-1] < f.value(f.x0))
    assert (tmp_path / "sgd.nc").is_file()
