"""The pytest glue: hooks only. Nothing imports this module.

Loaded through the `pytest11` entry point, so its options are known however pytest
is invoked from anywhere (including `--snapshot /abs/path.json`). The fixtures come
from the plugin modules listed in `pytest_plugins`; what each hook does lives in the
room it names: options.py, session.py, reports/.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .catalog import REGISTRY
from .many_machines import make_machine_scheduler, order_by_machine, parametrize_by_machine
from .findings import LAYERS
from .gate import Verdict
from .heap import freeze_long_lived, release_earlier_runs
from .hosts.records import CommandRecord
from .interrupts import TerminationEndsTheRun
from .options import add_options, collapse_rows_that_need_no_reading, machines_from_options, only_lists, \
    refuse_old_profile_option, requested, restore_testpaths, run_id_from_options, selects_slow
from .probes.identity import start_machines
from .reports.envelope import interruption
from .reports.junit import junit_properties
from .reports.machine_reports import MACHINE_OF_REPORT
from .reports.outputs import RunOutput, outputs_at, use_pytest_writers
from .reports.progress import WaitProgress
from .reports.run_folder import new_run_dir, refresh_latest
from .reports.terminal import SuiteOutcomesOnTerminal, make_printable
from .session import STATE, RunState, Runs, finding_for, is_active, machine_id_of, run_of, runs_of, spec_of

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
    worker_input = getattr(config, "workerinput", None)
    if worker_input is None:  # before anything runs a command: choosing the distro may already read wsl.exe
        config.pluginmanager.register(TerminationEndsTheRun(), "wslgpu-sigterm")
        config.pluginmanager.register(SuiteOutcomesOnTerminal(), "wslgpu-terminal-outcomes")
    machines = start_machines(machines_from_options(config), config.option.cert_profile,
                              (worker_input or {}).get("wslgpu_profiles", {}))  # distro, user, profile: read once
    run_id = run_id_from_options(config)
    if worker_input is not None:  # an xdist worker: the controller owns the reports
        folders = {machine_id: Path(folder) for machine_id, folder in worker_input["wslgpu_run_dirs"].items()}
    elif only_lists(config):  # --collect-only, --fixtures, --markers: nothing certified, nothing written
        folders = {}
    else:
        folders = {machine.machine_id: _new_run_folder(config, machine.machine_id, run_id) for machine in machines}
    asked = frozenset(name for name, given in (("-m slow", selects_slow(config.option.markexpr)),
                                               ("--prove-autostart", config.option.prove_autostart)) if given)
    runs = Runs([RunState(machine, folders.get(machine.machine_id), layers=config.option.layer, asked=asked,
                          run_id=run_id) for machine in machines],
                controller=worker_input is None)
    config.stash[STATE] = runs
    config.pluginmanager.register(runs, "wslgpu-run-state")
    if worker_input is None and not runs.fleet:  # xdist workers' output is not shown; a replay never waits
        progress = WaitProgress(spec_of)
        config.pluginmanager.register(progress, "wslgpu-wait-progress")
        machines[0].report_waits(progress)  # the runners' callback, theirs to call
    if not runs.controller or not folders:
        return
    if config.pluginmanager.has_plugin("html"):
        collapse_rows_that_need_no_reading(config)
    use_pytest_writers(config, runs)  # junit.xml and log.html into the run folder (reports/outputs.py)


def _write_outputs(runs: Runs, when: str, config: pytest.Config, session: pytest.Session | None,
                   terminal=None) -> list[RunOutput]:
    """Every row of reports/outputs.py written at WHEN, for each machine; a write that fails is one line (and,
    given the session, a failed exit)."""
    outs = [RunOutput(run, run.summary(running=when == "start"), REGISTRY, config, runs.fleet, runs.session, terminal)
            for run in runs if run.run_directory is not None]
    for output in outputs_at(when):
        if when == "terminal":
            output.write(outs)
            continue
        for out in outs:
            runs.guarded(config, session, out.folder / output.name, lambda: output.write(out))
    return outs


def _new_run_folder(config: pytest.Config, machine_id: str, run_id: str | None) -> Path:
    try:
        return new_run_dir(Path(config.option.reports_dir), machine_id, run_id)
    except OSError as exc:
        raise pytest.UsageError(f"cannot create a run folder under {config.option.reports_dir}: "
                                f"{exc.strerror or exc}") from None


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    if is_active(node.config):
        node.workerinput["wslgpu_run_dirs"] = {run.machine.machine_id: str(run.run_directory)
                                               for run in runs_of(node.config)}
        node.workerinput["wslgpu_profiles"] = {run.machine.machine_id: run.machine.profile_choice.to_json()  # decided once
                                               for run in runs_of(node.config)}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """Several machines under xdist: whole machines per worker (many_machines.py); one machine: xdist's own."""
    runs = config.stash.get(STATE, None)
    if runs is None or not runs.fleet or config.getvalue("dist") == "each":
        return None
    return make_machine_scheduler(config, log, list(runs.by_id))


