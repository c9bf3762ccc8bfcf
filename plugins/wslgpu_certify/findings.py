"""A finding is data: what a check concluded, why it matters and how to fix it.

Checks raise `CheckFailed`; the session joins it with the catalog's remediation and
the evidence the probes gathered. A `Finding` renders itself (text for the terminal and
JUnit, HTML for the report, JSON for results.json and xdist); the reporters read it and
the one OUTCOMES table, and never re-derive a label, a tally or the first fix by hand.
"""

from __future__ import annotations

import copy
import html
from dataclasses import dataclass, field

from .fix_steps import FIX_STYLE, SHELLS, FixStep  # noqa: F401 (SHELLS: re-exported for the catalog)

OTHERWISE = "If that does not help"  # what comes after a known cause's fix: the check's own, second
LAYERS = ("windows", "wsl", "docker", "gpu", "jupyter", "rstudio", "rpy2")


@dataclass(frozen=True)
class Outcome:
    """One outcome a check can have, and what it means everywhere it is shown or counted."""

    name: str
    severity: int  # how bad: a rise between two runs is drift
    fails_verdict: bool  # one such check and the run is NOT CERTIFIED
    gap: bool  # the check applies here but reached no verdict: the run cannot be CERTIFIED
    blocks: bool  # a check that requires this one is skipped, naming it
    colour: str  # in the report
    meaning: str  # in words, for docs/results.md and the report's legend


# In the order results.json counts them.
OUTCOMES = {o.name: o for o in (
    Outcome("passed", 0, fails_verdict=False, gap=False, blocks=False, colour="#2e7d32",
            meaning="the machine meets the profile here"),
    Outcome("failed", 3, fails_verdict=True, gap=False, blocks=True, colour="#c62828",
            meaning="the machine does not meet the profile here; the fix says how to make it"),
    Outcome("skipped", 1, fails_verdict=False, gap=True, blocks=True, colour="#757575",
            meaning="applies here but did not run: a requirement did not pass, or the command was not recorded "
                    "or could not be reached"),
    Outcome("error", 4, fails_verdict=True, gap=False, blocks=True, colour="#6a1b9a",
            meaning="the check itself broke: nothing is known"),
    Outcome("warning", 2, fails_verdict=False, gap=False, blocks=False, colour="#ef6c00",
            meaning="an advisory check failed; it never blocks certification"),
    Outcome("not_applicable", 0, fails_verdict=False, gap=False, blocks=False, colour="#90a4ae",
            meaning="does not apply to this machine, env or profile, or is opt-in and was not asked for"),
)}


def outcome(name: str) -> Outcome:
    """The OUTCOMES entry of a name; an unknown name (a newer results.json) counts as an error."""
    return OUTCOMES.get(name) or OUTCOMES["error"]


class CheckFailed(AssertionError):
    """A check's verdict: the machine does not meet the profile.

    `variant` picks a more specific remediation from the catalog (e.g. the
    known-bad Windows build, or the engine's exact GPU error); keyword `values`
    fill the remediation's placeholders with what the check learned (`{image}`).
    `remediation` replaces the catalog's altogether, where the cause is not the
    check's (a program that could not be started).
    """

    def __init__(self, message: str, variant: str | None = None, remediation: "Remediation | None" = None,
                 **values: str):
        self.variant = variant
        self.values = values
        self.remediation = remediation
        super().__init__(message)


