"""The known-causes catalog: loading and checking known_causes.toml, compiling its patterns.

A malformed entry is a one-line ValueError naming the signature and the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..lazy_regex import regex
from ..toml_cache import TOMLDecodeError, kept_beside, parse_toml
from .anchors import anchor  # each pattern's required literal text (a speed-up)
from .patterns import checked, command_parts, compiled, has_prefix

CATALOG = Path(__file__).with_name("known_causes.toml")

# The same layer names as findings.LAYERS (a test keeps them equal); not imported, so
# this module stays standard library plus parsers._text.
LAYERS = ("windows", "wsl", "docker", "gpu", "jupyter", "rstudio", "rpy2")
SHELLS = ("bash", "cmd", "powershell")
CONFIDENCE = ("high", "medium", "low")  # most sure first: the order of match()
PLACEHOLDERS = ("distro", "user", "image")  # filled per machine by placeholders.fill

# `{name}` as placeholders.PLACEHOLDER reads it: shell ${VAR} and Go {{...}} are not ones.
_PLACEHOLDER = regex(r"(?<![{$])\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})")
_ANGLE_PLACEHOLDER = regex(r"<[A-Za-z][A-Za-z0-9 _-]*>")  # <distro>, <YOUR_PASS>
_ASSIGNMENT_ONLY = regex(
    r"""^\s*(?:export\s+|set\s+|\$env:)?[A-Za-z_][A-Za-z0-9_]*\s*=\s*(?:"[^"]*"|'[^']*'|[^\s;&|"'])*\s*$""")

_WINDOWS = 256  # lines holding a pattern's words searched one by one, before one whole pass
LINE_LIMIT = 4096  # longer lines are cut for matching: every regex attempt stays bounded
ENGINES = ("distro", "desktop")  # a signature's `engine`: the profiles' docker.engine values
EVIDENCE_LIMIT = 300  # characters of the matched line a Match keeps

_KEYS = {"id", "layer", "commands", "patterns", "not_patterns", "exit_codes", "cause",
         "where", "fix", "source", "also", "confidence", "engine", "profiles", "wsl_only"}
_REQUIRED = ("id", "layer", "commands", "patterns", "cause", "where", "fix", "source", "confidence")


@dataclass(frozen=True)
class Step:
    """One fix step: a command to paste (`run` in `shell`) or an instruction in words (`say`)."""

    run: str = ""
    shell: str = ""
    say: str = ""


@dataclass(frozen=True)
class Signature:
    id: str
    layer: str
    commands: tuple[str, ...]
    patterns: tuple[str, ...]
    cause: str
    where: str
    fix: tuple[Step, ...]
    source: str
    confidence: str
    not_patterns: tuple[str, ...] = ()
    exit_codes: tuple[int, ...] = ()
    also: tuple[str, ...] = ()
    engine: str = ""  # "distro" / "desktop": holds only under a profile of that docker.engine; "": any
    compiled: tuple[re.Pattern, ...] = field(default=(), repr=False, compare=False)
    compiled_not: tuple[re.Pattern, ...] = field(default=(), repr=False, compare=False)
    anchors: tuple[tuple[str, ...], ...] = field(default=(), repr=False, compare=False)
    wsl_only: bool = False  # WSL's own failure (dxg, WSL 1, the Windows driver's projection): never on native Linux
    profiles: tuple = ()  # ((profile name, fix steps), ...): `profiles.documented = [...]`, the fix for that machine

    def fix_for(self, lineage: list[str]) -> tuple[Step, ...]:
        """The fix for the most specific name of profile.fix_lineage() that has one; else `fix`."""
        return next((dict(self.profiles)[name] for name in lineage if name in dict(self.profiles)), self.fix)
    @property
    def sources(self) -> tuple[str, ...]:
        return (self.source, *self.also)

    def applies_to(self, command: str | None) -> bool:
        """True when the signature is written for this command (None: unknown, so yes)."""
        if command is None or "*" in self.commands:
            return True
        return any(has_prefix(part, prefix) for part in command_parts(command)
                   for prefix in self.commands)


