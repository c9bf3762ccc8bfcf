"""A diagnosis as text for a support engineer, or as one JSON document (--json)."""

from __future__ import annotations

import json

from ..findings import SHELLS
from ..terminal_text import clip
from .diagnosis import Diagnosis
from .explain import Finding


def _part_label(result) -> str:
    part = result.part
    return f"part {part.index}" + (f" `{clip(part.command, 70)}`" if part.command else "")


def _finding_lines(f: Finding, parts: dict) -> list[str]:
    where = f"part {f.part}" if f.part is not None else "the paste as a whole"
    if f.part is not None and parts.get(f.part):
        where += f" (`{clip(parts[f.part], 50)}`)"
    kind = {"family": "family decoder", "release": "known-bad release"}.get(  # signatures/families/, releases.py
        (f.signature_id or "").split(".")[0], "signature")
    source = f"{kind} {f.signature_id}, {f.confidence} confidence: {f.source}" if f.signature_id else f.source
    lines = [f"[{f.layer}] {f.cause}", f"    seen in {where}: {clip(f.seen, 160)}" if f.seen and f.seen != f.cause
             else f"    seen in {where}"]
    if f.why:
        lines.append(f"    why it matters: {f.why}")
    if f.fix:
        lines.append(f"    fix ({f.where}):" if f.where else "    fix:")
        for step in f.fix:
            lines.append(f"      {step.text}   [{SHELLS.get(step.shell, step.shell)}]" if step.shell
                         else f"      - {step.text}")
    lines.append(f"    source: {source}")
    return lines


def _unrecognised(result) -> str:
    """A part no command or shape names (a log cut mid-line, an error with no command above it): what it shows."""
    first = f"first line {result.part.first_line!r}"
    if result.findings:
        return (f"no known command or output shape ({first}); it shows the known error(s) below; "
                "it cannot tell which command printed them")
    return f"could not recognise this part: {first}; it cannot tell what this part shows or whether it is healthy"


def _all_read(diagnosis: Diagnosis) -> bool:
    """Every part with output was recognised and read whole: only then may the paste be called clean."""
    return all(not r.part.text.strip() or (r.readings and all(not x.unreadable and not x.fragment for x in r.readings))
               for r in diagnosis.parts)


def as_text(diagnosis: Diagnosis) -> str:
    paste = diagnosis.paste
    out = [f"wslgpu-certify diagnose: {len(diagnosis.parts)} part(s), profile {diagnosis.profile}"]
    if diagnosis.choice is not None:  # which profile and why, in one line (and its warning, when asked against the paste)
        out.append(f"profile {diagnosis.choice.name}: {diagnosis.choice.warning or diagnosis.choice.reason}")
    if paste.truncated:
        out.append(f"note: only the first {len(paste.text):,} of {paste.size:,} characters were read")
    if not paste.text.strip():
        out.append("nothing to diagnose: the input is empty")
        return "\n".join(out)
    for result in diagnosis.parts:
        label = _part_label(result)
        if not result.part.text.strip():
            out.append(f"{label}: no output below this command")
        elif not result.readings:
            out.append(f"{label}: {_unrecognised(result)}")
        for r in result.readings:
            if r.unreadable:
                out.append(f"{label}: {r.kind} (by its {r.by}): could not read this part ({r.unreadable}); "
                           "it cannot tell anything this output would show")
            else:
                shown = ("this fragment shows " if r.fragment else "") + "; ".join(r.facts)
                told = f"; it cannot tell {r.cannot_tell}" if r.cannot_tell else ""
                out.append(f"{label}: {r.kind} (by its {r.by})" + (f": {shown}{told}" if r.facts else told))
    commands = {r.part.index: r.part.command for r in diagnosis.parts if r.part.command}
    if diagnosis.findings:
        out.append("")
        out.append(f"{len(diagnosis.findings)} finding(s), by layer:")
        for f in diagnosis.findings:
            out.extend(_finding_lines(f, commands))
    elif diagnosis.recognised and _all_read(diagnosis):
        out.append("")
        out.append("no known problem in this output")
    elif diagnosis.recognised:
        out.append("")
        out.append("no known problem in what could be read; the parts above say what they cannot tell")
    else:
        out.append("")
        out.append("no known problem found, and nothing in this output was recognised")
    if diagnosis.notes:
        out.append("")
        out.append(f"{len(diagnosis.notes)} note(s): a certification run under profile {diagnosis.profile} would "
                   "flag these, but none is a known problem on its own (a version older than the profile expects: "
                   "the paste may predate it; no `nvidia` runtime entry, which `--gpus all` does not need; or a "
                   "release known to be bad, on which nothing here failed):")
        for f in diagnosis.notes:
            out.extend(_finding_lines(f, commands))
    return "\n".join(out)


def as_json(diagnosis: Diagnosis) -> str:
    paste = diagnosis.paste
    parts = []
    for result in diagnosis.parts:
        first = result.readings[0] if result.readings else None
        parts.append({
            "index": result.part.index,
            "command": result.part.command,
            "first_line": result.part.first_line,
            "kind": first.kind if first else None,
            "recognised_by": first.by if first else None,
            "kinds": [{"kind": r.kind, "recognised_by": r.by, "facts": r.facts, "unreadable": r.unreadable,
                       "fragment": r.fragment, "cannot_tell": r.cannot_tell or None} for r in result.readings],
            "findings": [f.to_json() for f in result.findings],
        })
    document = {
        "profile": diagnosis.profile,
        "profile_choice": diagnosis.choice.to_json() if diagnosis.choice is not None else None,
        "characters": paste.size,
        "read": len(paste.text),
        "truncated": paste.truncated,
        "recognised": diagnosis.recognised,
        "exit_code": diagnosis.exit_code,
        "parts": parts,
        "findings": [f.to_json() for f in diagnosis.findings],
        "notes": [f.to_json() for f in diagnosis.notes],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)
