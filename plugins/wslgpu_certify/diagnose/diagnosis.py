"""A whole paste diagnosed: split, recognise, parse, decide, match the known causes, order the findings.

Pure: reads the bytes it is given and the bundled catalogs and profile, runs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..parsers.errors import UnreadableOutput
from ..profile import profile_setting
from ..signatures import families, match
from .explain import Finding, from_check, from_signature, ordered, placeholder_values
from .recognise import distro_named, is_known_command, recognise
from .split import Paste, Part, read_paste, split


@dataclass
class Reading:
    kind: str
    layer: str
    by: str  # "command" or "shape"
    record: object = None
    unreadable: str | None = None  # what the parser could not read
    facts: list[str] = field(default_factory=list)
    hits: list = field(default_factory=list)
    decide: object = None  # the kind's decide function


@dataclass
class PartResult:
    part: Part
    readings: list[Reading]
    findings: list[Finding] = field(default_factory=list)

    @property
    def recognised(self) -> bool:
        return bool(self.readings)


@dataclass
class Diagnosis:
    paste: Paste
    profile: str
    parts: list[PartResult]
    findings: list[Finding]  # problems, ordered
    notes: list[Finding]  # older than the profile expects

    @property
    def recognised(self) -> bool:
        return any(p.recognised for p in self.parts)

    @property
    def exit_code(self) -> int:
        if self.findings:
            return 1
        return 0 if self.recognised else 2


def _read(part: Part) -> list[Reading]:
    readings = []
    if not part.text.strip():  # a prompt line right above the next one: nothing to read
        return readings
    for found in recognise(part):
        kind = found.kind
        reading = Reading(kind.name, kind.layer, found.by, decide=kind.decide)
        if kind.parse is not None:
            try:
                reading.record = kind.parse(part.text)
            except UnreadableOutput as exc:
                reading.unreadable = exc.what
            except Exception as exc:  # a parser's bug is this part's problem, never the run's
                reading.unreadable = f"{kind.name}: {type(exc).__name__}"
        readings.append(reading)
    return readings


def _known_values(results: list[PartResult]) -> dict:
    """{distro} and {user} as the paste shows them: the default distro, a `wsl -d NAME`, a user@host prompt."""
    known: dict[str, str] = {}
    for result in results:
        if result.part.user and result.part.user != "root":
            known.setdefault("user", result.part.user)
        for reading in result.readings:
            record = reading.record
            if isinstance(record, list) and record and hasattr(record[0], "is_default"):
                default = next((d for d in record if d.is_default and not d.name.startswith("docker-desktop")), None)
                if default:
                    known.setdefault("distro", default.name)
            elif hasattr(record, "default_distribution") and record.default_distribution:
                known.setdefault("distro", record.default_distribution)
        named = distro_named(result.part.command)
        if named:
            known.setdefault("distro", named)
    return known


def diagnose(raw: bytes | str, profile: dict) -> Diagnosis:
    paste = read_paste(raw)
    parts = split(paste.text, is_command=is_known_command)
    results = [PartResult(part, _read(part)) for part in parts]
    values = placeholder_values(profile, _known_values(results))
    engine = profile_setting(profile, "docker.engine")  # signatures written for the other engine do not apply
    problems: list[Finding] = []
    notes: list[Finding] = []
    seen_signatures: set[str] = set()
    for result in results:
        for reading in result.readings:
            if reading.record is None or reading.decide is None:
                continue
            reading.facts, reading.hits = reading.decide(reading.record, profile, result.part.text)
            for hit in reading.hits:
                finding = from_check(hit, result.part.index, values, "; ".join(reading.facts), profile)
                if finding is not None:
                    (notes if finding.note else problems).append(finding)
                    result.findings.append(finding)
        hits = match(result.part.text, command=result.part.command, engine=engine)
        for found in hits or families.decode(result.part.text, command=result.part.command):  # a family: the fallback
            if found.id not in seen_signatures:
                seen_signatures.add(found.id)
                finding = from_signature(found, result.part.index, values, profile)
                problems.append(finding)
                result.findings.append(finding)
        for found in families.notes(result.part.text):  # wsl.exe warnings: what they are, never the failure
            notes.append(replace(from_signature(found, result.part.index, values, profile), note=True, confidence="profile"))
    if len(results) > 1:  # an error cut in two by a prompt line, or spread over parts
        for found in match(paste.text, engine=engine):
            if found.id not in seen_signatures and "*" in found.signature.commands:
                seen_signatures.add(found.id)
                problems.append(from_signature(found, None, values, profile))
    return Diagnosis(paste, profile.get("name", "?"), results, _unique(ordered(problems)), _unique(ordered(notes)))


def _unique(findings: list[Finding]) -> list[Finding]:
    seen, kept = set(), []
    for f in findings:
        key = (f.id, f.cause)
        if key not in seen:
            seen.add(key)
            kept.append(f)
    return kept
