"""Profiles: the expected values checks compare against, as TOML data.

A profile may `extends = "documented"` (a bundled name or a path relative to
itself); tables are merged key by key, so a site profile only states what differs.
"""

from __future__ import annotations

import re
try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10 (Ubuntu 22.04): the same parser, from PyPI
    import tomli as tomllib
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

BUNDLED = Path(__file__).with_name("profiles")


class ProfileError(ValueError):
    """A profile that cannot be used; the message is one line for the user."""


def bundled_profiles() -> list[str]:
    return sorted(p.stem for p in BUNDLED.glob("*.toml"))


def _locate(name_or_path: str, relative_to: Path | None) -> Path:
    if name_or_path in bundled_profiles():
        return BUNDLED / f"{name_or_path}.toml"
    path = Path(name_or_path).expanduser()
    if relative_to is not None and not path.is_absolute():
        path = relative_to / path
    if path.suffix == ".toml" and path.is_file():
        return path
    raise ProfileError(
        f"unknown profile {name_or_path!r}: use one of {', '.join(bundled_profiles())} or a path to a .toml file"
    )


def _merge(base: dict, override: dict) -> dict:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_profile(name_or_path: str, _relative_to: Path | None = None, _depth: int = 0) -> dict:
    if _depth > 8:
        raise ProfileError(f"profile {name_or_path!r}: `extends` nests too deep (a loop?)")
    path = _locate(name_or_path, _relative_to)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(f"profile {path} is not valid TOML: {exc}") from None
    base_name = data.pop("extends", None)
    if base_name:
        data = _merge(load_profile(base_name, path.parent, _depth + 1), data)
    data.setdefault("name", path.stem)
    return data


_LEADING_VERSION = re.compile(r"\d+(?:\.\d+)*")


def loose_version(text: str) -> Version:
    """The leading dotted number of a version string: '2.5.0-1' -> 2.5.0, '4.19.128-microsoft-standard' -> 4.19.128."""
    match = _LEADING_VERSION.search(text or "")
    if not match:
        raise InvalidVersion(f"no version number in {text!r}")
    return Version(match.group(0))


def version_satisfies(actual: str, specifier: str) -> bool:
    """Compare a tool's version string with a profile specifier such as '>=4.19.128'."""
    try:
        return SpecifierSet(specifier).contains(loose_version(actual), prereleases=True)
    except InvalidSpecifier:
        raise ProfileError(f"invalid version specifier in profile: {specifier!r}") from None
