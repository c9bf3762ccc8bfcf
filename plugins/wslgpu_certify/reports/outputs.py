"""Every output of a run in one table: the file, when it is written, and its writer. plugin.py loops over it.

Each writer gets one `RunOutput`: the machine's run (its folder, machine, envelope), the run's summary
(summary.RunSummary: verdict, counts, layers, findings) and the catalog's text of every check (id ->
catalog.CheckSpec: title, layer, fix), plus the pytest objects a writer may need. A writer that cannot write
raises OSError; plugin.py turns it into one line and a failed exit (session.Runs.guarded).

When (WHEN): "start" (session start), "finish" (session end, before pytest's own junitxml and pytest-html write
their files), "end" (unconfigure: after them, with the exit status pytest returns), each once per machine;
"terminal" (pytest's terminal summary), once for the run with every machine's RunOutput.
pytest's own writers (junitxml: junit.xml, pytest-html: log.html) are pointed at the run folder at configure
(`use_pytest_writers`); their rows below add what the suite puts in them, or copy a file the user sent elsewhere.

A new format is one module with a `write(out: RunOutput)` and one row here (docs/architecture.md shows it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from .junit import add_junit_verdict
from .report_page import LOG_NAME, write_run_page
from .results_json import write_run_results
from .run_folder import keep_copy
from .summary import RunSummary
from .terminal import write_fleet_verdicts, write_verdict

WHEN = ("start", "finish", "end", "terminal")


@dataclass(frozen=True)
class RunOutput:
    """What a writer gets: one machine's run, its summary and the catalog, and pytest's objects."""

    run: object  # session.RunState: .machine, .run_directory, .envelope
    summary: RunSummary
    catalog: Mapping  # check id -> catalog.CheckSpec: every check's title, layer, fix (the catalog's text)
    config: pytest.Config
    fleet: bool  # several machines in this run (many_machines.py)
    session: pytest.Session | None = None
    terminal: object | None = None  # pytest's terminal reporter ("terminal" rows)

    @property
    def folder(self) -> Path:
        return self.run.run_directory


@dataclass(frozen=True)
class Output:
    name: str  # the file in the run folder (the terminal section: "terminal")
    when: str  # one of WHEN
    write: Callable  # (RunOutput) -> None; a "terminal" row: (list[RunOutput]) -> None


def _results_json(out: RunOutput) -> None:
    write_run_results(out.run, out.summary)


def _machine_reports(out: RunOutput):
    """A run of several machines: each machine's junit.xml and log.html (machine_reports.py); else None (pytest's
    own writers write the run's one file)."""
    return out.config.pluginmanager.get_plugin("wslgpu-machine-reports")


def _junit_verdict(out: RunOutput) -> None:
    """The verdict as junit.xml's testsuite properties; in a run of several machines, that machine's junit.xml."""
    machine_reports = _machine_reports(out)
    if machine_reports is None:
        add_junit_verdict(out.config, out.summary)
        return
    add_junit_verdict(out.config, out.summary, machine_reports.xml_of(out.run.machine.machine_id))
    machine_reports.write_junit(out.run.machine.machine_id)


def _machine_log(out: RunOutput) -> None:
    """In a run of several machines with pytest-html: that machine's log.html."""
    machine_reports = _machine_reports(out)
    if machine_reports is not None:
        machine_reports.write_log(out.session, out.run.machine.machine_id)


def _report_page(out: RunOutput) -> None:
    write_run_page(out.run, out.config)


def _copy_of(option: str, name: str) -> Callable:
    def copy(out: RunOutput) -> None:
        """A --html / --junitxml the user sent elsewhere, copied into the run folder as well (one machine)."""
        if not out.fleet:
            keep_copy(getattr(out.config.option, option, None), out.folder / name)
    return copy


def _terminal(outs: list[RunOutput]) -> None:
    if outs[0].fleet:
        write_fleet_verdicts(outs[0].terminal, [(out.run.machine, out.summary, out.folder) for out in outs])
        return
    out = outs[0]
    write_verdict(out.terminal, out.summary, out.run.machine, out.run.machine.snapshot_path, out.folder / "report.html")


OUTPUTS: tuple[Output, ...] = (
    Output("results.json", "start", _results_json),  # provisional (state running): a killed run leaves one
    Output("results.json", "finish", _results_json),  # first at the end: a full disk is then said about it
    Output("junit.xml", "finish", _junit_verdict),
    Output(LOG_NAME, "finish", _machine_log),  # one machine: pytest-html writes it (use_pytest_writers)
    Output("results.json", "end", _results_json),  # final, with the exit status pytest returns
    Output("report.html", "end", _report_page),  # written from that results.json
    Output(LOG_NAME, "end", _copy_of("htmlpath", LOG_NAME)),
    Output("junit.xml", "end", _copy_of("xmlpath", "junit.xml")),
    Output("terminal", "terminal", _terminal),
)


def outputs_at(when: str) -> list[Output]:
    """The rows written at WHEN, in table order (read at call time: a plugin may add a row)."""
    return [output for output in OUTPUTS if output.when == when]


def use_pytest_writers(config: pytest.Config, runs) -> None:
    """junitxml's junit.xml and pytest-html's log.html into the run folder (a --junitxml / --html of the user's:
    where they said, copied in at the end); in a run of several machines, each machine's own (machine_reports.py)."""
    has_html = config.pluginmanager.has_plugin("html")
    if has_html:
        config.option.self_contained_html = True  # a report attached to a ticket, also at the user's --html
    if runs.fleet:
        from .html_report import HtmlReport
        from .machine_reports import MachineReports

        config.pluginmanager.register(MachineReports(config, runs, HtmlReport if has_html else None),
                                      "wslgpu-machine-reports")
        return
    run_directory = runs.only.run_directory
    if not config.option.xmlpath:
        config.option.xmlpath = str(run_directory / "junit.xml")
    if has_html:
        if not config.option.htmlpath:
            config.option.htmlpath = str(run_directory / LOG_NAME)  # report.html is ours (report_page.py)
        from .html_report import HtmlReport

        config.pluginmanager.register(HtmlReport(runs.only), "wslgpu-html-report")
