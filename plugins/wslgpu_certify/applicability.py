"""A check that does not apply here: neither a pass nor a gap in the certification.

Raise it (through `not_applicable(reason)`) where a check learns that the machine, the env,
the profile or the options make it meaningless: a Windows check on native Linux, a component
the profile says the image lacks, an opt-in check that was not asked for. Every other skip
(a requirement that did not pass, a command not recorded in a snapshot) is a gap, and a run
with a gap is never CERTIFIED.
"""

from __future__ import annotations

import pytest


class NotApplicable(pytest.skip.Exception):  # what pytest.skip raises (public API; _pytest.outcomes.Skipped)
    """pytest shows it as a skip; the suite records the outcome `not_applicable`."""


def not_applicable(reason: str):
    """End the check now as not applicable, saying why in words."""
    raise NotApplicable(msg=reason, allow_module_level=False)

