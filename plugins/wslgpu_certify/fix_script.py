"""`wslgpu-certify fix RUN`: the fix of every failed check as two scripts to review, never to run blind.

    wslgpu-certify fix results.json [--out DIR]              # a run's results.json (a run folder works too)
    wslgpu-certify fix SNAPSHOT.json [--out DIR] [--cert-profile P]   # replayed here first
    wslgpu-certify fix broken-wsl1 [--out DIR]               # a bundled example snapshot, by name

writes DIR/fix-distro.sh (bash, `set -euo pipefail`) and DIR/fix-windows.ps1, and runs neither. The steps
come in root-cause order (the layers bottom up, in the run's order within a layer: a check's requirements run
before it), each failure's one ordered fix (Finding.first_step's: the leading known cause's, else the check's),
each step commented with its check id, cause and source, a step already written once left out, and a last
step that runs the suite again. A check skipped because another failed has no steps of its own: its
blocker's fix is its fix, and the blocker's comment names it.

A results.json may come from anyone: a command is written only when it is one of the catalogs' steps (checks/
*.toml and the known causes, any variant or profile, with each placeholder standing for one quoted word);
anything else, a look (it changes nothing) and an instruction in words become comments.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import sys
import tempfile
from pathlib import Path

from .findings import LAYERS, Finding, FixStep
from .hosts.snapshot import SnapshotError, snapshot_path
from .placeholders import PLACEHOLDER
from .terminal_text import for_terminal

WINDOWS_SHELLS = ("cmd", "powershell")
# a placeholder's value as fill_command writes it: one word of plain characters or quoted (quoting.py), or our
# <STAND_IN>; never a shell's operator, substitution or glob outside quotes
_WORD = r"""(?:[A-Za-z0-9_.,:/=+@\\-]|'[^']*'|"[^"$`%!]*"|<[A-Za-z_ ]+>)+"""


class FixScriptError(Exception):
    pass


def _catalog_patterns() -> set[re.Pattern]:
    """Every step the catalogs can print, as a pattern: the template with each {name} one word."""
    from .catalog import load_checks
    from .signatures import load_catalog

    texts = set()
    for spec in load_checks().values():
        for rem in (spec.remediation, *spec.variants.values(), *spec.by_profile.values()):
            texts.update(step.text for step in rem.steps if step.is_command)
    for sig in load_catalog():
        for _, steps in (("", sig.fix), *sig.profiles):
            texts.update(step.run for step in steps if step.run)
    return {re.compile("".join(_WORD if i % 2 else re.escape(part)
                               for i, part in enumerate(PLACEHOLDER.split(text)))) for text in texts}


def _results_of(path: Path, profile: str | None) -> dict:
    """The results.json document: read, or (a snapshot) made by replaying it here."""
    if path.is_dir():
        path = path / "results.json"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FixScriptError(f"{path}: not a readable JSON file ({exc.__class__.__name__})") from None
    fmt = document.get("format", "") if isinstance(document, dict) else ""
    if fmt.startswith("wslgpu-certify-results/"):
        return document
    if fmt.startswith("wslgpu-certify-snapshot/"):
        return _replay(path, profile)
    raise FixScriptError(f"{path}: neither a results.json nor a snapshot (format {fmt!r})")


def _replay(snapshot: Path, profile: str | None) -> dict:
    from .catalog import bundled_checks_dir
    from .tool_plugins import run_pytest

    with tempfile.TemporaryDirectory() as reports:
        args = ["-q", "--snapshot", str(snapshot),
                "--reports-dir", reports, *(["--cert-profile", profile] if profile else [])]
        with contextlib.redirect_stdout(io.StringIO()):
            run_pytest(bundled_checks_dir(), args)  # the plugins a replay needs (tool_plugins.py), not every one installed
        found = sorted(Path(reports).glob("*/results.json"))
        if not found:
            raise FixScriptError(f"replaying {snapshot} wrote no results.json")
        return json.loads(found[0].read_text(encoding="utf-8"))


def _one_line(text: str) -> str:
    return for_terminal(" ".join(str(text).split()), one_line=True)


def _comment(prefix: str, text: str) -> str:
    return f"{prefix} {_one_line(text)}"


def _ordered(findings: list[Finding]) -> list[Finding]:
    order = {f.id: n for n, f in enumerate(findings)}
    failed = [f for f in findings if f.outcome in ("failed", "error") and f.first_step is not None]
    return sorted(failed, key=lambda f: (LAYERS.index(f.layer) if f.layer in LAYERS else 99, order[f.id]))


def _blocked(findings: list[Finding]) -> dict[str, list[str]]:
    blocked: dict[str, list[str]] = {}
    for f in findings:
        if f.blocked_by and f.blocked_by_failure:
            blocked.setdefault(f.blocked_by, []).append(f.id)
    return blocked


def _ps_line(step: FixStep) -> str:
    """A Windows step for PowerShell: its own, or a cmd line handed to cmd.exe in one single-quoted word."""
    if step.shell == "powershell":
        return step.text
    return "& cmd.exe /d /c '" + step.text.replace("'", "''") + "'"