@pytest.hookimpl(trylast=True)  # after the checks' own parametrize marks: the machine ends each test id
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    runs = metafunc.config.stash.get(STATE, None)
    if runs is not None and runs.fleet and metafunc.definition.get_closest_marker("check") is not None:
        parametrize_by_machine(metafunc, list(runs.by_id))


def pytest_sessionstart(session: pytest.Session) -> None:
    """A provisional results.json per machine: a run killed outright leaves "running", never nothing."""
    runs = session.config.stash.get(STATE, None)
    if runs is None or not runs.controller:
        return
    runs.session = session
    _write_outputs(runs, "start", session.config, None)  # a failure is said once; the final write tries again


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """--layer / --check select; then lower layers run first, so a root cause is reported before what it breaks."""
    runs = config.stash.get(STATE, None)
    if runs is None:
        return
    scope = next(iter(runs))  # --layer is the same for every machine
    wanted = config.option.check or []
    keep, drop = [], []
    for item in items:
        spec = spec_of(item)
        selected = spec is None or (scope.in_scope(spec) and (
            not wanted or any(spec.id == w or spec.id.startswith(w.rstrip(".") + ".") for w in wanted)))
        (keep if selected else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep

    if runs.fleet:
        order_by_machine(items, list(runs.by_id))
        return

    def layer_rank(item):
        spec = spec_of(item)
        return LAYERS.index(spec.layer) if spec else len(LAYERS)
    items.sort(key=layer_rank)


def pytest_collection_finish(session: pytest.Session) -> None:
    if is_active(session.config) and not only_lists(session.config):
        freeze_long_lived()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    report = yield
    spec = spec_of(item)
    if spec is None or not is_active(item.config):
        return report
    setattr(report, MACHINE_OF_REPORT, machine_id_of(item))  # which machine's reports it belongs to
    if report.when == "teardown" or (report.when == "setup" and report.passed):
        make_printable(report)  # a teardown's error (a container fixture's) may quote machine output too
        return report
    finding = finding_for(item, spec, report, call)
    state = run_of(item)
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
    make_printable(report)  # what pytest prints of it shows control characters; the finding keeps them
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
    runs = runs_of(node.config)
    recording = None if runs.fleet else runs.only.machine.recording  # --record: one live machine
    if data and recording is not None:
        for role, commands in data.items():
            for command, rec in commands.items():
                recording.add(role, CommandRecord.from_json(command, rec))


@pytest.hookimpl(wrapper=True, trylast=True)  # the innermost wrapper: around junitxml's and pytest-html's writers
def pytest_sessionfinish(session: pytest.Session):
    config = session.config
    runs = config.stash.get(STATE, None)
    if runs is None:
        return (yield)
    if not runs.controller:
        if not runs.fleet and runs.only.machine.recording is not None:
            config.workeroutput["wslgpu_recording"] = runs.only.machine.recording.to_json()["hosts"]
        return (yield)
    if not runs.fleet and runs.only.machine.recording is not None:
        runs.only.machine.recording.save(config.option.record)
    # Ctrl-C, SIGTERM (pytest.exit with 128+signal), -x: what ran is reported, and never certified
    stopped_by = interruption(session, runs.stopped_by)
    for run in runs:
        run.complete = stopped_by is None
        run.stopped_by = stopped_by
        run.envelope.finish(session.exitstatus, stopped_by)  # rewritten at unconfigure with the exit status
    outs = _write_outputs(runs, "finish", config, session)
    if not all(out.summary.certified for out in outs) and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED  # PARTIAL is not a certification: never exit 0
    try:
        yield  # junitxml's and pytest-html's writers
    except OSError as exc:  # junit.xml or log.html into a full disk or a read-only folder: one line
        runs.cannot_write(config, next(iter(runs)).run_directory, exc)
        session.exitstatus = pytest.ExitCode.INTERNAL_ERROR


def pytest_unconfigure(config: pytest.Config) -> None:
    """The final results.json (with the exit status pytest returns), the copies, reports/latest; a run that
    ended before its session finished (a usage error after configure) leaves no empty folder."""
    runs = config.stash.get(STATE, None)
    if runs is None or not runs.controller:
        return
    session = runs.session
    if session is not None:  # the session ran: its final documents, with the exit status pytest returns
        for run in runs:
            run.envelope.finish(session.exitstatus, run.stopped_by)
        _write_outputs(runs, "end", config, session)
    for run in runs:
        folder = run.run_directory
        if folder is None:
            continue
        if not any(folder.iterdir()):
            folder.rmdir()
        elif not runs.fleet:  # several machines: no one of them is "the latest"
            runs.guarded(config, session, folder.parent / "latest", lambda: refresh_latest(folder))


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    runs = config.stash.get(STATE, None)
    if runs is not None and runs.controller and all(run.run_directory is not None for run in runs):
        _write_outputs(runs, "terminal", config, runs.session, terminalreporter)
