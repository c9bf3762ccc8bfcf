"""The run's state, how a test item maps to its check and machine, and how a test report becomes a Finding.

One `RunState` per machine certified, all of them in one `Runs` per pytest process, in
`config.stash[STATE]`: one machine (a live run, one snapshot), or several snapshots replayed
in one process (many_machines.py), each check then parametrized by machine. In the process that
owns the reports (a lone pytest, or the xdist controller) `Runs` routes every Finding to its machine.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest

from .applicability import NotApplicable
from .catalog import REGISTRY, CheckSpec, fill_remediation, load_checks, remediation_for, spec_for
from .evidence import EvidenceBuffer
from .findings import CheckFailed, Finding
from .gate import Gate
from .profile import fix_lineage, not_applicable_under, profile_setting
from .redact import redact
from .reports.envelope import RunEnvelope
from .reports.run_folder import write_failure
from .reports.summary import PlannedCheck, RunSummary
from .signatures.known_causes import known_causes
from .signatures.versions import versions_from_figures, versions_in

STATE = pytest.StashKey["Runs"]()
MACHINE_PARAM = "machine"  # the fixture a fleet run parametrizes each check with (many_machines.py)
EVIDENCE = pytest.StashKey[EvidenceBuffer]()  # per test item: what its check read and published
MESSAGE_CHARS = 2000  # a finding's message: enough for any cause, bounded whatever a command printed
SPEC = pytest.StashKey["CheckSpec | None"]()  # per test item: the check it runs (spec_of)
BLOCKED_BY = pytest.StashKey[tuple]()  # per test item: (root check, it failed) when a requirement did not pass


class RunState:
    """One machine's certification in this process: its folder, findings, gate and run envelope."""

    def __init__(self, machine, run_directory: Path | None, layers: list[str] | None = None,
                 asked: frozenset[str] = frozenset(), run_id: str | None = None):
        self.machine = machine
        self.envelope = RunEnvelope(machine.machine_id, run_id)
        self.asked = asked  # the opt-in options given: "-m slow", "--prove-autostart"
        self.run_directory = run_directory
        self.layers = layers or []  # --layer: the run certifies these layers only, on purpose
        self.findings: list[Finding] = []
        self.gate = Gate(self.not_applicable)
        self._planned: list[PlannedCheck] | None = None
        self.complete = True  # False once the run was interrupted (Ctrl-C, SIGTERM, -x)
        self.stopped_by: str | None = None  # what interrupted it, in the envelope's words (reports/envelope.py)

    def not_applicable(self, spec: CheckSpec) -> str | None:
        """Why a check does not apply: the machine, then the profile (what the check can never be here), then
        an opt-in not asked for (what it could be, when asked)."""
        reason = self.machine.not_applicable(spec.wsl_only, spec.envs) or not_applicable_under(self.machine.profile,
                                                                                    spec.applies_when)
        if reason is None and spec.opt_in and spec.opt_in not in self.asked:
            reason = f"opt-in: {spec.title[0].lower() + spec.title[1:]}; run it with {spec.opt_in}"
        return reason

    def in_scope(self, spec: CheckSpec) -> bool:
        return not self.layers or spec.layer in self.layers

    def planned(self) -> list[PlannedCheck]:
        """Every check of the catalog (the bundled checks and any collected) this run was meant to cover."""
        if self._planned is None:
            load_checks()
            self._planned = [PlannedCheck(spec.id, spec.layer, spec.title, self.not_applicable(spec))
                             for spec in REGISTRY.values() if self.in_scope(spec)]
        return self._planned

    def summary(self, running: bool = False) -> RunSummary:
        """The run's summary; `running`: the provisional one of session start (the catalog is not loaded yet:
        loading it then would let the gate evaluate checks this run did not collect)."""
        scope = f"layer{'s' if len(self.layers) > 1 else ''} {', '.join(self.layers)}" if self.layers else ""
        if running:
            return RunSummary(self.findings, None, scope, complete=False, running=True)
        return RunSummary(self.findings, self.planned(), scope, complete=self.complete)


class Runs:
    """Every machine this pytest process certifies, by machine id (a pytest plugin: it receives every report)."""

    def __init__(self, runs: list[RunState], controller: bool):
        self.by_id = {run.machine.machine_id: run for run in runs}
        self.controller = controller
        self.fleet = len(runs) > 1  # several snapshots: each check is parametrized by machine
        self.session: pytest.Session | None = None  # the controller's, once it started
        self.stopped_by: BaseException | None = None  # what pytest_keyboard_interrupt saw
        self.write_failure: str | None = None  # the one line said when a report could not be written

    def cannot_write(self, config: pytest.Config, what: Path, exc: OSError) -> None:
        """A full disk, a folder made read-only under us: one line (the first such failure), never a traceback."""
        if self.write_failure is not None:
            return
        self.write_failure = write_failure(what, exc)
        terminal = config.pluginmanager.get_plugin("terminalreporter")
        if terminal is not None:
            if getattr(getattr(terminal, "_tw", None), "width_of_current_line", 0):
                terminal.write("\n")  # after the progress dots, on a line of its own
            terminal.write_line(self.write_failure, red=True, bold=True)
        else:
            print(self.write_failure, file=sys.stderr)

    def guarded(self, config: pytest.Config, session: pytest.Session | None, what: Path, write) -> None:
        """`write()` a report; into a full disk or a folder made read-only under us: one line, a failed exit."""
        try:
            write()
        except OSError as exc:
            self.cannot_write(config, what, exc)
            if session is not None:
                session.exitstatus = pytest.ExitCode.INTERNAL_ERROR

    def pytest_keyboard_interrupt(self, excinfo) -> None:
        """Ctrl-C, pytest.exit from a signal handler, xdist stopping after -x: what the envelope names."""
        self.stopped_by = excinfo.value

    def __iter__(self):
        return iter(self.by_id.values())

    @property
    def only(self) -> RunState:
        """The run of a one-machine process (live, or one snapshot)."""
        if self.fleet:
            raise RuntimeError("a one-machine code path was reached in a run of several machines")
        return next(iter(self.by_id.values()))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        finding = getattr(report, "wslgpu_finding", None)
        if finding is not None and self.controller:
            self.by_id[report.wslgpu_machine].findings.append(Finding.from_json(finding))


