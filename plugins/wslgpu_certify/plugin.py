"""The pytest glue: hooks only. Nothing imports this module.

Loaded through the `pytest11` entry point, so its options are known however pytest
is invoked from anywhere (including `--snapshot /abs/path.json`). The fixtures come
from the plugin modules listed in `pytest_plugins`; what each hook does lives in the
room it names: options.py, session.py, reports/.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .findings import LAYERS
from .gate import Verdict
from .heap import freeze_long_lived, release_earlier_runs
from .hosts.records import CommandRecord
from .interrupts import TerminationEndsTheRun
from .options import add_options, machine_from_options, refuse_old_profile_option, requested, restore_testpaths
from .reports.junit import add_junit_verdict, junit_properties
from .reports.progress import WaitProgress
from .reports.results_json import machine_meta, write_results
from .reports.run_folder import keep_copy, new_run_dir, refresh_latest
from .reports.terminal import write_verdict
from .session import STATE, RunState, finding_for, is_active, spec_of, state_of

pytest_plugins = ["wslgpu_certify.fixtures", "wslgpu_certify.containers.fixtures"]


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_load_initial_conftests(early_config, parser, args) -> None:
    refuse_old_profile_option(args)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "check(id): a certification check with a stable dotted id")
    config.addinivalue_line("markers", "slow: long-running checks")
    config.addinivalue_line("markers", "prefetch(fixture, probes): slow probes started in the background "
                                       "(wslgpu_certify.probes.probe.prefetch)")
    restore_testpaths(config)
    if not requested(config):  # someone else's tests in this Python: stay out of the way
        return
    release_earlier_runs()
    machine = machine_from_options(config)
    worker_input = getattr(config, "workerinput", None)
    if worker_input is not None:  # an xdist worker: the controller owns the reports
        run_directory = Path(worker_input["wslgpu_run_dir"])
    elif _only_lists(config):  # --collect-only, --fixtures, --markers: nothing certified, nothing written
        run_directory = None
    else:
        try:
            run_directory = new_run_dir(Path(config.option.reports_dir), machine.hostname)
        except OSError as exc:
            raise pytest.UsageError(f"cannot create a run folder under {config.option.reports_dir}: "
                                    f"{exc.strerror or exc}") from None
        if not config.option.xmlpath:
            config.option.xmlpath = str(run_directory / "junit.xml")
        if hasattr(config.option, "htmlpath"):
            if not config.option.htmlpath:
                config.option.htmlpath = str(run_directory / "report.html")
            config.option.self_contained_html = True  # a report attached to a ticket, also at the user's --html
            _collapse_rows_that_need_no_reading(config)
    asked = frozenset(name for name, given in (("-m slow", _selects_slow(config.option.markexpr)),
                                               ("--prove-autostart", config.option.prove_autostart)) if given)
    state = RunState(machine, run_directory, controller=worker_input is None, layers=config.option.layer, asked=asked)
    config.stash[STATE] = state
    config.pluginmanager.register(state, "wslgpu-run-state")
    if worker_input is None:  # xdist workers' output is not shown
        config.pluginmanager.register(WaitProgress(machine), "wslgpu-wait-progress")
        config.pluginmanager.register(TerminationEndsTheRun(), "wslgpu-sigterm")
    if state.controller and run_directory is not None and config.pluginmanager.has_plugin("html"):
        from .reports.html_report import HtmlReport
        config.pluginmanager.register(HtmlReport(state), "wslgpu-html-report")


def _only_lists(config: pytest.Config) -> bool:
    """pytest asked only to list (tests, fixtures, markers), not to run anything."""
    return bool(config.option.collectonly or getattr(config.option, "showfixtures", False)
                or getattr(config.option, "show_fixtures_per_test", False) or getattr(config.option, "markers", False))


def _collapse_rows_that_need_no_reading(config: pytest.Config) -> None:
    """pytest-html opens only failed rows (its render_collapsed ini, unless the user set it): a reader starts
    at what failed. There is no public setter, so the ini cache is primed before pytest-html reads it."""
    if "render_collapsed" in config.inicfg:
        return
    try:
        config._inicache["render_collapsed"] = "passed,skipped,xfailed"
    except AttributeError:  # a pytest without the cache: pytest-html's default (passed rows collapsed)
        pass


def _selects_slow(markexpr: str | None) -> bool:
    """Whether -m selects a check marked slow (-m slow, -m "slow or ..."; not -m "not slow")."""
    if not markexpr:
        return False
    try:
        from _pytest.mark.expression import Expression

        return bool(Expression.compile(markexpr).evaluate(lambda name, **kwargs: name == "slow"))
    except Exception:  # a pytest whose private expression API differs: the plain reading
        return "slow" in markexpr and "not slow" not in markexpr


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    if is_active(node.config):
        node.workerinput["wslgpu_run_dir"] = str(state_of(node.config).run_directory)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """--layer / --check select; then lower layers run first, so a root cause is reported before what it breaks."""
    state = config.stash.get(STATE, None)
    if state is None:
        return
    wanted = config.option.check or []
    keep, drop = [], []
    for item in items:
        spec = spec_of(item)
        selected = spec is None or (state.in_scope(spec) and (
            not wanted or any(spec.id == w or spec.id.startswith(w.rstrip(".") + ".") for w in wanted)))
        (keep if selected else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep

    def layer_rank(item):
        spec = spec_of(item)
        return LAYERS.index(spec.layer) if spec else len(LAYERS)
    items.sort(key=layer_rank)


def pytest_collection_finish(session: pytest.Session) -> None:
    if is_active(session.config) and not _only_lists(session.config):
        freeze_long_lived()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    report = yield
    spec = spec_of(item)
    if spec is None or not is_active(item.config) or report.when == "teardown" or (report.when == "setup" and report.passed):
        return report
    finding = finding_for(item, spec, report, call)
    state = state_of(item.config)
    state.gate.note(spec.id, Verdict(finding.outcome, finding.message))
    # junitxml writes the item's properties with its teardown report: set them on the item
    properties = junit_properties(finding)
    item.user_properties[:] = [p for p in item.user_properties if p[0] not in dict(properties)] + properties
    report.user_properties = list(item.user_properties)
    if finding.outcome == "warning":  # advisory: shown, never blocking (pytest's xfail)
        report.outcome, report.wasxfail = "skipped", f"advisory: {finding.message}"
    elif finding.outcome == "failed":
        report.longrepr = finding.as_text()
    report.wslgpu_finding = finding.to_json()  # a dict: xdist sends reports between processes as JSON
    if item.config.pluginmanager.has_plugin("html"):
        from .reports.html_report import extras_for
        report.extras = getattr(report, "extras", []) + extras_for(finding, state.run_directory)
    return report


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """xdist: merge what each worker recorded into the controller's snapshot."""
    if not is_active(node.config):
        return
    data = getattr(node, "workeroutput", {}).get("wslgpu_recording")
    recording = state_of(node.config).machine.recording
    if data and recording is not None:
        for role, commands in data.items():
            for command, rec in commands.items():
                recording.add(role, CommandRecord.from_json(command, rec))


