"""The pytest glue: options, the machine, host fixtures, dependency gating, findings, reports.

Loaded through the `pytest11` entry point, so its options are known however pytest
is invoked from anywhere (including `--snapshot /abs/path.json`).
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from . import probes
from .backends import make_host
from .catalog import REGISTRY, CheckSpec, fill_remediation, spec_for
from .container_fixtures import *  # noqa: F401,F403  (container fixtures + their sessionstart hook)
from .environments import ENVS, NOT_WSL_REASON, Machine, live_machine, replay_machine
from .findings import LAYERS, CheckFailed, Finding
from .gate import Gate, Verdict
from .profile import ProfileError, load_profile
from .progress import WaitProgress
from .redact import redact
from .results import counts, refresh_latest, run_dir, verdict, write_results
from .snapshot import Snapshot, SnapshotError, load_snapshot

MACHINE = pytest.StashKey[Machine]()
STATE = pytest.StashKey["RunState"]()


class RunState:
    """Per-process state of one certification run."""

    def __init__(self, machine: Machine, run_directory: Path | None, controller: bool):
        self.machine = machine
        self.run_directory = run_directory
        self.controller = controller
        self.findings: list[dict] = []
        self.gate = Gate(self.not_applicable)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        finding = getattr(report, "wslgpu_finding", None)
        if finding is not None and self.controller:
            self.findings.append(finding)

    def not_applicable(self, spec: CheckSpec) -> str | None:
        if spec.wsl_only and not self.machine.is_wsl:
            return f"{NOT_WSL_REASON} (env {self.machine.env}): this check needs --env=wsl or --env=windows"
        return None


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("wslgpu-certify", "certify a WSL 2 GPU data-science workstation")
    group.addoption("--env", default="auto", metavar="ENV",
                    help=f"where the suite runs: {', '.join(ENVS)} (default: auto)")
    group.addoption("--snapshot", metavar="PATH", help="replay this recorded snapshot (implies --env=replay)")
    group.addoption("--record", metavar="PATH", help="record every command read into this snapshot file")
    group.addoption("--profile", default="documented", metavar="NAME|PATH",
                    help="expected values: documented (the guide), current, standin, or a .toml path")
    group.addoption("--distro", metavar="NAME", help="WSL distro (default: $WSL_DISTRO_NAME, else Ubuntu)")
    group.addoption("--wsl-user", metavar="NAME", help="the distro user the guide's steps were done for")
    group.addoption("--reports-dir", default="reports", metavar="DIR", help="where run folders go (default: reports/)")
    group.addoption("--pull", action="store_true",
                    help="pull a guide image that is missing locally (never pulled without this)")
    group.addoption("--prove-autostart", action="store_true",
                    help="with --env=windows: run `wsl --shutdown` (stops every distro) and prove a new login "
                         "shell finds Docker answering (check wsl.autostart.proof)")
    group.addoption("--probe-timeout", default="60", metavar="SECONDS",
                    help="a probe command running longer fails its check (default: 60)")


def _machine_from_options(config: pytest.Config) -> Machine:
    opt = config.option
    env = opt.env
    if env not in ENVS:
        raise pytest.UsageError(f"--env={env!r} is not one of: {', '.join(ENVS)}")
    if opt.snapshot and env == "auto":
        env = "replay"
    if env == "replay" and opt.record:
        raise pytest.UsageError("--record cannot be combined with --env=replay: a replay reads nothing new")
    if env == "replay" and not opt.snapshot:
        raise pytest.UsageError("--env=replay needs --snapshot PATH (try fixtures/snapshots/documented-healthy.json)")
    if opt.snapshot and env != "replay":
        raise pytest.UsageError(f"--snapshot is only used with --env=replay, not --env={env}")
    try:
        timeout = float(opt.probe_timeout)
        if timeout <= 0:
            raise ValueError
    except ValueError:
        raise pytest.UsageError(f"--probe-timeout must be a positive number of seconds, not {opt.probe_timeout!r}") from None
    try:
        profile = load_profile(opt.profile)
        if env == "replay":
            return replay_machine(load_snapshot(opt.snapshot), profile, timeout, opt.distro, opt.wsl_user)
    except (ProfileError, SnapshotError) as exc:
        raise pytest.UsageError(str(exc)) from None
    machine = live_machine(env, profile, timeout, opt.distro, opt.wsl_user, record=bool(opt.record))
    if opt.prove_autostart and machine.env != "windows":
        raise pytest.UsageError(f"--prove-autostart runs `wsl --shutdown`, which would stop this very run under "
                                f"--env={machine.env}: run it from Windows with --env=windows")
    return machine


def _restore_testpaths(config: pytest.Config) -> None:
    """Undo pytest taking an option's value for a test path.

    pytest picks its rootdir and ini file before entry-point plugins add their options,
    so in `--snapshot /tmp/x.json` (with a space) the path is taken for a test path: no
    ini file is found, `testpaths` is lost and the whole working directory is collected.
    When that happened and the invocation directory holds our testpaths, use them.
    """
    if config.inipath is not None or config.args_source != pytest.Config.ArgsSource.INVOCATION_DIR:
        return
    pyproject = config.invocation_params.dir / "pyproject.toml"
    try:
        ini = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return
    paths = [str(config.invocation_params.dir / p) for p in ini.get("testpaths", [])]
    if paths and all(Path(p).exists() for p in paths):
        config.args[:] = paths


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    _restore_testpaths(config)
    config.addinivalue_line("markers", "check(id): a certification check with a stable dotted id")
    config.addinivalue_line("markers", "slow: long-running checks")
    config.addinivalue_line("markers", "prefetch(fixture, probes): slow probes started in the background "
                                       "(wslgpu_certify.probes.prefetch)")
    machine = _machine_from_options(config)
    worker_input = getattr(config, "workerinput", None)
    if worker_input is not None:  # an xdist worker: the controller owns the reports
        run_directory = Path(worker_input["wslgpu_run_dir"])
    else:
        run_directory = run_dir(Path(config.option.reports_dir), machine.hostname)
        run_directory.mkdir(parents=True, exist_ok=True)
        if not config.option.xmlpath:
            config.option.xmlpath = str(run_directory / "junit.xml")
        if hasattr(config.option, "htmlpath") and not config.option.htmlpath:
            config.option.htmlpath = str(run_directory / "report.html")
            config.option.self_contained_html = True
    config.stash[MACHINE] = machine
    state = RunState(machine, run_directory, controller=worker_input is None)
    config.stash[STATE] = state
    config.pluginmanager.register(state, "wslgpu-run-state")
    if worker_input is None:  # xdist workers' output is not shown
        config.pluginmanager.register(WaitProgress(machine), "wslgpu-wait-progress")
    if state.controller and config.pluginmanager.has_plugin("html"):
        from .html_report import HtmlReport
        config.pluginmanager.register(HtmlReport(state), "wslgpu-html-report")


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    node.workerinput["wslgpu_run_dir"] = str(node.config.stash[STATE].run_directory)


def spec_of(item: pytest.Item) -> CheckSpec | None:
    marker = item.get_closest_marker("check")
    if marker is None:
        return None
    template = marker.args[0]
    params = getattr(getattr(item, "callspec", None), "params", {})
    return spec_for(template, {k: v for k, v in params.items() if "{" + k + "}" in template})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run lower layers first, so a root cause is reported before what it breaks."""
    def layer_rank(item):
        spec = spec_of(item)
        return LAYERS.index(spec.layer) if spec else len(LAYERS)
    items.sort(key=layer_rank)


