"""The run's state, how a test item maps to its check, and how a test report becomes a Finding.

One `RunState` per pytest process, in `config.stash[STATE]`. In the process that owns
the reports (a lone pytest, or the xdist controller) it collects every Finding.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from .applicability import NotApplicable
from .catalog import REGISTRY, CheckSpec, fill_remediation, load_checks, spec_for
from .evidence import EvidenceBuffer
from .findings import CheckFailed, Finding
from .gate import Gate
from .hosts.executors import NotRecorded
from .known_causes import known_causes
from .placeholders import fill
from .probes.windows import DISTRO_DEFAULT_USER
from .redact import redact
from .reports.run_folder import write_failure
from .reports.summary import PlannedCheck, RunSummary

STATE = pytest.StashKey["RunState"]()
EVIDENCE = pytest.StashKey[EvidenceBuffer]()  # per test item: what its check read and published
MESSAGE_CHARS = 2000  # a finding's message: enough for any cause, bounded whatever a command printed
BLOCKED_BY = pytest.StashKey[tuple]()  # per test item: (root check, it failed) when a requirement did not pass


class RunState:
    """Per-process state of one certification run (a pytest plugin: it receives every report)."""

    def __init__(self, machine, run_directory: Path | None, controller: bool, layers: list[str] | None = None,
                 asked: frozenset[str] = frozenset()):
        self.machine = machine
        self.asked = asked  # the opt-in options given: "-m slow", "--prove-autostart"
        self.run_directory = run_directory
        self.controller = controller
        self.layers = layers or []  # --layer: the run certifies these layers only, on purpose
        self.findings: list[Finding] = []
        self.gate = Gate(self.not_applicable)
        self._planned: list[PlannedCheck] | None = None
        self.complete = True  # False once the run was interrupted (Ctrl-C, SIGTERM, -x)
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


    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        finding = getattr(report, "wslgpu_finding", None)
        if finding is not None and self.controller:
            self.findings.append(Finding.from_json(finding))

    def not_applicable(self, spec: CheckSpec) -> str | None:
        if spec.opt_in and spec.opt_in not in self.asked:
            return f"opt-in: {spec.title[0].lower() + spec.title[1:]}; run it with {spec.opt_in}"
        return self.machine.not_applicable(spec.wsl_only)

    def in_scope(self, spec: CheckSpec) -> bool:
        return not self.layers or spec.layer in self.layers

    def planned(self) -> list[PlannedCheck]:
        """Every check of the catalog (the bundled checks and any collected) this run was meant to cover."""
        if self._planned is None:
            load_checks()
            self._planned = [PlannedCheck(spec.id, spec.layer, spec.title, self.not_applicable(spec))
                             for spec in REGISTRY.values() if self.in_scope(spec)]
        return self._planned

    def summary(self) -> RunSummary:
        scope = f"layer{'s' if len(self.layers) > 1 else ''} {', '.join(self.layers)}" if self.layers else ""
        return RunSummary(self.findings, self.planned(), scope, complete=self.complete)


def state_of(config: pytest.Config) -> RunState:
    return config.stash[STATE]


def is_active(config: pytest.Config) -> bool:
    """Whether this pytest run is a certification (options.requested); else the plugin stays out of the way."""
    return STATE in config.stash


def spec_of(item: pytest.Item) -> CheckSpec | None:
    """The check a test item runs (None for a test that is not a check)."""
    marker = item.get_closest_marker("check")
    if marker is None:
        return None
    template = marker.args[0]
    params = getattr(getattr(item, "callspec", None), "params", {})
    return spec_for(template, {k: v for k, v in params.items() if "{" + k + "}" in template})


def _names(machine) -> dict:
    """Values for a fix's placeholders; the distro's user, when no one named it (--env=windows without
    --wsl-user), is asked of the distro once (`wsl.exe -d DISTRO -- id -un`, a read like any probe)."""
    if machine.user is None and machine.is_wsl and (runner := machine.runner("windows")) is not None:
        try:
            record = runner.run(fill(DISTRO_DEFAULT_USER.command, {"distro": machine.distro}))
        except NotRecorded:
            record = None
        user = record.stdout.strip() if record is not None and record.exit_status == 0 else ""
        if user and user.replace("-", "").replace("_", "").isalnum():
            machine.user = user
    return machine.names()


def finding_for(item: pytest.Item, spec: CheckSpec, report: pytest.TestReport, call) -> Finding:
    """What a check's setup or call report says, with the remediation filled for this machine."""
    machine = state_of(item.config).machine
    finding = Finding(id=spec.id, layer=spec.layer, title=spec.title, outcome=report.outcome,
                      duration=round(report.duration, 3))
    exc = call.excinfo.value if call.excinfo else None
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
        rem = getattr(exc, "remediation", None) or spec.variants.get(variant, spec.remediation)
        finding.remediation = fill_remediation(rem, {**_names(machine), **spec.params, **getattr(exc, "values", {})})
        if spec.advisory and finding.outcome == "failed":
            finding.outcome = "warning"
    if len(finding.message) > MESSAGE_CHARS:
        finding.message = f"{finding.message[:MESSAGE_CHARS]}... ({len(finding.message) - MESSAGE_CHARS} more characters)"
    buffer = item.stash.get(EVIDENCE, None)
    if report.when == "call" and buffer is not None:
        finding.evidence = list(buffer.evidence)
        finding.figures = dict(buffer.figures)
        finding.known_causes = known_causes(buffer.outputs, advisory=finding.outcome not in ("failed", "error"))
    return finding
