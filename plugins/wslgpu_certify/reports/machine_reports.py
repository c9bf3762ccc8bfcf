"""A fleet run's junit.xml and log.html (pytest-html's page) per machine (many_machines.py).

pytest's junitxml and pytest-html each write one file per session. In a run of several
machines each machine's folder gets its own: one `LogXML` and (with pytest-html) one
self-contained report per machine, each fed only that machine's test reports, exactly as
the plugins are fed in a run of that machine alone. The pytest-html hooks those reports call
(title, summary, rows) reach `HtmlDispatch`, which hands them to the machine being rendered.
A --junitxml / --html of the user's own still gets the whole run in one file.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest

MACHINE_OF_REPORT = "wslgpu_machine"  # set on every report of a fleet check (plugin.py)


def _junit_for(config: pytest.Config, path):
    from _pytest.junitxml import LogXML

    return LogXML(str(path), config.option.junitprefix, config.getini("junit_suite_name"),
                  config.getini("junit_logging"), config.getini("junit_duration_report"),
                  config.getini("junit_family"), config.getini("junit_log_passing_tests"))


class HtmlDispatch:
    """The pytest-html hooks, answered by the HtmlReport of the machine whose report is being built."""

    def __init__(self, by_machine: dict):
        self.by_machine = by_machine  # machine id -> HtmlReport
        self.current = None  # the HtmlReport of the machine being rendered now

    @contextmanager
    def rendering(self, html_report):
        self.current = html_report
        try:
            yield
        finally:
            self.current = None

    def _for(self, report=None):
        if self.current is not None:
            return self.current
        return self.by_machine.get(getattr(report, MACHINE_OF_REPORT, None))  # the user's one --html of all

    def pytest_html_report_title(self, report):
        if self.current is not None:
            self.current.pytest_html_report_title(report)

    def pytest_html_results_summary(self, prefix, summary, postfix, session):
        if self.current is not None:
            self.current.pytest_html_results_summary(prefix, summary, postfix, session)

    def pytest_html_results_table_header(self, cells):
        next(iter(self.by_machine.values())).pytest_html_results_table_header(cells)

    def pytest_html_results_table_row(self, report, cells):
        if (html := self._for(report)) is not None:
            html.pytest_html_results_table_row(report, cells)

    def pytest_html_results_table_html(self, report, data):
        if (html := self._for(report)) is not None:
            html.pytest_html_results_table_html(report, data)


class MachineReports:
    """Registered in a fleet run's controller: routes each test report to its machine's junit.xml and log.html."""

    def __init__(self, config: pytest.Config, runs, html_report_class=None):
        self.junit = {run.machine.machine_id: _junit_for(config, run.run_directory / "junit.xml") for run in runs}
        self._started: set[str] = set()  # machines whose junit.xml timing started (at their first report)
        self.html = {}
        self.dispatch = None
        if html_report_class is not None:
            from pathlib import Path

            from pytest_html.report_data import ReportData
            from pytest_html.selfcontained_report import SelfContainedReport
            from pytest_html.util import _process_css, _read_template

            resources = Path(__import__("pytest_html").__file__).parent / "resources"
            template = _read_template([resources])
            css = _process_css(resources / "style.css", [])
            self.html = {run.machine.machine_id: SelfContainedReport(run.run_directory / "log.html", config,
                                                                     ReportData(config), template, css)
                         for run in runs}
            self.dispatch = HtmlDispatch({run.machine.machine_id: html_report_class(run) for run in runs})
            config.pluginmanager.register(self.dispatch, "wslgpu-html-dispatch")

    def xml_of(self, machine_id: str):
        return self.junit[machine_id]

    @contextmanager
    def _rendering(self, machine_id: str):
        if self.dispatch is None:
            yield
        else:
            with self.dispatch.rendering(self.dispatch.by_machine[machine_id]):
                yield

    def _start(self, machine_id: str) -> None:
        if machine_id not in self._started:  # the testsuite's time is the machine's, not the whole run's
            self._started.add(machine_id)
            self.junit[machine_id].pytest_sessionstart()

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        for machine_id in self.junit:
            if machine_id in self.html:
                with self._rendering(machine_id):
                    self.html[machine_id].pytest_sessionstart(session)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        machine_id = getattr(report, MACHINE_OF_REPORT, None)
        if machine_id not in self.junit:
            return  # not a machine's check (a test of the user's own): only in the user's --junitxml/--html
        self._start(machine_id)
        self.junit[machine_id].pytest_runtest_logreport(report)
        if machine_id in self.html:
            with self._rendering(machine_id):
                self.html[machine_id].pytest_runtest_logreport(report)

    def write_junit(self, machine_id: str) -> None:
        """Write one machine's junit.xml (after its verdict went into its properties)."""
        self._start(machine_id)
        self.junit[machine_id].pytest_sessionfinish()

    def write_log(self, session: pytest.Session, machine_id: str) -> None:
        """Write one machine's log.html (with pytest-html)."""
        if machine_id in self.html:
            with self._rendering(machine_id):
                self.html[machine_id].pytest_sessionfinish(session)