# ---- fixtures ---------------------------------------------------------------------------

@pytest.fixture(scope="session")
def machine(pytestconfig: pytest.Config) -> Machine:
    """The machine being certified (live or replayed)."""
    return pytestconfig.stash[MACHINE]


@pytest.fixture(scope="session")
def profile(machine: Machine) -> dict:
    """The expected values (see --profile)."""
    return machine.profile


def _host(machine: Machine, role: str, missing: str):
    runner = machine.runner(role)
    if runner is None:
        pytest.skip(missing)
    return make_host(runner)


@pytest.fixture(scope="session")
def windows_host(machine: Machine):
    """The Windows host as a testinfra Host (through WSL interop, or natively)."""
    return _host(machine, "windows", f"{NOT_WSL_REASON}: the Windows host is reached with --env=wsl or --env=windows")


@pytest.fixture(scope="session")
def wsl_host(machine: Machine):
    """The Linux distro (the WSL distro, or this Linux box under --env=linux) as a testinfra Host."""
    return _host(machine, "wsl", "no distro host in this snapshot")


@pytest.fixture(autouse=True)
def _certify_check(request: pytest.FixtureRequest):
    spec = spec_of(request.node)
    if spec is None:
        yield
        return
    state: RunState = request.config.stash[STATE]
    reason = state.not_applicable(spec)
    if reason:
        state.gate.note(spec.id, Verdict("not_applicable", reason))
        pytest.skip(reason)
    blocked = state.gate.blocker(spec, request)
    if blocked:
        state.gate.note(spec.id, blocked)  # keeps the root cause for the checks above this one
        pytest.skip(blocked.message)
    probes.collected.clear()
    probes.figures.clear()
    yield


# ---- findings ---------------------------------------------------------------------------