@dataclass(frozen=True)
class Remediation:
    why: str
    steps: tuple[FixStep, ...] = ()
    where: str = ""
    links: tuple[str, ...] = ()

    @property
    def commands(self) -> tuple[str, ...]:
        """Every step's text, in order (results.json `commands`)."""
        return tuple(step.text for step in self.steps)

    @property
    def key_step(self) -> FixStep | None:
        """The step that fixes: the one marked `key`, else the first command, else the first step."""
        return next((s for s in self.steps if s.key), None) or next((s for s in self.steps if s.is_command), None) \
            or (self.steps[0] if self.steps else None)

    @property
    def summary(self) -> str:
        return self.key_step.text if self.key_step else ""

    def as_text(self) -> str:
        lines = [f"Why it matters: {self.why}"]
        if self.steps:
            lines.append(f"Fix ({self.where}):" if self.where else "Fix:")
            lines.extend(step.as_text() for step in self.steps)
        lines.extend(f"See: {link}" for link in self.links)
        return "\n".join(lines)

    def to_html(self) -> str:
        parts = [f'<p><b>Why it matters:</b> {html.escape(self.why)}</p>']
        if self.steps:
            where = f" ({html.escape(self.where)})" if self.where else ""
            parts.append(f"<p><b>Fix{where}:</b></p><ol class=\"wslgpu-steps\">")
            for step in self.steps:
                if step.is_command:
                    parts.append(f'<li><span class="wslgpu-shell" style="color:#424242">{html.escape(SHELLS.get(step.shell, step.shell))}</span>'
                                 f'<pre class="wslgpu-fix" style="{FIX_STYLE}">{html.escape(step.text)}</pre></li>')
                else:
                    parts.append(f'<li class="wslgpu-say">{html.escape(step.text)}</li>')
            parts.append("</ol>")
        parts += [f'<p>See <a href="{html.escape(link)}">{html.escape(link)}</a></p>' for link in self.links]
        return "".join(parts)

    def to_json(self) -> dict:
        return {"why": self.why, "summary": self.summary, "commands": list(self.commands),
                "steps": [step.to_json() for step in self.steps], "where": self.where, "links": list(self.links)}

    @classmethod
    def from_json(cls, data: dict) -> "Remediation":
        steps = data.get("steps")
        steps = tuple(FixStep.from_json(s) for s in (steps if steps is not None else data.get("commands", ())))
        return cls(data["why"], steps, data.get("where", ""), tuple(data.get("links", ())))


@dataclass(frozen=True)
class Evidence:
    role: str
    command: str
    exit_status: int | None
    excerpt: str
    duration: float = 0.0

    def to_html(self) -> str:
        return (f"<p><b>Evidence</b> ({html.escape(self.role)}): <code>{html.escape(self.command)}</code> "
                f"exited {self.exit_status}</p><pre>{html.escape(self.excerpt)}</pre>")


