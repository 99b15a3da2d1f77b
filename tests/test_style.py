"""House rules that a grep can enforce (STYLE.md: one module owns every Numba option)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("adaptopt", "synthetic", "proofs_check", "figures")


def _sources():
    for package in PACKAGES:
        yield from (ROOT / package).rglob("*.py")


def test_no_bare_numba_decorators_outside_jit_module():
    pattern = re.compile(r"@njit\b|numba\.(njit|jit)\b|from numba import .*\b(njit|jit)\b|fastmath\s*=\s*True")
    offenders = [str(p.relative_to(ROOT)) for p in _sources()
                 if p.name != "_jit.py" and pattern.search(p.read_text())]
    assert offenders == []


def test_numba_random_is_never_used_in_kernels():
    offenders = [str(p.relative_to(ROOT)) for p in _sources() if "np.random.standard_normal(" in p.read_text()
                 or "np.random.seed(" in p.read_text()]
    assert offenders == []