@lru_cache(maxsize=8)
def load_catalog(path: str | Path | None = None) -> tuple[Signature, ...]:
    """Read and validate the catalog; a malformed entry raises a one-line ValueError.

    A catalog named by its path (a site's own, the project's tests on the bundled one) has every pattern
    compiled now. The bundled one, loaded by every run, is parsed and checked once per edit of it or of the
    code that checks it (toml_cache.kept_beside), and compiles each pattern on its first search (LazyRegex):
    a healthy replay searches 5 of its 136."""
    if path is not None:
        path = Path(path)
        return tuple(_built(entry, strict=True) for entry in _checked(path.read_bytes(), path.name))
    sources = (Path(__file__), Path(__file__).with_name("patterns.py"), Path(__file__).with_name("anchors.py"))
    kept = kept_beside(CATALOG, "signatures", lambda raw: _checked(raw, CATALOG.name), sources)
    return tuple(_built(entry, strict=False) for entry in kept)


def _checked(raw: bytes, name: str) -> list[dict]:
    """Every entry of the catalog file NAME (its bytes RAW), checked, as plain data (_plain_signature)."""
    try:
        data = parse_toml(raw)
    except TOMLDecodeError as exc:
        raise ValueError(f"{name}: not valid TOML: {exc}") from None
    entries = data.get("signature", [])
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{name}: no [[signature]] entries")
    seen: set[str] = set()
    checked = []
    for number, entry in enumerate(entries, 1):
        plain = _plain_signature(entry, f"entry {number}")
        if plain["id"] in seen:
            raise ValueError(f"signature {plain['id']}: field id: duplicate id")
        seen.add(plain["id"])
        checked.append(plain)
    return checked


def _plain_signature(entry: dict, where: str) -> dict:
    """One entry, checked (a bad field is a ValueError naming it); Signature's fields as plain data (steps as
    (run, shell, say)), with each pattern lower-cased and its literal words (anchors.py)."""
    ident = entry.get("id") if isinstance(entry.get("id"), str) else where

    def bad(field_name: str, why: str) -> ValueError:
        return ValueError(f"signature {ident}: field {field_name}: {why}")

    for key in _REQUIRED:
        if key not in entry:
            raise bad(key, "missing")
    unknown = set(entry) - _KEYS
    if unknown:
        raise bad(sorted(unknown)[0], "unknown field")
    if not re.fullmatch(r"[a-z0-9-]+(?:\.[a-z0-9-]+)+", entry["id"]):
        raise bad("id", "must be dotted lower-case words, <family>.<what>")
    if entry["layer"] not in LAYERS:
        raise bad("layer", f"{entry['layer']!r} is not one of {', '.join(LAYERS)}")
    if entry["confidence"] not in CONFIDENCE:
        raise bad("confidence", f"{entry['confidence']!r} is not one of {', '.join(CONFIDENCE)}")
    for key in ("cause", "where", "source"):
        if not isinstance(entry[key], str) or not entry[key].strip():
            raise bad(key, "must be a non-empty string")
    for key in ("commands", "patterns", "not_patterns", "also"):
        value = entry.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise bad(key, "must be a list of non-empty strings")
    if not entry["commands"] or not entry["patterns"]:
        raise bad("commands" if not entry["commands"] else "patterns", "must not be empty")
    for url in (entry["source"], *entry.get("also", [])):
        if not re.fullmatch(r"https://\S+", url):
            raise bad("source" if url == entry["source"] else "also", f"{url!r} is not an https URL")
    if not isinstance(entry.get("wsl_only", False), bool):
        raise bad("wsl_only", "must be true or false")
    if "engine" in entry and entry["engine"] not in ENGINES:
        raise bad("engine", f"{entry['engine']!r} is not one of {', '.join(ENGINES)}")
    codes = entry.get("exit_codes", [])
    if not isinstance(codes, list) or not all(isinstance(c, int) and not isinstance(c, bool) for c in codes):
        raise bad("exit_codes", "must be a list of integers")
    lowered = [checked(p, lambda why: bad("patterns", why)) for p in entry["patterns"]]
    lowered_not = [checked(p, lambda why: bad("not_patterns", why)) for p in entry.get("not_patterns", [])]
    if not isinstance(entry["fix"], list) or not entry["fix"]:
        raise bad("fix", "must be a non-empty list of steps")
    raw_profiles = entry.get("profiles", {})  # {profile or "linux": [steps]}: that machine's fix (profile.fix_lineage)
    if not isinstance(raw_profiles, dict) or not all(isinstance(f, list) and f for f in raw_profiles.values()):
        raise bad("profiles", "maps a profile name to a non-empty list of steps")

    def plain_steps(steps: list) -> list:
        return [(s.run, s.shell, s.say) for s in (_step(step, n, bad) for n, step in enumerate(steps, 1))]

    return {"id": entry["id"], "layer": entry["layer"], "commands": entry["commands"], "patterns": entry["patterns"],
            "cause": entry["cause"].strip(), "where": entry["where"].strip(), "fix": plain_steps(entry["fix"]),
            "source": entry["source"], "confidence": entry["confidence"],
            "not_patterns": entry.get("not_patterns", []), "exit_codes": codes, "also": entry.get("also", []),
            "engine": entry.get("engine", ""), "wsl_only": entry.get("wsl_only", False),
            "profiles": [(name, plain_steps(fix)) for name, fix in raw_profiles.items()],
            "lowered": lowered, "lowered_not": lowered_not, "anchors": [anchor(p) for p in lowered]}