@dataclass(frozen=True)
class KnownCause:
    """A known-cause signature the check's evidence showed (signatures/known_causes.toml)."""

    id: str
    cause: str
    confidence: str  # high / medium / low
    source: str  # the public thread it was learned from
    line: str  # the line of the output that matched
    remediation: Remediation
    advisory: bool = False  # shown beside a check that passed: a note, never a failure

    def as_text(self) -> str:
        head = f"{'Note' if self.advisory else 'Known cause'} ({self.id}, {self.confidence} confidence): {self.cause}"
        steps = [step.as_text() for step in self.remediation.steps]
        where = f" ({self.remediation.where})" if self.remediation.where else ""
        return "\n".join([head, f"  seen: {self.line}", f"Its fix{where}:", *steps, f"Source: {self.source}"])

    def to_html(self) -> str:
        label = "Note" if self.advisory else "Known cause"
        return (f'<div class="wslgpu-known-cause" data-signature="{html.escape(self.id)}"><p><b>{label}</b> '
                f'(<code>{html.escape(self.id)}</code>, {html.escape(self.confidence)} confidence): '
                f'{html.escape(self.cause)}</p><p>seen: <code>{html.escape(self.line)}</code></p>'
                + self.remediation.to_html().replace("Why it matters", "Why", 1)
                + f'<p>Source: <a href="{html.escape(self.source)}">{html.escape(self.source)}</a></p></div>')

    def to_json(self) -> dict:
        return {"id": self.id, "cause": self.cause, "confidence": self.confidence, "source": self.source,
                "line": self.line, "remediation": self.remediation.to_json(), "advisory": self.advisory}

    @classmethod
    def from_json(cls, data: dict) -> "KnownCause":
        return cls(data["id"], data["cause"], data["confidence"], data["source"], data["line"],
                   Remediation.from_json(data["remediation"]), bool(data.get("advisory")))


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
    blocked_by: str | None = None  # a skip caused by this check (in this or a lower layer), which failed or did not run
    blocked_by_failure: bool = False  # ... which failed
    known_causes: list[KnownCause] = field(default_factory=list)  # what the evidence's error text is known to mean

    @property
    def fails_verdict(self) -> bool:
        return outcome(self.outcome).fails_verdict

    @property
    def is_gap(self) -> bool:
        return outcome(self.outcome).gap

    @property
    def leading_cause(self) -> KnownCause | None:
        """The known cause a failure leads with (its fix comes before the check's own)."""
        return next((cause for cause in self.known_causes if not cause.advisory), None)

    @property
    def first_step(self) -> FixStep | None:
        """THE first step of the one ordered fix, decided here and only here; every output reads it: the leading
        known cause's step (the evidence showed that cause), else the check's own. The other fix follows only
        as "if that does not help" (as_text, to_html), never as a first step of its own."""
        lead = self.leading_cause
        return lead.remediation.key_step if lead is not None else \
            self.remediation.key_step if self.remediation is not None else None

    @property
    def first_fix(self) -> str:
        return self.first_step.text if self.first_step else ""

    @property
    def first_step_line(self) -> str:
        """The first step as one line naming what it is and where it runs: `fix on Windows (cmd): wsl.exe ...`."""
        step = self.first_step
        return f"{step.label} {step.where}: {step.text}" if step else ""

    def as_text(self) -> str:
        """The failure as pytest shows it (and JUnit carries it): the message, the known cause, why, the fix."""
        parts = [f"{self.id}: {self.message}"]
        parts += [cause.as_text() for cause in self.known_causes]
        if self.remediation is not None:
            parts.append((f"{OTHERWISE}, the check's own fix:\n" if self.leading_cause else "") + self.remediation.as_text())
        return "\n\n".join(parts)

    def to_html(self) -> str:
        parts = [f'<div class="wslgpu-remediation"><p><b>{html.escape(self.id)}</b>: {html.escape(self.message)}</p>']
        parts += [cause.to_html() for cause in self.known_causes]
        if self.remediation is not None:
            parts.append((f"<p><b>{OTHERWISE}, the check's own fix:</b></p>" if self.leading_cause else "")
                         + self.remediation.to_html())
        parts += [ev.to_html() for ev in self.evidence]
        return "".join(parts) + "</div>"

    def to_json(self) -> dict:
        # field by field, in field order (what dataclasses.asdict gave, without its deep copy of every string:
        # each finding is written at every results.json write, so it was a share of a replay's start-up)
        return {"id": self.id, "layer": self.layer, "title": self.title, "outcome": self.outcome, "message": self.message,
                "remediation": self.remediation.to_json() if self.remediation is not None else None,
                "evidence": [{"role": ev.role, "command": ev.command, "exit_status": ev.exit_status,
                              "excerpt": ev.excerpt, "duration": ev.duration} for ev in self.evidence],
                "figures": copy.deepcopy(self.figures), "duration": self.duration, "blocked_by": self.blocked_by,
                "blocked_by_failure": self.blocked_by_failure,
                "known_causes": [cause.to_json() for cause in self.known_causes],
                "first_step": self.first_step.to_json() if self.first_step else None}  # as every output shows it

    @classmethod
    def from_json(cls, data: dict) -> "Finding":
        """The inverse of to_json: findings cross from xdist workers as JSON."""
        rem = data.get("remediation")
        return cls(
            id=data["id"], layer=data["layer"], title=data["title"], outcome=data["outcome"],
            message=data.get("message", ""),
            remediation=Remediation.from_json(rem) if rem else None,
            evidence=[Evidence(**ev) for ev in data.get("evidence", [])],
            figures=dict(data.get("figures", {})),
            duration=data.get("duration", 0.0),
            blocked_by=data.get("blocked_by"),
            blocked_by_failure=bool(data.get("blocked_by_failure")),
            known_causes=[KnownCause.from_json(c) for c in data.get("known_causes", [])],
        )
