"""A diagnosis finding: what was seen, its cause and fix, from the check catalog or the known-causes catalog.

A check's finding takes the check's remediation (checks/<layer>.toml, through
catalog.load_checks(), loaded only when a check is hit: it imports the check modules); a
signature's takes the signature's cause, fix and source (signatures/known_causes.toml).
Placeholders are filled with what the paste showed, else `Ubuntu` and `<your user>`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..findings import LAYERS
from ..placeholders import StandIn, fill, fill_command
from ..profile import fix_lineage, not_applicable_under
from .decide import CheckHit

DEFAULTS = {"distro": "Ubuntu", "user": StandIn("<your user>")}


@dataclass(frozen=True)
class FixLine:
    text: str
    shell: str | None = None  # None: an instruction in words; else bash, cmd, powershell, r, dockerfile

    def to_json(self) -> dict:
        return {"run": self.text, "shell": self.shell} if self.shell else {"say": self.text}


@dataclass(frozen=True)
class Finding:
    layer: str
    cause: str  # one sentence: for a check what the output shows, for a signature the known cause
    fix: tuple[FixLine, ...]
    source: str  # the signature's public thread, or "check <id> (docs/checks.md)"
    confidence: str  # a signature's high/medium/low; "high" for a check read off its own output; "profile" for a note
    check_id: str | None = None
    signature_id: str | None = None
    seen: str = ""  # the line or fact it was read from
    why: str = ""  # why it matters (a check's remediation)
    where: str = ""  # where the fix is run
    part: int | None = None  # the part it was seen in; None: the paste as a whole
    note: bool = False  # older than the profile expects: shown, not counted as a problem

    @property
    def id(self) -> str:
        return self.signature_id or self.check_id or ""

    def to_json(self) -> dict:
        return {"layer": self.layer, "check_id": self.check_id, "signature_id": self.signature_id,
                "cause": self.cause, "seen": self.seen, "why": self.why, "where": self.where,
                "fix": [step.to_json() for step in self.fix], "source": self.source,
                "confidence": self.confidence, "part": self.part, "note": self.note}


def placeholder_values(profile: dict, known: dict) -> dict:
    images = profile.get("images", {})
    values = {**DEFAULTS, "image": images.get("nbody", StandIn("{image}")),
              **{f"{role}_image": image for role, image in images.items()},
              "reticulate_python": profile.get("rstudio", {}).get("reticulate_python", StandIn("{reticulate_python}"))}
    values.update({k: v for k, v in known.items() if v})
    return values


def from_check(hit: CheckHit, part: int | None, values: dict, seen: str = "",
               profile: dict | None = None) -> Finding | None:
    """The finding a decided check gives; None when the catalog has no such check or the profile rules it out
    (Docker Desktop answering is no finding under a Desktop profile)."""
    from ..catalog import REGISTRY, fill_remediation, load_checks, remediation_for  # imports pytest and the checks: only when needed

    spec = (REGISTRY if hit.check_id in REGISTRY else load_checks()).get(hit.check_id)
    if spec is None or (profile is not None and not_applicable_under(profile, spec.applies_when)):
        return None
    rem = remediation_for(spec, hit.variant, fix_lineage(profile) if profile is not None else ["wsl", "documented"])
    rem = fill_remediation(rem, {**values, **({"distro": hit.distro} if hit.distro else {})})
    return Finding(spec.layer, hit.seen, tuple(FixLine(s.text, s.shell) for s in rem.steps),
                   f"check {spec.id} (docs/checks.md)" + "".join(f"; {link}" for link in rem.links),
                   "profile" if hit.note else "high", check_id=spec.id, seen=seen, why=rem.why,
                   where=rem.where, part=part, note=hit.note)


def from_signature(found, part: int | None, values: dict, profile: dict | None = None) -> Finding:
    sig = found.signature
    fix = tuple(FixLine(fill_command(step.run, values, step.shell or "bash"), step.shell or "bash") if step.run
                else FixLine(fill(step.say, values))
                for step in sig.fix_for(fix_lineage(profile) if profile is not None else ["wsl", "documented"]))
    return Finding(sig.layer, sig.cause, fix, sig.source, sig.confidence, signature_id=sig.id,
                   seen=found.line, where=sig.where, part=part)


def ordered(findings: list[Finding]) -> list[Finding]:
    """By layer; a signature leads the checks of the part it was seen in (its cause is the more specific)."""
    check_layer: dict[int | None, int] = {}
    for f in findings:
        if f.check_id:
            check_layer[f.part] = min(check_layer.get(f.part, 99), LAYERS.index(f.layer))

    def key(f: Finding):
        layer = LAYERS.index(f.layer)
        if f.signature_id:
            layer = min(layer, check_layer.get(f.part, 99))
        return (layer, f.part if f.part is not None else 10**6, 0 if f.signature_id else 1,
                ("high", "medium", "low", "profile").index(f.confidence))

    return sorted(findings, key=key)