def _finding(item: pytest.Item, spec: CheckSpec, report: pytest.TestReport, call) -> Finding:
    machine = item.config.stash[MACHINE]
    finding = Finding(id=spec.id, layer=spec.layer, title=spec.title, outcome=report.outcome,
                      duration=round(report.duration, 3))
    exc = call.excinfo.value if call.excinfo else None
    if report.skipped:
        finding.message = redact(str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else "")
        finding.message = finding.message.removeprefix("Skipped: ")
    elif report.failed:
        finding.outcome = "failed" if isinstance(exc, CheckFailed) and report.when == "call" else "error"
        finding.message = redact(str(exc) if isinstance(exc, CheckFailed) else f"{type(exc).__name__}: {exc}")
        variant = getattr(exc, "variant", None)
        rem = spec.variants.get(variant, spec.remediation)
        finding.remediation = fill_remediation(rem, {**machine.names(), **spec.params, **getattr(exc, "values", {})})
        if spec.advisory and finding.outcome == "failed":
            finding.outcome = "warning"
    if report.when == "call":
        finding.evidence = list(probes.collected)
        finding.figures = dict(probes.figures)
    return finding


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    report = yield
    spec = spec_of(item)
    if spec is None or report.when == "teardown" or (report.when == "setup" and report.passed):
        return report
    finding = _finding(item, spec, report, call)
    state: RunState = item.config.stash[STATE]
    state.gate.note(spec.id, Verdict(finding.outcome, finding.message))
    # junitxml writes the item's properties with its teardown report: set them on the item
    properties = [("check_id", spec.id), ("layer", spec.layer), ("title", spec.title)]
    if finding.remediation is not None:
        properties.append(("fix", finding.remediation.first_command))
    item.user_properties[:] = [p for p in item.user_properties if p[0] not in dict(properties)] + properties
    report.user_properties = list(item.user_properties)
    if finding.outcome == "warning":  # advisory: shown, never blocking (pytest's xfail)
        report.outcome, report.wasxfail = "skipped", f"advisory: {finding.message}"
    elif finding.outcome == "failed":
        report.longrepr = f"{spec.id}: {finding.message}\n\n{finding.remediation.as_text()}"
    report.wslgpu_finding = finding.to_json()
    if item.config.pluginmanager.has_plugin("html"):
        from .html_report import extras_for
        report.extras = getattr(report, "extras", []) + extras_for(report.wslgpu_finding, state.run_directory)
    return report


# ---- end of run -------------------------------------------------------------------------

@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """xdist: merge what each worker recorded into the controller's snapshot."""
    data = getattr(node, "workeroutput", {}).get("wslgpu_recording")
    recording = node.config.stash[MACHINE].recording
    if data and recording is not None:
        from .runner import CommandRecord
        for role, commands in data.items():
            for command, rec in commands.items():
                recording.add(role, CommandRecord.from_json(command, rec))


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    state: RunState = config.stash[STATE]
    machine = state.machine
    if not state.controller:
        if machine.recording is not None:
            config.workeroutput["wslgpu_recording"] = machine.recording.to_json()["hosts"]
        return
    if machine.recording is not None:
        machine.recording.save(config.option.record)
    if state.findings:
        state.findings.sort(key=lambda f: LAYERS.index(f["layer"]))
        write_results(state.run_directory / "results.json", state.findings, _machine_meta(config, machine))


def _machine_meta(config: pytest.Config, machine: Machine) -> dict:
    return {
        "hostname": machine.hostname,
        "env": "replay" if machine.replay else machine.env,
        "machine_env": machine.env,
        "profile": machine.profile.get("name"),
        "snapshot": config.option.snapshot,
        "distro": machine.distro,
        "user": machine.user,
        # per host role: commands executed (each distinct command once; memoized after that)
        "commands_run": {role: runner.executed for role, runner in machine.runners.items()},
    }


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is None or not state.controller or state.run_directory is None:
        return
    if any(state.run_directory.iterdir()):
        refresh_latest(state.run_directory)
    else:
        state.run_directory.rmdir()


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    state: RunState = config.stash.get(STATE, None)
    if state is None or not state.controller or not state.findings:
        return
    tr = terminalreporter
    machine = state.machine
    result = verdict(state.findings)
    tr.section(f"wslgpu-certify: {result}", sep="=", bold=True,
               green=result == "CERTIFIED", red=result != "CERTIFIED")
    source = f"snapshot {config.option.snapshot}" if machine.replay else f"env {machine.env}"
    tally = ", ".join(f"{n} {k}" for k, n in counts(state.findings).items() if n)
    tr.line(f"{machine.hostname} ({source}, profile {machine.profile.get('name')}): {tally}")
    for f in state.findings:
        if f["outcome"] in ("failed", "error"):
            fix = (f.get("remediation") or {}).get("commands") or [""]
            tr.line(f"  FAIL {f['id']}: {f['message'][:160]}", red=True)
            if fix[0]:
                tr.line(f"       fix: {fix[0]}")
    tr.line(f"report: {config.option.htmlpath or state.run_directory}")
    if not machine.replay and not machine.is_wsl:
        tr.line("Windows/WSL layers were skipped (not a WSL machine). To see a full run: "
                "pytest --env=replay --snapshot fixtures/snapshots/documented-healthy.json")
