"""What each check's testcase carries in junit.xml, beside pytest's own failure message."""

from __future__ import annotations

from ..findings import Finding


def junit_properties(finding: Finding) -> list[tuple[str, str]]:
    """check id, layer, title and (for a failure) the one-line fix, as <property> elements."""
    properties = [("check_id", finding.id), ("layer", finding.layer), ("title", finding.title)]
    if finding.remediation is not None:
        properties.append(("fix", finding.first_fix))
    return properties
