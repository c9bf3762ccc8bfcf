"""A finding is data: what a check concluded, why it matters and how to fix it.

Checks raise `CheckFailed`; the plugin joins it with the catalog's remediation and
the evidence the probes gathered. Renderers (terminal, JUnit, JSON, HTML) all read
the same `Finding`, nothing formats a hint twice.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

LAYERS = ("windows", "wsl", "docker", "gpu", "jupyter", "rstudio", "rpy2")


class CheckFailed(AssertionError):
    """A check's verdict: the machine does not meet the profile.

    `variant` picks a more specific remediation from the catalog (e.g. the
    known-bad Windows build, or the engine's exact GPU error); keyword `values`
    fill the remediation's placeholders with what the check learned (`{image}`).
    """

    def __init__(self, message: str, variant: str | None = None, **values: str):
        self.variant = variant
        self.values = values
        super().__init__(message)


@dataclass(frozen=True)
class Remediation:
    why: str
    commands: tuple[str, ...] = ()
    where: str = ""
    links: tuple[str, ...] = ()

    @property
    def first_command(self) -> str:
        return self.commands[0] if self.commands else ""

    def as_text(self) -> str:
        lines = [f"Why it matters: {self.why}"]
        if self.commands:
            lines.append(f"Fix ({self.where}):" if self.where else "Fix:")
            lines.extend(f"    {cmd}" for cmd in self.commands)
        lines.extend(f"See: {link}" for link in self.links)
        return "\n".join(lines)


@dataclass(frozen=True)
class Evidence:
    role: str
    command: str
    exit_status: int | None
    excerpt: str
    duration: float = 0.0


@dataclass
class Finding:
    id: str
    layer: str
    title: str
    outcome: str
    message: str = ""
    remediation: Remediation | None = None
    evidence: list[Evidence] = field(default_factory=list)
    figures: dict = field(default_factory=dict)
    duration: float = 0.0

    def to_json(self) -> dict:
        data = asdict(self)
        if self.remediation is not None:
            data["remediation"]["commands"] = list(self.remediation.commands)
            data["remediation"]["links"] = list(self.remediation.links)
        return data