def runs_of(config: pytest.Config) -> Runs:
    return config.stash[STATE]


def state_of(config: pytest.Config) -> RunState:
    """The run of a one-machine process; per item in a fleet run: `run_of`."""
    return config.stash[STATE].only


def machine_id_of(item: pytest.Item) -> str:
    """Which machine a test item certifies: its machine parameter in a fleet run, else the only one."""
    runs = runs_of(item.config)
    if runs.fleet:
        return item.callspec.params[MACHINE_PARAM]
    return runs.only.machine.machine_id


def run_of(item: pytest.Item) -> RunState:
    return runs_of(item.config).by_id[machine_id_of(item)]


def is_active(config: pytest.Config) -> bool:
    """Whether this pytest run is a certification (options.requested); else the plugin stays out of the way."""
    return STATE in config.stash


def spec_of(item: pytest.Item) -> CheckSpec | None:
    """The check a test item runs (None for a test that is not a check); found once per item (every hook asks)."""
    if SPEC in item.stash:
        return item.stash[SPEC]
    marker = item.get_closest_marker("check")
    spec = None
    if marker is not None:
        template = marker.args[0]
        params = getattr(getattr(item, "callspec", None), "params", {})
        spec = spec_for(template, {k: v for k, v in params.items() if "{" + k + "}" in template})
    item.stash[SPEC] = spec
    return spec


def _versions(item: pytest.Item, finding: Finding, buffer, advisory: bool) -> dict[str, str]:
    """The releases a check's known-bad-release match reads (signatures/versions.py). A passing check: only the
    versions it published itself, so a release bad whatever the machine shows is noted once, where it was read.
    A failed one: the versions the run's checks published so far (lower layers run first; under xdist a
    worker sees its own), then those the check's own outputs show."""
    found = versions_from_figures(finding.figures)
    if advisory:
        return found
    for earlier in run_of(item).findings:
        found = {**versions_from_figures(earlier.figures), **found}
    for _, text, _ in buffer.outputs:
        found = {**versions_in(text), **found}
    return found


def finding_for(item: pytest.Item, spec: CheckSpec, report: pytest.TestReport, call) -> Finding:
    """What a check's setup or call report says, with the remediation filled for this machine."""
    machine = run_of(item).machine
    finding = Finding(id=spec.id, layer=spec.layer, title=spec.title, outcome=report.outcome,
                      duration=round(report.duration, 3))
    exc = call.excinfo.value if call.excinfo else None
    values = {**machine.names(), **spec.params, **getattr(exc, "values", {})}  # every fix's placeholders, causes' too
    if report.skipped:
        if isinstance(exc, pytest.skip.Exception):
            finding.message = redact(str(exc.msg))
        else:
            finding.message = redact(str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else "")
            finding.message = finding.message.removeprefix("Skipped: ")
        if isinstance(exc, NotApplicable):
            finding.outcome = "not_applicable"
        finding.blocked_by, finding.blocked_by_failure = item.stash.get(BLOCKED_BY, (None, False))
    elif report.failed:
        finding.outcome = "failed" if isinstance(exc, CheckFailed) and report.when == "call" else "error"
        finding.message = redact(str(exc) if isinstance(exc, CheckFailed) else f"{type(exc).__name__}: {exc}")
        variant = getattr(exc, "variant", None)
        rem = getattr(exc, "remediation", None) or remediation_for(spec, variant,
                                                                   fix_lineage(machine.profile, machine.env))
        finding.remediation = fill_remediation(rem, values)
        if spec.advisory and finding.outcome == "failed":
            finding.outcome = "warning"
    if len(finding.message) > MESSAGE_CHARS:
        finding.message = f"{finding.message[:MESSAGE_CHARS]}... ({len(finding.message) - MESSAGE_CHARS} more characters)"
    buffer = item.stash.get(EVIDENCE, None)
    if report.when == "call" and buffer is not None:
        finding.evidence = list(buffer.evidence)
        finding.figures = dict(buffer.figures)
        advisory = finding.outcome not in ("failed", "error")
        causes = known_causes(buffer.outputs, advisory=advisory, engine=profile_setting(machine.profile, "docker.engine"),
                              versions=_versions(item, finding, buffer, advisory), layer=spec.layer,
                              lineage=fix_lineage(machine.profile, machine.env))
        finding.known_causes = [replace(cause, remediation=fill_remediation(cause.remediation, values))
                                for cause in causes]
    return finding
