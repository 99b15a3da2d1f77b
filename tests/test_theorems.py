"""Every registered theorem check, run as ``adaptopt verify`` runs it (default profile)."""

import pytest

from proofs_check import registry, verify
from proofs_check.records import FAIL, REPORT


@pytest.mark.slow
@pytest.mark.parametrize("check", list(registry.CHECKS.values()), ids=list(registry.CHECKS))
def test_registered_check(check):
    (outcome,) = verify.run_checks([check], "default")
    if not check.experiment.judged:
        assert outcome.status == REPORT
    else:
        assert outcome.status != FAIL, f"{outcome.id}: {outcome.reason} (measured {outcome.measured_text})"