def _built(plain: dict, strict: bool) -> Signature:
    """The Signature of a checked entry: its patterns compiled now (strict) or on their first search."""
    return Signature(
        id=plain["id"], layer=plain["layer"], commands=tuple(plain["commands"]), patterns=tuple(plain["patterns"]),
        cause=plain["cause"], where=plain["where"], fix=tuple(Step(*step) for step in plain["fix"]),
        source=plain["source"], confidence=plain["confidence"], not_patterns=tuple(plain["not_patterns"]),
        exit_codes=tuple(plain["exit_codes"]), also=tuple(plain["also"]), engine=plain["engine"],
        compiled=tuple(compiled(p, strict) for p in plain["lowered"]),
        compiled_not=tuple(compiled(p, strict) for p in plain["lowered_not"]),
        anchors=tuple(tuple(words) for words in plain["anchors"]),
        profiles=tuple((name, tuple(Step(*step) for step in fix)) for name, fix in plain["profiles"]),
        wsl_only=plain["wsl_only"],
    )


def _step(step, number: int, bad) -> Step:
    name = f"fix[{number}]"
    if not isinstance(step, dict) or set(step) - {"run", "shell", "say"}:
        raise bad(name, "a step is a table with run+shell or say")
    run, shell, say = step.get("run", ""), step.get("shell", ""), step.get("say", "")
    if not all(isinstance(v, str) for v in (run, shell, say)):
        raise bad(name, "run, shell and say are strings")
    if bool(run.strip()) == bool(say.strip()):
        raise bad(name, "exactly one of run or say")
    if say and shell:
        raise bad(name, "a say step has no shell")
    if run:
        if shell not in SHELLS:
            raise bad(name, f"shell must be one of {', '.join(SHELLS)}")
        if "\n" in run.strip():
            raise bad(name, "one command per step (alternatives are separate steps)")
        if run.lstrip().startswith(("#", "REM ", "::")):
            raise bad(name, "a bare comment is not a command")
        if _ASSIGNMENT_ONLY.match(run):
            raise bad(name, "a variable assignment alone changes nothing; say where it goes")
    text = run or say
    angle = _ANGLE_PLACEHOLDER.search(text)
    if angle:
        raise bad(name, f"unfilled placeholder {angle.group(0)}; use {{distro}}, {{user}} or {{image}}")
    for placeholder in _PLACEHOLDER.findall(text):
        if placeholder not in PLACEHOLDERS:
            raise bad(name, f"unknown placeholder {{{placeholder}}}")
    return Step(run=run.strip(), shell=shell, say=say.strip())
