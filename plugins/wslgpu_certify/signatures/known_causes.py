"""Which known causes a check's evidence shows: every command it read, against signatures/known_causes.toml.

A failed check leads with the cause the error text names (its fix before the check's own);
a matching signature in the output of a check that passed is an advisory note, not a failure.
Order of strength: catalog signatures (the exact error), then a known-bad release the machine shows
(signatures/releases.py: the release and the way out), then a family decode (what a code means).
"""

from __future__ import annotations

from dataclasses import replace

from ..findings import FixStep, KnownCause, Remediation
from ..redact import redact
from . import releases
from .matcher import match

MAX_CAUSES = 3  # per finding: the most specific first; more would bury the fix


def remediation_of(signature, why: str, lineage: list[str] = ()) -> Remediation:
    """A signature's fix for this machine (profile.fix_lineage: its `profiles` entry, else `fix`)."""
    steps = tuple(FixStep(step.run, step.shell or "bash") if step.run else FixStep(step.say, None)
                  for step in signature.fix_for(list(lineage)))
    # the step that fixes: the first command that changes something (a listing is a look, shown as one), else
    # the first command, else the first instruction
    key = next((i for i, s in enumerate(steps) if s.is_command and not s.is_look), None)
    key = next((i for i, s in enumerate(steps) if s.is_command), 0) if key is None else key
    steps = tuple(FixStep(s.text, s.shell, key=i == key) for i, s in enumerate(steps))
    return Remediation(why=why, steps=steps, where=signature.where)


def _redacted(signature):
    steps = tuple(replace(step, run=redact(step.run), say=redact(step.say)) for step in signature.fix)
    return replace(signature, cause=redact(signature.cause), fix=steps)


def known_causes(outputs: list[tuple[str, str, int | None]], advisory: bool,
                 engine: str | None = None, versions: dict[str, str] | None = None,
                 layer: str | None = None, lineage: list[str] = ()) -> list[KnownCause]:
    """The signatures the outputs show under a profile of this docker.engine, most specific first, each once.

    `versions` ({component: version}, signatures/versions.py) are the releases the machine shows and `layer`
    the check's: a failed check whose layer a known-bad release explains gets that release as a cause; a
    passing one gets only the releases bad whatever the machine shows, as advisory notes. `lineage`
    (profile.fix_lineage) picks each cause's fix for this machine.
    """
    found: dict[str, KnownCause] = {}
    for command, text, exit_status in outputs:
        if '\\"' in text:  # an error quoted inside JSON (the container start record): read it as printed
            text = text.replace('\\"', '"').replace("\\n", "\n")
        for hit in match(text, command=command, exit_code=exit_status, engine=engine):
            sig = hit.signature
            if sig.wsl_only and "linux" in lineage:  # WSL's own failure, read on a native Linux machine: not it
                continue
            if sig.id not in found:
                found[sig.id] = KnownCause(sig.id, sig.cause, sig.confidence, sig.source, redact(hit.line),
                                           remediation_of(sig, sig.cause, lineage), advisory)
    order = {"high": 0, "medium": 1, "low": 2}
    ranked = sorted(found.values(), key=lambda c: order.get(c.confidence, 3))
    if versions:
        text = "\n".join(text for _, text, _ in outputs)
        bad = releases.always_bad(versions) if advisory else releases.explains(versions, layer, text)
        known = {cause.id for cause in ranked}
        ranked += [KnownCause(hit.id, hit.signature.cause, hit.signature.confidence, hit.signature.source,
                              hit.line, remediation_of(hit.signature, hit.signature.cause, lineage), advisory)
                   for hit in bad if hit.id not in known]
    if not advisory and all(c.confidence == "low" for c in found.values()):  # no specific signature: decode the error's family
        from . import families  # only here: a run whose checks pass never loads the family tables

        families_found: dict[str, KnownCause] = {}
        for command, text, exit_status in outputs:
            for hit in families.decode(text, command=command, exit_code=exit_status, engine=engine):
                if hit.signature.wsl_only and "linux" in lineage:  # WSL's own failure, on native Linux: not it
                    continue
                sig = _redacted(hit.signature)  # a family's cause and fix quote the output (a path, a reason)
                families_found.setdefault(sig.id, KnownCause(sig.id, sig.cause, sig.confidence, sig.source,
                                                             redact(hit.line), remediation_of(sig, sig.cause, lineage),
                                                             advisory))
        ranked += sorted(families_found.values(), key=lambda c: order.get(c.confidence, 3))
    return ranked[:MAX_CAUSES]
