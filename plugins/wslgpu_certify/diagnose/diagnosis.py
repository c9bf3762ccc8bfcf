"""A whole paste diagnosed: split, recognise, parse, decide, match the known causes, order the findings.

Pure: reads the bytes it is given and the bundled catalogs and profile, runs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..parsers.errors import UnreadableOutput
from ..parsers.distro import KernelInfo
from ..parsers.docker import DockerInfo
from ..parsers.windows import WindowsBuild, WslStatus, WslVersionInfo
from ..profile import load_profile, profile_setting
from ..profile_choice import MachineFacts, ProfileChoice, choose, explicit
from ..signatures import families, match, releases
from ..signatures.versions import versions_in
from .fragments import CANNOT_TELL, NVIDIA_SMI, driver_model_hits, partial
from ..judges import Verdict
from .crosscheck import kernel_override
from .decide import hits_of
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
    verdicts: list = field(default_factory=list)  # every judge's verdict on the record (judges/), passed ones too
    cannot_tell: str = ""  # what this part alone cannot decide (fragments.py), said beside its facts
    fragment: bool = False  # its parser refused it; fragments.partial read what it still shows


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
    choice: ProfileChoice | None = None  # which profile and why (auto: what the paste shows)

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
                cut = partial(kind.name, part.text)
                if cut is not None:  # a fragment: what it still shows, never a verdict on what it lacks
                    reading.unreadable, reading.fragment = None, True
                    reading.facts, reading.hits, reading.cannot_tell = cut.facts, cut.hits, cut.cannot_tell
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


def paste_facts(results: list[PartResult]) -> MachineFacts:
    """The facts --cert-profile auto reads, as the paste shows them (the first of each kind wins)."""
    found: dict[str, object] = {}
    for result in results:
        for reading in result.readings:
            record = reading.record
            if isinstance(record, WindowsBuild):
                found.setdefault("windows_build", record.build)
            elif isinstance(record, KernelInfo) and record.flavour == "wsl2":
                found.setdefault("kernel", record.release)
            elif isinstance(record, DockerInfo) and record.operating_system:
                found.setdefault("docker_os", record.operating_system)
            elif isinstance(record, (WslStatus, WslVersionInfo)) and record.kernel_version:
                found.setdefault("kernel", record.kernel_version)
            if isinstance(record, WslVersionInfo) and record.windows_version:  # "Windows version: 10.0.26100.2454"
                build = record.windows_version.split(".")
                if len(build) >= 3 and build[2].isdigit():
                    found.setdefault("windows_build", int(build[2]))
    return MachineFacts("paste", **found)


def diagnose(raw: bytes | str, profile: dict | None = None) -> Diagnosis:
    """`profile`: the one asked for (--cert-profile); None: auto, the one that fits what the paste shows."""
    paste = read_paste(raw)
    parts = split(paste.text, is_command=is_known_command)
    results = [PartResult(part, _read(part)) for part in parts]
    fits = choose(paste_facts(results))
    if profile is None:
        choice, profile = fits, load_profile(fits.name)
    else:
        choice = explicit(profile.get("name", "?"), fits)
    values = placeholder_values(profile, _known_values(results))
    engine = profile_setting(profile, "docker.engine")  # signatures written for the other engine do not apply
    problems: list[Finding] = []
    notes: list[Finding] = []
    seen_signatures: set[str] = set()
    for result in results:
        for reading in result.readings:
            if reading.record is not None and reading.decide is not None:
                reading.facts, said = reading.decide(reading.record, profile, result.part.text)
                reading.verdicts = [v for v in said if isinstance(v, Verdict)]
                reading.hits = hits_of(said)
                reading.cannot_tell = (getattr(reading.record, "cannot_tell", "")
                                       or CANNOT_TELL.get(reading.kind, ""))
                if reading.kind == NVIDIA_SMI:  # the Windows table pasted as `nvidia-smi`: its TCC rows
                    facts, hits = driver_model_hits(result.part.text)
                    if facts:
                        reading.cannot_tell = CANNOT_TELL["nvidia-smi.exe (the Windows table)"]
                    reading.facts, reading.hits = reading.facts + facts, reading.hits + hits
            for hit in reading.hits:
                finding = from_check(hit, result.part.index, values, "; ".join(reading.facts), profile)
                if finding is not None:
                    (notes if finding.note else problems).append(finding)
                    result.findings.append(finding)
        hits = match(result.part.text, command=result.part.command, engine=engine)
        for found in families.after(hits, result.part.text, command=result.part.command, engine=engine):  # a family: the fallback
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
        for found in families.frameworks.across_parts(paste.text):  # evidence in several commands: the more specific cause
            problems.append(from_signature(found, None, values, profile))
    override = kernel_override([reading for result in results for reading in result.readings])
    if override is not None:  # two parts together: the kernel WSL installed is not the one the distro runs
        problems.append(from_signature(override, None, values, profile))
    _known_bad_releases(paste.text, problems, notes, values, profile)
    return Diagnosis(paste, profile.get("name", "?"), results, _unique(ordered(problems)), _unique(ordered(notes)),
                     choice)


def _known_bad_releases(text: str, problems: list[Finding], notes: list[Finding], values: dict, profile: dict) -> None:
    """The releases the paste shows that are known to be bad (signatures/releases.py): one explains a problem
    found in a layer it covers (with its symptom words in the paste, when it names any); one bad whatever the
    machine shows is a note when nothing failed there. A version alone never makes a problem."""
    shown = versions_in(text)
    if not shown:
        return
    named: set[str] = set()
    for layer in dict.fromkeys(f.layer for f in problems):
        for hit in releases.explains(shown, layer, text):
            if hit.id not in named:
                named.add(hit.id)
                problems.append(replace(from_signature(hit, None, values, profile), layer=layer))
    for hit in releases.always_bad(shown):
        if hit.id not in named:
            notes.append(replace(from_signature(hit, None, values, profile), note=True, confidence="profile"))


def _unique(findings: list[Finding]) -> list[Finding]:
    seen, kept = set(), []
    for f in findings:
        key = (f.id, f.cause)
        if key not in seen:
            seen.add(key)
            kept.append(f)
    return kept
