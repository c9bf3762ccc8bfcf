"""Releases known to be bad (known_bad_releases.toml), matched against the versions a machine or a paste shows.

A failure that is a release, not a setting: a Windows driver whose WSL nvidia-smi crashes, a Docker
Desktop release that lost the GPU, a toolkit release that misses a new driver library. Each row is
data (component, a PEP 440 SpecifierSet, optional symptom words, the layers it explains, the fix,
its public source) and is returned as the matcher's own `Match` (id `release.<id>`), so the suite's
known causes and `diagnose` show it as they show a signature.

    explains(versions, layer, text)  the rows a FAILED check of `layer` is explained by: the machine's
                                     version in range and, when the row names symptoms, one of them in
                                     the check's output
    always_bad(versions)             the rows bad whatever the machine shows (`always = true`): an
                                     advisory note on a machine that passes, never a failure

Strength (docs/signatures.md, "Known-bad releases"): a catalog signature names the exact error, so it
leads; a release row comes next (it names the release and the way out); a family decode (what a code
means) comes last.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version


from ..lazy_regex import regex
from ..toml_cache import TOMLDecodeError, read_toml
from .catalog import CONFIDENCE, EVIDENCE_LIMIT, LAYERS, Signature, Step, _step
from .matcher import Match

TABLE = Path(__file__).with_name("known_bad_releases.toml")
COMPONENTS = ("driver", "wsl", "kernel", "windows", "docker-desktop", "docker-engine", "toolkit",
              "libnvidia-container")  # versions.py reads each
NAMES = {"driver": "Windows NVIDIA driver", "wsl": "WSL", "kernel": "WSL kernel", "windows": "Windows build",
         "docker-desktop": "Docker Desktop", "docker-engine": "Docker Engine", "toolkit": "NVIDIA Container Toolkit",
         "libnvidia-container": "libnvidia-container"}
_KEYS = {"id", "component", "versions", "layers", "symptoms", "always", "what", "fix", "source", "also", "confidence"}
_LEADING = regex(r"\d+(?:\.\d+)*")


@dataclass(frozen=True)
class Release:
    id: str
    component: str
    versions: SpecifierSet
    layers: tuple[str, ...]
    symptoms: tuple[str, ...]  # lower-case; empty: any failure in `layers`
    always: bool
    what: str
    fix: tuple[Step, ...]
    source: str
    also: tuple[str, ...]
    confidence: str

    def covers(self, version: str | None) -> bool:
        parsed = _version(version)
        return parsed is not None and self.versions.contains(parsed, prereleases=True)

    def shows_symptom(self, text: str) -> bool:
        """One of the row's symptom words is in `text`; a symptom `signal:SIGSEGV` is the crash family's: any way a
        shell, docker or Python says the program died of that signal (`Segmentation fault (core dumped)`, zsh's
        `[1]  494 segmentation fault  nvidia-smi`, `exit status 139`, `Exited (139)`, returncode -11)."""
        if not self.symptoms:
            return True
        lowered = text.lower()
        words = [word for word in self.symptoms if not word.startswith("signal:")]
        signals = {word.removeprefix("signal:").upper() for word in self.symptoms if word.startswith("signal:")}
        return any(word in lowered for word in words) or bool(signals and signals & _crash_signals(text))


def _crash_signals(text: str) -> set[str]:
    from .families import crash  # the crash family reads every spelling of a signal death (families/crash.py)

    return {match.signature.id.rpartition(".")[2].upper() for match in crash.decode(text)}


def _version(text: str | None) -> Version | None:
    """The leading dotted number of a version string ('1.14.3-1' -> 1.14.3, '5.15.90.1-microsoft' -> 5.15.90.1)."""
    found = _LEADING.search(text or "")
    try:
        return Version(found.group(0)) if found else None
    except InvalidVersion:
        return None


def _row(entry: dict, number: int) -> Release:
    where = f"known_bad_releases.toml release {entry.get('id', number)}"

    def bad(field_name: str, why: str) -> ValueError:
        return ValueError(f"{where}: field {field_name}: {why}")

    unknown = set(entry) - _KEYS
    if unknown:
        raise bad(sorted(unknown)[0], "unknown field")
    for key in ("id", "component", "versions", "layers", "what", "fix", "source", "confidence"):
        if not entry.get(key):
            raise bad(key, "missing")
    if entry["component"] not in COMPONENTS:
        raise bad("component", f"{entry['component']!r} is not one of {', '.join(COMPONENTS)}")
    try:
        versions = SpecifierSet(entry["versions"])
    except InvalidSpecifier:
        raise bad("versions", f"{entry['versions']!r} is no SpecifierSet") from None
    if not set(entry["layers"]) <= set(LAYERS):
        raise bad("layers", f"{entry['layers']!r} names a layer not in {LAYERS}")
    if entry["confidence"] not in CONFIDENCE:
        raise bad("confidence", f"{entry['confidence']!r}")
    fix = tuple(_step(step, n, bad) for n, step in enumerate(entry["fix"]))
    return Release(entry["id"], entry["component"], versions, tuple(entry["layers"]),
                   tuple(word.lower() for word in entry.get("symptoms", ())), bool(entry.get("always", False)),
                   entry["what"], fix, entry["source"], tuple(entry.get("also", ())), entry["confidence"])


@lru_cache(maxsize=None)
def load_releases(path: Path = TABLE) -> tuple[Release, ...]:
    """The table, checked: a malformed row is a one-line ValueError naming it and the field."""
    try:
        data = read_toml(path, cached=path == TABLE)
    except (OSError, TOMLDecodeError) as exc:
        raise ValueError(f"{path.name}: {exc}") from None
    rows = tuple(_row(entry, n) for n, entry in enumerate(data.get("release", [])))
    ids = [row.id for row in rows]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path.name}: a release id is used twice")
    return rows


def as_match(row: Release, version: str, advisory: bool = False) -> Match:
    """A row as the matcher's Match: its cause names the release the machine shows and what goes wrong."""
    name = NAMES[row.component]
    cause = f"{name} {version} is a known-bad release: it {row.what}."
    if advisory:
        cause += " This machine passed, so it is not affected yet: a note, not a failure."
    sig = Signature("release." + row.id, row.layers[0], ("*",), (), cause, f"the {name}", row.fix, row.source,
                    row.confidence, also=row.also)
    seen = f"{name} {version} (in the known-bad range {row.versions})"[:EVIDENCE_LIMIT]
    return Match(sig, seen, str(row.versions), version)


def explains(versions: dict[str, str], layer: str | None, text: str, table: tuple[Release, ...] | None = None
             ) -> list[Match]:
    """The rows a failure explains: the release shown in range, the failure's layer among the row's (None: any
    layer), and one of the row's symptom words in `text` when it names any."""
    found = []
    for row in load_releases() if table is None else table:
        version = versions.get(row.component)
        if (layer is None or layer in row.layers) and row.covers(version) and row.shows_symptom(text):
            found.append(as_match(row, version))
    return found


def always_bad(versions: dict[str, str], table: tuple[Release, ...] | None = None) -> list[Match]:
    """The rows whose release is bad whatever the machine shows, for the versions given: advisory notes."""
    return [as_match(row, versions[row.component], advisory=True)
            for row in (load_releases() if table is None else table)
            if row.always and row.covers(versions.get(row.component))]
