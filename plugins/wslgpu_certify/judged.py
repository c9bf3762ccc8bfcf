"""A judge's verdict (judges/) turned into the running check's outcome: its facts published, then a failure
raised (CheckFailed, with the verdict's variant and placeholder values) or the check ended as not applicable."""

from __future__ import annotations

from .applicability import not_applicable
from .evidence import publish
from .findings import CheckFailed
from .judges import FAILED, NOT_APPLICABLE, Verdict


def settle(verdict: Verdict) -> Verdict:
    """Publish the verdict's facts; raise for a failure, end the check for not applicable; else return it."""
    for name, value in verdict.facts:
        publish(name, value)
    if verdict.outcome == FAILED:
        raise CheckFailed(verdict.message, variant=verdict.variant, **dict(verdict.values))
    if verdict.outcome == NOT_APPLICABLE:
        not_applicable(verdict.message)
    return verdict
