"""The registry of every theorem check: one table drives ``adaptopt verify`` and the catalogue."""

from __future__ import annotations

import fnmatch

from proofs_check.theorems import foundation, noise_adaptive, relaxed_smoothness, scale_free

_MODULES = (foundation, noise_adaptive, scale_free, relaxed_smoothness)

#: Every registered check by id, in catalogue order.
CHECKS = {check.id: check for module in _MODULES for check in module.CHECKS}


def select(patterns=None) -> list:
    """Checks whose id matches any of the shell-style ``patterns`` (all checks if None or empty)."""
    if not patterns:
        return list(CHECKS.values())
    chosen = [c for c in CHECKS.values() if any(fnmatch.fnmatchcase(c.id, p) for p in patterns)]
    if not chosen:
        raise ValueError(f"--only {' '.join(patterns)} matches no check; see `adaptopt list checks`")
    return chosen
