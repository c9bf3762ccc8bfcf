"""What each check's testcase carries in junit.xml, beside pytest's own failure message."""

from __future__ import annotations

from ..findings import Finding


def junit_properties(finding: Finding) -> list[tuple[str, str]]:
    """check id, layer, title and (for a failure) the one-line fix, as <property> elements."""
    properties = [("check_id", finding.id), ("layer", finding.layer), ("title", finding.title)]
    if finding.remediation is not None:
        properties.append(("fix", finding.first_fix))
        if finding.first_step is not None:  # what the step is (a fix or a look) and where it runs
            properties += [("fix_kind", finding.first_step.label), ("fix_where", finding.first_step.where)]
    if finding.leading_cause is not None:
        properties += [("known_cause", finding.leading_cause.id), ("known_cause_source", finding.leading_cause.source)]
    return properties


def add_junit_verdict(config, summary, xml=None) -> None:
    """The run's verdict as <properties> of the testsuite (before junitxml writes the file); `xml`: one
    machine's junit.xml in a run of several (machine_reports.py), else pytest's own."""
    xml = xml if xml is not None else junit_writer(config)
    if xml is None:
        return
    xml.add_global_property("wslgpu_verdict", summary.verdict)
    xml.add_global_property("wslgpu_headline", summary.headline)
    xml.add_global_property("wslgpu_applicable_checks", str(summary.applicable))
    xml.add_global_property("wslgpu_not_run", str(len(summary.not_run) + len(summary.gaps)))


def junit_writer(config):
    """The junit.xml writer pytest registered for --junitxml, found through the public plugin manager (its
    stash key is private API); None without --junitxml."""
    return next((plugin for plugin in config.pluginmanager.get_plugins()
                 if callable(getattr(plugin, "add_global_property", None)) and hasattr(plugin, "logfile")), None)