@pytest.hookimpl(wrapper=True, trylast=True)  # the innermost wrapper: around junitxml's and pytest-html's writers
def pytest_sessionfinish(session: pytest.Session):
    config = session.config
    state = config.stash.get(STATE, None)
    if state is None or not state.controller or state.run_directory is None:
        if state is not None:
            _save_recording(state, config)
        return (yield)
    _save_recording(state, config)
    _write_results(state, session)  # before junitxml writes its file: the verdict goes into it
    try:
        yield
    except OSError as exc:  # junit.xml or report.html into a full disk or a read-only folder: one line
        state.cannot_write(session.config, state.run_directory, exc)
        session.exitstatus = pytest.ExitCode.INTERNAL_ERROR
    try:
        for option, name in (("htmlpath", "report.html"), ("xmlpath", "junit.xml")):
            keep_copy(getattr(config.option, option, None), state.run_directory / name)
        if any(state.run_directory.iterdir()):
            refresh_latest(state.run_directory)
        else:
            state.run_directory.rmdir()
    except OSError as exc:  # the disk filled up or the folder went read-only: said in one line, once
        state.cannot_write(session.config, state.run_directory.parent / "latest", exc)
        session.exitstatus = pytest.ExitCode.INTERNAL_ERROR


def _save_recording(state: RunState, config: pytest.Config) -> None:
    recording = state.machine.recording
    if recording is None:
        return
    if state.controller:
        recording.save(config.option.record)
    else:  # an xdist worker: the controller merges it (pytest_testnodedown)
        config.workeroutput["wslgpu_recording"] = recording.to_json()["hosts"]


def _write_results(state: RunState, session: pytest.Session) -> None:
    # Ctrl-C, SIGTERM (pytest.exit with 128+signal), -x: what ran is reported, and never certified
    state.complete = not (session.shouldstop or session.shouldfail or
                          session.exitstatus in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.INTERNAL_ERROR)
                          or int(session.exitstatus) >= 128)
    summary = state.summary()
    try:
        write_results(state.run_directory / "results.json", summary,
                      machine_meta(state.machine, session.config.option.snapshot))
    except OSError as exc:  # a full disk, a folder made read-only under us: one line, never a traceback
        state.cannot_write(session.config, state.run_directory / "results.json", exc)
        session.exitstatus = pytest.ExitCode.INTERNAL_ERROR
    add_junit_verdict(session.config, summary)
    if not summary.certified and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED  # PARTIAL is not a certification: never exit 0


def pytest_unconfigure(config: pytest.Config) -> None:
    """A run that ended before its session finished (a usage error after configure) leaves no empty folder."""
    state = config.stash.get(STATE, None)
    if state is not None and state.controller and state.run_directory is not None:
        try:
            state.run_directory.rmdir()  # only when empty
        except OSError:
            pass


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is None or not state.controller or state.run_directory is None:
        return
    write_verdict(terminalreporter, state.summary(), state.machine, config.option.snapshot,
                  config.option.htmlpath or state.run_directory)