def build(document: dict) -> tuple[str, str]:
    """(fix-distro.sh, fix-windows.ps1) for one results.json document."""
    checks = document.get("checks")
    if not isinstance(checks, list):
        raise FixScriptError("the results.json holds no checks")
    try:
        findings = [Finding.from_json(c) for c in checks]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise FixScriptError(f"a check of the results.json is malformed ({exc.__class__.__name__})") from None
    machine = document.get("machine") if isinstance(document.get("machine"), dict) else {}
    known = _catalog_patterns()
    blocked = _blocked(findings)
    head = [f"machine {_one_line(machine.get('hostname', '?'))}, profile {_one_line(machine.get('profile', '?'))}, "
            f"verdict {_one_line(document.get('verdict', '?'))}",
            "Written by `wslgpu-certify fix` for review: read every line before running it. Nothing ran it."]
    distro = ["#!/usr/bin/env bash", *(f"# {h}" for h in head), "set -euo pipefail", ""]
    windows = [*(f"# {h}" for h in head), "$ErrorActionPreference = 'Stop'", ""]
    seen: set[tuple[str | None, str]] = set()
    for f in _ordered(findings):
        lead = f.leading_cause
        rem = lead.remediation if lead is not None else f.remediation
        about = [_comment("# ==", f"{f.id}: {f.message}")]
        if lead is not None:
            about.append(_comment("#   cause", f"{lead.id}: {lead.cause}"))
            about.append(_comment("#   source", lead.source))
        else:
            about.append(_comment("#   source", f"check {f.id} (docs/checks.md)"
                                  + "".join(f"; {link}" for link in rem.links)))
        if blocked.get(f.id):
            about.append(_comment("#   also unblocks", ", ".join(blocked[f.id])))
        wrote = {"distro": False, "windows": False}
        for step in rem.steps:
            side = "windows" if step.shell in WINDOWS_SHELLS else "distro"
            lines = windows if side == "windows" else distro
            if not wrote[side]:
                lines.extend(about)
                wrote[side] = True
            lines.append(_step_line(step, known, seen))
        for side, lines in (("distro", distro), ("windows", windows)):
            if wrote[side]:
                lines.append("")
    env = machine.get("machine_env") or machine.get("env") or "wsl"
    profile = machine.get("profile") or "documented"
    again = f"wslgpu-certify --env={'linux' if env == 'linux' else 'wsl'} --cert-profile {_quoted(profile)}"
    distro += ["# == last: certify again", again, ""]
    windows += ["# == last: certify again (the Windows side)", f"wslgpu-certify --env=windows --cert-profile "
                f"'{_one_line(profile).replace(chr(39), chr(39) * 2)}'", ""]
    return "\n".join(distro), "\n".join(windows)


def _quoted(value: str) -> str:
    import shlex
    return shlex.quote(_one_line(value))


def _step_line(step: FixStep, known: set[re.Pattern], seen: set) -> str:
    text = step.text
    if not step.is_command:
        return _comment("#", text)
    if step.shell not in ("bash", *WINDOWS_SHELLS):
        return _comment(f"# {step.where}:", text)
    if "\n" in text or "\r" in text or not any(p.fullmatch(text) for p in known):
        return _comment("# NOT FROM THE CATALOG, left out:", text)
    if PLACEHOLDER.search(text):
        return _comment("# a value is missing, left out:", text)
    if step.is_look:
        return _comment("# look (run by hand to see the state):", text)
    if (step.shell, text) in seen:
        return _comment("# (already above)", text)
    seen.add((step.shell, text))
    return _ps_line(step) if step.shell in WINDOWS_SHELLS else text


def main(argv: list[str]) -> int:
    args, out, profile = [], Path("."), None
    it = iter(argv)
    for arg in it:
        if arg in ("--out", "--cert-profile"):
            value = next(it, None)
            if value is None:
                print(f"wslgpu-certify fix: {arg} needs a value", file=sys.stderr)
                return 2
            out, profile = (Path(value), profile) if arg == "--out" else (out, value)
        else:
            args.append(arg)
    if len(args) != 1:
        print("usage: wslgpu-certify fix RESULTS.json|RUN_FOLDER|SNAPSHOT.json|NAME [--out DIR] [--cert-profile P]",
              file=sys.stderr)
        return 2
    try:
        distro, windows = build(_results_of(snapshot_path(args[0]), profile))  # a bare name: a bundled example
        out.mkdir(parents=True, exist_ok=True)
        (out / "fix-distro.sh").write_text(distro, encoding="utf-8")
        (out / "fix-windows.ps1").write_text(windows, encoding="utf-8")
    except (FixScriptError, SnapshotError, OSError) as exc:
        print(f"wslgpu-certify fix: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {out / 'fix-distro.sh'} and {out / 'fix-windows.ps1'}: review them; nothing was run")
    return 0
